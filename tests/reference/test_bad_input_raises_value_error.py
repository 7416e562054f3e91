"""A wrong call raises ValueError naming the argument, the shape it got and the shape it wanted."""

import numpy as np
import pytest

from reference import gru, lstm, rnn, stacked

rng = np.random.default_rng(0)
N, T, D, H = 2, 5, 3, 4
X = rng.standard_normal((N, T, D))
RNN = rnn.init_params(D, H, rng)
LSTM = lstm.init_params(D, H, rng)
GRU = gru.init_params(D, H, rng)


def without(params, key):
    return {k: v for k, v in params.items() if k != key}


def replaced(params, key, value):
    return {**params, key: value}


CASES = [
    ("x-with-two-axes", lambda: rnn.forward(X[0], RNN), ["x has shape (5, 3)", "expected 3 axes (N, T, D)"]),
    ("x-with-no-steps", lambda: rnn.forward(X[:, :0], RNN), ["x has shape (2, 0, 3)", "at least 1"]),
    (
        "x-features-differ-from-Wx-rows",
        lambda: rnn.forward(X[..., :2], RNN),
        ["params['Wx'] has shape (3, 4)", "expected (2, 4)", "D=2", "x of shape (2, 5, 2)"],
    ),
    ("rnn-missing-Wh", lambda: rnn.forward(X, without(RNN, "Wh")), ["params is missing 'Wh'", "expected keys 'Wx', 'Wh', 'b'"]),
    ("rnn-bias-of-wrong-length", lambda: rnn.forward(X, replaced(RNN, "b", np.zeros(5))), ["params['b'] has shape (5,)", "expected (4,)"]),
    (
        "rnn-Wh-not-square",
        lambda: rnn.forward(X, replaced(RNN, "Wh", np.zeros((4, 3)))),
        ["params['Wh'] has shape (4, 3)", "expected (H, H)"],
    ),
    ("rnn-h0-of-wrong-batch", lambda: rnn.forward(X, RNN, h0=np.zeros((3, H))), ["h0 has shape (3, 4)", "expected (2, 4)", "N=2, H=4"]),
    ("rnn-unknown-activation", lambda: rnn.forward(X, RNN, activation="elu"), ["activation='elu'", "'tanh', 'relu', 'sigmoid'"]),
    (
        "lstm-Wh-without-four-blocks",
        lambda: lstm.forward(X, replaced(LSTM, "Wh", np.zeros((H, 3 * H)))),
        ["params['Wh'] has shape (4, 12)", "expected (H, 4*H)"],
    ),
    ("lstm-c0-of-wrong-width", lambda: lstm.forward(X, LSTM, c0=np.zeros((N, H + 1))), ["c0 has shape (2, 5)", "expected (2, 4)"]),
    ("lstm-missing-b", lambda: lstm.forward(X, without(LSTM, "b")), ["params is missing 'b'"]),
    (
        "gru-missing-both-biases",
        lambda: gru.forward(X, without(without(GRU, "bx"), "bh")),
        ["params is missing 'bx', 'bh'", "'Wx', 'Wh', 'bx', 'bh'"],
    ),
    ("gru-h0-with-time-axis", lambda: gru.forward(X, GRU, h0=np.zeros((N, T, H))), ["h0 has shape (2, 5, 4)", "expected (2, 4)"]),
    ("step-x-with-time-axis", lambda: rnn.step_forward(X, np.zeros((N, H)), RNN), ["x has shape (2, 5, 3)", "expected 2 axes (N, D)"]),
    (
        "step-h_prev-missing-batch",
        lambda: lstm.step_forward(X[:, 0], np.zeros(H), np.zeros((N, H)), LSTM),
        ["h_prev has shape (4,)", "expected (2, 4)"],
    ),
    (
        "backward-dhs-of-wrong-shape",
        lambda: rnn.backward(np.zeros((N, T, H + 1)), rnn.forward(X, RNN)[1]),
        ["dhs has shape (2, 5, 5)", "expected (2, 5, 4)"],
    ),
    (
        "lstm-backward-dc_last-of-wrong-shape",
        lambda: lstm.backward(np.zeros((N, T, H)), lstm.forward(X, LSTM)[1], dc_last=np.zeros((1, H))),
        ["dc_last has shape (1, 4)", "expected (2, 4)"],
    ),
    (
        "stack-odd-cell-count-bidirectional",
        lambda: stacked.forward(X, [RNN] * 3, kind="rnn", bidirectional=True),
        ["cells has 3 entries", "multiple of 2"],
    ),
    (
        "stack-upper-layer-reading-x-width",
        lambda: stacked.forward(X, [RNN, RNN], kind="rnn"),
        ["cells[1]['Wx'] has shape (3, 4)", "expected (4, 4)", "the output of layer 0"],
    ),
    (
        "stack-h0-without-layer-axis",
        lambda: stacked.forward(X, [RNN], kind="rnn", h0=np.zeros((N, H))),
        ["h0 has shape (2, 4)", "expected (1, 2, 4)"],
    ),
    ("stack-c0-for-a-gru", lambda: stacked.forward(X, [GRU], kind="gru", c0=np.zeros((1, N, H))), ["c0 applies only to kind='lstm'"]),
    (
        "stack-activation-for-an-lstm",
        lambda: stacked.forward(X, [LSTM], kind="lstm", activation="relu"),
        ["activation='relu' applies only to kind='rnn'"],
    ),
    ("stack-unknown-kind", lambda: stacked.forward(X, [RNN], kind="elman"), ["kind='elman'", "'rnn', 'lstm', 'gru'"]),
]


@pytest.mark.parametrize("call, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_value_error_that_says_what_was_wanted(call, fragments):
    with pytest.raises(ValueError) as raised:
        call()
    for fragment in fragments:
        assert fragment in str(raised.value)
