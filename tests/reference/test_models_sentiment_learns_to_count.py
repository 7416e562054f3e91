"""The sentiment model (Embedding -> cell -> Dense(1, sigmoid)) trains on a toy sentiment task with every cell kind."""

import numpy as np
import pytest

from reference import models, training

GOOD, BAD, V, T = 1, 2, 6, 6


def reviews(rng, n):
    """Sequences of T token ids; positive (1.0) when "good" occurs more often than "bad", ties left out.

    The other ids are neutral words. Counting over the whole sequence needs the hidden state.
    """
    ids = rng.integers(0, V, (4 * n, T))
    lead = (ids == GOOD).sum(axis=1) - (ids == BAD).sum(axis=1)
    keep = lead != 0
    return ids[keep][:n], (lead[keep][:n] > 0).astype(np.float64)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_the_sentiment_model_learns_whether_good_outnumbers_bad_to_over_95_percent_held_out(kind):
    rng = np.random.default_rng(0)
    ids, y = reviews(rng, 512)
    test_ids, test_y = reviews(rng, 256)
    model = models.ManyToOne(kind)
    params, memory = model.init_params(V, 4, 8, rng), None
    first, _ = model.loss(params, ids, y)
    for _ in range(30):
        for start in range(0, len(ids), 32):
            _, grads = model.loss(params, ids[start : start + 32], y[start : start + 32])
            params, memory = training.adagrad(params, grads, memory, lr=0.1)
    p, _ = model.forward(params, test_ids)
    assert np.mean((p > 0.5) == test_y) > 0.95
    assert model.loss(params, ids, y)[0] < 0.1 * first
