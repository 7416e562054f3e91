"""The student's terminal summary: one line per check, then what to fix. Colour only on a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from checks.results import PASSED, SKIPPED
from grading.report import Report
from grading.reports.wording import diagnosis_text

STYLE = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow", "skipped": "dim"}


def print_summary(report: Report, console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    skipped = sum(c.max_score for p, c in report.checks if c.status == SKIPPED and not p.bonus)
    total = f"{report.score:g} / {report.max_score - skipped:g}" + (
        f" of the checks that ran ({skipped:g} points skipped)" if skipped else ""
    )
    console.print(f"[bold]{escape(report.assignment)}[/]: {total}  ({escape(report.submission)}, {report.seconds:.1f} s)")
    for note in report.notes:
        console.print(f"  [dim]{escape(note)}[/]")
    for warning in report.warnings:
        console.print(f"  [yellow]warning:[/] {escape(warning)}")
    for problem in report.problems:
        console.print(f"\n[bold]{problem.id}[/] {escape(problem.title)}: {problem.score:g} / {problem.max_score:g}")
        for check in problem.checks:
            console.print(f"  [{STYLE[check.status]}]{check.status:>7}[/] {check.name}")
    for problem, check in report.checks:
        if check.status in (PASSED, SKIPPED):
            continue
        console.print(f"\n[bold {STYLE[check.status]}]{problem.id} · {check.name}[/]: {escape(check.message)}")
        if check.diagnosis:
            console.print(f"[magenta]diagnosis:[/] {escape(diagnosis_text(check.diagnosis, check.hint))}")
        if check.counterexample:
            console.print("[dim]smallest failing input:[/]")
            console.print(escape(check.counterexample), markup=True)
        if check.hint:
            console.print(f"[cyan]hint:[/] {escape(check.hint)}")
