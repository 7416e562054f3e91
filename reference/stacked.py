"""Stacked and bidirectional RNN, LSTM and GRU, laid out exactly as torch's (``batch_first=True``).

Sources: RNN slides, "Sequences contain structure when parsed in reverse" (bidirectional
networks) and "Stacked networks increase representational capacity".

Shapes: N batch, T time steps, D features, H hidden units, L layers,
K = 2 directions when bidirectional else 1.

``cells`` is a list of L·K param dicts, cell ``k`` being layer ``k // K`` and
direction ``k % K`` (0 forward, 1 reverse), the index torch uses for ``h_n``.
Layer 0 reads x (D features); layer l > 0 reads layer l-1's output (K·H).

    forward direction:  hs = cell(x_1..x_T)
    reverse direction:  hs = reversed(cell(x_T..x_1))
    layer output        = [hs_forward, hs_reverse] concatenated on the last axis (N, T, K·H)
    h_n[k]              = the state cell k ended with: step T forward, step 1 reverse

Backward runs the layers top-down; each layer's dx, summed over its
directions, is the upstream gradient of the layer below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import validation
from reference.activations import ACTIVATIONS
from reference.cells import CELLS, cell_kind, kinds_with

Array = npt.NDArray[np.float64]


class Cache(NamedTuple):
    kind: str
    directions: int
    hidden: int
    caches: list  # one cell cache per entry of ``cells``


def cell_forward(kind: str, x: npt.ArrayLike, params: Mapping, h0=None, c0=None, activation: str | None = None):
    """``<kind>.forward`` of one cell -> (hs, cache); c0 is for a cell with a cell state, activation for one that takes it.

    Either is ignored by a kind without it.
    """
    cell = cell_kind(kind)
    states = (h0, c0)[: len(cell.states)]
    options = {"activation": activation} if activation is not None and "activation" in cell.options else {}
    return cell.forward(x, params, *states, **options)


def cell_backward(kind: str, dhs: npt.ArrayLike, cache, dc_last=None) -> dict[str, Array]:
    """``<kind>.backward`` of one cell -> grads; dc_last is for a cell with a cell state, and ignored by the others."""
    cell = cell_kind(kind)
    return cell.backward(dhs, cache, *((dc_last,) if cell.has_cell_state else ()))


def _checked(x, cells, kind, bidirectional, h0, c0, activation):
    cell = cell_kind(kind)
    if activation is not None and "activation" not in cell.options:
        only = kinds_with(lambda k: "activation" in k.options)
        raise ValueError(f"activation={activation!r} applies only to {only}; leave it out for kind={kind!r}")
    if c0 is not None and not cell.has_cell_state:
        raise ValueError(f"c0 applies only to {kinds_with(lambda k: k.has_cell_state)}; leave it out for kind={kind!r}")
    activation = validation.choice("activation", activation or "tanh", ACTIVATIONS)
    x = validation.array("x", x, "NTD")
    K = 2 if bidirectional else 1
    if len(cells) == 0 or len(cells) % K:
        raise ValueError(f"cells has {len(cells)} entries; expected a positive multiple of {K} (layers x directions)")
    _, H = validation.cell_params(cells[0], cell.param_shapes, D=x.shape[-1], source=f"x of shape {x.shape}", name="cells[0]")
    for k, params in enumerate(cells[1:], start=1):
        D, source = (x.shape[-1], f"x of shape {x.shape}") if k < K else (K * H, f"the output of layer {k // K - 1}, {K}*H wide")
        _, H_k = validation.cell_params(params, cell.param_shapes, D=D, source=source, name=f"cells[{k}]")
        if H_k != H:
            raise ValueError(f"cells[{k}]['Wh'] gives H={H_k}; every cell needs cells[0]'s H={H}")
    shape = (len(cells), x.shape[0], H)
    h0 = validation.state("h0", h0, shape, axes="SNH")
    c0 = validation.state("c0", c0, shape, axes="SNH") if cell.has_cell_state else None
    return x, K, H, h0, c0, activation


def forward(
    x: npt.ArrayLike,
    cells: Sequence[Mapping[str, npt.ArrayLike]],
    *,
    kind: str,
    bidirectional: bool = False,
    h0: npt.ArrayLike | None = None,
    c0: npt.ArrayLike | None = None,
    activation: str | None = None,
) -> tuple[Array, Array, Array | None, Cache]:
    """x (N, T, D); h0, c0 (L·K, N, H) or None for zeros.

    Returns ``(out, h_n, c_n, cache)``: out (N, T, K·H), h_n (L·K, N, H), and
    c_n (L·K, N, H) for a cell with a cell state (LSTM) or None. ``activation`` is for kind="rnn" only.
    """
    x, K, H, h0, c0, activation = _checked(x, cells, kind, bidirectional, h0, c0, activation)
    layer_in = x
    caches, h_n, c_n = [], np.empty_like(h0), None if c0 is None else np.empty_like(c0)
    for first in range(0, len(cells), K):
        outputs = []
        for k in range(first, first + K):
            reverse = k % K == 1
            seq = layer_in[:, ::-1] if reverse else layer_in
            hs, cache = cell_forward(kind, seq, cells[k], h0[k], None if c0 is None else c0[k], activation)
            caches.append(cache)
            h_n[k] = hs[:, -1]
            if c_n is not None:
                c_n[k] = CELLS[kind].last_cell_state(cache)
            outputs.append(hs[:, ::-1] if reverse else hs)
        layer_in = np.concatenate(outputs, axis=-1) if K == 2 else outputs[0]
    return layer_in, h_n, c_n, Cache(kind, K, H, caches)


def backward(
    dout: npt.ArrayLike,
    cache: Cache,
    dh_n: npt.ArrayLike | None = None,
    dc_n: npt.ArrayLike | None = None,
) -> dict:
    """dout (N, T, K·H); dh_n, dc_n (L·K, N, H) or None for zeros.

    Returns ``{"x": (N, T, D), "h0": (L·K, N, H), ["c0": (L·K, N, H),] "cells": [grads per cell]}``.
    """
    K, H, caches = cache.directions, cache.hidden, cache.caches
    T, N = caches[-1].hs.shape[:2]
    d_in = validation.gradient("dout", dout, (N, T, K * H))
    states = (len(caches), N, H)
    dh_n = np.zeros(states) if dh_n is None else validation.gradient("dh_n", dh_n, states)
    has_c = CELLS[cache.kind].has_cell_state
    if dc_n is not None and not has_c:
        raise ValueError(f"dc_n applies only to {kinds_with(lambda k: k.has_cell_state)}; leave it out for kind={cache.kind!r}")
    dc_n = np.zeros(states) if dc_n is None else validation.gradient("dc_n", dc_n, states)
    cell_grads: list = [None] * len(caches)
    dh0, dc0 = np.empty(states), np.empty(states)
    for first in range(len(caches) - K, -1, -K):
        d_below = None
        for k in range(first, first + K):
            reverse = k % K == 1
            dhs = d_in[..., (k % K) * H : (k % K + 1) * H]
            dhs = (dhs[:, ::-1] if reverse else dhs).copy()
            dhs[:, -1] += dh_n[k]
            g = cell_backward(cache.kind, dhs, caches[k], dc_n[k] if has_c else None)
            if has_c:
                dc0[k] = g.pop("c0")
            dx = g.pop("x")
            dh0[k] = g.pop("h0")
            cell_grads[k] = g
            dx = dx[:, ::-1] if reverse else dx
            d_below = dx if d_below is None else d_below + dx
        d_in = d_below
    grads = {"x": np.ascontiguousarray(d_in), "h0": dh0, "cells": cell_grads}
    if has_c:
        grads["c0"] = dc0
    return grads
