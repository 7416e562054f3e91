"""LSTM, batch-first, row vectors, gate blocks in torch's order i, f, g, o.

Sources: RNN slides, "Long Short Term Memory Networks" and "Cell structure of LSTM"
(forget, input and output gates, candidate C̃_t, C_t = f_t * C_{t-1} + i_t * C̃_t,
h_t = o_t * tanh(C_t)); Mines Paristech Session 3, "Long short-term memory".

Shapes: N batch, T time steps, D features, H hidden units.
Params: ``{"Wx": (D, 4H), "Wh": (H, 4H), "b": (4H,)}``; the column blocks of
width H are, in order, i (input gate), f (forget gate), g (cell candidate),
o (output gate).

Forward, for t = 1..T with h_0 and c_0 given (zeros by default):

    a_t = x_t Wx + h_{t-1} Wh + b            split into a_i, a_f, a_g, a_o
    i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Backward, with dh_t the whole gradient reaching h_t and dc_t the gradient
carried back from step t+1 to c_t (plus, at t = T, the optional dL/dc_T):

    dc_t += dh_t * o * (1 - tanh²(c_t))
    da_i = dc_t * g * i(1-i)     da_f = dc_t * c_{t-1} * f(1-f)
    da_g = dc_t * i * (1-g²)     da_o = dh_t * tanh(c_t) * o(1-o)
    dc_{t-1} = dc_t * f          dh_{t-1} = da_t Whᵀ      dx_t = da_t Wxᵀ
    dWx = Σ_t x_tᵀ da_t    dWh = Σ_t h_{t-1}ᵀ da_t    db = Σ_t Σ_n da_t

This equals ``torch.nn.LSTM(batch_first=True)`` with ``weight_ih = Wxᵀ``,
``weight_hh = Whᵀ``, ``bias_ih = b`` and ``bias_hh = 0`` (see ``layout``).

The two "Variants of LSTM" of the RNN slides have modules of their own,
``lstm_peephole`` and ``lstm_coupled``. They keep this module's caches and step
through time with its in-place helpers ``advance`` and ``retreat``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import through_time, validation

Array = npt.NDArray[np.float64]
Params = dict[str, Array]


def param_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    return {"Wx": (D, 4 * H), "Wh": (H, 4 * H), "b": (4 * H,)}


def init_params(D: int, H: int, rng: np.random.Generator) -> Params:
    """Uniform(-1/√H, 1/√H) params, torch's default initialisation."""
    bound = 1.0 / np.sqrt(H)
    return {k: rng.uniform(-bound, bound, shape) for k, shape in param_shapes(D, H).items()}


def gate_scale(H: int) -> Array:
    # σ(a) = ½ tanh(½ a) + ½, so one tanh over all four blocks gives every gate:
    # gates = tanh(a * s) * s + (1 - s), with s = ½ on the σ blocks and 1 on g.
    s = np.full(4 * H, 0.5)
    s[2 * H : 3 * H] = 1.0
    return s


def split_gates(gates: Array, H: int) -> tuple[Array, Array, Array, Array]:
    return gates[..., :H], gates[..., H : 2 * H], gates[..., 2 * H : 3 * H], gates[..., 3 * H :]


def gate_derivatives(gates: Array, H: int) -> Array:
    """d gate / d pre-activation, from the gates: σ' = y(1-y) and tanh' = 1-y²."""
    d = np.subtract(1.0, gates)
    d *= gates
    g = gates[..., 2 * H : 3 * H]
    np.square(g, out=d[..., 2 * H : 3 * H])
    np.subtract(1.0, d[..., 2 * H : 3 * H], out=d[..., 2 * H : 3 * H])
    return d


def advance(a: Array, c_prev: Array, s: Array, c: Array, tc: Array, h: Array) -> None:
    """One step in place: pre-activations a (N, 4H) become the gates; c, tanh(c) and h (N, H) are written."""
    H = c.shape[-1]
    a *= s
    np.tanh(a, out=a)
    a *= s
    a += 1.0 - s
    i, f, g, o = split_gates(a, H)
    np.multiply(f, c_prev, out=c)
    c += i * g
    np.tanh(c, out=tc)
    np.multiply(o, tc, out=h)


def retreat(dh: Array, dc: Array, gates: Array, d: Array, c_prev: Array, tc: Array) -> None:
    """One step back in place: d (N, 4H), the gate derivatives, becomes da_t; dc becomes dc_{t-1}.

    dh is the whole gradient reaching h_t and dc the one carried back to c_t.
    """
    H = dc.shape[-1]
    i, f, g, o = split_gates(gates, H)
    d_i, d_f, d_g, d_o = split_gates(d, H)
    dtanh = np.square(tc)
    np.subtract(1.0, dtanh, out=dtanh)
    dtanh *= o
    dtanh *= dh
    dc += dtanh
    d_i *= dc
    d_i *= g
    d_f *= dc
    d_f *= c_prev
    d_g *= dc
    d_g *= i
    d_o *= dh
    d_o *= tc
    dc *= f


class StepCache(NamedTuple):
    x: Array  # (N, D)
    h_prev: Array  # (N, H)
    c_prev: Array  # (N, H)
    gates: Array  # (N, 4H) activated i, f, g, o
    tc: Array  # (N, H) tanh(c)
    params: Params


class Cache(NamedTuple):
    x: Array  # (T, N, D), time-major so that each step's slice is contiguous
    h0: Array  # (N, H)
    c0: Array  # (N, H)
    hs: Array  # (T, N, H)
    cs: Array  # (T, N, H)
    gates: Array  # (T, N, 4H) activated i, f, g, o
    tcs: Array  # (T, N, H) tanh(c_t)
    params: Params


def checked(x, h_prev, c_prev, params, axes: str, shapes: Callable[[int, int], dict[str, tuple[int, ...]]] = param_shapes):
    """The arguments as float64 copies, and H, for a cell whose params have ``shapes(D, H)``; or raise."""
    x = validation.array("x", x, axes)
    params, H = validation.cell_params(params, shapes, D=x.shape[-1], source=f"x of shape {x.shape}")
    names = ("h0", "c0") if axes == "NTD" else ("h_prev", "c_prev")
    h = validation.state(names[0], h_prev, (x.shape[0], H))
    c = validation.state(names[1], c_prev, (x.shape[0], H))
    return x, h, c, params, H


def step_forward(x: npt.ArrayLike, h_prev: npt.ArrayLike, c_prev: npt.ArrayLike, params: dict) -> tuple[Array, Array, StepCache]:
    """One step: x (N, D), h_prev (N, H), c_prev (N, H) -> h (N, H), c (N, H)."""
    x, h_prev, c_prev, params, H = checked(x, h_prev, c_prev, params, "ND")
    gates = x @ params["Wx"]
    gates += params["b"]
    gates += h_prev @ params["Wh"]
    c, tc, h = (np.empty_like(h_prev) for _ in range(3))
    advance(gates, c_prev, gate_scale(H), c, tc, h)
    return h, c, StepCache(x, h_prev, c_prev, gates, tc, params)


def step_backward(dh: npt.ArrayLike, dc: npt.ArrayLike, cache: StepCache) -> dict[str, Array]:
    """dh, dc (N, H) -> grads with keys x (N, D), h_prev, c_prev (N, H), Wx, Wh, b."""
    H = cache.h_prev.shape[1]
    dh = validation.gradient("dh", dh, cache.h_prev.shape)
    dc = np.array(validation.gradient("dc", dc, cache.c_prev.shape))
    da = gate_derivatives(cache.gates, H)
    retreat(dh, dc, cache.gates, da, cache.c_prev, cache.tc)
    return step_grads(da, dc, cache)


def step_grads(da: Array, dc: Array, cache: StepCache) -> dict[str, Array]:
    """A step's grads from da (N, G), the pre-activations' gradient, and dc (N, H), dL/dc_(t-1): keys x (N, D), h_prev,
    c_prev (N, H), Wx, Wh, b. Shared by the LSTM variants, whose pre-activations are a = x Wx + h_prev Wh + b too."""
    p = cache.params
    return {
        "x": da @ p["Wx"].T,
        "h_prev": da @ p["Wh"].T,
        "c_prev": dc,
        "Wx": cache.x.T @ da,
        "Wh": cache.h_prev.T @ da,
        "b": da.sum(axis=0),
    }


def forward(x: npt.ArrayLike, params: dict, h0: npt.ArrayLike | None = None, c0: npt.ArrayLike | None = None) -> tuple[Array, Cache]:
    """Whole sequence: x (N, T, D), h0 and c0 (N, H) or None for zeros -> hs (N, T, H).

    The last cell state is ``cache.cs[-1]``.
    """
    x, h0, c0, params, H = checked(x, h0, c0, params, "NTD")
    N, T, D = x.shape
    s = gate_scale(H)
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    # The input projection of every step in one matmul; only h @ Wh is sequential.
    # gates starts as x_t Wx + b and each step turns its slice into the gates in place.
    gates = (x_tm.reshape(T * N, D) @ params["Wx"]).reshape(T, N, 4 * H)
    gates += params["b"]
    hs, cs, tcs = (np.empty((T, N, H)) for _ in range(3))
    recurrent = np.empty((N, 4 * H))
    h, c, Wh = h0, c0, params["Wh"]
    for t in range(T):
        np.matmul(h, Wh, out=recurrent)
        gates[t] += recurrent
        advance(gates[t], c, s, cs[t], tcs[t], hs[t])
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
    # da starts as the gate derivatives of every step; each step scales its slice into da_t.
    da = gate_derivatives(cache.gates, H)
    dh, dh_total = np.zeros((N, H)), np.empty((N, H))
    WhT = p["Wh"].T
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh, out=dh_total)
        retreat(dh_total, dc, cache.gates[t], da[t], cache.cs[t - 1] if t else cache.c0, cache.tcs[t])
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
