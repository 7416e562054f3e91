"""The one finite-difference module: differences of a scalar loss, per entry or along a direction.

For outputs y_j(θ) and upstream gradients u_j, the loss is L = Σ_j u_j · y_j
and, for each entry θ_i,

    dL/dθ_i ≈ Σ_j u_j · (y_j(θ_i + ε) - y_j(θ_i - ε)) / (2ε)

Differences are taken per output entry before the weighted sum, so rounding
scales with each y_j rather than with L; and the step is divided by the
difference of the perturbed values as stored, not by 2ε. ``numerical_gradient``
takes them entry by entry (the reference's tests); ``along`` takes them along
one direction V, ⟨dL/dθ, V⟩, from outputs computed elsewhere (a student's
forward in the worker: ``checks.backward.own_forward``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Outputs = Sequence[Array | None]


def _weighted_difference(upstream: Outputs, high: Outputs, low: Outputs) -> float:
    """Σ_j u_j · (high_j - low_j), over the outputs whose upstream gradient is given."""
    return float(sum(np.vdot(u, h - lo) for u, h, lo in zip(upstream, high, low) if u is not None))


class Along(NamedTuple):
    """Differences of L along one direction: one-sided ``right`` = (L(θ+εV) - L(θ))/ε and ``left`` = (L(θ) - L(θ-εV))/ε,
    and the centred one, their mean."""

    right: float
    left: float

    @property
    def centred(self) -> float:
        return (self.right + self.left) / 2

    def kinked(self, rtol: float, atol: float) -> bool:
        """Whether the one-sided differences disagree beyond ``rtol`` (relative) and ``atol``: L has no derivative here
        along V (a ReLU at exactly 0), and nothing should be compared with it."""
        return abs(self.right - self.left) > rtol * max(abs(self.right), abs(self.left)) + atol


def along(upstream: Outputs, base: Outputs, plus: Outputs, minus: Outputs, *, eps: float) -> Along:
    """⟨dL/dθ, V⟩ by differences, from the outputs at θ (``base``), θ + εV (``plus``) and θ - εV (``minus``)."""
    return Along(_weighted_difference(upstream, plus, base) / eps, _weighted_difference(upstream, base, minus) / eps)


def numerical_gradient(f: Callable[[], Outputs], theta: Array, upstream: Outputs, *, eps: float = 1e-6) -> Array:
    """dL/dθ for ``theta``, an array that ``f`` reads each time it is called.

    ``theta`` is perturbed in place, one entry at a time, and restored before
    returning; it must be a writeable float64 array owned by the caller.
    ``f()`` returns the outputs y_j; an output or upstream entry that is None
    is left out of L.
    """
    if theta.dtype != np.float64 or not theta.flags.writeable:
        raise ValueError(f"theta must be a writeable float64 array; got dtype {theta.dtype}, writeable={theta.flags.writeable}")
    flat = theta.reshape(-1)
    if not np.shares_memory(flat, theta):
        raise ValueError("theta must be contiguous so that it can be perturbed in place")
    grad = np.zeros(theta.size)
    for i in range(theta.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        high = flat[i]
        flat[i] = old - eps
        minus = f()
        step = high - flat[i]
        flat[i] = old
        grad[i] = _weighted_difference(upstream, plus, minus) / step
    return grad.reshape(theta.shape)


def numerical_gradients(
    f: Callable[[], Outputs], thetas: Mapping[str, Array], upstream: Outputs, *, eps: float = 1e-6, extrapolate: bool = False
) -> dict[str, Array]:
    """``numerical_gradient`` for each named array that ``f`` reads.

    ``extrapolate``: Richardson's (4·g(ε) - g(2ε)) / 3, which cancels the ε² error of the centred difference. That
    error, (ε²/6) times the third derivative, matters where a perturbation is amplified step after step until the
    curvature of tanh shows (a recurrent weight of all ones, 5 by 5, amplifies it 5**6 times over six steps): there
    the plain difference is off by more than 1e-6 relative, the extrapolated one is not.
    """
    if not extrapolate:
        return {name: numerical_gradient(f, theta, upstream, eps=eps) for name, theta in thetas.items()}
    return {
        name: (4 * numerical_gradient(f, theta, upstream, eps=eps) - numerical_gradient(f, theta, upstream, eps=2 * eps)) / 3
        for name, theta in thetas.items()
    }


def rounding_error(outputs: Outputs, upstream: Outputs, *, eps: float = 1e-6, ulps: float = 10.0) -> float:
    """How far rounding alone can move a centred difference of L = Σ_j u_j · y_j: about ``ulps`` · ε_machine · Σ_j |u_j|·|y_j| / ε.

    Each y_j(θ ± ε) is off by a few units in its last place (``ulps``); the
    difference divides that by ε. Where the outputs grow large (a ReLU network
    whose state triples every step), this exceeds a fixed absolute floor, and a
    gradient check must allow it.
    """
    total = sum(float(np.vdot(np.abs(u), np.abs(y))) for u, y in zip(upstream, outputs) if u is not None and y is not None)
    return ulps * np.finfo(np.float64).eps * total / eps
