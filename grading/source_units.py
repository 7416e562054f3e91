"""Inside the worker: what of a submission's source runs on its own, so that one broken part costs only itself.

A notebook cell runs whole, as Jupyter runs it. A ``.py`` file runs statement by statement, as if each top-level
statement were a cell: a failing ``import pandas`` skips only itself. A file that does not parse as a whole (a
half-written function, an IndentationError, a Python 2 ``print`` statement) is cut into its top-level parts, each a
statement with the lines that belong to it (its body, its decorators, a bracket or a string left open); a part that
does not compile is skipped alone (``BrokenPart``, naming its lines), and the others run. ``__future__`` imports
carry over to every later statement, as in a module.
"""

from __future__ import annotations

import __future__
import ast
import re
from collections.abc import Callable, Iterator

Unit = Callable[[], object]
"""A function that compiles one unit (and raises its SyntaxError when it does not compile)."""
CONTINUES = ("else", "elif", "except", "finally", ")", "]", "}", "@")


class BrokenPart(SyntaxError):
    """A top-level part of a file that does not compile on its own: ``first`` to ``last`` are its lines."""

    def __init__(self, error: SyntaxError, first: int, last: int, defines: str = ""):
        super().__init__(error.msg, (error.filename, error.lineno, error.offset, error.text))
        self.first, self.last, self.defines = first, last, defines


_DEFINES = re.compile(r"\s*(?:async\s+def|def|class)\s+([A-Za-z_][A-Za-z_0-9]*)")


def _defines(line: str) -> str:
    """The function or class a part's first line starts to define, or ""."""
    match = _DEFINES.match(line)
    return match.group(1) if match else ""


def units(code: str, name: str, mode: str) -> Iterator[Unit]:
    """The units of ``code`` (file ``name``), in order; "cells" mode: the code is one notebook cell."""
    if mode != "module":
        yield lambda: compile(code, name, "exec")
        return
    try:
        tree = ast.parse(code, name)
    except SyntaxError:
        yield from _parts(code, name)
        return
    yield from _statements(tree.body, name, [0])


def _statements(body: list[ast.stmt], name: str, flags: list[int]) -> Iterator[Unit]:
    """Each statement of ``body`` on its own; ``flags`` (one shared cell) gathers the ``__future__`` features."""
    for statement in body:
        yield lambda statement=statement, now=flags[0]: compile(
            ast.Module([statement], type_ignores=[]), name, "exec", flags=now, dont_inherit=True
        )
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            for alias in statement.names:
                flags[0] |= getattr(getattr(__future__, alias.name, None), "compiler_flag", 0)


def _parts(code: str, name: str) -> Iterator[Unit]:
    """The statements of each top-level part that parses; a unit that raises ``BrokenPart`` for each that does not."""
    flags = [0]
    lines = code.splitlines(keepends=True)
    for first, last in top_level_parts(lines):
        # Blank lines in front keep every line number as in the file.
        text = "\n" * (first - 1) + "".join(lines[first - 1 : last])
        try:
            tree = ast.parse(text, name)
        except SyntaxError as error:
            broken = BrokenPart(error, first, last, _defines(lines[first - 1]))
            yield lambda broken=broken: _raise(broken)
            continue
        yield from _statements(tree.body, name, flags)


def _raise(error: BaseException):
    raise error


def top_level_parts(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line numbers, from 1, of each top-level part: a part starts at a line that begins in column 0
    with code, outside any open bracket or triple-quoted string, unless it continues the part before it (``else``,
    ``except``, a closing bracket, or a line after a decorator); blank lines and comments go with the part above."""
    starts: list[int] = []
    depth, quote, after_decorator = 0, None, False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        opens = depth == 0 and quote is None and stripped and not line[0].isspace() and not stripped.startswith("#")
        if (
            opens
            and not after_decorator
            and not (stripped.startswith(CONTINUES[:4]) and starts)
            and not stripped.startswith(CONTINUES[4:7])
        ):
            starts.append(number)
        if opens:
            after_decorator = stripped.startswith("@")
        depth, quote = _scan(line, depth, quote)
    if not starts:
        return []
    ends = [start - 1 for start in starts[1:]] + [len(lines)]
    return list(zip(starts, ends))


def _scan(line: str, depth: int, quote: str | None) -> tuple[int, str | None]:
    """The bracket depth and the open triple quote after ``line``: a rough reading (one-line strings and comments are
    skipped) that is enough to tell where a top-level part starts."""
    k = 0
    while k < len(line):
        if quote is not None:
            end = line.find(quote, k)
            if end < 0:
                return depth, quote
            k, quote = end + 3, None
            continue
        char = line[k]
        if char == "#":
            break
        if line.startswith(('"""', "'''"), k):
            quote, k = line[k : k + 3], k + 3
            continue
        if char in "\"'":
            end = line.find(char, k + 1)
            k = len(line) if end < 0 else end + 1
            continue
        depth += (char in "([{") - (char in ")]}")
        depth = max(depth, 0)
        k += 1
    return depth, quote
