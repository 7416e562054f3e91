"""The TP binary adder ("TP : RNN for Binary Sum"): its loss gradient against finite differences and torch,
its bit encoding, and a trained adder that adds pairs it never saw."""

import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import binary_adder

TRAINING_BUDGET_SECONDS = 10.0
"""Training takes about 0.5 s alone on the 2-core machine; the budget leaves room for other jobs sharing the cores."""


@st.composite
def cases(draw):
    """x (N, T, 2) of any bounded values, targets (N, T) in [0, 1], params."""
    N, T, _, H = draw(strategies.dims(batch=(1, 3), steps=(1, 5), hidden=(1, 4)))
    params = {k: draw(strategies.arrays(shape, bound=2.0)) for k, shape in binary_adder.param_shapes(2, H).items()}
    targets = (draw(strategies.arrays((N, T))) + 1.0) / 2.0
    return draw(strategies.arrays((N, T, 2))), targets, params


@settings(max_examples=25)
@given(cases())
def test_loss_gradients_match_finite_differences(case):
    x, targets, params = case
    thetas = {k: np.array(v) for k, v in params.items()}

    def outputs():
        return (np.array(binary_adder.loss_and_grads(x, targets, thetas)[0]),)

    numeric = numerical_gradients(outputs, thetas, (np.array(1.0),))
    assert_close(numeric, binary_adder.loss_and_grads(x, targets, params)[1], atol=1e-8, rtol=1e-6, name="grads")


@given(cases())
def test_loss_and_gradients_match_torch(case):
    x, targets, params = case
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    xt = torch.tensor(x)
    h = torch.zeros(x.shape[0], params["Wh"].shape[0], dtype=torch.float64)
    outs = []
    for t in range(x.shape[1]):
        h = torch.sigmoid(xt[:, t] @ p["Wx"] + h @ p["Wh"] + p["b"])
        outs.append((h @ p["Wy"] + p["by"])[:, 0])
    loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.stack(outs, dim=1), torch.tensor(targets))
    loss.backward()
    ours, grads = binary_adder.loss_and_grads(x, targets, params)
    assert_close(loss.item(), ours, atol=1e-10, rtol=1e-13, name="loss")
    assert_close({k: v.grad.numpy() for k, v in p.items()}, grads, atol=1e-10, rtol=1e-13, name="grads")


def test_bits_are_read_from_the_least_significant_as_in_the_tp_example():
    # The TP's example, most significant bit first: 1011 + 0001 = 1100.
    x, targets = binary_adder.encode([0b1011], [0b0001], 4)
    assert np.array_equal(x[0], [[1, 1], [1, 0], [0, 0], [1, 0]])
    assert np.array_equal(targets[0], [0, 0, 1, 1])


@given(st.integers(1, 12).flatmap(lambda bits: st.tuples(st.just(bits), st.lists(st.integers(0, 2**bits - 1), min_size=1, max_size=5))))
def test_from_bits_undoes_to_bits(drawn):
    bits, values = drawn
    assert binary_adder.from_bits(binary_adder.to_bits(np.array(values), bits)).tolist() == values


@given(st.integers(1, 6), st.integers(1, 50), st.integers(0, 2**32 - 1))
def test_sampled_pairs_never_overflow_and_never_come_from_the_excluded_list(bits, count, seed):
    everything = np.array([(a, b) for a in range(2**bits) for b in range(2**bits - a)])
    # Every pair but one, the first, may be excluded.
    excluded = everything[1:][np.random.default_rng(seed).random(len(everything) - 1) < 0.5]
    a, b = binary_adder.sample_pairs(np.random.default_rng(seed), bits, count, excluded)
    assert len(a) == len(b) == count
    assert np.all(a + b < 2**bits) and np.all(a >= 0) and np.all(b >= 0)
    assert not set(zip(a.tolist(), b.tolist())) & set(map(tuple, excluded.tolist()))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: m.add(200, 100), "a \\+ b = 300 overflows 8 bits; expected a sum below 256"),
        (lambda m: m.add(-1, 3), "a=-1 should be an integer of at least 0"),
        (lambda m: binary_adder.to_bits(np.array([16]), 4), "values range from 16 to 16; expected 0..15 for bits=4"),
        (lambda m: binary_adder.train_binary_adder(hidden=0), "hidden=0 should be an integer of at least 1"),
        (lambda m: binary_adder.train_binary_adder(exclude=[(255, 1)]), "exclude holds pairs outside"),
        (lambda m: binary_adder.sample_pairs(np.random.default_rng(0), 1, 3, [(0, 0), (0, 1), (1, 0)]), "exclude holds all 3 pairs"),
        (
            lambda m: binary_adder.sample_pairs(np.random.default_rng(0), 4, 3, [(1, 2, 3)]),
            r"exclude has shape \(1, 3\); expected \(K, 2\)",
        ),
    ],
    ids=["sum-overflows", "negative-operand", "value-too-wide", "no-hidden-units", "excluded-pair-overflows", "nothing-left", "not-pairs"],
)
def test_bad_arguments_name_the_argument_and_what_was_wanted(call, message):
    model = binary_adder.train_binary_adder(iterations=0)
    with pytest.raises(ValueError, match=message):
        call(model)


@pytest.mark.slow
def test_a_trained_adder_adds_200_held_out_8_bit_pairs_exactly_within_the_time_budget():
    a, b = binary_adder.sample_pairs(np.random.default_rng(2024), 8, 200)
    held_out = list(zip(a.tolist(), b.tolist()))
    start = time.perf_counter()
    model = binary_adder.train_binary_adder(bits=8, hidden=16, iterations=1500, seed=0, exclude=held_out)
    seconds = time.perf_counter() - start
    wrong = [(a, b, model.add(a, b)) for a, b in held_out if model.add(a, b) != a + b]
    assert not wrong, f"{len(wrong)} of 200 held-out sums wrong, first (a, b, a+b by the network): {wrong[:3]}"
    assert seconds < TRAINING_BUDGET_SECONDS
