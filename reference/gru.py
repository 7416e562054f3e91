"""GRU in PyTorch's formulation, batch-first, row vectors, gate blocks r, z, n.

Sources: RNN slides, "Gated Recurrent Unit" (update and reset gates; the slides' own form is
``gru_cho``); the torch form is the one the LSTM assignment grades.

Shapes: N batch, T time steps, D features, H hidden units.
Params: ``{"Wx": (D, 3H), "Wh": (H, 3H), "bx": (3H,), "bh": (3H,)}``; the
column blocks of width H are, in order, r (reset), z (update), n (candidate).

Forward, for t = 1..T with h_0 given (zeros by default):

    u_t = x_t Wx + bx                    (input part, split u_r, u_z, u_n)
    v_t = h_{t-1} Wh + bh                (hidden part, split v_r, v_z, v_n)
    r = σ(u_r + v_r)    z = σ(u_z + v_z)
    n = tanh(u_n + r * v_n)              the reset gate acts after the matmul
    h_t = (1 - z) * n + z * h_{t-1}

Backward, with dh_t the whole gradient reaching h_t:

    dn = dh_t (1 - z)     dz = dh_t (h_{t-1} - n)
    du_n = dn (1 - n²)    du_r = du_n v_n r(1-r)    du_z = dz z(1-z)
    dv = [du_r, du_z, du_n * r]
    dh_{t-1} = dh_t z + dv Whᵀ           dx_t = du Wxᵀ
    dWx = Σ_t x_tᵀ du    dbx = Σ du    dWh = Σ_t h_{t-1}ᵀ dv    dbh = Σ dv

This equals ``torch.nn.GRU(batch_first=True)`` with ``weight_ih = Wxᵀ``,
``weight_hh = Whᵀ``, ``bias_ih = bx`` and ``bias_hh = bh`` (see ``layout``).

Cho et al.'s form, the one the RNN slides write, is ``gru_cho``.
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
    return {"Wx": (D, 3 * H), "Wh": (H, 3 * H), "bx": (3 * H,), "bh": (3 * H,)}


def init_params(D: int, H: int, rng: np.random.Generator) -> Params:
    """Uniform(-1/√H, 1/√H) params, torch's default initialisation."""
    bound = 1.0 / np.sqrt(H)
    return {k: rng.uniform(-bound, bound, shape) for k, shape in param_shapes(D, H).items()}


def _advance(u: Array, h_prev: Array, Wh: Array, bh: Array, v_n: Array, h: Array) -> None:
    """One step in place: the input part u (N, 3H) becomes the gates [r, z, n]; v_n and h (N, H) are written."""
    H = h.shape[-1]
    v = h_prev @ Wh
    v += bh
    rz, n = u[:, : 2 * H], u[:, 2 * H :]
    rz += v[:, : 2 * H]
    sigmoid_inplace(rz)
    r, z = rz[:, :H], rz[:, H:]
    v_n[...] = v[:, 2 * H :]
    n += r * v_n
    np.tanh(n, out=n)
    np.subtract(h_prev, n, out=h)
    h *= z
    h += n


def _retreat(dh: Array, h_prev: Array, gates: Array, v_n: Array, du: Array, dv: Array) -> None:
    """One step back: dh, the whole gradient reaching h_t, -> du (N, 3H) and dv (N, 3H), written in place."""
    H = dh.shape[-1]
    r, z, n = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H :]
    du_r, du_z, du_n = du[:, :H], du[:, H : 2 * H], du[:, 2 * H :]
    np.square(n, out=du_n)
    np.subtract(1.0, du_n, out=du_n)
    du_n *= dh
    du_n *= 1.0 - z
    np.multiply(du_n, v_n, out=du_r)
    du_r *= r
    du_r *= 1.0 - r
    np.subtract(h_prev, n, out=du_z)
    du_z *= dh
    du_z *= z
    du_z *= 1.0 - z
    dv[:, : 2 * H] = du[:, : 2 * H]
    np.multiply(du_n, r, out=dv[:, 2 * H :])


class StepCache(NamedTuple):
    x: Array  # (N, D)
    h_prev: Array  # (N, H)
    gates: Array  # (N, 3H) r, z, n
    v_n: Array  # (N, H) h_prev Wh_n + bh_n
    params: Params


class Cache(NamedTuple):
    x: Array  # (T, N, D), time-major so that each step's slice is contiguous
    h0: Array  # (N, H)
    hs: Array  # (T, N, H)
    gates: Array  # (T, N, 3H) r, z, n
    v_n: Array  # (T, N, H)
    params: Params


def _checked(x, h_prev, params, axes: str):
    x = validation.array("x", x, axes)
    params, H = validation.cell_params(params, param_shapes, D=x.shape[-1], source=f"x of shape {x.shape}")
    h = validation.state("h0" if axes == "NTD" else "h_prev", h_prev, (x.shape[0], H))
    return x, h, params, H


def step_forward(x: npt.ArrayLike, h_prev: npt.ArrayLike, params: dict) -> tuple[Array, StepCache]:
    """One step: x (N, D), h_prev (N, H) -> h (N, H)."""
    x, h_prev, params, H = _checked(x, h_prev, params, "ND")
    gates = x @ params["Wx"]
    gates += params["bx"]
    v_n, h = np.empty_like(h_prev), np.empty_like(h_prev)
    _advance(gates, h_prev, params["Wh"], params["bh"], v_n, h)
    return h, StepCache(x, h_prev, gates, v_n, params)


def step_backward(dh: npt.ArrayLike, cache: StepCache) -> dict[str, Array]:
    """dh (N, H) -> grads with keys x (N, D), h_prev (N, H), Wx, Wh, bx, bh."""
    dh = validation.gradient("dh", dh, cache.h_prev.shape)
    p = cache.params
    du, dv = np.empty_like(cache.gates), np.empty_like(cache.gates)
    _retreat(dh, cache.h_prev, cache.gates, cache.v_n, du, dv)
    return {
        "x": du @ p["Wx"].T,
        "h_prev": dh * cache.gates[:, dh.shape[1] : 2 * dh.shape[1]] + dv @ p["Wh"].T,
        "Wx": cache.x.T @ du,
        "Wh": cache.h_prev.T @ dv,
        "bx": du.sum(axis=0),
        "bh": dv.sum(axis=0),
    }


def forward(x: npt.ArrayLike, params: dict, h0: npt.ArrayLike | None = None) -> tuple[Array, Cache]:
    """Whole sequence: x (N, T, D), h0 (N, H) or None for zeros -> hs (N, T, H)."""
    x, h0, params, H = _checked(x, h0, params, "NTD")
    N, T, D = x.shape
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    # The input projection of every step in one matmul; only h @ Wh is sequential.
    # gates starts as x_t Wx + bx and each step turns its slice into [r, z, n] in place.
    gates = (x_tm.reshape(T * N, D) @ params["Wx"]).reshape(T, N, 3 * H)
    gates += params["bx"]
    hs, v_n = np.empty((T, N, H)), np.empty((T, N, H))
    h = h0
    for t in range(T):
        _advance(gates[t], h, params["Wh"], params["bh"], v_n[t], hs[t])
        h = hs[t]
    return hs.transpose(1, 0, 2).copy(), Cache(x_tm, h0, hs, gates, v_n, params)


def backward(dhs: npt.ArrayLike, cache: Cache) -> dict[str, Array]:
    """dhs (N, T, H), dL/dh_t from above at every step -> grads Wx, Wh, bx, bh, x (N, T, D), h0 (N, H)."""
    T, N, H = cache.hs.shape
    dhs = validation.gradient("dhs", dhs, (N, T, H)).transpose(1, 0, 2)
    p = cache.params
    du, dv = np.empty_like(cache.gates), np.empty_like(cache.gates)
    dh, dh_total = np.zeros((N, H)), np.empty((N, H))
    WhT = p["Wh"].T
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh, out=dh_total)
        h_prev = cache.hs[t - 1] if t else cache.h0
        _retreat(dh_total, h_prev, cache.gates[t], cache.v_n[t], du[t], dv[t])
        # dh_{t-1} = dh_t z + dv Whᵀ
        np.matmul(dv[t], WhT, out=dh)
        dh += dh_total * cache.gates[t, :, H : 2 * H]
    dWx, dx = through_time.input_grads(cache.x, du, p["Wx"])
    return {
        "Wx": dWx,
        "Wh": through_time.recurrent_grad(cache.h0, cache.hs, dv),
        "bx": du.sum(axis=(0, 1)),
        "bh": dv.sum(axis=(0, 1)),
        "x": dx,
        "h0": dh,
    }
