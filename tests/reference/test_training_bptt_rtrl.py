"""Full BPTT, truncated BPTT and RTRL give the gradients they promise, against each other, finite differences and torch.

Tolerances: RTRL and BPTT sum the same products in different orders, so they
agree to rounding: 1e-10 absolute plus 1e-12 relative (ReLU states can grow to
1e4 here). Against torch as everywhere: 1e-10 + 1e-13 relative. Against finite
differences: 1e-6 relative with a 1e-8 floor.
"""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import rnn, training

ACTIVATIONS = ["tanh", "relu", "sigmoid"]
TORCH_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
CASES = strategies.cell_cases(kind="rnn", shape=strategies.dims(batch=(1, 3), steps=(1, 6), features=(1, 3), hidden=(1, 4)))


def _h0(case):
    N, H = case.x.shape[0], case.params["Wh"].shape[0]
    return np.zeros((N, H)) if case.h0 is None else case.h0


def torch_gradients(case, activation, detach_every=None):
    """dL/d(Wx, Wh, b, h0) by autograd for L = Σ dhs · h_t, the recurrence written in torch;
    with ``detach_every`` = k the state is cut from the graph after every k steps."""
    act = TORCH_ACTIVATIONS[activation]
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in {**case.params, "h0": _h0(case)}.items()}
    x, h = torch.tensor(case.x), leaves["h0"]
    hs = []
    for t in range(x.shape[1]):
        if detach_every and t and t % detach_every == 0:
            h = h.detach()
        h = act(x[:, t] @ leaves["Wx"] + h @ leaves["Wh"] + leaves["b"])
        hs.append(h)
    (torch.stack(hs, dim=1) * torch.tensor(case.dhs)).sum().backward()
    return {k: v.grad.numpy() for k, v in leaves.items()}


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(case=CASES, extra=st.integers(0, 3))
def test_truncated_bptt_with_chunks_of_at_least_T_steps_is_full_bptt(activation, case, extra):
    k = case.x.shape[1] + extra
    full = training.bptt_gradients(case.x, case.params, case.h0, case.dhs, activation)
    truncated = training.truncated_bptt_gradients(case.x, case.params, case.h0, case.dhs, k, activation)
    assert_close(full, truncated, atol=1e-14, rtol=1e-14, name="grads")


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(case=CASES, k=st.integers(1, 5))
def test_truncated_bptt_is_the_sum_of_bptt_over_chunks_that_start_from_the_carried_state(activation, case, k):
    T = case.x.shape[1]
    assume(k < T)
    chunks = []
    h = case.h0
    for start in range(0, T, k):
        hs, cache = rnn.forward(case.x[:, start : start + k], case.params, h, activation)
        chunks.append(rnn.backward(case.dhs[:, start : start + k], cache))
        h = hs[:, -1]
    expected = {key: sum(grads[key] for grads in chunks) for key in ("Wx", "Wh", "b")}
    expected["h0"] = chunks[0]["h0"]
    received = training.truncated_bptt_gradients(case.x, case.params, case.h0, case.dhs, k, activation)
    assert_close(expected, received, atol=1e-12, rtol=1e-12, name="grads")


@pytest.mark.parametrize("activation", ACTIVATIONS)
@settings(max_examples=20)
@given(case=CASES, k=st.integers(1, 6))
def test_truncated_bptt_matches_torch_with_the_state_detached_between_chunks(activation, case, k):
    expected = torch_gradients(case, activation, detach_every=k)
    received = training.truncated_bptt_gradients(case.x, case.params, case.h0, case.dhs, k, activation)
    assert_close(expected, received, atol=1e-10, rtol=1e-13, name="grads")


def test_truncation_drops_the_gradient_that_crosses_a_chunk_boundary():
    # Only the last step has an upstream gradient, so with k = 1 nothing reaches h0 or earlier steps' weights.
    rng = np.random.default_rng(0)
    x, params, dhs = rng.standard_normal((2, 4, 3)), rnn.init_params(3, 2, rng), np.zeros((2, 4, 2))
    dhs[:, -1] = 1.0
    full = training.bptt_gradients(x, params, None, dhs)
    truncated = training.truncated_bptt_gradients(x, params, None, dhs, 1)
    assert np.abs(full["h0"]).max() > 1e-3
    assert np.array_equal(truncated["h0"], np.zeros((2, 2)))
    assert np.abs(full["Wh"] - truncated["Wh"]).max() > 1e-3


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(case=CASES)
def test_rtrl_equals_bptt_for_every_parameter_and_the_initial_state(activation, case):
    bptt = training.bptt_gradients(case.x, case.params, case.h0, case.dhs, activation)
    rtrl = training.rtrl_gradients(case.x, case.params, case.h0, case.dhs, activation)
    assert_close(bptt, rtrl, atol=1e-10, rtol=1e-12, name="grads")


@pytest.mark.parametrize("activation", ACTIVATIONS)
@settings(max_examples=20)
@given(case=CASES)
def test_rtrl_and_bptt_match_torch_autograd(activation, case):
    expected = torch_gradients(case, activation)
    assert_close(expected, training.rtrl_gradients(case.x, case.params, case.h0, case.dhs, activation), atol=1e-10, rtol=1e-13, name="rtrl")
    assert_close(expected, training.bptt_gradients(case.x, case.params, case.h0, case.dhs, activation), atol=1e-10, rtol=1e-13, name="bptt")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@settings(max_examples=15)
@given(case=CASES)
def test_rtrl_matches_finite_differences(activation, case):
    thetas = {k: np.array(v) for k, v in case.params.items()}
    h0 = np.array(_h0(case))

    def outputs():
        return (rnn.forward(case.x, thetas, h0, activation)[0],)

    numeric = numerical_gradients(outputs, {**thetas, "h0": h0}, (case.dhs,))
    received = training.rtrl_gradients(case.x, thetas, h0, case.dhs, activation)
    assert_close(numeric, received, atol=1e-8, rtol=1e-6, name="grads")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda a: training.truncated_bptt_gradients(*a, 0), "k=0 should be an integer of at least 1"),
        (lambda a: training.truncated_bptt_gradients(*a, 2.5), "k=2.5 should be an integer of at least 1"),
        (lambda a: training.rtrl_gradients(*a[:3], np.zeros((2, 4, 3))), r"dhs has shape \(2, 4, 3\); expected \(2, 4, 2\)"),
        (lambda a: training.rtrl_gradients(*a, activation="elu"), "activation='elu' is not one of"),
        (lambda a: training.rtrl_gradients(a[0][0], *a[1:]), r"x has shape \(4, 3\); expected 3 axes"),
    ],
    ids=["chunk-of-zero-steps", "chunk-not-an-integer", "dhs-of-wrong-hidden-size", "unknown-activation", "x-with-two-axes"],
)
def test_bad_arguments_name_the_argument_and_what_was_wanted(call, message):
    rng = np.random.default_rng(0)
    args = (rng.standard_normal((2, 4, 3)), rnn.init_params(3, 2, rng), None, np.zeros((2, 4, 2)))
    with pytest.raises(ValueError, match=message):
        call(args)
