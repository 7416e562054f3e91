"""Turn a submission path into source code for the worker: a .py file, a notebook, or a folder.

Nothing here runs student code. Notebooks are read with nbformat; IPython
magics and shell lines (``%...``, ``!...``) become ``pass`` with a warning, so
that line numbers and indentation stay as the student wrote them. In a folder,
the file that implements the wanted class is graded: a file whose methods are
still the starter's placeholders (they only raise NotImplementedError, pass or
are ``...``) never outranks one with a real implementation, and among several
real ones the most recently modified wins. The report says which, and why.

Every file is read through ``grading.submission_files``: a symbolic link is
never followed, nothing but a regular file is opened, and no file is read past
its limit; each one left out is named in the notes ("ignored rnn.py: a
symbolic link"). The limit on a notebook is on its code: its outputs, however
large, are dropped before the code is measured (``grading.notebook_code``).
"""

from __future__ import annotations

import ast
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grading import names as names_module
from grading import notebook_code, source_units
from grading.submission_files import MAX_FILES, PLURALS, read_regular, scan, why_not_regular

MAX_SOURCE_BYTES = 10 * 2**20
"""The most code a submission's file may hold: a .py file's size, or the sources of a notebook's code cells."""
NOTEBOOK_BYTES = 200 * 2**20
"""The largest notebook file read, outputs included; its code alone must keep to MAX_SOURCE_BYTES."""
FOLDER, FILE = "folder", "file"  # what ``_kind`` tells, besides why a path is not read


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
    candidates: tuple[Path, ...] = ()
    """In a folder, every file with a real implementation of the wanted class, best first (``file`` is the first)."""
    choice: str = ""  # how ``file`` was chosen among several candidates, for the report's first lines ("" when there was one)

    @property
    def graded_file(self) -> str:
        """The graded file's path inside the submission folder, or its name."""
        if self.file is None:
            return ""
        return str(self.file.relative_to(self.folder)) if self.folder else self.file.name

    def load_message(self) -> dict:
        # For a repository, where the graded file sits in it: that folder of the copy goes on the worker's sys.path.
        inside = str(self.file.parent.relative_to(self.folder)) if self.folder and self.file else None
        return {"op": "load", "sources": [dict(s) for s in self.sources], "mode": self.mode, "path": inside}


@dataclass
class _Cells:
    sources: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _read_text(path: Path, cap: int = MAX_SOURCE_BYTES) -> str:
    """The file's text; ValueError (``submission_files.Refused`` among them) naming the file when it is not read."""
    return _decoded(read_regular(path, cap), path.name)


def _decoded(data: bytes, name: str) -> str:
    if b"\x00" in data:
        raise ValueError(f"{name} is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{name} is not UTF-8 text (byte {error.start}: {data[error.start : error.start + 1]!r}); save it as UTF-8"
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
    data = read_regular(path, NOTEBOOK_BYTES)
    if len(data) > MAX_SOURCE_BYTES:  # mostly outputs: parsed in a child, which sends back the code cells alone
        _decoded(data, path.name)  # the same message as for a small file when it is not text
        text = notebook_code.reduce(data, limit=MAX_SOURCE_BYTES, name=path.name)
    else:
        text = _decoded(data, path.name)
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


def source_files(folder: Path) -> list[Path]:
    """The regular .py and .ipynb files of ``folder`` at any depth, shallower folders first, outside hidden folders,
    SKIPPED_DIRS and Python environments; no link followed; at most MAX_FILES (``submission_files.scan``)."""
    return list(scan(folder).files)


def _codes(path: Path) -> list[str]:
    """A .py file's code, or each code cell of a notebook; nothing when the file cannot be read."""
    try:
        if path.suffix == ".ipynb":
            return [s["code"] for s in _notebook_cells(path).sources]
        return [_read_text(path)]
    except (ValueError, OSError):
        return []


def _is_placeholder_statement(node: ast.stmt) -> bool:
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Constant) and node.value.value is Ellipsis
    if isinstance(node, ast.Raise):
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
    return False


def _is_placeholder(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The body, after an optional docstring, only raises NotImplementedError, passes or is ``...``."""
    body = method.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    return all(_is_placeholder_statement(s) for s in body)


def _is_implemented(cls: ast.ClassDef) -> bool:
    """False for the starter's shape: methods besides ``__init__`` (which may build the weights), every one a placeholder.

    A class with no method besides ``__init__`` counts as implemented: its methods may be attached elsewhere.
    """
    methods = [n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name != "__init__"]
    return not methods or not all(_is_placeholder(m) for m in methods)


def _definitions(path: Path) -> Iterator[ast.ClassDef | ast.FunctionDef]:
    """Every class the file defines at any depth, and every top-level function, by parsing it (nothing runs); a part
    that does not parse counts for nothing, the others do, as when the worker runs them (``grading.source_units``)."""
    for code in _codes(path):
        for tree in _parsed_parts(code):
            yield from (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef))
            yield from (node for node in tree.body if isinstance(node, ast.FunctionDef))


def _parsed_parts(code: str) -> Iterator[ast.Module]:
    """The code parsed whole; or, when it does not parse, each of its top-level parts that does."""
    try:
        yield ast.parse(code)
        return
    except (SyntaxError, ValueError):
        pass
    lines = code.splitlines(keepends=True)
    for first, last in source_units.top_level_parts(lines):
        try:
            yield ast.parse("".join(lines[first - 1 : last]))
        except (SyntaxError, ValueError):
            continue


def _forward_like(path: Path) -> int:
    """How many classes with a forward, fit or __call__, and top-level functions taking an input x first, the file
    defines: what discovery would try (``grading.discovery``)."""
    count = 0
    for code in _codes(path):
        for tree in _parsed_parts(code):
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    names = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
                    count += bool(names & {"forward", "fit", "__call__"})
                elif isinstance(node, ast.FunctionDef) and node.args.args:
                    count += names_module.norm(node.args.args[0].arg) in names_module.INPUT_ALIASES["X"]
    return count


def _wanted_classes(path: Path, class_names: tuple[str, ...]) -> dict[str, bool]:
    """Each wanted class the file defines at any depth (or, for a course of functions, each wanted top-level function),
    and whether some definition of it is implemented."""
    found: dict[str, bool] = {}
    for node in _definitions(path):
        if node.name in class_names:
            implemented = _is_implemented(node) if isinstance(node, ast.ClassDef) else not _is_placeholder(node)
            found[node.name] = found.get(node.name, False) or implemented
    return found


def classes_defined(path: str | Path) -> set[str]:
    """The names of the classes and top-level functions a file, or any source file of a folder, defines; found by
    parsing, so nothing runs.

    No name for a symbolic link, or for anything else but a folder or a regular file: it is not read.
    """
    path = Path(path)
    kind = _kind(path)
    files = source_files(path) if kind == FOLDER else [path] if kind == FILE else []
    return {node.name for file in files for node in _definitions(file)}


def _kind(path: Path) -> str:
    """FOLDER, FILE, or why the grader does not read ``path`` ("a symbolic link"), told without following a link.

    A path that cannot be looked at counts as a FILE: reading it then says what is wrong.
    """
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return FILE
    return FOLDER if stat.S_ISDIR(mode) else why_not_regular(mode) or FILE


def _ignored_notes(ignored: tuple[tuple[str, str], ...]) -> list[str]:
    """One note per reason, naming the files a scan left out: "ignored rnn.py: a symbolic link"."""
    by_why: dict[str, list[str]] = {}
    for inside, why in ignored:
        by_why.setdefault(why, []).append(inside)
    return [f"ignored {_listed(names)}: {why if len(names) == 1 else PLURALS.get(why, why)}" for why, names in by_why.items()]


def _folder_name(folder: Path) -> str:
    """The folder's own name, also for ``.``."""
    resolved = folder.resolve()
    return resolved.name or str(resolved)


def _listed(names: list[str], most: int = 5) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


@dataclass(frozen=True)
class _Pick:
    """Which file of a folder to grade, and what the report says about the choice."""

    file: Path | None
    candidates: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()
    choice: str = ""
    error: str | None = None


def _mtime(path: Path) -> int:
    try:
        return os.lstat(path).st_mtime_ns
    except OSError:
        return 0


def _pick_from_folder(folder: Path, class_names: tuple[str, ...], pick: Path | None) -> _Pick:
    """Rank the files that define the main class: implemented before placeholders, then the most wanted classes
    implemented, then the most recently modified, then the path (only so that the order never varies)."""
    name, main = _folder_name(folder), class_names[0]
    scanned = scan(folder)
    files = list(scanned.files)
    left_out = _ignored_notes(scanned.ignored)
    if not scanned.complete:
        left_out.append(
            f"looked at only the first {len(files)} files of {name}, the shallowest first: the grader reads at most {MAX_FILES}"
        )
    if not files:
        readable = " the grader can read" if scanned.ignored else ""
        return _Pick(None, notes=tuple(left_out), error=f"{name} holds no .py or .ipynb file{readable}")
    found = {p: _wanted_classes(p, class_names) for p in files}
    defining = [p for p in files if main in found[p]]
    if not defining:
        if len(files) == 1 and pick is None:
            return _Pick(files[0], notes=tuple(left_out))
        likes = {p: _forward_like(p) for p in files}
        own = sorted((p for p in files if likes[p]), key=lambda p: (-likes[p], -_mtime(p), str(p)))
        if own and pick is None:
            # Written in the student's own names: the file with the most that could be a forward is graded, and the
            # grading finds how to call it (``grading.interface``).
            note = (
                f"no file in {name} defines class {main}; graded {own[0].relative_to(folder)}, the file with the most "
                "classes and functions that could be its forward"
            )
            return _Pick(own[0], notes=(*left_out, note))
        return _Pick(None, notes=tuple(left_out), error=f"no file in {name} defines class {main}; looked at {len(files)} files")

    def rank(p: Path) -> tuple:
        return (-sum(found[p].values()), -_mtime(p), str(p))

    def inside(p: Path) -> str:
        return str(p.relative_to(folder))

    real = sorted((p for p in defining if found[p][main]), key=rank)
    placeholders = sorted((p for p in defining if not found[p][main]), key=rank)
    if not real:
        if pick is not None:
            raise ValueError(f"pick={str(pick)!r} is not a candidate: no file in {name} implements {main}")
        still = f"graded {inside(placeholders[0])}, which still holds the starter's placeholders: no file in {name} implements {main} yet"
        return _Pick(placeholders[0], notes=(*left_out, still))
    file = real[0] if pick is None else _picked(folder, real, pick)
    notes = left_out
    if placeholders:
        its = "its methods are" if len(placeholders) == 1 else "their methods are"
        notes.append(f"ignored {_listed([inside(p) for p in placeholders])}: {its} still the starter's placeholders")
    if len(real) == 1:
        notes.append(f"graded {inside(file)}, the file in {name} that defines {main}")
        return _Pick(file, tuple(real), tuple(notes))
    why = _why_first(real, rank, class_names) if file == real[0] else ""
    choice = f"{len(real)} files define {main} ({_listed([inside(p) for p in real])}); graded {inside(file)}{why}"
    return _Pick(file, tuple(real), tuple(notes), choice)


def _why_first(real: list[Path], rank, class_names: tuple[str, ...]) -> str:
    """Why the first-ranked file beat the second, as the end of the choice sentence."""
    first, second = rank(real[0]), rank(real[1])
    if first[0] != second[0]:
        return f", which implements {-first[0]} of {', '.join(class_names)}"
    if first[1] != second[1]:
        return ", the most recently modified"
    return ", the first by name of those modified at the same time"


def _picked(folder: Path, real: list[Path], pick: Path) -> Path:
    pick = Path(pick)
    for candidate in real:
        if pick in (candidate, candidate.relative_to(folder)) or pick.resolve() == candidate.resolve():
            return candidate
    names = ", ".join(str(p.relative_to(folder)) for p in real)
    raise ValueError(f"pick={str(pick)!r} is not one of the candidates in {_folder_name(folder)} ({names}); pass one of them")


def load(path: str | Path, class_names: tuple[str, ...], *, pick: str | Path | None = None) -> Submission:
    """Read a submission without running it; ``class_names`` are the classes the assignment grades.

    In a folder, ``pick`` grades that one of the ``candidates`` instead of the first.
    """
    path = Path(path)
    kind = _kind(path)
    if pick is not None and kind != FOLDER:
        raise ValueError(f"pick={str(pick)!r} chooses among a folder's files, but {path} is not a folder")
    if kind not in (FOLDER, FILE):
        return Submission(path, None, notes=(f"ignored {path.name}: {kind}",), error=f"{path.name} is {kind}; it was not read")
    folder = path if kind == FOLDER else None
    chosen = _pick_from_folder(path, class_names, None if pick is None else Path(pick)) if folder else _Pick(path)
    if chosen.file is None:
        return Submission(path, None, notes=chosen.notes, error=chosen.error)
    file, notes = chosen.file, chosen.notes
    about = dict(folder=folder, candidates=chosen.candidates, choice=chosen.choice)
    try:
        if file.suffix == ".ipynb":
            cells = _notebook_cells(file)
            return Submission(path, file, tuple(cells.sources), "cells", tuple(cells.warnings), notes, **about)
        return Submission(path, file, ({"file": file.name, "code": _read_text(file)},), "module", (), notes, **about)
    except (ValueError, OSError) as error:
        return Submission(path, file, notes=notes, error=str(error), **about)
