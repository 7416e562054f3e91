"""Small cases of each layer and loss, with the expected values worked out by hand."""

import numpy as np
import pytest

from reference import layers


def test_embedding_looks_up_rows_and_sums_the_gradient_of_a_repeated_id():
    W = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    out, cache = layers.embedding_forward(np.array([[1, 1, 0]]), W)
    assert np.array_equal(out, [[[2.0, 3.0], [2.0, 3.0], [0.0, 1.0]]])
    dW = layers.embedding_backward(np.array([[[1.0, 2.0], [10.0, 20.0], [5.0, 6.0]]]), cache)
    # id 1 occurs twice, so its row gets both upstream rows; id 2 never occurs.
    assert np.array_equal(dW, [[5.0, 6.0], [11.0, 22.0], [0.0, 0.0]])


def test_dense_is_x_times_w_plus_b_and_sums_weight_gradients_over_steps():
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]])  # (N=1, T=2, D=2)
    W, b = np.array([[1.0], [10.0]]), np.array([0.5])
    y, cache = layers.dense_forward(x, W, b)
    assert np.array_equal(y, [[[21.5], [43.5]]])
    grads = layers.dense_backward(np.ones((1, 2, 1)), cache)
    assert np.array_equal(grads["W"], [[4.0], [6.0]])  # x summed over both steps
    assert np.array_equal(grads["b"], [2.0])
    assert np.array_equal(grads["x"], [[[1.0, 10.0], [1.0, 10.0]]])


def test_softmax_of_0_and_log3_is_a_quarter_and_three_quarters_even_shifted_by_1000():
    for shift in (0.0, 1000.0, -1000.0):
        p, _ = layers.softmax_forward(np.array([[shift, shift + np.log(3.0)]]))
        # Next to ±1000, log 3 is stored to within 1.2e-13, one unit in the last place there.
        assert p == pytest.approx(np.array([[0.25, 0.75]]), abs=1e-12)


def test_cross_entropy_of_equal_logits_is_log_c_and_its_gradient_is_p_minus_onehot_over_m():
    loss, dlogits = layers.softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    assert loss == pytest.approx(np.log(4.0), abs=1e-15)
    assert np.allclose(dlogits, [[-0.375, 0.125, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]], atol=1e-15)


def test_binary_cross_entropy_of_one_half_is_log_2_and_clamps_log_zero_at_minus_100():
    loss, dp = layers.binary_cross_entropy(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    assert loss == pytest.approx(np.log(2.0), abs=1e-15)
    assert np.allclose(dp, [-1.0, 1.0], atol=1e-15)  # (p - y) / (p (1 - p)) / M = ±0.5 / 0.25 / 2
    assert layers.binary_cross_entropy(np.array([0.0]), np.array([1.0]))[0] == 100.0


def test_binary_cross_entropy_with_logits_of_a_huge_logit_is_finite_and_exact():
    loss, da = layers.binary_cross_entropy_with_logits(np.array([1000.0, -1000.0]), np.array([0.0, 0.0]))
    # -log(1 - σ(1000)) = 1000 to double precision; -log(1 - σ(-1000)) = 0.
    assert loss == pytest.approx(500.0, rel=1e-15)
    assert np.array_equal(da, [0.5, 0.0])


def test_mse_is_the_mean_square_and_its_gradient_twice_the_difference_over_m():
    loss, dpred = layers.mse(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]]))
    assert loss == 2.5
    assert np.array_equal(dpred, [[1.0, -2.0]])
