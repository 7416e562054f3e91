"""Every layer's and loss's analytic gradient agrees with centred finite differences.

Per entry, |numeric - analytic| <= 1e-6 * |numeric| + 1e-8. A loss is one
scalar output with upstream gradient 1. Probabilities stay inside [0.05, 0.95],
away from binary cross-entropy's clamps, where it is not differentiable.
"""

import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from checks import strategies
from checks.compare import assert_close
from checks.gradcheck import numerical_gradients
from reference import layers

RTOL, ATOL = 1e-6, 1e-8
SIDE = st.integers(1, 4)
ONE = (np.array(1.0),)


def leading_shapes():
    return st.lists(SIDE, min_size=1, max_size=2).map(tuple)


def scalar(loss_and_grad):
    return (np.array(loss_and_grad[0]),)


@given(data=st.data(), V=SIDE, E=SIDE, N=SIDE, T=SIDE)
def test_embedding_gradient_matches_finite_differences(data, V, E, N, T):
    ids = data.draw(hnp.arrays(np.int64, (N, T), elements=st.integers(0, V - 1)), label="ids")
    W = data.draw(strategies.arrays((V, E)), label="W")
    dout = data.draw(strategies.arrays((N, T, E)), label="dout")
    numeric = numerical_gradients(lambda: (layers.embedding_forward(ids, W)[0],), {"W": W}, (dout,))
    analytic = layers.embedding_backward(dout, layers.embedding_forward(ids, W)[1])
    assert_close(numeric, {"W": analytic}, atol=ATOL, rtol=RTOL)


@given(data=st.data(), lead=leading_shapes(), D=SIDE, O=SIDE)
def test_dense_gradients_match_finite_differences(data, lead, D, O):
    x, W, b = (data.draw(strategies.arrays(s), label=n) for n, s in (("x", lead + (D,)), ("W", (D, O)), ("b", (O,))))
    dy = data.draw(strategies.arrays(lead + (O,)), label="dy")
    numeric = numerical_gradients(lambda: (layers.dense_forward(x, W, b)[0],), {"x": x, "W": W, "b": b}, (dy,))
    assert_close(numeric, layers.dense_backward(dy, layers.dense_forward(x, W, b)[1]), atol=ATOL, rtol=RTOL)


@given(data=st.data(), lead=leading_shapes())
def test_sigmoid_gradient_matches_finite_differences(data, lead):
    a = data.draw(strategies.arrays(lead, bound=5.0), label="a")
    dp = data.draw(strategies.arrays(lead), label="dp")
    numeric = numerical_gradients(lambda: (layers.sigmoid_forward(a)[0],), {"a": a}, (dp,))
    assert_close(numeric, {"a": layers.sigmoid_backward(dp, layers.sigmoid_forward(a)[1])}, atol=ATOL, rtol=RTOL)


@given(data=st.data(), lead=leading_shapes(), C=SIDE)
def test_softmax_gradient_matches_finite_differences(data, lead, C):
    a = data.draw(strategies.arrays(lead + (C,), bound=5.0), label="a")
    dp = data.draw(strategies.arrays(lead + (C,)), label="dp")
    numeric = numerical_gradients(lambda: (layers.softmax_forward(a)[0],), {"a": a}, (dp,))
    assert_close(numeric, {"a": layers.softmax_backward(dp, layers.softmax_forward(a)[1])}, atol=ATOL, rtol=RTOL)


@given(data=st.data(), lead=leading_shapes(), C=SIDE)
def test_softmax_cross_entropy_gradient_matches_finite_differences(data, lead, C):
    logits = data.draw(strategies.arrays(lead + (C,), bound=5.0), label="logits")
    labels = data.draw(hnp.arrays(np.int64, lead, elements=st.integers(0, C - 1)), label="labels")
    numeric = numerical_gradients(lambda: scalar(layers.softmax_cross_entropy(logits, labels)), {"logits": logits}, ONE)
    assert_close(numeric, {"logits": layers.softmax_cross_entropy(logits, labels)[1]}, atol=ATOL, rtol=RTOL)


@given(data=st.data(), lead=leading_shapes())
def test_binary_cross_entropy_gradient_matches_finite_differences(data, lead):
    p = data.draw(hnp.arrays(np.float64, lead, elements=st.floats(0.05, 0.95)), label="p")
    y = data.draw(hnp.arrays(np.float64, lead, elements=st.floats(0.0, 1.0)), label="y")
    numeric = numerical_gradients(lambda: scalar(layers.binary_cross_entropy(p, y)), {"p": p}, ONE)
    assert_close(numeric, {"p": layers.binary_cross_entropy(p, y)[1]}, atol=ATOL, rtol=RTOL)


@given(data=st.data(), lead=leading_shapes())
def test_binary_cross_entropy_with_logits_gradient_matches_finite_differences(data, lead):
    a = data.draw(strategies.arrays(lead, bound=5.0), label="a")
    y = data.draw(hnp.arrays(np.float64, lead, elements=st.floats(0.0, 1.0)), label="y")
    numeric = numerical_gradients(lambda: scalar(layers.binary_cross_entropy_with_logits(a, y)), {"a": a}, ONE)
    assert_close(numeric, {"a": layers.binary_cross_entropy_with_logits(a, y)[1]}, atol=ATOL, rtol=RTOL)


@given(data=st.data(), lead=leading_shapes())
def test_mse_gradient_matches_finite_differences(data, lead):
    pred, target = data.draw(strategies.arrays(lead), label="pred"), data.draw(strategies.arrays(lead), label="target")
    numeric = numerical_gradients(lambda: scalar(layers.mse(pred, target)), {"pred": pred}, ONE)
    assert_close(numeric, {"pred": layers.mse(pred, target)[1]}, atol=ATOL, rtol=RTOL)
