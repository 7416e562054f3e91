"""dlai-c5w1's eight functions with known mistakes that can be switched on by name: the diagnosis replays these.

With no mistake switched on, these are the solution. Each mistake is one small change where students make it, and a
backward follows the forward the student believed in (whoever stacks [xt; a_prev] in forward splits the weights that
way in backward too). NumPy only, so a variant can be graded as if a student had handed it in:

    fns = functions_with("concat_x_first")
    a, y, c, caches = fns["lstm_forward"](x, a0, parameters)

Column vectors, time last: x (n_x, m, T_x), a and c (n_a, m, T_x), y (n_y, m, T_x).
"""

import numpy as np

MISTAKES = (
    "softmax_wrong_axis",  # the output softmax over the examples (axis 1), in both cells
    "concat_x_first",  # the LSTM's concat = [xt; a_prev], forward and backward
    "c_next_before_tanh",  # the LSTM's candidate left without tanh, forward and backward
    "a_prev_not_carried",  # both sequence forwards feed a0 (and c0) into every step
    "no_da_prev_carry",  # both sequence backwards use only da[:, :, t] at each step
)
NAMES = (
    "rnn_cell_forward",
    "rnn_forward",
    "lstm_cell_forward",
    "lstm_forward",
    "rnn_cell_backward",
    "rnn_backward",
    "lstm_cell_backward",
    "lstm_backward",
)
GATES = "fico"


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=0):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def functions_with(*names, last_only=False):
    """{name: function} for the eight functions with these mistakes switched on; none: the solution.

    ``last_only`` is accepted for the diagnosis's common call and ignored: every function here returns all steps.
    """
    unknown = sorted(set(names) - set(MISTAKES))
    if unknown:
        raise ValueError(f"unknown dlai-c5w1 mistakes {unknown}; known: {', '.join(MISTAKES)}")
    on = frozenset(names)
    out_axis = 1 if "softmax_wrong_axis" in on else 0
    carry = "a_prev_not_carried" not in on

    def stack(a_prev, xt):
        return np.concatenate([xt, a_prev] if "concat_x_first" in on else [a_prev, xt], axis=0)

    def split(d_concat, n_a):
        """The gradient of concat as (da_prev, dxt), in the order stack() put them."""
        if "concat_x_first" in on:
            n_x = d_concat.shape[0] - n_a
            return d_concat[n_x:], d_concat[:n_x]
        return d_concat[:n_a], d_concat[n_a:]

    def rnn_cell_forward(xt, a_prev, parameters):
        a_next = np.tanh(parameters["Waa"] @ a_prev + parameters["Wax"] @ xt + parameters["ba"])
        yt_pred = _softmax(parameters["Wya"] @ a_next + parameters["by"], axis=out_axis)
        return a_next, yt_pred, (a_next, a_prev, xt, parameters)

    def rnn_forward(x, a0, parameters):
        n_x, m, T_x = x.shape
        n_y, n_a = parameters["Wya"].shape
        a, y_pred, caches = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), []
        a_next = a0
        for t in range(T_x):
            a_next, y_pred[:, :, t], cache = rnn_cell_forward(x[:, :, t], a_next if carry else a0, parameters)
            a[:, :, t] = a_next
            caches.append(cache)
        return a, y_pred, (caches, x)

    def lstm_cell_forward(xt, a_prev, c_prev, parameters):
        concat = stack(a_prev, xt)
        ft = _sigmoid(parameters["Wf"] @ concat + parameters["bf"])
        it = _sigmoid(parameters["Wi"] @ concat + parameters["bi"])
        cct = parameters["Wc"] @ concat + parameters["bc"]
        if "c_next_before_tanh" not in on:
            cct = np.tanh(cct)
        c_next = ft * c_prev + it * cct
        ot = _sigmoid(parameters["Wo"] @ concat + parameters["bo"])
        a_next = ot * np.tanh(c_next)
        yt_pred = _softmax(parameters["Wy"] @ a_next + parameters["by"], axis=out_axis)
        return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)

    def lstm_forward(x, a0, parameters):
        n_x, m, T_x = x.shape
        n_y, n_a = parameters["Wy"].shape
        a, c, y, caches = np.zeros((n_a, m, T_x)), np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), []
        c0 = np.zeros((n_a, m))
        a_next, c_next = a0, c0
        for t in range(T_x):
            a_prev, c_prev = (a_next, c_next) if carry else (a0, c0)
            a_next, c_next, y[:, :, t], cache = lstm_cell_forward(x[:, :, t], a_prev, c_prev, parameters)
            a[:, :, t], c[:, :, t] = a_next, c_next
            caches.append(cache)
        return a, y, c, (caches, x)

    def rnn_cell_backward(da_next, cache):
        a_next, a_prev, xt, parameters = cache
        dz = (1 - a_next**2) * da_next
        return {
            "dxt": parameters["Wax"].T @ dz,
            "da_prev": parameters["Waa"].T @ dz,
            "dWax": dz @ xt.T,
            "dWaa": dz @ a_prev.T,
            "dba": dz.sum(axis=1, keepdims=True),
        }

    def rnn_backward(da, caches):
        caches, x = caches
        n_a, m, T_x = da.shape
        parameters = caches[0][3]
        sums = {"dWax": np.zeros_like(parameters["Wax"]), "dWaa": np.zeros_like(parameters["Waa"]), "dba": np.zeros((n_a, 1))}
        dx, da_prev = np.zeros(x.shape), np.zeros((n_a, m))
        for t in reversed(range(T_x)):
            g = rnn_cell_backward(da[:, :, t] + (0 if "no_da_prev_carry" in on else da_prev), caches[t])
            dx[:, :, t], da_prev = g["dxt"], g["da_prev"]
            for key in sums:
                sums[key] += g[key]
        return {"dx": dx, "da0": da_prev, **sums}

    def lstm_cell_backward(da_next, dc_next, cache):
        a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
        concat = stack(a_prev, xt)
        dc = dc_next + da_next * ot * (1 - np.tanh(c_next) ** 2)
        candidate_slope = 1 if "c_next_before_tanh" in on else 1 - cct**2
        dz = {
            "f": dc * c_prev * ft * (1 - ft),
            "i": dc * cct * it * (1 - it),
            "c": dc * it * candidate_slope,
            "o": da_next * np.tanh(c_next) * ot * (1 - ot),
        }
        d_concat = sum(parameters["W" + gate].T @ dz[gate] for gate in GATES)
        da_prev, dxt = split(d_concat, a_next.shape[0])
        grads = {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc * ft}
        for gate in GATES:
            grads["dW" + gate] = dz[gate] @ concat.T
            grads["db" + gate] = dz[gate].sum(axis=1, keepdims=True)
        return grads

    def lstm_backward(da, caches):
        caches, x = caches
        n_a, m, T_x = da.shape
        parameters = caches[0][9]
        sums = {}
        for gate in GATES:
            sums["dW" + gate], sums["db" + gate] = np.zeros_like(parameters["W" + gate]), np.zeros((n_a, 1))
        dx, da_prev, dc_prev = np.zeros(x.shape), np.zeros((n_a, m)), np.zeros((n_a, m))
        for t in reversed(range(T_x)):
            g = lstm_cell_backward(da[:, :, t] + (0 if "no_da_prev_carry" in on else da_prev), dc_prev, caches[t])
            dx[:, :, t], da_prev, dc_prev = g["dxt"], g["da_prev"], g["dc_prev"]
            for key in sums:
                sums[key] += g[key]
        return {"dx": dx, "da0": da_prev, **sums}

    functions = (rnn_cell_forward, rnn_forward, lstm_cell_forward, lstm_forward)
    functions += (rnn_cell_backward, rnn_backward, lstm_cell_backward, lstm_backward)
    return {f.__name__: f for f in functions}
