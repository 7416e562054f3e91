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
import inspect
import types

import numpy as np

from grading.adapter import (
    INPUT_ALIASES,
    activation_for,
    SIZE_ALIASES,
    Adapter,
    GraderInitializer,
    RecordingOptimizer,
    layout_of,
    make_optimizer,
    norm,
    role_of,
    shape_of,
    weight_role,
)

MAX_TARGETS = 24
MAX_CANDIDATES = 24
MAX_WALK = 20
"""Items of a list or dict looked into when searching a student's object for its weights."""
FORWARD_METHODS = ("forward", "__call__", "fit", "predict", "forward_propagation", "propagate")
BACKWARD_METHODS = ("backward", "backward_propagation", "backprop")
NAME_ORDER = ("SimpleRNN", "ScratchSimpleRNNClassifier", "RNN", "ScratchRNN", "SimpleRNNLayer", "Recurrent", "TimeRNN")
"""Names that break ties between candidates that answer alike, after the contract's own."""


def _defined_here(value, namespace: dict) -> bool:
    return getattr(value, "__module__", None) == namespace.get("__name__", "submission")


def targets(namespace: dict, contract_cls: str) -> list[tuple[str, str]]:
    """(name, "class" | "function") of everything the submission defines that might implement the contract, the
    contract's own name first, then the usual names, then the rest in the order they were defined."""
    found = []
    for name, value in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_") or len(name) > 100 or not _defined_here(value, namespace):
            continue
        if isinstance(value, type) and any(callable(getattr(value, m, None)) for m in FORWARD_METHODS[:2] + ("fit",)):
            if (
                "__call__" in FORWARD_METHODS[:2]
                and not hasattr(value, "forward")
                and "__call__" not in vars(value)
                and not hasattr(value, "fit")
            ):
                continue
            found.append((name, "class"))
        elif isinstance(value, types.FunctionType):
            found.append((name, "function"))
    order = {name: k for k, name in enumerate((contract_cls, *NAME_ORDER))}
    found.sort(key=lambda item: (order.get(item[0], len(order)), item[1] == "function"))
    return found[:MAX_TARGETS]


# -- constructors ----------------------------------------------------------------------------------------------------


def _parameters(fn) -> list[inspect.Parameter] | None:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    return [p for p in signature.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _role(name: str, weights: dict) -> str | None:
    return weight_role(name, weights) or role_of(name, SIZE_ALIASES)


def constructions(cls, weights: dict) -> list[dict]:
    """Constructor bindings to try, in order: by parameter name, then the sizes by position (n_features, n_nodes, then
    swapped), then no arguments; each {"args": [role...], "kwargs": {name: role}}."""
    params = _parameters(cls)
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


# -- where the student keeps its weights -----------------------------------------------------------------------------


def _walk(obj, depth: int = 2):
    """(path, value) of the object's attributes, and of the items of the lists and dicts among them."""
    try:
        items = list(vars(obj).items())
    except TypeError:
        return
    for name, value in items[:200]:
        if not isinstance(name, str):
            continue
        path = [["a", name]]
        yield path, value
        if depth > 1 and isinstance(value, (list, tuple)) and len(value) <= MAX_WALK:
            for k, item in enumerate(value):
                yield [*path, ["i", k]], item
        elif depth > 1 and isinstance(value, dict) and len(value) <= MAX_WALK:
            for key, item in list(value.items()):
                if isinstance(key, str):
                    yield [*path, ["k", key]], item


def _last_name(path: list) -> str:
    kind, key = path[-1]
    return key if isinstance(key, str) else (path[-2][1] if len(path) > 1 else "")


def read_names(cls) -> list[str]:
    """Attribute names the class's methods read or write (``self.<name>``), from their code objects."""
    names: list[str] = []
    for value in vars(cls).values() if isinstance(cls, type) else ():
        code = getattr(value, "__code__", None)
        for c in _codes(code):
            names += [n for n in c.co_names if n not in names]
    return names


def _codes(code):
    if code is None:
        return
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def locate_weights(layer, contract: dict, D: int, H: int, handed: dict[int, str]) -> dict[str, dict]:
    """Where ``layer`` keeps each contract weight: {name: {"at": path, "as": layout}}, by identity with the arrays the
    grader handed its constructor, then by name, then by an unambiguous shape, then by the names its methods use."""
    weights = contract["weights"]
    wanted = {name: shape_of(contract, name, D, H) for name in weights}
    found: dict[str, dict] = {}
    arrays = [(path, value) for path, value in _walk(layer) if isinstance(value, np.ndarray)]
    for path, value in arrays:
        name = handed.get(id(value))
        if name and name not in found:
            found[name] = {"at": path, "as": layout_of(value.shape, wanted[name]) or "same"}
    for path, value in arrays:
        name = weight_role(_last_name(path), weights)
        if name and name not in found:  # by name, whatever its shape: weights hard-coded in __init__ are overwritten there
            found[name] = {"at": path, "as": layout_of(value.shape, wanted[name]) or "same"}
    taken = {id(follow_path(layer, w["at"])) for w in found.values()}
    for name in [n for n in weights if n not in found]:
        fits = [(p, v) for p, v in arrays if id(v) not in taken and layout_of(v.shape, wanted[name]) and not _gradient_like(p)]
        if len(fits) == 1:
            found[name] = {"at": fits[0][0], "as": layout_of(fits[0][1].shape, wanted[name])}
            taken.add(id(fits[0][1]))
    for attr in read_names(type(layer)):
        name = weight_role(attr, weights)
        if name and name not in found and not isinstance(getattr(layer, attr, None), np.ndarray):
            found[name] = {"at": [["a", attr]], "as": "same"}
    return found


def _gradient_like(path: list) -> bool:
    key = norm(_last_name(path))
    return key.startswith("d") or "grad" in key


def follow_path(obj, path):
    for kind, key in path:
        obj = getattr(obj, key) if kind == "a" else obj[key]
    return obj


def _handed(init: GraderInitializer, given: dict[str, np.ndarray], contract: dict, D: int, H: int) -> dict[int, str]:
    """The arrays the grader handed a constructor, by identity: its own weights passed in, and what the initializer gave,
    named by their shape."""
    handed = {id(v): name for name, v in given.items()}
    for array in init.handed:
        for name in contract["weights"]:
            if layout_of(array.shape, shape_of(contract, name, D, H)) and name not in handed.values():
                handed[id(array)] = name
                break
    return handed


# -- forward ---------------------------------------------------------------------------------------------------------


def call_forms(fn, weights: dict) -> list[dict]:
    """How to call a forward: {"args", "kwargs", "h0_optional", "step"} for the whole sequence, and for one step when it
    takes a previous state."""
    params = _parameters(fn)
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
    for c in _codes(code):
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
            initializer, given = GraderInitializer(), {}
            binding = {"init": init}
            try:
                obj = self._construct(cls, init, initializer, given, N, T, D, H)
            except Exception as error:  # noqa: BLE001 - the next binding is tried
                self.tried.append(f"{name}({_describe_init(init)}) raised {type(error).__name__}: {str(error)[:150]}")
                continue
            handed = _handed(initializer, given, self.contract, D, H)
            layers = [([], obj), *self._sublayers(obj)]
            for path, layer in layers:
                located = locate_weights(layer, self.contract, D, H, handed)
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
            if fn is None or (method == "__call__" and "__call__" not in vars(type(layer))):
                continue
            for form in call_forms(fn, weights):
                self._forms({"target": name, "kind": "class", **binding, "method": method}, form, fn)

    def _construct(self, cls, init: dict, initializer, given: dict, N, T, D, H):
        first = self.probes[0]["weights"]

        def value(role):
            if role in ("D", "H", "N", "T"):
                return {"D": D, "H": H, "N": N, "T": T}[role]
            if role == "initializer":
                return initializer
            if role == "optimizer":
                return RecordingOptimizer()
            if role == "activation":
                return activation_for(self.namespace)
            if role == "lr":
                return 1.0
            given[role] = np.array(first[role], dtype=np.float64)
            return given[role]

        return cls(*[value(r) for r in init["args"]], **{k: value(r) for k, r in init["kwargs"].items()})

    def _sublayers(self, obj) -> list[tuple[list, object]]:
        """Objects of the submission's classes that ``obj`` holds (a classifier's ``self.rnn``, a list of layers)."""
        found = []
        for path, value in _walk(obj):
            if _defined_here(type(value), self.namespace) and any(hasattr(value, m) for m in ("forward", "__call__")) and value is not obj:
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
        if binding["step"]:
            return _first_step(self._adapter({**binding, "step": False}, probe), np.asarray(probe["x"]))
        adapter = self._adapter(binding, probe)
        s = adapter._s
        cell = s["cells"][0]
        method = cell if binding["kind"] == "function" else getattr(adapter._layer(cell), binding["method"])
        x = np.array(probe["x"])
        h0 = None if binding["call"].get("h0_optional") else np.zeros((x.shape[0], s["H"]))
        args, kwargs = adapter._call_args(x, h0, binding["call"])
        return method(*args, **kwargs)

    def _adapter(self, binding: dict, probe: dict) -> Adapter:
        x = np.asarray(probe["x"])
        N, T, D, H = self._dims(probe)
        adapter = Adapter(binding, self.contract, self.namespace, D, H)
        for name, value in probe["weights"].items():
            setattr(adapter, name, value)
        if adapter._lazy():
            adapter._ensure_built(x, 1)
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
        by_name = {"backward": {"method": method, "pick": None, "carry": None}, "grads": self._grads_by_name(layer, binding)}
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
        grads = self._grads(layer, first, kept[-1], binding, adapter._s["optimizer"], back)
        return {"backward": back, "grads": grads}

    def _grads_by_name(self, layer, binding: dict) -> dict:
        grads = {}
        for attr in read_names(type(layer)) if layer is not None else ():
            role = _grad_role(attr, self.contract)
            if role and role not in grads:
                grads[role] = {
                    "from": "attr",
                    "at": [["a", attr]],
                    "as": binding["weights"].get(self.contract["grads"][role], {}).get("as", "same"),
                }
        return grads

    def _grads(self, layer, result, before: dict, binding: dict, optimizer: RecordingOptimizer, back: dict) -> dict:
        """Where each gradient is found after one backward: what the recording optimizer was handed, attributes named
        like it, a grads list beside the params, what backward returned, or the weight change."""
        contract = self.contract
        N, T, D, H = self._dims()
        grads: dict[str, dict] = {}
        weight_of = {g: w_name for g, key in contract["grads"].items() for w_name, k in contract["weights"].items() if k == key}
        for g, w in weight_of.items():
            where = binding["weights"].get(w)
            layout = (where or {}).get("as", "same")
            wanted = shape_of(contract, w, D, H)
            if optimizer.calls:
                named = [n for n in optimizer.by_name if _grad_role(n, contract) == g]
                if named:
                    grads[g] = {"from": "optimizer", "name": named[0], "as": layout}
                    continue
                if where and where["at"] != "arg":
                    try:
                        if id(follow_path(layer, where["at"])) in optimizer.by_param:
                            grads[g] = {"from": "optimizer", "weight": w, "as": layout}
                            continue
                    except (AttributeError, LookupError, TypeError):
                        pass
            attr = self._grad_attr(layer, g, where, wanted)
            if attr is not None:
                grads[g] = attr
                continue
            returned = self._returned(result, wanted, back, w)
            if returned is not None:
                grads[g] = returned
                continue
            if where and where["at"] != "arg" and w in before:
                try:
                    after = np.asarray(follow_path(layer, where["at"]), dtype=np.float64)
                    moved = not np.array_equal(
                        after.reshape(-1), np.asarray(before[w]).reshape(-1) if layout != "T" else np.asarray(before[w]).T.reshape(-1)
                    )
                except (AttributeError, LookupError, TypeError, ValueError):
                    moved = False
                if moved and binding.get("init") and "lr" in [*binding["init"]["args"], *binding["init"]["kwargs"].values()]:
                    grads[g] = {"from": "change", "weight": w}
                    continue
                own = self._own_optimizer(binding)
                if own is not None:
                    grads[g] = {"from": "own_optimizer", "weight": w, "optimizer": own}
        return grads

    def _grad_attr(self, layer, g: str, where: dict | None, wanted: tuple) -> dict | None:
        for path, value in _walk(layer):
            if isinstance(value, np.ndarray) and _grad_role(_last_name(path), self.contract) == g and layout_of(value.shape, wanted):
                return {"from": "attr", "at": path, "as": layout_of(value.shape, wanted)}
        if where and where["at"] != "arg" and len(where["at"]) >= 2 and where["at"][-2][0] == "a":
            # A grads list or dict beside the params: the same index in the container named like a gradient.
            for path, value in _walk(layer):
                if (
                    len(path) == len(where["at"])
                    and path[-1] == where["at"][-1]
                    and _gradient_like(path[:-1])
                    and isinstance(value, np.ndarray)
                ):
                    if layout_of(value.shape, wanted):
                        return {"from": "attr", "at": path, "as": layout_of(value.shape, wanted)}
        return None

    @staticmethod
    def _returned(result, wanted: tuple, back: dict, weight: str) -> dict | None:
        if isinstance(result, dict):
            for key, value in result.items():
                if (
                    isinstance(key, str)
                    and isinstance(value, np.ndarray)
                    and layout_of(value.shape, wanted)
                    and norm(key).lstrip("d") == norm(weight)
                ):
                    return {"from": "returned", "key": key, "as": layout_of(value.shape, wanted)}
        if isinstance(result, (tuple, list)):
            fits = [
                k
                for k, v in enumerate(result)
                if isinstance(v, np.ndarray) and layout_of(v.shape, wanted) and k not in (back["pick"], back.get("carry"))
            ]
            if len(fits) == 1:
                return {"from": "returned", "index": fits[0], "as": layout_of(np.shape(result[fits[0]]), wanted)}
        return None

    def _own_optimizer(self, binding: dict) -> dict | None:
        for name, value in self.namespace.items():
            if (
                isinstance(value, type)
                and _defined_here(value, self.namespace)
                and callable(getattr(value, "update", None))
                and name != binding["target"]
            ):
                params = _parameters(value) or []
                lr = next((p.name for p in params if role_of(p.name, {"lr": SIZE_ALIASES["lr"]})), None)
                try:
                    make_optimizer(value, lr)
                except Exception:  # noqa: BLE001, S112
                    continue
                return {"cls": name, "lr": lr}
        return None


def _hidden(probe: dict, contract: dict) -> int:
    wh = next(name for name, key in contract["weights"].items() if key == "Wh")
    return int(np.shape(probe["weights"][wh])[0])


def _grad_role(name: str, contract: dict) -> str | None:
    """The contract gradient ("dWx") a student's attribute name stands for: "d" or "grad" and a weight's alias."""
    key = norm(name)
    for prefix in ("grad", "d"):
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            weight = weight_role(rest, contract["weights"])
            if weight:
                return next(g for g, k in contract["grads"].items() if k == contract["weights"][weight])
    if key.endswith("grad"):
        weight = weight_role(key[:-4], contract["weights"])
        if weight:
            return next(g for g, k in contract["grads"].items() if k == contract["weights"][weight])
    return None


def _index_of(result, shape: tuple) -> int | None:
    if isinstance(result, (tuple, list)):
        return next((k for k, v in enumerate(result) if np.shape(v) == shape), None)
    return None


def _first_step(adapter: Adapter, x: np.ndarray):
    s = adapter._s
    cell = s["cells"][0]
    binding = s["binding"]
    method = cell if binding["kind"] == "function" else getattr(adapter._layer(cell), binding["method"])
    args, kwargs = adapter._call_args(x[:, 0], np.zeros((x.shape[0], s["H"])), binding["call"])
    return method(*args, **kwargs)


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
