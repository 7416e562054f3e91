"""Stanford CS231n assignment 3's RNN and LSTM layers, in the course's layout: thin adapters of ``rnn``, ``lstm`` and
``layers``, not new copies of their equations.

Batch-first, row vectors. Shapes: N batch, T time steps, D features, H hidden units, V vocabulary.

    rnn_step_forward(x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,)) -> next_h (N, H), cache
        next_h = tanh(x Wx + prev_h Wh + b)
    rnn_step_backward(dnext_h, cache) -> dx, dprev_h, dWx, dWh, db
    rnn_forward(x (N, T, D), h0 (N, H), Wx, Wh, b) -> h (N, T, H), cache
    rnn_backward(dh (N, T, H), cache) -> dx, dh0, dWx, dWh, db
    word_embedding_forward(x (N, T) integers in 0..V-1, W (V, D)) -> out (N, T, D), cache
    word_embedding_backward(dout (N, T, D), cache) -> dW (V, D), repeated indices accumulating
    lstm_step_forward(x, prev_h, prev_c, Wx (D, 4H), Wh (H, 4H), b (4H,)) -> next_h, next_c, cache
    lstm_step_backward(dnext_h, dnext_c, cache) -> dx, dprev_h, dprev_c, dWx, dWh, db
    lstm_forward(x, h0, Wx, Wh, b) -> h (N, T, H), cache            (c0 = 0)
    lstm_backward(dh, cache) -> dx, dh0, dWx, dWh, db

The LSTM's gate blocks are in the course's order i, f, o, g (``lstm`` keeps torch's i, f, g, o): the adapters swap
the last two blocks of Wx, Wh and b on the way in and of their gradients on the way out (``to_torch_order``, its own
inverse). A cache is the wrapped module's cache; the course's own caches are opaque to the grader too.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reference import layers, lstm, rnn

Array = npt.NDArray[np.float64]


def _rnn_params(Wx: npt.ArrayLike, Wh: npt.ArrayLike, b: npt.ArrayLike) -> dict[str, npt.ArrayLike]:
    return {"Wx": Wx, "Wh": Wh, "b": b}


def rnn_step_forward(x, prev_h, Wx, Wh, b) -> tuple[Array, rnn.StepCache]:
    """x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,) -> next_h (N, H), cache."""
    return rnn.step_forward(x, prev_h, _rnn_params(Wx, Wh, b))


def rnn_step_backward(dnext_h, cache: rnn.StepCache) -> tuple[Array, Array, Array, Array, Array]:
    """dnext_h (N, H) -> dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,)."""
    g = rnn.step_backward(dnext_h, cache)
    return g["x"], g["h_prev"], g["Wx"], g["Wh"], g["b"]


def rnn_forward(x, h0, Wx, Wh, b) -> tuple[Array, rnn.Cache]:
    """x (N, T, D), h0 (N, H) -> h (N, T, H), every step's hidden state, and the cache."""
    return rnn.forward(x, _rnn_params(Wx, Wh, b), h0)


def rnn_backward(dh, cache: rnn.Cache) -> tuple[Array, Array, Array, Array, Array]:
    """dh (N, T, H), the upstream gradient of every step's h -> dx (N, T, D), dh0 (N, H), dWx, dWh, db."""
    g = rnn.backward(dh, cache)
    return g["x"], g["h0"], g["Wx"], g["Wh"], g["b"]


def word_embedding_forward(x, W) -> tuple[Array, layers.EmbeddingCache]:
    """x (N, T) integer indices in 0..V-1, W (V, D) -> out (N, T, D), row x[n, t] of W, and the cache."""
    return layers.embedding_forward(x, W)


def word_embedding_backward(dout, cache: layers.EmbeddingCache) -> Array:
    """dout (N, T, D) -> dW (V, D); an index that occurs several times gets the sum of its rows of dout."""
    return layers.embedding_backward(dout, cache)


def to_torch_order(a: npt.ArrayLike) -> Array:
    """``a``'s last axis, 4H wide, from the course's gate order i, f, o, g to i, f, g, o, or back (it is its own
    inverse): the last two blocks of width H swap."""
    a = np.asarray(a, dtype=np.float64)
    i, f, third, fourth = np.split(a, 4, axis=-1)
    return np.concatenate([i, f, fourth, third], axis=-1)


def _lstm_params(Wx, Wh, b) -> dict[str, Array]:
    return {"Wx": to_torch_order(Wx), "Wh": to_torch_order(Wh), "b": to_torch_order(b)}


def _grads(g: dict[str, Array]) -> tuple[Array, Array, Array]:
    return to_torch_order(g["Wx"]), to_torch_order(g["Wh"]), to_torch_order(g["b"])


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b) -> tuple[Array, Array, lstm.StepCache]:
    """x (N, D), prev_h, prev_c (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,), gates i, f, o, g -> next_h, next_c (N, H), cache.

    a = x Wx + prev_h Wh + b;  i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g)
    next_c = f * prev_c + i * g;  next_h = o * tanh(next_c)
    """
    return lstm.step_forward(x, prev_h, prev_c, _lstm_params(Wx, Wh, b))


def lstm_step_backward(dnext_h, dnext_c, cache: lstm.StepCache) -> tuple[Array, Array, Array, Array, Array, Array]:
    """dnext_h, dnext_c (N, H) -> dx (N, D), dprev_h, dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,), gates i, f, o, g."""
    g = lstm.step_backward(dnext_h, dnext_c, cache)
    return (g["x"], g["h_prev"], g["c_prev"], *_grads(g))


def lstm_forward(x, h0, Wx, Wh, b) -> tuple[Array, lstm.Cache]:
    """x (N, T, D), h0 (N, H), the cell state starting at zeros -> h (N, T, H), every step's hidden state, and the cache."""
    return lstm.forward(x, _lstm_params(Wx, Wh, b), h0, None)


def lstm_backward(dh, cache: lstm.Cache) -> tuple[Array, Array, Array, Array, Array]:
    """dh (N, T, H) -> dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,), gates i, f, o, g."""
    g = lstm.backward(dh, cache)
    return (g["x"], g["h0"], *_grads(g))
