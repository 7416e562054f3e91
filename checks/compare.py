"""The one comparison helper: expected against received, with a message a student can act on.

An entry passes when ``|received - expected| <= atol + rtol * |expected|``
(``numpy.isclose`` with the expected array as the reference); NaN never
passes. A mismatch names the array, how many entries are off, the worst
entry's index, expected against received, and its absolute and relative error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Mismatch:
    name: str
    message: str
    index: tuple[int, ...] | None = None  # worst entry; None when the shapes differ
    expected: float | None = None
    received: float | None = None
    abs_error: float | None = None
    rel_error: float | None = None
    first: tuple = ()  # up to three (index, expected, received) in index order
    arrays: tuple = field(default=(), compare=False, repr=False)  # (expected, received, atol, rtol) when the shapes agree

    def __str__(self) -> str:
        return self.message


def _fmt_index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, index)) + "]"


def close_entries(expected: np.ndarray, received: np.ndarray, *, atol: float, rtol: float) -> np.ndarray:
    """Which entries pass: ``|received - expected| <= atol + rtol * |expected|``, the rule every comparison uses
    (the checks' and the diagnosis's). Both float64 arrays of one shape."""
    if np.isfinite(expected).all():
        with np.errstate(invalid="ignore", over="ignore"):
            return np.abs(received - expected) <= atol + rtol * np.abs(expected)  # numpy.isclose's rule, without its overhead
    return np.isclose(received, expected, atol=atol, rtol=rtol)  # an expected infinity matches only itself


def compare(name: str, expected: npt.ArrayLike, received: npt.ArrayLike, *, atol: float, rtol: float) -> Mismatch | None:
    """None when ``received`` matches ``expected`` entry by entry, else the worst mismatch."""
    expected = np.asarray(expected, dtype=np.float64)
    received = np.asarray(received, dtype=np.float64)
    if expected.shape != received.shape:
        return Mismatch(name, f"{name} has shape {received.shape}; expected {expected.shape}")
    close = close_entries(expected, received, atol=atol, rtol=rtol)
    if close.all():
        return None
    error = np.abs(received - expected)
    # The worst entry is the one furthest past its tolerance; NaN and inf count as worst.
    with np.errstate(invalid="ignore"):  # inf - inf where an infinity was expected; np.where drops it
        excess = np.where(np.isfinite(error), error - rtol * np.abs(expected), np.inf)
    excess[close] = -np.inf
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), expected.shape))
    e, r, err = float(expected[index]), float(received[index]), float(error[index])
    rel = err / abs(e) if e != 0 else float("inf") if err else 0.0
    where = f" at {_fmt_index(index)}" if expected.ndim else ""
    first = tuple((tuple(int(i) for i in at), float(expected[tuple(at)]), float(received[tuple(at)])) for at in np.argwhere(~close)[:3])
    message = (
        f"{name}: {int((~close).sum())} of {close.size} entries differ; worst{where}: "
        f"expected {e:.10g}, received {r:.10g} (abs error {err:.2e}, rel error {rel:.2e}; "
        f"tolerance {atol:g} + {rtol:g}*|expected|)"
    )
    if expected.ndim and len(first) > 1:
        message += "; first differing: " + ", ".join(f"{_fmt_index(i)} expected {x:.6g} received {y:.6g}" for i, x, y in first)
    return Mismatch(name, message, index, e, r, err, rel, first, (expected, received, atol, rtol))


def compare_all(expected, received, *, atol: float, rtol: float, name: str = "") -> list[Mismatch]:
    """Compare nested dicts and lists of arrays leaf by leaf; leaves are named like ``cells[1]['Wh']``."""
    if isinstance(expected, Mapping):
        if not isinstance(received, Mapping) or set(received) != set(expected):
            got = sorted(received) if isinstance(received, Mapping) else type(received).__name__
            return [Mismatch(name or "value", f"{name or 'value'} has keys {got}; expected {sorted(expected)}")]
        return [
            m
            for k in expected
            for m in compare_all(expected[k], received[k], atol=atol, rtol=rtol, name=f"{name}[{k!r}]" if name else str(k))
        ]
    if isinstance(expected, Sequence) and not isinstance(expected, str):
        if not isinstance(received, Sequence) or len(received) != len(expected):
            return [
                Mismatch(
                    name,
                    f"{name} has {len(received) if isinstance(received, Sequence) else type(received).__name__} entries; expected {len(expected)}",
                )
            ]
        return [m for i, (e, r) in enumerate(zip(expected, received)) for m in compare_all(e, r, atol=atol, rtol=rtol, name=f"{name}[{i}]")]
    if expected is None or received is None:
        return [] if expected is received else [Mismatch(name, f"{name} is {received!r}; expected {expected!r}")]
    found = compare(name, expected, received, atol=atol, rtol=rtol)
    return [] if found is None else [found]


def assert_close(expected, received, *, atol: float, rtol: float, name: str = "") -> None:
    """Raise AssertionError listing every mismatch of ``compare_all``."""
    found = compare_all(expected, received, atol=atol, rtol=rtol, name=name)
    if found:
        raise AssertionError("\n".join(str(m) for m in found))
