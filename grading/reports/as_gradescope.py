"""results.json: the Gradescope autograder format, one test per check."""

from __future__ import annotations

import json

from grading.report import Report
from grading.reports.wording import diagnosis_text


def _output(check) -> str:
    parts = [check.message or check.status]
    if check.diagnosis:
        parts.append(f"**Diagnosis:** {diagnosis_text(check.diagnosis, check.hint)}")
    if check.counterexample:
        parts.append(f"Smallest failing input:\n\n```text\n{check.counterexample}\n```")
    if check.hint:
        parts.append(f"**Hint:** {check.hint}")
    return "\n\n".join(parts)


def gradescope(report: Report) -> str:
    tests = [
        {
            "name": f"{problem.id}: {check.name}",
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.status == "passed" else "failed",
            "output": _output(check),
            "output_format": "md",
            "visibility": "visible",
        }
        for problem, check in report.checks
    ]
    summary = "\n".join(f"- {w}" for w in (*report.notes, *report.warnings))
    results = {
        "score": report.score,
        "output": summary or f"{report.assignment}: {report.score:g} / {report.max_score:g}",
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(results, indent=2, allow_nan=False) + "\n"
