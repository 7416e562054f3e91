"""Expected values remembered per case, by the case's value, so that each is computed once per process.

A problem's checks sweep the same drawn cases, and every submission of a batch
is graded on the same cases (the same seed draws the same cases). The
reference's forward and gradients, and torch's, depend on nothing but the
case's arrays, so four gradient checks of one submission, and the next hundred
submissions, can share one computation:

    expected = remembered(case, ("backward", kind, style), lambda: compute(case))

The key is the case's content (``digest``: every array's dtype, shape and
bytes) and a key naming what was computed, never an object's identity; arrays
handed out are read-only, so no caller can spoil them for the next. At most
``SIZE`` entries are kept, the least recently used going first: the cases met
while shrinking pass through. This is the grader's one cache of values.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
SIZE = 32768
"""Enough for every case a grading draws or shrinks, with what each needs (a few KiB), in every assignment."""

_store: OrderedDict[tuple[bytes, Hashable], Any] = OrderedDict()


def digest(value: Any) -> bytes:
    """A digest of ``value``'s content: arrays by dtype, shape and bytes; mappings by sorted key; sequences in order."""
    h = hashlib.blake2b(digest_size=16)

    def feed(item: Any) -> None:
        if isinstance(item, bytes):
            h.update(b"b%d:" % len(item))
            h.update(item)
        elif isinstance(item, np.ndarray):
            h.update(f"a{item.dtype.str}{item.shape}".encode())
            h.update(np.ascontiguousarray(item).tobytes())
        elif isinstance(item, Mapping):
            h.update(b"{")
            for key in sorted(item):
                h.update(repr(key).encode())
                feed(item[key])
            h.update(b"}")
        elif isinstance(item, (list, tuple)):
            h.update(b"(")
            for each in item:
                feed(each)
            h.update(b")")
        else:
            h.update(repr(item).encode())

    feed(value)
    return h.digest()


def _read_only(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for item in value.values():
            _read_only(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _read_only(item)
    return value


def remembered(case: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` for this case's content and ``key``, from memory when it was computed before in this process.

    The value's arrays are made read-only: it is shared by every later caller.
    """
    slot = (digest(case), key)
    if slot in _store:
        _store.move_to_end(slot)
        return _store[slot]
    value = _read_only(compute())
    _store[slot] = value
    if len(_store) > SIZE:
        _store.popitem(last=False)
    return value


def forget() -> None:
    """Drop everything remembered (for tests and benchmarks)."""
    _store.clear()
