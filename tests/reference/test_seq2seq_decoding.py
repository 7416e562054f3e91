"""Greedy decoding and beam search return what the model says they should.

The model's log-probability of a sequence is computed directly, with torch
under teacher forcing (``TorchSeq2Seq``): the sum of log-softmax at each of
its tokens, given the true previous ones.
"""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from reference import seq2seq
from tests.reference.test_seq2seq_matches_torch_and_finite_differences import MODELS, TorchSeq2Seq, cases, model_id

# Every kind and every attention, though not every pair.
SMALL_MODELS = [("rnn", "additive"), ("lstm", "dot"), ("gru", "general"), ("gru", None)]


def torch_log_prob(model: TorchSeq2Seq, source, ids, bos) -> float:
    """Σ_t log p(ids_t | ids_<t, source), by torch under teacher forcing."""
    with torch.no_grad():
        log_probs = model(source[None], ids[None], bos)[0].numpy()
    return float(log_probs[np.arange(len(ids)), ids].sum())


@st.composite
def searches(draw, model):
    case = draw(cases(*model), label="case")
    vocab = case.params["tgt_embed"].shape[0]
    eos = draw(st.none() | st.integers(0, vocab - 1), label="eos")
    return case, draw(st.integers(1, 4), label="beam_width"), draw(st.integers(1, 4), label="max_len"), eos


@pytest.mark.parametrize("model", MODELS, ids=model_id)
@given(data=st.data())
def test_beam_search_of_width_one_is_greedy_decoding(model, data):
    case, _, max_len, eos = data.draw(searches(model))
    source = case.source[:1]
    (best, _), *rest = seq2seq.beam_search(case.params, source[0], 1, max_len, bos=case.bos, eos=eos)
    (greedy,) = seq2seq.greedy_decode(case.params, source, max_len, bos=case.bos, eos=eos)
    assert rest == []
    assert np.array_equal(best, greedy), f"beam {best} != greedy {greedy}"


@pytest.mark.parametrize("model", SMALL_MODELS, ids=model_id)
@given(data=st.data())
def test_beam_hypotheses_are_sorted_and_scored_by_the_models_summed_log_probabilities(model, data):
    case, width, max_len, eos = data.draw(searches(model))
    hypotheses = seq2seq.beam_search(case.params, case.source[0], width, max_len, bos=case.bos, eos=eos)
    scores = [score for _, score in hypotheses]
    assert 1 <= len(hypotheses) <= width
    assert scores == sorted(scores, reverse=True)
    assert len({tuple(ids) for ids, _ in hypotheses}) == len(hypotheses), "a hypothesis appears twice"
    oracle = TorchSeq2Seq(case.params)
    for ids, score in hypotheses:
        assert 1 <= len(ids) <= max_len
        ended = eos is not None and ids[-1] == eos
        assert ended or len(ids) == max_len, f"{ids} stopped before max_len={max_len} without eos={eos}"
        assert eos is None or eos not in ids[:-1], f"{ids} runs past eos={eos}"
        expected = torch_log_prob(oracle, case.source[0], ids, case.bos)
        assert abs(score - expected) <= 1e-10 + 1e-13 * abs(expected), f"{ids}: score {score!r}, torch {expected!r}"


@pytest.mark.parametrize("model", SMALL_MODELS, ids=model_id)
@given(data=st.data())
def test_a_beam_as_wide_as_every_sequence_returns_every_sequence_ranked(model, data):
    case = data.draw(cases(*model), label="case")
    vocab = case.params["tgt_embed"].shape[0]
    max_len = data.draw(st.integers(1, 3 if vocab <= 3 else 2), label="max_len")
    every = np.array(list(itertools.product(range(vocab), repeat=max_len)), dtype=np.int64)
    _, log_probs, _ = seq2seq.forward(case.params, np.repeat(case.source[:1], len(every), axis=0), every, bos=case.bos)
    exact = dict(zip(map(tuple, every), log_probs.sum(axis=1)))
    hypotheses = seq2seq.beam_search(case.params, case.source[0], len(every), max_len, bos=case.bos)
    assert sorted(tuple(ids) for ids, _ in hypotheses) == sorted(exact)
    for ids, score in hypotheses:
        assert abs(score - exact[tuple(ids)]) <= 1e-10
    assert [s for _, s in hypotheses] == sorted((s for _, s in hypotheses), reverse=True)


@pytest.mark.parametrize("model", SMALL_MODELS, ids=model_id)
@given(data=st.data())
def test_greedy_decoding_picks_the_most_probable_token_after_its_own_prefix(model, data):
    case, _, max_len, eos = data.draw(searches(model))
    decoded = seq2seq.greedy_decode(case.params, case.source, max_len, bos=case.bos, eos=eos)
    assert len(decoded) == len(case.source)
    for source, ids in zip(case.source, decoded):
        assert 1 <= len(ids) <= max_len
        assert eos is None or eos not in ids[:-1]
        assert len(ids) == max_len or ids[-1] == eos
        _, _, cache = seq2seq.forward(case.params, source[None], ids[None], bos=case.bos)
        chosen = cache.log_probs[0, np.arange(len(ids)), ids]
        assert np.all(chosen >= cache.log_probs[0].max(axis=1) - 1e-12)


PARAMS = seq2seq.init_params(4, 5, embed=2, hidden=3, rng=np.random.default_rng(0))
SOURCE = np.array([[1, 2, 3]])
BAD_CALLS = [
    ("float-ids", lambda: seq2seq.greedy_decode(PARAMS, SOURCE.astype(float), 3), "source_ids has dtype float64; expected integer"),
    ("id-out-of-vocabulary", lambda: seq2seq.greedy_decode(PARAMS, SOURCE + 1, 3), r"expected ids in 0..3"),
    ("beam-given-a-batch", lambda: seq2seq.beam_search(PARAMS, SOURCE, 2, 3), r"source_ids has shape \(1, 3\); expected 1 nonempty"),
    ("beam-width-zero", lambda: seq2seq.beam_search(PARAMS, SOURCE[0], 0, 3), "beam_width=0 should be an integer of at least 1"),
    ("max-len-zero", lambda: seq2seq.greedy_decode(PARAMS, SOURCE, 0), "max_len=0"),
    ("eos-outside-target-vocabulary", lambda: seq2seq.greedy_decode(PARAMS, SOURCE, 3, eos=5), r"eos=5 should be a target id in 0..4"),
    ("missing-param", lambda: seq2seq.greedy_decode({k: v for k, v in PARAMS.items() if k != "dec.bh"}, SOURCE, 3), "lacks"),
    (
        "unknown-attention",
        lambda: seq2seq.init_params(4, 5, embed=2, hidden=3, rng=np.random.default_rng(0), attention="hard"),
        "attention='hard' is not one of",
    ),
    (
        "batches-differ",
        lambda: seq2seq.loss_and_grads(PARAMS, SOURCE, np.zeros((2, 3), dtype=int)),
        "source_ids has N=1 sequences but target_ids has N=2",
    ),
]


@pytest.mark.parametrize("call, message", [(c, m) for _, c, m in BAD_CALLS], ids=[i for i, _, _ in BAD_CALLS])
def test_a_wrong_call_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_loss_and_decoding_leave_the_params_and_the_global_random_state_alone():
    params = seq2seq.init_params(4, 5, embed=2, hidden=3, kind="lstm", attention="general", rng=np.random.default_rng(1))
    frozen = {k: np.array(v) for k, v in params.items()}
    for a in frozen.values():
        a.flags.writeable = False
    source, target = np.array([[1, 2, 3], [0, 3, 3]]), np.array([[4, 1], [2, 2]])
    state = np.random.get_state()
    seq2seq.loss_and_grads(frozen, source, target)
    seq2seq.greedy_decode(frozen, source, 3, eos=1)
    seq2seq.beam_search(frozen, source[0], 3, 3, eos=1)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]
    assert all(np.array_equal(params[k], frozen[k]) for k in params)
