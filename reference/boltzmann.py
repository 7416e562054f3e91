"""Boltzmann machines with binary {0, 1} units: the fully connected machine and the restricted one (RBM).

Fully connected (Mines Paristech, Session 3, "Boltzman Machine (1)"): n units,
state s (n,), W (n, n) symmetric with a zero diagonal, biases b (n,).

    E(s) = -(Σ_i s_i b_i + Σ_{i<j} s_i s_j w_ij) = -(s·b + ½ sᵀ W s)
    z_i = b_i + Σ_j s_j w_ij,    prob(s_i = 1) = σ(z_i) = 1 / (1 + e^{-z_i})
    P(s) = e^{-E(s)} / Σ_u e^{-E(u)}

Updating the units one at a time with these probabilities is Gibbs sampling:
the chain's stationary distribution is P.

Restricted ("Boltzman Machine (2)": no visible-visible and no hidden-hidden
connections). Shapes: N examples, V visible units, H hidden units. Params:
``{"W": (V, H), "bv": (V,), "bh": (H,)}``.

    E(v, h) = -(v·bv + h·bh + vᵀ W h)
    p(h_j = 1 | v) = σ(bh_j + (v W)_j)         p(v_i = 1 | h) = σ(bv_i + (W h)_i)
    F(v) = -log Σ_h e^{-E(v, h)} = -v·bv - Σ_j softplus(bh_j + (v W)_j)
    P(v) = e^{-F(v)} / Z,    Z = Σ_v Σ_h e^{-E(v, h)}

The gradient of the log-likelihood is the data average of -∂F/∂θ minus the
model's average of it:

    ∂F/∂W = -vᵀ p(h|v)    ∂F/∂bv = -v    ∂F/∂bh = -p(h|v)

CD-k (Hinton, 2002) takes the model's average over v_k, k Gibbs steps from the
data (sampled hidden states drive the chain; the statistics use p(h|v)):

    θ <- θ + lr (⟨-∂F/∂θ⟩_data - ⟨-∂F/∂θ⟩_{v_k})
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Params = dict[str, Array]

# 2**20 configurations is about a million rows: the most an exact enumeration here will try.
MAX_ENUMERATED_UNITS = 20


def sigmoid(z: npt.ArrayLike) -> Array:
    z = np.asarray(z, dtype=np.float64)
    # exp of -|z| only, so that neither branch overflows.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(z: Array) -> Array:
    return np.logaddexp(0.0, z)


def _logsumexp(x: Array) -> float:
    top = float(np.max(x))
    return top + float(np.log(np.sum(np.exp(x - top))))


def _rng(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng={rng!r} is not a numpy Generator; expected np.random.default_rng(seed)")
    return rng


def _binary(name: str, value: npt.ArrayLike, axes: str, width: int | None = None, width_source: str = "") -> Array:
    """A float64 copy of ``value`` with one axis per letter of ``axes``, entries in {0, 1}, last axis ``width``."""
    a = np.array(value, dtype=np.float64, copy=True)
    if a.ndim != len(axes) or 0 in a.shape:
        raise ValueError(f"{name} has shape {a.shape}; expected {len(axes)} non-empty axes ({', '.join(axes)})")
    if width is not None and a.shape[-1] != width:
        raise ValueError(f"{name} has shape {a.shape}; expected {width} columns ({axes[-1]}={width}, from {width_source})")
    bad = ~np.isin(a, (0.0, 1.0))
    if bad.any():
        at = [int(i) for i in np.argwhere(bad)[0]]
        raise ValueError(f"{name} has {float(a[tuple(at)])!r} at {at}; expected only 0 and 1 (map ±1 states with (s + 1) / 2)")
    return a


def _enumerable(n: int, what: str) -> None:
    if n > MAX_ENUMERATED_UNITS:
        raise ValueError(f"{what} has {n} units; exact enumeration visits 2**{n} configurations, so use at most {MAX_ENUMERATED_UNITS}")


def all_states(n: int) -> Array:
    """Every binary state of ``n`` units, (2**n, n), in counting order (the last unit changes fastest)."""
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n={n!r} should be an integer of at least 1")
    _enumerable(int(n), "the machine")
    return np.array(list(itertools.product((0.0, 1.0), repeat=int(n))))


# The fully connected machine.


def _weights(W: npt.ArrayLike, b: npt.ArrayLike) -> tuple[Array, Array]:
    W = np.array(W, dtype=np.float64, copy=True)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] == 0:
        raise ValueError(f"W has shape {W.shape}; expected a square (n, n) matrix")
    if not np.all(np.isfinite(W)):
        raise ValueError("W has non-finite entries; expected finite weights")
    if not np.allclose(W, W.T, rtol=0, atol=1e-12 * max(1.0, float(np.abs(W).max()))):
        raise ValueError("W is not symmetric; expected w_ij == w_ji (a Boltzmann machine's connections are symmetric)")
    if np.any(np.diag(W) != 0):
        raise ValueError(f"W has a nonzero diagonal {np.diag(W)}; expected w_ii == 0 (no unit connects to itself)")
    b = np.array(b, dtype=np.float64, copy=True)
    if b.shape != (W.shape[0],):
        raise ValueError(f"b has shape {b.shape}; expected ({W.shape[0]},) to match W of shape {W.shape}")
    return W, b


def energy(s: npt.ArrayLike, W: npt.ArrayLike, b: npt.ArrayLike) -> Array:
    """E(s) = -(s·b + ½ sᵀ W s) for s (n,) or a batch (N, n) -> () or (N,)."""
    W, b = _weights(W, b)
    s = np.array(s, dtype=np.float64)
    axes = "n" if s.ndim == 1 else "Nn"
    s = _binary("s", s, axes, W.shape[0], f"W of shape {W.shape}")
    return -(s @ b) - 0.5 * np.einsum("...i,ij,...j->...", s, W, s)


def update_unit(s: npt.ArrayLike, i: int, W: npt.ArrayLike, b: npt.ArrayLike, rng: np.random.Generator) -> Array:
    """A new state (n,): ``s`` with unit ``i`` drawn from prob(s_i = 1) = σ(b_i + Σ_j s_j w_ij)."""
    W, b = _weights(W, b)
    s = _binary("s", s, "n", W.shape[0], f"W of shape {W.shape}")
    if not (isinstance(i, (int, np.integer)) and 0 <= i < s.size):
        raise ValueError(f"i={i!r} is not a unit index; expected an integer in [0, {s.size - 1}]")
    z = b[i] + s @ W[:, i]
    s[i] = float(_rng(rng).random() < sigmoid(z))
    return s


def gibbs_samples(
    W: npt.ArrayLike, b: npt.ArrayLike, n_samples: int, rng: np.random.Generator, *, burn_in: int = 100, s0: npt.ArrayLike | None = None
) -> Array:
    """(n_samples, n) states of a Gibbs chain, one after each sweep past ``burn_in`` sweeps.

    A sweep updates every unit once, in an order drawn from ``rng``; the chain
    starts at ``s0`` (n,), or at a state drawn uniformly when it is None.
    """
    W, b = _weights(W, b)
    rng = _rng(rng)
    n = W.shape[0]
    for name, value in (("n_samples", n_samples), ("burn_in", burn_in)):
        if not (isinstance(value, (int, np.integer)) and value >= (1 if name == "n_samples" else 0)):
            raise ValueError(f"{name}={value!r} should be an integer of at least {1 if name == 'n_samples' else 0}")
    s = rng.integers(0, 2, n).astype(np.float64) if s0 is None else _binary("s0", s0, "n", n, f"W of shape {W.shape}")
    out = np.empty((n_samples, n))
    for sweep in range(burn_in + n_samples):
        for i in rng.permutation(n):
            s[i] = float(rng.random() < sigmoid(b[i] + s @ W[:, i]))
        if sweep >= burn_in:
            out[sweep - burn_in] = s
    return out


def boltzmann_distribution(W: npt.ArrayLike, b: npt.ArrayLike) -> tuple[Array, Array]:
    """(states (2**n, n) from ``all_states``, P(s) (2**n,)): P(s) = e^{-E(s)} / Σ_u e^{-E(u)}, by enumeration."""
    W, b = _weights(W, b)
    states = all_states(W.shape[0])
    negative_energy = states @ b + 0.5 * np.einsum("ki,ij,kj->k", states, W, states)
    return states, np.exp(negative_energy - _logsumexp(negative_energy))


# The restricted machine.


def rbm_param_shapes(V: int, H: int) -> dict[str, tuple[int, ...]]:
    return {"W": (V, H), "bv": (V,), "bh": (H,)}


def rbm_init_params(V: int, H: int, rng: np.random.Generator, *, scale: float = 0.01) -> Params:
    """W ~ N(0, scale²) and zero biases (Hinton's "A Practical Guide to Training RBMs")."""
    for name, value in (("V", V), ("H", H)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise ValueError(f"{name}={value!r} should be an integer of at least 1")
    if not (np.isfinite(scale) and scale >= 0):
        raise ValueError(f"scale={scale!r} should be a finite number of at least 0")
    return {"W": _rng(rng).normal(0.0, scale, (V, H)), "bv": np.zeros(V), "bh": np.zeros(H)}


def _rbm_params(params: Mapping[str, npt.ArrayLike]) -> tuple[Params, int, int]:
    missing = [k for k in ("W", "bv", "bh") if k not in params]
    if missing:
        raise ValueError(f"params is missing {', '.join(repr(k) for k in missing)}; expected keys 'W', 'bv', 'bh'")
    W = np.array(params["W"], dtype=np.float64, copy=True)
    if W.ndim != 2 or 0 in W.shape:
        raise ValueError(f"params['W'] has shape {W.shape}; expected (V, H)")
    V, H = W.shape
    out = {"W": W}
    for key, shape in rbm_param_shapes(V, H).items():
        if key != "W":
            out[key] = np.array(params[key], dtype=np.float64, copy=True)
            if out[key].shape != shape:
                raise ValueError(f"params[{key!r}] has shape {out[key].shape}; expected {shape} for W of shape {W.shape}")
    return out, V, H


def _visible(name: str, v: npt.ArrayLike, V: int) -> Array:
    return _binary(name, v, "NV", V, "params['W']")


def rbm_energy(v: npt.ArrayLike, h: npt.ArrayLike, params: Mapping[str, npt.ArrayLike]) -> Array:
    """E(v, h) = -(v·bv + h·bh + vᵀ W h): v (N, V), h (N, H) -> (N,)."""
    p, V, H = _rbm_params(params)
    v = _visible("v", v, V)
    h = _binary("h", h, "NH", H, "params['W']")
    if h.shape[0] != v.shape[0]:
        raise ValueError(f"h has shape {h.shape}; expected ({v.shape[0]}, {H}), one row per row of v")
    return -(v @ p["bv"]) - h @ p["bh"] - np.einsum("ni,ij,nj->n", v, p["W"], h)


def p_h_given_v(v: npt.ArrayLike, params: Mapping[str, npt.ArrayLike]) -> Array:
    """v (N, V) -> p(h_j = 1 | v) (N, H) = σ(v W + bh)."""
    p, V, _ = _rbm_params(params)
    return sigmoid(_visible("v", v, V) @ p["W"] + p["bh"])


def p_v_given_h(h: npt.ArrayLike, params: Mapping[str, npt.ArrayLike]) -> Array:
    """h (N, H) -> p(v_i = 1 | h) (N, V) = σ(h Wᵀ + bv)."""
    p, _, H = _rbm_params(params)
    return sigmoid(_binary("h", h, "NH", H, "params['W']") @ p["W"].T + p["bv"])


def gibbs_step(v: npt.ArrayLike, params: Mapping[str, npt.ArrayLike], rng: np.random.Generator) -> tuple[Array, Array]:
    """One block Gibbs step v -> h ~ p(h|v) -> v' ~ p(v|h): v (N, V) -> (h (N, H), v' (N, V))."""
    rng = _rng(rng)
    ph = p_h_given_v(v, params)
    h = (rng.random(ph.shape) < ph).astype(np.float64)
    pv = p_v_given_h(h, params)
    return h, (rng.random(pv.shape) < pv).astype(np.float64)


def free_energy(v: npt.ArrayLike, params: Mapping[str, npt.ArrayLike]) -> Array:
    """F(v) = -v·bv - Σ_j softplus(bh_j + (v W)_j): v (N, V) -> (N,)."""
    p, V, _ = _rbm_params(params)
    v = _visible("v", v, V)
    return -(v @ p["bv"]) - _softplus(v @ p["W"] + p["bh"]).sum(axis=1)


def free_energy_grads(v: npt.ArrayLike, params: Mapping[str, npt.ArrayLike]) -> Params:
    """∂(Σ_n F(v_n))/∂θ for v (N, V): W (V, H), bv (V,), bh (H,)."""
    p, V, _ = _rbm_params(params)
    v = _visible("v", v, V)
    ph = sigmoid(v @ p["W"] + p["bh"])
    return {"W": -(v.T @ ph), "bv": -v.sum(axis=0), "bh": -ph.sum(axis=0)}


def cd_k_update(params: Mapping[str, npt.ArrayLike], v_batch: npt.ArrayLike, k: int, lr: float, rng: np.random.Generator) -> Params:
    """New params after one CD-k step on ``v_batch`` (N, V); the statistics are batch means."""
    p, V, _ = _rbm_params(params)
    v0 = _visible("v_batch", v_batch, V)
    if not (isinstance(k, (int, np.integer)) and k >= 1):
        raise ValueError(f"k={k!r} should be an integer of at least 1 (the number of Gibbs steps)")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr={lr!r} should be a finite number above 0")
    rng = _rng(rng)
    vk = v0
    for _ in range(k):
        _, vk = gibbs_step(vk, p, rng)
    positive, negative = free_energy_grads(v0, p), free_energy_grads(vk, p)
    N = v0.shape[0]
    return {key: p[key] - lr * (positive[key] - negative[key]) / N for key in p}


def log_partition(params: Mapping[str, npt.ArrayLike]) -> float:
    """log Z = log Σ_v Σ_h e^{-E(v, h)}, enumerating every visible and hidden configuration."""
    p, V, H = _rbm_params(params)
    _enumerable(V + H, "the RBM")
    vs, hs = all_states(V), all_states(H)
    # -E for every (v, h) pair: (2**V, 2**H).
    negative_energy = (vs @ p["bv"])[:, None] + (hs @ p["bh"])[None, :] + vs @ p["W"] @ hs.T
    return _logsumexp(negative_energy.ravel())


def exact_log_likelihood(params: Mapping[str, npt.ArrayLike], data: npt.ArrayLike) -> float:
    """Mean over the rows of ``data`` (N, V) of log P(v) = -F(v) - log Z, in nats; exact, by enumeration."""
    p, V, _ = _rbm_params(params)
    return float(np.mean(-free_energy(_visible("data", data, V), p)) - log_partition(p))
