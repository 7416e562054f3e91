"""report.html: everything report.md says, and for each failed check that compared arrays, its pictures.

One self-contained page (``grading.reports.page``): opened by double-click, with no script and no network. Each
failure is a ``<details open>`` section that folds without a script. A check that compared arrays gets a
``<figure class="compared" data-check="PROBLEM.CHECK">`` with its heatmaps (``pictures.heatmaps``) and, for a hidden
state over the steps, its lines (``pictures.hidden_state``), both for the smallest failing input: taken from the painter
(``grading.painter``) when the grading had them drawn there, else drawn here.

Every text that can hold the submission's words is cleaned (``untrusted.cleaned``) and escaped; the pictures hold
only grader-made names and numbers. matplotlib is imported only when some failed check has arrays to draw.
"""

from __future__ import annotations

from checks.results import SKIPPED, CheckResult, Compared
from grading import painter
from grading.report import ProblemResult, Report
from grading.reports import pictures
from grading.reports.for_people import Failure, NotRun, skipped, warnings, what_to_fix
from grading.reports.page import escape, page
from grading.reports.untrusted import cleaned
from grading.reports.wording import explained_together, none_ran, points, problem_label, score_text, seed_text

MARK = {
    status: f'<span class="mark {status}" title="{status}">{sign}</span>'
    for status, sign in (("passed", "✓"), ("failed", "✗"), ("error", "!"), ("timeout", "⌛"), ("skipped", "–"))
}
"""Each status as a sign that common fonts hold (report.md's emoji show as boxes where no emoji font is installed)."""

STYLE = """
.mark { font-weight: 700; }
.mark.passed { color: #2e7d32; } .mark.failed { color: #c62828; } .mark.error, .mark.timeout { color: #ef6c00; }
.mark.skipped { color: #777; }
details { border-left: 3px solid #c62828; padding-left: 0.8em; margin: 1em 0; }
details.error, details.timeout { border-color: #ef6c00; }
summary { cursor: pointer; font-weight: 600; }
summary h3 { display: inline; font-size: 1.05em; }
figure.compared { margin: 0.8em 0; }
figure.compared figcaption { font-size: 0.85em; color: #555; }
figure.compared svg { max-width: 100%; height: auto; display: block; }
.meta { color: #555; }
"""


def _paragraph(text: str, label: str = "") -> str:
    return f"<p>{f'<strong>{label}</strong> ' if label else ''}{escape(text)}</p>"


def _marks(problem: ProblemResult) -> str:
    if not problem.error:
        return " ".join(f"{MARK[c.status]} {escape(c.name)}" for c in problem.checks)
    status = problem.checks[0].status if problem.checks else "error"
    return f"{MARK[status]} {escape(none_ran(len(problem.checks), skipped=status == SKIPPED))}"


def _caption(kind: str, compared: Compared) -> str:
    if kind == "hidden_state":
        return f"{escape(compared.name)} over {escape(compared.axes[1])}, one line per unit: expected dashed, received solid."
    return (
        f"{escape(compared.name)} ({escape(' × '.join(compared.axes))}) on the smallest failing input: expected, received "
        "and received − expected on one colour scale; a blank cell of the difference is within tolerance, and the worst "
        "entry is outlined."
    )


def _pictures(problem: ProblemResult, check: CheckResult) -> str:
    """The heatmaps of ``check``'s compared arrays, and a hidden state's lines over the steps; "" when it has none.

    A picture that cannot be drawn (matplotlib missing or failing) is replaced by a line that says so: the page, and
    every other report, is written all the same."""
    compared = check.compared
    if compared is None:
        return ""
    parts = []
    for kind, figure in pictures.drawings(problem.id, check.name, compared):
        try:
            svg = painter.drawn(kind, figure, compared) or pictures.draw(kind, compared, figure)
        except Exception as error:  # noqa: BLE001 - a picture is extra: the report stands without it
            svg = f"<p>(this picture could not be drawn: {escape(type(error).__name__)}: {escape(str(error))})</p>"
        parts += [f"<figcaption>{_caption(kind, compared)}</figcaption>", svg]
    return f'<figure class="compared" data-check="{escape(problem.id)}.{escape(check.name)}">{"".join(parts)}</figure>'


def _input(check: CheckResult, same_as: str | None = None) -> str:
    if same_as:
        return f"<p>Smallest failing input: the same as {escape(same_as)}'s.</p>"
    return f"<p>Smallest failing input:</p><pre>{escape(check.counterexample)}</pre>" if check.counterexample else ""


def _section(status: str, heading: str, body: str) -> str:
    return f'<details open class="{status}"><summary><h3>{MARK[status]} {heading}</h3></summary>{body}</details>'


def _not_run(entry: NotRun) -> str:
    names = escape(", ".join(p.id for p in entry.problems))
    body = _paragraph(entry.reason) + (_paragraph(entry.hint, "Hint:") if entry.hint else "")
    return _section(entry.status, f"{names} could not run (0 / {points(entry.max_score)})", body)


def _failure(entry: Failure) -> str:
    """One failed check with its diagnosis, input, hint and pictures; or the checks one mistake explains, under one heading."""
    first, problem = entry.checks[0], entry.problem
    hint = _paragraph(entry.hint, "Hint:") if entry.hint else ""
    diagnosis = _paragraph(entry.diagnosis, "Diagnosis:") if entry.diagnosis else ""
    if len(entry.checks) == 1:
        heading = f"{escape(problem.id)} · {escape(first.name)}: {first.status} (0 / {points(first.max_score)})"
        body = _paragraph(first.message) + diagnosis + _input(first) + hint + _pictures(problem, first)
        return _section(first.status, heading, body)
    names = escape(", ".join(c.name for c in entry.checks))
    if not entry.mistakes:  # checks that one reason kept from running: the reason once
        heading = f"{escape(problem.id)} · {names}: {first.status} (0 / {points(entry.max_score)})"
        return _section(first.status, heading, _paragraph(first.message) + hint)
    heading = (
        f"{escape(problem.id)} · {names} (0 / {points(entry.max_score)}): {escape(explained_together(entry.mistakes, len(entry.checks)))}"
    )
    body = diagnosis + hint
    for check in entry.checks:
        body += f"<h4>{MARK[check.status]} {escape(check.name)}: {check.status} (0 / {points(check.max_score)})</h4>"
        body += _paragraph(check.message) + _input(check, entry.same_input_as(check)) + _pictures(problem, check)
    return _section(first.status, heading, body)


def _skipped(report: Report) -> str:
    items = "".join(f"<li>{escape(problem)} · {escape(which)}: {escape(why)}</li>" for problem, which, why in skipped(report))
    return f"<h2>Skipped</h2><ul>{items}</ul>" if items else ""


def html(report: Report) -> str:
    report = cleaned(report)
    title = f"{report.assignment}: {score_text(report)}"
    parts = [f"<h1>{escape(title)}</h1>"]
    parts += [_paragraph(first) for first in (report.choice, report.binding) if first]
    graded = f" · file <code>{escape(report.file)}</code>" if report.file else ""
    parts.append(
        f'<p class="meta">Submission <code>{escape(report.submission)}</code>{graded} · {escape(seed_text(report))} · '
        f"{report.max_examples} examples per property · interface {escape(report.interface)} · {report.seconds:.1f} s</p>"
    )
    rows = "".join(
        f"<tr><td><strong>{escape(p.id)}</strong> {escape(problem_label(p.title, required=p.required, bonus=p.bonus))}</td>"
        f'<td class="number">{points(p.score)} / {points(p.max_score)}</td><td>{_marks(p)}</td></tr>'
        for p in report.problems
    )
    parts.append(f"<table><tr><th>Problem</th><th>Score</th><th>Checks</th></tr>{rows}</table>")
    for heading, items in (("Notes", report.notes), ("Warnings", warnings(report))):
        if items:
            parts.append(f"<h2>{heading}</h2><ul>{''.join(f'<li>{escape(item)}</li>' for item in items)}</ul>")
    failures = what_to_fix(report)
    if failures:
        parts.append("<h2>What to fix</h2>")
        parts += [_not_run(entry) if isinstance(entry, NotRun) else _failure(entry) for entry in failures]
    passed_by = _skipped(report)
    parts.append(passed_by)
    if not failures:
        parts.append("<p>Every check that ran passed.</p>" if passed_by else "<p>Every check passed.</p>")
    return page(title, "".join(parts), STYLE)
