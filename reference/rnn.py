"""Elman SimpleRNN, batch-first, in the course's row-vector convention.

Sources: DIVE INTO CODE, Day 29 slides, "RNNs: Regression coupled type" (Elman's simple
recurrent network) and Sprint 22 (the equations and shapes below); the BPTT below is the
lecture notes' "Backward Propagation" and Mines Paristech Session 3's "Analysis of gradients".

Shapes: N batch, T time steps, D features, H hidden units.
Params: ``{"Wx": (D, H), "Wh": (H, H), "b": (H,)}``.

Forward, for t = 1..T with h_0 given (zeros by default):

    a_t = x_t Wx + h_{t-1} Wh + b
    h_t = act(a_t)                      act in {tanh, relu, sigmoid}

Backward, with dh_t the whole gradient reaching h_t: the upstream dL/dh_t
plus what step t+1 sends back.

    da_t    = dh_t * act'(a_t)
    dh_{t-1} = da_t Whᵀ                 (added to dL/dh_{t-1})
    dx_t    = da_t Wxᵀ
    dWx = Σ_t x_tᵀ da_t    dWh = Σ_t h_{t-1}ᵀ da_t    db = Σ_t Σ_n da_t

This equals ``torch.nn.RNN(batch_first=True)`` with ``weight_ih = Wxᵀ``,
``weight_hh = Whᵀ``, ``bias_ih = b`` and ``bias_hh = 0`` (see ``layout``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import through_time, validation
from reference.activations import ACTIVATIONS

Array = npt.NDArray[np.float64]
Params = dict[str, Array]


def param_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    return {"Wx": (D, H), "Wh": (H, H), "b": (H,)}


def init_params(D: int, H: int, rng: np.random.Generator) -> Params:
    """Uniform(-1/√H, 1/√H) params, torch's default initialisation."""
    bound = 1.0 / np.sqrt(H)
    return {k: rng.uniform(-bound, bound, shape) for k, shape in param_shapes(D, H).items()}


class StepCache(NamedTuple):
    x: Array  # (N, D)
    h_prev: Array  # (N, H)
    h: Array  # (N, H)
    params: Params
    activation: str


class Cache(NamedTuple):
    x: Array  # (T, N, D), time-major so that each step's slice is contiguous
    h0: Array  # (N, H)
    hs: Array  # (T, N, H)
    params: Params
    activation: str


def _checked(x: npt.ArrayLike, h_prev: npt.ArrayLike | None, params: dict, activation: str, axes: str):
    validation.choice("activation", activation, ACTIVATIONS)
    x = validation.array("x", x, axes)
    params, H = validation.cell_params(params, param_shapes, D=x.shape[-1], source=f"x of shape {x.shape}")
    h_name = "h0" if axes == "NTD" else "h_prev"
    h = validation.state(h_name, h_prev, (x.shape[0], H))
    return x, h, params


def step_forward(x: npt.ArrayLike, h_prev: npt.ArrayLike, params: dict, activation: str = "tanh") -> tuple[Array, StepCache]:
    """One step: x (N, D), h_prev (N, H) -> h (N, H)."""
    x, h_prev, params = _checked(x, h_prev, params, activation, "ND")
    a = x @ params["Wx"]
    a += params["b"]
    a += h_prev @ params["Wh"]
    h = ACTIVATIONS[activation].forward_inplace(a)
    return h, StepCache(x, h_prev, h, params, activation)


def step_backward(dh: npt.ArrayLike, cache: StepCache) -> dict[str, Array]:
    """dh (N, H) -> grads with keys x (N, D), h_prev (N, H), Wx, Wh, b."""
    dh = validation.gradient("dh", dh, cache.h.shape)
    da = ACTIVATIONS[cache.activation].derivative_from_output(cache.h)
    da *= dh
    p = cache.params
    return {
        "x": da @ p["Wx"].T,
        "h_prev": da @ p["Wh"].T,
        "Wx": cache.x.T @ da,
        "Wh": cache.h_prev.T @ da,
        "b": da.sum(axis=0),
    }


def forward(x: npt.ArrayLike, params: dict, h0: npt.ArrayLike | None = None, activation: str = "tanh") -> tuple[Array, Cache]:
    """Whole sequence: x (N, T, D), h0 (N, H) or None for zeros -> hs (N, T, H)."""
    x, h0, params = _checked(x, h0, params, activation, "NTD")
    N, T, D = x.shape
    act = ACTIVATIONS[activation].forward_inplace
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    # The input projection of every step in one matmul; only h @ Wh is sequential.
    # hs starts as x_t Wx + b and each step turns its slice into h_t in place.
    hs = (x_tm.reshape(T * N, D) @ params["Wx"]).reshape(T, N, -1)
    hs += params["b"]
    recurrent = np.empty_like(h0)
    h, Wh = h0, params["Wh"]
    for t in range(T):
        np.matmul(h, Wh, out=recurrent)
        hs[t] += recurrent
        h = act(hs[t])
    return hs.transpose(1, 0, 2).copy(), Cache(x_tm, h0, hs, params, activation)


def backward(dhs: npt.ArrayLike, cache: Cache) -> dict[str, Array]:
    """dhs (N, T, H), dL/dh_t from above at every step -> grads Wx, Wh, b, x (N, T, D), h0 (N, H)."""
    T, N, H = cache.hs.shape
    dhs = validation.gradient("dhs", dhs, (N, T, H)).transpose(1, 0, 2)
    p = cache.params
    # da starts as act'(a_t) for every step, from the cached outputs, and each
    # step multiplies its slice by the dh_t reaching it.
    da = ACTIVATIONS[cache.activation].derivative_from_output(cache.hs)
    dh, dh_total = np.zeros((N, H)), np.empty((N, H))
    WhT = p["Wh"].T
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh, out=dh_total)
        da[t] *= dh_total
        np.matmul(da[t], WhT, out=dh)
    dWx, dx = through_time.input_grads(cache.x, da, p["Wx"])
    return {"Wx": dWx, "Wh": through_time.recurrent_grad(cache.h0, cache.hs, da), "b": da.sum(axis=(0, 1)), "x": dx, "h0": dh}
