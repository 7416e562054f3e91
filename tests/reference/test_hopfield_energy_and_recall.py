"""Hopfield networks: Hebbian storage, the slides' energy, votes that never raise it, and recall of stored patterns."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from checks import strategies
from reference import hopfield

SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def networks(draw, max_units=8):
    """(W symmetric with a zero diagonal, a ±1 state, biases or None), on a grid so that tied votes happen."""
    N = draw(st.integers(1, max_units))
    A = draw(strategies.grid_arrays((N, N)))
    W = A + A.T
    np.fill_diagonal(W, 0.0)
    s = np.where(draw(strategies.grid_arrays((N,))) >= 0, 1.0, -1.0)
    b = draw(st.none() | strategies.grid_arrays((N,)))
    return W, s, b


def slides_energy(W, s, b):
    """E(v) = -(Σ_i s_i b_i + Σ_{i<j} s_i s_j w_ij), Mines Paristech, Session 3, "Hopfield network (2)"."""
    N = len(s)
    b = np.zeros(N) if b is None else b
    return -(sum(s[i] * b[i] for i in range(N)) + sum(s[i] * s[j] * W[i, j] for i in range(N) for j in range(i + 1, N)))


def random_patterns(P, N, seed):
    return np.random.default_rng(seed).choice([-1.0, 1.0], (P, N))


def test_hebbian_weights_are_the_mean_outer_product_with_a_zero_diagonal():
    patterns = np.array([[1, -1, 1], [1, 1, -1]])
    # Σ_p ξ_p ξ_pᵀ off the diagonal: w_01 = -1 + 1 = 0, w_02 = 1 - 1 = 0, w_12 = -1 - 1 = -2.
    summed = np.array([[0, 0, 0], [0, 0, -2], [0, -2, 0]])
    assert np.array_equal(hopfield.hebbian_weights(patterns, normalize=False), summed)
    assert np.array_equal(hopfield.hebbian_weights(patterns), summed / 3)


def test_a_pattern_and_its_negative_store_the_same_weights():
    patterns = random_patterns(4, 12, seed=1)
    flipped = patterns * np.array([[1], [-1], [1], [-1]])
    assert np.array_equal(hopfield.hebbian_weights(patterns), hopfield.hebbian_weights(flipped))


@given(networks())
def test_the_energy_is_the_slides_double_sum(network):
    W, s, b = network
    assert hopfield.energy(W, s, b) == pytest.approx(slides_energy(W, s, b), abs=1e-12)


@given(networks(), SEEDS)
def test_votes_in_any_order_never_raise_the_energy_and_a_flip_lowers_it_by_twice_the_field(network, seed):
    W, s, b = network
    order = np.random.default_rng(seed).integers(0, len(s), 4 * len(s))
    for i in order:
        h_i = hopfield.local_field(W, s, b)[i]
        before = s.copy()
        new = hopfield.vote(W, s, int(i), b)
        assert np.array_equal(s, before)
        drop = slides_energy(W, s, b) - slides_energy(W, new, b)
        assert drop >= -1e-12
        if new[i] != s[i]:
            assert drop == pytest.approx(2 * abs(h_i), abs=1e-12)
        else:
            assert drop == pytest.approx(0.0, abs=1e-12)
        assert np.array_equal(np.delete(new, i), np.delete(s, i))
        s = new


@given(networks(), SEEDS)
def test_asynchronous_recall_descends_to_a_fixed_point(network, seed):
    W, s, b = network
    before = s.copy()
    # Every flip lowers the energy, so no state comes back and at most 2**8 sweeps can change anything.
    result = hopfield.recall_async(W, s, np.random.default_rng(seed), b, max_sweeps=2**8 + 1)
    assert np.array_equal(s, before)
    assert result.converged
    assert hopfield.is_fixed_point(W, result.state, b)
    assert all(np.array_equal(hopfield.vote(W, result.state, i, b), result.state) for i in range(len(s)))
    assert len(result.energies) == result.sweeps + 1
    assert np.all(np.diff(result.energies) <= 1e-12)
    assert result.energies[0] == pytest.approx(slides_energy(W, s, b), abs=1e-12)
    assert result.energies[-1] == pytest.approx(slides_energy(W, result.state, b), abs=1e-12)


def test_asynchronous_recall_is_reproducible_from_the_seed_and_leaves_global_random_state_alone():
    patterns = random_patterns(12, 60, seed=2)
    W = hopfield.hebbian_weights(patterns)
    start = random_patterns(1, 60, seed=3)[0]
    np.random.seed(0)
    first = hopfield.recall_async(W, start, np.random.default_rng(7))
    again = hopfield.recall_async(W, start, np.random.default_rng(7))
    assert np.array_equal(first.state, again.state) and first.sweeps == again.sweeps
    assert np.random.random() == np.random.RandomState(0).random()


def test_stored_patterns_and_their_negatives_are_fixed_points_at_low_load():
    patterns = random_patterns(5, 100, seed=4)
    W = hopfield.hebbian_weights(patterns)
    for xi in patterns:
        assert hopfield.is_fixed_point(W, xi)
        assert hopfield.is_fixed_point(W, -xi)
        assert hopfield.recall_sync(W, xi).period == 1


@pytest.mark.parametrize("P", [3, 5, 8])
def test_stored_patterns_are_recalled_exactly_from_ten_percent_flipped_bits(P):
    N = 100
    patterns = random_patterns(P, N, seed=10 + P)
    W = hopfield.hebbian_weights(patterns)
    rng = np.random.default_rng(P)
    for xi in patterns:
        noisy = xi.copy()
        noisy[rng.choice(N, N // 10, replace=False)] *= -1
        assert np.count_nonzero(noisy != xi) == 10
        result = hopfield.recall_async(W, noisy, rng)
        assert result.converged
        assert np.array_equal(result.state, xi)


def test_at_a_load_of_a_tenth_nearly_every_pattern_is_recalled_exactly():
    # At P = 0.1 N each bit of a stored pattern is unstable with probability about Φ(-√(N/P)) ≈ 8e-4, so with N = 100
    # roughly one pattern in twelve has a bad bit; the capacity sweep measures this over many networks.
    N, P = 100, 10
    recalled = 0
    for trial in range(3):
        patterns = random_patterns(P, N, seed=100 + trial)
        W = hopfield.hebbian_weights(patterns)
        rng = np.random.default_rng(trial)
        for xi in patterns:
            noisy = xi.copy()
            noisy[rng.choice(N, N // 10, replace=False)] *= -1
            recalled += np.array_equal(hopfield.recall_async(W, noisy, rng).state, xi)
    assert recalled >= 27


def test_synchronous_recall_reports_a_two_state_cycle():
    # Two units that want to agree, started apart: all at once they swap forever, h = W s = (-1, 1), then (1, -1).
    W = np.array([[0.0, 1.0], [1.0, 0.0]])
    result = hopfield.recall_sync(W, [1, -1])
    assert result.period == 2 and not result.converged
    assert np.array_equal(hopfield.sync_step(W, [1, -1]), [-1, 1])
    # One unit at a time the first vote makes them agree, at energy -w_01 = -1.
    settled = hopfield.recall_async(W, [1, -1], np.random.default_rng(0))
    assert settled.converged and abs(settled.state.sum()) == 2
    assert settled.energies[-1] == -1.0


@given(networks(max_units=6))
def test_the_period_synchronous_recall_reports_is_the_smallest_that_returns_to_its_state(network):
    W, s, b = network
    # 2**6 states: a repeat comes within 65 steps.
    result = hopfield.recall_sync(W, s, b, max_steps=65)
    assert result.period is not None
    state = result.state
    for step in range(1, result.period + 1):
        state = hopfield.sync_step(W, state, b)
        assert np.array_equal(state, result.state) == (step == result.period)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: hopfield.energy(np.zeros((2, 2)), [1, 0]), r"s has 0.0 at \[1\]; expected only -1 and \+1"),
        (lambda: hopfield.energy([[0, 1], [2, 0]], [1, 1]), "W is not symmetric"),
        (lambda: hopfield.energy([[1, 0], [0, 0]], [1, 1]), "W has a nonzero diagonal"),
        (lambda: hopfield.energy(np.zeros((2, 3)), [1, 1]), r"W has shape \(2, 3\); expected a square"),
        (lambda: hopfield.energy(np.zeros((2, 2)), [1, 1, 1]), r"s has shape \(3,\); expected \(2,\)"),
        (lambda: hopfield.energy(np.zeros((2, 2)), [1, 1], b=[0.0]), r"b has shape \(1,\); expected \(2,\)"),
        (lambda: hopfield.vote(np.zeros((2, 2)), [1, 1], 2), r"i=2 is not a unit index; expected an integer in \[0, 1\]"),
        (lambda: hopfield.recall_async(np.zeros((2, 2)), [1, 1], 0), "rng=0 is not a numpy Generator"),
        (lambda: hopfield.recall_sync(np.zeros((2, 2)), [1, 1], max_steps=0), "max_steps=0 should be an integer of at least 1"),
        (lambda: hopfield.hebbian_weights([[1, 0, 1]]), "patterns has 0.0 at"),
    ],
    ids=[
        "zero-state",
        "asymmetric",
        "self-connection",
        "not-square",
        "state-length",
        "bias-length",
        "unit-index",
        "no-rng",
        "no-steps",
        "0/1-pattern",
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()
