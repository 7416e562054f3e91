"""The wire between the grader and its worker: JSON headers and raw array bytes, never pickle.

A message is one frame:

    8 bytes   big-endian length of the header
    header    UTF-8 JSON; each array in it is replaced by {"__array__": i}
    payload   the arrays' bytes, one after another, as the header's "arrays"
              list describes them: {"dtype": "<f8", "shape": [2, 3], "nbytes": 48}

Arrays are rebuilt with ``numpy.frombuffer`` from a short list of plain numeric
dtypes; anything else in a header is refused, so nothing the worker sends can
run code in the grader. Every field is checked before it is used: the header
is a JSON object nested at most ``MAX_DEPTH`` deep (measured before it is
parsed, so no parser recursion can run away), each array description is
exactly ``{"dtype": str, "shape": [int >= 0, ...], "nbytes": int}`` with a
rank of at most ``MAX_RANK`` and bytes that match, and a frame larger than the
reader's ``limit`` is refused before it is read.

A request carries its number (``numbered``), and the worker's reply repeats it,
so that a frame the worker queued on its own is never read as the answer to the
next request.

What a reply to a script may hold is bounded by the script itself
(``reply_bounds``): no returned array may hold more than ``RETURN_FACTOR`` times
the entries of the largest array the script sent, plus ``RETURN_SLACK``. The
worker describes a larger array instead of sending it; the grader refuses a
frame larger than an honest reply could be.
"""

from __future__ import annotations

import json
import math
import os
import re
import select
import time
from typing import Any

import numpy as np

from checks.session import MOST_KEYS

HEADER_BYTES = 8
MAX_MESSAGE_BYTES = 256 * 2**20
"""A reply larger than this (a huge returned array) is refused, not read."""

ALLOWED_DTYPES = frozenset(np.dtype(t).str for t in ("f8", "f4", "f2", "i8", "i4", "i2", "i1", "u8", "u4", "u2", "u1", "?"))
MAX_DEPTH = 32
"""Deepest nesting of lists and objects a header may have; the grader's own messages need fewer than ten."""
MAX_RANK = 8
"""Most dimensions an array on the wire may have (NumPy allows 64; the assignments use 3)."""
MAX_ARRAYS = 4096
"""Most arrays one frame may describe."""
RETURN_FACTOR = 4
RETURN_SLACK = 1024
"""A returned array may hold RETURN_FACTOR times the larger of the entries of the largest array its script sent and
its most rows (entries over the last axis: N*T of X) times its widest last axis (H of Wh), plus RETURN_SLACK: so
forward's (N, T, H) and backward's gradients fit four times over, and the slack covers a script that sends no arrays."""
TEXT_BYTES = 64 * 1024
"""Header bytes an honest reply may use per operation for its texts (a capped exception message and traceback, type
names, a note), escaped as JSON escapes them, besides ``REPLY_HEADER_BYTES`` for the whole reply."""
REPLY_HEADER_BYTES = 64 * 1024


class ProtocolError(Exception):
    """A malformed, oversized or truncated message."""


class ChannelClosed(ProtocolError):
    """The other end closed its side, usually because its process ended."""


class ChannelTimeout(ProtocolError):
    """No complete message arrived in time."""


_SCALARS = (np.floating, np.integer, np.bool_)


def _flatten(value: Any, arrays: list[np.ndarray]) -> Any:
    kind = type(value)
    if kind is dict:
        return {str(k): _flatten(v, arrays) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_flatten(v, arrays) for v in value]
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"__array__": len(arrays) - 1}
    if isinstance(value, dict):
        return {str(k): _flatten(v, arrays) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_flatten(v, arrays) for v in value]
    if isinstance(value, _SCALARS):
        return value.item()
    return value


def encode(message: Any) -> bytes:
    """One frame for ``message``: JSON-able values and NumPy arrays of plain numeric dtypes."""
    arrays: list[np.ndarray] = []
    body = _flatten(message, arrays)
    contiguous = [np.ascontiguousarray(a) for a in arrays]
    for a in contiguous:
        if a.dtype.str not in ALLOWED_DTYPES:
            raise ProtocolError(f"dtype {a.dtype} cannot cross the wire; allowed: {sorted(ALLOWED_DTYPES)}")
    metas = [{"dtype": a.dtype.str, "shape": list(a.shape), "nbytes": a.nbytes} for a in contiguous]
    header = json.dumps({"body": body, "arrays": metas}).encode()
    return len(header).to_bytes(HEADER_BYTES, "big") + header + b"".join(a.tobytes() for a in contiguous)


def _rebuild(value: Any, arrays: list[np.ndarray]) -> Any:
    kind = type(value)
    if kind is dict:
        if "__array__" in value and len(value) == 1:
            index = value["__array__"]
            if type(index) is not int or not 0 <= index < len(arrays):
                raise ProtocolError(f"array reference {index!r} points at no array")
            return arrays[index]
        return {k: _rebuild(v, arrays) for k, v in value.items()}
    if kind is list:
        return [_rebuild(v, arrays) for v in value]
    return value


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nesting(header: bytes) -> int:
    """How deep the lists and objects of a JSON text nest, found without parsing it (so without recursion)."""
    brackets = np.frombuffer(_STRING.sub(b"", header).translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if not brackets.size:
        return 0
    return int(np.cumsum(np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)).max())


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _parse_header(header: bytes) -> tuple[Any, list[tuple[np.dtype, tuple[int, ...], int]]]:
    """The header's body and its checked array descriptions; ProtocolError for anything else."""
    depth = nesting(header)
    if depth > MAX_DEPTH:
        raise ProtocolError(f"header nested {depth} levels deep; at most {MAX_DEPTH} are read")
    try:
        parsed = json.loads(header.decode())
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ProtocolError(f"unreadable header: {str(error)[:200]}") from None
    if type(parsed) is not dict or set(parsed) != {"body", "arrays"}:
        keys = sorted(parsed)[:5] if type(parsed) is dict else type(parsed).__name__
        raise ProtocolError(f'header is {_short(keys)}; expected an object with "body" and "arrays"')
    return parsed["body"], _metas(parsed["arrays"])


def _metas(described: Any) -> list[tuple[np.dtype, tuple[int, ...], int]]:
    """Each array's (dtype, shape, nbytes), checked field by field."""
    if type(described) is not list or len(described) > MAX_ARRAYS:
        raise ProtocolError(f'"arrays" is {_short(described)}; expected a list of at most {MAX_ARRAYS} array descriptions')
    metas = []
    for meta in described:
        if type(meta) is not dict or set(meta) != {"dtype", "shape", "nbytes"}:
            raise ProtocolError(f'array description {_short(meta)} is not {{"dtype", "shape", "nbytes"}}')
        dtype, shape, nbytes = meta["dtype"], meta["shape"], meta["nbytes"]
        if type(dtype) is not str or dtype not in ALLOWED_DTYPES:
            raise ProtocolError(f"array of dtype {_short(dtype)} refused; allowed: {sorted(ALLOWED_DTYPES)}")
        if type(shape) is not list or len(shape) > MAX_RANK or any(type(s) is not int or s < 0 for s in shape):
            raise ProtocolError(f"array shape {_short(shape)} refused: a list of at most {MAX_RANK} sizes, each an int >= 0")
        itemsize = np.dtype(dtype).itemsize
        if type(nbytes) is not int or nbytes != itemsize * math.prod(shape):
            raise ProtocolError(f"array description {_short(meta)} gives {_short(nbytes)} bytes for its shape and dtype")
        metas.append((np.dtype(dtype), tuple(shape), nbytes))
    return metas


def decode(header: bytes, payload: bytes) -> Any:
    """Rebuild a message from its header and payload, refusing anything but plain numeric arrays."""
    return _decode(*_parse_header(header), payload)


def _decode(body: Any, metas: list[tuple[np.dtype, tuple[int, ...], int]], payload: bytes) -> Any:
    # One writeable copy of the payload; each array is a view of its own stretch of it.
    buffer, arrays, offset = bytearray(payload), [], 0
    for dtype, shape, nbytes in metas:
        if offset + nbytes > len(payload):
            raise ProtocolError(f"array of shape {shape} and dtype {dtype.str} does not fit the {len(payload)}-byte payload")
        arrays.append(np.frombuffer(buffer, dtype=dtype, count=nbytes // dtype.itemsize, offset=offset).reshape(shape))
        offset += nbytes
    if offset != len(payload):
        raise ProtocolError(f"payload has {len(payload) - offset} bytes that no array describes")
    return _rebuild(body, arrays)


def copy_through_wire(message: Any) -> Any:
    """``message`` as the other end would receive it: encoded, then decoded, so every array is a fresh copy."""
    frame = encode(message)
    length = int.from_bytes(frame[:HEADER_BYTES], "big")
    return decode(frame[HEADER_BYTES : HEADER_BYTES + length], frame[HEADER_BYTES + length :])


def _read_exactly(fd: int, count: int, deadline: float | None) -> bytes:
    chunks, remaining = [], count
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise ChannelTimeout(f"no reply within the time limit ({count - remaining} of {count} bytes came)")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise ChannelClosed(f"channel closed after {count - remaining} of {count} bytes")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(fd: int, *, timeout: float | None = None, limit: int = MAX_MESSAGE_BYTES) -> Any:
    """Read and decode one frame of at most ``limit`` bytes (header and arrays) from ``fd``, waiting at most
    ``timeout`` seconds in all; nothing beyond the limit is read."""
    deadline = None if timeout is None else time.monotonic() + timeout
    length = int.from_bytes(_read_exactly(fd, HEADER_BYTES, deadline), "big")
    if length > limit:
        raise ProtocolError(f"header of {length} bytes is over the {limit}-byte limit")
    body, metas = _parse_header(_read_exactly(fd, length, deadline))
    total = sum(nbytes for _, _, nbytes in metas)
    if length + total > limit:
        raise ProtocolError(f"message of {length + total} bytes is over the {limit}-byte limit")
    return _decode(body, metas, _read_exactly(fd, total, deadline))


def numbered(frame: bytes, number: int) -> bytes:
    """``frame`` (from ``encode``, its body an object) with ``"id": number`` added to its body, without encoding it again."""
    length = int.from_bytes(frame[:HEADER_BYTES], "big")
    opening = b'{"body": {'
    if not frame[HEADER_BYTES:].startswith(opening) or frame[HEADER_BYTES + len(opening) : HEADER_BYTES + len(opening) + 1] == b"}":
        raise ValueError("numbered() needs a frame whose body is an object with at least one key")
    stamp = f'"id": {int(number)}, '.encode()
    start = HEADER_BYTES + len(opening)
    return (length + len(stamp)).to_bytes(HEADER_BYTES, "big") + frame[HEADER_BYTES:start] + stamp + frame[start:]


def _arrays(value: Any) -> list[np.ndarray]:
    """Every array in ``value``, looking through dicts, lists and tuples (without recursion: it runs for every script)."""
    found, pending = [], [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif isinstance(item, np.ndarray):
            found.append(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return found


def most_entries(ops: list) -> int:
    """The most entries any array in the reply to the script ``ops`` (wire operations) may hold (``RETURN_FACTOR``)."""
    arrays = [a for a in _arrays(ops) if a.ndim]
    largest = max((a.size for a in arrays), default=0)
    rows = max((a.size // a.shape[-1] for a in arrays if a.shape[-1]), default=0)
    widest = max((a.shape[-1] for a in arrays), default=0)
    return RETURN_FACTOR * max(largest, rows * widest) + RETURN_SLACK


def values_returned(ops: list) -> int:
    """How many values an honest reply to the script ``ops`` can carry: one per call (and one per argument it
    echoes), one per attribute read."""
    count = 0
    for op in ops:
        if op.get("op") == "call":
            count += 1 + (len(op.get("args", ())) + len(op.get("kwargs", {})) if op.get("echo") else 0)
        elif op.get("op") == "get":
            count += len(op.get("names", ()))
        elif op.get("op") == "apply":
            returned = {"tuple": len(op.get("send", ())), "dict": MOST_KEYS}.get(op.get("returns"), 1)
            count += 1 + returned + (len(_arrays(op.get("args", []))) if op.get("echo") else 0)
    return count


def reply_bounds(ops: list) -> tuple[int, int]:
    """(most entries of one returned array, most bytes of the whole reply frame) for the script ``ops``."""
    entries = most_entries(ops)
    return entries, 8 * entries * values_returned(ops) + TEXT_BYTES * len(ops) + REPLY_HEADER_BYTES


def send(fd: int, message: Any, *, timeout: float | None = None) -> None:
    """Write one frame to ``fd`` (``message`` encoded, or already a frame from ``encode``), waiting at most ``timeout`` seconds for room."""
    deadline = None if timeout is None else time.monotonic() + timeout
    data = memoryview(message if isinstance(message, bytes) else encode(message))
    while data:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([], [fd], [], wait)[1]:
                raise ChannelTimeout(f"the other end took no more input within the time limit ({len(data)} bytes left)")
        try:
            written = os.write(fd, data[: select.PIPE_BUF])  # never blocks once select says writable
        except BrokenPipeError:
            raise ChannelClosed("the other end closed its side") from None
        data = data[written:]
