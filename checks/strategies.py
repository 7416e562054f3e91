"""Hypothesis strategies for recurrent-network inputs: tiny shapes, bounded finite values.

Shapes: N batch, T time steps, D features, H hidden units, L layers,
K = 2 directions when bidirectional else 1.

Every public function returns a strategy; its options are keyword-only and
checked when it is called, so a bad option fails at once with a message that
names it, its value and the fix.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reference.cells import CELLS

Array = npt.NDArray[np.float64]
Range = tuple[int, int]


class Dims(NamedTuple):
    N: int
    T: int
    D: int
    H: int


class CellCase(NamedTuple):
    """Inputs of one cell's forward and backward."""

    x: Array  # (N, T, D)
    params: dict[str, Array]
    h0: Array | None  # (N, H) or None for zeros
    c0: Array | None  # (N, H) for an LSTM, or None
    dhs: Array  # (N, T, H) upstream gradient at every step
    dc_last: Array | None  # (N, H) upstream gradient of the LSTM's last cell state, or None


class StackCase(NamedTuple):
    """Inputs of a stacked, possibly bidirectional network's forward and backward."""

    x: Array  # (N, T, D)
    cells: list[dict[str, Array]]  # L·K param dicts, torch's order
    h0: Array | None  # (L·K, N, H)
    c0: Array | None  # (L·K, N, H) for an LSTM, or None
    dout: Array  # (N, T, K·H)
    dh_n: Array | None  # (L·K, N, H)
    dc_n: Array | None  # (L·K, N, H) for an LSTM, or None


def _check_range(name: str, value: Range, floor: int = 1) -> Range:
    if not (isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value)):
        raise TypeError(f"{name}={value!r} should be a pair of integers (min, max), such as (1, 6)")
    low, high = value
    if low < floor:
        raise ValueError(f"{name}={value!r}: the minimum {low} is below {floor}; use at least {floor}")
    if low > high:
        raise ValueError(f"{name}={value!r}: the minimum {low} is larger than the maximum {high}; swap them")
    return value


def _check_bound(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
        raise ValueError(f"{name}={value!r} should be a finite number above 0, such as 1.0")
    return float(value)


def _check_kind(kind: str) -> str:
    if kind not in CELLS:
        raise ValueError(f"kind={kind!r} is not one of {', '.join(repr(k) for k in CELLS)}")
    return kind


def dims(*, batch: Range = (1, 6), steps: Range = (1, 6), features: Range = (1, 6), hidden: Range = (1, 6)) -> st.SearchStrategy[Dims]:
    """(N, T, D, H), each drawn from its inclusive (min, max) range; shrinks towards the minimums."""
    ranges = [_check_range(n, v) for n, v in (("batch", batch), ("steps", steps), ("features", features), ("hidden", hidden))]
    return st.builds(Dims, *(st.integers(low, high) for low, high in ranges))


def arrays(shape: tuple[int, ...], *, bound: float = 1.0) -> st.SearchStrategy[Array]:
    """float64 arrays of ``shape`` with finite values in [-bound, bound] and no subnormals."""
    bound = _check_bound("bound", bound)
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=64)
    return hnp.arrays(np.float64, shape, elements=elements)


GRID_STEPS = 16
_KIND = st.integers(0, 3)
_STEP = st.integers(-GRID_STEPS, GRID_STEPS - 1).map(lambda k: k + (k >= 0))
"""A nonzero grid step, -16..-1 or 1..16, shrinking towards 1; a map, not a filter, so that no draw is ever rejected
(the shrinker's every attempt at 0 would be a wasted draw)."""
_SEED = st.integers(0, 2**32 - 1)


@functools.lru_cache(maxsize=None)
def _index(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)


def draw_grid(draw, shape: tuple[int, ...], bound: float) -> Array:
    """One grid array, inside a composite strategy (``draw``); the strategies it draws from are built once, since
    building them is what costs."""
    size = int(np.prod(shape))
    kind = draw(_KIND)
    if kind == 0:
        return np.zeros(shape)
    if kind == 1:
        out = np.zeros(size)
        out[draw(_index(size))] = bound * draw(_STEP) / GRID_STEPS
        return out.reshape(shape)
    if kind == 2:
        return np.full(shape, bound * draw(_STEP) / GRID_STEPS)
    rng = np.random.default_rng(draw(_SEED))
    return bound * rng.integers(-GRID_STEPS, GRID_STEPS + 1, shape) / GRID_STEPS


@st.composite
def _grid_array(draw, shape: tuple[int, ...], bound: float) -> Array:
    return draw_grid(draw, shape, bound)


def grid_arrays(shape: tuple[int, ...], *, bound: float = 1.0) -> st.SearchStrategy[Array]:
    """float64 arrays of ``shape`` on the grid bound·k/16, k in -16..16, drawn in one to three choices.

    Far cheaper to draw than ``arrays`` (a few draws instead of one per entry),
    and they shrink towards what reads best in a report: zeros, then a single
    nonzero entry, then a constant, then seeded random grid values.
    """
    bound = _check_bound("bound", bound)
    if any(not isinstance(n, int) or n < 1 for n in shape):
        raise ValueError(f"shape={shape!r} should hold positive integers")
    return _grid_array(tuple(shape), bound)


def params(kind: str, D: int, H: int, *, bound: float = 1.0, grid: bool = False) -> st.SearchStrategy[dict[str, Array]]:
    """One cell's params for ``kind`` (a key of ``reference.cells.CELLS``), keys and shapes as its module's ``param_shapes``."""
    shapes = CELLS[_check_kind(kind)].param_shapes(D, H)
    bound = _check_bound("bound", bound)
    make = grid_arrays if grid else arrays
    return st.fixed_dictionaries({key: make(shape, bound=bound) for key, shape in shapes.items()})


def _optional(strategy: st.SearchStrategy, given: bool | None) -> st.SearchStrategy:
    """Always (True), never (False) or sometimes (None) draw from ``strategy``; otherwise None."""
    if given is None:
        return st.none() | strategy
    return strategy if given else st.none()


_MAYBE = st.booleans()


@st.composite
def _cell_cases(draw, kind, shape, bound, weight_bound, h0, c0, grid) -> CellCase:
    N, T, D, H = draw(shape)
    has_c = CELLS[kind].has_cell_state
    if grid:

        def array(shape, bound, given=True):
            # given: always (True), never (False), or either way (None)
            return draw_grid(draw, shape, bound) if given or (given is None and draw(_MAYBE)) else None

        weights = {key: array(s, weight_bound) for key, s in CELLS[kind].param_shapes(D, H).items()}
    else:

        def array(shape, bound, given=True):
            return draw(_optional(arrays(shape, bound=bound), given))

        weights = draw(params(kind, D, H, bound=weight_bound))
    return CellCase(
        x=array((N, T, D), bound),
        params=weights,
        h0=array((N, H), bound, h0),
        c0=array((N, H), bound, c0) if has_c else None,
        dhs=array((N, T, H), bound),
        dc_last=array((N, H), bound, None) if has_c else None,
    )


def cell_cases(
    *,
    kind: str,
    shape: st.SearchStrategy[Dims] | None = None,
    bound: float = 1.0,
    weight_bound: float = 1.0,
    h0: bool | None = None,
    c0: bool | None = None,
    grid: bool = False,
) -> st.SearchStrategy[CellCase]:
    """Inputs for one ``reference.<kind>`` cell.

    ``bound`` limits x, the initial states and the upstream gradients;
    ``weight_bound`` limits the params. ``h0`` and ``c0`` are drawn always
    (True), never (False, meaning zeros) or either way (None). ``grid`` draws
    every array with ``grid_arrays``: much faster, and easier to read.
    """
    _check_kind(kind)
    shape = dims() if shape is None else shape
    return _cell_cases(kind, shape, _check_bound("bound", bound), _check_bound("weight_bound", weight_bound), h0, c0, grid)


@st.composite
def _stack_cases(draw, kind, num_layers, bidirectional, shape, bound, weight_bound) -> StackCase:
    N, T, D, H = draw(shape)
    K = 2 if bidirectional else 1
    count = num_layers * K
    states = (count, N, H)
    has_c = CELLS[kind].has_cell_state
    return StackCase(
        x=draw(arrays((N, T, D), bound=bound)),
        cells=[draw(params(kind, D if k < K else K * H, H, bound=weight_bound)) for k in range(count)],
        h0=draw(_optional(arrays(states, bound=bound), None)),
        c0=draw(_optional(arrays(states, bound=bound), None)) if has_c else None,
        dout=draw(arrays((N, T, K * H), bound=bound)),
        dh_n=draw(_optional(arrays(states, bound=bound), None)),
        dc_n=draw(_optional(arrays(states, bound=bound), None)) if has_c else None,
    )


def stack_cases(
    *,
    kind: str,
    num_layers: int = 2,
    bidirectional: bool = False,
    shape: st.SearchStrategy[Dims] | None = None,
    bound: float = 1.0,
    weight_bound: float = 1.0,
) -> st.SearchStrategy[StackCase]:
    """Inputs for ``reference.stacked`` with ``num_layers`` layers of ``kind`` cells."""
    _check_kind(kind)
    if not isinstance(num_layers, int) or num_layers < 1:
        raise ValueError(f"num_layers={num_layers!r} should be an integer of at least 1")
    return _stack_cases(
        kind,
        num_layers,
        bool(bidirectional),
        dims() if shape is None else shape,
        _check_bound("bound", bound),
        _check_bound("weight_bound", weight_bound),
    )
