"""report.md: a per-problem table, then what to fix: each failure with its smallest failing input and a hint, each said once.

Every text that can hold the submission's words (messages, reasons, notes, warnings, file names) is escaped
(``grading.reports.untrusted``), so that it renders as itself: no heading, HTML comment, link or table of its own.
"""

from __future__ import annotations

from checks.results import ERROR, SKIPPED, CheckResult
from grading.report import ProblemResult, Report
from grading.reports.for_people import Failure, NotRun, skipped, warnings, what_to_fix
from grading.reports.untrusted import cleaned, fence, markdown_code, markdown_text
from grading.reports.wording import seed_text, explained_together, none_ran, points, problem_label, score_text

MARK = {"passed": "✅", "failed": "❌", "error": "💥", "timeout": "⏱️", "skipped": "➖"}


def _marks(problem: ProblemResult) -> str:
    """Each check's mark; a problem that could not run says so once instead."""
    if not problem.error:
        return " ".join(f"{MARK[c.status]} {c.name}" for c in problem.checks)
    status = problem.checks[0].status if problem.checks else ERROR
    return f"{MARK[status]} {none_ran(len(problem.checks), skipped=status == SKIPPED)}"


def _not_run(entry: NotRun) -> list[str]:
    names = ", ".join(p.id for p in entry.problems)
    lines = ["", f"### {MARK[entry.status]} {names} could not run (0 / {points(entry.max_score)})", "", markdown_text(entry.reason)]
    return lines + (["", f"**Hint:** {entry.hint}"] if entry.hint else [])


def _input(check: CheckResult, same_as: str | None = None) -> list[str]:
    if same_as:
        return ["", f"Smallest failing input: the same as {same_as}'s."]
    return ["", "Smallest failing input:", "", fence(check.counterexample)] if check.counterexample else []


def _failure(entry: Failure) -> list[str]:
    """One failed check with its diagnosis, input and hint; or the checks one mistake explains, under one heading."""
    first = entry.checks[0]
    if len(entry.checks) == 1:
        lines = ["", f"### {MARK[first.status]} {entry.problem.id} · {first.name}: {first.status} (0 / {points(first.max_score)})"]
        lines += ["", markdown_text(first.message)]
        lines += ["", f"**Diagnosis:** {entry.diagnosis}"] if entry.diagnosis else []
        lines += _input(first)
        return lines + (["", f"**Hint:** {entry.hint}"] if entry.hint else [])
    names = ", ".join(c.name for c in entry.checks)
    if not entry.mistakes:  # checks that one reason kept from running: the reason once
        lines = ["", f"### {MARK[first.status]} {entry.problem.id} · {names}: {first.status} (0 / {points(entry.max_score)})"]
        return lines + ["", markdown_text(first.message)] + (["", f"**Hint:** {entry.hint}"] if entry.hint else [])
    lines = [
        "",
        f"### {MARK[first.status]} {entry.problem.id} · {names} (0 / {points(entry.max_score)}): "
        f"{explained_together(entry.mistakes, len(entry.checks))}",
        "",
        f"**Diagnosis:** {entry.diagnosis}",
    ]
    lines += ["", f"**Hint:** {entry.hint}"] if entry.hint else []
    for check in entry.checks:
        lines += [
            "",
            f"#### {MARK[check.status]} {check.name}: {check.status} (0 / {points(check.max_score)})",
            "",
            markdown_text(check.message),
        ]
        lines += _input(check, entry.same_input_as(check))
    return lines


def markdown(report: Report) -> str:
    report = cleaned(report)
    lines = [f"# {report.assignment}: {score_text(report)}", ""]
    for first in (report.choice, report.binding):
        if first:
            lines += [markdown_text(first), ""]
    graded = f" · file {markdown_code(report.file)}" if report.file else ""
    lines += [
        f"Submission {markdown_code(report.submission)}{graded} · {seed_text(report)} · {report.max_examples} examples per property"
        f" · interface {report.interface}"
        f" · {report.seconds:.1f} s",
        "",
        "| Problem | Score | Checks |",
        "|---|---:|---|",
    ]
    for problem in report.problems:
        label = f"**{problem.id}** {problem_label(problem.title, required=problem.required, bonus=problem.bonus)}"
        lines.append(f"| {label} | {points(problem.score)} / {points(problem.max_score)} | {_marks(problem)} |")
    for title, items in (("Notes", report.notes), ("Warnings", warnings(report))):
        if items:
            lines += ["", f"## {title}", "", *(f"- {markdown_text(item)}" for item in items)]
    failures = what_to_fix(report)
    if failures:
        lines += ["", "## What to fix"]
    for entry in failures:
        lines += _not_run(entry) if isinstance(entry, NotRun) else _failure(entry)
    passed_by = skipped(report)
    if passed_by:
        lines += ["", "## Skipped", ""]
        lines += [f"- {problem} · {which}: {markdown_text(reason)}" for problem, which, reason in passed_by]
    if not failures:
        lines += ["", "Every check passed." if not passed_by else "Every check that ran passed."]
    return "\n".join(lines) + "\n"
