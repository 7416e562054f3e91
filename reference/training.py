"""Training tools: gradient clipping and the optimizers the course's code uses.

Params and grads are dicts of arrays with the same keys. Every function is pure:
it returns new arrays (and new optimizer state) and leaves its arguments alone.

Clipping, for exploding gradients (Mines Paristech, Session 3, "RNN training":
"CLIPPING trick (limited values in an array, see numpy.clip)"; RNN slides,
"Norm clipping for exploding gradients", after Pascanu, Mikolov and Bengio 2013):

    by value:  g <- clip(g, -c, c), entry by entry
    by norm:   g <- g * min(1, c / ‖g‖), with ‖g‖ the norm over every array together

Optimizers:

    SGD:      θ <- θ - α g                                  (Sprint 22: W' = W - α dL/dW)
    Adagrad:  m <- m + g²;  θ <- θ - α g / √(m + ε)          (Karpathy's min-char-rnn, which the
                                                             Session 3 slides recommend reading)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Tree = Mapping[str, npt.ArrayLike]


def _checked_positive(name: str, value: float) -> float:
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name}={value!r} should be a finite number above 0")
    return float(value)


def global_norm(grads: Tree) -> float:
    """‖g‖ over every array of ``grads`` together."""
    return float(np.sqrt(sum(float(np.sum(np.square(np.asarray(g, dtype=np.float64)))) for g in grads.values())))


def clip_by_value(grads: Tree, bound: float) -> dict[str, Array]:
    """Each entry limited to [-bound, bound]."""
    bound = _checked_positive("bound", bound)
    return {k: np.clip(np.asarray(g, dtype=np.float64), -bound, bound) for k, g in grads.items()}


def clip_by_norm(grads: Tree, max_norm: float) -> dict[str, Array]:
    """All arrays scaled together so that their global norm is at most ``max_norm``; directions are kept."""
    max_norm = _checked_positive("max_norm", max_norm)
    norm = global_norm(grads)
    scale = 1.0 if norm <= max_norm else max_norm / norm
    return {k: np.asarray(g, dtype=np.float64) * scale for k, g in grads.items()}


def _same_keys(params: Tree, grads: Tree) -> None:
    if set(params) != set(grads):
        raise ValueError(f"grads has keys {sorted(grads)}; expected the params' keys {sorted(params)}")


def sgd(params: Tree, grads: Tree, lr: float) -> dict[str, Array]:
    """θ - α g for each key."""
    lr = _checked_positive("lr", lr)
    _same_keys(params, grads)
    return {k: np.asarray(params[k], dtype=np.float64) - lr * np.asarray(grads[k], dtype=np.float64) for k in params}


def adagrad(params: Tree, grads: Tree, memory: Tree | None, lr: float, eps: float = 1e-8) -> tuple[dict[str, Array], dict[str, Array]]:
    """One Adagrad step: (new params, new memory). ``memory`` is None on the first step (zeros)."""
    lr = _checked_positive("lr", lr)
    _same_keys(params, grads)
    new_params, new_memory = {}, {}
    for k in params:
        g = np.asarray(grads[k], dtype=np.float64)
        m = (np.zeros_like(g) if memory is None else np.asarray(memory[k], dtype=np.float64)) + g * g
        new_memory[k] = m
        new_params[k] = np.asarray(params[k], dtype=np.float64) - lr * g / np.sqrt(m + eps)
    return new_params, new_memory
