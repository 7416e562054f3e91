"""The one mapping between the reference's params and torch's state dicts, for stacks of cells.

torch stores each layer's weights transposed, as ``weight_ih_l{k}`` (G·H, D_in)
and ``weight_hh_l{k}`` (G·H, H), with the reverse direction's suffixed
``_reverse``; G is the kind's number of gate blocks (1 for RNN, 4 for LSTM, 3
for GRU). How one cell's params map to its four torch parameters, biases and
block order included, is its kind's entry in ``cells``:

    weight_ih = Wxᵀ        weight_hh = Whᵀ
    RNN, LSTM:  bias_ih = b,  bias_hh = 0    (torch adds them: b = bias_ih + bias_hh)
    GRU:        bias_ih = bx, bias_hh = bh   (kept apart: the reset gate scales bh_n)

A stack of cells is a list indexed like torch's ``h_n``: cell ``k`` is layer
``k // D``, direction ``k % D`` (D = 2 when bidirectional, else 1).

Arrays stay NumPy here so that the reference never imports torch; wrap them
with ``torch.from_numpy`` to load them into a module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from reference.cells import TORCH_NAMES, cell_kind

Array = npt.NDArray[np.float64]


def suffix(layer: int, direction: int) -> str:
    """torch's name suffix of one cell: ``_l0``, ``_l1_reverse``, ..."""
    return f"_l{layer}" + ("_reverse" if direction else "")


def _suffixes(count: int, bidirectional: bool) -> list[str]:
    directions = 2 if bidirectional else 1
    return [suffix(k // directions, k % directions) for k in range(count)]


def to_torch(cells: Sequence[Mapping[str, npt.ArrayLike]], *, kind: str, bidirectional: bool = False) -> dict[str, Array]:
    """Reference params, one dict per cell -> a torch state dict of NumPy arrays."""
    cell = cell_kind(kind)
    state: dict[str, Array] = {}
    for sfx, p in zip(_suffixes(len(cells), bidirectional), cells):
        state.update({name + sfx: value for name, value in cell.to_torch(p).items()})
    return state


def _from_torch(
    state: Mapping[str, npt.ArrayLike], kind: str, num_layers: int, bidirectional: bool, *, grads: bool
) -> list[dict[str, Array]]:
    cell = cell_kind(kind)
    count = num_layers * (2 if bidirectional else 1)
    missing = [name + sfx for sfx in _suffixes(count, bidirectional) for name in TORCH_NAMES if name + sfx not in state]
    if missing:
        raise ValueError(f"state dict is missing {', '.join(missing)}; check num_layers={num_layers} and bidirectional={bidirectional}")

    def get(name: str) -> Array:
        return np.array(np.asarray(state[name], dtype=np.float64))

    return [cell.from_torch(lambda name, sfx=sfx: get(name + sfx), grads=grads) for sfx in _suffixes(count, bidirectional)]


def from_torch(
    state: Mapping[str, npt.ArrayLike], *, kind: str, num_layers: int = 1, bidirectional: bool = False
) -> list[dict[str, Array]]:
    """A torch state dict (tensors or arrays) -> reference params, one dict per cell."""
    return _from_torch(state, kind, num_layers, bidirectional, grads=False)


def grads_from_torch(
    grads: Mapping[str, npt.ArrayLike], *, kind: str, num_layers: int = 1, bidirectional: bool = False
) -> list[dict[str, Array]]:
    """torch's parameter gradients by name -> reference grads, one dict per cell.

    Differs from ``from_torch`` for RNN and LSTM biases: dL/db is the gradient
    of ``bias_ih`` alone, not the sum of both torch biases.
    """
    return _from_torch(grads, kind, num_layers, bidirectional, grads=True)
