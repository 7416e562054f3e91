"""The parts of backpropagation through time that every cell shares.

Shapes, time-major as the caches keep them: T steps, N batch, D features,
H hidden units, G gate blocks (1 RNN, 3 GRU, 4 LSTM).

Once the backward loop has the gradient of every step's pre-activations,
the weight gradients are sums over steps, and each is one matmul over all
T·N rows instead of T small ones:

    dWx = Σ_t x_tᵀ du_t         dx_t = du_t Wxᵀ
    dWh = Σ_t h_{t-1}ᵀ dv_t     with h_{t-1} = h0 at t = 1
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def input_grads(x: Array, du: Array, Wx: Array) -> tuple[Array, Array]:
    """x (T, N, D), du (T, N, G·H), Wx (D, G·H) -> dWx (D, G·H) and dx (N, T, D), batch-first."""
    T, N, D = x.shape
    du_rows = du.reshape(T * N, -1)
    dx = (du_rows @ Wx.T).reshape(T, N, D).transpose(1, 0, 2).copy()
    return x.reshape(T * N, D).T @ du_rows, dx


def recurrent_grad(h0: Array, hs: Array, dv: Array) -> Array:
    """h0 (N, H), hs (T, N, H), dv (T, N, G·H) -> dWh (H, G·H)."""
    H = h0.shape[-1]
    dWh = h0.T @ dv[0]
    if len(hs) > 1:
        dWh += hs[:-1].reshape(-1, H).T @ dv[1:].reshape(-1, dv.shape[-1])
    return dWh
