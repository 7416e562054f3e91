"""Every analytic gradient of the reference agrees with centred finite differences.

Per entry, |numeric - analytic| <= 1e-6 * |numeric| + 1e-8 + rounding:
relative error 1e-6, with an absolute floor for entries so near zero that
centred differences (ε = 1e-6) cannot resolve them, raised by the rounding
error of the differences themselves where the outputs grow large
(``checks.gradcheck.rounding_error``).

ReLU is not differentiable at 0, so a ReLU example counts only when no
perturbation moved any pre-activation across 0 (the on/off pattern of every
unit at every step stayed the same); the rest are rejected, not failed.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients, rounding_error
from reference import stacked
from tests.reference.models import CELL_MODELS, STACK_MODELS, cell_id, run_cell, run_stack, stack_id

RTOL, ATOL = 1e-6, 1e-8


def _states(given, shape):
    return np.zeros(shape) if given is None else np.array(given)


@pytest.mark.parametrize("model", CELL_MODELS, ids=cell_id)
@given(data=st.data())
def test_every_cell_gradient_matches_finite_differences(model, data):
    kind, activation = model
    case = data.draw(strategies.cell_cases(kind=kind), label="case")
    N, T, D = case.x.shape
    H = case.params["Wh"].shape[0]
    lstm = kind == "lstm"
    # Owned copies that the finite differences perturb in place; the closure reads them.
    x, params, h0 = np.array(case.x), {k: np.array(v) for k, v in case.params.items()}, _states(case.h0, (N, H))
    c0 = _states(case.c0, (N, H)) if lstm else None
    dc_last = _states(case.dc_last, (N, H)) if lstm else None
    patterns = set()

    def outputs():
        hs, cache = stacked.cell_forward(kind, x, params, h0, c0, activation)
        patterns.add((cache.hs > 0).tobytes())
        return (hs, cache.cs[-1]) if lstm else (hs,)

    thetas = {"x": x, "h0": h0, **({"c0": c0} if lstm else {}), **params}
    upstream = (case.dhs, dc_last) if lstm else (case.dhs,)
    floor = ATOL + rounding_error(outputs(), upstream)
    numeric = numerical_gradients(outputs, thetas, upstream, extrapolate=True)
    if activation == "relu":
        assume(len(patterns) == 1)
    analytic = run_cell(kind, activation, case._replace(h0=h0, c0=c0, dc_last=dc_last)).grads
    flat = {"x": analytic["x"], "h0": analytic["h0"][0], **({"c0": analytic["c0"][0]} if lstm else {}), **analytic["cells"][0]}
    assert_close(numeric, flat, atol=floor, rtol=RTOL, name="grads")


DEEPEST = [pytest.param(m, marks=pytest.mark.slow) if m[2] == 3 and m[3] else m for m in STACK_MODELS]
"""The 3-layer bidirectional stacks (a few seconds each) run with -m slow; 2 layers both ways and 3 forward compose the same."""


@pytest.mark.parametrize("model", DEEPEST, ids=stack_id)
@settings(max_examples=10)
@given(data=st.data())
def test_every_stack_gradient_matches_finite_differences(model, data):
    kind, activation, layers, bidirectional = model
    shape = strategies.dims(batch=(1, 3), steps=(1, 4), features=(1, 4), hidden=(1, 4))
    case = data.draw(strategies.stack_cases(kind=kind, num_layers=layers, bidirectional=bidirectional, shape=shape), label="case")
    lstm = kind == "lstm"
    states = (len(case.cells), case.x.shape[0], case.cells[0]["Wh"].shape[0])
    x, h0 = np.array(case.x), _states(case.h0, states)
    c0, dc_n = (_states(case.c0, states), _states(case.dc_n, states)) if lstm else (None, None)
    cells = [{k: np.array(v) for k, v in cell.items()} for cell in case.cells]
    patterns = set()

    def outputs():
        out, h_n, c_n, cache = stacked.forward(x, cells, kind=kind, bidirectional=bidirectional, h0=h0, c0=c0, activation=activation)
        patterns.add(b"".join((c.hs > 0).tobytes() for c in cache.caches))
        return out, h_n, c_n

    thetas = {"x": x, "h0": h0, **({"c0": c0} if lstm else {})}
    thetas.update({f"cells[{k}][{name!r}]": a for k, cell in enumerate(cells) for name, a in cell.items()})
    upstream = (case.dout, case.dh_n, dc_n)
    floor = ATOL + rounding_error(outputs(), upstream)
    numeric = numerical_gradients(outputs, thetas, upstream, extrapolate=True)
    if activation == "relu":
        assume(len(patterns) == 1)
    analytic = run_stack(kind, activation, bidirectional, case._replace(h0=h0, c0=c0, dc_n=dc_n)).grads
    flat = {"x": analytic["x"], "h0": analytic["h0"], **({"c0": analytic["c0"]} if lstm else {})}
    flat.update({f"cells[{k}][{name!r}]": a for k, cell in enumerate(analytic["cells"]) for name, a in cell.items()})
    assert_close(numeric, flat, atol=floor, rtol=RTOL, name="")
