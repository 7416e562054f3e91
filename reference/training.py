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

Gradients of a SimpleRNN (``reference.rnn``: a_t = x_t Wx + h_{t-1} Wh + b,
h_t = act(a_t)) for the loss L = Σ_t Σ_n dhs_t · h_t, given the upstream
gradient dhs_t at every step (DIVE INTO CODE, Day 29, "RNNs: gradient
calculation"; Mines Paristech, Session 3, "RNN training"). Each returns
grads with keys Wx, Wh, b and h0; shapes N batch, T steps, D features,
H hidden units.

    BPTT:       run forward over all T steps, then back from T to 1 (``rnn.backward``);
                time O(T H²) and memory O(T H) per sequence.
    truncated:  BPTT within chunks of k steps [Jaeger, 2002]. The state h is carried
                from chunk to chunk, the gradient is not: chunk c's backward stops at
                its first step, so dh0 comes from the first chunk alone.
    RTRL:       carry the sensitivities S_t = ∂h_t/∂θ forward, no pass back in time:

                    ∂h_t[j]/∂θ = act'(a_t)[j] · (∂a_t[j]/∂θ |direct + Σ_i ∂h_{t-1}[i]/∂θ · Wh[i, j])
                    dL/dθ     += Σ_j dhs_t[j] · ∂h_t[j]/∂θ            at every step ("gradients
                                                                      update for each frame")

                with direct terms x_t[d] δ_mj for Wx[d, m], h_{t-1}[i] δ_mj for Wh[i, m],
                δ_mj for b[m], none for h0 (S_0 = I). S for Wh holds H·H·H numbers per
                batch element and each step multiplies it by Wh: time O(T H⁴), the
                "O(TN^4)" of the Day 29 slides, against BPTT's O(T H²).

Jacobians through time ("Weight sharing: applying the same weight W multiple
times in BPTT"): ∂h_k/∂h_{k-1} = diag(act'(a_k)) Whᵀ, so

    ∂h_T/∂h_k = Π_{s=T..k+1} diag(act'(a_s)) Whᵀ,    ‖∂h_T/∂h_k‖₂ <= (max|act'| · ‖Wh‖₂)^(T-k)

which shrinks geometrically when the largest singular value of Wh is below 1
(|tanh'| <= 1) and can grow geometrically when Wh is large and the units are
not saturated.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from reference import rnn, validation
from reference.activations import ACTIVATIONS

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


GRAD_KEYS = ("Wx", "Wh", "b", "h0")
"""The keys of the gradients that ``bptt_gradients``, ``truncated_bptt_gradients`` and ``rtrl_gradients`` return."""


def _checked_sequence(x: npt.ArrayLike, params: Tree, h0: npt.ArrayLike | None, dhs: npt.ArrayLike, activation: str):
    """Checked float64 copies: x (N, T, D), params, h0 (N, H), dhs (N, T, H)."""
    validation.choice("activation", activation, ACTIVATIONS)
    x = validation.array("x", x, "NTD")
    params, H = validation.cell_params(params, rnn.param_shapes, D=x.shape[-1], source=f"x of shape {x.shape}")
    h0 = validation.state("h0", h0, (x.shape[0], H))
    dhs = validation.gradient("dhs", dhs, (*x.shape[:2], H))
    return x, params, h0, dhs


def bptt_gradients(
    x: npt.ArrayLike, params: Tree, h0: npt.ArrayLike | None, dhs: npt.ArrayLike, activation: str = "tanh"
) -> dict[str, Array]:
    """Full BPTT: x (N, T, D), h0 (N, H) or None for zeros, dhs (N, T, H) -> grads Wx, Wh, b, h0 (N, H).

    ``rnn.forward`` then ``rnn.backward``; dx is left out (``rnn.backward`` has it).
    """
    _, cache = rnn.forward(x, params, h0, activation)
    grads = rnn.backward(dhs, cache)
    return {key: grads[key] for key in GRAD_KEYS}


def _checked_chunk(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k={k!r} should be an integer of at least 1, the number of steps per chunk")
    return int(k)


def truncated_bptt_gradients(
    x: npt.ArrayLike, params: Tree, h0: npt.ArrayLike | None, dhs: npt.ArrayLike, k: int, activation: str = "tanh"
) -> dict[str, Array]:
    """BPTT truncated to chunks of k steps: x (N, T, D), h0 (N, H) or None, dhs (N, T, H) -> grads Wx, Wh, b, h0.

    Steps [0, k), [k, 2k), ...; the last chunk may be shorter. With k >= T this is ``bptt_gradients``.
    """
    x, params, h0, dhs = _checked_sequence(x, params, h0, dhs, activation)
    k = _checked_chunk(k)
    total = {key: np.zeros_like(params[key]) for key in ("Wx", "Wh", "b")}
    h, dh0 = h0, None
    for start in range(0, x.shape[1], k):
        hs, cache = rnn.forward(x[:, start : start + k], params, h, activation)
        grads = rnn.backward(dhs[:, start : start + k], cache)
        for key in total:
            total[key] += grads[key]
        if dh0 is None:
            dh0 = grads["h0"]
        # The chunk's last state starts the next chunk as a constant: no gradient flows back into this chunk.
        h = hs[:, -1]
    return {**total, "h0": dh0}


def rtrl_gradients(
    x: npt.ArrayLike, params: Tree, h0: npt.ArrayLike | None, dhs: npt.ArrayLike, activation: str = "tanh"
) -> dict[str, Array]:
    """Real-time recurrent learning: x (N, T, D), h0 (N, H) or None, dhs (N, T, H) -> grads Wx, Wh, b, h0.

    One pass forward in time. The sensitivities, batch first and unit last,
    S[n, ..., j] = ∂h_t[n, j]/∂θ[...], have shapes Wx (N, D, H, H),
    Wh (N, H, H, H), b (N, H, H) and h0 (N, H, H), and the gradient is added
    to at every step, so dhs_t may be discarded once step t is done.
    """
    x, params, h0, dhs = _checked_sequence(x, params, h0, dhs, activation)
    N, T, D = x.shape
    H = h0.shape[1]
    act = ACTIVATIONS[activation]
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    eye = np.eye(H)
    S = {"Wx": np.zeros((N, D, H, H)), "Wh": np.zeros((N, H, H, H)), "b": np.zeros((N, H, H)), "h0": np.tile(eye, (N, 1, 1))}
    grads = {"Wx": np.zeros((D, H)), "Wh": np.zeros((H, H)), "b": np.zeros(H), "h0": np.zeros((N, H))}
    h_prev = h0
    for t in range(T):
        h = act.forward_inplace(x[:, t] @ Wx + h_prev @ Wh + b)
        slope = act.derivative_from_output(h)  # act'(a_t), (N, H)
        # ∂a_t/∂θ: what reaches a_t through h_{t-1}, plus the direct term.
        S["Wx"] = S["Wx"] @ Wh + x[:, t, :, None, None] * eye
        S["Wh"] = S["Wh"] @ Wh + h_prev[:, :, None, None] * eye
        S["b"] = S["b"] @ Wh + eye
        S["h0"] = S["h0"] @ Wh
        for s in S.values():
            s *= slope.reshape(N, *(1,) * (s.ndim - 2), H)
        up = dhs[:, t]
        grads["Wx"] += np.einsum("ndmj,nj->dm", S["Wx"], up)
        grads["Wh"] += np.einsum("nimj,nj->im", S["Wh"], up)
        grads["b"] += np.einsum("nmj,nj->m", S["b"], up)
        grads["h0"] += np.einsum("nij,nj->ni", S["h0"], up)
        h_prev = h
    return grads


def jacobian_norms(x: npt.ArrayLike, params: Tree, h0: npt.ArrayLike | None = None, activation: str = "tanh") -> Array:
    """‖∂h_T/∂h_k‖₂ for k = 0..T: x (N, T, D), h0 (N, H) or None -> norms (N, T + 1).

    Per batch element: entry [n, k] is the spectral norm (largest singular
    value) of the H×H Jacobian of h_T[n] with respect to h_k[n] (h_0 being the
    initial state), the only nonzero block since batch elements never mix.
    Entry [n, T] is ‖I‖₂ = 1.
    """
    hs, _ = rnn.forward(x, params, h0, activation)
    N, T, H = hs.shape
    slopes = ACTIVATIONS[activation].derivative_from_output(hs)  # act'(a_t), (N, T, H)
    WhT = np.asarray(params["Wh"], dtype=np.float64).T
    norms = np.empty((N, T + 1))
    norms[:, T] = 1.0
    jacobian = np.tile(np.eye(H), (N, 1, 1))  # [n, j, i] = ∂h_T[n, j]/∂h_k[n, i]
    for k in range(T, 0, -1):
        jacobian = (jacobian * slopes[:, k - 1, None, :]) @ WhT
        norms[:, k - 1] = np.linalg.norm(jacobian, ord=2, axis=(1, 2))
    return norms
