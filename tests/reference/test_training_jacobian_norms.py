"""‖∂h_T/∂h_k‖₂ shrinks geometrically for a small Wh, grows for a large one where the units are not saturated,
and equals the spectral norm of torch's own Jacobian (DIVE INTO CODE, Day 29, "Weight sharing")."""

import numpy as np
import torch
from hypothesis import given, settings, strategies as st

from checks import strategies
from checks.compare import assert_close
from reference import training

TORCH_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


def orthogonal(H, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((H, H)))
    return q * np.sign(np.diag(r))


@st.composite
def scaled_cases(draw, *, scale):
    """An RNN case whose Wh is ``scale`` (a strategy) times a matrix of spectral norm 1, with small inputs."""
    case = draw(
        strategies.cell_cases(kind="rnn", shape=strategies.dims(batch=(1, 3), steps=(1, 8), features=(1, 3), hidden=(1, 4)), bound=0.1)
    )
    wh = case.params["Wh"]
    norm = np.linalg.norm(wh, 2)
    wh = np.eye(len(wh)) if norm == 0 else wh / norm
    s = draw(scale)
    return case._replace(params={**case.params, "Wh": s * wh}), s


@given(scaled_cases(scale=st.floats(0.05, 0.95)), st.sampled_from(["tanh", "sigmoid"]))
def test_with_a_contracting_wh_every_step_back_multiplies_the_norm_by_at_most_its_spectral_norm(drawn, activation):
    case, s = drawn
    norms = training.jacobian_norms(case.x, case.params, case.h0, activation)
    T = case.x.shape[1]
    assert np.all(norms[:, :-1] <= s * norms[:, 1:] * (1 + 1e-12))
    # so ‖∂h_T/∂h_k‖ <= s^(T-k): geometric decay as T - k grows
    assert np.all(norms <= s ** (T - np.arange(T + 1)) * (1 + 1e-12))


@given(st.floats(1.1, 2.0), st.integers(1, 8), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_with_an_expanding_wh_and_a_tiny_state_tanh_norms_grow_as_the_scale_to_the_power_t_minus_k(s, T, H, seed):
    # tanh'(a) = 1 - tanh(a)² is 1 - 1e-12 or closer while |h| < 1e-6, so the Jacobian is (s Qᵀ)^(T-k), norm s^(T-k).
    x, h0 = np.zeros((1, T, 2)), np.full((1, H), 1e-9)
    params = {"Wx": np.ones((2, H)), "Wh": s * orthogonal(H, seed), "b": np.zeros(H)}
    norms = training.jacobian_norms(x, params, h0)[0]
    assert_close(s ** (T - np.arange(T + 1.0)), norms, atol=0, rtol=1e-9, name="norms")
    assert np.all(np.diff(norms) < 0)


@given(st.floats(1.1, 2.0), st.integers(1, 8), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_with_an_expanding_wh_relu_norms_grow_while_every_unit_stays_on(s, T, H, seed):
    # A scaled permutation keeps a positive state positive, so ReLU passes gradients unchanged.
    permutation = np.eye(H)[np.random.default_rng(seed).permutation(H)]
    x, h0 = np.zeros((1, T, 2)), np.ones((1, H))
    params = {"Wx": np.ones((2, H)), "Wh": s * permutation, "b": np.zeros(H)}
    norms = training.jacobian_norms(x, params, h0, activation="relu")[0]
    assert_close(s ** (T - np.arange(T + 1.0)), norms, atol=0, rtol=1e-12, name="norms")


@settings(max_examples=15)
@given(
    strategies.cell_cases(kind="rnn", shape=strategies.dims(batch=(1, 2), steps=(1, 4), features=(1, 3), hidden=(1, 3)), weight_bound=2.0),
    st.sampled_from(list(TORCH_ACTIVATIONS)),
)
def test_norms_equal_the_spectral_norms_of_torch_jacobians(case, activation):
    act = TORCH_ACTIVATIONS[activation]
    Wx, Wh, b = (torch.tensor(case.params[k]) for k in ("Wx", "Wh", "b"))
    x = torch.tensor(case.x)
    N, T, _ = case.x.shape
    h = torch.zeros(N, Wh.shape[0], dtype=torch.float64) if case.h0 is None else torch.tensor(case.h0)
    states = [h]
    for t in range(T):
        states.append(act(x[:, t] @ Wx + states[-1] @ Wh + b))

    def h_T_from(k, n):
        def run(h):
            for t in range(k, T):
                h = act(x[n, t] @ Wx + h @ Wh + b)
            return h

        return run

    expected = np.array(
        [
            [torch.linalg.matrix_norm(torch.autograd.functional.jacobian(h_T_from(k, n), states[k][n]), ord=2).item() for k in range(T + 1)]
            for n in range(N)
        ]
    )
    assert_close(expected, training.jacobian_norms(case.x, case.params, case.h0, activation), atol=1e-10, rtol=1e-13, name="norms")
