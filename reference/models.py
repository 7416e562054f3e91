"""The sequence architectures of the course documents: ``layers`` around one recurrent cell.

Shapes: N batch, T time steps, V vocabulary size, E embedding width, D
features, H hidden units, C classes. ``kind`` names the cell, "rnn" (tanh
SimpleRNN), "lstm" or "gru", run through ``stacked.cell_forward`` and
``cell_backward``.

Params are one flat dict, so that ``training.sgd`` and the clipping functions
take it as it is: the cell's own keys (``Wx``, ``Wh``, ``b``; ``bx``, ``bh``
for a GRU), ``embed`` (V, E) where ids are embedded, and ``Wy``, ``by`` for
the Dense layer on top. Grads have the same keys; where the input is real
valued, ``backward`` also returns its gradient under ``x``.

Many to one, sentiment (RNN slides, "Pragmatics: Training a many to one
network" and "Sample Code Snippets": ``Sequential([Embedding(V, 32),
LSTM(32), Dense(1, activation="sigmoid")])``):

    e = embed[ids]    hs = cell(e)    p = σ(h_T Wy + by)        L = BCE(p, y)

Many to many, a tagger ("Recurrent Neural Networks (Explained!)": one label
per token, as in NER):

    e = embed[ids]    hs = cell(e)    a_t = h_t Wy + by         L = CE(a, tags), mean over N·T

One to many, a generator (lecture notes, "Types of RNN"; "Recurrent Neural
Networks (Explained!)": music generation), each output fed back as the next
input, so Wy is (H, D):

    x_1 = x    h_t = cell(x_t, h_{t-1})    y_t = h_t Wy + by    x_{t+1} = y_t    L = MSE(ys, targets)

    backward: dy_t = dL/dy_t + dL/dx_{t+1}, then Dense and the cell step as usual.

Sequence classifier, for the course's scratch classifier (DIVE INTO CODE, Day 29
slides, "Sample code": Sprint 22, a SimpleRNN implemented from scratch): a
SimpleRNN layer, a fully connected layer on its last state, then softmax:

    hs = cell(x)    a = h_T Wy + by    L = CE(a, labels)

``ScratchSimpleRNNClassifier`` trains the last with SGD, in the course's
``fit`` / ``predict`` style.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from reference import layers, stacked, training, validation
from reference.cells import CELLS
from reference.validation import fmt_shape

Array = npt.NDArray[np.float64]
Params = dict[str, Array]
Shapes = dict[str, tuple[int, ...]]

SIZE_SOURCES = {"V": ("embed", 0), "E": ("embed", 1), "D": ("Wx", 0), "H": ("Wh", 0), "C": ("Wy", 1)}
"""Where each size is read off the params: (key, axis)."""


def _checked_params(params: Mapping[str, npt.ArrayLike], param_shapes: Callable[..., Shapes], sizes: str) -> Params:
    """Float64 copies of ``params`` with exactly the keys and shapes of ``param_shapes``, or raise.

    ``sizes`` are the letters ``param_shapes`` takes, each read off the params as ``SIZE_SOURCES`` says.
    """
    wanted = param_shapes(**{s: 1 for s in sizes})
    validation.keys(params, wanted, exact=True)
    found = {}
    for s in sizes:
        key, axis = SIZE_SOURCES[s]
        shape = np.shape(params[key])
        if len(shape) != len(wanted[key]) or shape[axis] == 0:
            raise ValueError(f"params[{key!r}] has shape {fmt_shape(shape)}; expected {len(wanted[key])} non-empty axes")
        found[s] = shape[axis]
    note = ", ".join(f"{s}={found[s]} from params[{SIZE_SOURCES[s][0]!r}]" for s in sizes)
    return validation.shaped(params, param_shapes(**found), note=note)


def _init(shapes: Shapes, rng: np.random.Generator) -> Params:
    """torch's default initialisations: embed ~ N(0, 1) as nn.Embedding; the rest U(-1/√H, 1/√H), as the cells and nn.Linear."""
    bound = 1.0 / np.sqrt(shapes["Wh"][0])
    return {k: rng.standard_normal(s) if k == "embed" else rng.uniform(-bound, bound, s) for k, s in shapes.items()}


def _cell_keys(kind: str) -> list[str]:
    return list(CELLS[kind].param_shapes(1, 1))


def _ids(ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f"ids has shape {fmt_shape(ids.shape)}; expected 2 axes (N, T)")
    return ids


def _cell_backward(kind: str, dhs: Array, cache) -> tuple[Params, Array]:
    """The cell's param grads and dx; the initial states were zeros, so their grads are dropped."""
    grads = stacked.cell_backward(kind, dhs, cache)
    return {k: grads[k] for k in _cell_keys(kind)}, grads["x"]


@dataclass(frozen=True)
class _Model:
    kind: str = "lstm"

    def __post_init__(self) -> None:
        validation.choice("kind", self.kind, CELLS)

    def _cell_shapes(self, D: int, H: int) -> Shapes:
        return CELLS[self.kind].param_shapes(D, H)

    def _cell(self, params: Params) -> Params:
        return {k: params[k] for k in _cell_keys(self.kind)}


class EmbeddedCache(NamedTuple):
    embedding: layers.EmbeddingCache
    cell: tuple  # the cell's own cache
    dense: layers.DenseCache
    head: layers.SigmoidCache | None  # ManyToOne only
    hs_shape: tuple[int, int, int]  # (N, T, H)


@dataclass(frozen=True)
class ManyToOne(_Model):
    """Embedding -> cell -> Dense(1) on h_T -> sigmoid, with binary cross-entropy: the sentiment model."""

    def param_shapes(self, V: int, E: int, H: int) -> Shapes:
        return {"embed": (V, E), **self._cell_shapes(E, H), "Wy": (H, 1), "by": (1,)}

    def init_params(self, V: int, E: int, H: int, rng: np.random.Generator) -> Params:
        return _init(self.param_shapes(V, E, H), rng)

    def forward(self, params: Mapping[str, npt.ArrayLike], ids: npt.ArrayLike) -> tuple[Array, EmbeddedCache]:
        """ids (N, T) integers in 0..V-1 -> p (N,), the probability of the positive class."""
        params = _checked_params(params, self.param_shapes, "VEH")
        e, e_cache = layers.embedding_forward(_ids(ids), params["embed"])
        hs, c_cache = stacked.cell_forward(self.kind, e, self._cell(params))
        a, d_cache = layers.dense_forward(hs[:, -1], params["Wy"], params["by"])
        p, s_cache = layers.sigmoid_forward(a[:, 0])
        return p, EmbeddedCache(e_cache, c_cache, d_cache, s_cache, hs.shape)

    def backward(self, dp: npt.ArrayLike, cache: EmbeddedCache) -> Params:
        """dp (N,) -> grads with the params' keys."""
        da = layers.sigmoid_backward(dp, cache.head)
        dense = layers.dense_backward(da[:, None], cache.dense)
        # Only h_T feeds the output; every earlier step's gradient comes through the recurrence.
        dhs = np.zeros(cache.hs_shape)
        dhs[:, -1] = dense["x"]
        cell, de = _cell_backward(self.kind, dhs, cache.cell)
        return {"embed": layers.embedding_backward(de, cache.embedding), **cell, "Wy": dense["W"], "by": dense["b"]}

    def loss(self, params: Mapping[str, npt.ArrayLike], ids: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, Params]:
        """ids (N, T), y (N,) targets in [0, 1] -> (mean binary cross-entropy, grads)."""
        p, cache = self.forward(params, ids)
        loss, dp = layers.binary_cross_entropy(p, y)
        return loss, self.backward(dp, cache)


@dataclass(frozen=True)
class ManyToMany(_Model):
    """Embedding -> cell -> Dense(C) at every step, with softmax cross-entropy over the tags: a tagger."""

    def param_shapes(self, V: int, E: int, H: int, C: int) -> Shapes:
        return {"embed": (V, E), **self._cell_shapes(E, H), "Wy": (H, C), "by": (C,)}

    def init_params(self, V: int, E: int, H: int, C: int, rng: np.random.Generator) -> Params:
        return _init(self.param_shapes(V, E, H, C), rng)

    def forward(self, params: Mapping[str, npt.ArrayLike], ids: npt.ArrayLike) -> tuple[Array, EmbeddedCache]:
        """ids (N, T) integers in 0..V-1 -> logits (N, T, C), one row of tag scores per step."""
        params = _checked_params(params, self.param_shapes, "VEHC")
        e, e_cache = layers.embedding_forward(_ids(ids), params["embed"])
        hs, c_cache = stacked.cell_forward(self.kind, e, self._cell(params))
        logits, d_cache = layers.dense_forward(hs, params["Wy"], params["by"])
        return logits, EmbeddedCache(e_cache, c_cache, d_cache, None, hs.shape)

    def backward(self, dlogits: npt.ArrayLike, cache: EmbeddedCache) -> Params:
        """dlogits (N, T, C) -> grads with the params' keys."""
        dense = layers.dense_backward(dlogits, cache.dense)
        cell, de = _cell_backward(self.kind, dense["x"], cache.cell)
        return {"embed": layers.embedding_backward(de, cache.embedding), **cell, "Wy": dense["W"], "by": dense["b"]}

    def loss(self, params: Mapping[str, npt.ArrayLike], ids: npt.ArrayLike, tags: npt.ArrayLike) -> tuple[float, Params]:
        """ids (N, T), tags (N, T) integers in 0..C-1 -> (softmax cross-entropy averaged over N·T, grads)."""
        logits, cache = self.forward(params, ids)
        loss, dlogits = layers.softmax_cross_entropy(logits, tags)
        return loss, self.backward(dlogits, cache)


class GeneratorCache(NamedTuple):
    cells: list  # one cell cache per step, each a one-step sequence
    dense: list[layers.DenseCache]  # one per step
    hidden: int  # H


@dataclass(frozen=True)
class OneToMany(_Model):
    """One input vector -> cell -> Dense(D) per step, each output the next step's input: a generator."""

    def param_shapes(self, D: int, H: int) -> Shapes:
        return {**self._cell_shapes(D, H), "Wy": (H, D), "by": (D,)}

    def init_params(self, D: int, H: int, rng: np.random.Generator) -> Params:
        return _init(self.param_shapes(D, H), rng)

    def forward(self, params: Mapping[str, npt.ArrayLike], x: npt.ArrayLike, steps: int) -> tuple[Array, GeneratorCache]:
        """x (N, D), the one input; steps T >= 1 -> ys (N, T, D)."""
        params = _checked_params(params, self.param_shapes, "DH")
        D, H = params["Wx"].shape[0], params["Wh"].shape[0]
        x = validation.array("x", x, "ND")
        if x.shape[1] != D:
            raise ValueError(f"x has shape {fmt_shape(x.shape)}; expected (N, {D}), D from params['Wx']")
        if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 1:
            raise ValueError(f"steps={steps!r} should be an integer of at least 1")
        cell = self._cell(params)
        ys = np.empty((x.shape[0], steps, D))
        cell_caches, dense_caches = [], []
        step_in, h, c = x, None, None
        for t in range(steps):
            hs, c_cache = stacked.cell_forward(self.kind, step_in[:, None], cell, h, c)
            h = hs[:, 0]
            c = CELLS[self.kind].last_cell_state(c_cache)
            ys[:, t], d_cache = layers.dense_forward(h, params["Wy"], params["by"])
            step_in = ys[:, t]
            cell_caches.append(c_cache)
            dense_caches.append(d_cache)
        return ys, GeneratorCache(cell_caches, dense_caches, H)

    def backward(self, dys: npt.ArrayLike, cache: GeneratorCache) -> Params:
        """dys (N, T, D) -> grads with the params' keys, and x (N, D)."""
        N, D = cache.dense[0].x.shape[0], cache.dense[0].W.shape[1]
        T, H = len(cache.dense), cache.hidden
        dys = validation.gradient("dys", dys, (N, T, D))
        grads: Params = {}
        d_next_in, dh, dc = np.zeros((N, D)), np.zeros((N, H)), np.zeros((N, H)) if CELLS[self.kind].has_cell_state else None
        for t in range(T - 1, -1, -1):
            # y_t is both an output and step t+1's input.
            dense = layers.dense_backward(dys[:, t] + d_next_in, cache.dense[t])
            step = stacked.cell_backward(self.kind, (dense["x"] + dh)[:, None], cache.cells[t], dc)
            d_next_in, dh, dc = step["x"][:, 0], step["h0"], step.get("c0")
            for k, g in [*((k, step[k]) for k in _cell_keys(self.kind)), ("Wy", dense["W"]), ("by", dense["b"])]:
                grads[k] = grads[k] + g if k in grads else g
        return {**grads, "x": d_next_in}

    def loss(self, params: Mapping[str, npt.ArrayLike], x: npt.ArrayLike, targets: npt.ArrayLike) -> tuple[float, Params]:
        """x (N, D), targets (N, T, D) -> (mean squared error, grads of the params); T is read off targets."""
        targets = np.asarray(targets, dtype=np.float64)
        if targets.ndim != 3:
            raise ValueError(f"targets has shape {fmt_shape(targets.shape)}; expected 3 axes (N, T, D)")
        ys, cache = self.forward(params, x, targets.shape[1])
        loss, dys = layers.mse(ys, targets)
        grads = self.backward(dys, cache)
        del grads["x"]
        return loss, grads


class ClassifierCache(NamedTuple):
    cell: tuple
    dense: layers.DenseCache
    hs_shape: tuple[int, int, int]  # (N, T, H)


@dataclass(frozen=True)
class SequenceClassifier(_Model):
    """x -> cell -> Dense(C) on h_T, with softmax cross-entropy: the scratch classifier's network."""

    kind: str = "rnn"

    def param_shapes(self, D: int, H: int, C: int) -> Shapes:
        return {**self._cell_shapes(D, H), "Wy": (H, C), "by": (C,)}

    def init_params(self, D: int, H: int, C: int, rng: np.random.Generator) -> Params:
        return _init(self.param_shapes(D, H, C), rng)

    def forward(self, params: Mapping[str, npt.ArrayLike], x: npt.ArrayLike) -> tuple[Array, ClassifierCache]:
        """x (N, T, D) -> logits (N, C)."""
        params = _checked_params(params, self.param_shapes, "DHC")
        hs, c_cache = stacked.cell_forward(self.kind, x, self._cell(params))
        logits, d_cache = layers.dense_forward(hs[:, -1], params["Wy"], params["by"])
        return logits, ClassifierCache(c_cache, d_cache, hs.shape)

    def backward(self, dlogits: npt.ArrayLike, cache: ClassifierCache) -> Params:
        """dlogits (N, C) -> grads with the params' keys, and x (N, T, D)."""
        dense = layers.dense_backward(dlogits, cache.dense)
        dhs = np.zeros(cache.hs_shape)
        dhs[:, -1] = dense["x"]
        cell, dx = _cell_backward(self.kind, dhs, cache.cell)
        return {**cell, "Wy": dense["W"], "by": dense["b"], "x": dx}

    def loss(self, params: Mapping[str, npt.ArrayLike], x: npt.ArrayLike, labels: npt.ArrayLike) -> tuple[float, Params]:
        """x (N, T, D), labels (N,) integers in 0..C-1 -> (mean softmax cross-entropy, grads of the params)."""
        logits, cache = self.forward(params, x)
        loss, dlogits = layers.softmax_cross_entropy(logits, labels)
        grads = self.backward(dlogits, cache)
        del grads["x"]
        return loss, grads


def _positive(name: str, value, kind: type) -> None:
    ok = isinstance(value, kind) and not isinstance(value, bool) and np.isfinite(value) and value > 0
    if not ok:
        raise ValueError(f"{name}={value!r} should be {'an integer' if kind is Integral else 'a finite number'} above 0")


class ScratchSimpleRNNClassifier:
    """A SimpleRNN (tanh) over the sequence, a fully connected layer on its last state, softmax, trained by minibatch SGD.

    The course's scratch-classifier interface: ``fit(X, y)`` then ``predict(X)``.
    After ``fit``: ``params_`` (``SequenceClassifier("rnn")``'s params),
    ``classes_`` (the sorted labels seen), ``loss_`` (mean training loss of
    each epoch) and, given validation data, ``val_loss_``. Every ``fit``
    starts afresh from ``seed``, so results never depend on earlier calls.
    """

    def __init__(
        self,
        n_nodes: int = 16,
        lr: float = 0.1,
        epochs: int = 20,
        batch_size: int = 32,
        clip_norm: float | None = None,
        seed: int = 0,
    ) -> None:
        _positive("n_nodes", n_nodes, Integral)
        _positive("lr", lr, Real)
        _positive("epochs", epochs, Integral)
        _positive("batch_size", batch_size, Integral)
        if clip_norm is not None:
            _positive("clip_norm", clip_norm, Real)
        self.n_nodes, self.lr, self.epochs, self.batch_size, self.clip_norm, self.seed = n_nodes, lr, epochs, batch_size, clip_norm, seed
        self.network = SequenceClassifier("rnn")

    def _targets(self, X: npt.ArrayLike, y: npt.ArrayLike) -> tuple[Array, npt.NDArray[np.int64]]:
        X = validation.array("X", X, "NTD")
        y = np.asarray(y)
        if y.shape != X.shape[:1] or y.dtype.kind not in "iu":
            raise ValueError(
                f"y has shape {fmt_shape(y.shape)} and dtype {y.dtype}; expected ({X.shape[0]},) integer classes, one per sequence of X"
            )
        return X, y

    def fit(
        self, X: npt.ArrayLike, y: npt.ArrayLike, X_val: npt.ArrayLike | None = None, y_val: npt.ArrayLike | None = None
    ) -> ScratchSimpleRNNClassifier:
        """X (N, T, D) floats, y (N,) integer classes; optional validation data of the same kinds."""
        X, y = self._targets(X, y)
        self.classes_ = np.unique(y)
        labels = np.searchsorted(self.classes_, y)
        if (X_val is None) != (y_val is None):
            raise ValueError("got only one of X_val and y_val; pass both for validation losses, or neither")
        validating = X_val is not None
        if validating:
            X_val, y_val = self._targets(X_val, y_val)
            unseen = np.setdiff1d(y_val, self.classes_)
            if unseen.size:
                raise ValueError(f"y_val holds {unseen[0]}, a class that y never shows; expected classes among {self.classes_.tolist()}")
            val_labels = np.searchsorted(self.classes_, y_val)
        rng = np.random.default_rng(self.seed)
        params = self.network.init_params(X.shape[2], self.n_nodes, len(self.classes_), rng)
        self.loss_, self.val_loss_ = [], []
        for _ in range(self.epochs):
            order = rng.permutation(len(X))
            total = 0.0
            for start in range(0, len(X), self.batch_size):
                batch = order[start : start + self.batch_size]
                loss, grads = self.network.loss(params, X[batch], labels[batch])
                if self.clip_norm is not None:
                    grads = training.clip_by_norm(grads, self.clip_norm)
                params = training.sgd(params, grads, self.lr)
                total += loss * len(batch)
            self.loss_.append(total / len(X))
            if validating:
                self.val_loss_.append(self.network.loss(params, X_val, val_labels)[0])
        self.params_ = params
        return self

    def predict_proba(self, X: npt.ArrayLike) -> Array:
        """X (N, T, D) -> (N, C) class probabilities, columns in the order of ``classes_``."""
        if not hasattr(self, "params_"):
            raise ValueError("this ScratchSimpleRNNClassifier is not fitted yet; call fit(X, y) before predicting")
        logits, _ = self.network.forward(self.params_, X)
        return layers.softmax_forward(logits)[0]

    def predict(self, X: npt.ArrayLike) -> npt.NDArray:
        """X (N, T, D) -> (N,) predicted labels, from ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
