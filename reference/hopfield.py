"""Hopfield network: ±1 units, Hebbian storage, asynchronous and synchronous recall.

Shapes: N units, P patterns. A state ``s`` is an (N,) vector of ±1, the
patterns ξ_p are the rows of a (P, N) array, W is (N, N), the biases b are (N,).

Storage, the Hebbian (outer-product) rule (DIVE INTO CODE, Day 29 slides,
"RNNs: Learning Rules"), with no self-connections, since every unit is
connected to every other unit "except itself" ("RNNs: Interconnected type"):

    W = (1/N) Σ_p ξ_p ξ_pᵀ,    then w_ii = 0

The factor 1/N only scales W and the energy; no vote depends on it
(``normalize=False`` leaves it out).

Energy (Mines Paristech, Session 3, "Hopfield network (2)"), for W symmetric
with a zero diagonal:

    E(s) = -(Σ_i s_i b_i + Σ_{i<j} s_i s_j w_ij) = -(s·b + ½ sᵀ W s)

Update, the vote of "Hopfield network (3)" (the slide's sum reads w_ij x_i;
the vote is over the other units' states x_j):

    h_i = Σ_{j≠i} w_ij s_j + b_i
    s_i <- +1 if h_i > 0,   -1 if h_i < 0,   unchanged if h_i = 0

A vote that flips s_i changes the energy by ΔE = -(s_i' - s_i) h_i = -2|h_i| < 0
when W is symmetric, so asynchronous recall (one unit at a time) lowers the
energy with every flip and must stop at a fixed point. Synchronous recall
(every unit at once) has no such guarantee and may alternate between states
forever; it reports the period it found.

Capacity: about 0.15 N patterns (DIC "RNNs: Interconnected type"); 0.138 N in
the limit of large N (Amit, Gutfreund and Sompolinsky, 1985).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


class AsyncRecall(NamedTuple):
    state: Array  # (N,) the last state
    sweeps: int  # full sweeps run, the last one included
    converged: bool  # the last sweep changed nothing
    energies: Array  # (sweeps + 1,) the energy before the first sweep and after each one


class SyncRecall(NamedTuple):
    state: Array  # (N,) the last state; on a cycle, the state at which the repeat was seen
    steps: int  # synchronous updates run
    period: int | None  # 1 for a fixed point, k >= 2 for a cycle of k states, None if max_steps came first

    @property
    def converged(self) -> bool:
        return self.period == 1


def _spins(name: str, value: npt.ArrayLike, axes: str) -> Array:
    s = np.array(value, dtype=np.float64, copy=True)
    if s.ndim != len(axes) or 0 in s.shape:
        raise ValueError(f"{name} has shape {s.shape}; expected {len(axes)} non-empty axes ({', '.join(axes)})")
    bad = ~np.isin(s, (-1.0, 1.0))
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} has {float(s[at])!r} at {list(at)}; expected only -1 and +1 (map 0/1 states with 2*s - 1)")
    return s


def _weights(W: npt.ArrayLike) -> Array:
    W = np.array(W, dtype=np.float64, copy=True)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] == 0:
        raise ValueError(f"W has shape {W.shape}; expected a square (N, N) matrix")
    if not np.all(np.isfinite(W)):
        raise ValueError("W has non-finite entries; expected finite weights")
    if not np.allclose(W, W.T, rtol=0, atol=1e-12 * max(1.0, float(np.abs(W).max()))):
        raise ValueError("W is not symmetric; expected w_ij == w_ji (the energy only descends with symmetric weights)")
    if np.any(np.diag(W) != 0):
        raise ValueError(f"W has a nonzero diagonal {np.diag(W)}; expected w_ii == 0 (no unit connects to itself)")
    return W


def _checked(W: npt.ArrayLike, s: npt.ArrayLike, b: npt.ArrayLike | None) -> tuple[Array, Array, Array]:
    W = _weights(W)
    s = _spins("s", s, "N")
    N = W.shape[0]
    if s.shape != (N,):
        raise ValueError(f"s has shape {s.shape}; expected ({N},) to match W of shape {W.shape}")
    b = np.zeros(N) if b is None else np.array(b, dtype=np.float64, copy=True)
    if b.shape != (N,):
        raise ValueError(f"b has shape {b.shape}; expected ({N},) to match W of shape {W.shape}, or None for zeros")
    return W, s, b


def hebbian_weights(patterns: npt.ArrayLike, *, normalize: bool = True) -> Array:
    """patterns (P, N) of ±1 -> W (N, N): (1/N) Σ_p ξ_p ξ_pᵀ with a zero diagonal (no 1/N if not ``normalize``)."""
    xi = _spins("patterns", patterns, "PN")
    W = xi.T @ xi
    if normalize:
        W /= xi.shape[1]
    np.fill_diagonal(W, 0.0)
    return W


def energy(W: npt.ArrayLike, s: npt.ArrayLike, b: npt.ArrayLike | None = None) -> float:
    """E(s) = -(s·b + ½ sᵀ W s) for s (N,), W (N, N) symmetric with zero diagonal, b (N,) or None for zeros."""
    W, s, b = _checked(W, s, b)
    return float(-(s @ b) - 0.5 * (s @ W @ s))


def local_field(W: npt.ArrayLike, s: npt.ArrayLike, b: npt.ArrayLike | None = None) -> Array:
    """h (N,) = W s + b, each unit's vote; the zero diagonal leaves out j = i."""
    W, s, b = _checked(W, s, b)
    return W @ s + b


def _sign_keeping_ties(h: Array, s: Array) -> Array:
    return np.where(h > 0, 1.0, np.where(h < 0, -1.0, s))


def vote(W: npt.ArrayLike, s: npt.ArrayLike, i: int, b: npt.ArrayLike | None = None) -> Array:
    """A new state (N,): ``s`` with unit ``i`` set by its vote; a tied vote (h_i = 0) keeps it."""
    W, s, b = _checked(W, s, b)
    if not (isinstance(i, (int, np.integer)) and 0 <= i < s.size):
        raise ValueError(f"i={i!r} is not a unit index; expected an integer in [0, {s.size - 1}]")
    h_i = W[i] @ s + b[i]
    s[i] = _sign_keeping_ties(h_i, s[i])
    return s


def is_fixed_point(W: npt.ArrayLike, s: npt.ArrayLike, b: npt.ArrayLike | None = None) -> bool:
    """True when no unit's vote would change ``s``."""
    W, s, b = _checked(W, s, b)
    return bool(np.array_equal(_sign_keeping_ties(W @ s + b, s), s))


def recall_async(
    W: npt.ArrayLike, s: npt.ArrayLike, rng: np.random.Generator, b: npt.ArrayLike | None = None, *, max_sweeps: int = 100
) -> AsyncRecall:
    """Asynchronous recall from ``s`` (N,): sweeps of votes, one unit at a time in an order drawn from ``rng``.

    Stops after the first sweep that changes nothing (``converged``) or after ``max_sweeps``.
    """
    W, s, b = _checked(W, s, b)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng={rng!r} is not a numpy Generator; expected np.random.default_rng(seed)")
    if not (isinstance(max_sweeps, int) and max_sweeps >= 1):
        raise ValueError(f"max_sweeps={max_sweeps!r} should be an integer of at least 1")
    energies = [float(-(s @ b) - 0.5 * (s @ W @ s))]
    for sweep in range(1, max_sweeps + 1):
        changed = False
        for i in rng.permutation(s.size):
            h_i = W[i] @ s + b[i]
            new = _sign_keeping_ties(h_i, s[i])
            if new != s[i]:
                s[i] = new
                changed = True
        energies.append(float(-(s @ b) - 0.5 * (s @ W @ s)))
        if not changed:
            return AsyncRecall(s, sweep, True, np.array(energies))
    return AsyncRecall(s, max_sweeps, False, np.array(energies))


def sync_step(W: npt.ArrayLike, s: npt.ArrayLike, b: npt.ArrayLike | None = None) -> Array:
    """Every unit votes at once on the same ``s`` (N,); tied votes keep their unit."""
    W, s, b = _checked(W, s, b)
    return _sign_keeping_ties(W @ s + b, s)


def recall_sync(W: npt.ArrayLike, s: npt.ArrayLike, b: npt.ArrayLike | None = None, *, max_steps: int = 100) -> SyncRecall:
    """Synchronous recall from ``s`` (N,) until a state repeats (a fixed point, period 1, or a cycle) or ``max_steps``."""
    W, s, b = _checked(W, s, b)
    if not (isinstance(max_steps, int) and max_steps >= 1):
        raise ValueError(f"max_steps={max_steps!r} should be an integer of at least 1")
    seen = {s.tobytes(): 0}
    for step in range(1, max_steps + 1):
        s = _sign_keeping_ties(W @ s + b, s)
        key = s.tobytes()
        if key in seen:
            return SyncRecall(s, step, step - seen[key])
        seen[key] = step
    return SyncRecall(s, max_steps, None)
