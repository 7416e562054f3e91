"""GRU in Cho et al.'s form, the one the RNN slides write, batch-first, row vectors, gate blocks r, z, n.

Sources: RNN slides, "Gated Recurrent Unit" (after Cho et al. 2014). torch's
form, where the reset gate acts after the matmul, is ``gru``.

Shapes: N batch, T time steps, D features, H hidden units.
Params: ``{"Wx": (D, 3H), "Wh": (H, 3H), "b": (3H,)}``; the column blocks of
width H are, in order, r (reset), z (update), n (the candidate h̃), and there is
one bias.

Forward, for t = 1..T with h_0 given (zeros by default):

    r = σ(x_t Wx_r + h_{t-1} Wh_r + b_r)    z = σ(x_t Wx_z + h_{t-1} Wh_z + b_z)
    h̃ = tanh(x_t Wx_n + (r * h_{t-1}) Wh_n + b_n)     the reset gate acts before the matmul
    h_t = (1 - z) * h_{t-1} + z * h̃

Two differences from ``gru``: r scales h_{t-1} rather than h_{t-1} Wh_n + bh_n,
and z has the opposite role: here z = 1 keeps the candidate, there z = 1 keeps
h_{t-1}.

Backward, with dh_t the whole gradient reaching h_t:

    da_n = dh_t z (1 - h̃²)        d(rh) = da_n Wh_nᵀ
    da_r = d(rh) h_{t-1} r(1-r)    da_z = dh_t (h̃ - h_{t-1}) z(1-z)
    dh_{t-1} = dh_t (1 - z) + d(rh) r + [da_r, da_z] Wh_rzᵀ     dx_t = da_t Wxᵀ
    dWx = Σ_t x_tᵀ da_t    db = Σ da    dWh_rz = Σ_t h_{t-1}ᵀ [da_r, da_z]    dWh_n = Σ_t (r h_{t-1})ᵀ da_n
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import through_time, validation
from reference.activations import sigmoid_inplace

Array = npt.NDArray[np.float64]
Params = dict[str, Array]


def param_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    return {"Wx": (D, 3 * H), "Wh": (H, 3 * H), "b": (3 * H,)}


def init_params(D: int, H: int, rng: np.random.Generator) -> Params:
    """Uniform(-1/√H, 1/√H) params, torch's default initialisation."""
    bound = 1.0 / np.sqrt(H)
    return {k: rng.uniform(-bound, bound, shape) for k, shape in param_shapes(D, H).items()}


class StepCache(NamedTuple):
    x: Array  # (N, D)
    h_prev: Array  # (N, H)
    gates: Array  # (N, 3H) r, z, h̃
    params: Params


class Cache(NamedTuple):
    x: Array  # (T, N, D), time-major so that each step's slice is contiguous
    h0: Array  # (N, H)
    hs: Array  # (T, N, H)
    gates: Array  # (T, N, 3H) r, z, h̃
    params: Params


def _checked(x, h_prev, params, axes: str):
    if "b" not in params and "bx" in params:
        raise ValueError("params has 'bx' and 'bh', the two biases of torch's GRU (gru.forward); gru_cho takes one bias 'b' of shape (3H,)")
    x = validation.array("x", x, axes)
    params, H = validation.cell_params(params, param_shapes, D=x.shape[-1], source=f"x of shape {x.shape}")
    h = validation.state("h0" if axes == "NTD" else "h_prev", h_prev, (x.shape[0], H))
    return x, h, params, H


def _advance(u: Array, h_prev: Array, Wh: Array, h: Array) -> None:
    """One step in place: the input part u = x Wx + b (N, 3H) becomes the gates [r, z, h̃]; h (N, H) is written."""
    H = h.shape[-1]
    rz, n = u[:, : 2 * H], u[:, 2 * H :]
    rz += h_prev @ Wh[:, : 2 * H]
    sigmoid_inplace(rz)
    r, z = rz[:, :H], rz[:, H:]
    # The reset gate scales h_{t-1} before the matmul.
    n += (r * h_prev) @ Wh[:, 2 * H :]
    np.tanh(n, out=n)
    np.subtract(n, h_prev, out=h)
    h *= z
    h += h_prev


def _retreat(dh: Array, h_prev: Array, gates: Array, Wh: Array, da: Array) -> Array:
    """One step back: dh, the whole gradient reaching h_t, -> da (N, 3H), written in place; returns dh_{t-1}."""
    H = dh.shape[-1]
    r, z, n = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H :]
    da_r, da_z, da_n = da[:, :H], da[:, H : 2 * H], da[:, 2 * H :]
    np.square(n, out=da_n)
    np.subtract(1.0, da_n, out=da_n)
    da_n *= dh
    da_n *= z
    d_rh = da_n @ Wh[:, 2 * H :].T
    np.multiply(d_rh, h_prev, out=da_r)
    da_r *= r
    da_r *= 1.0 - r
    np.subtract(n, h_prev, out=da_z)
    da_z *= dh
    da_z *= z
    da_z *= 1.0 - z
    dh_prev = dh * (1.0 - z)
    dh_prev += d_rh * r
    dh_prev += da[:, : 2 * H] @ Wh[:, : 2 * H].T
    return dh_prev


def _recurrent_grad(h_prev: Array, gates: Array, da: Array) -> Array:
    """h_prev (..., N, H), gates and da (..., N, 3H) -> dWh (H, 3H): r, z see h_{t-1}; h̃ sees r * h_{t-1}."""
    H = h_prev.shape[-1]
    rows = h_prev.reshape(-1, H)
    da = da.reshape(-1, 3 * H)
    rh = gates.reshape(-1, 3 * H)[:, :H] * rows
    return np.concatenate([rows.T @ da[:, : 2 * H], rh.T @ da[:, 2 * H :]], axis=1)


def step_forward(x: npt.ArrayLike, h_prev: npt.ArrayLike, params: dict) -> tuple[Array, StepCache]:
    """One step: x (N, D), h_prev (N, H) -> h (N, H)."""
    x, h_prev, params, H = _checked(x, h_prev, params, "ND")
    gates = x @ params["Wx"]
    gates += params["b"]
    h = np.empty_like(h_prev)
    _advance(gates, h_prev, params["Wh"], h)
    return h, StepCache(x, h_prev, gates, params)


def step_backward(dh: npt.ArrayLike, cache: StepCache) -> dict[str, Array]:
    """dh (N, H) -> grads with keys x (N, D), h_prev (N, H), Wx, Wh, b."""
    dh = validation.gradient("dh", dh, cache.h_prev.shape)
    p = cache.params
    da = np.empty_like(cache.gates)
    dh_prev = _retreat(dh, cache.h_prev, cache.gates, p["Wh"], da)
    return {
        "x": da @ p["Wx"].T,
        "h_prev": dh_prev,
        "Wx": cache.x.T @ da,
        "Wh": _recurrent_grad(cache.h_prev, cache.gates, da),
        "b": da.sum(axis=0),
    }


def forward(x: npt.ArrayLike, params: dict, h0: npt.ArrayLike | None = None) -> tuple[Array, Cache]:
    """Whole sequence: x (N, T, D), h0 (N, H) or None for zeros -> hs (N, T, H)."""
    x, h0, params, H = _checked(x, h0, params, "NTD")
    N, T, D = x.shape
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    # gates starts as x_t Wx + b for every step and each step turns its slice into [r, z, h̃] in place.
    gates = (x_tm.reshape(T * N, D) @ params["Wx"]).reshape(T, N, 3 * H)
    gates += params["b"]
    hs = np.empty((T, N, H))
    h = h0
    for t in range(T):
        _advance(gates[t], h, params["Wh"], hs[t])
        h = hs[t]
    return hs.transpose(1, 0, 2).copy(), Cache(x_tm, h0, hs, gates, params)


def backward(dhs: npt.ArrayLike, cache: Cache) -> dict[str, Array]:
    """dhs (N, T, H), dL/dh_t from above at every step -> grads Wx, Wh, b, x (N, T, D), h0 (N, H)."""
    T, N, H = cache.hs.shape
    dhs = validation.gradient("dhs", dhs, (N, T, H)).transpose(1, 0, 2)
    p = cache.params
    h_prev = np.concatenate([cache.h0[None], cache.hs[:-1]])
    da = np.empty_like(cache.gates)
    dh = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dh = _retreat(dhs[t] + dh, h_prev[t], cache.gates[t], p["Wh"], da[t])
    dWx, dx = through_time.input_grads(cache.x, da, p["Wx"])
    return {
        "Wx": dWx,
        "Wh": _recurrent_grad(h_prev, cache.gates, da),
        "b": da.sum(axis=(0, 1)),
        "x": dx,
        "h0": dh,
    }
