"""report.md: a per-problem table, then each failure with its smallest failing input and a hint."""

from __future__ import annotations

from checks.results import PASSED, SKIPPED
from grading.report import Report
from grading.reports.wording import diagnosis_text

MARK = {"passed": "✅", "failed": "❌", "error": "💥", "timeout": "⏱️", "skipped": "➖"}


def _points(x: float) -> str:
    return f"{x:g}"


def _fence(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{text}\n{fence}"


def markdown(report: Report) -> str:
    lines = [
        f"# {report.assignment}: {_points(report.score)} / {_points(report.max_score)}",
        "",
        f"Submission `{report.submission}` · seed {report.seed} · {report.max_examples} examples per property · {report.seconds:.1f} s",
        "",
        "| Problem | Score | Checks |",
        "|---|---:|---|",
    ]
    for problem in report.problems:
        label = f"**{problem.id}** {problem.title}" + (" (required)" if problem.required else "") + (" (bonus)" if problem.bonus else "")
        marks = " ".join(f"{MARK[c.status]} {c.name}" for c in problem.checks)
        lines.append(f"| {label} | {_points(problem.score)} / {_points(problem.max_score)} | {marks} |")
    for title, items in (("Notes", report.notes), ("Warnings", report.warnings)):
        if items:
            lines += ["", f"## {title}", "", *(f"- {item}" for item in items)]
    failures = [(p, c) for p, c in report.checks if c.status not in (PASSED, SKIPPED)]
    if failures:
        lines += ["", "## What to fix"]
    for problem, check in failures:
        lines += [
            "",
            f"### {MARK[check.status]} {problem.id} · {check.name}: {check.status} (0 / {_points(check.max_score)})",
            "",
            check.message,
        ]
        if check.diagnosis:
            lines += ["", f"**Diagnosis:** {diagnosis_text(check.diagnosis, check.hint)}"]
        if check.counterexample:
            lines += ["", "Smallest failing input:", "", _fence(check.counterexample)]
        if check.hint:
            lines += ["", f"**Hint:** {check.hint}"]
    skipped = [(p, c) for p, c in report.checks if c.status == SKIPPED]
    if skipped:
        lines += ["", "## Skipped", ""]
        for problem in report.problems:
            reasons: dict[str, list[str]] = {}
            for p, c in skipped:
                if p is problem:
                    reasons.setdefault(c.message, []).append(c.name)
            for reason, names in reasons.items():
                lines.append(f"- {problem.id} · {', '.join(names) if len(names) < len(problem.checks) else 'every check'}: {reason}")
    if not failures:
        lines += ["", "Every check passed." if not skipped else "Every check that ran passed."]
    return "\n".join(lines) + "\n"
