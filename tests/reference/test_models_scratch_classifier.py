"""ScratchSimpleRNNClassifier: SGD on the SequenceClassifier's loss, deterministic, and it learns a task that needs memory."""

import numpy as np
import pytest

from reference import models


def largest_sum_task(rng, n, T=6, D=3, margin=1.0):
    """Sequences of D noise features; the label is the feature with the largest sum over all T steps.

    Only sequences whose winner leads the runner-up by ``margin`` are kept, so
    no label hangs on a difference far below the noise. The answer depends on
    every step, not just the last, so the hidden state has to carry it.
    """
    X = rng.standard_normal((4 * n, T, D))
    sums = X.sum(axis=1)
    top_two = np.sort(sums, axis=1)[:, -2:]
    keep = top_two[:, 1] - top_two[:, 0] > margin
    X = X[keep][:n]
    return X, np.argmax(X.sum(axis=1), axis=1)


@pytest.mark.slow
def test_it_learns_which_feature_has_the_largest_sum_to_over_95_percent_held_out():
    rng = np.random.default_rng(0)
    X, y = largest_sum_task(rng, 1024)
    X_test, y_test = largest_sum_task(rng, 512)
    clf = models.ScratchSimpleRNNClassifier(n_nodes=16, lr=0.1, epochs=20, batch_size=32, clip_norm=5.0, seed=0)
    clf.fit(X, y, X_test, y_test)
    assert np.mean(clf.predict(X_test) == y_test) > 0.95
    assert clf.loss_[-1] < 0.5 * clf.loss_[0]
    assert len(clf.val_loss_) == 20


def test_one_full_batch_epoch_is_one_sgd_step_on_the_networks_loss():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((5, 4, 2)), np.array([0, 1, 2, 1, 0])
    network = models.SequenceClassifier("rnn")
    init = network.init_params(2, 3, 3, np.random.default_rng(7))  # fit draws the init first from default_rng(seed)
    _, grads = network.loss(init, X, y)
    clf = models.ScratchSimpleRNNClassifier(n_nodes=3, lr=0.5, epochs=1, batch_size=5, seed=7).fit(X, y)
    # θ <- θ - α g; the batch is the whole set, shuffled, so only the summation order differs.
    for k in init:
        assert np.allclose(clf.params_[k], init[k] - 0.5 * grads[k], atol=1e-14, rtol=0), k


def test_clipping_scales_the_step_to_the_clip_norm():
    rng = np.random.default_rng(1)
    X, y = 3 * rng.standard_normal((5, 4, 2)), np.array([0, 1, 2, 1, 0])
    network = models.SequenceClassifier("rnn")
    init = network.init_params(2, 3, 3, np.random.default_rng(7))
    clf = models.ScratchSimpleRNNClassifier(n_nodes=3, lr=1.0, epochs=1, batch_size=5, clip_norm=1e-3, seed=7).fit(X, y)
    step = np.sqrt(sum(np.sum((clf.params_[k] - init[k]) ** 2) for k in init))
    assert step == pytest.approx(1e-3, rel=1e-9)


def test_fitting_twice_gives_the_same_model_and_leaves_global_random_state_alone():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((12, 3, 2)), rng.integers(0, 2, 12)
    state = np.random.get_state()
    clf = models.ScratchSimpleRNNClassifier(n_nodes=4, epochs=3, batch_size=5, seed=3)
    first = {k: v.copy() for k, v in clf.fit(X, y).params_.items()}
    second = models.ScratchSimpleRNNClassifier(n_nodes=4, epochs=3, batch_size=5, seed=3).fit(X, y).params_
    again = clf.fit(X, y).params_
    for k in first:
        assert np.array_equal(first[k], second[k]) and np.array_equal(first[k], again[k]), k
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


def test_predictions_are_the_callers_labels_and_probabilities_sum_to_one():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((8, 3, 2)), np.array([7, 3, 7, 3, 7, 3, 7, 3])
    clf = models.ScratchSimpleRNNClassifier(n_nodes=4, epochs=2, batch_size=4).fit(X, y)
    assert list(clf.classes_) == [3, 7]
    assert set(clf.predict(X)) <= {3, 7}
    proba = clf.predict_proba(X)
    assert proba.shape == (8, 2) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-15)
    assert np.array_equal(clf.predict(X), np.where(proba[:, 1] > proba[:, 0], 7, 3))
