"""The student's terminal summary: one line per check, then what to fix, each said once. Colour only on a terminal.

Texts are cleaned (no control character reaches the terminal: ``grading.reports.untrusted``) and rich markup escaped.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from checks.results import ERROR, SKIPPED, CheckResult
from grading.report import ProblemResult, Report
from grading.reports.for_people import Failure, NotRun, warnings, what_to_fix
from grading.reports.untrusted import cleaned
from grading.reports.wording import explained_together, none_ran, points, problem_label, score_text

STYLE = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow", "skipped": "dim"}


def _problem(console: Console, problem: ProblemResult) -> None:
    """The problem's score, then one line per check; a problem that could not run says so in one line."""
    label = problem_label(problem.title, required=problem.required, bonus=problem.bonus)
    console.print(f"\n[bold]{problem.id}[/] {escape(label)}: {points(problem.score)} / {points(problem.max_score)}")
    if problem.error:
        status = problem.checks[0].status if problem.checks else ERROR
        console.print(f"  [{STYLE[status]}]{status:>7}[/] {none_ran(len(problem.checks), skipped=status == SKIPPED)}")
        return
    for check in problem.checks:
        console.print(f"  [{STYLE[check.status]}]{check.status:>7}[/] {check.name}")


def _input(console: Console, check: CheckResult, same_as: str | None = None) -> None:
    if same_as:
        console.print(f"[dim]smallest failing input: the same as {same_as}'s[/]")
    elif check.counterexample:
        console.print("[dim]smallest failing input:[/]")
        console.print(escape(check.counterexample))


def _not_run(console: Console, entry: NotRun) -> None:
    names = ", ".join(p.id for p in entry.problems)
    console.print(f"\n[bold {STYLE[entry.status]}]{names} could not run[/]: {escape(entry.reason)}")
    if entry.hint:
        console.print(f"[cyan]hint:[/] {escape(entry.hint)}")


def _failure(console: Console, entry: Failure) -> None:
    first = entry.checks[0]
    if len(entry.checks) == 1:
        console.print(f"\n[bold {STYLE[first.status]}]{entry.problem.id} · {first.name}[/]: {escape(first.message)}")
        if entry.diagnosis:
            console.print(f"[magenta]diagnosis:[/] {escape(entry.diagnosis)}")
        _input(console, first)
        if entry.hint:
            console.print(f"[cyan]hint:[/] {escape(entry.hint)}")
        return
    names = ", ".join(c.name for c in entry.checks)
    if not entry.mistakes:  # checks that one reason kept from running: the reason once
        console.print(f"\n[bold {STYLE[first.status]}]{entry.problem.id} · {names}[/]: {escape(first.message)}")
        if entry.hint:
            console.print(f"[cyan]hint:[/] {escape(entry.hint)}")
        return
    console.print(f"\n[bold {STYLE[first.status]}]{entry.problem.id} · {names}[/]: {explained_together(entry.mistakes, len(entry.checks))}")
    console.print(f"[magenta]diagnosis:[/] {escape(entry.diagnosis)}")
    if entry.hint:
        console.print(f"[cyan]hint:[/] {escape(entry.hint)}")
    for check in entry.checks:
        console.print(f"\n[{STYLE[check.status]}]{check.name}[/]: {escape(check.message)}")
        _input(console, check, entry.same_input_as(check))


def print_summary(report: Report, console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    report = cleaned(report)
    skipped = sum(c.max_score for p, c in report.checks if c.status == SKIPPED and not p.bonus)
    total = score_text(report, skipped=skipped)
    console.print(f"[bold]{escape(report.assignment)}[/]: {escape(total)}  ({escape(report.submission)}, {report.seconds:.1f} s)")
    for first in (report.choice, report.binding):
        if first:
            console.print(f"  {escape(first)}")
    for note in report.notes:
        console.print(f"  [dim]{escape(note)}[/]")
    for warning in warnings(report):
        console.print(f"  [yellow]warning:[/] {escape(warning)}")
    for problem in report.problems:
        _problem(console, problem)
    for entry in what_to_fix(report):
        if isinstance(entry, NotRun):
            _not_run(console, entry)
        else:
            _failure(console, entry)
