"""Elementwise activations, each with its derivative written in terms of its output.

    tanh:     y = tanh(a)            dy/da = 1 - y^2
    sigmoid:  y = 1 / (1 + e^-a)     dy/da = y (1 - y)
    relu:     y = max(a, 0)          dy/da = 1 if y > 0 else 0   (0 at the kink, as torch)

Writing the derivative from y lets a backward pass use the cached outputs and
never recompute or store the pre-activations.

``forward_inplace`` overwrites its argument: the recurrences apply it to
buffers they own, because a fresh array per time step costs more than the
arithmetic at small sizes (page faults on every large allocation).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def sigmoid_inplace(a: Array) -> Array:
    """a <- σ(a), stable for large |a|: σ(a) = ½ tanh(½ a) + ½ has no exp to overflow."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def sigmoid(a: Array) -> Array:
    return sigmoid_inplace(np.array(a, dtype=np.float64))


def _tanh_inplace(a: Array) -> Array:
    return np.tanh(a, out=a)


def _relu_inplace(a: Array) -> Array:
    return np.maximum(a, 0.0, out=a)


def _tanh_derivative(y: Array) -> Array:
    d = np.square(y)
    return np.subtract(1.0, d, out=d)


def _sigmoid_derivative(y: Array) -> Array:
    d = np.subtract(1.0, y)
    d *= y
    return d


class Activation(NamedTuple):
    forward_inplace: Callable[[Array], Array]
    derivative_from_output: Callable[[Array], Array]


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(_tanh_inplace, _tanh_derivative),
    "relu": Activation(_relu_inplace, lambda y: (y > 0).astype(np.float64)),
    "sigmoid": Activation(sigmoid_inplace, _sigmoid_derivative),
}
