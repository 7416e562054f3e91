"""CS231n assignment 3's graded RNN layers with known mistakes that can be switched on by name: the diagnosis replays these.

With no mistake switched on, these are the assignment's solution. Every function takes the mistakes as a keyword-only
``mistakes`` (a frozenset of names), and the sequence functions pass it on to the step functions they loop, so a mistake
made in a step is inherited by its sequence, as a student's would be. Each mistake is one small change where students make
it, with backward following the forward the student believed in. NumPy only and no global state, so a variant can also be
graded as if a student had submitted it:

    functions = functions_with("gate_order_ifgo")
    h, cache = functions["lstm_forward"](x, h0, Wx, Wh, b)

Shapes: N batch, T steps, D features, H hidden units, V vocabulary; caches are tuples.

- ``gate_order_ifgo``: the LSTM's gate blocks read as i, f, g, o instead of i, f, o, g, in the step forward and backward.
- ``embedding_backward_overwrites``: ``dW[x] += dout``, which adds a repeated index's rows once, not summed.
- ``no_dh_carry``: rnn_backward and lstm_backward hand step t only dh[:, t], not the dprev_h of step t+1. The LSTM still
  carries dprev_c, since its step backward takes it as an argument of its own; dh0 is the first step's dprev_h.
- ``no_tanh_derivative_on_cell``: lstm_step_backward adds dnext_h * o to dnext_c, missing 1 - tanh(next_c)².
- ``rnn_no_tanh_derivative``: rnn_step_backward passes dnext_h through the tanh unchanged, missing 1 - next_h².
- ``h0_not_used``: rnn_forward and lstm_forward start from zeros instead of h0. The cache holds the zeros the student's
  forward started from, and backward returns as dh0 the first step's dprev_h, as it would for a used h0.
"""

import functools

import numpy as np

MISTAKES = (
    "gate_order_ifgo",
    "embedding_backward_overwrites",
    "no_dh_carry",
    "no_tanh_derivative_on_cell",
    "rnn_no_tanh_derivative",
    "h0_not_used",
)
NONE = frozenset()


def _sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def _gate_order(mistakes):
    """The gate each block of the 4H columns is read as, in block order."""
    return "ifgo" if "gate_order_ifgo" in mistakes else "ifog"


def rnn_step_forward(x, prev_h, Wx, Wh, b, *, mistakes=NONE):
    """x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,) -> next_h = tanh(x Wx + prev_h Wh + b) (N, H), cache."""
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache, *, mistakes=NONE):
    """dnext_h (N, H) -> dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,)."""
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h if "rnn_no_tanh_derivative" in mistakes else dnext_h * (1 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b, *, mistakes=NONE):
    """x (N, T, D), h0 (N, H) -> h (N, T, H), cache: the tuple of the step caches."""
    h = np.zeros((x.shape[0], x.shape[1], Wh.shape[0]))
    prev_h = np.zeros_like(h0, dtype=float) if "h0_not_used" in mistakes else h0
    caches = []
    for t in range(x.shape[1]):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b, mistakes=mistakes)
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, tuple(caches)


def rnn_backward(dh, cache, *, mistakes=NONE):
    """dh (N, T, H) -> dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,)."""
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][0].shape[1]))
    dWx, dWh, db = 0, 0, 0
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        carried = 0 if "no_dh_carry" in mistakes else dprev_h
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + carried, cache[t], mistakes=mistakes)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W, *, mistakes=NONE):
    """x (N, T) integer indices in 0..V-1, W (V, D) -> out (N, T, D), cache."""
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache, *, mistakes=NONE):
    """dout (N, T, D) -> dW (V, D), an index that occurs several times getting the sum of its rows."""
    x, shape = cache
    dW = np.zeros(shape)
    if "embedding_backward_overwrites" in mistakes:
        dW[x] += dout  # buffered: a repeated index keeps one of its rows
    else:
        np.add.at(dW, x, dout)
    return dW


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, *, mistakes=NONE):
    """x (N, D), prev_h, prev_c (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,) -> next_h, next_c (N, H), cache.

    a = x Wx + prev_h Wh + b, blocks i, f, o, g; i, f, o = σ(block), g = tanh(block);
    next_c = f * prev_c + i * g; next_h = o * tanh(next_c).
    """
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    blocks = {gate: a[:, k * H : (k + 1) * H] for k, gate in enumerate(_gate_order(mistakes))}
    i, f, o = (_sigmoid(blocks[gate]) for gate in "ifo")
    g = np.tanh(blocks["g"])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache, *, mistakes=NONE):
    """dnext_h, dnext_c (N, H) -> dx (N, D), dprev_h, dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    slope = 1 if "no_tanh_derivative_on_cell" in mistakes else 1 - tanh_c**2
    dc = dnext_c + dnext_h * o * slope
    grads = {
        "i": dc * g * i * (1 - i),
        "f": dc * prev_c * f * (1 - f),
        "o": dnext_h * tanh_c * o * (1 - o),
        "g": dc * i * (1 - g**2),
    }
    da = np.concatenate([grads[gate] for gate in _gate_order(mistakes)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b, *, mistakes=NONE):
    """x (N, T, D), h0 (N, H), the cell state starting at zeros -> h (N, T, H), cache: the tuple of the step caches."""
    N, T, _ = x.shape
    H = Wh.shape[0]
    h = np.zeros((N, T, H))
    prev_h = np.zeros_like(h0, dtype=float) if "h0_not_used" in mistakes else h0
    prev_c = np.zeros((N, H))
    caches = []
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b, mistakes=mistakes)
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, tuple(caches)


def lstm_backward(dh, cache, *, mistakes=NONE):
    """dh (N, T, H) -> dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)."""
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][0].shape[1]))
    dWx, dWh, db = 0, 0, 0
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        carried = 0 if "no_dh_carry" in mistakes else dprev_h
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + carried, dprev_c, cache[t], mistakes=mistakes)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db


GRADED = (
    rnn_step_forward,
    rnn_step_backward,
    rnn_forward,
    rnn_backward,
    word_embedding_forward,
    word_embedding_backward,
    lstm_step_forward,
    lstm_step_backward,
    lstm_forward,
    lstm_backward,
)


def functions_with(*names, last_only=False):
    """{name: function} of the ten graded functions with the mistakes ``names`` switched on; none: the solution.

    ``last_only`` is accepted for the diagnosis's common call and ignored: these functions have one return style.
    """
    unknown = sorted(set(names) - set(MISTAKES))
    if unknown:
        raise ValueError(f"unknown cs231n-a3-rnn mistakes {unknown}; known: {', '.join(MISTAKES)}")
    switched_on = frozenset(names)
    return {function.__name__: functools.partial(function, mistakes=switched_on) for function in GRADED}
