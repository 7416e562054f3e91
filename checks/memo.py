"""Expected values remembered per case, so that each is computed once per process, not once per check and submission.

A problem's checks sweep the same drawn cases, and a batch's grading process
replays the very same case objects for every submission it grades
(``checks.property``). The reference's forward and gradients, and torch's,
depend on nothing but the case, so four gradient checks of one submission, and
the next hundred submissions, can share one computation:

    expected = remembered(case, ("backward", kind, style), lambda: compute(case))

Entries are keyed by the case object itself (held, so its id cannot be reused)
and a key naming what was computed; arrays handed out are read-only, so no
caller can spoil them for the next. At most ``SIZE`` entries are kept, the
least recently used going first: the cases met while shrinking pass through.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
SIZE = 32768
"""Enough for every case a grading draws or shrinks, with what each needs (a few KiB), in every assignment."""

_store: OrderedDict[tuple[int, Hashable], tuple[Any, Any]] = OrderedDict()


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


def remembered(case: Any, key: Hashable, compute: Callable[[], T], *, freeze: bool = True) -> T:
    """``compute()`` for this case and key, from memory when it was computed before in this process.

    ``freeze`` makes the arrays in the value read-only; a derived case (which
    shares the case's own arrays) is kept as it is.
    """
    slot = (id(case), key)
    found = _store.get(slot)
    if found is not None and found[0] is case:
        _store.move_to_end(slot)
        return found[1]
    value = compute()
    if freeze:
        _read_only(value)
    _store[slot] = (case, value)
    if len(_store) > SIZE:
        _store.popitem(last=False)
    return value


def forget() -> None:
    """Drop everything remembered (for tests and benchmarks)."""
    _store.clear()
