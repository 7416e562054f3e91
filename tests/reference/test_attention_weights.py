"""What the attention weights are: a distribution over the valid positions, and nothing else.

Also: the reference leaves its inputs and the global random state alone, and a
wrong call raises ValueError naming the argument.
"""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from checks import strategies
from reference import attention
from tests.reference.test_attention_matches_torch_and_finite_differences import cases


@pytest.mark.parametrize("score", attention.SCORES)
@given(data=st.data())
def test_weights_sum_to_one_over_valid_positions_and_are_zero_on_masked_ones(score, data):
    case = data.draw(cases(score), label="case")
    context, alpha, _ = attention.forward(case.s, case.h, case.params, score=score, mask=case.mask)
    mask = np.ones(case.h.shape[:2], dtype=bool) if case.mask is None else case.mask
    if alpha.ndim == 3:  # M queries per sequence share the sequence's mask
        mask, context = np.broadcast_to(mask[:, None, :], alpha.shape), context.reshape(-1, context.shape[-1])
    assert np.all(alpha[~mask] == 0.0)
    assert np.all(alpha[mask] >= 0.0)
    np.testing.assert_allclose(alpha.sum(axis=-1), 1.0, rtol=0, atol=1e-14)
    # The context is a convex combination of the valid states, so it stays inside their per-feature range.
    valid_h = np.where(mask.reshape(-1, mask.shape[-1])[..., None], np.repeat(case.h, len(context) // len(case.h), axis=0), np.nan)
    assert np.all(context >= np.nanmin(valid_h, axis=1) - 1e-12) and np.all(context <= np.nanmax(valid_h, axis=1) + 1e-12)


@given(data=st.data())
def test_dot_attention_over_identical_keys_is_uniform_and_returns_the_key(data):
    N, T, H = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    key = data.draw(strategies.arrays((N, 1, H), bound=3.0), label="key")
    s = data.draw(strategies.arrays((N, H), bound=3.0), label="s")
    context, alpha, _ = attention.forward(s, np.repeat(key, T, axis=1), {}, score="dot")
    np.testing.assert_allclose(alpha, np.full((N, T), 1.0 / T), rtol=0, atol=1e-15)
    np.testing.assert_allclose(context, key[:, 0], rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("score", attention.SCORES)
@given(data=st.data())
def test_several_queries_at_once_are_each_attended_as_if_alone(score, data):
    case = data.draw(cases(score), label="case")
    queries = case.s if case.s.ndim == 3 else case.s[:, None, :]
    context, alpha, _ = attention.forward(queries, case.h, case.params, score=score, mask=case.mask)
    for m in range(queries.shape[1]):
        alone_context, alone_alpha, _ = attention.forward(queries[:, m], case.h, case.params, score=score, mask=case.mask)
        np.testing.assert_allclose(context[:, m], alone_context, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(alpha[:, m], alone_alpha, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("score", attention.SCORES)
def test_masking_a_position_is_the_same_as_leaving_it_out(score):
    rng = np.random.default_rng(0)
    N, T, H = 3, 5, 4
    s, h = rng.standard_normal((N, H)), rng.standard_normal((N, T, H))
    params = attention.init_params(score, H, H, rng, A=3 if score == "additive" else None)
    keep = np.array([0, 2, 3])
    mask = np.zeros((N, T), dtype=bool)
    mask[:, keep] = True
    context, alpha, _ = attention.forward(s, h, params, score=score, mask=mask)
    context_kept, alpha_kept, _ = attention.forward(s, h[:, keep], params, score=score)
    np.testing.assert_allclose(context, context_kept, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(alpha[:, keep], alpha_kept, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("score", attention.SCORES)
@given(data=st.data())
def test_attention_leaves_its_inputs_and_the_global_random_state_alone(score, data):
    case = data.draw(cases(score), label="case")
    frozen = [np.array(a) for a in (case.s, case.h, case.dcontext, *case.params.values())]
    for a in frozen:
        a.flags.writeable = False
    s, h, dcontext, *values = frozen
    state = np.random.get_state()
    _, _, cache = attention.forward(s, h, dict(zip(case.params, values)), score=score, mask=case.mask)
    attention.backward(dcontext, cache, case.dalpha)
    for original, kept in zip((case.s, case.h, case.dcontext, *case.params.values()), frozen):
        assert np.array_equal(original, kept)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


S, H3 = np.zeros((2, 3)), np.zeros((2, 4, 3))
BAD_CALLS = [
    ("unknown-score", lambda: attention.forward(S, H3, {}, score="cosine"), "score='cosine' is not one of 'additive', 'dot', 'general'"),
    ("dot-with-different-widths", lambda: attention.forward(np.zeros((2, 2)), H3, {}, score="dot"), "the dot score needs Hq == Hk"),
    ("batch-mismatch", lambda: attention.forward(np.zeros((1, 3)), H3, {}, score="dot"), "differs from h's N=2"),
    ("general-W-of-wrong-shape", lambda: attention.forward(S, H3, {"W": np.zeros((3, 2))}, score="general"), r"params\['W'\] has shape"),
    ("additive-without-v", lambda: attention.forward(S, H3, {"Ws": np.zeros((3, 2))}, score="additive"), "the additive score needs v"),
    ("mask-of-wrong-shape", lambda: attention.forward(S, H3, {}, score="dot", mask=np.ones((2, 3), bool)), "mask has shape"),
    ("mask-row-all-masked", lambda: attention.forward(S, H3, {}, score="dot", mask=[[1, 1, 0, 0], [0, 0, 0, 0]]), "mask row 1"),
    ("dcontext-of-wrong-shape", lambda: attention.backward(np.zeros((2, 2)), attention.forward(S, H3, {}, score="dot")[2]), "dcontext"),
]


@pytest.mark.parametrize("call, message", [(c, m) for _, c, m in BAD_CALLS], ids=[i for i, _, _ in BAD_CALLS])
def test_a_wrong_call_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
