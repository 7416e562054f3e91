"""How a check talks to a submission: scripts of small operations, run on the other side of the worker wall.

A check never holds the student's objects. It builds a script, for example

    [New("SimpleRNN", (2, 3)), Set({"Wx": Wx, "Wh": Wh, "B": B}),
     Call("forward", (X,), name="forward"), Call("backward", (dH,), name="backward"),
     Get(("dWx", "dWh", "dB"), name="grads")]

and a ``Session`` runs it in the worker and returns one reply per operation,
stopping at the first operation that raises; ``named`` then gives the check
its replies by the names its steps carry: ``replies["forward"]``. Replies carry plain values only:
arrays as float64 copies with their original dtype noted, type names, and
exception texts. A session whose worker dies or runs out of time raises
``WorkerLost``, a BaseException so that Hypothesis stops at once instead of
shrinking a crash; so does one whose worker sends a reply no honest worker
sends (``MalformedReply``: a field of the wrong type, an array larger than the
script allows, more replies than operations).

Every text in a reply is capped and made valid Unicode (``readable``): JSON can
carry a lone surrogate, which no report file can encode.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


class MalformedReply(ValueError):
    """A reply no honest worker sends; the session that reads one raises WorkerLost with this reason."""


def readable(text: str) -> str:
    """``text`` as valid Unicode: each lone surrogate (which JSON can carry and UTF-8 cannot encode) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _text(value: Any, cap: int, what: str) -> str:
    """A text field of a reply, capped and readable; MalformedReply when it is not text."""
    if type(value) is not str:
        raise MalformedReply(f"{what} is {type(value).__name__}, not text")
    return readable(value[:cap])


def _fields(wire: Any, allowed: set[str], what: str) -> dict:
    """``wire`` when it is an object whose keys are all among ``allowed``; else MalformedReply."""
    if type(wire) is not dict:
        raise MalformedReply(f"{what} is {type(wire).__name__}, not an object")
    extra = sorted(str(k)[:40] for k in wire if k not in allowed)[:3]
    if extra:
        raise MalformedReply(f"{what} has unknown fields {extra}")
    return wire


@dataclass(frozen=True)
class New:
    """Construct ``cls(*args)``; the object replaces the script's current one.

    If the constructor insists on more arguments, the worker retries with a
    course-style initializer and a do-nothing optimizer, and says so.
    """

    cls: str
    args: tuple = ()
    name: str = field(default="", kw_only=True)


@dataclass(frozen=True)
class Set:
    """Set attributes of the current object to copies of these arrays."""

    attrs: dict
    name: str = field(default="", kw_only=True)


@dataclass(frozen=True)
class Call:
    """Call a method of the current object; ``echo`` also returns the array arguments as they are afterwards."""

    method: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    echo: bool = False
    name: str = field(default="", kw_only=True)


@dataclass(frozen=True)
class Get:
    """Read attributes of the current object."""

    names: tuple
    name: str = field(default="", kw_only=True)


@dataclass(frozen=True)
class Kept:
    """An argument of an Apply: what an earlier Apply of the same script returned and kept in the worker under ``slot``,
    or its element ``index`` (a tuple's position, a dict's key). It never leaves the worker: a student's cache is
    handed back to the student's own backward, opaque to the grader."""

    slot: str
    index: int | str | None = None


@dataclass(frozen=True)
class Apply:
    """Call the submission's top-level function ``function(*args)``.

    ``args`` hold arrays, dicts of arrays (a course's ``parameters``), integers and ``Kept`` values. What is sent
    back is ``returns``: "tuple" sends the positions ``send`` of a returned tuple, "dict" every key of a returned
    dict, "value" the return value itself; nothing else of it (a cache) ever leaves the worker. ``keep`` keeps the
    return value in the worker for later Applies of the script; ``echo`` also sends back every array argument (those in
    dicts too) as it is after the call.
    """

    function: str
    args: tuple = ()
    returns: str = "tuple"
    send: tuple[int, ...] = ()
    keep: str = ""
    echo: bool = False
    name: str = field(default="", kw_only=True)


KEPT = "__kept__"
"""The wire's key for a Kept argument: no dict the grader sends (a course's parameters) has it."""
MOST_KEYS = 24
"""The most keys of a returned dict the worker sends (a course's gradients dict holds up to 11)."""


def _arg_to_wire(arg):
    if isinstance(arg, Kept):
        return {KEPT: [arg.slot, arg.index]}
    if isinstance(arg, dict):
        return {k: _arg_to_wire(v) for k, v in arg.items()}
    return arg


def array_leaves(args) -> list:
    """The arrays among ``args`` and in their dicts, in order: what an Apply with ``echo`` sends back."""
    found = []
    for arg in args:
        if isinstance(arg, dict):
            found += [v for v in arg.values() if isinstance(v, np.ndarray)]
        elif isinstance(arg, np.ndarray):
            found.append(arg)
    return found


Op = New | Set | Call | Get | Apply
"""Each op may carry a ``name`` ("forward", "grads"): the checks read its reply by that name (``named``), never by
its place in the script. Names stay on this side of the wall: ``to_wire`` does not send them."""


def to_wire(op: Op) -> dict:
    if isinstance(op, New):
        return {"op": "new", "cls": op.cls, "args": list(op.args)}
    if isinstance(op, Set):
        return {"op": "set", "attrs": dict(op.attrs)}
    if isinstance(op, Call):
        return {"op": "call", "method": op.method, "args": list(op.args), "kwargs": dict(op.kwargs), "echo": op.echo}
    if isinstance(op, Apply):
        return {
            "op": "apply",
            "function": op.function,
            "args": [_arg_to_wire(a) for a in op.args],
            "returns": op.returns,
            "send": list(op.send),
            "keep": op.keep,
            "echo": op.echo,
        }
    return {"op": "get", "names": list(op.names)}


def describe_op(op: Op) -> str:
    """An operation in the words a report uses: "SimpleRNN(2, 3)", "forward", "setting Wx, Wh, B"."""
    if isinstance(op, New):
        return f"{op.cls}({', '.join(map(str, op.args))})"
    if isinstance(op, (Call, Apply)):
        return op.method if isinstance(op, Call) else op.function
    if isinstance(op, Set):
        return "setting " + ", ".join(op.attrs)
    return "reading " + ", ".join(op.names)


@dataclass(frozen=True)
class Value:
    """Something the submission produced, as the grader sees it.

    ``array`` is a float64 copy when the value was numeric (an ndarray, a list
    of numbers, a number), else None; ``type`` is the Python type's name,
    ``dtype`` the dtype the array crossed the wire in. ``note`` says how the
    worker converted an array of a real dtype the wire does not carry (">f8",
    longdouble) into one it does. ``size`` is the number of entries of an array
    too large to be sent: more than ``most``, what the grader reads of one
    value for its script (``grading.protocol.most_entries``).
    """

    type: str
    array: Array | None = None
    dtype: str | None = None
    note: str = ""
    size: int | None = None
    most: int | None = None

    @property
    def missing(self) -> bool:
        return self.type == "missing"

    def describe(self) -> str:
        what = "an ndarray" if self.type == "ndarray" else f"a {self.type}"
        if self.size is not None:
            limit = f"more than the {self.most} one value may hold for these inputs" if self.most is not None else "too many to check"
            return f"{what} of {self.size} values, {limit}"
        if self.array is None:
            return "nothing (the attribute does not exist)" if self.missing else f"a {self.type}"
        return f"{what} of shape {self.array.shape}" + (f" and dtype {self.dtype}" if self.dtype not in (None, "float64") else "")


_DTYPE_NAMES: dict[np.dtype, str] = {}
"""Each dtype's name, looked up once (the wire allows only a dozen dtypes)."""
_CONVERTED_FROM = re.compile(r"[<>=|][fiub][1-9][0-9]?")
_KINDS = {"f": "float", "i": "int", "u": "uint", "b": "bool"}
_NATIVE = "<" if sys.byteorder == "little" else ">"


def _conversion(origin: str, dtype: str) -> str:
    """What a Value's note says of an array the worker converted from dtype ``origin`` (">f8") to ``dtype``."""
    order = {">": "big-endian ", "<": "little-endian "}.get(origin[0], "") if origin[0] != _NATIVE else ""
    kind, bits = _KINDS[origin[1]], 8 * int(origin[2:])
    name = "longdouble" if kind == "float" and bits > 64 else f"{kind}{bits}"
    return f"was {order}{name} ({origin}); it was converted to {dtype} for checking"


def value_from_wire(wire: Any, most: int | None = None) -> Value:
    """Turn the worker's description of a value into a Value, trusting nothing in it.

    ``most``: the most entries an array may hold for the script it answers; MalformedReply for a larger one, as for
    any field of the wrong type.
    """
    wire = _fields(wire, {"type", "array", "size", "from"}, "a value")
    kind = _text(wire.get("type"), 80, "a value's type")
    array, size, origin = wire.get("array"), wire.get("size"), wire.get("from")
    if size is not None:
        if type(size) is not int or size < 0 or "array" in wire:
            raise MalformedReply(f"a value's size {str(size)[:40]} is not a count of entries, or comes with an array")
        return Value(kind, size=size, most=most)
    if "array" not in wire:
        if origin is not None:
            raise MalformedReply("a value without an array says what it was converted from")
        return Value(kind)
    if not isinstance(array, np.ndarray):
        raise MalformedReply(f"a value's array is {type(array).__name__}, not an array")
    if most is not None and array.size > most:
        raise MalformedReply(f"an array of {array.size} values, where one value may hold at most {most} for these inputs")
    dtype = _DTYPE_NAMES.get(array.dtype) or _DTYPE_NAMES.setdefault(array.dtype, str(array.dtype))
    note = ""
    if origin is not None:
        if type(origin) is not str or not _CONVERTED_FROM.fullmatch(origin):
            raise MalformedReply(f"a value says it was converted from {str(origin)[:40]!r}, which is no real dtype")
        note = _conversion(origin, dtype)
    return Value(kind, np.asarray(array, dtype=np.float64), dtype, note)  # a fresh array of its own from the wire


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


def _frame(wire: Any) -> Frame:
    f = _fields(wire, {"file", "line", "function", "text"}, "a traceback frame")
    line = f.get("line", 0)
    if type(line) is not int:
        raise MalformedReply(f"a traceback frame's line is {type(line).__name__}, not a number")
    return Frame(
        _text(f.get("file", "?"), 200, "a frame's file"),
        line,
        _text(f.get("function", "?"), 100, "a frame's function"),
        _text(f.get("text", ""), 300, "a frame's text"),
    )


def reply_from_wire(wire: Any, most: int | None = None) -> Reply:
    """One operation's reply, checked field by field (``most`` as for ``value_from_wire``); MalformedReply for
    anything an honest worker does not send."""
    wire = _fields(wire, {"raised", "value", "values", "echoed", "note"}, "a reply")
    if "raised" in wire:
        if len(wire) != 1:
            raise MalformedReply("a reply both raised and returned")
        r = _fields(wire["raised"], {"op", "type", "message", "traceback"}, "what an operation raised")
        frames = r.get("traceback", [])
        if type(frames) is not list:
            raise MalformedReply(f"a traceback is {type(frames).__name__}, not a list")
        return Raised(
            _text(r.get("op", "?"), 100, "an operation"),
            _text(r.get("type", "?"), 100, "an exception's type"),
            _text(r.get("message", ""), 2000, "an exception's message"),
            tuple(_frame(f) for f in frames[-10:]),
        )
    values, echoed = wire.get("values", {}), wire.get("echoed", [])
    if type(values) is not dict or type(echoed) is not list:
        raise MalformedReply("a reply's values are not an object, or its echoed arguments not a list")
    return Done(
        value=value_from_wire(wire["value"], most) if "value" in wire else None,
        values={readable(k[:100]): value_from_wire(v, most) for k, v in values.items()},
        echoed=tuple(value_from_wire(v, most) for v in echoed),
        note=_text(wire.get("note", ""), 300, "a note"),
    )


def replies_from_wire(wire: Any, script: list[Op], most: int | None = None) -> list[Reply]:
    """The replies to ``script``: one per operation, up to and ending at the first Raised, each of the kind its
    operation answers with (a Call's value and as many echoed arguments as it echoes, a Get's values by the names it
    reads). MalformedReply for anything else."""
    if type(wire) is not list:
        raise MalformedReply(f"the replies are {type(wire).__name__}, not a list")
    if not (min(len(script), 1) <= len(wire) <= len(script)):
        raise MalformedReply(f"{len(wire)} replies to a script of {len(script)} operations")
    replies = [reply_from_wire(r, most) for r in wire]
    if any(isinstance(r, Raised) for r in replies[:-1]) or (len(replies) < len(script) and not isinstance(replies[-1], Raised)):
        raise MalformedReply(f"{len(wire)} replies to a script of {len(script)} operations, and the last did not raise")
    for op, reply in zip(script, replies):
        if isinstance(reply, Done) and not _answers(op, reply):
            raise MalformedReply(f"the reply to {describe_op(op)[:60]} is not the kind of reply it gets")
    return replies


def _answers(op: Op, reply: Done) -> bool:
    """Whether ``reply`` has what an answer to ``op`` has, and nothing else."""
    if isinstance(op, Call):
        echoed = len(op.args) + len(op.kwargs) if op.echo else 0
        return reply.value is not None and not reply.values and len(reply.echoed) == echoed
    if isinstance(op, Apply):
        echoed = len(array_leaves(op.args)) if op.echo else 0
        if op.returns == "tuple":
            keys_ok = set(reply.values) == {str(i) for i in op.send}
        else:
            keys_ok = not reply.values if op.returns == "value" else len(reply.values) <= MOST_KEYS
        return reply.value is not None and keys_ok and len(reply.echoed) == echoed
    returned = reply.value is not None or reply.echoed
    if isinstance(op, Get):
        return not returned and set(reply.values) == set(op.names)
    return not returned and not reply.values


def same_script(a: list[Op], b: list[Op]) -> bool:
    """Whether two scripts hold the same operations with the same values (arrays entry by entry, names aside)."""
    if a is b:
        return True
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if type(x) is not type(y):
            return False
        if isinstance(x, New) and (x.cls, x.args) != (y.cls, y.args):
            return False
        if isinstance(x, Get) and x.names != y.names:
            return False
        if isinstance(x, Set) and not _same_values(x.attrs, y.attrs):
            return False
        if isinstance(x, Call) and (
            (x.method, x.echo) != (y.method, y.echo) or not _same_values(x.args, y.args) or not _same_values(x.kwargs, y.kwargs)
        ):
            return False
        if isinstance(x, Apply) and (
            (x.function, x.returns, x.send, x.keep, x.echo) != (y.function, y.returns, y.send, y.keep, y.echo)
            or not _same_values(x.args, y.args)
        ):
            return False
    return True


def _same_values(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is b or (
            isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same_values(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, Kept):
        return a == b
    return type(a) is type(b) and a == b


def named(script: list[Op], replies: list[Reply]) -> dict[str, Reply]:
    """The replies of ``script``'s named operations, by name (an operation the script never reached has none).

    ValueError when two operations share a name: a check that builds such a script would read the wrong reply.
    """
    names = [op.name for op in script if op.name]
    if len(set(names)) != len(names):
        raise ValueError(f"a script names two operations alike: {sorted(n for n in set(names) if names.count(n) > 1)}")
    return {op.name: reply for op, reply in zip(script, replies) if op.name}


class WorkerLost(BaseException):
    """The worker died or ran out of time. A BaseException, so that Hypothesis does not catch it.

    ``running`` names the operation the worker was in when it was lost ("forward"), when known; ``index`` is that
    operation's place in its request's scripts, ``script`` which of several scripts sent together it was in (0 for a
    script sent alone), and ``case`` the check's case it was run for (set by ``checks.property``).
    """

    def __init__(self, reason: str, *, timeout: bool = False, running: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.timeout = timeout
        self.running = running
        self.index: int | None = None
        self.script = 0
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

    def prefetch(self, scripts: list[list[Op]]) -> None:
        """``scripts`` run ahead together, where the session can (``grading.worker.WorkerSession.prefetch``)."""
        ahead = getattr(self.session, "prefetch", None)
        if ahead is not None:
            ahead(scripts)

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
