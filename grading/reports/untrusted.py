"""Text from the submission, made safe for each report format.

A report quotes what a submission chose: exception messages, type and file
names, the file a folder's choice names, its printed output. Every writer
first takes ``cleaned(report)``: each text valid Unicode (a lone surrogate
replaced), capped, and with every control character shown as an escape
(``\\x1b``), so that no terminal sequence, no character XML 1.0 refuses and no
bidirectional override reaches a file or a screen. Then, per format:

    markdown_text(s)   one line of Markdown: newlines made spaces, and every character that could open a heading,
                       an HTML tag or comment, a link, a table cell, emphasis or code escaped with a backslash
    markdown_code(s)   an inline code span that no backtick in ``s`` can close
    fence(s)           a fenced block that no line of ``s`` can close

JSON and XML writers escape by themselves (``json.dumps``, ElementTree) once the text is clean; the terminal escapes
rich markup with ``rich.markup.escape``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

from checks.session import readable

TEXT_CAP = 20_000
"""Characters kept of any one text of a report: the longest a grader-made one gets (a failing input) is a few KiB."""
OUTPUT_CAP = 80_000
"""Characters kept of the submission's printed output, already capped at 64 KiB a stream by the worker's drains."""

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
"""Control characters but tab and newline, line and paragraph separators, bidirectional overrides, and the two
noncharacters XML 1.0 refuses."""
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~$&!])")
_LIST_MARKER = re.compile(r"^(\s*)(\d*)([-+=.)])")
_BREAK = re.compile(r"[ \t]*\n\s*")
_AUTOLINK = re.compile(r"(?i)(:(?=//)|(?<=www)\.)")

T = TypeVar("T")


def _shown(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: Any, cap: int = TEXT_CAP) -> str:
    """``text`` as valid Unicode of at most ``cap`` characters (and a note of how many more there were), with each
    control character but tab and newline shown as an escape: ``"bad \\x1b[31m"`` becomes ``"bad \\\\x1b[31m"``."""
    text = readable(str(text)).replace("\r\n", "\n")
    if len(text) > cap:
        text = f"{text[:cap]} [... {len(text) - cap} more characters not kept]"
    return _UNSAFE.sub(_shown, text)


def _one_line(text: str) -> str:
    """``text`` with each line break, and the blanks around it, made one space."""
    return _BREAK.sub(" ", text).replace("\t", " ")


def markdown_text(text: str) -> str:
    """``text`` (cleaned) as one line of Markdown that renders as itself and nothing more."""
    flat = _one_line(clean(text))
    escaped = _MARKDOWN.sub(r"\\\1", flat)
    escaped = _AUTOLINK.sub(r"\\\1", escaped)  # "https\://", "www\.": no bare link either
    return _LIST_MARKER.sub(r"\1\2\\\3", escaped, count=1)  # "- x", "1. x", "1) x": no list either


def markdown_code(text: str) -> str:
    """``text`` (cleaned, on one line) as an inline code span, fenced by more backticks than any run in it."""
    flat = _one_line(clean(text))
    longest = max((len(run) for run in re.findall("`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def fence(text: str) -> str:
    """``text`` (cleaned) as a fenced ``text`` block, fenced by more backticks than any run in it."""
    text = clean(text)
    marks = "```"
    while marks in text:
        marks += "`"
    return f"{marks}text\n{text}\n{marks}"


def cleaned(report: T) -> T:
    """``report`` (a Report, or any of its parts) with every text in it cleaned and capped; the printed output
    keeps ``OUTPUT_CAP`` characters, any other text ``TEXT_CAP``."""
    return _cleaned(report, TEXT_CAP)


def _cleaned(value: Any, cap: int) -> Any:
    if isinstance(value, str):
        return clean(value, cap)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _cleaned(getattr(value, f.name), OUTPUT_CAP if f.name == "output" else cap) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_cleaned(item, cap) for item in value)
    if isinstance(value, list):
        return [_cleaned(item, cap) for item in value]
    if isinstance(value, dict):
        return {_cleaned(k, TEXT_CAP): _cleaned(v, cap) for k, v in value.items()}
    return value
