"""The two "Variants of LSTM" of the RNN slides: peephole and coupled input-forget gates.

Each variant's gradients agree with finite differences (per entry 1e-6
relative, 1e-8 absolute) and with torch autograd on the slides' equations
written in torch (1e-10 absolute + 1e-13 relative), as do its outputs.
"""

import copy
from typing import Callable, NamedTuple

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from checks import strategies, torch_parity
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import lstm, lstm_coupled, lstm_peephole

FD = dict(atol=1e-8, rtol=1e-6)
TORCH = dict(atol=1e-10, rtol=1e-13)
SHAPES = strategies.dims(batch=(1, 3), steps=(1, 4), features=(1, 3), hidden=(1, 3))


def _torch_peephole_step(x, h, c, p):
    a_i, a_f, a_g, a_o = (x @ p["Wx"] + h @ p["Wh"] + p["b"]).chunk(4, dim=1)
    i, f = torch.sigmoid(a_i + p["p_i"] * c), torch.sigmoid(a_f + p["p_f"] * c)
    c = f * c + i * torch.tanh(a_g)
    return torch.sigmoid(a_o + p["p_o"] * c) * torch.tanh(c), c


def _torch_coupled_step(x, h, c, p):
    a_f, a_g, a_o = (x @ p["Wx"] + h @ p["Wh"] + p["b"]).chunk(3, dim=1)
    f = torch.sigmoid(a_f)
    c = f * c + (1 - f) * torch.tanh(a_g)
    return torch.sigmoid(a_o) * torch.tanh(c), c


class Variant(NamedTuple):
    param_shapes: Callable
    forward: Callable
    backward: Callable
    step_forward: Callable
    step_backward: Callable
    torch_step: Callable


VARIANTS = {
    "peephole": Variant(
        lstm_peephole.param_shapes,
        lstm_peephole.forward,
        lstm_peephole.backward,
        lstm_peephole.step_forward,
        lstm_peephole.step_backward,
        _torch_peephole_step,
    ),
    "coupled": Variant(
        lstm_coupled.param_shapes,
        lstm_coupled.forward,
        lstm_coupled.backward,
        lstm_coupled.step_forward,
        lstm_coupled.step_backward,
        _torch_coupled_step,
    ),
}


class Case(NamedTuple):
    x: np.ndarray  # (N, T, D)
    params: dict
    h0: np.ndarray | None  # (N, H)
    c0: np.ndarray | None  # (N, H)
    dhs: np.ndarray  # (N, T, H)
    dc_last: np.ndarray | None  # (N, H)


@st.composite
def cases(draw, variant: str, states: bool | None = None) -> Case:
    N, T, D, H = draw(SHAPES)

    def maybe(shape):
        given = draw(st.booleans()) if states is None else states
        return draw(strategies.arrays(shape)) if given else None

    params = {k: draw(strategies.arrays(shape)) for k, shape in VARIANTS[variant].param_shapes(D, H).items()}
    return Case(draw(strategies.arrays((N, T, D))), params, maybe((N, H)), maybe((N, H)), draw(strategies.arrays((N, T, H))), maybe((N, H)))


def _filled(case: Case) -> Case:
    """The case with owned arrays and zeros for every state left out."""
    zeros = np.zeros((case.x.shape[0], case.dhs.shape[2]))
    return Case(
        np.array(case.x),
        {k: np.array(v) for k, v in case.params.items()},
        *(zeros.copy() if a is None else np.array(a) for a in (case.h0, case.c0)),
        np.array(case.dhs),
        zeros.copy() if case.dc_last is None else np.array(case.dc_last),
    )


def _run(variant: str, case: Case):
    """Ours: hs, c_T and every gradient."""
    model = VARIANTS[variant]
    hs, cache = model.forward(case.x, case.params, case.h0, case.c0)
    return hs, cache.cs[-1], model.backward(case.dhs, cache, case.dc_last)


def _torch_run(variant: str, case: Case):
    """torch autograd on the same equations: hs, c_T and every gradient."""
    case = _filled(case)
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in (("x", case.x), ("h0", case.h0), ("c0", case.c0), *case.params.items())}
    h, c, hs = leaves["h0"], leaves["c0"], []
    for t in range(case.x.shape[1]):
        h, c = VARIANTS[variant].torch_step(leaves["x"][:, t], h, c, leaves)
        hs.append(h)
    hs = torch.stack(hs, dim=1)
    torch.autograd.backward([hs, c], [torch.tensor(case.dhs), torch.tensor(case.dc_last)])
    return hs.detach().numpy(), c.detach().numpy(), {k: v.grad.numpy() for k, v in leaves.items()}


@pytest.mark.parametrize("variant", VARIANTS)
@given(data=st.data())
def test_every_gradient_matches_finite_differences(variant, data):
    case = _filled(data.draw(cases(variant), label="case"))
    thetas = {"x": case.x, "h0": case.h0, "c0": case.c0, **case.params}

    def outputs():
        hs, cache = VARIANTS[variant].forward(case.x, case.params, case.h0, case.c0)
        return hs, cache.cs[-1]

    numeric = numerical_gradients(outputs, thetas, (case.dhs, case.dc_last))
    assert_close(numeric, _run(variant, case)[2], name="grads", **FD)


@pytest.mark.parametrize("variant", VARIANTS)
@given(data=st.data())
def test_outputs_last_cell_state_and_every_gradient_match_torch(variant, data):
    case = data.draw(cases(variant), label="case")
    hs, c_last, grads = _run(variant, case)
    t_hs, t_c_last, t_grads = _torch_run(variant, case)
    assert_close(t_hs, hs, name="hs", **TORCH)
    assert_close(t_c_last, c_last, name="c_T", **TORCH)
    assert_close(t_grads, grads, name="grads", **TORCH)


@given(data=st.data())
def test_peephole_lstm_with_zero_peepholes_is_torchs_lstm(data):
    case = data.draw(cases("peephole"), label="case")
    H = case.dhs.shape[2]
    params = {**case.params, "p_i": np.zeros(H), "p_f": np.zeros(H), "p_o": np.zeros(H)}
    hs, c_last, grads = _run("peephole", case._replace(params=params))

    def layered(a):
        return None if a is None else a[None]

    theirs = torch_parity.run(
        case.x, [params], kind="lstm", dout=case.dhs, h0=layered(case.h0), c0=layered(case.c0), dc_n=layered(case.dc_last)
    )
    assert_close(theirs.out, hs, name="hs", **TORCH)
    assert_close(theirs.c_n[0], c_last, name="c_T", **TORCH)
    expected = {"x": theirs.grads["x"], "h0": theirs.grads["h0"][0], "c0": theirs.grads["c0"][0], **theirs.grads["cells"][0]}
    assert_close(expected, {k: v for k, v in grads.items() if not k.startswith("p_")}, name="grads", **TORCH)


@given(data=st.data())
def test_coupled_lstm_input_gate_is_one_minus_its_forget_gate(data):
    case = _filled(data.draw(cases("coupled"), label="case"))
    x, p = case.x, case.params
    H = case.dhs.shape[2]
    hs, cache = lstm_coupled.forward(x, p, case.h0, case.c0)
    h, c = case.h0, case.c0
    for t in range(x.shape[1]):
        # The slides' C_t = f_t * C_{t-1} + (1 - f_t) * C̃_t, from the returned h_{t-1} alone.
        a = x[:, t] @ p["Wx"] + h @ p["Wh"] + p["b"]
        f = 1 / (1 + np.exp(-a[:, :H]))
        c = f * c + (1 - f) * np.tanh(a[:, H : 2 * H])
        assert_close(c, cache.cs[t], atol=1e-14, rtol=1e-14, name=f"c_{t + 1}")
        h = hs[:, t]


def test_coupled_lstm_keeps_its_cell_when_it_forgets_nothing_and_replaces_it_when_it_forgets_all():
    rng = np.random.default_rng(1)
    N, T, D, H = 2, 5, 3, 4
    x, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    p = lstm_coupled.init_params(D, H, rng)
    p["Wx"][:, :H] = p["Wh"][:, :H] = 0.0
    p["b"][:H] = 40.0  # f = 1 - 4e-18: so i = 1 - f lets no candidate in
    _, cache = lstm_coupled.forward(x, p, c0=c0)
    assert_close(np.broadcast_to(c0, cache.cs.shape), cache.cs, atol=1e-15, rtol=0, name="cs when f = 1")
    p["b"][:H] = -40.0  # f = 4e-18: the old cell is replaced by the candidate g
    _, cache = lstm_coupled.forward(x, p, c0=c0)
    g = cache.gates[..., 2 * H : 3 * H]
    assert_close(g, cache.cs, atol=1e-15, rtol=0, name="cs when f = 0")


@pytest.mark.parametrize("variant", VARIANTS)
@given(data=st.data())
def test_stepping_through_time_gives_the_sequence_outputs_and_gradients(variant, data):
    model = VARIANTS[variant]
    case = _filled(data.draw(cases(variant), label="case"))
    hs, c_last, grads = _run(variant, case)
    h, c, step_hs, caches = case.h0, case.c0, [], []
    for t in range(case.x.shape[1]):
        h, c, cache = model.step_forward(case.x[:, t], h, c, case.params)
        step_hs.append(h)
        caches.append(cache)
    step_grads = {k: np.zeros_like(v) for k, v in case.params.items()}
    dx, dh, dc = np.zeros_like(case.x), np.zeros_like(h), case.dc_last
    for t in reversed(range(case.x.shape[1])):
        g = model.step_backward(case.dhs[:, t] + dh, dc, caches[t])
        dx[:, t], dh, dc = g.pop("x"), g.pop("h_prev"), g.pop("c_prev")
        for k in step_grads:
            step_grads[k] += g[k]
    step_grads.update(x=dx, h0=dh, c0=dc)
    assert_close(hs, np.stack(step_hs, axis=1), atol=1e-12, rtol=1e-12, name="hs")
    assert_close(c_last, c, atol=1e-12, rtol=1e-12, name="c_T")
    assert_close(grads, step_grads, atol=1e-12, rtol=1e-12, name="grads")


def _read_only(case: Case) -> Case:
    """A deep copy whose arrays refuse writes, so a mutation raises at the line that tries it."""
    case = copy.deepcopy(case)
    for a in (case.x, case.h0, case.c0, case.dhs, case.dc_last, *case.params.values()):
        if a is not None:
            a.flags.writeable = False
    return case


@pytest.mark.parametrize("variant", VARIANTS)
@given(data=st.data())
def test_forward_and_backward_leave_their_inputs_and_the_global_random_state_alone(variant, data):
    case = data.draw(cases(variant), label="case")
    frozen = _read_only(case)
    state = np.random.get_state()
    model = VARIANTS[variant]
    _, cache = model.forward(frozen.x, frozen.params, frozen.h0, frozen.c0)
    model.backward(frozen.dhs, cache, frozen.dc_last)
    h, c, step_cache = model.step_forward(frozen.x[:, 0], frozen.h0, frozen.c0, frozen.params)
    model.step_backward(frozen.dhs[:, 0], np.zeros_like(c), step_cache)
    assert_close(case, frozen, atol=0, rtol=0, name="inputs")
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


@pytest.mark.parametrize("variant", VARIANTS)
@given(data=st.data())
def test_changing_the_inputs_after_forward_does_not_change_backward(variant, data):
    model = VARIANTS[variant]
    case = data.draw(cases(variant, states=True), label="case")
    mine = _filled(case)
    _, cache = model.forward(mine.x, mine.params, mine.h0, mine.c0)
    for a in (mine.x, mine.h0, mine.c0, *mine.params.values()):
        a += 1.0  # what an optimizer step or a reused buffer would do
    assert_close(_run(variant, case)[2], model.backward(case.dhs, cache, case.dc_last), atol=0, rtol=0, name="grads")


rng = np.random.default_rng(0)
N, T, D, H = 2, 5, 3, 4
X = rng.standard_normal((N, T, D))
PEEPHOLE = lstm_peephole.init_params(D, H, rng)
COUPLED = lstm_coupled.init_params(D, H, rng)
LSTM = lstm.init_params(D, H, rng)

BAD_CALLS = [
    (
        "peephole-missing-p_o",
        lambda: lstm_peephole.forward(X, {k: v for k, v in PEEPHOLE.items() if k != "p_o"}),
        ["params is missing 'p_o'", "'Wx', 'Wh', 'b', 'p_i', 'p_f', 'p_o'"],
    ),
    (
        "peephole-p_i-a-matrix",
        lambda: lstm_peephole.forward(X, {**PEEPHOLE, "p_i": np.zeros((H, H))}),
        ["params['p_i'] has shape (4, 4)", "expected (4,)", "H=4"],
    ),
    (
        "peephole-plain-lstm-params",
        lambda: lstm_peephole.forward(X, LSTM),
        ["params is missing 'p_i', 'p_f', 'p_o'"],
    ),
    (
        "peephole-step-c_prev-of-wrong-shape",
        lambda: lstm_peephole.step_forward(X[:, 0], np.zeros((N, H)), np.zeros((N, H + 1)), PEEPHOLE),
        ["c_prev has shape (2, 5)", "expected (2, 4)"],
    ),
    (
        "coupled-given-four-gate-blocks",
        lambda: lstm_coupled.forward(X, LSTM),
        ["params['Wh'] has shape (4, 16)", "expected (H, 3*H)"],
    ),
    (
        "coupled-x-features-differ-from-Wx-rows",
        lambda: lstm_coupled.forward(X[..., :2], COUPLED),
        ["params['Wx'] has shape (3, 12)", "expected (2, 12)", "x of shape (2, 5, 2)"],
    ),
    (
        "coupled-backward-dc_last-of-wrong-shape",
        lambda: lstm_coupled.backward(np.zeros((N, T, H)), lstm_coupled.forward(X, COUPLED)[1], dc_last=np.zeros(H)),
        ["dc_last has shape (4,)", "expected (2, 4)"],
    ),
    (
        "peephole-backward-dhs-of-wrong-shape",
        lambda: lstm_peephole.backward(np.zeros((N, T)), lstm_peephole.forward(X, PEEPHOLE)[1]),
        ["dhs has shape (2, 5)", "expected (2, 5, 4)"],
    ),
]


@pytest.mark.parametrize("call, fragments", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_a_value_error_that_says_what_was_wanted(call, fragments):
    with pytest.raises(ValueError) as raised:
        call()
    for fragment in fragments:
        assert fragment in str(raised.value)
