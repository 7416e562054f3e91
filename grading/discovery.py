"""Inside the worker: find what in a submission implements the contract, and every way to call it.

``discover`` enumerates candidates: each class and function the submission defines (and the layers a class holds,
such as a classifier's ``self.rnn``), each constructor binding (by parameter name, then by position), each forward
method and call form (the sequence, or one step looped over time), and each way of reading its answer (an element of
a returned tuple, a time-major stack). For each, it builds a binding (``grading.adapter``), runs it on the grader's
probes through an ``Adapter`` exactly as the checks will, and reports what came back. It decides nothing that needs
an expected value: where weights and gradients live is told by identity, names and shapes; which candidate is right
is the grader's choice (``grading.interface``), by comparing these answers with the reference.
"""

from __future__ import annotations

import dis
import types

import numpy as np

from grading.adapter import Adapter
from grading.locate import (
    codes,
    defined_here,
    gradients_by_name,
    handed,
    locate_gradients,
    locate_weights,
    parameters,
    walk,
)
from grading.names import INPUT_ALIASES, SIZE_ALIASES, role_of, weight_role

MAX_TARGETS = 24
MAX_CANDIDATES = 24
FORWARD_METHODS = ("forward", "__call__", "fit")
"""The methods tried as forward, in order: ``__call__`` only where the submission defines it, ``fit`` only when it
returns the states."""
BACKWARD_METHODS = ("backward", "backward_propagation", "backprop")
NAME_ORDER = ("SimpleRNN", "ScratchSimpleRNNClassifier", "RNN", "ScratchRNN", "SimpleRNNLayer", "Recurrent", "TimeRNN")
"""Names that break ties between candidates that answer alike, after the contract's own."""


def _has_method(cls: type, name: str) -> bool:
    """Whether ``cls`` has the method ``name``; ``__call__`` counts only when a class of the submission defines it."""
    if name == "__call__":
        return any("__call__" in vars(base) for base in cls.__mro__ if base is not object)
    return callable(getattr(cls, name, None))


def targets(namespace: dict, contract_cls: str) -> list[tuple[str, str]]:
    """(name, "class" | "function") of everything the submission defines that might implement the contract, the
    contract's own name first, then the usual names, then the rest in the order they were defined."""
    found = []
    for name, value in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_") or len(name) > 100 or not defined_here(value, namespace):
            continue
        if isinstance(value, type) and any(_has_method(value, m) for m in FORWARD_METHODS):
            found.append((name, "class"))
        elif isinstance(value, types.FunctionType):
            found.append((name, "function"))
    order = {name: k for k, name in enumerate((contract_cls, *NAME_ORDER))}
    found.sort(key=lambda item: (order.get(item[0], len(order)), item[1] == "function"))
    return found[:MAX_TARGETS]


# -- constructors ----------------------------------------------------------------------------------------------------


def _role(name: str, weights: dict) -> str | None:
    return weight_role(name, weights) or role_of(name, SIZE_ALIASES)


def constructions(cls, weights: dict) -> list[dict]:
    """Constructor bindings to try, in order: by parameter name, then the sizes by position (n_features, n_nodes, then
    swapped), then no arguments; each {"args": [role...], "kwargs": {name: role}}."""
    params = parameters(cls)
    if params is None:
        return [{"args": ["D", "H"], "kwargs": {}}, {"args": [], "kwargs": {}}]
    tries = []
    roles = {p.name: _role(p.name, weights) for p in params}
    required = [p for p in params if p.default is p.empty]
    if all(roles[p.name] for p in required):
        by_name = {"args": [], "kwargs": {}}
        for p in params:
            if roles[p.name] is None:
                continue
            if p.kind == p.POSITIONAL_ONLY:
                by_name["args"].append(roles[p.name])
            else:
                by_name["kwargs"][p.name] = roles[p.name]
        tries.append(by_name)
    unknown = [p for p in required if roles[p.name] is None]
    for sizes in (("D", "H"), ("H", "D")):
        for extra in ((), ("initializer",), ("initializer", "optimizer")):
            fill = [*sizes, *extra]
            if len(unknown) <= len(fill):
                args, queue = [], list(fill)
                for p in required:
                    args.append(roles[p.name] if roles[p.name] else (queue.pop(0) if queue else None))
                if None not in args:
                    tries.append({"args": args, "kwargs": {}})
    if not required:
        tries.append({"args": [], "kwargs": {}})
    unique = []
    for t in tries:
        if t not in unique:
            unique.append(t)
    return unique


# -- forward ---------------------------------------------------------------------------------------------------------


def call_forms(fn, weights: dict) -> list[dict]:
    """How to call a forward: {"args", "kwargs", "h0_optional", "step"} for the whole sequence, and for one step when it
    takes a previous state."""
    params = parameters(fn)
    if params is None:
        return [{"args": ["X"], "kwargs": {}, "h0_optional": True, "step": False}]
    if params and params[0].name == "self":
        params = params[1:]
    args, names, kwargs, h0_optional, has_x = [], [], {}, True, False
    for k, p in enumerate(params):
        role = (
            weight_role(p.name, weights)
            or role_of(p.name, INPUT_ALIASES)
            or role_of(p.name, {"N": SIZE_ALIASES["N"], "T": SIZE_ALIASES["T"]})
        )
        if role == "X":
            has_x = True
        if role is None and not has_x and p.default is p.empty and k == 0:
            role, has_x = "X", True
        if role is None:
            if p.default is p.empty:
                return []
            continue
        if role == "h0":
            h0_optional = p.default is not p.empty
        if p.kind == p.POSITIONAL_ONLY or (p.default is p.empty and not kwargs):
            args.append(role)
            names.append(p.name)
        else:
            kwargs[p.name] = role
    if not has_x:
        return []
    forms = [{"args": args, "names": names, "kwargs": kwargs, "h0_optional": h0_optional, "step": False}]
    if "h0" in args or "h0" in kwargs.values():
        forms.append({"args": args, "names": names, "kwargs": kwargs, "h0_optional": False, "step": True})
    return forms


def read_globals(fn, namespace: dict) -> list[str]:
    """The module globals holding data (numbers, arrays, lists) that ``fn``'s code reads: a forward that reads
    ``batch_size`` or ``w_x`` works only where they happen to fit."""
    code = getattr(fn, "__code__", None) or getattr(getattr(fn, "__func__", None), "__code__", None)
    names: list[str] = []
    for c in codes(code):
        for instruction in dis.get_instructions(c):
            if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and isinstance(instruction.argval, str):
                name = instruction.argval
                value = namespace.get(name)
                data = isinstance(value, (int, float, np.ndarray, np.number, list, tuple)) and not isinstance(value, bool)
                if data and name not in names:
                    names.append(name)
    return names[:10]


# -- discovering -----------------------------------------------------------------------------------------------------


def _shapes_read(result, N: int, T: int, H: int, step: bool) -> list[tuple[int | None, bool]]:
    """(pick, time_major) for each way of reading a forward's raw result as the contract's answer."""
    ok = ((N, H),) if step else ((N, T, H), (N, H))

    def kind(value):
        shape = np.shape(value) if isinstance(value, (np.ndarray, list)) else None
        if shape in ok:
            return False
        if not step and shape == (T, N, H) and T != N:
            return True
        return None

    if isinstance(result, tuple) or (isinstance(result, list) and result and not isinstance(result[0], (int, float))):
        whole = kind(result) if isinstance(result, list) else None
        reads = [(None, whole)] if whole is not None else []
        for k, item in enumerate(list(result)[:6]):
            if isinstance(item, np.ndarray) and kind(item) is not None:
                reads.append((k, kind(item)))
        # The whole sequence before the last h, when both are returned.
        return sorted(reads, key=lambda read: 0 if read[0] is None else (1 if np.ndim(result[read[0]]) == 3 else 2))
    found = kind(result)
    return [] if found is None else [(None, found)]


class Discovery:
    """One discovery's state: the namespace, the contract as the grader sent it, and the probes."""

    def __init__(self, namespace: dict, contract: dict, probes: list[dict]):
        self.namespace, self.contract, self.probes = namespace, contract, probes
        self.tried: list[str] = []
        self.candidates: list[dict] = []

    def run(self) -> list[dict]:
        others = set(self.contract.get("others", []))
        for name, kind in targets(self.namespace, self.contract["cls"]):
            if name in others:
                continue
            if len(self.candidates) >= MAX_CANDIDATES:
                break
            try:
                if kind == "class":
                    self._class(name)
                else:
                    self._function(name)
            except Exception as error:  # noqa: BLE001 - whatever the student's code raises, the candidate is out
                self.tried.append(f"{name}: {type(error).__name__}: {str(error)[:200]}")
        if not self.candidates and not self.tried:
            values = [
                n
                for n, v in self.namespace.items()
                if isinstance(n, str) and not n.startswith("_") and not callable(v) and not isinstance(v, types.ModuleType)
            ]
            if values:
                self.tried.append(
                    f"the submission defines no function or class, only top-level code and the values {', '.join(values[:8])}"
                )
        return self.candidates

    def _dims(self, probe: dict | None = None) -> tuple[int, int, int, int]:
        """(N, T, D, H) of ``probe``, the first one by default."""
        probe = probe or self.probes[0]
        N, T, D = np.shape(probe["x"])
        return N, T, D, _hidden(probe, self.contract)

    def _class(self, name: str) -> None:
        cls = self.namespace[name]
        N, T, D, H = self._dims()
        weights = self.contract["weights"]
        built = None
        for init in constructions(cls, weights):
            binding = {"init": init}
            # Built as the checks will build it, with the first probe's weights wherever the constructor takes them.
            building = {"target": name, "kind": "class", "init": init, "path": [], "weights": {}, "method": "", "call": {}}
            try:
                adapter = Adapter(building, self.contract, self.namespace, D, H, weights=self.probes[0]["weights"])
                adapter._ensure_built(np.empty((N, T, D)), 1)
                obj = adapter._s["cells"][0]
            except Exception as error:  # noqa: BLE001 - the next binding is tried
                self.tried.append(f"{name}({_describe_init(init)}) raised {type(error).__name__}: {str(error)[:150]}")
                continue
            ours = handed(adapter._s["initializer"], adapter._s["given"], self.contract, D, H)
            layers = [([], obj), *self._sublayers(obj)]
            for path, layer in layers:
                located = locate_weights(layer, self.contract, D, H, ours)
                score = len(located)
                if built is None or score > built[0]:
                    built = (score, {**binding, "path": path, "weights": located}, layer)
            if built is not None and built[0] == len(weights):
                break
        if built is None:
            return
        # Every layer that locates the most weights gets its forward tried; the object itself first.
        _, binding, layer = built
        for method in FORWARD_METHODS:
            fn = getattr(layer, method, None)
            if fn is None or not _has_method(type(layer), method):
                continue
            for form in call_forms(fn, weights):
                self._forms({"target": name, "kind": "class", **binding, "method": method}, form, fn)

    def _sublayers(self, obj) -> list[tuple[list, object]]:
        """Objects of the submission's classes that ``obj`` holds (a classifier's ``self.rnn``, a list of layers)."""
        found = []
        for path, value in walk(obj):
            if defined_here(type(value), self.namespace) and any(hasattr(value, m) for m in ("forward", "__call__")) and value is not obj:
                found.append((path, value))
        return found[:4]

    def _function(self, name: str) -> None:
        fn = self.namespace[name]
        weights = self.contract["weights"]
        for form in call_forms(fn, weights):
            given = {r for r in [*form["args"], *form["kwargs"].values()] if r in weights}
            located = {w: {"at": "arg", "as": "same"} for w in given}
            self._forms({"target": name, "kind": "function", "init": None, "path": [], "weights": located, "method": ""}, form, fn)

    def _forms(self, base: dict, form: dict, fn) -> None:
        step = form["step"]
        passed = {r: {"at": "arg", "as": "same"} for r in [*form["args"], *form["kwargs"].values()] if r in self.contract["weights"]}
        base = {**base, "weights": {**base["weights"], **passed}}  # a weight forward takes as an argument is given there
        call = {"args": form["args"], "names": form.get("names", []), "kwargs": form["kwargs"], "h0_optional": form["h0_optional"]}
        raw = {**base, "call": call, "step": step, "pick": None, "time_major": False, "backward": None, "grads": {}}
        failure, reads = "", []
        for probe in self.probes:  # the first probe it answers in a shape the checks read (globals may fit only the last)
            try:
                result = self._raw_forward(raw, probe)
            except Exception as error:  # noqa: BLE001 - this way of calling it does not run on this probe
                failure = failure or f"{_describe(raw)} raised {type(error).__name__}: {str(error)[:150]}"
                continue
            N, T, _ = np.shape(probe["x"])
            reads = _shapes_read(result, N, T, _hidden(probe, self.contract), step)
            if reads:
                break
            failure = failure or f"{_describe(raw)} returned {_shape_text(result)}"
        if not reads:
            self.tried.append(failure)
        for pick, time_major in reads:
            binding = {**raw, "pick": pick, "time_major": time_major}
            self._candidate(binding, fn)

    def _raw_forward(self, binding: dict, probe: dict):
        """What the student's forward returns on ``probe`` (for a step, the first step's answer)."""
        return self._adapter(binding, probe).raw(np.array(probe["x"]))

    def _adapter(self, binding: dict, probe: dict) -> Adapter:
        """An adapter of ``binding`` built for ``probe``, with its weights, as the checks build one."""
        _, _, D, H = self._dims(probe)
        adapter = Adapter(binding, self.contract, self.namespace, D, H, weights=probe["weights"])
        adapter._ensure_built(np.asarray(probe["x"]), 1)
        return adapter

    def _candidate(self, binding: dict, fn) -> None:
        outputs = []
        for probe in self.probes:
            try:
                out = self._adapter(binding, probe).forward(np.array(probe["x"]))
                outputs.append(out if isinstance(out, np.ndarray) else np.asarray(out, dtype=np.float64))
            except Exception:  # noqa: BLE001 - a probe it cannot answer: the grader sees no answer
                outputs.append(None)
        binding = {**binding, **self._backward(binding)}
        self.candidates.append({"binding": binding, "outputs": outputs, "globals": read_globals(fn, self.namespace)})

    def _backward(self, binding: dict) -> dict:
        """The backward binding and where its gradients are found, by running it once on the first probe; {} if none."""
        if binding["kind"] != "class":
            return {}
        probe = self.probes[0]
        N, T, D, H = self._dims()
        adapter = self._adapter(binding, probe)
        layer = adapter._layer(adapter._s["cells"][0]) if adapter._s["cells"] else None
        method = next((m for m in BACKWARD_METHODS if callable(getattr(layer, m, None))), None)
        if method is None:
            return {}
        x = np.array(probe["x"])
        by_name = {"backward": {"method": method, "pick": None, "carry": None}, "grads": gradients_by_name(layer, binding, self.contract)}
        try:
            out = adapter.forward(x)
        except Exception:  # noqa: BLE001 - a forward that answers only elsewhere: its backward is bound by names alone
            return by_name
        dH = np.asarray(probe["dH"])[:, -1] if np.ndim(out) == 2 else np.asarray(probe["dH"])
        step = binding["step"]
        dx_shape = (N, D) if step else (N, T, D)
        cells = adapter._s["cells"]
        kept = adapter._snapshot()
        adapter._s["optimizer"].reset()
        try:
            first = getattr(adapter._layer(cells[-1]), method)(dH[:, -1] if step and dH.ndim == 3 else dH)
        except Exception as error:  # noqa: BLE001 - a backward that does not run here still gets graded (and fails)
            self.tried.append(f"{binding['target']}.{method} raised {type(error).__name__}: {str(error)[:150]}")
            return by_name
        back = {"method": method, "pick": _index_of(first, dx_shape), "carry": _index_of(first, (N, H)) if step else None}
        layer = adapter._layer(cells[-1])
        where_from = {"contract": self.contract, "D": D, "H": H, "namespace": self.namespace}
        grads = locate_gradients(layer, first, kept[-1], binding, adapter._s["optimizer"], back, where_from)
        return {"backward": back, "grads": grads}


def _hidden(probe: dict, contract: dict) -> int:
    wh = next(name for name, key in contract["weights"].items() if key == "Wh")
    return int(np.shape(probe["weights"][wh])[0])


def _index_of(result, shape: tuple) -> int | None:
    if isinstance(result, (tuple, list)):
        return next((k for k, v in enumerate(result) if np.shape(v) == shape), None)
    return None


def _shape_text(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an ndarray of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


def _describe_init(init: dict) -> str:
    return ", ".join([*init["args"], *(f"{k}={v}" for k, v in init["kwargs"].items())])


def _describe(binding: dict) -> str:
    where = binding["target"] + "".join(f".{key}" if kind == "a" else f"[{key!r}]" for kind, key in binding.get("path", []))
    method = f".{binding['method']}" if binding["kind"] == "class" else ""
    return f"{where}{method}({', '.join(binding['call']['args'])})"


def discover(namespace: dict, contract: dict, probes: list[dict]) -> dict:
    """Every candidate with its answers to the probes; and what was tried and did not run, for the report."""
    found = Discovery(namespace, contract, probes)
    candidates = found.run()
    return {"candidates": candidates, "tried": found.tried[:20]}
