"""Reference solution for dlai-c5w1, as a student's notebook holds it: a basic RNN and an LSTM, forward and backward.

Column vectors, time last: n_x features, m examples, T_x time steps, n_a hidden units, n_y outputs.
"""

# The notebook's star import supplies softmax and sigmoid, as the course's helper module does.
# ruff: noqa: F403, F405
import numpy as np
from rnn_utils import *


def rnn_cell_forward(xt, a_prev, parameters):
    """xt (n_x, m), a_prev (n_a, m) -> a_next (n_a, m), yt_pred (n_y, m), cache (a_next, a_prev, xt, parameters).

    parameters: Wax (n_a, n_x), Waa (n_a, n_a), Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1).
    """
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(Waa @ a_prev + Wax @ xt + ba)
    yt_pred = softmax(Wya @ a_next + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    """x (n_x, m, T_x), a0 (n_a, m) -> a (n_a, m, T_x), y_pred (n_y, m, T_x), caches (list of T_x caches, x)."""
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    caches = []
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """xt (n_x, m), a_prev, c_prev (n_a, m) -> a_next, c_next (n_a, m), yt_pred (n_y, m), cache.

    parameters: Wf, Wi, Wc, Wo (n_a, n_a + n_x) acting on [a_prev; xt], bf, bi, bc, bo (n_a, 1), Wy (n_y, n_a), by (n_y, 1).
    cache: (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters).
    """
    concat = np.concatenate([a_prev, xt], axis=0)
    ft = sigmoid(parameters["Wf"] @ concat + parameters["bf"])
    it = sigmoid(parameters["Wi"] @ concat + parameters["bi"])
    cct = np.tanh(parameters["Wc"] @ concat + parameters["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(parameters["Wo"] @ concat + parameters["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(parameters["Wy"] @ a_next + parameters["by"])
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    """x (n_x, m, T_x), a0 (n_a, m) -> a (n_a, m, T_x), y (n_y, m, T_x), c (n_a, m, T_x), caches; the cell state starts at 0."""
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    caches = []
    a_next, c_next = a0, np.zeros((n_a, m))
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    return a, y, c, (caches, x)


def rnn_cell_backward(da_next, cache):
    """da_next (n_a, m), the gradient reaching a_next -> dict dxt (n_x, m), da_prev (n_a, m), dWax (n_a, n_x),
    dWaa (n_a, n_a), dba (n_a, 1)."""
    a_next, a_prev, xt, parameters = cache
    dz = (1 - a_next**2) * da_next  # through tanh
    return {
        "dxt": parameters["Wax"].T @ dz,
        "da_prev": parameters["Waa"].T @ dz,
        "dWax": dz @ xt.T,
        "dWaa": dz @ a_prev.T,
        "dba": np.sum(dz, axis=1, keepdims=True),
    }


def rnn_backward(da, caches):
    """da (n_a, m, T_x), the gradient reaching each a from above -> dict dx (n_x, m, T_x), da0 (n_a, m), dWax, dWaa, dba."""
    caches, x = caches
    n_a, m, T_x = da.shape
    parameters = caches[0][3]
    dx = np.zeros(x.shape)
    dWax, dWaa, dba = np.zeros_like(parameters["Wax"]), np.zeros_like(parameters["Waa"]), np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        dx[:, :, t] = gradients["dxt"]
        da_prevt = gradients["da_prev"]
        dWax += gradients["dWax"]
        dWaa += gradients["dWaa"]
        dba += gradients["dba"]
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def lstm_cell_backward(da_next, dc_next, cache):
    """da_next, dc_next (n_a, m) -> dict dxt (n_x, m), da_prev, dc_prev (n_a, m), dWf, dWi, dWc, dWo (n_a, n_a + n_x),
    dbf, dbi, dbc, dbo (n_a, 1)."""
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    n_a = a_next.shape[0]
    concat = np.concatenate([a_prev, xt], axis=0)
    dc = dc_next + da_next * ot * (1 - np.tanh(c_next) ** 2)
    # The gradient reaching each gate's pre-activation.
    dz = {
        "f": dc * c_prev * ft * (1 - ft),
        "i": dc * cct * it * (1 - it),
        "c": dc * it * (1 - cct**2),
        "o": da_next * np.tanh(c_next) * ot * (1 - ot),
    }
    gradients = {"dxt": 0, "da_prev": 0, "dc_prev": dc * ft}
    for gate, d in dz.items():
        W = parameters["W" + gate]
        gradients["da_prev"] = gradients["da_prev"] + W[:, :n_a].T @ d
        gradients["dxt"] = gradients["dxt"] + W[:, n_a:].T @ d
        gradients["dW" + gate] = d @ concat.T
        gradients["db" + gate] = np.sum(d, axis=1, keepdims=True)
    return gradients


def lstm_backward(da, caches):
    """da (n_a, m, T_x), the gradient reaching each a from above -> dict dx (n_x, m, T_x), da0 (n_a, m), dWf, dWi, dWc,
    dWo (n_a, n_a + n_x), dbf, dbi, dbc, dbo (n_a, 1)."""
    caches, x = caches
    n_a, m, T_x = da.shape
    parameters = caches[0][9]
    dx = np.zeros(x.shape)
    sums = {}
    for gate in "fico":
        sums["dW" + gate] = np.zeros_like(parameters["W" + gate])
        sums["db" + gate] = np.zeros((n_a, 1))
    da_prevt, dc_prevt = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        gradients = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])
        dx[:, :, t] = gradients["dxt"]
        da_prevt, dc_prevt = gradients["da_prev"], gradients["dc_prev"]
        for key in sums:
            sums[key] += gradients[key]
    return {"dx": dx, "da0": da_prevt, **sums}
