"""What runs inside the worker process: load the submission, then run scripts on its classes.

The zygote (``grading.zygote``) forks this into an empty temporary folder,
with limits set, and the grader talks to it over two pipes (``grading.protocol``). Student code
runs only here. This process never sees an expected value: it receives
inputs, calls the student's methods and sends back what came out.

Messages it answers:

    {"op": "load", "sources": [{"file", "code"}], "mode": "module" | "cells", "path": dir}
        -> {"warnings", "classes", "methods": {class: [method, ...]}, "refused", "isolation"}
    {"op": "script", "ops": [new | set | call | get, ...]}
"""

from __future__ import annotations

import builtins
import importlib.abc
import linecache
import os
import sys
import traceback
import types

import numpy as np

from grading import protocol

MAX_RETURN_BYTES = 64 * 2**20
"""A returned array larger than this is described, not sent."""


class ImportBlocker(importlib.abc.MetaPathFinder):
    """Refuses imports of the named top-level packages, however they are asked for."""

    def __init__(self, blocked: frozenset[str]):
        self.blocked = blocked
        self.refused: list[str] = []

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.blocked:
            if top not in self.refused:
                self.refused.append(top)
            raise ModuleNotFoundError(f"import of '{top}' is refused here: this assignment is written with NumPy only", name=fullname)
        return None


class DicInitializer:
    """The course's initializer interface, W(n1, n2) and B(n); the grader overwrites the weights anyway."""

    def W(self, n1, n2):  # noqa: N802 - the course's name
        return np.zeros((n1, n2))

    def B(self, n):  # noqa: N802 - the course's name
        return np.zeros(n)


class NoOptimizer:
    """An optimizer whose update leaves the layer as it is."""

    def update(self, layer):
        return layer


def _wire_value(value) -> dict:
    """Describe a student's value with plain data only."""
    if isinstance(value, np.ndarray):
        array, kind = value.view(np.ndarray), "ndarray"
    elif isinstance(value, (list, tuple)):
        kind = type(value).__name__
        try:
            array = np.array(value, dtype=np.float64)
        except Exception:  # noqa: BLE001 - anything the student's elements raise
            return {"type": kind}
    elif isinstance(value, (bool, int, float, np.number)):
        array, kind = np.asarray(value), type(value).__name__
    else:
        return {"type": type(value).__name__}
    if array.dtype.kind not in "biuf" or array.dtype.str not in protocol.ALLOWED_DTYPES:
        return {"type": f"{kind} of dtype {array.dtype}"}
    if array.nbytes > MAX_RETURN_BYTES:
        return {"type": f"{kind} of shape {array.shape}, too large to check"}
    return {"type": kind, "array": np.ascontiguousarray(array)}


MAX_CLASSES = 200
MAX_METHODS = 200


def _methods(cls: type) -> list[str]:
    """The public methods a class has, inherited ones included, so that the grader can say "no method backward" once."""
    try:
        names = [n for n in dir(cls) if isinstance(n, str) and not n.startswith("__")][: 10 * MAX_METHODS]
        return [n for n in names if callable(getattr(cls, n, None))][:MAX_METHODS]
    except Exception:  # noqa: BLE001 - a hostile metaclass: the grader then assumes nothing is missing
        return ["forward", "backward"]


class Worker:
    def __init__(self, blocker: ImportBlocker):
        self.blocker = blocker
        self.namespace: dict = {}
        self.files: set[str] = set()
        self.current = None
        self.isolation = ""
        self.progress = None  # a shared page (mmap) holding 1 + the index of the script operation running, or None

    # -- loading ---------------------------------------------------------
    def load(self, sources: list[dict], mode: str, path: str | None) -> dict:
        module = types.ModuleType("submission")
        module.__dict__["__builtins__"] = builtins
        sys.modules["submission"] = module
        self.namespace = module.__dict__
        if path is not None and os.path.isdir(os.path.join("submission", path)):
            # A repository's own helper modules, from the copy of its Python files in the workspace.
            sys.path.insert(0, os.path.abspath(os.path.join("submission", path)))
        warnings = []
        for source in sources:
            name, code = source["file"], source["code"]
            module.__file__ = name
            self.files.add(name)
            linecache.cache[name] = (len(code), None, code.splitlines(True), name)
            try:
                exec(compile(code, name, "exec"), self.namespace)  # noqa: S102 - running the submission is the point
            except BaseException as error:  # noqa: BLE001 - a cell may raise anything, SystemExit included
                warnings.append(self._load_warning(name, error, mode))
                if mode == "module":
                    break
        classes = sorted(k for k, v in self.namespace.items() if isinstance(v, type) and getattr(v, "__module__", "") == "submission")
        methods = {name: _methods(self.namespace[name]) for name in classes[:MAX_CLASSES]}
        return {
            "warnings": warnings,
            "classes": classes,
            "methods": methods,
            "refused": list(self.blocker.refused),
            "isolation": self.isolation,
        }

    def _load_warning(self, name: str, error: BaseException, mode: str) -> dict:
        frames = self._frames(error)
        line = frames[-1]["line"] if frames else getattr(error, "lineno", None)
        if isinstance(error, SyntaxError):
            what = f"{name} has a syntax error at line {error.lineno}: {error.msg}; none of it ran"
        else:
            raised = (
                f"called sys.exit({error.code!r})"
                if isinstance(error, SystemExit)
                else f"raised {type(error).__name__}: {str(error)[:300]}"
            )
            at = (
                f" (in {frames[-1]['file']}, line {line})"
                if frames and frames[-1]["file"] != name
                else (f" at line {line}" if line else "")
            )
            rest = (
                "the rest of the cell was skipped" if mode == "cells" else "the file stopped there; grading uses what was defined before it"
            )
            what = f"{name} {raised}{at}; {rest}"
        return {"file": name, "line": line, "type": type(error).__name__, "message": str(error)[:500], "text": what}

    # -- scripts ---------------------------------------------------------
    def script(self, ops: list[dict]) -> list[dict]:
        replies = []
        for index, op in enumerate(ops):
            if self.progress is not None:
                self.progress[:4] = (index + 1).to_bytes(4, "little")  # read by the grader if this op never ends
            try:
                replies.append(self._run(op))
            except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt from student code become replies
                replies.append(
                    {
                        "raised": {
                            "op": self._describe(op),
                            "type": type(error).__name__,
                            "message": str(error)[:2000],
                            "traceback": self._frames(error),
                        }
                    }
                )
                break
        return replies

    def _run(self, op: dict) -> dict:
        kind = op["op"]
        if kind == "new":
            return self._new(op["cls"], op["args"])
        if self.current is None:
            raise RuntimeError("no object: the script did not construct one")
        if kind == "set":
            for name, value in op["attrs"].items():
                setattr(self.current, name, np.array(value))
            return {}
        if kind == "call":
            method = getattr(self.current, op["method"], None)
            if method is None:
                raise AttributeError(f"{type(self.current).__name__} has no method {op['method']}")
            result = method(*op["args"], **op["kwargs"])
            reply = {"value": _wire_value(result)}
            if op.get("echo"):
                reply["echoed"] = [_wire_value(a) for a in [*op["args"], *op["kwargs"].values()]]
            return reply
        if kind == "get":
            return {
                "values": {
                    n: _wire_value(getattr(self.current, n)) if hasattr(self.current, n) else {"type": "missing"} for n in op["names"]
                }
            }
        raise ValueError(f"unknown operation {kind!r}")

    def _new(self, name: str, args: list) -> dict:
        cls = self.namespace.get(name)
        if not isinstance(cls, type):
            raise NameError(f"the submission defines no class {name}")
        self.current = None
        attempts = [(), (DicInitializer(),), (DicInitializer(), NoOptimizer())]
        first_error = None
        for extra in attempts:
            try:
                self.current = cls(*args, *extra)
            except TypeError as error:
                first_error = first_error or error
                continue
            note = (
                ""
                if not extra
                else f"{name}'s constructor insists on {'an initializer' if len(extra) == 1 else 'an initializer and an optimizer'}; the grader passed course-style ones"
            )
            return {"note": note}
        raise first_error

    def _describe(self, op: dict) -> str:
        kind = op.get("op")
        if kind == "new":
            return f"{op['cls']}({', '.join(map(str, op['args']))})"
        if kind == "call":
            return op["method"]
        if kind == "set":
            return "setting " + ", ".join(op["attrs"])
        return "reading " + ", ".join(op.get("names", []))

    def _frames(self, error: BaseException) -> list[dict]:
        frames = traceback.extract_tb(error.__traceback__)
        mine = [f for f in frames if f.filename in self.files] or [f for f in frames if f.filename.startswith("<")]
        if isinstance(error, SyntaxError) and error.filename in self.files:
            return [{"file": error.filename, "line": error.lineno or 0, "function": "<module>", "text": (error.text or "").strip()}]
        return [{"file": f.filename, "line": f.lineno or 0, "function": f.name, "text": (f.line or "").strip()} for f in mine]


def serve(read_fd: int, write_fd: int, blocked: frozenset[str], *, isolation: str = "", progress=None) -> None:
    """Answer the grader's messages on ``read_fd`` until it closes the channel; student code runs only from here.

    ``progress`` is a page shared with the grader (an mmap), where each script operation's index is written as it starts.
    """
    # The grader's own packages were imported to get here; forget them so that the blocker sees any import of them.
    for name in [m for m in sys.modules if m.partition(".")[0] in blocked]:
        del sys.modules[name]
    blocker = ImportBlocker(blocked)
    sys.meta_path.insert(0, blocker)
    worker = Worker(blocker)
    worker.isolation = isolation
    worker.progress = progress
    while True:
        try:
            message = protocol.receive(read_fd)
        except protocol.ChannelClosed:
            return
        if message.get("op") == "load":
            reply = worker.load(message["sources"], message["mode"], message.get("path"))
        else:
            reply = {"replies": worker.script(message["ops"]), "refused": list(blocker.refused)}
        protocol.send(write_fd, reply)
