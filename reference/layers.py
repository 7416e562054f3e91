"""The feed-forward layers and losses that the sequence models put around a recurrent cell.

Shapes: N batch, T time steps, V vocabulary size, E embedding width, D
features in, O features out, C classes; "..." is any leading axes (N, or N
and T), and M is the number of entries a loss averages over.

Embedding (Mines Paristech, Session 3, the embedding section: a learned
lookup in place of high-dimensional one-hot vectors):

    out[n, t] = W[ids[n, t]]             dW[v] = Σ_{n,t: ids[n,t] = v} dout[n, t]

Dense:    y = x W + b                    dx = dy Wᵀ    dW = Σ xᵀ dy    db = Σ dy   (sums over "...")
Sigmoid:  p = σ(a)                       da = dp p (1 - p)
Softmax:  p = e^(a - max a) / Σ_c e^(a_c - max a), over the last axis
                                         da = p (dp - Σ_c dp_c p_c)

Losses return ``(loss, d input)`` and average over M as torch's default
``reduction="mean"`` does:

    softmax_cross_entropy:   L = -1/M Σ log softmax(a)[label]           da = (softmax(a) - onehot(label)) / M
    binary_cross_entropy:    L = -1/M Σ y log p + (1 - y) log(1 - p)    dp = (p - y) / max(p (1 - p), 1e-12) / M
    ..._with_logits:         L = -1/M Σ y log σ(a) + (1 - y) log(1 - σ(a))   da = (σ(a) - y) / M
    mse:                     L = 1/M Σ (pred - target)²                 dpred = 2 (pred - target) / M

``binary_cross_entropy`` follows ``torch.nn.BCELoss`` at the edges too: each
log is clamped at -100, and the 1e-12 floor (float32's nearest, as torch's)
keeps dp finite at p = 0 or 1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import validation
from reference.activations import sigmoid
from reference.validation import fmt_shape

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LOG_FLOOR = -100.0  # torch.nn.BCELoss clamps each log here
BCE_EPSILON = float(np.float32(1e-12))  # and floors p (1 - p) here in its backward, a float32 constant in torch's source


def _floats(name: str, value: npt.ArrayLike, *, min_ndim: int = 1) -> Array:
    """A float64 copy with at least ``min_ndim`` axes, none of them empty, or raise."""
    result = np.array(value, dtype=np.float64, copy=True)
    if result.ndim < min_ndim or 0 in result.shape:
        raise ValueError(f"{name} has shape {fmt_shape(result.shape)}; expected at least {min_ndim} axes, none of them empty")
    return result


def _labels(name: str, value: npt.ArrayLike, shape: tuple[int, ...], count: int, source: str) -> IntArray:
    """An int64 copy of integer ``value`` of ``shape`` with entries in 0..count-1, or raise."""
    result = np.array(value, copy=True)
    if result.dtype.kind not in "iu":
        raise ValueError(f"{name} has dtype {result.dtype}; expected integers in 0..{count - 1}")
    if result.shape != shape:
        raise ValueError(f"{name} has shape {fmt_shape(result.shape)}; expected {fmt_shape(shape)} ({source})")
    if result.size == 0:
        raise ValueError(f"{name} has shape {fmt_shape(result.shape)}; expected at least one entry")
    bad = (result < 0) | (result >= count)
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} holds {int(result[at])} at {list(at)}; expected integers in 0..{count - 1} ({source})")
    return result.astype(np.int64)


def _same_shape(name: str, value: npt.ArrayLike, like: Array, like_name: str) -> Array:
    result = np.array(value, dtype=np.float64, copy=True)
    if result.shape != like.shape:
        raise ValueError(f"{name} has shape {fmt_shape(result.shape)}; expected {fmt_shape(like.shape)}, the shape of {like_name}")
    return result


class EmbeddingCache(NamedTuple):
    ids: IntArray  # (N, T)
    table: tuple[int, int]  # (V, E), the shape of W


def embedding_forward(ids: npt.ArrayLike, W: npt.ArrayLike) -> tuple[Array, EmbeddingCache]:
    """ids (N, T) integers in 0..V-1, W (V, E) -> out (N, T, E), the row of W for each id.

    Any shape of ids works; out has ids' shape plus E.
    """
    W = _floats("W", W, min_ndim=2)
    if W.ndim != 2:
        raise ValueError(f"W has shape {fmt_shape(W.shape)}; expected 2 axes (V, E)")
    ids = np.array(ids, copy=True)
    ids = _labels("ids", ids, ids.shape, W.shape[0], f"rows of W of shape {fmt_shape(W.shape)}")
    return W[ids], EmbeddingCache(ids, W.shape)


def embedding_backward(dout: npt.ArrayLike, cache: EmbeddingCache) -> Array:
    """dout (N, T, E) -> dW (V, E); an id that occurs several times gets the sum of its rows of dout."""
    V, E = cache.table
    dout = validation.gradient("dout", dout, cache.ids.shape + (E,))
    dW = np.zeros((V, E))
    np.add.at(dW, cache.ids.reshape(-1), dout.reshape(-1, E))
    return dW


class DenseCache(NamedTuple):
    x: Array  # (..., D)
    W: Array  # (D, O)


def dense_forward(x: npt.ArrayLike, W: npt.ArrayLike, b: npt.ArrayLike) -> tuple[Array, DenseCache]:
    """x (..., D), W (D, O), b (O,) -> y (..., O)."""
    x = _floats("x", x)
    W = _floats("W", W, min_ndim=2)
    if W.shape[:1] != x.shape[-1:] or W.ndim != 2:
        raise ValueError(
            f"W has shape {fmt_shape(W.shape)}; expected (D, O) with D={x.shape[-1]}, the last axis of x of shape {fmt_shape(x.shape)}"
        )
    b = np.array(b, dtype=np.float64, copy=True)
    if b.shape != W.shape[1:]:
        raise ValueError(f"b has shape {fmt_shape(b.shape)}; expected ({W.shape[1]},), O from W of shape {fmt_shape(W.shape)}")
    return x @ W + b, DenseCache(x, W)


def dense_backward(dy: npt.ArrayLike, cache: DenseCache) -> dict[str, Array]:
    """dy (..., O) -> grads x (..., D), W (D, O), b (O,)."""
    D, O = cache.W.shape
    dy = validation.gradient("dy", dy, cache.x.shape[:-1] + (O,))
    rows = dy.reshape(-1, O)
    return {"x": dy @ cache.W.T, "W": cache.x.reshape(-1, D).T @ rows, "b": rows.sum(axis=0)}


class SigmoidCache(NamedTuple):
    p: Array  # the output, any shape


def sigmoid_forward(a: npt.ArrayLike) -> tuple[Array, SigmoidCache]:
    """a (any shape) -> p = σ(a), the same shape."""
    p = sigmoid(_floats("a", a, min_ndim=0))
    return p, SigmoidCache(p)


def sigmoid_backward(dp: npt.ArrayLike, cache: SigmoidCache) -> Array:
    """dp (the output's shape) -> da."""
    dp = validation.gradient("dp", dp, cache.p.shape)
    return dp * cache.p * (1.0 - cache.p)


class SoftmaxCache(NamedTuple):
    p: Array  # (..., C)


def log_softmax(a: Array) -> Array:
    """log softmax over the last axis, (..., C) -> (..., C)."""
    # Shifting by the max leaves softmax unchanged and keeps every exponent <= 0, so nothing overflows.
    z = a - a.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax_forward(a: npt.ArrayLike) -> tuple[Array, SoftmaxCache]:
    """a (..., C) -> p (..., C), each row over the last axis summing to 1."""
    p = np.exp(log_softmax(_floats("a", a)))
    return p, SoftmaxCache(p)


def softmax_backward(dp: npt.ArrayLike, cache: SoftmaxCache) -> Array:
    """dp (..., C) -> da (..., C)."""
    dp = validation.gradient("dp", dp, cache.p.shape)
    return cache.p * (dp - (dp * cache.p).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(logits: npt.ArrayLike, labels: npt.ArrayLike) -> tuple[float, Array]:
    """logits (..., C), labels (...) integers in 0..C-1 -> (mean loss, dlogits (..., C)).

    As ``torch.nn.CrossEntropyLoss`` on logits flattened to (M, C), M the number of labels.
    """
    logits = _floats("logits", logits)
    C = logits.shape[-1]
    labels = _labels("labels", labels, logits.shape[:-1], C, f"one class per row of logits of shape {fmt_shape(logits.shape)}")
    log_p = log_softmax(logits).reshape(-1, C)
    rows = np.arange(log_p.shape[0])
    M = log_p.shape[0]
    flat = labels.reshape(-1)
    dlogits = np.exp(log_p)
    dlogits[rows, flat] -= 1.0
    dlogits /= M
    return float(-log_p[rows, flat].sum() / M), dlogits.reshape(logits.shape)


def _targets(y: npt.ArrayLike, like: Array, like_name: str) -> Array:
    y = _same_shape("y", y, like, like_name)
    if not ((y >= 0) & (y <= 1)).all():
        raise ValueError(f"y holds {float(y[~((y >= 0) & (y <= 1))][0])!r}; expected targets in [0, 1]")
    return y


def binary_cross_entropy(p: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, Array]:
    """p (any shape) probabilities in [0, 1], y targets in [0, 1] of the same shape -> (mean loss, dp).

    As ``torch.nn.BCELoss``, clamps included (see the module docstring).
    """
    p = _floats("p", p, min_ndim=0)
    if not ((p >= 0) & (p <= 1)).all():
        raise ValueError(f"p holds {float(p[~((p >= 0) & (p <= 1))][0])!r}; expected probabilities in [0, 1] (apply sigmoid first)")
    y = _targets(y, p, "p")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), LOG_FLOOR)
        log_q = np.maximum(np.log1p(-p), LOG_FLOOR)
    M = p.size
    loss = -(y * log_p + (1.0 - y) * log_q).sum() / M
    dp = (p - y) / np.maximum(p * (1.0 - p), BCE_EPSILON) / M
    return float(loss), dp


def binary_cross_entropy_with_logits(a: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, Array]:
    """a (any shape) logits, y targets in [0, 1] -> (mean loss, da); as ``torch.nn.BCEWithLogitsLoss``.

    Stable for any a: log σ(a) = -(max(-a, 0) + log(1 + e^-|a|)), with no exp of a large number.
    """
    a = _floats("a", a, min_ndim=0)
    y = _targets(y, a, "a")
    softplus_minus_a = np.maximum(-a, 0.0) + np.log1p(np.exp(-np.abs(a)))  # -log σ(a)
    # -log(1 - σ(a)) = -log σ(-a) = a - log σ(a)
    loss = (softplus_minus_a + (1.0 - y) * a).sum() / a.size
    return float(loss), (sigmoid(a) - y) / a.size


def mse(pred: npt.ArrayLike, target: npt.ArrayLike) -> tuple[float, Array]:
    """pred and target of the same shape -> (mean squared error, dpred); as ``torch.nn.MSELoss``."""
    pred = _floats("pred", pred, min_ndim=0)
    diff = pred - _same_shape("target", target, pred, "pred")
    return float(np.square(diff).sum() / pred.size), 2.0 * diff / pred.size
