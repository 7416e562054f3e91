"""Inside the worker: where a student's object keeps each weight and each gradient.

Told by identity first (the arrays the grader handed its constructor), then by name (``grading.names``), then by a
shape no other array has (the probes use n_features != n_nodes, so a shape tells Wx from Wh), then by the names its
methods use (weights assigned after construction). Gradients: what the recording optimizer was handed, attributes
named like them, a ``grads`` list or dict beside the params, what backward returned, or the weight change a known
learning rate makes. A location is a path (``grading.adapter``): the checks read and write there ever after.
"""

from __future__ import annotations

import inspect
import types

import numpy as np

from grading.adapter import follow, layout_of, shape_of
from grading.names import SIZE_ALIASES, grad_role, gradient_name, norm, role_of, weight_role
from grading.stand_ins import GraderInitializer, RecordingOptimizer, make_optimizer

MAX_WALK = 20
"""Items of a list or dict looked into when searching a student's object for its weights."""


def walk(obj, depth: int = 2):
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


def last_name(path: list) -> str:
    kind, key = path[-1]
    return key if isinstance(key, str) else (path[-2][1] if len(path) > 1 else "")


def read_names(cls) -> list[str]:
    """Attribute names the class's methods read or write (``self.<name>``), from their code objects."""
    names: list[str] = []
    for value in vars(cls).values() if isinstance(cls, type) else ():
        code = getattr(value, "__code__", None)
        for c in codes(code):
            names += [n for n in c.co_names if n not in names]
    return names


def codes(code):
    if code is None:
        return
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from codes(const)


def locate_weights(layer, contract: dict, D: int, H: int, handed: dict[int, str]) -> dict[str, dict]:
    """Where ``layer`` keeps each contract weight: {name: {"at": path, "as": layout}}, by identity with the arrays the
    grader handed its constructor, then by name, then by an unambiguous shape, then by the names its methods use."""
    weights = contract["weights"]
    wanted = {name: shape_of(contract, name, D, H) for name in weights}
    found: dict[str, dict] = {}
    arrays = [(path, value) for path, value in walk(layer) if isinstance(value, np.ndarray)]
    for path, value in arrays:
        name = handed.get(id(value))
        if name and name not in found:
            found[name] = {"at": path, "as": layout_of(value.shape, wanted[name]) or "same"}
    for path, value in arrays:
        name = weight_role(last_name(path), weights)
        if name and name not in found:  # by name, whatever its shape: weights hard-coded in __init__ are overwritten there
            found[name] = {"at": path, "as": layout_of(value.shape, wanted[name]) or "same"}
    taken = {id(follow(layer, w["at"])) for w in found.values()}
    for name in [n for n in weights if n not in found]:
        fits = [(p, v) for p, v in arrays if id(v) not in taken and layout_of(v.shape, wanted[name]) and not gradient_like(p)]
        if len(fits) == 1:
            found[name] = {"at": fits[0][0], "as": layout_of(fits[0][1].shape, wanted[name])}
            taken.add(id(fits[0][1]))
    for attr in read_names(type(layer)):
        name = weight_role(attr, weights)
        if name and name not in found and not isinstance(getattr(layer, attr, None), np.ndarray):
            found[name] = {"at": [["a", attr]], "as": "same"}
    return found


def gradient_like(path: list) -> bool:
    return gradient_name(last_name(path))


def handed(init: GraderInitializer, given: dict[str, np.ndarray], contract: dict, D: int, H: int) -> dict[int, str]:
    """The arrays the grader handed a constructor, by identity: its own weights passed in, and what the initializer gave,
    named by their shape."""
    handed = {id(v): name for name, v in given.items()}
    for array in init.handed:
        for name in contract["weights"]:
            if layout_of(array.shape, shape_of(contract, name, D, H)) and name not in handed.values():
                handed[id(array)] = name
                break
    return handed


def defined_here(value, namespace: dict) -> bool:
    """Whether ``value`` (a class or function) was defined by the submission, not imported into it."""
    return getattr(value, "__module__", None) == namespace.get("__name__", "submission")


def parameters(fn) -> list[inspect.Parameter] | None:
    """``fn``'s named parameters (no ``*args``, ``**kwargs``), or None when its signature cannot be read."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    return [p for p in signature.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


# -- gradients ---------------------------------------------------------------------------------------------------------


def gradients_by_name(layer, binding: dict, contract: dict) -> dict:
    """Where each gradient is, from the names the layer's methods use alone: for a backward that did not run here."""
    grads = {}
    for attr in read_names(type(layer)) if layer is not None else ():
        role = grad_role(attr, contract)
        if role and role not in grads:
            layout = binding["weights"].get(contract["grads"][role], {}).get("as", "same")
            grads[role] = {"from": "attr", "at": [["a", attr]], "as": layout}
    return grads


def locate_gradients(layer, result, before: dict, binding: dict, optimizer: RecordingOptimizer, back: dict, where_from: dict) -> dict:
    """Where each gradient is found after one backward (``result`` what it returned, ``before`` the weights before it):
    what the recording optimizer was handed, attributes named like it, a grads list beside the params, what backward
    returned, the weight change a known learning rate made, or the student's own optimizer's.

    ``where_from``: {"contract", "D", "H", "namespace"}.
    """
    contract, D, H = where_from["contract"], where_from["D"], where_from["H"]
    grads: dict[str, dict] = {}
    weight_of = {g: w for g, key in contract["grads"].items() for w, k in contract["weights"].items() if k == key}
    for g, w in weight_of.items():
        where = binding["weights"].get(w)
        stored = where is not None and where["at"] != "arg"
        layout = (where or {}).get("as", "same")
        wanted = shape_of(contract, w, D, H)
        found = (
            (_handed_to_optimizer(layer, optimizer, g, w, where, layout, contract) if optimizer.calls else None)
            or _gradient_attribute(layer, g, where, wanted, contract)
            or _returned(result, wanted, back, w)
        )
        if found is None and stored and w in before:
            if _moved(layer, where, before[w]) and _takes_lr(binding):
                found = {"from": "change", "weight": w}
            else:
                own = own_optimizer(where_from["namespace"], binding)
                found = {"from": "own_optimizer", "weight": w, "optimizer": own} if own else None
        if found is not None:
            grads[g] = found
    return grads


def _handed_to_optimizer(layer, optimizer: RecordingOptimizer, g: str, w: str, where, layout: str, contract: dict) -> dict | None:
    named = [n for n in optimizer.by_name if grad_role(n, contract) == g]
    if named:
        return {"from": "optimizer", "name": named[0], "as": layout}
    if where is not None and where["at"] != "arg":
        try:
            if id(follow(layer, where["at"])) in optimizer.by_param:
                return {"from": "optimizer", "weight": w, "as": layout}
        except (AttributeError, LookupError, TypeError):
            pass
    return None


def _gradient_attribute(layer, g: str, where: dict | None, wanted: tuple, contract: dict) -> dict | None:
    for path, value in walk(layer):
        if isinstance(value, np.ndarray) and grad_role(last_name(path), contract) == g and layout_of(value.shape, wanted):
            return {"from": "attr", "at": path, "as": layout_of(value.shape, wanted)}
    if where and where["at"] != "arg" and len(where["at"]) >= 2 and where["at"][-2][0] == "a":
        # A grads list or dict beside the params: the same index in the container named like a gradient.
        for path, value in walk(layer):
            beside = len(path) == len(where["at"]) and path[-1] == where["at"][-1] and gradient_like(path[:-1])
            if beside and isinstance(value, np.ndarray) and layout_of(value.shape, wanted):
                return {"from": "attr", "at": path, "as": layout_of(value.shape, wanted)}
    return None


def _returned(result, wanted: tuple, back: dict, weight: str) -> dict | None:
    """A gradient backward returned: a dict's entry named for the weight, or the one item of a tuple of its shape."""
    if isinstance(result, dict):
        for key, value in result.items():
            named = isinstance(key, str) and norm(key).lstrip("d") == norm(weight)
            if named and isinstance(value, np.ndarray) and layout_of(value.shape, wanted):
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


def _moved(layer, where: dict, before: np.ndarray) -> bool:
    """Whether backward changed the weight at ``where`` (``before`` in the contract's layout)."""
    try:
        after = np.asarray(follow(layer, where["at"]), dtype=np.float64)
    except (AttributeError, LookupError, TypeError, ValueError):
        return False
    kept = np.asarray(before).T if where.get("as") == "T" else np.asarray(before)
    return after.size == kept.size and not np.array_equal(after.reshape(-1), kept.reshape(-1))


def _takes_lr(binding: dict) -> bool:
    init = binding.get("init") or {}
    return "lr" in [*init.get("args", []), *init.get("kwargs", {}).values()]


def own_optimizer(namespace: dict, binding: dict) -> dict | None:
    """The submission's own optimizer class (one with ``update``), and its learning rate's parameter name, if it can be
    made with the known learning rate."""
    for name, value in namespace.items():
        if not (isinstance(value, type) and defined_here(value, namespace) and callable(getattr(value, "update", None))):
            continue
        if name == binding["target"]:
            continue
        lr = next((p.name for p in parameters(value) or [] if role_of(p.name, {"lr": SIZE_ALIASES["lr"]})), None)
        try:
            make_optimizer(value, lr)
        except Exception:  # noqa: BLE001, S112 - an optimizer that cannot be made with a learning rate alone
            continue
        return {"cls": name, "lr": lr}
    return None
