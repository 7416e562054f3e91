"""How a check talks to a submission: scripts of small operations, run on the other side of the worker wall.

A check never holds the student's objects. It builds a script, for example

    [New("SimpleRNN", (2, 3)), Set({"Wx": Wx, "Wh": Wh, "B": B}),
     Call("forward", (X,)), Call("backward", (dH,)), Get(("dWx", "dWh", "dB"))]

and a ``Session`` runs it in the worker and returns one reply per operation,
stopping at the first operation that raises. Replies carry plain values only:
arrays as float64 copies with their original dtype noted, type names, and
exception texts. A session whose worker dies or runs out of time raises
``WorkerLost``, a BaseException so that Hypothesis stops at once instead of
shrinking a crash.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class New:
    """Construct ``cls(*args)``; the object replaces the script's current one.

    If the constructor insists on more arguments, the worker retries with a
    course-style initializer and a do-nothing optimizer, and says so.
    """

    cls: str
    args: tuple = ()


@dataclass(frozen=True)
class Set:
    """Set attributes of the current object to copies of these arrays."""

    attrs: dict


@dataclass(frozen=True)
class Call:
    """Call a method of the current object; ``echo`` also returns the array arguments as they are afterwards."""

    method: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    echo: bool = False


@dataclass(frozen=True)
class Get:
    """Read attributes of the current object."""

    names: tuple


Op = New | Set | Call | Get


def to_wire(op: Op) -> dict:
    if isinstance(op, New):
        return {"op": "new", "cls": op.cls, "args": list(op.args)}
    if isinstance(op, Set):
        return {"op": "set", "attrs": dict(op.attrs)}
    if isinstance(op, Call):
        return {"op": "call", "method": op.method, "args": list(op.args), "kwargs": dict(op.kwargs), "echo": op.echo}
    return {"op": "get", "names": list(op.names)}


def describe_op(op: Op) -> str:
    """An operation in the words a report uses: "SimpleRNN(2, 3)", "forward", "setting Wx, Wh, B"."""
    if isinstance(op, New):
        return f"{op.cls}({', '.join(map(str, op.args))})"
    if isinstance(op, Call):
        return op.method
    if isinstance(op, Set):
        return "setting " + ", ".join(op.attrs)
    return "reading " + ", ".join(op.names)


@dataclass(frozen=True)
class Value:
    """Something the submission produced, as the grader sees it.

    ``array`` is a float64 copy when the value was numeric (an ndarray, a list
    of numbers, a number), else None; ``type`` is the Python type's name,
    ``dtype`` the array's original dtype.
    """

    type: str
    array: Array | None = None
    dtype: str | None = None

    @property
    def missing(self) -> bool:
        return self.type == "missing"

    def describe(self) -> str:
        if self.array is None:
            return "nothing (the attribute does not exist)" if self.missing else f"a {self.type}"
        what = "an ndarray" if self.type == "ndarray" else f"a {self.type}"
        return f"{what} of shape {self.array.shape}" + (f" and dtype {self.dtype}" if self.dtype not in (None, "float64") else "")


_DTYPE_NAMES: dict[np.dtype, str] = {}
"""Each dtype's name, looked up once (the wire allows only a dozen dtypes)."""


def value_from_wire(wire: Any) -> Value:
    """Turn the worker's description of a value into a Value, trusting nothing in it."""
    if not isinstance(wire, dict) or not isinstance(wire.get("type"), str):
        return Value("unreadable value")
    array = wire.get("array")
    if isinstance(array, np.ndarray):
        dtype = _DTYPE_NAMES.get(array.dtype) or _DTYPE_NAMES.setdefault(array.dtype, str(array.dtype))
        return Value(wire["type"][:80], np.asarray(array, dtype=np.float64), dtype)  # a fresh array of its own from the wire
    return Value(wire["type"][:80])


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    function: str
    text: str


@dataclass(frozen=True)
class Raised:
    """An operation raised: what, where in the student's code, and which operation."""

    op: str  # "forward", "backward", "SimpleRNN(2, 3)", "setting Wx", ...
    type: str
    message: str
    traceback: tuple[Frame, ...] = ()

    def describe(self) -> str:
        where = f" at {self.traceback[-1].file}, line {self.traceback[-1].line}" if self.traceback else ""
        text = f"{self.op} raised {self.type}: {self.message}"[:600]
        return text + where


@dataclass(frozen=True)
class Done:
    """An operation that finished: a Call's return value, a Get's values, a New's note."""

    value: Value | None = None
    values: dict = field(default_factory=dict)
    echoed: tuple = ()
    note: str = ""


Reply = Done | Raised


def reply_from_wire(wire: Any) -> Reply:
    if not isinstance(wire, dict):
        return Raised("the worker", "ProtocolError", f"unreadable reply {str(wire)[:80]!r}")
    if "raised" in wire:
        r = wire["raised"] if isinstance(wire["raised"], dict) else {}
        frames = tuple(
            Frame(
                str(f.get("file", "?"))[:200], int(f.get("line", 0) or 0), str(f.get("function", "?"))[:100], str(f.get("text", ""))[:300]
            )
            for f in r.get("traceback", [])[-10:]
            if isinstance(f, dict)
        )
        return Raised(str(r.get("op", "?"))[:100], str(r.get("type", "?"))[:100], str(r.get("message", ""))[:2000], frames)
    return Done(
        value=value_from_wire(wire["value"]) if "value" in wire else None,
        values={str(k): value_from_wire(v) for k, v in (wire.get("values") or {}).items()},
        echoed=tuple(value_from_wire(v) for v in wire.get("echoed") or ()),
        note=str(wire.get("note", ""))[:300],
    )


class WorkerLost(BaseException):
    """The worker died or ran out of time. A BaseException, so that Hypothesis does not catch it.

    ``running`` names the operation the worker was in when it was lost ("forward"), when known; ``index`` is that
    operation's place in its script, and ``case`` the check's case it was run for (set by ``checks.property``).
    """

    def __init__(self, reason: str, *, timeout: bool = False, running: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.timeout = timeout
        self.running = running
        self.index: int | None = None
        self.case: Any = None


class Session(Protocol):
    def run(self, script: list[Op]) -> list[Reply]:
        """Run ``script`` in the worker: one reply per operation, ending at the first Raised."""
        ...


class Recorder:
    """A Session that passes every script on and, inside ``recording()``, keeps each script with its replies.

    The diagnosis replays what a failed check sent through known mistakes and
    compares their replies with the ones kept here.
    """

    def __init__(self, session: Session):
        self.session = session
        self._said: list | None = None

    def run(self, script: list[Op]) -> list[Reply]:
        replies = self.session.run(script)
        if self._said is not None:
            self._said.append((tuple(script), tuple(replies)))
        return replies

    @contextmanager
    def recording(self) -> Iterator[list]:
        """A list that gets (script, replies) for every script run until the block ends."""
        outer, self._said = self._said, []
        try:
            yield self._said
        finally:
            self._said = outer
