"""Soft attention of a query (or several) over a sequence of encoder states.

Mines Paristech, Session 3, the attention section: attention is "a way to
'align' the input and output"; a *soft* attention map "is a fully
differentiable deterministic mechanism", so gradients flow through it with the
rest of the network (hard attention samples one state and is not covered here).

Shapes: N batch, T encoder steps, Hq query width, Hk key/value width,
A attention width (additive score only), M queries per sequence.

Given a query s (N, Hq), keys and values h (N, T, Hk) and a mask (N, T) of
valid positions (all valid by default; each row needs at least one):

    additive (Bahdanau, Cho and Bengio 2015):  e_j = vᵀ tanh(s W_s + h_j W_h)
        params {"Ws": (Hq, A), "Wh": (Hk, A), "v": (A,)}
    dot (Luong, Pham and Manning 2015):        e_j = s · h_j           (Hq = Hk), params {}
    general (Luong, Pham and Manning 2015):    e_j = s W h_jᵀ          params {"W": (Hq, Hk)}

    α = softmax(e) over the valid positions, exactly 0 on the masked ones
    context = Σ_j α_j h_j

s may also be (N, M, Hq), M queries of each sequence over the same keys (a
decoder's every step); then context is (N, M, Hk) and α (N, M, T), and each
query is attended to exactly as alone. h_j W_h is computed once per key, not
once per query, and the key gradients are summed over the queries first.

Backward, with dcontext (N, Hk) and an optional dα (N, T) from above:

    dα_j += dcontext · h_j          dh_j = α_j dcontext + (score part)
    de = α * (dα - Σ_j α_j dα_j)    (the softmax Jacobian; 0 on masked positions)
    dot:      ds = Σ_j de_j h_j                 dh_j += de_j s
    general:  q = s W;  dq = Σ_j de_j h_j;  ds = dq Wᵀ;  dW = sᵀ dq;  dh_j += de_j q
    additive: u_j = tanh(s W_s + h_j W_h);  dv = Σ_{n,j} de_j u_j;  da_j = de_j v * (1 - u_j²)
              ds = (Σ_j da_j) W_sᵀ;  dW_s = sᵀ Σ_j da_j;  dh_j += da_j W_hᵀ;  dW_h = Σ_{n,j} h_jᵀ da_j

(with M queries, every sum over n runs over the queries too.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import validation

Array = npt.NDArray[np.float64]
Params = dict[str, Array]

SCORES = ("additive", "dot", "general")


def param_shapes(score: str, Hq: int, Hk: int, A: int | None = None) -> dict[str, tuple[int, ...]]:
    """The params of ``score`` for queries of width Hq and keys of width Hk; A is for "additive" only."""
    validation.choice("score", score, dict.fromkeys(SCORES))
    if score == "additive":
        if A is None or A < 1:
            raise ValueError(f"A={A!r}: the additive score needs an attention width A of at least 1")
        return {"Ws": (Hq, A), "Wh": (Hk, A), "v": (A,)}
    if A is not None:
        raise ValueError(f"A={A!r} applies only to score='additive'; leave it out for score={score!r}")
    if score == "dot":
        if Hq != Hk:
            raise ValueError(f"the dot score needs Hq == Hk; got query width Hq={Hq} and key width Hk={Hk}")
        return {}
    return {"W": (Hq, Hk)}


def init_params(score: str, Hq: int, Hk: int, rng: np.random.Generator, *, A: int | None = None) -> Params:
    """Uniform(-1/√fan_in, 1/√fan_in) params, as torch's ``nn.Linear`` (fan_in: rows of the matrix, A for v)."""
    out = {}
    for key, shape in param_shapes(score, Hq, Hk, A).items():
        bound = 1.0 / np.sqrt(shape[0])
        out[key] = rng.uniform(-bound, bound, shape)
    return out


class Cache(NamedTuple):
    score: str
    s: Array  # (N, M, Hq), M = 1 for a single query
    h: Array  # (N, T, Hk)
    alpha: Array  # (N, M, T)
    hidden: Array | None  # (N, M, T, A) tanh(s W_s + h_j W_h) for "additive", else None
    params: Params
    single: bool  # s was given as (N, Hq)


def _checked_mask(mask: npt.ArrayLike | None, N: int, T: int) -> npt.NDArray[np.bool_]:
    if mask is None:
        return np.ones((N, T), dtype=bool)
    array = np.asarray(mask)
    if array.shape != (N, T):
        raise ValueError(f"mask has shape {array.shape}; expected ({N}, {T}), (N, T) as h's first two axes")
    if array.dtype != np.bool_ and not np.isin(array, (0, 1)).all():
        raise ValueError(f"mask has values other than 0/1 (dtype {array.dtype}); expected True for valid positions, False for masked")
    array = array.astype(bool)
    empty = np.flatnonzero(~array.any(axis=1))
    if empty.size:
        raise ValueError(f"mask row {int(empty[0])} has no valid position; every row needs at least one True")
    return array


def _checked_params(params: Mapping[str, npt.ArrayLike], score: str, Hq: int, Hk: int) -> Params:
    A = np.shape(params["v"])[0] if score == "additive" and "v" in params and np.ndim(params["v"]) == 1 else None
    if score == "additive" and A is None:
        raise ValueError(f"params has no 1-axis 'v' (keys {sorted(params)}); the additive score needs v of shape (A,)")
    wanted = param_shapes(score, Hq, Hk, A)
    if set(params) != set(wanted):
        raise ValueError(f"params has keys {sorted(params)}; expected {sorted(wanted)} for score={score!r}")
    return validation.shaped(params, wanted, note=f"Hq={Hq}, Hk={Hk}" + (f", A={A}" if A else ""))


def forward(
    s: npt.ArrayLike,
    h: npt.ArrayLike,
    params: Mapping[str, npt.ArrayLike],
    *,
    score: str,
    mask: npt.ArrayLike | None = None,
) -> tuple[Array, Array, Cache]:
    """s (N, Hq), h (N, T, Hk), mask (N, T) of valid positions or None -> context (N, Hk), α (N, T), cache.

    With s (N, M, Hq): context (N, M, Hk) and α (N, M, T).
    """
    validation.choice("score", score, dict.fromkeys(SCORES))
    single = np.ndim(s) == 2
    s = validation.array("s", s, "NH" if single else "NMH")
    h = validation.array("h", h, "NTH")
    N, T, Hk = h.shape
    if s.shape[0] != N:
        raise ValueError(f"s has shape {s.shape}; its batch N={s.shape[0]} differs from h's N={N} (h of shape {h.shape})")
    s = s[:, None, :] if single else s
    params = _checked_params(params, score, s.shape[-1], Hk)
    mask = _checked_mask(mask, N, T)
    hT = h.transpose(0, 2, 1)
    hidden = None
    if score == "dot":
        e = s @ hT
    elif score == "general":
        e = (s @ params["W"]) @ hT
    else:
        hidden = np.tanh((s @ params["Ws"])[:, :, None, :] + (h @ params["Wh"])[:, None, :, :])
        e = hidden @ params["v"]
    # Masked scores become -inf so that exp gives exactly 0 there; every row keeps a finite maximum.
    e = np.where(mask[:, None, :], e, -np.inf)
    alpha = np.exp(e - e.max(axis=-1, keepdims=True))
    alpha /= alpha.sum(axis=-1, keepdims=True)
    context = alpha @ h
    cache = Cache(score, s, h, alpha, hidden, params, single)
    return (context[:, 0], alpha[:, 0], cache) if single else (context, alpha, cache)


def backward(dcontext: npt.ArrayLike, cache: Cache, dalpha: npt.ArrayLike | None = None) -> dict[str, Array]:
    """dcontext (N, Hk), dα (N, T) or None for zeros -> grads s (N, Hq), h (N, T, Hk) and one per param.

    With M queries: dcontext (N, M, Hk), dα (N, M, T) and grads s (N, M, Hq).
    """
    s, h, alpha, p = cache.s, cache.h, cache.alpha, cache.params
    N, M, T = alpha.shape
    Hk = h.shape[-1]
    lead = (N,) if cache.single else (N, M)
    dcontext = validation.gradient("dcontext", dcontext, (*lead, Hk)).reshape(N, M, Hk)
    da = dcontext @ h.transpose(0, 2, 1)
    if dalpha is not None:
        da += validation.gradient("dalpha", dalpha, (*lead, T)).reshape(N, M, T)
    de = alpha * (da - np.sum(alpha * da, axis=-1, keepdims=True))
    deT = de.transpose(0, 2, 1)
    dh = alpha.transpose(0, 2, 1) @ dcontext
    grads: dict[str, Array] = {}
    if cache.score == "dot":
        ds = de @ h
        dh += deT @ s
    elif cache.score == "general":
        dq = de @ h
        dh += deT @ (s @ p["W"])
        ds = dq @ p["W"].T
        grads["W"] = s.reshape(N * M, -1).T @ dq.reshape(N * M, Hk)
    else:
        u = cache.hidden
        grads["v"] = np.einsum("nmt,nmta->a", de, u)
        dpre = de[..., None] * p["v"] * (1.0 - u * u)
        dpre_s, dpre_h = dpre.sum(axis=2), dpre.sum(axis=1)  # (N, M, A) per query, (N, T, A) per key
        ds = dpre_s @ p["Ws"].T
        grads["Ws"] = s.reshape(N * M, -1).T @ dpre_s.reshape(N * M, -1)
        dh += dpre_h @ p["Wh"].T
        grads["Wh"] = h.reshape(N * T, Hk).T @ dpre_h.reshape(N * T, -1)
    return {"s": ds[:, 0] if cache.single else ds, "h": dh, **grads}
