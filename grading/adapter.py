"""Inside the worker: drive a student's own interface through the contract's, as a binding says.

A binding (a plain dict, made by ``grading.discovery`` and chosen by the grader) says what implements the contract
and how to call it::

    {"target": "ScratchRNN", "kind": "class", "init": {"args": ["H", "D"], "kwargs": {"optimizer": "optimizer"}},
     "path": [], "weights": {"Wx": {"at": [["a", "W_x"]], "as": "same"}, ...},
     "method": "forward", "call": {"args": ["X"], "kwargs": {}}, "step": false, "pick": null, "time_major": false,
     "backward": {"method": "backward", "pick": 0}, "grads": {"dWx": {"from": "attr", "at": [["a", "dW_x"]], "as": "same"}}}

``Adapter`` is the object the checks' scripts construct under the contract's class name: ``Adapter(n_features,
n_nodes)``, weights set as the contract's attributes, ``forward(X, h0=None)``, ``backward(dH)``, gradients read as
the contract's attributes. It builds the student's object, puts the grader's weights where the binding says the
student keeps them, calls the student's forward (looping a one-step cell over time), and reads the gradients back
from where the student leaves them. Nothing here ever sees an expected value.

Roles in "init" and "call": "D" n_features, "H" n_nodes, "N" batch, "T" n_sequences, "X", "h0", "initializer",
"optimizer", "activation", "lr", and a contract weight's name ("Wx") for a weight passed in. Paths are lists of
steps: ``["a", name]`` an attribute, ``["i", k]`` a list's item, ``["k", key]`` a dict's entry. "as" says how the
student's array is laid out against the contract's: "same", "T" (transposed), "row" (1, H) or "col" (H, 1).
"""

from __future__ import annotations

import numpy as np

from grading.stand_ins import KNOWN_LR, GraderInitializer, RecordingOptimizer, activation_for, make_optimizer


# -- paths into the student's objects ------------------------------------------------------------------------------


def follow(obj, path: list):
    for kind, key in path:
        obj = getattr(obj, key) if kind == "a" else obj[key]
    return obj


def put(obj, path: list, value) -> None:
    *head, (kind, key) = path
    holder = follow(obj, head)
    if kind == "a":
        setattr(holder, key, value)
    else:
        holder[key] = value


def to_student(array: np.ndarray, layout: str) -> np.ndarray:
    """The contract's array in the student's layout."""
    if layout == "T":
        return array.T.copy()
    if layout == "row":
        return array.reshape(1, -1).copy()
    if layout == "col":
        return array.reshape(-1, 1).copy()
    return array.copy()


def from_student(array, layout: str) -> np.ndarray:
    """The student's array in the contract's layout."""
    array = np.asarray(array)
    if layout == "T":
        return array.T
    if layout in ("row", "col"):
        return array.reshape(-1)
    return array


def layout_of(shape: tuple, wanted: tuple) -> str | None:
    """How an array of ``shape`` holds one of the contract's ``wanted`` shape: "same", "T", "row", "col", or None."""
    if shape == wanted:
        return "same"
    if len(wanted) == 2 and shape == wanted[::-1] and wanted[0] != wanted[1]:
        return "T"
    if len(wanted) == 1 and shape == (1, wanted[0]):
        return "row"
    if len(wanted) == 1 and shape == (wanted[0], 1):
        return "col"
    return None


def read(layer, where: dict) -> np.ndarray:
    """The student's array at ``where``, in the contract's layout, as a float64 copy."""
    return np.array(from_student(follow(layer, where["at"]), where["as"]), dtype=np.float64)


def write(layer, where: dict, array: np.ndarray) -> None:
    """Put the contract's ``array`` where ``where`` says the student keeps it, in the student's layout: into the array
    already there when it is float64 of that shape (a student who keeps one array in two places, ``params`` and
    ``self.Wx``, sees it in both), else in its place."""
    value = to_student(array, where["as"])
    try:
        current = follow(layer, where["at"])
    except (AttributeError, LookupError, TypeError):
        current = None
    if isinstance(current, np.ndarray) and current.shape == value.shape and current.dtype == np.float64 and current.flags.writeable:
        current[...] = value
    else:
        put(layer, where["at"], value)


def shape_of(contract: dict, name: str, D: int, H: int) -> tuple[int, ...]:
    """A contract weight's shape at (D, H): the contract gives each dimension as [a, b], meaning a*D + b*H."""
    return tuple(int(a) * D + int(b) * H for a, b in contract["shapes"][name])


# -- the adapter -----------------------------------------------------------------------------------------------------


class Adapter:
    """The contract's interface over a student's implementation (module docstring).

    ``contract`` is the contract as the grader sends it (``grading.interface.contract_wire``): its weight and gradient
    names, and each weight's shape per (D, H). ``weights``: the contract's weights to build with, when known already
    (each is handed to the constructor itself where the binding passes weights in). The cells built are
    ``cells``; what the grader's initializer handed out, ``initializer.handed``.
    """

    def __init__(self, binding: dict, contract: dict, namespace: dict, n_features: int, n_nodes: int, weights: dict | None = None):
        state = {
            "binding": binding,
            "contract": contract,
            "namespace": namespace,
            "D": int(n_features),
            "H": int(n_nodes),
            "given": {name: np.asarray(value, dtype=np.float64) for name, value in (weights or {}).items()},
            "grads": {},
            "cells": [],
            "built_for": None,
            "optimizer": RecordingOptimizer(),
            "initializer": GraderInitializer(),
        }
        object.__setattr__(self, "_s", state)
        if not self._lazy():
            self._build(None, None)

    # Attributes: the contract's weights go to the student's object; its gradients come from what backward left.
    def __setattr__(self, name, value):
        s = self._s
        if name in s["contract"]["weights"]:
            s["given"][name] = np.asarray(value, dtype=np.float64)
            for cell in s["cells"]:
                self._place(cell, name)
            return
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        s = object.__getattribute__(self, "_s")
        if name in s["contract"]["weights"]:
            where = s["binding"]["weights"].get(name)
            if where is None or not s["cells"] or where.get("at") == "arg":
                if name in s["given"]:
                    return s["given"][name]
                raise AttributeError(name)
            try:
                return read(self._layer(s["cells"][0]), where)
            except (AttributeError, LookupError, TypeError, ValueError) as error:
                raise AttributeError(name) from error
        if name in s["grads"]:
            return s["grads"][name]
        raise AttributeError(f"{s['binding']['target']} (graded through the grader's binding) has no {name}")

    # -- building the student's object --------------------------------------------------------------------------
    def _lazy(self) -> bool:
        init = self._s["binding"].get("init") or {}
        roles = [*init.get("args", []), *init.get("kwargs", {}).values()]
        return any(role in ("N", "T") for role in roles)

    def _shape(self, name: str) -> tuple[int, ...]:
        return shape_of(self._s["contract"], name, self._s["D"], self._s["H"])

    def _arg(self, role: str, N: int | None, T: int | None):
        s = self._s
        if role in ("D", "H"):
            return s[role]
        if role in ("N", "T"):
            return N if role == "N" else T
        if role == "initializer":
            return s["initializer"]
        if role == "optimizer":
            return s["optimizer"]
        if role == "activation":
            return activation_for(s["namespace"])
        if role == "lr":
            return KNOWN_LR
        if role in s["contract"]["weights"]:
            return s["given"].get(role, np.zeros(self._shape(role)))
        raise ValueError(f"unknown role {role!r}")

    def _new_cell(self, N: int | None, T: int | None):
        s = self._s
        binding = s["binding"]
        target = s["namespace"][binding["target"]]
        if binding["kind"] == "function":
            return target
        init = binding.get("init") or {"args": [], "kwargs": {}}
        args = [self._arg(role, N, T) for role in init["args"]]
        kwargs = {name: self._arg(role, N, T) for name, role in init["kwargs"].items()}
        cell = target(*args, **kwargs)
        for name in s["contract"]["weights"]:
            if name in s["given"]:
                self._place(cell, name)
        return cell

    def _build(self, N: int | None, T: int | None, count: int = 1) -> None:
        s = self._s
        s["cells"] = [self._new_cell(N, T) for _ in range(count)]
        s["built_for"] = (N, T, count)

    def _layer(self, cell):
        return follow(cell, self._s["binding"].get("path", []))

    def _place(self, cell, name: str) -> None:
        """Write the grader's weight ``name`` where the binding says the student keeps it, in the student's layout."""
        s = self._s
        where = s["binding"]["weights"].get(name)
        if where is None or s["binding"]["kind"] == "function" or where.get("at") == "arg":
            return
        write(self._layer(cell), where, s["given"][name])

    # -- forward ---------------------------------------------------------------------------------------------------
    def _call(self, cell, x, h0):
        """The student's forward of ``cell`` called on ``x`` (the sequence, or one step's input) and ``h0``, as the
        binding's call says; what it returns, as it is."""
        call = self._s["binding"]["call"]

        def value(role):
            if role == "X":
                return x
            if role == "h0":
                return h0
            if role in ("N", "T"):
                return x.shape[0] if role == "N" else x.shape[1]
            return self._arg(role, None, None)

        args, kwargs = [value(r) for r in call["args"]], {k: value(r) for k, r in call["kwargs"].items()}
        method = cell if self._s["binding"]["kind"] == "function" else getattr(self._layer(cell), self._s["binding"]["method"])
        return method(*args, **kwargs)

    def raw(self, X):
        """What the student's forward itself returns for ``X`` on a fresh object, before the binding reads it: for a
        one-step binding, the first step's answer from zero states."""
        s = self._s
        self._ensure_built(X, 1)
        if s["binding"].get("step"):
            return self._call(s["cells"][0], X[:, 0], np.zeros((X.shape[0], s["H"])))
        return self._call(s["cells"][0], X, None if s["binding"]["call"].get("h0_optional") else np.zeros((X.shape[0], s["H"])))

    def _ensure_built(self, X, count: int) -> None:
        s = self._s
        N, T = X.shape[0], X.shape[1]
        wanted = (N, T, count) if self._lazy() else (None, None, count)
        if s["built_for"] != wanted:
            self._build(*wanted)

    def forward(self, X, h0=None, **states):
        s = self._s
        binding = s["binding"]
        X = X if isinstance(X, np.ndarray) else np.asarray(X)
        N, T = X.shape[0], X.shape[1]
        s["grads"] = {}
        roles = [*binding["call"]["args"], *binding["call"]["kwargs"].values()]
        if (h0 is not None and "h0" not in roles) or states:
            given = "h0" if h0 is not None and "h0" not in roles else next(iter(states))
            raise TypeError(f"{self._name()}() got an unexpected keyword argument '{given}'")
        if not binding.get("step"):
            self._ensure_built(X, 1)
            if h0 is None and "h0" in roles and not binding["call"].get("h0_optional"):
                h0 = np.zeros((N, s["H"]))
            return self._output(self._call(s["cells"][0], X, h0), N, T)
        self._ensure_built(X, T)
        h = np.zeros((N, s["H"])) if h0 is None else h0
        hs = []
        for t in range(T):
            h = self._picked(self._call(s["cells"][t], X[:, t], h))
            hs.append(np.asarray(h))
        return np.stack(hs, axis=1)

    def _name(self) -> str:
        binding = self._s["binding"]
        path = "".join(f".{key}" if kind == "a" else f"[{key!r}]" for kind, key in binding.get("path", []))
        return f"{binding['target']}{path}.{binding['method']}" if binding["kind"] == "class" else binding["target"]

    def _picked(self, result):
        pick = self._s["binding"].get("pick")
        return result[pick] if pick is not None else result

    def _output(self, result, N: int, T: int):
        result = self._picked(result)
        if isinstance(result, list) and result and all(isinstance(r, np.ndarray) and r.shape == result[0].shape for r in result):
            result = np.stack(result)  # a list of each step's h: (T, N, H)
        if self._s["binding"].get("time_major") and isinstance(result, np.ndarray) and result.ndim == 3:
            return np.swapaxes(result, 0, 1)
        return result

    # -- backward --------------------------------------------------------------------------------------------------
    def backward(self, dH):
        s = self._s
        binding = s["binding"]
        back = binding.get("backward")
        if back is None or not s["cells"]:
            raise AttributeError(f"{binding['target']} has no backward the grader could find")
        dH = np.asarray(dH)
        kept = self._snapshot()
        s["optimizer"].reset()
        if not binding.get("step"):
            layer = self._layer(s["cells"][0])
            upstream = np.swapaxes(dH, 0, 1) if binding.get("time_major") and dH.ndim == 3 else dH
            result = getattr(layer, back["method"])(upstream)
            s["grads"] = self._gradients([layer], [result], kept)
            return self._dx(result, back)
        # A cell per step: step t's backward gets dH_t plus what step t+1 sent back to h_(t-1).
        T = len(s["cells"])
        layers = [self._layer(c) for c in s["cells"]]
        dx, results, carry = [None] * T, [None] * T, None
        for t in reversed(range(T)):
            upstream = dH[:, t] if dH.ndim == 3 else (dH if t == T - 1 else np.zeros_like(dH))
            if carry is not None:
                upstream = upstream + carry
            results[t] = getattr(layers[t], back["method"])(upstream)
            dx[t] = self._dx(results[t], back)
            carry = results[t][back["carry"]] if back.get("carry") is not None else None
        s["grads"] = self._gradients(layers, results, kept)
        return np.stack([np.asarray(d) for d in dx], axis=1)

    @staticmethod
    def _dx(result, back: dict):
        return result[back["pick"]] if back.get("pick") is not None else result

    def _snapshot(self) -> list[dict]:
        """Each cell's weights, in the contract's layout, before backward: a weight change then tells a gradient, and the
        weights are put back afterwards."""
        s = self._s
        kept = []
        for cell in s["cells"]:
            layer, weights = self._layer(cell), {}
            for name, where in s["binding"]["weights"].items():
                if where.get("at") != "arg":
                    try:
                        weights[name] = read(layer, where)
                    except (AttributeError, LookupError, TypeError, ValueError):
                        pass
            kept.append(weights)
        return kept

    def _gradients(self, layers: list, results: list, kept: list[dict]) -> dict:
        """The contract's gradients, summed over the cells, read where the binding says; the weights put back."""
        s = self._s
        found: dict[str, np.ndarray] = {}
        for layer, result, before in zip(layers, results, kept):
            own = next((w["optimizer"] for w in s["binding"].get("grads", {}).values() if w["from"] == "own_optimizer"), None)
            if own is not None:
                self._step_own_optimizer(layer, own)
            for name, where in s["binding"].get("grads", {}).items():
                value = self._gradient(layer, result, before, name, where)
                if value is not None:
                    found[name] = found[name] + value if name in found and found[name].shape == value.shape else value
            for weight, value in before.items():  # an optimizer or a backward that stepped the weights: undone
                try:
                    write(layer, s["binding"]["weights"][weight], value)
                except (AttributeError, LookupError, TypeError, ValueError):
                    pass
        return found

    def _gradient(self, layer, result, before: dict, name: str, where: dict):
        s = self._s
        source, layout = where["from"], where.get("as", "same")
        try:
            if source == "attr":
                value = follow(layer, where["at"])
            elif source == "returned":
                value = result[where["index"]] if where.get("key") is None else result[where["key"]]
            elif source == "optimizer" and "name" in where:
                value = s["optimizer"].by_name.get(where["name"])
            elif source == "optimizer":
                value = s["optimizer"].by_param.get(id(follow(layer, s["binding"]["weights"][where["weight"]]["at"])))
            elif source in ("change", "own_optimizer"):
                weight = where["weight"]
                return (before[weight] - read(layer, s["binding"]["weights"][weight])) / KNOWN_LR
            else:
                return None
        except (AttributeError, LookupError, TypeError, ValueError):
            return None
        return None if value is None else np.array(from_student(value, layout), dtype=np.float64)

    def _step_own_optimizer(self, layer, optimizer: dict) -> None:
        """Step the submission's own optimizer once with a known learning rate: the weight change is then the gradient it
        applies (for optimizers that compute the gradient themselves from what the layer stored)."""
        made = make_optimizer(self._s["namespace"][optimizer["cls"]], optimizer.get("lr"))
        made.update(layer)
