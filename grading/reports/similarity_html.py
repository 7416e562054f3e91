"""similarity.html: one self-contained page, no script and no network, listing the similar pairs with both shares and
showing each flagged pair's two files side by side, the matching regions marked.

Every text from a submission (its code, its student's name) is cleaned and escaped; each marked region is a
``<mark data-pair="P" data-side="a|b" data-start="S" data-end="E">`` over exactly the characters ``S:E`` of that
side's code, the spans summary.json lists.
"""

from __future__ import annotations

from grading.reports.page import escape, page
from grading.reports.wording import share_text

STYLE = """
td.share { text-align: right; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
mark { background: #ffd54f; }
"""


def _marked(text: str, regions: list, pair: int, side: str) -> str:
    out, at = [], 0
    for start, end in regions:
        out.append(escape(text[at:start]))
        attributes = f'data-pair="{pair}" data-side="{side}" data-start="{start}" data-end="{end}"'
        out.append(f"<mark {attributes}>{escape(text[start:end])}</mark>")
        at = end
    out.append(escape(text[at:]))
    return "".join(out)


def similarity_html(data: dict, codes: dict[str, str], title: str) -> str:
    """The page for ``data`` (``Similarity.to_dict()``) over ``codes`` (each student's graded code, as compared)."""
    flagged = data["flagged"]
    rows = "".join(
        f'<tr><td><a href="#pair-{i}">{escape(p["a"])} and {escape(p["b"])}</a></td>'
        f'<td class="share">{share_text(p["code"])}</td><td class="share">{share_text(p["code_a"])} / {share_text(p["code_b"])}</td>'
        f'<td class="share">{share_text(p["behaviour"])}</td><td class="share">{p["shared_wrong"]}</td></tr>'
        for i, p in enumerate(flagged)
    )
    sections = []
    for i, p in enumerate(flagged):
        sides = "".join(
            f"<div><h3>{escape(p[side])}</h3><pre>{_marked(codes.get(p[side], ''), p['regions_' + side], i, side)}</pre></div>"
            for side in ("a", "b")
        )
        sections.append(
            f'<section id="pair-{i}"><h2>{escape(p["a"])} and {escape(p["b"])}</h2>'
            f"<p>code {share_text(p['code'])} ({share_text(p['code_a'])} of {escape(p['a'])}'s own code is in the other,"
            f" {share_text(p['code_b'])} of {escape(p['b'])}'s); behaviour {share_text(p['behaviour'])}"
            f' ({p["shared_wrong"]} wrong answers in common)</p><div class="sides">{sides}</div></section>'
        )
    clusters = "".join(f"<li>{escape(', '.join(c))}</li>" for c in data["clusters"])
    body = (
        f"<h1>{escape(title)}</h1>"
        f"<p>{data['compared']} submissions compared; {len(flagged)} pairs at or above {share_text(data['threshold'])}"
        f" in code or behaviour. Method: {escape(data['method'])}. Evidence for a person to judge, never a score.</p>"
        + (f"<h2>Clusters</h2><ul>{clusters}</ul>" if clusters else "")
        + "<table><tr><th>pair</th><th>code</th><th>each one's own code in the other</th><th>behaviour</th>"
        f"<th>wrong answers in common</th></tr>{rows}</table>" + "".join(sections)
    )
    return page(title, body, STYLE)
