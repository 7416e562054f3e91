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


def results(report: Report, *, visibility: str = "visible", fail_under: float | None = None) -> dict:
    """Gradescope's results.json as a dict: one test per check, the notes and warnings as the top-level output.

    ``visibility``: each test's ("after_due_date" hides each check's points and details from students until the due
    date; the total stays visible). ``fail_under``: a percentage under which the output says the score is below it.
    """
    report = cleaned(report)
    tests = [
        {
            "name": f"{problem.id}: {check.name}",
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.status == "passed" else "failed",
            "output": _output(problem, check),
            "output_format": "md",
            "visibility": visibility,
        }
        for problem, check in report.checks
    ]
    notes = (*report.notes, *warnings(report))
    first = [markdown_text(line) for line in (report.choice, report.binding) if line]
    percent = 100 * report.score / report.max_score if report.max_score else 0.0
    if fail_under is not None and percent < fail_under:
        first.append(f"{percent:.0f}% is below this course's bar of {fail_under:g}%.")
    if visibility != "visible":
        first.append("Each check's points and details are shown after the due date; the total is shown now.")
    summary = "\n".join([*([*first, ""] if first else []), *(f"- {markdown_text(w)}" for w in notes)])
    return {
        "score": report.score,
        "execution_time": round(report.seconds, 3),
        "output": summary.strip() or f"{report.assignment}: {score_text(report)}",
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def gradescope(report: Report) -> str:
    return json.dumps(results(report), indent=2, allow_nan=False) + "\n"
