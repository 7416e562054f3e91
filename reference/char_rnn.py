"""The character-level RNN of the "hello" example, trained as Karpathy's min-char-rnn trains.

RNN slides, "Example of sequential prediction": "An example RNN with
4-dimensional input and output layers, and a hidden layer of 3 units ...
fed the characters "hell" as input ... vocabulary is "h,e,l,o"" (after
Karpathy 2015). The Mines Paristech Session 3 slides recommend reading the
min-char-rnn gist, whose training this module follows: Adagrad, with every
gradient clipped to [-5, 5].

Shapes: N batch, T steps, V characters in the vocabulary, H hidden units.
Params (min-char-rnn's names in brackets): ``{"Wx": (V, H) [Wxh], "Wh": (H, H) [Whh],
"b": (H,) [bh], "Wy": (H, V) [Why], "by": (V,)}``. The vocabulary lists each
character of the text once, in order of first appearance: "hello" -> "helo".

Forward, x_t one-hot (V,), h_0 zeros unless given:

    h_t = tanh(x_t Wx + h_{t-1} Wh + b)       ``reference.rnn`` with tanh
    y_t = h_t Wy + by                          scores for the next character
    p_t = softmax(y_t)
    L   = -1/(N T) Σ_n Σ_t log p_t[c_{t+1}]    mean cross-entropy per predicted character

Backward:

    dy_t = (p_t - onehot(c_{t+1})) / (N T)
    dWy = Σ h_tᵀ dy_t    dby = Σ dy_t    dh_t = dy_t Wyᵀ  -> ``rnn.backward`` for Wx, Wh, b

min-char-rnn sums the loss over characters; the mean here reads directly as
"loss per character" and differs from the sum by the constant factor 1/(N T).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import layers, rnn, training, validation

Array = npt.NDArray[np.float64]
Params = dict[str, Array]

CLIP = 5.0
"""min-char-rnn clips every gradient entry to [-CLIP, CLIP]."""


def param_shapes(V: int, H: int) -> dict[str, tuple[int, ...]]:
    return {**rnn.param_shapes(V, H), "Wy": (H, V), "by": (V,)}


def init_params(V: int, H: int, rng: np.random.Generator) -> Params:
    """min-char-rnn's initialisation: weights N(0, 0.01²), biases zero."""
    return {k: (0.01 * rng.standard_normal(shape) if k.startswith("W") else np.zeros(shape)) for k, shape in param_shapes(V, H).items()}


def vocabulary(text: str) -> str:
    """Each character of ``text`` once, in order of first appearance."""
    return "".join(dict.fromkeys(text))


def encode(text: str, vocab: str) -> npt.NDArray[np.int64]:
    """Characters -> their indices in ``vocab`` (T,), or raise naming the unknown ones."""
    unknown = sorted(set(text) - set(vocab))
    if unknown:
        raise ValueError(f"text={text!r} has characters {unknown} outside the vocabulary {vocab!r}")
    return np.array([vocab.index(c) for c in text], dtype=np.int64)


def one_hot(indices: npt.ArrayLike, V: int) -> Array:
    """Integer indices of any shape -> one-hot float64 vectors, shape + (V,)."""
    indices = np.asarray(indices)
    return (indices[..., None] == np.arange(V)).astype(np.float64)


class Cache(NamedTuple):
    rnn: rnn.Cache
    hs: Array  # (N, T, H)
    Wy: Array  # (H, V)


def _checked(x: npt.ArrayLike, params: dict) -> tuple[Array, Params]:
    x = validation.array("x", x, "NTD")
    params, _ = validation.cell_params(params, param_shapes, D=x.shape[-1], source=f"x of shape {x.shape}")
    return x, params


def forward(x: npt.ArrayLike, params: dict, h0: npt.ArrayLike | None = None) -> tuple[Array, Cache]:
    """x (N, T, V), one-hot in use but any values allowed; h0 (N, H) or None -> scores y (N, T, V)."""
    x, params = _checked(x, params)
    hs, cache = rnn.forward(x, {k: params[k] for k in ("Wx", "Wh", "b")}, h0, "tanh")
    return hs @ params["Wy"] + params["by"], Cache(cache, hs, params["Wy"])


def backward(dy: npt.ArrayLike, cache: Cache) -> dict[str, Array]:
    """dy (N, T, V) -> grads Wx, Wh, b, Wy, by, and x (N, T, V), h0 (N, H)."""
    dy = validation.gradient("dy", dy, cache.hs.shape[:2] + cache.Wy.shape[1:])
    V = dy.shape[-1]
    grads = rnn.backward(dy @ cache.Wy.T, cache.rnn)
    grads["Wy"] = cache.hs.reshape(-1, cache.hs.shape[-1]).T @ dy.reshape(-1, V)
    grads["by"] = dy.sum(axis=(0, 1))
    return grads


def loss_and_grads(
    x: npt.ArrayLike, targets: npt.ArrayLike, params: dict, h0: npt.ArrayLike | None = None
) -> tuple[float, dict[str, Array], Array]:
    """x (N, T, V), target indices (N, T), h0 (N, H) or None -> (loss, grads with the params' keys, h_T (N, H)).

    min-char-rnn's ``lossFun``: h_T is returned so that a caller can carry the state into the next chunk.
    """
    y, cache = forward(x, params, h0)
    loss, dy = layers.softmax_cross_entropy(y, targets)
    grads = backward(dy, cache)
    return loss, {k: grads[k] for k in param_shapes(1, 1)}, cache.hs[:, -1].copy()


@dataclass(frozen=True)
class CharRNN:
    params: Params
    vocabulary: str


def _checked_count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} should be an integer of at least {minimum}")
    return int(value)


def train(text: str = "hello", hidden: int = 3, iterations: int = 3000, lr: float = 0.1, seed: int = 0) -> CharRNN:
    """Fit the model to predict each next character of ``text``: Adagrad, gradients clipped to [-5, 5].

    The whole text is one sequence (inputs text[:-1], targets text[1:]) and
    every iteration starts from h_0 = 0, as min-char-rnn does at the start of
    its data; ``seed`` fixes the initial weights.
    """
    if not isinstance(text, str) or len(text) < 2:
        raise ValueError(f"text={text!r} should be a string of at least 2 characters: one to read and one to predict")
    hidden = _checked_count("hidden", hidden, 1)
    iterations = _checked_count("iterations", iterations, 0)
    vocab = vocabulary(text)
    codes = encode(text, vocab)
    x, targets = one_hot(codes[None, :-1], len(vocab)), codes[None, 1:]
    params, memory = init_params(len(vocab), hidden, np.random.default_rng(seed)), None
    for _ in range(iterations):
        _, grads, _ = loss_and_grads(x, targets, params)
        params, memory = training.adagrad(params, training.clip_by_value(grads, CLIP), memory, lr=lr)
    return CharRNN(params, vocab)


def sample(model: CharRNN, start: str = "h", length: int = 4) -> str:
    """Greedy generation: read ``start``, then emit the likeliest next character ``length`` times; returns what was emitted."""
    if not isinstance(start, str) or not start:
        raise ValueError(f"start={start!r} should be a non-empty string of characters from {model.vocabulary!r}")
    length = _checked_count("length", length, 0)
    V = len(model.vocabulary)
    x = one_hot(encode(start, model.vocabulary)[None], V)
    out, h = [], None
    for _ in range(length):
        y, cache = forward(x, model.params, h)
        code = int(np.argmax(y[0, -1]))
        out.append(model.vocabulary[code])
        x, h = one_hot([[code]], V), cache.hs[:, -1]
    return "".join(out)
