"""The GRU as the RNN slides write it (Cho et al. 2014): reset before the matmul, h_t = (1 - z) h_{t-1} + z h̃.

Its gradients agree with finite differences (per entry 1e-6 relative, 1e-8
absolute) and with torch autograd on the slides' equations written in torch
(1e-10 absolute + 1e-13 relative), as do its outputs.
"""

import copy
from typing import NamedTuple

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from checks import strategies, torch_parity
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import gru, gru_cho

FD = dict(atol=1e-8, rtol=1e-6)
TORCH = dict(atol=1e-10, rtol=1e-13)
SHAPES = strategies.dims(batch=(1, 3), steps=(1, 4), features=(1, 3), hidden=(1, 3))


class Case(NamedTuple):
    x: np.ndarray  # (N, T, D)
    params: dict
    h0: np.ndarray | None  # (N, H)
    dhs: np.ndarray  # (N, T, H)


@st.composite
def cases(draw, h0: bool | None = None) -> Case:
    N, T, D, H = draw(SHAPES)
    params = {k: draw(strategies.arrays(shape)) for k, shape in gru_cho.param_shapes(D, H).items()}
    given = draw(st.booleans()) if h0 is None else h0
    return Case(
        draw(strategies.arrays((N, T, D))), params, draw(strategies.arrays((N, H))) if given else None, draw(strategies.arrays((N, T, H)))
    )


def _filled(case: Case) -> Case:
    """The case with owned arrays and zeros for h0 when it is left out."""
    h0 = np.zeros((case.x.shape[0], case.dhs.shape[2])) if case.h0 is None else np.array(case.h0)
    return Case(np.array(case.x), {k: np.array(v) for k, v in case.params.items()}, h0, np.array(case.dhs))


def _run(case: Case):
    hs, cache = gru_cho.forward(case.x, case.params, case.h0)
    return hs, gru_cho.backward(case.dhs, cache)


def _torch_run(case: Case):
    """torch autograd on the slides' equations: hs and every gradient."""
    case = _filled(case)
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in (("x", case.x), ("h0", case.h0), *case.params.items())}
    Wx_r, Wx_z, Wx_n = leaves["Wx"].chunk(3, dim=1)
    Wh_r, Wh_z, Wh_n = leaves["Wh"].chunk(3, dim=1)
    b_r, b_z, b_n = leaves["b"].chunk(3)
    h, hs = leaves["h0"], []
    for t in range(case.x.shape[1]):
        x = leaves["x"][:, t]
        z = torch.sigmoid(x @ Wx_z + h @ Wh_z + b_z)
        r = torch.sigmoid(x @ Wx_r + h @ Wh_r + b_r)
        candidate = torch.tanh(x @ Wx_n + (r * h) @ Wh_n + b_n)
        h = (1 - z) * h + z * candidate
        hs.append(h)
    hs = torch.stack(hs, dim=1)
    hs.backward(torch.tensor(case.dhs))
    return hs.detach().numpy(), {k: v.grad.numpy() for k, v in leaves.items()}


@given(case=cases())
def test_every_gradient_matches_finite_differences(case):
    case = _filled(case)
    thetas = {"x": case.x, "h0": case.h0, **case.params}
    numeric = numerical_gradients(lambda: (gru_cho.forward(case.x, case.params, case.h0)[0],), thetas, (case.dhs,))
    assert_close(numeric, _run(case)[1], name="grads", **FD)


@given(case=cases())
def test_outputs_and_every_gradient_match_torch(case):
    hs, grads = _run(case)
    t_hs, t_grads = _torch_run(case)
    assert_close(t_hs, hs, name="hs", **TORCH)
    assert_close(t_grads, grads, name="grads", **TORCH)


@given(case=cases())
def test_with_a_diagonal_wh_n_it_is_torchs_gru_with_the_update_gate_negated(case):
    # (r * h) Wh_n = r * (h Wh_n) when Wh_n is diagonal, so then only z's role differs
    # from torch's GRU: z_cho = 1 - z_torch = σ(-a_z), the update gate's weights negated.
    H = case.dhs.shape[2]
    p = {k: np.array(v) for k, v in case.params.items()}
    p["Wh"][:, 2 * H :] = np.diag(np.diag(p["Wh"][:, 2 * H :]))
    z = slice(H, 2 * H)
    torch_params = {"Wx": p["Wx"].copy(), "Wh": p["Wh"].copy(), "bx": p["b"].copy(), "bh": np.zeros(3 * H)}
    for key in ("Wx", "Wh", "bx"):
        torch_params[key][..., z] *= -1
    theirs = torch_parity.run(case.x, [torch_params], kind="gru", dout=case.dhs, h0=None if case.h0 is None else case.h0[None])
    assert_close(theirs.out, gru_cho.forward(case.x, p, case.h0)[0], name="hs", **TORCH)


def test_an_update_gate_of_zero_keeps_the_previous_state_as_the_slides_write_it():
    rng = np.random.default_rng(2)
    N, T, D, H = 2, 5, 3, 4
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    p = gru_cho.init_params(D, H, rng)
    p["Wx"][:, H : 2 * H] = p["Wh"][:, H : 2 * H] = 0.0
    p["b"][H : 2 * H] = -40.0  # z = 4e-18: h_t = (1 - z) h_{t-1} + z h̃ is h_{t-1}
    hs, _ = gru_cho.forward(x, p, h0)
    assert_close(np.broadcast_to(h0[:, None], hs.shape), hs, atol=1e-15, rtol=0, name="hs when z = 0")
    p["b"][H : 2 * H] = 40.0  # z = 1: h_t is the candidate, tanh(x_t Wx_n + (r * h_{t-1}) Wh_n + b_n)
    hs, _ = gru_cho.forward(x, p, h0)
    h_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    r = 1 / (1 + np.exp(-(x @ p["Wx"][:, :H] + h_prev @ p["Wh"][:, :H] + p["b"][:H])))
    candidate = np.tanh(x @ p["Wx"][:, 2 * H :] + (r * h_prev) @ p["Wh"][:, 2 * H :] + p["b"][2 * H :])
    assert_close(candidate, hs, atol=1e-14, rtol=0, name="hs when z = 1")


@given(case=cases())
def test_stepping_through_time_gives_the_sequence_outputs_and_gradients(case):
    case = _filled(case)
    hs, grads = _run(case)
    h, step_hs, caches = case.h0, [], []
    for t in range(case.x.shape[1]):
        h, cache = gru_cho.step_forward(case.x[:, t], h, case.params)
        step_hs.append(h)
        caches.append(cache)
    step_grads = {k: np.zeros_like(v) for k, v in case.params.items()}
    dx, dh = np.zeros_like(case.x), np.zeros_like(h)
    for t in reversed(range(case.x.shape[1])):
        g = gru_cho.step_backward(case.dhs[:, t] + dh, caches[t])
        dx[:, t], dh = g.pop("x"), g.pop("h_prev")
        for k in step_grads:
            step_grads[k] += g[k]
    step_grads.update(x=dx, h0=dh)
    assert_close(hs, np.stack(step_hs, axis=1), atol=1e-12, rtol=1e-12, name="hs")
    assert_close(grads, step_grads, atol=1e-12, rtol=1e-12, name="grads")


def _read_only(case: Case) -> Case:
    """A deep copy whose arrays refuse writes, so a mutation raises at the line that tries it."""
    case = copy.deepcopy(case)
    for a in (case.x, case.h0, case.dhs, *case.params.values()):
        if a is not None:
            a.flags.writeable = False
    return case


@given(case=cases())
def test_forward_and_backward_leave_their_inputs_and_the_global_random_state_alone(case):
    frozen = _read_only(case)
    state = np.random.get_state()
    _, cache = gru_cho.forward(frozen.x, frozen.params, frozen.h0)
    gru_cho.backward(frozen.dhs, cache)
    _, step_cache = gru_cho.step_forward(frozen.x[:, 0], frozen.h0, frozen.params)
    gru_cho.step_backward(frozen.dhs[:, 0], step_cache)
    assert_close(case, frozen, atol=0, rtol=0, name="inputs")
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


@given(case=cases(h0=True))
def test_changing_the_inputs_after_forward_does_not_change_backward(case):
    mine = _filled(case)
    _, cache = gru_cho.forward(mine.x, mine.params, mine.h0)
    for a in (mine.x, mine.h0, *mine.params.values()):
        a += 1.0  # what an optimizer step or a reused buffer would do
    assert_close(_run(case)[1], gru_cho.backward(case.dhs, cache), atol=0, rtol=0, name="grads")


rng = np.random.default_rng(0)
N, T, D, H = 2, 5, 3, 4
X = rng.standard_normal((N, T, D))
CHO = gru_cho.init_params(D, H, rng)
TORCH_FORM = gru.init_params(D, H, rng)

BAD_CALLS = [
    ("given-torch-form-biases", lambda: gru_cho.forward(X, TORCH_FORM), ["params has 'bx' and 'bh'", "one bias 'b' of shape (3H,)"]),
    ("missing-b", lambda: gru_cho.forward(X, {"Wx": CHO["Wx"], "Wh": CHO["Wh"]}), ["params is missing 'b'", "'Wx', 'Wh', 'b'"]),
    ("b-of-wrong-length", lambda: gru_cho.forward(X, {**CHO, "b": np.zeros(H)}), ["params['b'] has shape (4,)", "expected (12,)"]),
    ("Wh-without-three-blocks", lambda: gru_cho.forward(X, {**CHO, "Wh": np.zeros((H, H))}), ["params['Wh'] has shape (4, 4)", "(H, 3*H)"]),
    ("h0-with-time-axis", lambda: gru_cho.forward(X, CHO, h0=np.zeros((N, T, H))), ["h0 has shape (2, 5, 4)", "expected (2, 4)"]),
    ("step-x-with-time-axis", lambda: gru_cho.step_forward(X, np.zeros((N, H)), CHO), ["x has shape (2, 5, 3)", "expected 2 axes (N, D)"]),
    (
        "backward-dhs-of-wrong-shape",
        lambda: gru_cho.backward(np.zeros((N, T, H + 1)), gru_cho.forward(X, CHO)[1]),
        ["dhs has shape (2, 5, 5)", "expected (2, 5, 4)"],
    ),
]


@pytest.mark.parametrize("call, fragments", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_a_value_error_that_says_what_was_wanted(call, fragments):
    with pytest.raises(ValueError) as raised:
        call()
    for fragment in fragments:
        assert fragment in str(raised.value)
