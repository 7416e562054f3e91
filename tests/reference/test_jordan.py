"""The Jordan network, whose context is the previous output: h_t = σ(x_t Wx + y_{t-1} Wy + b), y_t = σ(h_t Wo + bo).

Its gradients agree with finite differences (per entry 1e-6 relative, 1e-8
absolute) and with torch autograd on the same equations written in torch
(1e-10 absolute + 1e-13 relative), as do its outputs.
"""

import copy
from typing import NamedTuple

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import jordan

FD = dict(atol=1e-8, rtol=1e-6)
TORCH = dict(atol=1e-10, rtol=1e-13)
SHAPES = strategies.dims(batch=(1, 3), steps=(1, 4), features=(1, 3), hidden=(1, 3))


class Case(NamedTuple):
    x: np.ndarray  # (N, T, D)
    params: dict
    y0: np.ndarray | None  # (N, O)
    dys: np.ndarray  # (N, T, O)


@st.composite
def cases(draw, y0: bool | None = None) -> Case:
    N, T, D, H = draw(SHAPES)
    O = draw(st.integers(1, 3))
    # Weights up to 3, so that the sigmoids leave their near-linear middle.
    params = {k: draw(strategies.arrays(shape, bound=3.0)) for k, shape in jordan.param_shapes(D, H, O).items()}
    given = draw(st.booleans()) if y0 is None else y0
    return Case(
        draw(strategies.arrays((N, T, D))), params, draw(strategies.arrays((N, O))) if given else None, draw(strategies.arrays((N, T, O)))
    )


def _filled(case: Case) -> Case:
    """The case with owned arrays and zeros for y0 when it is left out."""
    y0 = np.zeros((case.x.shape[0], case.dys.shape[2])) if case.y0 is None else np.array(case.y0)
    return Case(np.array(case.x), {k: np.array(v) for k, v in case.params.items()}, y0, np.array(case.dys))


def _run(case: Case):
    ys, cache = jordan.forward(case.x, case.params, case.y0)
    return ys, jordan.backward(case.dys, cache)


def _torch_run(case: Case):
    """torch autograd on the same equations: ys and every gradient."""
    case = _filled(case)
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in (("x", case.x), ("y0", case.y0), *case.params.items())}
    p, y, ys = leaves, leaves["y0"], []
    for t in range(case.x.shape[1]):
        h = torch.sigmoid(leaves["x"][:, t] @ p["Wx"] + y @ p["Wy"] + p["b"])
        y = torch.sigmoid(h @ p["Wo"] + p["bo"])
        ys.append(y)
    ys = torch.stack(ys, dim=1)
    ys.backward(torch.tensor(case.dys))
    return ys.detach().numpy(), {k: v.grad.numpy() for k, v in leaves.items()}


@given(case=cases())
def test_every_gradient_matches_finite_differences(case):
    case = _filled(case)
    thetas = {"x": case.x, "y0": case.y0, **case.params}
    numeric = numerical_gradients(lambda: (jordan.forward(case.x, case.params, case.y0)[0],), thetas, (case.dys,))
    assert_close(numeric, _run(case)[1], name="grads", **FD)


@given(case=cases())
def test_outputs_and_every_gradient_match_torch(case):
    ys, grads = _run(case)
    t_ys, t_grads = _torch_run(case)
    assert_close(t_ys, ys, name="ys", **TORCH)
    assert_close(t_grads, grads, name="grads", **TORCH)


def test_the_context_is_the_previous_output_and_not_the_hidden_state():
    rng = np.random.default_rng(3)
    N, T, D, H, O = 2, 4, 3, 5, 2
    x, y0 = rng.standard_normal((N, T, D)), rng.uniform(size=(N, O))
    p = jordan.init_params(D, H, O, rng)
    ys, cache = jordan.forward(x, p, y0)
    hs = cache.hs.transpose(1, 0, 2)
    y_prev = np.concatenate([y0[:, None], ys[:, :-1]], axis=1)

    def sigmoid(a):
        return 1 / (1 + np.exp(-a))

    assert_close(sigmoid(x @ p["Wx"] + y_prev @ p["Wy"] + p["b"]), hs, atol=1e-15, rtol=0, name="hs")
    assert_close(sigmoid(hs @ p["Wo"] + p["bo"]), ys, atol=1e-15, rtol=0, name="ys")


@given(case=cases())
def test_stepping_through_time_gives_the_sequence_outputs_and_gradients(case):
    case = _filled(case)
    ys, grads = _run(case)
    y, step_ys, caches = case.y0, [], []
    for t in range(case.x.shape[1]):
        y, _, cache = jordan.step_forward(case.x[:, t], y, case.params)
        step_ys.append(y)
        caches.append(cache)
    step_grads = {k: np.zeros_like(v) for k, v in case.params.items()}
    dx, dy = np.zeros_like(case.x), np.zeros_like(y)
    for t in reversed(range(case.x.shape[1])):
        g = jordan.step_backward(case.dys[:, t] + dy, caches[t])
        dx[:, t], dy = g.pop("x"), g.pop("y_prev")
        for k in step_grads:
            step_grads[k] += g[k]
    step_grads.update(x=dx, y0=dy)
    assert_close(ys, np.stack(step_ys, axis=1), atol=1e-12, rtol=1e-12, name="ys")
    assert_close(grads, step_grads, atol=1e-12, rtol=1e-12, name="grads")


def _read_only(case: Case) -> Case:
    """A deep copy whose arrays refuse writes, so a mutation raises at the line that tries it."""
    case = copy.deepcopy(case)
    for a in (case.x, case.y0, case.dys, *case.params.values()):
        if a is not None:
            a.flags.writeable = False
    return case


@given(case=cases())
def test_forward_and_backward_leave_their_inputs_and_the_global_random_state_alone(case):
    frozen = _read_only(case)
    state = np.random.get_state()
    _, cache = jordan.forward(frozen.x, frozen.params, frozen.y0)
    jordan.backward(frozen.dys, cache)
    _, _, step_cache = jordan.step_forward(frozen.x[:, 0], frozen.y0, frozen.params)
    jordan.step_backward(frozen.dys[:, 0], step_cache)
    assert_close(case, frozen, atol=0, rtol=0, name="inputs")
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


@given(case=cases(y0=True))
def test_changing_the_inputs_after_forward_does_not_change_backward(case):
    mine = _filled(case)
    _, cache = jordan.forward(mine.x, mine.params, mine.y0)
    for a in (mine.x, mine.y0, *mine.params.values()):
        a += 1.0  # what an optimizer step or a reused buffer would do
    assert_close(_run(case)[1], jordan.backward(case.dys, cache), atol=0, rtol=0, name="grads")


rng = np.random.default_rng(0)
N, T, D, H, O = 2, 5, 3, 4, 2
X = rng.standard_normal((N, T, D))
JORDAN = jordan.init_params(D, H, O, rng)

BAD_CALLS = [
    ("x-with-two-axes", lambda: jordan.forward(X[0], JORDAN), ["x has shape (5, 3)", "expected 3 axes (N, T, D)"]),
    (
        "elman-params",
        lambda: jordan.forward(X, {"Wx": JORDAN["Wx"], "Wh": np.zeros((H, H)), "b": JORDAN["b"]}),
        ["params is missing 'Wy', 'Wo', 'bo'", "'Wx', 'Wy', 'b', 'Wo', 'bo'"],
    ),
    (
        "Wy-fed-back-from-the-hidden-layer",
        lambda: jordan.forward(X, {**JORDAN, "Wy": np.zeros((H, H))}),
        ["params['Wy'] has shape (4, 4)", "expected (2, 4)", "O=2 outputs (from Wo)"],
    ),
    ("Wo-a-vector", lambda: jordan.forward(X, {**JORDAN, "Wo": np.zeros(H)}), ["params['Wo'] has shape (4,)", "expected (H, O)"]),
    (
        "x-features-differ-from-Wx-rows",
        lambda: jordan.forward(X[..., :2], JORDAN),
        ["params['Wx'] has shape (3, 4)", "expected (2, 4)", "x of shape (2, 5, 2)"],
    ),
    (
        "y0-as-wide-as-the-hidden-layer",
        lambda: jordan.forward(X, JORDAN, y0=np.zeros((N, H))),
        ["y0 has shape (2, 4)", "expected (2, 2)", "O=2"],
    ),
    (
        "step-y_prev-missing-batch",
        lambda: jordan.step_forward(X[:, 0], np.zeros(O), JORDAN),
        ["y_prev has shape (2,)", "expected (2, 2)"],
    ),
    (
        "backward-dys-as-wide-as-the-hidden-layer",
        lambda: jordan.backward(np.zeros((N, T, H)), jordan.forward(X, JORDAN)[1]),
        ["dys has shape (2, 5, 4)", "expected (2, 5, 2)"],
    ),
    (
        "step-backward-dy-with-time-axis",
        lambda: jordan.step_backward(np.zeros((N, T, O)), jordan.step_forward(X[:, 0], None, JORDAN)[2]),
        ["dy has shape (2, 5, 2)", "expected (2, 2)"],
    ),
]


@pytest.mark.parametrize("call, fragments", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_a_value_error_that_says_what_was_wanted(call, fragments):
    with pytest.raises(ValueError) as raised:
        call()
    for fragment in fragments:
        assert fragment in str(raised.value)
