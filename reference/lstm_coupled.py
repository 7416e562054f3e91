"""LSTM with coupled input and forget gates, batch-first, row vectors, gate blocks f, g, o.

Sources: RNN slides, "Variants of LSTM": "if we are going to forget something ...
it is then replaced by something else", C_t = f_t * C_{t-1} + (1 - f_t) * C̃_t.

Shapes: N batch, T time steps, D features, H hidden units.
Params: ``{"Wx": (D, 3H), "Wh": (H, 3H), "b": (3H,)}``; the column blocks of
width H are, in order, f (forget gate), g (cell candidate), o (output gate).

Forward, for t = 1..T with h_0 and c_0 given (zeros by default):

    a_t = x_t Wx + h_{t-1} Wh + b            split into a_f, a_g, a_o
    f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
    c_t = f * c_{t-1} + (1 - f) * g          h_t = o * tanh(c_t)

Backward, as ``lstm``'s with the input gate tied to the forget gate:

    da_f = dc_t * (c_{t-1} - g) * f(1-f)   da_g = dc_t * (1-f) * (1-g²)
    (computed as the LSTM's with i = σ(-a_f) = 1 - f, so da_f = da_f^LSTM - da_i^LSTM)

It keeps ``lstm``'s caches, with the activated gates in blocks i, f, g, o
(i = 1 - f), and steps with ``lstm.advance`` and ``lstm.retreat``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reference import lstm, through_time, validation
from reference.lstm import Cache, StepCache

Array = npt.NDArray[np.float64]
Params = dict[str, Array]


def param_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    return {"Wx": (D, 3 * H), "Wh": (H, 3 * H), "b": (3 * H,)}


def init_params(D: int, H: int, rng: np.random.Generator) -> Params:
    """Uniform(-1/√H, 1/√H) params, torch's default initialisation."""
    bound = 1.0 / np.sqrt(H)
    return {k: rng.uniform(-bound, bound, shape) for k, shape in param_shapes(D, H).items()}


def _pre_activations(a: Array, out: Array) -> None:
    """a (..., 3H) in blocks f, g, o -> out (..., 4H) in blocks i, f, g, o with a_i = -a_f.

    σ(-a) = 1 - σ(a), so the input gate σ(a_i) is 1 - f and the plain LSTM's
    ``lstm.advance`` and ``lstm.retreat`` do the rest.
    """
    H = a.shape[-1] // 3
    out[..., H:] = a
    np.negative(a[..., :H], out=out[..., :H])


def _da(d: Array, out: Array) -> None:
    """da (..., 4H) of blocks i, f, g, o -> out (..., 3H) of blocks f, g, o; a_i = -a_f gives da_f - da_i."""
    H = out.shape[-1] // 3
    np.subtract(d[..., H : 2 * H], d[..., :H], out=out[..., :H])
    out[..., H:] = d[..., 2 * H :]


def step_forward(x: npt.ArrayLike, h_prev: npt.ArrayLike, c_prev: npt.ArrayLike, params: dict) -> tuple[Array, Array, StepCache]:
    """One coupled step: x (N, D), h_prev (N, H), c_prev (N, H) -> h (N, H), c (N, H)."""
    x, h_prev, c_prev, params, H = lstm.checked(x, h_prev, c_prev, params, "ND", param_shapes)
    a = x @ params["Wx"]
    a += params["b"]
    a += h_prev @ params["Wh"]
    gates = np.empty((x.shape[0], 4 * H))
    _pre_activations(a, gates)
    c, tc, h = (np.empty_like(h_prev) for _ in range(3))
    lstm.advance(gates, c_prev, lstm.gate_scale(H), c, tc, h)
    return h, c, StepCache(x, h_prev, c_prev, gates, tc, params)


def step_backward(dh: npt.ArrayLike, dc: npt.ArrayLike, cache: StepCache) -> dict[str, Array]:
    """dh, dc (N, H) -> grads with keys x (N, D), h_prev, c_prev (N, H), Wx, Wh, b."""
    H = cache.h_prev.shape[1]
    dh = validation.gradient("dh", dh, cache.h_prev.shape)
    dc = np.array(validation.gradient("dc", dc, cache.c_prev.shape))
    d = lstm.gate_derivatives(cache.gates, H)
    lstm.retreat(dh, dc, cache.gates, d, cache.c_prev, cache.tc)
    da = np.empty((dh.shape[0], 3 * H))
    _da(d, da)
    return lstm.step_grads(da, dc, cache)


def forward(x: npt.ArrayLike, params: dict, h0: npt.ArrayLike | None = None, c0: npt.ArrayLike | None = None) -> tuple[Array, Cache]:
    """Whole sequence: x (N, T, D), h0 and c0 (N, H) or None for zeros -> hs (N, T, H).

    The last cell state is ``cache.cs[-1]``; ``cache.gates`` holds i = 1 - f too.
    """
    x, h0, c0, params, H = lstm.checked(x, h0, c0, params, "NTD", param_shapes)
    N, T, D = x.shape
    s = lstm.gate_scale(H)
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    a = (x_tm.reshape(T * N, D) @ params["Wx"]).reshape(T, N, 3 * H)
    a += params["b"]
    gates = np.empty((T, N, 4 * H))
    hs, cs, tcs = (np.empty((T, N, H)) for _ in range(3))
    recurrent = np.empty((N, 3 * H))
    h, c, Wh = h0, c0, params["Wh"]
    for t in range(T):
        np.matmul(h, Wh, out=recurrent)
        a[t] += recurrent
        _pre_activations(a[t], gates[t])
        lstm.advance(gates[t], c, s, cs[t], tcs[t], hs[t])
        h, c = hs[t], cs[t]
    return hs.transpose(1, 0, 2).copy(), Cache(x_tm, h0, c0, hs, cs, gates, tcs, params)


def backward(dhs: npt.ArrayLike, cache: Cache, dc_last: npt.ArrayLike | None = None) -> dict[str, Array]:
    """dhs (N, T, H), dL/dh_t from above at every step; dc_last (N, H), dL/dc_T, or None for zeros.

    Returns grads Wx, Wh, b, x (N, T, D), h0 (N, H), c0 (N, H).
    """
    T, N, H = cache.hs.shape
    dhs = validation.gradient("dhs", dhs, (N, T, H)).transpose(1, 0, 2)
    dc = np.zeros((N, H)) if dc_last is None else np.array(validation.gradient("dc_last", dc_last, (N, H)))
    p = cache.params
    d = lstm.gate_derivatives(cache.gates, H)
    da = np.empty((T, N, 3 * H))
    dh, dh_total = np.zeros((N, H)), np.empty((N, H))
    WhT = p["Wh"].T
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh, out=dh_total)
        lstm.retreat(dh_total, dc, cache.gates[t], d[t], cache.cs[t - 1] if t else cache.c0, cache.tcs[t])
        _da(d[t], da[t])
        np.matmul(da[t], WhT, out=dh)
    dWx, dx = through_time.input_grads(cache.x, da, p["Wx"])
    return {
        "Wx": dWx,
        "Wh": through_time.recurrent_grad(cache.h0, cache.hs, da),
        "b": da.sum(axis=(0, 1)),
        "x": dx,
        "h0": dh,
        "c0": dc,
    }
