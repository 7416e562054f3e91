"""Peephole LSTM (Gers & Schmidhuber), batch-first, row vectors, gate blocks i, f, g, o as ``lstm``.

Sources: RNN slides, "Variants of LSTM". The slides write the cell state into
each gate's matrix, W · [C_{t-1}, h_{t-1}, x_t]; here, as in Gers &
Schmidhuber, each gate sees its own unit's cell state through a diagonal
weight vector.

Shapes: N batch, T time steps, D features, H hidden units.
Params: the LSTM's ``{"Wx": (D, 4H), "Wh": (H, 4H), "b": (4H,)}`` and the
peepholes ``{"p_i": (H,), "p_f": (H,), "p_o": (H,)}``.

Forward, for t = 1..T with h_0 and c_0 given (zeros by default), a_t = x_t Wx + h_{t-1} Wh + b
split into a_i, a_f, a_g, a_o:

    i = σ(a_i + p_i * c_{t-1})   f = σ(a_f + p_f * c_{t-1})   g = tanh(a_g)
    c_t = f * c_{t-1} + i * g
    o = σ(a_o + p_o * c_t)       h_t = o * tanh(c_t)         (o sees the new c_t)

Backward, as ``lstm``'s but with the peephole paths added to the cell gradients:

    dc_t += da_o * p_o           (before da_i, da_f, da_g are formed)
    dc_{t-1} = dc_t * f + da_i * p_i + da_f * p_f
    dp_i = Σ_t Σ_n da_i * c_{t-1}   dp_f = Σ_t Σ_n da_f * c_{t-1}   dp_o = Σ_t Σ_n da_o * c_t

With p_i = p_f = p_o = 0 this is ``lstm``, and so torch's ``nn.LSTM``. It keeps
``lstm``'s caches, with the activated gates in blocks i, f, g, o, and reuses its
gate helpers and ``lstm.retreat``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reference import lstm, through_time, validation
from reference.activations import sigmoid_inplace
from reference.lstm import Cache, StepCache

Array = npt.NDArray[np.float64]
Params = dict[str, Array]


def param_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    return {"Wx": (D, 4 * H), "Wh": (H, 4 * H), "b": (4 * H,), "p_i": (H,), "p_f": (H,), "p_o": (H,)}


def init_params(D: int, H: int, rng: np.random.Generator) -> Params:
    """Uniform(-1/√H, 1/√H) params, peepholes included."""
    bound = 1.0 / np.sqrt(H)
    return {k: rng.uniform(-bound, bound, shape) for k, shape in param_shapes(D, H).items()}


def _advance(a: Array, c_prev: Array, p: Params, c: Array, tc: Array, h: Array) -> None:
    """One step in place: pre-activations a (N, 4H) without peepholes become the gates; c, tanh(c), h are written."""
    H = c.shape[-1]
    a_i, a_f, a_g, a_o = lstm.split_gates(a, H)
    a_i += p["p_i"] * c_prev
    a_f += p["p_f"] * c_prev
    sigmoid_inplace(a[..., : 2 * H])
    np.tanh(a_g, out=a_g)
    np.multiply(a_f, c_prev, out=c)
    c += a_i * a_g
    np.tanh(c, out=tc)
    # The output gate looks at the new cell state, so it is the last gate computed.
    a_o += p["p_o"] * c
    sigmoid_inplace(a_o)
    np.multiply(a_o, tc, out=h)


def _retreat(dh: Array, dc: Array, gates: Array, d: Array, c_prev: Array, tc: Array, p: Params) -> None:
    """``lstm.retreat`` plus the peephole paths: c_t -> a_o, and c_{t-1} -> a_i, a_f."""
    H = dc.shape[-1]
    # da_o reaches c_t through p_o; d's o block is still o(1-o) here.
    dc += dh * tc * d[..., 3 * H :] * p["p_o"]
    lstm.retreat(dh, dc, gates, d, c_prev, tc)
    dc += d[..., :H] * p["p_i"]
    dc += d[..., H : 2 * H] * p["p_f"]


def _grads(da: Array, c_prev: Array, c: Array) -> dict[str, Array]:
    """dp_i, dp_f, dp_o from da (..., N, 4H) and the cell states before and after, (..., N, H)."""
    H = c.shape[-1]
    axes = tuple(range(da.ndim - 1))
    return {
        "p_i": (da[..., :H] * c_prev).sum(axis=axes),
        "p_f": (da[..., H : 2 * H] * c_prev).sum(axis=axes),
        "p_o": (da[..., 3 * H :] * c).sum(axis=axes),
    }


def step_forward(x: npt.ArrayLike, h_prev: npt.ArrayLike, c_prev: npt.ArrayLike, params: dict) -> tuple[Array, Array, StepCache]:
    """One peephole step: x (N, D), h_prev (N, H), c_prev (N, H) -> h (N, H), c (N, H)."""
    x, h_prev, c_prev, params, H = lstm.checked(x, h_prev, c_prev, params, "ND", param_shapes)
    gates = x @ params["Wx"]
    gates += params["b"]
    gates += h_prev @ params["Wh"]
    c, tc, h = (np.empty_like(h_prev) for _ in range(3))
    _advance(gates, c_prev, params, c, tc, h)
    return h, c, StepCache(x, h_prev, c_prev, gates, tc, params)


def step_backward(dh: npt.ArrayLike, dc: npt.ArrayLike, cache: StepCache) -> dict[str, Array]:
    """dh, dc (N, H) -> grads with keys x (N, D), h_prev, c_prev (N, H), Wx, Wh, b, p_i, p_f, p_o."""
    H = cache.h_prev.shape[1]
    dh = validation.gradient("dh", dh, cache.h_prev.shape)
    dc = np.array(validation.gradient("dc", dc, cache.c_prev.shape))
    da = lstm.gate_derivatives(cache.gates, H)
    p = cache.params
    i, f, g, _ = lstm.split_gates(cache.gates, H)
    c = f * cache.c_prev + i * g  # the same operations as forward, so the same c_t
    _retreat(dh, dc, cache.gates, da, cache.c_prev, cache.tc, p)
    return {**lstm.step_grads(da, dc, cache), **_grads(da, cache.c_prev, c)}


def forward(x: npt.ArrayLike, params: dict, h0: npt.ArrayLike | None = None, c0: npt.ArrayLike | None = None) -> tuple[Array, Cache]:
    """Whole sequence: x (N, T, D), h0 and c0 (N, H) or None for zeros -> hs (N, T, H).

    The last cell state is ``cache.cs[-1]``.
    """
    x, h0, c0, params, H = lstm.checked(x, h0, c0, params, "NTD", param_shapes)
    N, T, D = x.shape
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    gates = (x_tm.reshape(T * N, D) @ params["Wx"]).reshape(T, N, 4 * H)
    gates += params["b"]
    hs, cs, tcs = (np.empty((T, N, H)) for _ in range(3))
    recurrent = np.empty((N, 4 * H))
    h, c, Wh = h0, c0, params["Wh"]
    for t in range(T):
        np.matmul(h, Wh, out=recurrent)
        gates[t] += recurrent
        _advance(gates[t], c, params, cs[t], tcs[t], hs[t])
        h, c = hs[t], cs[t]
    return hs.transpose(1, 0, 2).copy(), Cache(x_tm, h0, c0, hs, cs, gates, tcs, params)


def backward(dhs: npt.ArrayLike, cache: Cache, dc_last: npt.ArrayLike | None = None) -> dict[str, Array]:
    """dhs (N, T, H), dL/dh_t from above at every step; dc_last (N, H), dL/dc_T, or None for zeros.

    Returns grads Wx, Wh, b, p_i, p_f, p_o, x (N, T, D), h0 (N, H), c0 (N, H).
    """
    T, N, H = cache.hs.shape
    dhs = validation.gradient("dhs", dhs, (N, T, H)).transpose(1, 0, 2)
    dc = np.zeros((N, H)) if dc_last is None else np.array(validation.gradient("dc_last", dc_last, (N, H)))
    p = cache.params
    c_prev = np.concatenate([cache.c0[None], cache.cs[:-1]])
    da = lstm.gate_derivatives(cache.gates, H)
    dh, dh_total = np.zeros((N, H)), np.empty((N, H))
    WhT = p["Wh"].T
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh, out=dh_total)
        _retreat(dh_total, dc, cache.gates[t], da[t], c_prev[t], cache.tcs[t], p)
        np.matmul(da[t], WhT, out=dh)
    dWx, dx = through_time.input_grads(cache.x, da, p["Wx"])
    return {
        "Wx": dWx,
        "Wh": through_time.recurrent_grad(cache.h0, cache.hs, da),
        "b": da.sum(axis=(0, 1)),
        **_grads(da, c_prev, cache.cs),
        "x": dx,
        "h0": dh,
        "c0": dc,
    }
