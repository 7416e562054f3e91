"""The wire between the grader and its worker: JSON headers and raw array bytes, never pickle.

A message is one frame:

    8 bytes   big-endian length of the header
    header    UTF-8 JSON; each array in it is replaced by {"__array__": i}
    payload   the arrays' bytes, one after another, as the header's "arrays"
              list describes them: {"dtype": "<f8", "shape": [2, 3], "nbytes": 48}

Arrays are rebuilt with ``numpy.frombuffer`` from a short list of plain numeric
dtypes; anything else in a header is refused, so nothing the worker sends can
run code in the grader.
"""

from __future__ import annotations

import json
import math
import os
import select
import time
from typing import Any

import numpy as np

HEADER_BYTES = 8
MAX_MESSAGE_BYTES = 256 * 2**20
"""A reply larger than this (a huge returned array) is refused, not read."""

ALLOWED_DTYPES = frozenset(np.dtype(t).str for t in ("f8", "f4", "f2", "i8", "i4", "i2", "i1", "u8", "u4", "u2", "u1", "?"))


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


def _parse_header(header: bytes) -> tuple[Any, list]:
    try:
        parsed = json.loads(header.decode())
        return parsed["body"], list(parsed["arrays"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise ProtocolError(f"unreadable header: {error}") from None


def _payload_size(metas: list) -> int:
    try:
        return sum(int(m["nbytes"]) for m in metas)
    except (KeyError, TypeError, ValueError) as error:
        raise ProtocolError(f"unreadable header: {error}") from None


def decode(header: bytes, payload: bytes) -> Any:
    """Rebuild a message from its header and payload, refusing anything but plain numeric arrays."""
    return _decode(*_parse_header(header), payload)


def _decode(body: Any, metas: list, payload: bytes) -> Any:
    # One writeable copy of the payload; each array is a view of its own stretch of it.
    buffer, arrays, offset = bytearray(payload), [], 0
    for meta in metas:
        try:
            dtype = np.dtype(meta["dtype"]) if meta["dtype"] in ALLOWED_DTYPES else None
            shape = tuple(int(s) for s in meta["shape"])
            nbytes = int(meta["nbytes"])
        except (KeyError, TypeError, ValueError) as error:
            raise ProtocolError(f"unreadable array description {meta!r}: {error}") from None
        if dtype is None:
            raise ProtocolError(f"array of dtype {meta.get('dtype')!r} refused; allowed: {sorted(ALLOWED_DTYPES)}")
        if any(s < 0 for s in shape) or nbytes != dtype.itemsize * math.prod(shape) or offset + nbytes > len(payload):
            raise ProtocolError(f"array description {meta!r} does not fit the {len(payload)}-byte payload")
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
    """Read and decode one frame from ``fd``, waiting at most ``timeout`` seconds in all."""
    deadline = None if timeout is None else time.monotonic() + timeout
    length = int.from_bytes(_read_exactly(fd, HEADER_BYTES, deadline), "big")
    if length > limit:
        raise ProtocolError(f"header of {length} bytes is over the {limit}-byte limit")
    body, metas = _parse_header(_read_exactly(fd, length, deadline))
    total = _payload_size(metas)
    if total < 0 or total > limit:
        raise ProtocolError(f"message of {total} bytes of arrays is over the {limit}-byte limit")
    return _decode(body, metas, _read_exactly(fd, total, deadline))


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
