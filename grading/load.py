"""Turn a submission path into source code for the worker: a .py file, a notebook, or a folder.

Nothing here runs student code. Notebooks are read with nbformat; IPython
magics and shell lines (``%...``, ``!...``) become ``pass`` with a warning, so
that line numbers and indentation stay as the student wrote them. In a folder,
the file that defines the wanted class is graded, and the report says which
one when there are several.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

SKIPPED_DIRS = {"__pycache__", "node_modules", "site-packages", "venv", ".venv", "env"}
MAX_FILES = 2000
MAX_SOURCE_BYTES = 10 * 2**20


@dataclass(frozen=True)
class Submission:
    """What the worker will run: named sources, loaded as one module or as notebook cells."""

    path: Path
    file: Path | None
    sources: tuple[dict, ...] = ()
    mode: str = "module"  # "module": stop at the first error; "cells": run every cell
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None  # why nothing could be loaded
    folder: Path | None = None  # the repository, when the submission is a folder: its Python files go to the worker

    def load_message(self) -> dict:
        # For a repository, where the graded file sits in it: that folder of the copy goes on the worker's sys.path.
        inside = str(self.file.parent.relative_to(self.folder)) if self.folder and self.file else None
        return {"op": "load", "sources": [dict(s) for s in self.sources], "mode": self.mode, "path": inside}


@dataclass
class _Cells:
    sources: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_SOURCE_BYTES:
        raise ValueError(f"{path.name} is {len(data)} bytes; the limit is {MAX_SOURCE_BYTES}")
    if b"\x00" in data:
        raise ValueError(f"{path.name} is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path.name} is not UTF-8 text (byte {error.start}: {data[error.start : error.start + 1]!r}); save it as UTF-8"
        ) from None


def _strip_magics(code: str, where: str, warnings: list[str]) -> str:
    """IPython-only lines become ``pass`` at the same indentation, each with a warning."""
    if code.lstrip().startswith("%%"):
        warnings.append(f"{where}: skipped a cell magic ({code.strip().splitlines()[0][:60]}); the cell did not run")
        return ""
    lines = code.splitlines()
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            warnings.append(f"{where}, line {i + 1}: skipped IPython line `{stripped[:60]}`")
            lines[i] = line[: len(line) - len(stripped)] + "pass"
    return "\n".join(lines)


def _notebook_cells(path: Path) -> _Cells:
    text = _read_text(path)
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - nbformat raises several kinds for a broken file
        raise ValueError(f"{path.name} is not a readable notebook ({type(error).__name__}: {str(error)[:200]})") from None
    cells = _Cells()
    number = 0
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        number += 1
        where = f"{path.name} cell {number}"
        code = _strip_magics(str(cell.get("source", "")), where, cells.warnings)
        if code.strip():
            cells.sources.append({"file": f"{path.name}, cell {number}", "code": code})
    return cells


def _classes_defined(path: Path) -> set[str]:
    """Class names a file defines at any depth, by parsing it; unparsable parts count for nothing."""
    try:
        if path.suffix == ".ipynb":
            codes = [s["code"] for s in _notebook_cells(path).sources]
        else:
            codes = [_read_text(path)]
    except (ValueError, OSError):
        return set()
    names = set()
    for code in codes:
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError):
            continue
        names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    return names


def _pick_from_folder(folder: Path, class_names: tuple[str, ...]) -> tuple[Path | None, list[str]]:
    files = []
    for path in sorted(folder.rglob("*")):
        if len(files) >= MAX_FILES:
            break
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") or p in SKIPPED_DIRS for p in parts[:-1]) or parts[-1].startswith("."):
            continue
        if path.suffix in (".py", ".ipynb") and path.is_file():
            files.append(path)
    if not files:
        return None, [f"{folder.name} holds no .py or .ipynb file"]
    found = {path: _classes_defined(path) & set(class_names) for path in files}
    candidates = [p for p in files if class_names[0] in found[p]]
    if not candidates:
        if len(files) == 1:
            return files[0], []
        return None, [f"no file in {folder.name} defines class {class_names[0]}; looked at {len(files)} files"]
    # Most wanted classes first, then .py before notebooks, then the shallowest path.
    candidates.sort(key=lambda p: (-len(found[p]), p.suffix != ".py", len(p.relative_to(folder).parts), str(p)))
    notes = []
    if len(candidates) > 1:
        names = ", ".join(str(p.relative_to(folder)) for p in candidates[:6])
        notes.append(f"{len(candidates)} files define {class_names[0]} ({names}); graded {candidates[0].relative_to(folder)}")
    else:
        notes.append(f"graded {candidates[0].relative_to(folder)}, the file in {folder.name} that defines {class_names[0]}")
    return candidates[0], notes


def load(path: str | Path, class_names: tuple[str, ...]) -> Submission:
    """Read a submission without running it; ``class_names`` are the classes the assignment grades."""
    path = Path(path)
    notes: list[str] = []
    file: Path | None = path
    if path.is_dir():
        file, notes = _pick_from_folder(path, class_names)
        if file is None:
            return Submission(path, None, notes=(), error=notes[0])
    assert file is not None
    folder = path if path.is_dir() else None
    try:
        if file.suffix == ".ipynb":
            cells = _notebook_cells(file)
            return Submission(path, file, tuple(cells.sources), "cells", tuple(cells.warnings), tuple(notes), folder=folder)
        return Submission(path, file, ({"file": file.name, "code": _read_text(file)},), "module", (), tuple(notes), folder=folder)
    except (ValueError, OSError) as error:
        return Submission(path, file, notes=tuple(notes), error=str(error))
