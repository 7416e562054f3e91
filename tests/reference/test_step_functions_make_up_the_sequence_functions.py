"""Looping step_forward / step_backward over time reproduces forward / backward exactly."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from checks import strategies
from checks.compare import assert_close
from reference import gru, lstm, rnn, stacked
from tests.reference.models import CELL_MODELS, cell_id

TOL = dict(atol=1e-12, rtol=1e-12)


def _loop(kind, activation, case):
    """Run a case step by step; returns hs (N, T, H) and grads keyed like ``backward``."""
    p, x = case.params, case.x
    N, T, _ = x.shape
    H = p["Wh"].shape[0]
    h = np.zeros((N, H)) if case.h0 is None else case.h0
    c = np.zeros((N, H)) if case.c0 is None else case.c0
    hs, caches = [], []
    for t in range(T):
        if kind == "lstm":
            h, c, cache = lstm.step_forward(x[:, t], h, c, p)
        elif kind == "gru":
            h, cache = gru.step_forward(x[:, t], h, p)
        else:
            h, cache = rnn.step_forward(x[:, t], h, p, activation=activation)
        hs.append(h)
        caches.append(cache)
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dx = np.zeros_like(x)
    dh = np.zeros((N, H))
    dc = np.zeros((N, H)) if case.dc_last is None else case.dc_last
    for t in reversed(range(T)):
        if kind == "lstm":
            g = lstm.step_backward(case.dhs[:, t] + dh, dc, caches[t])
            dc = g.pop("c_prev")
        else:
            g = {"rnn": rnn, "gru": gru}[kind].step_backward(case.dhs[:, t] + dh, caches[t])
        dx[:, t], dh = g.pop("x"), g.pop("h_prev")
        for k in grads:
            grads[k] += g[k]
    grads.update(x=dx, h0=dh, **({"c0": dc} if kind == "lstm" else {}))
    return np.stack(hs, axis=1), grads


@pytest.mark.parametrize("model", CELL_MODELS, ids=cell_id)
@given(data=st.data())
def test_stepping_through_time_gives_the_sequence_outputs_and_gradients(model, data):
    kind, activation = model
    case = data.draw(strategies.cell_cases(kind=kind), label="case")
    hs, cache = stacked.cell_forward(kind, case.x, case.params, case.h0, case.c0, activation)
    grads = stacked.cell_backward(kind, case.dhs, cache, case.dc_last)
    step_hs, step_grads = _loop(kind, activation, case)
    assert_close(hs, step_hs, name="hs", **TOL)
    assert_close(grads, step_grads, name="grads", **TOL)
