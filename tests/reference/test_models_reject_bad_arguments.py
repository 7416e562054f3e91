"""A wrong call to an architecture or the scratch classifier raises ValueError naming the argument, what it got and what was wanted."""

import numpy as np
import pytest

from reference import models

rng = np.random.default_rng(0)
N, T, V, E, H, C, D = 2, 3, 5, 4, 3, 2, 4
IDS = rng.integers(0, V, (N, T))
M2O = models.ManyToOne("lstm")
M2O_PARAMS = M2O.init_params(V, E, H, rng)
M2M = models.ManyToMany("gru")
M2M_PARAMS = M2M.init_params(V, E, H, C, rng)
O2M = models.OneToMany("rnn")
O2M_PARAMS = O2M.init_params(D, H, rng)
X = rng.standard_normal((N, T, D))


def without(params, key):
    return {k: v for k, v in params.items() if k != key}


def replaced(params, key, value):
    return {**params, key: value}


CASES = [
    ("unknown-kind", lambda: models.ManyToOne("elman"), ["kind='elman'", "'rnn', 'lstm', 'gru'"]),
    ("missing-Wy", lambda: M2O.forward(without(M2O_PARAMS, "Wy"), IDS), ["params is missing 'Wy'", "'embed', 'Wx', 'Wh', 'b', 'Wy', 'by'"]),
    ("unexpected-key", lambda: M2O.forward({**M2O_PARAMS, "bias": 0}, IDS), ["params has unexpected 'bias'"]),
    (
        "many-to-one-with-two-outputs",
        lambda: M2O.forward(replaced(M2O_PARAMS, "Wy", np.zeros((H, 2))), IDS),
        ["params['Wy'] has shape (3, 2)", "expected (3, 1)", "H=3 from params['Wh']"],
    ),
    (
        "cell-reading-another-width-than-the-embedding",
        lambda: M2M.forward(replaced(M2M_PARAMS, "Wx", np.zeros((E + 1, 3 * H))), IDS),
        ["params['Wx'] has shape (5, 9)", "expected (4, 9)", "E=4 from params['embed']"],
    ),
    ("gru-params-for-an-lstm", lambda: M2O.forward(M2M_PARAMS, IDS), ["params is missing 'b'"]),
    ("ids-without-time-axis", lambda: M2O.forward(M2O_PARAMS, IDS[0]), ["ids has shape (3,)", "expected 2 axes (N, T)"]),
    ("id-outside-vocabulary", lambda: M2M.forward(M2M_PARAMS, np.array([[0, V]])), ["ids holds 5 at [0, 1]", "0..4"]),
    ("sentiment-targets-of-wrong-shape", lambda: M2O.loss(M2O_PARAMS, IDS, np.zeros((N, 1))), ["y has shape (2, 1)", "expected (2,)"]),
    ("tag-outside-classes", lambda: M2M.loss(M2M_PARAMS, IDS, np.full((N, T), C)), ["labels holds 2 at [0, 0]", "0..1"]),
    ("generator-x-of-wrong-width", lambda: O2M.forward(O2M_PARAMS, np.zeros((N, D + 1)), 3), ["x has shape (2, 5)", "expected (N, 4)"]),
    ("generator-zero-steps", lambda: O2M.forward(O2M_PARAMS, np.zeros((N, D)), 0), ["steps=0", "at least 1"]),
    ("generator-targets-without-time-axis", lambda: O2M.loss(O2M_PARAMS, np.zeros((N, D)), np.zeros((N, D))), ["targets has shape (2, 4)"]),
    (
        "generator-backward-dys-of-wrong-steps",
        lambda: O2M.backward(np.zeros((N, 2, D)), O2M.forward(O2M_PARAMS, np.zeros((N, D)), 3)[1]),
        ["dys has shape (2, 2, 4)", "expected (2, 3, 4)"],
    ),
    ("classifier-negative-lr", lambda: models.ScratchSimpleRNNClassifier(lr=-0.1), ["lr=-0.1", "above 0"]),
    ("classifier-fractional-epochs", lambda: models.ScratchSimpleRNNClassifier(epochs=2.5), ["epochs=2.5", "an integer"]),
    ("classifier-predict-before-fit", lambda: models.ScratchSimpleRNNClassifier().predict(X), ["not fitted", "fit(X, y)"]),
    (
        "classifier-X-without-time-axis",
        lambda: models.ScratchSimpleRNNClassifier().fit(X[:, 0], [0, 1]),
        ["X has shape (2, 4)", "(N, T, D)"],
    ),
    ("classifier-one-label-short", lambda: models.ScratchSimpleRNNClassifier().fit(X, [0]), ["y has shape (1,)", "expected (2,)"]),
    ("classifier-X_val-without-y_val", lambda: models.ScratchSimpleRNNClassifier().fit(X, [0, 1], X), ["only one of X_val and y_val"]),
    ("classifier-float-labels", lambda: models.ScratchSimpleRNNClassifier().fit(X, [0.0, 1.0]), ["dtype float64", "integer classes"]),
]


@pytest.mark.parametrize("call, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_argument_raises_a_value_error_that_says_what_was_wanted(call, fragments):
    with pytest.raises(ValueError) as raised:
        call()
    for fragment in fragments:
        assert fragment in str(raised.value)
