"""The fully connected Boltzmann machine: the slides' energy, stochastic units, and a Gibbs chain that samples P(v) ∝ e^{-E(v)}."""

import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

from checks import strategies
from checks.compare import assert_close
from reference import boltzmann


@st.composite
def machines(draw, max_units=5, bound=2.0):
    n = draw(st.integers(1, max_units))
    A = draw(strategies.arrays((n, n), bound=bound / 2))
    W = A + A.T
    np.fill_diagonal(W, 0.0)
    return W, draw(strategies.arrays((n,), bound=bound))


def slides_energy(s, W, b):
    """E(v) = -(Σ_i s_i b_i + Σ_{i<j} s_i s_j w_ij), Mines Paristech, Session 3, "Hopfield network (2)"."""
    n = len(s)
    return -(sum(s[i] * b[i] for i in range(n)) + sum(s[i] * s[j] * W[i, j] for i in range(n) for j in range(i + 1, n)))


def sigma(z):
    return 1 / (1 + np.exp(-z))


@given(machines())
def test_the_energy_is_the_slides_double_sum_for_every_state(machine):
    W, b = machine
    states = np.array(list(itertools.product((0.0, 1.0), repeat=len(b))))
    expected = np.array([slides_energy(s, W, b) for s in states])
    assert_close(expected, boltzmann.energy(states, W, b), atol=1e-12, rtol=1e-12, name="E")
    assert boltzmann.energy(states[-1], W, b) == pytest.approx(expected[-1], abs=1e-12)


def test_two_units_distribution_by_hand():
    # b = (ln 2, 0), w_01 = ln 3: e^{-E} is 1 for 00, 1 for 01, 2 for 10 and 2·3 = 6 for 11; Z = 10.
    W = np.array([[0.0, np.log(3)], [np.log(3), 0.0]])
    states, P = boltzmann.boltzmann_distribution(W, [np.log(2), 0.0])
    assert states.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert_close(np.array([0.1, 0.1, 0.2, 0.6]), P, atol=1e-15, rtol=1e-12, name="P")


@given(machines())
def test_the_exact_distribution_is_e_to_minus_energy_normalised(machine):
    W, b = machine
    states, P = boltzmann.boltzmann_distribution(W, b)
    weights = np.array([np.exp(-slides_energy(s, W, b)) for s in states])
    assert_close(weights / weights.sum(), P, atol=1e-15, rtol=1e-10, name="P")


@pytest.mark.parametrize(
    "s, i",
    [([0, 1, 1], 0), ([1, 0, 1], 1), ([1, 1, 0], 2), ([0, 0, 0], 1)],
    ids=["unit-0-off", "unit-1-off", "unit-2-off", "all-off"],
)
def test_a_unit_turns_on_with_probability_sigma_of_its_input(s, i):
    W = np.array([[0.0, 1.5, -2.0], [1.5, 0.0, 0.5], [-2.0, 0.5, 0.0]])
    b = np.array([0.2, -1.0, 0.7])
    # z_i = b_i + Σ_j s_j w_ij, from the slide; w_ii = 0 so s_i's own value does not count.
    z = b[i] + sum(s[j] * W[j, i] for j in range(3))
    draws = 8000
    rng = np.random.default_rng(i)
    after = np.array([boltzmann.update_unit(s, i, W, b, rng) for _ in range(draws)])
    assert np.array_equal(np.delete(after, i, axis=1), np.tile(np.delete(s, i), (draws, 1)))
    p = sigma(z)
    # Within 4.5 binomial standard errors of σ(z_i).
    assert abs(after[:, i].mean() - p) <= 4.5 * np.sqrt(p * (1 - p) / draws)


def test_the_gibbs_chain_samples_the_boltzmann_distribution():
    W = np.array([[0.0, 1.0, -0.5, 0.0], [1.0, 0.0, 0.8, -1.2], [-0.5, 0.8, 0.0, 0.6], [0.0, -1.2, 0.6, 0.0]])
    b = np.array([-0.3, 0.2, -0.4, 0.5])
    states = np.array(list(itertools.product((0.0, 1.0), repeat=4)))
    weights = np.array([np.exp(-slides_energy(s, W, b)) for s in states])
    exact = weights / weights.sum()
    samples = boltzmann.gibbs_samples(W, b, 20000, np.random.default_rng(0), burn_in=200)
    # Row k of ``states`` is the binary number k, first unit most significant.
    index = samples @ (2 ** np.arange(3, -1, -1))
    empirical = np.bincount(index.astype(int), minlength=16) / len(samples)
    total_variation = 0.5 * np.abs(empirical - exact).sum()
    assert total_variation < 0.05, total_variation
    # The bound tells samplers apart: the uniform distribution is further than that from this one.
    assert 0.5 * np.abs(1 / 16 - exact).sum() > 0.15


def test_updates_are_reproducible_and_leave_their_inputs_and_global_random_state_alone():
    np.random.seed(0)
    W = np.array([[0.0, 1.0], [1.0, 0.0]])
    s = np.array([1.0, 0.0])
    first = boltzmann.update_unit(s, 1, W, [0.0, 0.0], np.random.default_rng(9))
    assert np.array_equal(first, boltzmann.update_unit(s, 1, W, [0.0, 0.0], np.random.default_rng(9)))
    assert np.array_equal(s, [1.0, 0.0])
    chain = boltzmann.gibbs_samples(W, [0.0, 0.0], 5, np.random.default_rng(4), s0=s)
    assert np.array_equal(chain, boltzmann.gibbs_samples(W, [0.0, 0.0], 5, np.random.default_rng(4), s0=s))
    assert np.array_equal(s, [1.0, 0.0])
    params = boltzmann.rbm_init_params(2, 1, np.random.default_rng(1))
    boltzmann.cd_k_update(params, [[1.0, 0.0]], 2, 0.1, np.random.default_rng(2))
    assert np.random.random() == np.random.RandomState(0).random()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: boltzmann.energy([1, 0], [[0, 1], [0.5, 0]], [0, 0]), "W is not symmetric"),
        (lambda: boltzmann.energy([1, 0], [[1, 0], [0, 0]], [0, 0]), "W has a nonzero diagonal"),
        (lambda: boltzmann.energy([1, -1], np.zeros((2, 2)), [0, 0]), r"s has -1.0 at \[1\]; expected only 0 and 1"),
        (lambda: boltzmann.energy([1, 0, 1], np.zeros((2, 2)), [0, 0]), r"s has shape \(3,\); expected 2 columns"),
        (lambda: boltzmann.energy([1, 0], np.zeros((2, 2)), [0]), r"b has shape \(1,\); expected \(2,\)"),
        (lambda: boltzmann.update_unit([1, 0], 5, np.zeros((2, 2)), [0, 0], np.random.default_rng(0)), "i=5 is not a unit index"),
        (lambda: boltzmann.update_unit([1, 0], 0, np.zeros((2, 2)), [0, 0], None), "rng=None is not a numpy Generator"),
        (lambda: boltzmann.gibbs_samples(np.zeros((2, 2)), [0, 0], 0, np.random.default_rng(0)), "n_samples=0 should be"),
        (lambda: boltzmann.all_states(21), r"has 21 units; exact enumeration visits 2\*\*21"),
    ],
    ids=["asymmetric", "self-connection", "spin-state", "state-length", "bias-length", "unit-index", "no-rng", "no-samples", "too-big"],
)
def test_bad_arguments_raise_value_error_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()
