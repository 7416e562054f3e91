"""summary.html: the cohort's summary for a browser, with the score histogram (matplotlib), what the cohort failed,
the mistakes behind it, and a link to each student's report.html.

The same data as summary.md (``summary.summary_json``). Students' names are the names of their entries in the cohort's
folder: escaped in text, and quoted in each link, which points inside the batch's output folder only.
"""

from __future__ import annotations

from urllib.parse import quote

from grading.reports import pictures
from grading.reports.page import escape, page
from grading.reports.summary import summary_json
from grading.reports.wording import points

STYLE = """
figure.histogram svg { max-width: 100%; height: auto; }
.status-error, .status-timeout { color: #c62828; }
"""


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], numbers: tuple[int, ...] = ()) -> str:
    """An HTML table of cells that are already HTML; the columns in ``numbers`` right-aligned."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="number">{c}</td>' if i in numbers else f"<td>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _student(row) -> str:
    """The student's name, linked to their report.html when one was written."""
    name = escape(row.student)
    return f'<a href="{escape(quote(row.student, safe=""))}/report.html">{name}</a>' if row.reported else name


def summary_html(result, settings) -> str:
    data = summary_json(result, settings)
    title = f"{settings.assignment}: {data['submissions']} submissions"
    status = ", ".join(f"{n} {s}" for s, n in sorted(data["status"].items()))
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(status)}. Mean {data['percent']['mean']}%, median {data['percent']['median']}%. "
        f"{data['graded_now']} graded in this run, {data['reused']} unchanged and reused ({data['seconds']} s).</p>",
        f'<figure class="histogram">{pictures.score_histogram(data["histogram"])}</figure>',
        "<h2>What the cohort failed</h2>",
    ]
    if data["checks"]:
        rows = [(escape(c["check"]), str(c["failed"]), str(c["of"]), f"{100 * c['fraction']:.0f}%") for c in data["checks"]]
        parts.append(_table(("check", "failed", "of", "share"), rows, numbers=(1, 2, 3)))
    else:
        parts.append("<p>Every graded submission passed every check.</p>")
    parts.append("<h2>The mistakes behind the failures</h2>")
    if data["diagnoses"]:
        rows = [(escape(d["mistake"]), f"{d['students']} of {data['submissions']}", escape(d["explanation"])) for d in data["diagnoses"]]
        parts.append(_table(("mistake", "students", "what it is"), rows, numbers=(1,)))
    else:
        parts.append("<p>No failure matched a known mistake.</p>")
    if data["similar"] is not None and "error" not in data["similar"]:
        parts.append('<p>Similar submissions, for a person to judge: <a href="similarity.html">similarity.html</a>.</p>')
    parts.append("<h2>Students</h2>")
    rows = [
        (
            _student(r),
            f"{points(r.score)} / {points(r.max_score)}",
            f'<span class="status-{escape(r.status)}">{escape(r.status)}</span>',
            f"{r.seconds:.2f}",
            escape(r.reason),
        )
        for r in result.rows
    ]
    parts.append(_table(("student", "score", "status", "seconds", "why not graded in full"), rows, numbers=(1, 3)))
    return page(title, "".join(parts), STYLE)
