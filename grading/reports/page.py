"""The frame of every HTML page the grader writes: one self-contained file, no script, no network.

A page's Content-Security-Policy allows nothing but its own inline styles (and the inline SVG pictures it holds, which
are part of the document, not requests), so that a page cannot fetch, run or leak anything even if some text in it
were not escaped.
"""

from __future__ import annotations

from html import escape as _escape

from grading.reports.untrusted import clean

POLICY = "default-src 'none'; style-src 'unsafe-inline'"

BASE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
td.number { text-align: right; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; line-height: 1.35; }
code { background: #f3f3f3; padding: 0 0.2em; }
"""


def escape(text: str) -> str:
    """``text`` safe in HTML, and with no control character, bidirectional override or lone surrogate left in it
    (``untrusted.clean``: shown as escapes such as ``\\u202e``)."""
    return _escape(clean(text, cap=len(text) + 1))


def page(title: str, body: str, style: str = "") -> str:
    """A whole HTML document: ``title`` (escaped here), ``body`` (already HTML), the base style and ``style``."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        f"<title>{escape(title)}</title><style>{BASE_STYLE}{style}</style></head><body>{body}</body></html>\n"
    )
