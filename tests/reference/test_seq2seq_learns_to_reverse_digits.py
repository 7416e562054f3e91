"""Trained with teacher forcing, the encoder-decoder learns to reverse digit strings it never saw.

Sources are 3 to 5 digits (ids 0-9); the target is the same digits reversed,
then EOS. Target ids: 0 BOS, 1 EOS, digit d is d + 2. Each batch has one
length, so no padding is needed. The held-out strings never appear in a
training batch.

Sizes are small (H = 24, batches of 16) so that every matmul stays below
OpenBLAS's threading threshold: on a busy two-core machine a threaded matmul
this size costs ten times the arithmetic in thread hand-offs.
"""

import numpy as np
import pytest

from reference import seq2seq

BOS, EOS, OFFSET = 0, 1, 2
LENGTHS = (3, 4, 5)
HELD_OUT = {L: np.random.default_rng(2024 + L).choice(10**L, size=100, replace=False) for L in LENGTHS}


def _digits(numbers: np.ndarray, length: int) -> np.ndarray:
    return (numbers[:, None] // 10 ** np.arange(length - 1, -1, -1)) % 10


def _reversal_targets(source: np.ndarray) -> np.ndarray:
    return np.concatenate([source[:, ::-1] + OFFSET, np.full((len(source), 1), EOS)], axis=1)


def batches(rng: np.random.Generator, size: int = 16):
    length = int(rng.choice(LENGTHS))
    numbers = rng.integers(0, 10**length, size)
    while (held := np.isin(numbers, HELD_OUT[length])).any():
        numbers[held] = rng.integers(0, 10**length, int(held.sum()))
    source = _digits(numbers, length)
    return source, _reversal_targets(source)


def _model(kind: str, attention: str) -> dict:
    return seq2seq.init_params(10, 10 + OFFSET, embed=16, hidden=24, kind=kind, attention=attention, rng=np.random.default_rng(0))


@pytest.mark.slow
@pytest.mark.parametrize("kind, attention", [("gru", "additive"), ("lstm", "general"), ("rnn", "dot")])
def test_a_trained_model_reverses_held_out_digit_strings(kind, attention):
    result = seq2seq.train(_model(kind, attention), batches, steps=1000, lr=0.05, seed=1, optimizer="adagrad", max_norm=5.0, bos=BOS)
    correct = total = 0
    for length in LENGTHS:
        source = _digits(HELD_OUT[length], length)
        decoded = seq2seq.greedy_decode(result.params, source, max_len=length + 2, bos=BOS, eos=EOS)
        correct += sum(np.array_equal(ids, want) for ids, want in zip(decoded, _reversal_targets(source)))
        total += len(source)
    assert correct / total >= 0.9, f"{correct} of {total} held-out strings reversed; the last losses were {result.losses[-5:]}"
    (best, _), *_ = seq2seq.beam_search(result.params, source[0], 3, max_len=length + 2, bos=BOS, eos=EOS)
    assert np.array_equal(best, _reversal_targets(source[:1])[0])


def test_training_depends_only_on_its_arguments_and_leaves_the_given_params_alone():
    params = _model("gru", "dot")
    frozen = {k: np.array(v) for k, v in params.items()}
    for a in frozen.values():
        a.flags.writeable = False
    state = np.random.get_state()
    first, again, other = (seq2seq.train(frozen, batches, steps=5, lr=0.05, seed=seed) for seed in (3, 3, 4))
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]
    assert all(np.array_equal(params[k], frozen[k]) for k in params)
    assert np.array_equal(first.losses, again.losses)
    assert all(np.array_equal(first.params[k], again.params[k]) for k in params)
    assert not np.array_equal(first.losses, other.losses)
    assert any(not np.array_equal(first.params[k], params[k]) for k in params)


def test_sgd_steps_follow_the_clipped_gradient():
    params = _model("rnn", "additive")
    source, target = batches(np.random.default_rng(7))
    _, grads = seq2seq.loss_and_grads(params, source, target, bos=BOS)
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    result = seq2seq.train(params, lambda rng: (source, target), steps=1, lr=0.1, seed=0, optimizer="sgd", max_norm=norm / 2)
    for k in params:
        np.testing.assert_allclose(result.params[k], params[k] - 0.1 * grads[k] / 2, rtol=1e-12, atol=1e-15)
