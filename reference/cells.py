"""The registry of recurrent cell kinds: what ``stacked``, ``layout``, the models and the checks need to know of each.

A kind is one entry of ``CELLS`` plus its module. Everything that differs
between "rnn", "lstm" and "gru" outside their modules is read from here, so a
new kind (an LSTM with its gate blocks in another order, say) is one module and
one entry, and no code compares kind names.

Every kind's module follows one shape of API, its states threaded in the order
of ``states`` (("h",) or ("h", "c")):

    param_shapes(D, H), init_params(D, H, rng)
    forward(x, params, h0[, c0], **options) -> hs, cache       cache.cs (T, N, H) when "c" is a state
    backward(dhs, cache[, dc_last]) -> grads of the params, x, h0[, c0]
    step_forward(x, h_prev[, c_prev], params, **options) -> h[, c], cache
    step_backward(dh[, dc], cache) -> grads of the params, x, h_prev[, c_prev]

and keeps its weights as row vectors, Wx (D, G·H) and Wh (H, G·H), whose G
column blocks of width H are the gates named by ``gates``, in that order.

torch's ``nn.<torch_module>`` stores each cell's weights transposed, with its
blocks in the order ``torch_gates``:

    weight_ih = Wxᵀ        weight_hh = Whᵀ                  (blocks reordered from ``gates`` to ``torch_gates``)
    one bias b:     bias_ih = b,  bias_hh = 0               (torch adds them: b = bias_ih + bias_hh)
    split bias:     bias_ih = bx, bias_hh = bh              (GRU: the reset gate scales bh_n, so they stay apart)

The names stay strings, so that the reference never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from reference import gru, lstm, rnn, validation

Array = npt.NDArray[np.float64]
Params = dict[str, Array]

TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
"""The names of one cell's parameters in a torch state dict, before the ``_l0`` / ``_l0_reverse`` suffix."""

STATES = (("h",), ("h", "c"))
"""The states a kind may carry: what ``stacked`` and torch's modules thread through (h0, c0)."""


@dataclass(frozen=True)
class CellKind:
    """One kind of recurrent cell: its reference functions, its params and states, and its torch layout."""

    name: str  # the ``kind`` argument: "rnn", "lstm", "gru"
    gates: str  # one letter per column block of Wx and Wh, in the reference's order: "ifgo"
    states: tuple[str, ...]  # ("h",) or ("h", "c")
    split_bias: bool  # bx and bh kept apart (GRU) rather than one b
    torch_module: str  # the class in torch.nn: "RNN", "LSTM", "GRU"
    torch_gates: str  # the same blocks in torch's order
    param_shapes: Callable[[int, int], dict[str, tuple[int, ...]]]
    init_params: Callable[[int, int, np.random.Generator], Params]
    forward: Callable[..., tuple[Array, Any]]
    backward: Callable[..., dict[str, Array]]
    step_forward: Callable[..., tuple]
    step_backward: Callable[..., dict[str, Array]]
    options: tuple[str, ...] = ()  # keyword options of forward and step_forward: ("activation",)

    def __post_init__(self) -> None:
        if sorted(self.torch_gates) != sorted(self.gates):
            raise ValueError(f"torch_gates={self.torch_gates!r} should hold the blocks of gates={self.gates!r}, in torch's order")
        if self.states not in STATES:
            raise ValueError(f"states={self.states!r} is not one of {', '.join(map(repr, STATES))}")
        shapes = self.param_shapes(1, 1)
        if shapes.get("Wh") != (1, len(self.gates)):
            raise ValueError(f"gates={self.gates!r} has {len(self.gates)} blocks but param_shapes(1, 1) gives Wh {shapes.get('Wh')}")
        biases = ("bx", "bh") if self.split_bias else ("b",)
        if not set(biases) <= set(shapes):
            raise ValueError(f"split_bias={self.split_bias} wants params {', '.join(map(repr, biases))}; param_shapes gives {list(shapes)}")

    @property
    def has_cell_state(self) -> bool:
        """Whether the cell carries c besides h (an LSTM): forward takes c0, backward dc_last and returns c0."""
        return "c" in self.states

    def last_cell_state(self, cache) -> Array | None:
        """c_T (N, H) from a ``forward`` cache, or None for a cell without one."""
        return cache.cs[-1] if self.has_cell_state else None

    def to_torch(self, params: Mapping[str, npt.ArrayLike]) -> dict[str, Array]:
        """One cell's params -> its torch parameters by ``TORCH_NAMES``, as new float64 arrays."""
        weights = {
            "weight_ih": _reorder(np.asarray(params["Wx"], dtype=np.float64), self.gates, self.torch_gates).T.copy(),
            "weight_hh": _reorder(np.asarray(params["Wh"], dtype=np.float64), self.gates, self.torch_gates).T.copy(),
        }
        if self.split_bias:
            biases = {"bias_ih": params["bx"], "bias_hh": params["bh"]}
        else:
            biases = {"bias_ih": params["b"], "bias_hh": np.zeros(np.shape(params["b"]))}
        return weights | {
            name: np.array(_reorder(np.asarray(b, dtype=np.float64), self.gates, self.torch_gates)) for name, b in biases.items()
        }

    def from_torch(self, get: Callable[[str], Array], *, grads: bool) -> Params:
        """One cell's params from its torch parameters, ``get(name)`` giving each of ``TORCH_NAMES`` as a new float64 array.

        With ``grads`` they are gradients: dL/db is then the gradient of ``bias_ih`` alone, not the sum of both biases.
        """

        def ours(name: str) -> Array:
            return _reorder(get(name), self.torch_gates, self.gates, axis=0)

        params = {"Wx": ours("weight_ih").T.copy(), "Wh": ours("weight_hh").T.copy()}
        if self.split_bias:
            params["bx"], params["bh"] = ours("bias_ih"), ours("bias_hh")
        elif grads:
            # b = bias_ih + bias_hh, so each torch bias receives the whole dL/db.
            params["b"] = ours("bias_ih")
        else:
            params["b"] = ours("bias_ih") + ours("bias_hh")
        return params


def _reorder(a: Array, source: str, target: str, axis: int = -1) -> Array:
    """``a`` with its blocks along ``axis``, named by ``source``, put in the order of ``target``; ``a`` itself when the orders agree."""
    if source == target:
        return a
    blocks = dict(zip(source, np.split(a, len(source), axis=axis)))
    return np.concatenate([blocks[gate] for gate in target], axis=axis)


def _kind(module: ModuleType, **fields: Any) -> CellKind:
    """A cell kind whose functions are its reference module's own, under the same names."""
    functions = ("param_shapes", "init_params", "forward", "backward", "step_forward", "step_backward")
    return CellKind(**fields, **{name: getattr(module, name) for name in functions})


CELLS: dict[str, CellKind] = {
    kind.name: kind
    for kind in (
        _kind(rnn, name="rnn", gates="h", states=("h",), split_bias=False, torch_module="RNN", torch_gates="h", options=("activation",)),
        _kind(lstm, name="lstm", gates="ifgo", states=("h", "c"), split_bias=False, torch_module="LSTM", torch_gates="ifgo"),
        _kind(gru, name="gru", gates="rzn", states=("h",), split_bias=True, torch_module="GRU", torch_gates="rzn"),
    )
}
"""Every cell kind by name, in the order messages list them."""


def cell_kind(kind: str) -> CellKind:
    """The registry's entry for ``kind``, or a ValueError listing the kinds there are."""
    return CELLS[validation.choice("kind", kind, CELLS)]


def kinds_with(has: Callable[[CellKind], bool]) -> str:
    """The kinds for which ``has`` holds, for a message: "kind='lstm'", "kind='lstm' or 'lstm_ifog'"."""
    return "kind=" + " or ".join(repr(name) for name, kind in CELLS.items() if has(kind))
