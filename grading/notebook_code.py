"""A large notebook reduced to its code cells, in a process of its own under a memory limit and a timeout.

A notebook's outputs (plots, printed arrays, tables) may be hundreds of megabytes, which the limit on the code
must not count. Parsing them in the grader would cost it their size several times over, and JSON made of small
values (``[],[],...``) takes twenty times its size once parsed. So a notebook larger than the code limit is
parsed here, in a child with an address-space limit: it writes back the same notebook with only its code cells,
each without outputs, attachments or metadata, which the grader then reads with nbformat as it reads any other.
The child also refuses code over the limit, so what it writes back is small.
"""

from __future__ import annotations

import ctypes
import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOTSTRAP = "import sys; sys.path.insert(0, {root!r}); from grading import notebook_code; notebook_code.main()"
MEMORY = 2**30
"""Enough to parse the largest notebook read (NOTEBOOK_BYTES) when its outputs are long strings, as real ones are."""
SECONDS = 30.0
PR_SET_PDEATHSIG = 1
CODE_CELL_KEYS = ("cell_type", "id", "source", "input", "language", "execution_count", "prompt_number")
"""What a code cell keeps: its sources (``source`` in version 4, ``input`` in 3) and the keys its version requires."""


class NotANotebook(ValueError):
    """The bytes are not a notebook's JSON; the message says why."""


class CodeOverLimit(ValueError):
    """The notebook's code cells are over the limit; the message says by how much."""


CODE_OVER_LIMIT = 3
"""The child's exit status for CodeOverLimit; any other failure is NotANotebook."""


def code_only(notebook: dict, limit: int) -> dict:
    """``notebook`` (the JSON of any version) with only its code cells; CodeOverLimit when their code is over ``limit`` bytes."""
    if not isinstance(notebook, dict):
        raise NotANotebook(f"its JSON is a {type(notebook).__name__}, not an object")
    reduced = {key: notebook[key] for key in ("nbformat", "nbformat_minor") if key in notebook}
    reduced["metadata"] = {}
    if "worksheets" in notebook:  # version 3
        reduced["worksheets"] = [{"cells": _code_cells(w.get("cells", [])), "metadata": {}} for w in _objects(notebook["worksheets"])]
        cells = [c for w in reduced["worksheets"] for c in w["cells"]]
    else:
        reduced["cells"] = cells = _code_cells(notebook.get("cells", []))
    size = sum(len(part.encode()) for cell in cells for part in _texts(cell.get("source", cell.get("input", ""))))
    if size > limit:
        raise CodeOverLimit(f"code is {size} bytes; the limit is {limit}")
    return reduced


def _objects(items) -> list[dict]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _code_cells(cells) -> list[dict]:
    kept = []
    for cell in _objects(cells):
        if cell.get("cell_type") == "code":
            kept.append({**{key: cell[key] for key in CODE_CELL_KEYS if key in cell}, "metadata": {}, "outputs": []})
    return kept


def _texts(source) -> list[str]:
    """A cell's source as nbformat stores it, a string or a list of lines; anything else counts as its JSON text."""
    if isinstance(source, str):
        return [source]
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return source
    return [json.dumps(source)]


def reduce(data: bytes, *, limit: int, name: str) -> str:
    """The notebook ``data`` (the file ``name``) as JSON text with only its code cells; ValueError naming the file and
    saying why when it is not a notebook or its code is over ``limit`` bytes.

    The JSON is parsed in the child only: it never reaches this process whole.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", BOOTSTRAP.format(root=str(ROOT)), str(limit)],
            input=data,
            capture_output=True,
            check=False,
            timeout=SECONDS,
            env={"LANG": "C.UTF-8"},
            cwd="/",
        )
    except subprocess.TimeoutExpired:
        raise NotANotebook(f"{name} is not a readable notebook (reading it took more than {SECONDS:g} s)") from None
    if done.returncode == 0:
        return done.stdout.decode()
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    why = lines[-1][:300] if lines else f"the process reading it ended with {done.returncode}"
    if done.returncode == CODE_OVER_LIMIT:
        raise CodeOverLimit(f"{name}'s {why}")
    raise NotANotebook(f"{name} is not a readable notebook ({why})")


def main() -> None:
    """``python -c BOOTSTRAP LIMIT``: the notebook's JSON on stdin, the reduced notebook on stdout, or why not on stderr."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # dies with the grader, however it ends
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    try:
        reduced = code_only(json.loads(sys.stdin.buffer.read()), int(sys.argv[1]))
    except CodeOverLimit as error:
        print(error, file=sys.stderr)
        sys.exit(CODE_OVER_LIMIT)
    except (ValueError, RecursionError) as error:  # json's errors and NotANotebook are ValueErrors
        sys.exit(f"{type(error).__name__}: {str(error)[:200]}")
    except MemoryError:
        sys.exit(f"parsing its JSON takes more than {MEMORY // 2**30} GiB")
    sys.stdout.buffer.write(json.dumps(reduced).encode())
