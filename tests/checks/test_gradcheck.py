"""The finite-difference helper recovers known derivatives and leaves its input as it found it."""

import numpy as np
import pytest

from checks.gradcheck import numerical_gradient, numerical_gradients, rounding_error


def test_it_recovers_the_gradient_of_a_quadratic_form():
    rng = np.random.default_rng(0)
    A, theta, u = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(3)
    # L = u · (A θ)², so dL/dθ = Aᵀ (2 u ⊙ A θ), worked out by hand.
    numeric = numerical_gradient(lambda: ((A @ theta) ** 2,), theta, (u,))
    assert np.allclose(numeric, A.T @ (2 * u * (A @ theta)), atol=1e-8, rtol=1e-7)


def test_outputs_with_no_upstream_gradient_are_left_out():
    theta = np.array([2.0])
    numeric = numerical_gradient(lambda: (theta**2, theta**3), theta, (np.ones(1), None))
    assert numeric == pytest.approx([4.0], rel=1e-8)


def test_theta_is_restored_exactly():
    theta = np.array([[0.1, -0.3], [1e-3, 7.0]])
    before = theta.copy()
    numerical_gradients(lambda: (np.tanh(theta),), {"theta": theta}, (np.ones((2, 2)),))
    assert np.array_equal(theta, before)


def test_a_read_only_theta_is_refused_with_the_reason():
    theta = np.zeros(2)
    theta.flags.writeable = False
    with pytest.raises(ValueError, match="writeable float64"):
        numerical_gradient(lambda: (theta,), theta, (np.ones(2),))


def test_the_rounding_estimate_covers_the_actual_rounding_of_large_outputs():
    # y = 1e6 · θ is linear, so its centred difference is exact but for rounding; dL/dθ = 1e6 · Σ u exactly.
    theta, u = np.array([0.3]), np.ones(50)
    big = lambda: (np.full(50, 1e6) * theta,)  # noqa: E731
    error = abs(numerical_gradient(big, theta, (u,))[0] - 5e7)
    assert 0 < rounding_error(big(), (u,)) and error <= rounding_error(big(), (u,))


def test_the_rounding_estimate_grows_with_the_outputs_and_ignores_missing_ones():
    small, large = (np.ones(3),), (np.full(3, 100.0),)
    u = (np.ones(3),)
    assert rounding_error(large, u) == pytest.approx(100 * rounding_error(small, u))
    assert rounding_error((np.ones(3), np.full(3, 1e9)), (np.ones(3), None)) == rounding_error(small, u)


def test_extrapolation_cancels_the_centred_differences_error_where_a_perturbation_is_amplified_into_tanhs_curvature():
    # y = tanh(a·θ) at θ = 0 with a = 3125 (5**5): dy/dθ = a exactly; the plain difference is off by about (aε)²/3 relative.
    theta = np.zeros(1)
    outputs = lambda: (np.tanh(3125.0 * theta),)  # noqa: E731
    plain = numerical_gradients(outputs, {"theta": theta}, (np.ones(1),))["theta"][0]
    extrapolated = numerical_gradients(outputs, {"theta": theta}, (np.ones(1),), extrapolate=True)["theta"][0]
    assert abs(plain - 3125.0) / 3125.0 > 1e-6
    assert abs(extrapolated - 3125.0) / 3125.0 < 1e-9
