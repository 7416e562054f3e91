"""A wrong call to a layer or loss raises ValueError naming the argument, what it got and what was wanted."""

import numpy as np
import pytest

from reference import layers

W = np.zeros((5, 3))
IDS = np.array([[0, 4], [2, 1]])

CASES = [
    ("embedding-id-equal-to-V", lambda: layers.embedding_forward(np.array([[0, 5]]), W), ["ids holds 5 at [0, 1]", "0..4", "(5, 3)"]),
    ("embedding-negative-id", lambda: layers.embedding_forward(np.array([[-1]]), W), ["ids holds -1 at [0, 0]", "0..4"]),
    ("embedding-float-ids", lambda: layers.embedding_forward(np.array([[0.0, 1.0]]), W), ["ids has dtype float64", "integers"]),
    ("embedding-W-with-one-axis", lambda: layers.embedding_forward(IDS, np.zeros(5)), ["W has shape (5,)"]),
    (
        "embedding-backward-dout-of-wrong-width",
        lambda: layers.embedding_backward(np.zeros((2, 2, 4)), layers.embedding_forward(IDS, W)[1]),
        ["dout has shape (2, 2, 4)", "expected (2, 2, 3)"],
    ),
    (
        "dense-W-rows-differ-from-x-features",
        lambda: layers.dense_forward(np.zeros((2, 3)), np.zeros((4, 2)), np.zeros(2)),
        ["W has shape (4, 2)", "D=3", "x of shape (2, 3)"],
    ),
    (
        "dense-b-of-wrong-length",
        lambda: layers.dense_forward(np.zeros((2, 3)), np.zeros((3, 2)), np.zeros(3)),
        ["b has shape (3,)", "(2,)"],
    ),
    (
        "dense-backward-dy-of-wrong-shape",
        lambda: layers.dense_backward(np.zeros((2, 3)), layers.dense_forward(np.zeros((2, 3)), np.zeros((3, 2)), np.zeros(2))[1]),
        ["dy has shape (2, 3)", "expected (2, 2)"],
    ),
    ("softmax-empty-class-axis", lambda: layers.softmax_forward(np.zeros((2, 0))), ["a has shape (2, 0)"]),
    (
        "cross-entropy-label-equal-to-C",
        lambda: layers.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
        ["labels holds 3 at [1]", "0..2"],
    ),
    (
        "cross-entropy-labels-with-class-axis",
        lambda: layers.softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 3), dtype=int)),
        ["labels has shape (2, 3)", "expected (2,)"],
    ),
    ("bce-p-above-one", lambda: layers.binary_cross_entropy(np.array([1.5]), np.array([1.0])), ["p holds 1.5", "[0, 1]", "sigmoid"]),
    ("bce-y-of-wrong-shape", lambda: layers.binary_cross_entropy(np.array([0.5]), np.array([1.0, 0.0])), ["y has shape (2,)", "(1,)"]),
    ("bce-y-negative", lambda: layers.binary_cross_entropy_with_logits(np.array([0.5]), np.array([-1.0])), ["y holds -1.0", "[0, 1]"]),
    ("mse-target-of-wrong-shape", lambda: layers.mse(np.zeros((2, 3)), np.zeros((3, 2))), ["target has shape (3, 2)", "expected (2, 3)"]),
]


@pytest.mark.parametrize("call, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_argument_raises_a_value_error_that_says_what_was_wanted(call, fragments):
    with pytest.raises(ValueError) as raised:
        call()
    for fragment in fragments:
        assert fragment in str(raised.value)
