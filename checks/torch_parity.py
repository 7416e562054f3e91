"""torch as the oracle: run ``torch.nn.RNN`` / ``LSTM`` / ``GRU``, the module ``reference.cells`` names for a kind, on reference params.

The weights go through ``reference.layout``, the project's one mapping, so a
parity failure points at the model or at that mapping, never at a second
hand-written copy of it. torch has no sigmoid RNN; for it the recurrence is
written here with torch ops and differentiated by autograd.

Importing this module imports torch (about 2 s): import it only where torch is needed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import torch

from checks.torch_run import TorchRun
from reference import layout
from reference.cells import cell_kind

Array = npt.NDArray[np.float64]


def _tensor(a: npt.ArrayLike) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)


def _leaf(a: npt.ArrayLike) -> torch.Tensor:
    return _tensor(a).requires_grad_(True)


def _sigmoid_stack(x: torch.Tensor, weights: Mapping[str, torch.Tensor], h0: torch.Tensor, K: int):
    """h_t = σ(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), stacked and bidirectional as torch lays them out."""
    count = h0.shape[0]
    layer_in, h_n = x, []
    for first in range(0, count, K):
        outputs = []
        for k in range(first, first + K):
            sfx = layout.suffix(k // K, k % K)
            seq = layer_in.flip(1) if k % K else layer_in
            h, hs = h0[k], []
            for t in range(seq.shape[1]):
                h = torch.sigmoid(
                    seq[:, t] @ weights["weight_ih" + sfx].T
                    + weights["bias_ih" + sfx]
                    + h @ weights["weight_hh" + sfx].T
                    + weights["bias_hh" + sfx]
                )
                hs.append(h)
            h_n.append(h)
            hs = torch.stack(hs, dim=1)
            outputs.append(hs.flip(1) if k % K else hs)
        layer_in = torch.cat(outputs, dim=-1)
    return layer_in, torch.stack(h_n)


@functools.lru_cache(maxsize=64)
def _module(kind: str, D: int, H: int, num_layers: int, bidirectional: bool, nonlinearity: str) -> torch.nn.Module:
    """One torch module per architecture, reused: each run copies its weights in, which costs far less than building it."""
    cell = cell_kind(kind)
    cls = getattr(torch.nn, cell.torch_module)
    options = {"nonlinearity": nonlinearity} if "activation" in cell.options else {}
    return cls(D, H, num_layers=num_layers, batch_first=True, bidirectional=bidirectional, dtype=torch.float64, **options)


def run(
    x: npt.ArrayLike,
    cells: Sequence[Mapping[str, npt.ArrayLike]],
    *,
    kind: str,
    dout: npt.ArrayLike | None,
    bidirectional: bool = False,
    h0: npt.ArrayLike | None = None,
    c0: npt.ArrayLike | None = None,
    dh_n: npt.ArrayLike | None = None,
    dc_n: npt.ArrayLike | None = None,
    activation: str | None = None,
) -> TorchRun:
    """Forward, then backward of L = Σ out·dout + Σ h_n·dh_n + Σ c_n·dc_n, all in float64 (forward only when dout is None).

    Arguments mirror ``reference.stacked.forward`` and ``backward``.
    """
    cell = cell_kind(kind)
    x_t = _leaf(x)
    N, T, D = x_t.shape
    K = 2 if bidirectional else 1
    H = np.shape(cells[0]["Wh"])[0]
    num_layers = len(cells) // K
    states = (len(cells), N, H)
    h0_t = _leaf(np.zeros(states) if h0 is None else h0)
    c0_t = _leaf(np.zeros(states) if c0 is None else c0)
    state = layout.to_torch(cells, kind=kind, bidirectional=bidirectional)

    c_n = None
    if "activation" in cell.options and activation == "sigmoid":
        weights = {name: _leaf(value) for name, value in state.items()}
        out, h_n = _sigmoid_stack(x_t, weights, h0_t, K)
    else:
        module = _module(kind, D, H, num_layers, bidirectional, activation or "tanh")
        weights = dict(module.named_parameters())
        with torch.no_grad():
            for name, value in state.items():
                weights[name].copy_(torch.from_numpy(value))
                weights[name].grad = None
        if cell.has_cell_state:
            out, (h_n, c_n) = module(x_t, (h0_t, c0_t))
        else:
            out, h_n = module(x_t, h0_t)

    if dout is None:
        return TorchRun(_numpy(out), _numpy(h_n), None if c_n is None else _numpy(c_n), None)
    loss = (out * _tensor(dout)).sum()
    if dh_n is not None:
        loss = loss + (h_n * _tensor(dh_n)).sum()
    if dc_n is not None:
        loss = loss + (c_n * _tensor(dc_n)).sum()
    loss.backward()

    weight_grads = {name: _numpy(w.grad) for name, w in weights.items()}
    grads = {
        "x": _numpy(x_t.grad),
        "h0": _numpy(h0_t.grad),
        "cells": layout.grads_from_torch(weight_grads, kind=kind, num_layers=num_layers, bidirectional=bidirectional),
    }
    if cell.has_cell_state:
        grads["c0"] = _numpy(c0_t.grad)
    return TorchRun(_numpy(out), _numpy(h_n), None if c_n is None else _numpy(c_n), grads)


def _numpy(t: torch.Tensor) -> Array:
    return t.detach().numpy().copy()
