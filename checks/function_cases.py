"""The cases a function contract's checks draw: tiny dimensions, grid values, integer indices; and how to print one.

Every check of a function problem draws from the same strategy (by the forward's name), so a problem's checks sweep
the same cases together, and a backward's cases are its forward's with upstream gradients added.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from checks.function_contract import Arg, FunctionCase, FunctionContract, function_case, shape_of
from checks.strategies import draw_grid

RANGES = {"N": (1, 3), "T": (1, 4), "D": (1, 4), "H": (1, 4), "V": (1, 5), "Y": (1, 3)}
"""Each letter's (min, max); the smallest case has one of everything."""
EXPLICIT_DIMS = ({"N": 2, "T": 3, "D": 4, "H": 3, "V": 5, "Y": 2}, {"N": 3, "T": 4, "D": 2, "H": 5, "V": 3, "Y": 3})
"""Shapes where bugs cannot hide, whatever max_examples says: N ≥ 2, T ≥ 3 and D ≠ H (a transpose shows), V < N·T
(an index repeats)."""
_SEED = st.integers(0, 2**32 - 1)


def letters(contract: FunctionContract) -> tuple[str, ...]:
    """The dimension letters the contract's forward uses, in ``RANGES``' order: only those are drawn, since every choice
    drawn is one more the shrinker must work on."""
    forward = contract.forward or contract
    tokens = "".join(t for a in (*forward.args, *forward.returns) for t in (*a.shape, a.below, *(t for _, k in a.keys for t in k)))
    return tuple(letter for letter in RANGES if letter in tokens)


def _draw_value(draw, arg: Arg, dims: dict[str, int]) -> Any:
    if arg.is_dict:
        return {key: draw_grid(draw, shape_of(shape, dims), 1.0) for key, shape in arg.keys}
    shape = shape_of(arg.shape, dims)
    if arg.below:
        return np.random.default_rng(draw(_SEED)).integers(0, dims[arg.below], shape)
    return draw_grid(draw, shape, 1.0)


def upstream_args(contract: FunctionContract) -> tuple[Arg, ...]:
    """The gradient of each output of the contract's forward that its backward takes ("dnext_h", shaped as next_h)."""
    forward = contract.forward or contract
    return tuple(Arg("d" + out.name, out.shape) for out in forward.outputs if out.name in (forward.differentiated or (out.name,)))


@st.composite
def _cases(draw, contract: FunctionContract) -> FunctionCase:
    dims = {letter: draw(st.integers(*RANGES[letter])) for letter in letters(contract)}
    inputs = {arg.name: _draw_value(draw, arg, dims) for arg in contract.inputs}
    upstream = {arg.name: draw_grid(draw, shape_of(arg.shape, dims), 1.0) for arg in upstream_args(contract)}
    return function_case(dims, inputs, upstream)


_STRATEGIES: dict[tuple[str, str], st.SearchStrategy[FunctionCase]] = {}


def cases(contract: FunctionContract) -> st.SearchStrategy[FunctionCase]:
    """Cases for ``contract``: its forward's arguments and the gradient of each of the forward's outputs. One strategy
    per forward, shared by its backward, so that both problems sweep the same cases, drawn once."""
    forward = contract.forward or contract
    key = (forward.library, forward.name)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = _cases(forward)
    return _STRATEGIES[key]


def _random(arg: Arg, dims: dict[str, int], rng: np.random.Generator) -> Any:
    if arg.is_dict:
        return {key: rng.uniform(-1, 1, shape_of(shape, dims)) for key, shape in arg.keys}
    shape = shape_of(arg.shape, dims)
    if arg.below:
        return rng.integers(0, dims[arg.below], shape)
    return rng.uniform(-1, 1, shape)


def explicit_cases(contract: FunctionContract, *, seed: int) -> list[FunctionCase]:
    """Seeded random cases at ``EXPLICIT_DIMS``, run whatever max_examples says."""
    found = []
    for number, every in enumerate(EXPLICIT_DIMS):
        dims = {letter: every[letter] for letter in letters(contract)}
        rng = np.random.default_rng([seed, number])
        inputs = {arg.name: _random(arg, dims, rng) for arg in contract.inputs}
        upstream = {arg.name: rng.uniform(-1, 1, shape_of(arg.shape, dims)) for arg in upstream_args(contract)}
        found.append(function_case(dims, inputs, upstream))
    return found


def size(case: FunctionCase) -> int:
    """How big a case is, to order failures: its entries."""
    values = [*case.inputs.values(), *case.upstream.values()]
    return int(sum(sum(v.size for v in x.values()) if isinstance(x, dict) else x.size for x in values))


def _fmt(a) -> str:
    return np.array2string(
        np.asarray(a), precision=6, separator=", ", suppress_small=True, max_line_width=110, threshold=120, floatmode="maxprec"
    )


def _line(name: str, value, tokens: tuple[str, ...], dims: dict[str, int]) -> str:
    letters = ", ".join(f"{t}={dims[t]}" if t in dims else t for t in tokens)
    return f"{name} ({letters}) = {_fmt(value)}"


def describe(contract: FunctionContract, case: FunctionCase) -> str:
    """A case printed compactly with the course's argument names and the letters of each shape."""
    dims = case.sizes
    lines = [", ".join(f"{t}={dims[t]}" for t in sorted(letters(contract)))]
    for arg in contract.inputs:
        if arg.is_dict:
            lines += [_line(f"{arg.name}[{key!r}]", case.inputs[arg.name][key], shape, dims) for key, shape in arg.keys]
        else:
            lines.append(_line(arg.name, case.inputs[arg.name], arg.shape, dims))
    lines += [_line(arg.name, case.upstream[arg.name], arg.shape, dims) for arg in contract.upstream]
    return "\n".join(lines)
