"""Jordan network: the context fed back is the previous OUTPUT, not the hidden state.

DIC Day 29 slides, "RNNs: Regression coupled type": unlike Elman's network,
"the past history is input from the output layer to the context layer (called
the state layer in Jordan)"; Mines Paristech Session 3, "Old style of RNN":
"Jordan recurrent neural networks use feedback from the output layer to the
context nodes of the input layer".

Shapes: N batch, T time steps, D features, H hidden units, O outputs.
Params: ``{"Wx": (D, H), "Wy": (O, H), "b": (H,), "Wo": (H, O), "bo": (O,)}``.

Forward, for t = 1..T with y_0 given (zeros by default), σ the logistic sigmoid:

    a_t = x_t Wx + y_{t-1} Wy + b        h_t = σ(a_t)
    z_t = h_t Wo + bo                    y_t = σ(z_t)

Backward, with dy_t the whole gradient reaching y_t: the upstream dL/dy_t
plus what step t+1 sends back through its context y_t.

    dz_t = dy_t * y_t(1-y_t)         dh_t = dz_t Woᵀ
    da_t = dh_t * h_t(1-h_t)         dy_{t-1} = da_t Wyᵀ   (added to dL/dy_{t-1})
    dx_t = da_t Wxᵀ
    dWx = Σ_t x_tᵀ da_t    dWy = Σ_t y_{t-1}ᵀ da_t    db = Σ_t Σ_n da_t
    dWo = Σ_t h_tᵀ dz_t    dbo = Σ_t Σ_n dz_t
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import through_time, validation
from reference.activations import sigmoid_inplace

Array = npt.NDArray[np.float64]
Params = dict[str, Array]


def param_shapes(D: int, H: int, O: int) -> dict[str, tuple[int, ...]]:
    return {"Wx": (D, H), "Wy": (O, H), "b": (H,), "Wo": (H, O), "bo": (O,)}


def init_params(D: int, H: int, O: int, rng: np.random.Generator) -> Params:
    """Uniform(-1/√H, 1/√H) params, as the other cells."""
    bound = 1.0 / np.sqrt(H)
    return {k: rng.uniform(-bound, bound, shape) for k, shape in param_shapes(D, H, O).items()}


class StepCache(NamedTuple):
    x: Array  # (N, D)
    y_prev: Array  # (N, O)
    h: Array  # (N, H)
    y: Array  # (N, O)
    params: Params


class Cache(NamedTuple):
    x: Array  # (T, N, D), time-major so that each step's slice is contiguous
    y0: Array  # (N, O)
    hs: Array  # (T, N, H)
    ys: Array  # (T, N, O)
    params: Params


def _checked_params(given: Mapping[str, npt.ArrayLike], D: int, source: str) -> tuple[Params, int, int]:
    """float64 copies of the params, H and O read off Wo (H, O); or raise."""
    validation.keys(given, param_shapes(1, 1, 1))
    wo = np.shape(given["Wo"])
    if len(wo) != 2 or 0 in wo:
        raise ValueError(f"params['Wo'] has shape {wo}; expected (H, O), hidden units by outputs")
    H, O = int(wo[0]), int(wo[1])
    note = f"D={D} input features ({source}), H={H} hidden units and O={O} outputs (from Wo)"
    return validation.shaped(given, param_shapes(D, H, O), note=note), H, O


def _checked(x: npt.ArrayLike, y_prev: npt.ArrayLike | None, params: Mapping, axes: str) -> tuple[Array, Array, Params]:
    x = validation.array("x", x, axes)
    params, _, O = _checked_params(params, x.shape[-1], f"x of shape {x.shape}")
    name, shape = ("y0" if axes == "NTD" else "y_prev"), (x.shape[0], O)
    if y_prev is None:
        return x, np.zeros(shape), params
    y = np.array(y_prev, dtype=np.float64, copy=True)
    if y.shape != shape:
        raise ValueError(f"{name} has shape {y.shape}; expected {shape} (N={shape[0]}, O={O} outputs); pass None for zeros")
    return x, y, params


def _output(h: Array, params: Params, y: Array) -> None:
    """y <- σ(h Wo + bo), written in place."""
    np.matmul(h, params["Wo"], out=y)
    y += params["bo"]
    sigmoid_inplace(y)


def step_forward(x: npt.ArrayLike, y_prev: npt.ArrayLike, params: Mapping) -> tuple[Array, Array, StepCache]:
    """One step: x (N, D), y_prev (N, O) -> y (N, O), h (N, H)."""
    x, y_prev, params = _checked(x, y_prev, params, "ND")
    h = x @ params["Wx"]
    h += y_prev @ params["Wy"]
    h += params["b"]
    sigmoid_inplace(h)
    y = np.empty_like(y_prev)
    _output(h, params, y)
    return y, h, StepCache(x, y_prev, h, y, params)


def step_backward(dy: npt.ArrayLike, cache: StepCache) -> dict[str, Array]:
    """dy (N, O) -> grads with keys x (N, D), y_prev (N, O), Wx, Wy, b, Wo, bo."""
    dy = validation.gradient("dy", dy, cache.y.shape)
    p = cache.params
    dz = dy * cache.y * (1.0 - cache.y)
    da = (dz @ p["Wo"].T) * cache.h * (1.0 - cache.h)
    return {
        "x": da @ p["Wx"].T,
        "y_prev": da @ p["Wy"].T,
        "Wx": cache.x.T @ da,
        "Wy": cache.y_prev.T @ da,
        "b": da.sum(axis=0),
        "Wo": cache.h.T @ dz,
        "bo": dz.sum(axis=0),
    }


def forward(x: npt.ArrayLike, params: Mapping, y0: npt.ArrayLike | None = None) -> tuple[Array, Cache]:
    """Whole sequence: x (N, T, D), y0 (N, O) or None for zeros -> ys (N, T, O).

    The hidden states are ``cache.hs``, time-major (T, N, H).
    """
    x, y0, params = _checked(x, y0, params, "NTD")
    N, T, D = x.shape
    O = y0.shape[1]
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    # The input projection of every step in one matmul; only y @ Wy is sequential.
    # hs starts as x_t Wx + b and each step turns its slice into h_t in place.
    hs = (x_tm.reshape(T * N, D) @ params["Wx"]).reshape(T, N, -1)
    hs += params["b"]
    ys = np.empty((T, N, O))
    y, Wy = y0, params["Wy"]
    for t in range(T):
        hs[t] += y @ Wy
        sigmoid_inplace(hs[t])
        _output(hs[t], params, ys[t])
        y = ys[t]
    return ys.transpose(1, 0, 2).copy(), Cache(x_tm, y0, hs, ys, params)


def backward(dys: npt.ArrayLike, cache: Cache) -> dict[str, Array]:
    """dys (N, T, O), dL/dy_t from outside at every step -> grads Wx, Wy, b, Wo, bo, x (N, T, D), y0 (N, O)."""
    T, N, O = cache.ys.shape
    H = cache.hs.shape[2]
    dys = validation.gradient("dys", dys, (N, T, O)).transpose(1, 0, 2)
    p = cache.params
    # dz and da start as σ' of every step, from the cached outputs; each step scales its slices.
    dz = cache.ys * (1.0 - cache.ys)
    da = cache.hs * (1.0 - cache.hs)
    dy = np.zeros((N, O))
    WoT, WyT = p["Wo"].T, p["Wy"].T
    for t in range(T - 1, -1, -1):
        dz[t] *= dys[t] + dy
        da[t] *= dz[t] @ WoT
        dy = da[t] @ WyT
    dWx, dx = through_time.input_grads(cache.x, da, p["Wx"])
    return {
        "Wx": dWx,
        "Wy": through_time.recurrent_grad(cache.y0, cache.ys, da),
        "b": da.sum(axis=(0, 1)),
        "Wo": cache.hs.reshape(T * N, H).T @ dz.reshape(T * N, O),
        "bo": dz.sum(axis=(0, 1)),
        "x": dx,
        "y0": dy,
    }
