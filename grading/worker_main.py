"""What runs inside the worker process: load the submission, then run scripts on its classes.

The zygote (``grading.zygote``) forks this into an empty temporary folder,
with limits set, and the grader talks to it over two pipes (``grading.protocol``). Student code
runs only here. This process never sees an expected value: it receives
inputs, calls the student's methods and sends back what came out.

Messages it answers:

    {"op": "load", "sources": [{"file", "code"}], "mode": "module" | "cells", "path": dir}
        -> {"warnings", "classes", "methods": {class: [method, ...]}, "refused", "isolation"}
    {"op": "script", "ops": [new | set | call | get, ...]}
        -> {"replies": [reply, ...], "refused"}
    {"op": "scripts", "scripts": [[op, ...], ...]}   several scripts, each run as if sent alone
        -> {"replies": [[reply, ...], ...], "refused"}
    {"op": "discover", "contract": {...}, "probes": [...]}   what implements the contract, every way to call it
        -> {"candidates": [{"binding", "outputs", "globals"}, ...], "tried", "refused"}   (``grading.discovery``)
    {"op": "bind", "bindings": {class: [binding, contract]}}   the contract's class name now builds an Adapter
        -> {"classes", "methods", "refused"}   (a load message may carry "bind" too, for a fresh worker)
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

from grading import discovery, protocol, source_units
from checks.session import KEPT, MOST_KEYS
from grading.adapter import Adapter

MAX_TEXT = 2000
"""Characters kept of an exception's message; type names keep 100, and a traceback its last ``MAX_FRAMES`` frames."""
MAX_FRAMES = 20


class ImportBlocker(importlib.abc.MetaPathFinder):
    """Refuses imports of the named top-level packages with a message that says why, and records each one tried.

    Not the wall: code in this process can remove any hook. Where the worker is isolated, the forbidden packages are
    absent from its filesystem (``grading.sandbox``), so an import of one fails with ModuleNotFoundError all the same
    once this hook is gone. The attempt is still recorded: ``audit`` (an audit hook, which no Python code can remove)
    notes every ``import`` statement and ``__import__`` of a blocked name, and ``serve`` puts the hook back in front
    after each message. A submission can still erase the record in its own memory, which gains it nothing.
    """

    def __init__(self, blocked: frozenset[str]):
        self.blocked = blocked
        self.refused: list[str] = []

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.blocked:
            self._note(top)
            raise ModuleNotFoundError(f"import of '{top}' is refused here: this assignment is written with NumPy only", name=fullname)
        return None

    def audit(self, event: str, args: tuple) -> None:
        if event == "import" and args and isinstance(args[0], str) and args[0].partition(".")[0] in self.blocked:
            self._note(args[0].partition(".")[0])

    def _note(self, top: str) -> None:
        if top not in self.refused:
            self.refused.append(top)


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


def _wire_value(value, most: int | None = None) -> dict:
    """Describe a student's value with plain data only: {"type"}, with "array" when it is numeric, "from" when that
    array was converted from a real dtype the wire does not carry (">f8", longdouble), and "size" instead of "array"
    when it holds more than ``most`` entries (``protocol.most_entries`` of the script)."""
    if isinstance(value, np.ndarray):
        array, kind = value.view(np.ndarray), "ndarray"
    elif isinstance(value, (list, tuple)):
        kind = type(value).__name__[:100]
        try:
            array = np.array(value, dtype=np.float64)
        except Exception:  # noqa: BLE001 - anything the student's elements raise
            return {"type": kind}
    elif isinstance(value, (bool, int, float, np.number)):
        array, kind = np.asarray(value), type(value).__name__[:100]
    else:
        return {"type": type(value).__name__[:100]}
    if most is not None and array.size > most:
        return {"type": kind, "size": int(array.size)}  # described before any conversion copies it
    native = _native(array.dtype)
    if native is None:
        return {"type": f"{kind} of dtype {array.dtype}"[:100]}
    if native == array.dtype:
        return {"type": kind, "array": np.ascontiguousarray(array)}
    return {"type": kind, "array": np.ascontiguousarray(array, dtype=native), "from": array.dtype.str}


def _native(dtype: np.dtype) -> np.dtype | None:
    """The dtype the wire carries ``dtype``'s values in: itself; the native byte order of a swapped one (">f8" as
    "<f8" here, so float32 keeps float32's tolerance); float64 for a wider float (longdouble); None for anything that
    is not a real number (complex, objects, strings, dates)."""
    if dtype.str in protocol.ALLOWED_DTYPES:
        return dtype
    if dtype.kind not in "biuf":
        return None
    native = np.dtype(np.float64) if dtype.kind == "f" and dtype.itemsize > 8 else dtype.newbyteorder("=")
    return native if native.str in protocol.ALLOWED_DTYPES else None


def _text(value, cap: int, show=str) -> str:
    """``show(value)`` (str or repr), at most ``cap`` characters; what a student's ``__str__`` or ``__repr__`` raises is
    said instead."""
    try:
        return show(value)[:cap]
    except BaseException as error:  # noqa: BLE001 - a hostile __str__
        return f"<unprintable: its __str__ raised {type(error).__name__}>"


MAX_CLASSES = 200
MAX_METHODS = 200
MAX_NAME = 100
"""Longest class or method name reported; a longer one is no name the grader asks for."""
MAX_WARNINGS = 50
DATA = (np.ndarray, dict, list, tuple, int, float)
"""What a notebook's global holds when a function that reads it depends on the notebook's data."""


def _methods(cls: type) -> list[str]:
    """The public methods a class has, inherited ones included, so that the grader can say "no method backward" once."""
    try:
        names = [n for n in dir(cls) if isinstance(n, str) and not n.startswith("__") and len(n) <= MAX_NAME][: 10 * MAX_METHODS]
        return [n for n in names if callable(getattr(cls, n, None))][:MAX_METHODS]
    except Exception:  # noqa: BLE001 - a hostile metaclass: the grader then assumes nothing is missing
        return ["forward", "backward"]


class Worker:
    def __init__(self, blocker: ImportBlocker):
        self.blocker = blocker
        self.namespace: dict = {}
        self.files: set[str] = set()
        self.current = None
        self.kept: dict = {}
        self.isolation = ""
        self.progress = None  # a shared page (mmap) holding 1 + the index of the script operation running, or None
        self.bound: dict[str, tuple[dict, dict]] = {}  # contract class -> (binding, contract): built as an Adapter

    # -- loading ---------------------------------------------------------
    def load(self, sources: list[dict], mode: str, path: str | None, bindings: dict | None = None, supply: dict | None = None) -> dict:
        self._supply(supply or {})
        module = types.ModuleType("submission")
        module.__dict__["__builtins__"] = builtins
        sys.modules["submission"] = module
        self.namespace = module.__dict__
        if path is not None and os.path.isdir(os.path.join("submission", path)):
            # A repository's own helper modules, from the copy of its Python files in the workspace.
            sys.path.insert(0, os.path.abspath(os.path.join("submission", path)))
            # and its root, so that a package it holds imports by its name (``from cs231n.layers import *``)
            sys.path.insert(1, os.path.abspath("submission"))
        warnings = []
        for source in sources:
            name, code = source["file"], source["code"]
            module.__file__ = name
            self.files.add(name)
            linecache.cache[name] = (len(code), None, code.splitlines(True), name)
            for unit in source_units.units(code, name, mode):
                try:
                    exec(unit(), self.namespace)  # noqa: S102 - running the submission is the point
                except BaseException as error:  # noqa: BLE001 - a cell may raise anything, SystemExit included
                    if len(warnings) < MAX_WARNINGS:
                        warnings.append(self._load_warning(name, error, mode))
                    if isinstance(error, (SystemExit, KeyboardInterrupt)):
                        break
        return {"warnings": warnings, **self.bind(bindings or {}), "isolation": self.isolation}

    @staticmethod
    def _supply(supply: dict) -> None:
        """The grader's stand-ins for what a course's files expect to find: its helper modules (``rnn_utils``), and Python
        2's names (``xrange``). The grader's own code, run before the submission's."""
        for name, code in supply.get("modules", {}).items():
            module = types.ModuleType(name)
            exec(compile(code, f"<the grader's {name}>", "exec"), module.__dict__)  # noqa: S102 - the grader's own module
            sys.modules[name] = module
        if "xrange" in supply.get("builtins", ()):
            builtins.xrange = range

    def bind(self, bindings: dict) -> dict:
        """Build each named contract class as an Adapter from now on; the classes and methods the grader can call."""
        for name, (binding, contract) in bindings.items():
            self.bound[name] = (binding, contract)
        classes = sorted(
            k
            for k, v in self.namespace.items()
            if isinstance(k, str) and len(k) <= MAX_NAME and isinstance(v, type) and getattr(v, "__module__", "") == "submission"
        )[:MAX_CLASSES]
        methods = {name: _methods(self.namespace[name]) for name in classes}
        for name, (binding, _) in self.bound.items():
            methods[name] = ["forward", *(["backward"] if binding.get("backward") else [])]
            classes = sorted({*classes, name})
        return {"classes": classes, "methods": methods, "functions": self._functions(), "refused": list(self.blocker.refused)}

    def _functions(self) -> dict[str, list[str]]:
        """The submission's top-level functions, each with the names of the notebook's data (arrays, dicts, numbers)
        that it reads as globals: a function that works only with those fails elsewhere, and the report says why."""
        found = {}
        for name, value in list(self.namespace.items()):
            if len(found) >= MAX_CLASSES:
                break
            if not (isinstance(name, str) and len(name) <= MAX_NAME and isinstance(value, types.FunctionType)):
                continue
            if getattr(value, "__module__", "") != "submission":
                continue
            reads = getattr(value.__code__, "co_names", ())
            found[name] = [n for n in reads if len(n) <= MAX_NAME and not n.startswith("__") and isinstance(self.namespace.get(n), DATA)][
                :20
            ]
        return found

    def discover(self, contract: dict, probes: list[dict]) -> dict:
        """Every candidate implementation of ``contract`` and its answers to ``probes`` (``grading.discovery``)."""
        found = discovery.discover(self.namespace, contract, probes)
        cap = max(int(np.prod(np.shape(p["x"]))) * 8 for p in probes)  # (N, T, H) fits: H < 8 D at the grader's probes
        for candidate in found["candidates"]:
            candidate["outputs"] = [None if out is None else _wire_value(out, cap) for out in candidate["outputs"]]
        return {**found, "refused": list(self.blocker.refused)}

    def _load_warning(self, name: str, error: BaseException, mode: str) -> dict:
        frames = self._frames(error)
        line = frames[-1]["line"] if frames else getattr(error, "lineno", None)
        if isinstance(error, source_units.BrokenPart):
            part = f"{error.defines} (lines {error.first}-{error.last}) was" if error.defines else f"lines {error.first}-{error.last} were"
            what = f"{name} has a syntax error at line {error.lineno}: {error.msg}; {part} skipped and the rest of the file ran"
        elif isinstance(error, SyntaxError):
            what = f"{name} has a syntax error at line {error.lineno}: {error.msg}; none of it ran"
        else:
            raised = (
                f"called sys.exit({_text(error.code, 300, repr)})"
                if isinstance(error, SystemExit)
                else f"raised {type(error).__name__[:100]}: {_text(error, 300)}"
            )
            at = (
                f" (in {frames[-1]['file']}, line {line})"
                if frames and frames[-1]["file"] != name
                else (f" at line {line}" if line else "")
            )
            if mode == "cells":
                rest = "the rest of the cell was skipped"
            elif isinstance(error, (SystemExit, KeyboardInterrupt)):
                rest = "the file stopped there; grading uses what was defined before it"
            else:
                rest = "that statement was skipped and the rest of the file ran"
            what = f"{name} {raised}{at}; {rest}"
        return {"file": name, "line": line, "type": type(error).__name__[:100], "message": _text(error, 500), "text": what}

    # -- scripts ---------------------------------------------------------
    def script(self, ops: list[dict], offset: int = 0) -> list[dict]:
        """One reply per operation, ending at the first that raises; no returned array holds more entries than the
        grader reads for this script (``protocol.most_entries``). ``offset``: the operations of the request's scripts
        before this one, so that the progress page counts over all of them."""
        replies = []
        self.kept = {}  # what the script's Applies keep (a student's cache): it lives as long as the script
        most = protocol.most_entries(ops)
        for index, op in enumerate(ops):
            if self.progress is not None:
                self.progress[:4] = (offset + index + 1).to_bytes(4, "little")  # read by the grader if this op never ends
            try:
                replies.append(self._run(op, most))
            except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt from student code become replies
                replies.append(
                    {
                        "raised": {
                            "op": self._describe(op),
                            "type": type(error).__name__[:100],
                            "message": _text(error, MAX_TEXT),
                            "traceback": self._frames(error),
                        }
                    }
                )
                break
        return replies

    def _run(self, op: dict, most: int | None = None) -> dict:
        kind = op["op"]
        if kind == "new":
            return self._new(op["cls"], op["args"])
        if kind == "apply":
            return self._apply(op, most)
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
            # Copies for each call: an array the script passes twice stays as the grader sent it, whatever a call does to it.
            args = [np.array(a) if isinstance(a, np.ndarray) else a for a in op["args"]]
            kwargs = {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in op["kwargs"].items()}
            result = method(*args, **kwargs)
            reply = {"value": _wire_value(result, most)}
            if op.get("echo"):
                reply["echoed"] = [_wire_value(a, most) for a in [*args, *kwargs.values()]]
            return reply
        if kind == "get":
            return {
                "values": {
                    n: _wire_value(getattr(self.current, n), most) if hasattr(self.current, n) else {"type": "missing"} for n in op["names"]
                }
            }
        raise ValueError(f"unknown operation {kind!r}")

    def _apply(self, op: dict, most: int | None) -> dict:
        """Call a top-level function of the submission; send back only what ``op`` asks for (``checks.session.Apply``)."""
        name = op["function"]
        function = self.namespace.get(name)
        if not callable(function) or isinstance(function, type):
            raise NameError(f"the submission defines no function {name}")
        args = [self._argument(a) for a in op["args"]]
        result = function(*args)
        if op["keep"]:
            self.kept[op["keep"]] = (name, result)
        reply = {"value": _wire_value(result, most) if op["returns"] == "value" else {"type": type(result).__name__[:100]}}
        if op["returns"] == "tuple":
            items = result if isinstance(result, (tuple, list)) else ()
            reply["values"] = {str(i): _wire_value(items[i], most) if i < len(items) else {"type": "missing"} for i in op["send"]}
        elif op["returns"] == "dict":
            items = list(result.items())[:MOST_KEYS] if isinstance(result, dict) else []
            reply["values"] = {_text(k, MAX_NAME): _wire_value(v, most) for k, v in items}
        if op.get("echo"):  # the grader's arrays as they are now; never a kept value (a cache) handed back
            sent = [a for a, wire in zip(args, op["args"]) if not (isinstance(wire, dict) and KEPT in wire)]
            leaves = [v for a in sent for v in (a.values() if isinstance(a, dict) else (a,)) if isinstance(v, np.ndarray)]
            reply["echoed"] = [_wire_value(a, most) for a in leaves]
        return reply

    def _argument(self, wire):
        """An Apply's argument as the student's function gets it: fresh copies of the grader's arrays, or a kept value."""
        if isinstance(wire, dict) and KEPT in wire:
            slot, index = wire[KEPT]
            function, value = self.kept[slot]
            if index is None:
                return value
            if not isinstance(value, (tuple, list, dict)):
                what = "None" if value is None else f"only a value of type {type(value).__name__[:100]}"
                raise TypeError(f"{function} returned {what}, where a tuple holding its cache was expected")
            try:
                return value[index]
            except (IndexError, KeyError):
                raise TypeError(f"{function} returned {len(value)} values, where one more, its cache, was expected") from None
        if isinstance(wire, dict):
            return {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in wire.items()}
        return np.array(wire) if isinstance(wire, np.ndarray) else wire

    def _new(self, name: str, args: list) -> dict:
        if name in self.bound:
            binding, contract = self.bound[name]
            self.current = None
            self.current = Adapter(binding, contract, self.namespace, *args)
            return {}
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
        if kind == "apply":
            return op["function"]
        if kind == "set":
            return "setting " + ", ".join(op["attrs"])
        return "reading " + ", ".join(op.get("names", []))

    def _frames(self, error: BaseException) -> list[dict]:
        frames = traceback.extract_tb(error.__traceback__)
        mine = [f for f in frames if f.filename in self.files] or [f for f in frames if f.filename.startswith("<")]
        if isinstance(error, SyntaxError) and error.filename in self.files:
            return [{"file": error.filename, "line": error.lineno or 0, "function": "<module>", "text": (error.text or "").strip()}]
        return [
            {"file": f.filename[:200], "line": f.lineno or 0, "function": f.name[:100], "text": (f.line or "").strip()[:300]}
            for f in mine[-MAX_FRAMES:]
        ]


def _guarded(answer) -> dict:
    """``answer()``, or what it raised as {"error"}: discovery runs student code, which may raise anything."""
    try:
        return answer()
    except BaseException as error:  # noqa: BLE001 - SystemExit from student code included
        return {"candidates": [], "tried": [f"discovery stopped: {type(error).__name__}: {_text(error, 300)}"]}


def _restore(blocker: ImportBlocker) -> None:
    """Put the blocker back in front of ``sys.meta_path`` if the submission took it out or pushed it back."""
    try:
        if not sys.meta_path or sys.meta_path[0] is not blocker:
            sys.meta_path[:] = [blocker, *(finder for finder in sys.meta_path if finder is not blocker)]
    except Exception:  # noqa: BLE001, S110 - a meta_path the submission replaced with something hostile: its own loss
        pass


def serve(read_fd: int, write_fd: int, blocked: frozenset[str], *, isolation: str = "", progress=None) -> None:
    """Answer the grader's messages on ``read_fd`` until it closes the channel; student code runs only from here.

    ``progress`` is a page shared with the grader (an mmap), where each script operation's index is written as it starts.
    """
    # The grader's own packages were imported to get here; forget them so that the blocker sees any import of them.
    for name in [m for m in sys.modules if m.partition(".")[0] in blocked]:
        del sys.modules[name]
    blocker = ImportBlocker(blocked)
    sys.meta_path.insert(0, blocker)
    sys.addaudithook(blocker.audit)
    worker = Worker(blocker)
    worker.isolation = isolation
    worker.progress = progress
    while True:
        try:
            message = protocol.receive(read_fd)
        except protocol.ChannelClosed:
            return
        if message.get("op") == "load":
            reply = worker.load(message["sources"], message["mode"], message.get("path"), message.get("bind"), message.get("supply"))
        elif message.get("op") == "discover":
            reply = _guarded(lambda: worker.discover(message["contract"], message["probes"]))
        elif message.get("op") == "bind":
            reply = worker.bind(message["bindings"])
        elif message.get("op") == "scripts":
            answered, offset = [], 0
            for ops in message["scripts"]:
                answered.append(worker.script(ops, offset))
                offset += len(ops)
            reply = {"replies": answered, "refused": list(blocker.refused)}
        else:
            reply = {"replies": worker.script(message["ops"]), "refused": list(blocker.refused)}
        reply["id"] = message.get("id")  # the request's number: the grader reads no other frame as its answer
        _restore(blocker)
        protocol.send(write_fd, reply)
