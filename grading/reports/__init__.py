"""Writers: each turns a Report into one file's text, and ``write_all`` puts all four in a folder.

    report.json    the data model as JSON
    report.md      for people and CI job summaries
    junit.xml      one testcase per check
    results.json   the Gradescope autograder format

Files are written to a temporary name and renamed, so a reader never sees half a report.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from grading.report import Report
from grading.reports.as_gradescope import gradescope
from grading.reports.as_json import report_json
from grading.reports.as_junit import junit
from grading.reports.as_markdown import markdown

WRITERS = {"report.json": report_json, "report.md": markdown, "junit.xml": junit, "results.json": gradescope}


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_all(report: Report, folder: str | Path) -> list[Path]:
    """Write every report file into ``folder``; the paths written."""
    folder = Path(folder)
    written = []
    for name, writer in WRITERS.items():
        write_atomically(folder / name, writer(report))
        written.append(folder / name)
    return written
