"""The restricted Boltzmann machine against brute-force sums over every visible and hidden state."""

import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import boltzmann


@st.composite
def rbms(draw, max_visible=4, max_hidden=3, bound=2.0):
    V, H = draw(st.integers(1, max_visible)), draw(st.integers(1, max_hidden))
    return {
        "W": draw(strategies.arrays((V, H), bound=bound)),
        "bv": draw(strategies.arrays((V,), bound=bound)),
        "bh": draw(strategies.arrays((H,), bound=bound)),
    }


def binary_rows(n):
    return [np.array(bits, dtype=float) for bits in itertools.product((0, 1), repeat=n)]


def joint_energy(v, h, params):
    """E(v, h) = -(Σ_i v_i bv_i + Σ_j h_j bh_j + Σ_ij v_i w_ij h_j), written out."""
    W, bv, bh = params["W"], params["bv"], params["bh"]
    return -(
        sum(v[i] * bv[i] for i in range(len(v)))
        + sum(h[j] * bh[j] for j in range(len(h)))
        + sum(v[i] * W[i, j] * h[j] for i in range(len(v)) for j in range(len(h)))
    )


def brute_force_Z(params):
    V, H = params["W"].shape
    return sum(np.exp(-joint_energy(v, h, params)) for v in binary_rows(V) for h in binary_rows(H))


@given(rbms())
def test_the_partition_function_is_the_sum_of_e_to_minus_energy_over_every_joint_state(params):
    assert boltzmann.log_partition(params) == pytest.approx(np.log(brute_force_Z(params)), abs=1e-12, rel=1e-12)


@given(rbms())
def test_the_joint_energy_is_the_written_out_sum(params):
    V, H = params["W"].shape
    pairs = [(v, h) for v in binary_rows(V) for h in binary_rows(H)]
    vs, hs = np.array([v for v, _ in pairs]), np.array([h for _, h in pairs])
    assert_close(np.array([joint_energy(v, h, params) for v, h in pairs]), boltzmann.rbm_energy(vs, hs, params), atol=1e-12, rtol=1e-12)


@given(rbms())
def test_the_free_energy_is_minus_log_of_the_sum_over_hidden_states(params):
    V, H = params["W"].shape
    vs = np.array(binary_rows(V))
    expected = [-np.log(sum(np.exp(-joint_energy(v, h, params)) for h in binary_rows(H))) for v in vs]
    assert_close(np.array(expected), boltzmann.free_energy(vs, params), atol=1e-12, rtol=1e-12, name="F")


@given(rbms())
def test_the_exact_probabilities_of_every_visible_state_sum_to_one_and_match_brute_force(params):
    V, H = params["W"].shape
    Z = brute_force_Z(params)
    total = 0.0
    for v in binary_rows(V):
        expected = sum(np.exp(-joint_energy(v, h, params)) for h in binary_rows(H)) / Z
        log_p = boltzmann.exact_log_likelihood(params, v[None])
        assert log_p == pytest.approx(np.log(expected), abs=1e-12)
        total += np.exp(log_p)
    assert total == pytest.approx(1.0, abs=1e-12)


@given(rbms())
def test_the_conditionals_are_the_joint_normalised_over_one_layer(params):
    V, H = params["W"].shape
    for v in binary_rows(V):
        weights = {tuple(h): np.exp(-joint_energy(v, h, params)) for h in binary_rows(H)}
        total = sum(weights.values())
        on = [sum(w for h, w in weights.items() if h[j] == 1) / total for j in range(H)]
        assert_close(np.array([on]), boltzmann.p_h_given_v(v[None], params), atol=1e-12, rtol=1e-10, name="p(h|v)")
    for h in binary_rows(H):
        weights = {tuple(v): np.exp(-joint_energy(v, h, params)) for v in binary_rows(V)}
        total = sum(weights.values())
        on = [sum(w for v, w in weights.items() if v[i] == 1) / total for i in range(V)]
        assert_close(np.array([on]), boltzmann.p_v_given_h(h[None], params), atol=1e-12, rtol=1e-10, name="p(v|h)")


@given(rbms(), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_the_free_energy_gradients_match_finite_differences(params, N, seed):
    V, _ = params["W"].shape
    v = np.random.default_rng(seed).integers(0, 2, (N, V)).astype(float)
    thetas = {k: a.copy() for k, a in params.items()}
    numeric = numerical_gradients(lambda: [boltzmann.free_energy(v, thetas)], thetas, [np.ones(N)])
    assert_close(numeric, boltzmann.free_energy_grads(v, params), atol=1e-7, rtol=1e-6)


@given(rbms(max_visible=3, max_hidden=2, bound=1.0), st.integers(0, 2**32 - 1))
def test_the_likelihood_gradient_is_the_model_average_minus_the_data_average_of_the_free_energy_gradient(params, seed):
    # The rule CD-k approximates: ∂ mean log P(data)/∂θ = -⟨∂F/∂θ⟩_data + Σ_v P(v) ∂F/∂θ(v), here with P(v) exact.
    V, _ = params["W"].shape
    data = np.random.default_rng(seed).integers(0, 2, (3, V)).astype(float)
    thetas = {k: a.copy() for k, a in params.items()}
    numeric = numerical_gradients(lambda: [np.array(boltzmann.exact_log_likelihood(thetas, data))], thetas, [np.array(1.0)])
    vs = np.array(binary_rows(V))
    P = np.exp([boltzmann.exact_log_likelihood(params, v[None]) for v in vs])
    data_grads = boltzmann.free_energy_grads(data, params)
    model = {k: sum(P[n] * boltzmann.free_energy_grads(vs[n : n + 1], params)[k] for n in range(len(vs))) for k in params}
    assert_close(numeric, {k: model[k] - data_grads[k] / len(data) for k in params}, atol=1e-7, rtol=1e-6)


def test_a_cd_step_moves_each_param_by_lr_times_the_data_minus_the_reconstruction_statistics():
    rng = np.random.default_rng(0)
    params = boltzmann.rbm_init_params(4, 2, rng, scale=0.5)
    frozen = {k: a.copy() for k, a in params.items()}
    v0 = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]], dtype=float)
    new = boltzmann.cd_k_update(params, v0, 1, 0.1, np.random.default_rng(5))
    # Replay the step's draws: the same seed gives the same chain.
    _, v1 = boltzmann.gibbs_step(v0, params, np.random.default_rng(5))
    h0, h1 = boltzmann.p_h_given_v(v0, params), boltzmann.p_h_given_v(v1, params)
    expected = {
        "W": params["W"] + 0.1 * (v0.T @ h0 - v1.T @ h1) / 3,
        "bv": params["bv"] + 0.1 * (v0 - v1).mean(axis=0),
        "bh": params["bh"] + 0.1 * (h0 - h1).mean(axis=0),
    }
    assert_close(expected, new, atol=1e-14, rtol=1e-12)
    assert all(np.array_equal(frozen[k], params[k]) for k in params)


def test_gibbs_steps_are_reproducible_from_the_seed_and_binary():
    params = boltzmann.rbm_init_params(5, 3, np.random.default_rng(1), scale=1.0)
    v = np.random.default_rng(2).integers(0, 2, (4, 5)).astype(float)
    h1, v1 = boltzmann.gibbs_step(v, params, np.random.default_rng(3))
    h2, v2 = boltzmann.gibbs_step(v, params, np.random.default_rng(3))
    assert np.array_equal(h1, h2) and np.array_equal(v1, v2)
    assert h1.shape == (4, 3) and v1.shape == (4, 5)
    assert set(np.unique(np.concatenate([h1.ravel(), v1.ravel()]))) <= {0.0, 1.0}


def test_gibbs_sampling_draws_each_hidden_unit_with_its_conditional_probability():
    params = {"W": np.array([[2.0, -1.0], [0.5, 0.0]]), "bv": np.zeros(2), "bh": np.array([-1.0, 0.3])}
    v = np.tile([[1.0, 1.0]], (20000, 1))
    h, _ = boltzmann.gibbs_step(v, params, np.random.default_rng(0))
    # p(h_j = 1 | v = (1, 1)) = σ(bh_j + Σ_i w_ij) = σ(1.5), σ(-0.7).
    expected = 1 / (1 + np.exp(-np.array([1.5, -0.7])))
    assert np.all(np.abs(h.mean(axis=0) - expected) <= 4.5 * np.sqrt(expected * (1 - expected) / 20000))


@pytest.mark.slow
def test_cd1_training_raises_the_exact_log_likelihood_of_a_toy_data_set():
    data = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]], dtype=float)
    rng = np.random.default_rng(0)
    params = boltzmann.rbm_init_params(6, 3, rng)
    before = boltzmann.exact_log_likelihood(params, data)
    # Near-zero weights: every one of the 2**6 visible states is about equally likely.
    assert before == pytest.approx(-6 * np.log(2), abs=0.01)
    batch = np.repeat(data, 4, axis=0)
    for _ in range(2000):
        params = boltzmann.cd_k_update(params, batch, 1, 0.1, rng)
    after = boltzmann.exact_log_likelihood(params, data)
    print(f"\nRBM 6x3, CD-1, 2000 steps: mean log-likelihood {before:.3f} -> {after:.3f} (best possible ln(1/4) = {np.log(0.25):.3f})")
    assert after > before + 1.5
    # No model can give four distinct patterns a higher mean log-probability than -ln 4.
    assert after <= np.log(0.25) + 1e-9


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: boltzmann.free_energy([[1, 0]], {"W": np.zeros((2, 1)), "bv": np.zeros(2)}), "params is missing 'bh'"),
        (
            lambda: boltzmann.free_energy([[1, 0]], {"W": np.zeros((2, 1)), "bv": np.zeros(3), "bh": np.zeros(1)}),
            r"params\['bv'\] has shape \(3,\); expected \(2,\)",
        ),
        (
            lambda: boltzmann.free_energy([[1, 0, 1]], boltzmann.rbm_init_params(2, 1, np.random.default_rng(0))),
            r"v has shape \(1, 3\); expected 2 columns",
        ),
        (
            lambda: boltzmann.free_energy([[1, -1]], boltzmann.rbm_init_params(2, 1, np.random.default_rng(0))),
            r"v has -1.0 at \[0, 1\]; expected only 0 and 1",
        ),
        (
            lambda: boltzmann.p_h_given_v([1, 0], boltzmann.rbm_init_params(2, 1, np.random.default_rng(0))),
            r"v has shape \(2,\); expected 2 non-empty axes",
        ),
        (
            lambda: boltzmann.cd_k_update(
                boltzmann.rbm_init_params(2, 1, np.random.default_rng(0)), [[1, 0]], 0, 0.1, np.random.default_rng(0)
            ),
            "k=0 should be",
        ),
        (
            lambda: boltzmann.cd_k_update(
                boltzmann.rbm_init_params(2, 1, np.random.default_rng(0)), [[1, 0]], 1, -0.1, np.random.default_rng(0)
            ),
            "lr=-0.1 should be",
        ),
        (
            lambda: boltzmann.gibbs_step([[1, 0]], boltzmann.rbm_init_params(2, 1, np.random.default_rng(0)), 7),
            "rng=7 is not a numpy Generator",
        ),
        (
            lambda: boltzmann.log_partition(boltzmann.rbm_init_params(16, 8, np.random.default_rng(0))),
            r"the RBM has 24 units; exact enumeration visits 2\*\*24",
        ),
    ],
    ids=["missing-bh", "bv-length", "v-width", "v-not-binary", "v-one-axis", "k-zero", "lr-negative", "no-rng", "too-big-to-enumerate"],
)
def test_bad_arguments_raise_value_error_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()
