"""Writers: each turns a Report into one file's text, and ``write_all`` puts all five in a folder.

    report.json    the data model as JSON
    report.md      for people and CI job summaries
    junit.xml      one testcase per check
    results.json   the Gradescope autograder format
    report.html    report.md's content for a browser, with pictures of each failed comparison (matplotlib SVG)

Files are written to a temporary name and renamed, so a reader never sees half a report, and get the mode the
process umask gives any new file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from grading.report import Report
from grading.reports.as_gradescope import gradescope
from grading.reports.as_html import html
from grading.reports.as_json import report_json
from grading.reports.as_junit import junit
from grading.reports.as_markdown import markdown

WRITERS = {"report.json": report_json, "report.md": markdown, "junit.xml": junit, "results.json": gradescope, "report.html": html}


def _new_file(folder: Path, name: str) -> tuple[int, Path]:
    """A new, empty temporary file beside ``name``, open for writing.

    Opened with mode 0666 so that the kernel applies the process umask, as it does to any new file
    (0644 under umask 022, 0640 under 027): mkstemp's 0600 would hide reports from a TA in the instructor's group.
    """
    while True:
        path = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), path
        except FileExistsError:
            continue


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it, with the mode the umask gives a new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = _new_file(path.parent, path.name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def render(report: Report) -> dict[str, str]:
    """Each report file's name and text."""
    return {name: writer(report) for name, writer in WRITERS.items()}


def write_all(report: Report, folder: str | Path) -> list[Path]:
    """Write every report file into ``folder``; the paths written."""
    return write_texts(render(report), folder)


def write_texts(texts: dict[str, str], folder: str | Path) -> list[Path]:
    """Write each of ``texts`` (a report file's name and its text, as ``render`` makes them) into ``folder``; the paths."""
    folder = Path(folder)
    for name, text in texts.items():
        write_atomically(folder / name, text)
    return [folder / name for name in texts]
