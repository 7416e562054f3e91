"""deeplearning.ai's "Building your Recurrent Neural Network - Step by Step" (Sequence Models, week 1), in the course's
layout: thin adapters of ``rnn``, ``lstm`` and ``layers``, not new copies of their equations.

Column vectors, time last. Shapes: n_x features, m examples, T_x time steps, n_a hidden units, n_y outputs.
``parameters`` is a dict:

    RNN:  Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a, 1), Wya (n_y, n_a), by (n_y, 1)
          a_next = tanh(Waa a_prev + Wax xt + ba);  yt_pred = softmax(Wya a_next + by), over axis 0
    LSTM: Wf, Wi, Wc, Wo (n_a, n_a + n_x), each acting on concat = [a_prev; xt], and bf, bi, bc, bo (n_a, 1);
          Wy (n_y, n_a), by (n_y, 1)
          f, i, o = σ(W· concat + b·);  c̃ = tanh(Wc concat + bc);  c_next = f * c_prev + i * c̃
          a_next = o * tanh(c_next);  yt_pred = softmax(Wy a_next + by)

    rnn_cell_forward(xt (n_x, m), a_prev (n_a, m), parameters) -> a_next, yt_pred (n_y, m), cache
    rnn_forward(x (n_x, m, T_x), a0 (n_a, m), parameters) -> a (n_a, m, T_x), y_pred (n_y, m, T_x), caches
    lstm_cell_forward(xt, a_prev, c_prev, parameters) -> a_next, c_next, yt_pred, cache
    lstm_forward(x, a0, parameters) -> a, y, c (n_a, m, T_x), caches            (c0 = 0)
    rnn_cell_backward(da_next, cache) -> {dxt, da_prev, dWax, dWaa, dba}
    rnn_backward(da (n_a, m, T_x), caches) -> {dx, da0, dWax, dWaa, dba}
    lstm_cell_backward(da_next, dc_next, cache) -> {dxt, da_prev, dc_prev, dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo}
    lstm_backward(da, caches) -> {dx, da0, dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo}

The backward functions take the gradient reaching the hidden states only (the course's backward leaves the output
layer out). A cache is the wrapped module's cache: the batch-first modules see xᵀ, and each weight is split or
transposed on the way in and its gradient on the way out.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import layers, lstm, rnn

Array = npt.NDArray[np.float64]
GATES = ("i", "f", "c", "o")
"""The course's gates in the order of ``lstm``'s blocks (i, f, g, o): its candidate c̃ is ``lstm``'s g."""


def _f(a: npt.ArrayLike) -> Array:
    return np.asarray(a, dtype=np.float64)


def output_layer(hs: Array, Wy: npt.ArrayLike, by: npt.ArrayLike) -> Array:
    """softmax(Wy a + by) over the outputs, for hidden states hs (..., n_a) batch-first -> (..., n_y)."""
    logits, _ = layers.dense_forward(hs, _f(Wy).T, _f(by)[:, 0])
    return layers.softmax_forward(logits)[0]


# -- RNN ---------------------------------------------------------------------------------------------------------------


def rnn_params(parameters: dict) -> dict[str, Array]:
    return {"Wx": _f(parameters["Wax"]).T, "Wh": _f(parameters["Waa"]).T, "b": _f(parameters["ba"])[:, 0]}


def rnn_cell_forward(xt, a_prev, parameters: dict) -> tuple[Array, Array, rnn.StepCache]:
    """xt (n_x, m), a_prev (n_a, m) -> a_next (n_a, m), yt_pred (n_y, m), cache."""
    h, cache = rnn.step_forward(_f(xt).T, _f(a_prev).T, rnn_params(parameters))
    return h.T, output_layer(h, parameters["Wya"], parameters["by"]).T, cache


def rnn_cell_backward(da_next, cache: rnn.StepCache) -> dict[str, Array]:
    """da_next (n_a, m), the gradient reaching a_next -> dxt (n_x, m), da_prev (n_a, m), dWax, dWaa, dba (n_a, 1)."""
    g = rnn.step_backward(_f(da_next).T, cache)
    return {"dxt": g["x"].T, "da_prev": g["h_prev"].T, "dWax": g["Wx"].T, "dWaa": g["Wh"].T, "dba": g["b"][:, None]}


def rnn_forward(x, a0, parameters: dict) -> tuple[Array, Array, rnn.Cache]:
    """x (n_x, m, T_x), a0 (n_a, m) -> a (n_a, m, T_x), y_pred (n_y, m, T_x), caches."""
    hs, cache = rnn.forward(_f(x).transpose(1, 2, 0), rnn_params(parameters), _f(a0).T)
    return hs.transpose(2, 0, 1), output_layer(hs, parameters["Wya"], parameters["by"]).transpose(2, 0, 1), cache


def rnn_backward(da, caches: rnn.Cache) -> dict[str, Array]:
    """da (n_a, m, T_x), the gradient reaching each step's a from above -> dx (n_x, m, T_x), da0 (n_a, m), dWax, dWaa,
    dba (n_a, 1)."""
    g = rnn.backward(_f(da).transpose(1, 2, 0), caches)
    return {"dx": g["x"].transpose(2, 0, 1), "da0": g["h0"].T, "dWax": g["Wx"].T, "dWaa": g["Wh"].T, "dba": g["b"][:, None]}


# -- LSTM --------------------------------------------------------------------------------------------------------------


def lstm_params(parameters: dict, n_a: int) -> dict[str, Array]:
    """The four (n_a, n_a + n_x) weights on [a_prev; xt] as ``lstm``'s Wh (n_a, 4 n_a) and Wx (n_x, 4 n_a)."""
    W = [_f(parameters[f"W{gate}"]) for gate in GATES]
    return {
        "Wx": np.concatenate([w[:, n_a:].T for w in W], axis=1),
        "Wh": np.concatenate([w[:, :n_a].T for w in W], axis=1),
        "b": np.concatenate([_f(parameters[f"b{gate}"])[:, 0] for gate in GATES]),
    }


def lstm_grads(g: dict[str, Array]) -> dict[str, Array]:
    """``lstm``'s Wx, Wh, b gradients as the course's dW· (n_a, n_a + n_x) and db· (n_a, 1)."""
    dWx, dWh, db = (np.split(g[k], 4, axis=-1) for k in ("Wx", "Wh", "b"))
    grads = {}
    for k, gate in enumerate(GATES):
        grads[f"dW{gate}"] = np.concatenate([dWh[k].T, dWx[k].T], axis=1)
        grads[f"db{gate}"] = db[k][:, None]
    return grads


class LstmCaches(NamedTuple):
    cache: lstm.Cache
    n_a: int


def lstm_cell_forward(xt, a_prev, c_prev, parameters: dict) -> tuple[Array, Array, Array, lstm.StepCache]:
    """xt (n_x, m), a_prev, c_prev (n_a, m) -> a_next, c_next (n_a, m), yt_pred (n_y, m), cache."""
    a_prev = _f(a_prev)
    h, c, cache = lstm.step_forward(_f(xt).T, a_prev.T, _f(c_prev).T, lstm_params(parameters, a_prev.shape[0]))
    return h.T, c.T, output_layer(h, parameters["Wy"], parameters["by"]).T, cache


def lstm_cell_backward(da_next, dc_next, cache: lstm.StepCache) -> dict[str, Array]:
    """da_next, dc_next (n_a, m) -> dxt (n_x, m), da_prev, dc_prev (n_a, m), dWf, dWi, dWc, dWo (n_a, n_a + n_x), dbf, dbi,
    dbc, dbo (n_a, 1)."""
    g = lstm.step_backward(_f(da_next).T, _f(dc_next).T, cache)
    return {"dxt": g["x"].T, "da_prev": g["h_prev"].T, "dc_prev": g["c_prev"].T, **lstm_grads(g)}


def lstm_forward(x, a0, parameters: dict) -> tuple[Array, Array, Array, LstmCaches]:
    """x (n_x, m, T_x), a0 (n_a, m), the cell state starting at zeros -> a, c (n_a, m, T_x), y (n_y, m, T_x), caches."""
    a0 = _f(a0)
    hs, cache = lstm.forward(_f(x).transpose(1, 2, 0), lstm_params(parameters, a0.shape[0]), a0.T, None)
    y = output_layer(hs, parameters["Wy"], parameters["by"]).transpose(2, 0, 1)
    return hs.transpose(2, 0, 1), y, cache.cs.transpose(2, 1, 0), LstmCaches(cache, a0.shape[0])


def lstm_backward(da, caches: LstmCaches) -> dict[str, Array]:
    """da (n_a, m, T_x), the gradient reaching each step's a from above -> dx (n_x, m, T_x), da0 (n_a, m), dWf, dWi, dWc,
    dWo, dbf, dbi, dbc, dbo."""
    g = lstm.backward(_f(da).transpose(1, 2, 0), caches.cache)
    return {"dx": g["x"].transpose(2, 0, 1), "da0": g["h0"].T, **lstm_grads(g)}
