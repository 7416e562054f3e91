"""Every layer and loss equals torch's own module, forward and every gradient, in float64.

Tolerance: |reference - torch| <= 1e-10 + 1e-13 * |torch| per entry; the
relative part matters only where BCELoss's gradient reaches 1e12 at p = 0 or 1.
Inputs are made read-only before the reference sees them, so a layer that
writes into its arguments fails here too.
"""

import numpy as np
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from checks import strategies
from checks.compare import assert_close
from reference import layers

ATOL, RTOL = 1e-10, 1e-13
SIDE = st.integers(1, 4)


def frozen(*arrays):
    out = tuple(np.array(a) for a in arrays)
    for a in out:
        a.flags.writeable = False
    return out


def leaf(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def numpy(t):
    return t.detach().numpy().copy()


def unit_floats(shape):
    return hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0))


def leading_shapes():
    """(N,) or (N, T): the leading axes a layer sees in the models."""
    return st.lists(SIDE, min_size=1, max_size=2).map(tuple)


@given(data=st.data(), V=SIDE, E=SIDE, N=SIDE, T=SIDE)
def test_embedding_matches_nn_embedding_and_accumulates_repeated_ids(data, V, E, N, T):
    ids = data.draw(hnp.arrays(np.int64, (N, T), elements=st.integers(0, V - 1)), label="ids")
    W = data.draw(strategies.arrays((V, E)), label="W")
    dout = data.draw(strategies.arrays((N, T, E)), label="dout")
    module = torch.nn.Embedding.from_pretrained(torch.tensor(W), freeze=False)
    out_t = module(torch.from_numpy(ids))
    (out_t * torch.tensor(dout)).sum().backward()
    out, cache = layers.embedding_forward(*frozen(ids, W))
    assert_close(numpy(out_t), out, atol=ATOL, rtol=RTOL, name="out")
    assert_close(numpy(module.weight.grad), layers.embedding_backward(*frozen(dout), cache), atol=ATOL, rtol=RTOL, name="dW")


@given(data=st.data(), lead=leading_shapes(), D=SIDE, O=SIDE)
def test_dense_matches_nn_linear(data, lead, D, O):
    x = data.draw(strategies.arrays(lead + (D,)), label="x")
    W, b = data.draw(strategies.arrays((D, O)), label="W"), data.draw(strategies.arrays((O,)), label="b")
    dy = data.draw(strategies.arrays(lead + (O,)), label="dy")
    module = torch.nn.Linear(D, O, dtype=torch.float64)
    module.load_state_dict({"weight": torch.tensor(W.T), "bias": torch.tensor(b)})
    x_t = leaf(x)
    y_t = module(x_t)
    (y_t * torch.tensor(dy)).sum().backward()
    y, cache = layers.dense_forward(*frozen(x, W, b))
    assert_close(numpy(y_t), y, atol=ATOL, rtol=RTOL, name="y")
    expected = {"x": numpy(x_t.grad), "W": numpy(module.weight.grad).T, "b": numpy(module.bias.grad)}
    assert_close(expected, layers.dense_backward(*frozen(dy), cache), atol=ATOL, rtol=RTOL)


@given(data=st.data(), lead=leading_shapes())
def test_sigmoid_matches_torch_sigmoid_even_for_large_inputs(data, lead):
    a = data.draw(strategies.arrays(lead, bound=50.0), label="a")
    dp = data.draw(strategies.arrays(lead), label="dp")
    a_t = leaf(a)
    p_t = torch.sigmoid(a_t)
    (p_t * torch.tensor(dp)).sum().backward()
    p, cache = layers.sigmoid_forward(*frozen(a))
    assert_close(numpy(p_t), p, atol=ATOL, rtol=RTOL, name="p")
    assert_close(numpy(a_t.grad), layers.sigmoid_backward(*frozen(dp), cache), atol=ATOL, rtol=RTOL, name="da")


@given(data=st.data(), lead=leading_shapes(), C=SIDE)
def test_softmax_matches_torch_softmax_even_for_logits_that_would_overflow_exp(data, lead, C):
    a = data.draw(strategies.arrays(lead + (C,), bound=1000.0), label="a")
    dp = data.draw(strategies.arrays(lead + (C,)), label="dp")
    a_t = leaf(a)
    p_t = torch.softmax(a_t, dim=-1)
    (p_t * torch.tensor(dp)).sum().backward()
    p, cache = layers.softmax_forward(*frozen(a))
    assert_close(numpy(p_t), p, atol=ATOL, rtol=RTOL, name="p")
    assert_close(numpy(a_t.grad), layers.softmax_backward(*frozen(dp), cache), atol=ATOL, rtol=RTOL, name="da")


@given(data=st.data(), lead=leading_shapes(), C=SIDE)
def test_softmax_cross_entropy_matches_cross_entropy_loss_over_every_leading_axis(data, lead, C):
    logits = data.draw(strategies.arrays(lead + (C,), bound=100.0), label="logits")
    labels = data.draw(hnp.arrays(np.int64, lead, elements=st.integers(0, C - 1)), label="labels")
    logits_t = leaf(logits)
    loss_t = torch.nn.CrossEntropyLoss()(logits_t.reshape(-1, C), torch.from_numpy(labels).reshape(-1))
    loss_t.backward()
    loss, dlogits = layers.softmax_cross_entropy(*frozen(logits, labels))
    assert_close(loss_t.item(), loss, atol=ATOL, rtol=RTOL, name="loss")
    assert_close(numpy(logits_t.grad), dlogits, atol=ATOL, rtol=RTOL, name="dlogits")


@given(data=st.data(), lead=leading_shapes())
def test_binary_cross_entropy_matches_bce_loss_with_its_clamps_at_zero_and_one(data, lead):
    p = data.draw(unit_floats(lead), label="p")
    y = data.draw(unit_floats(lead), label="y")
    p_t = leaf(p)
    loss_t = torch.nn.BCELoss()(p_t, torch.tensor(y))
    loss_t.backward()
    loss, dp = layers.binary_cross_entropy(*frozen(p, y))
    assert_close(loss_t.item(), loss, atol=ATOL, rtol=RTOL, name="loss")
    assert_close(numpy(p_t.grad), dp, atol=ATOL, rtol=RTOL, name="dp")


@given(data=st.data(), lead=leading_shapes())
def test_binary_cross_entropy_with_logits_matches_bce_with_logits_loss(data, lead):
    a = data.draw(strategies.arrays(lead, bound=100.0), label="a")
    y = data.draw(unit_floats(lead), label="y")
    a_t = leaf(a)
    loss_t = torch.nn.BCEWithLogitsLoss()(a_t, torch.tensor(y))
    loss_t.backward()
    loss, da = layers.binary_cross_entropy_with_logits(*frozen(a, y))
    assert_close(loss_t.item(), loss, atol=ATOL, rtol=RTOL, name="loss")
    assert_close(numpy(a_t.grad), da, atol=ATOL, rtol=RTOL, name="da")


@given(data=st.data(), lead=leading_shapes(), D=SIDE)
def test_mse_matches_mse_loss(data, lead, D):
    pred = data.draw(strategies.arrays(lead + (D,), bound=10.0), label="pred")
    target = data.draw(strategies.arrays(lead + (D,), bound=10.0), label="target")
    pred_t = leaf(pred)
    loss_t = torch.nn.MSELoss()(pred_t, torch.tensor(target))
    loss_t.backward()
    loss, dpred = layers.mse(*frozen(pred, target))
    assert_close(loss_t.item(), loss, atol=ATOL, rtol=RTOL, name="loss")
    assert_close(numpy(pred_t.grad), dpred, atol=ATOL, rtol=RTOL, name="dpred")
