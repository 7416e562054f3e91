"""results.json: the Gradescope autograder format, one test per check; its outputs are Markdown, escaped as report.md's are."""

from __future__ import annotations

import json

from grading.report import ProblemResult, Report
from grading.reports.for_people import shown_hint, warnings
from grading.reports.untrusted import cleaned, fence, markdown_text
from grading.reports.wording import diagnosis_text, score_text


def _output(problem: ProblemResult, check) -> str:
    parts = [markdown_text(check.message) or check.status]
    hint = shown_hint(problem, check)
    if check.diagnosis:
        parts.append(f"**Diagnosis:** {diagnosis_text(check.diagnosis, hint)}")
    if check.counterexample and not problem.error:  # a problem that could not run has no failing input
        parts.append(f"Smallest failing input:\n\n{fence(check.counterexample)}")
    if hint:
        parts.append(f"**Hint:** {hint}")
    return "\n\n".join(parts)


def gradescope(report: Report) -> str:
    report = cleaned(report)
    tests = [
        {
            "name": f"{problem.id}: {check.name}",
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.status == "passed" else "failed",
            "output": _output(problem, check),
            "output_format": "md",
            "visibility": "visible",
        }
        for problem, check in report.checks
    ]
    notes = (*report.notes, *warnings(report))
    first = [markdown_text(line) for line in (report.choice, report.binding) if line]
    summary = "\n".join([*([*first, ""] if first else []), *(f"- {markdown_text(w)}" for w in notes)])
    results = {
        "score": report.score,
        "output": summary.strip() or f"{report.assignment}: {score_text(report)}",
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(results, indent=2, allow_nan=False) + "\n"
