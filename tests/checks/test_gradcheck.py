"""The finite-difference helper recovers known derivatives and leaves its input as it found it."""

import numpy as np
import pytest

from checks.gradcheck import numerical_gradient, numerical_gradients


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
