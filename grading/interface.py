"""Find how to drive the student's own interface: the grader's half of discovery.

Real submissions do not follow the contract: other class names, constructors, weight names, forwards that loop one
step, optimizers that apply the gradients. ``bind`` decides, once and before any check, what the checks will call:

1. the contract itself, when its class answers the first probe as the reference does: graded exactly as always;
2. otherwise the worker lists every candidate and its answers to the probes (``grading.discovery``), and the grader
   picks the one that reproduces the reference on every probe; names only break ties (the contract's first);
3. when none does, the contract again if its forward at least answers in a shape the checks read (a wrong
   contract-following submission is graded exactly as always); else the candidate that answers and uses the weights
   it is given: the checks then show what is wrong with it.

The probes use n_features != n_nodes, so that shapes tell Wx from Wh. A chosen candidate is bound in the worker
under the contract's class name (``grading.adapter.Adapter``): the checks, their scripts and the diagnosis run
unchanged. The report gets one line saying how the submission was called, and notes for what the grader noticed
(globals read, weights ignored, a time-major answer, a step looped over time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from checks.layer import LayerContract
from checks.session import Call, Done, MalformedReply, New, Set, WorkerLost, named, readable, value_from_wire
from reference import stacked

ADAPT, STRICT = "adapt", "strict"
PROBE_DIMS = ((2, 4, 2, 3), (2, 4, 2, 3), (1, 3, 2, 4))
"""Shapes (N, T, D, H) of the probes: the first two alike with other weights (a forward that gives the same answer to
both ignores the weights it is given); the third at the small-array experiment's shapes, where a forward that reads
the notebook's globals still runs."""
MATCH = {"atol": 1e-4, "rtol": 1e-3}
"""How close a candidate's answer must be to the reference's to count as reproducing it (float32 answers included);
the checks then judge it with their own tolerances."""
MAX_BINDING_BYTES = 16 * 1024
GLOBAL_FIXES = {"batch_size": "X.shape[0]", "n_sequences": "X.shape[1]", "n_features": "X.shape[2]", "n_nodes": "the weights' shapes"}


@dataclass(frozen=True)
class Interface:
    """What ``bind`` decided: ``line`` for the report ("" when the contract is graded as it is), ``notes``, and why
    the grader cannot give the weights (``no_weights``, "" when it can) or found nothing to call (``nothing``)."""

    line: str = ""
    notes: tuple[str, ...] = ()
    no_weights: str = ""
    nothing: str = ""
    binding: dict | None = field(default=None, compare=False)


def contract_wire(contract: LayerContract, others: tuple[str, ...] = ()) -> dict:
    """The contract as the worker's discovery reads it: names, and each weight's shape as [a, b] per dimension
    (a·D + b·H)."""
    cell = stacked.CELLS[contract.kind]
    at = [cell.param_shapes(2, 3), cell.param_shapes(5, 7)]
    shapes = {}
    for attr, key in contract.weights.items():
        dims = []
        for s1, s2 in zip(at[0][key], at[1][key]):
            a, b = np.linalg.solve([[2, 3], [5, 7]], [s1, s2])
            dims.append([int(round(a)), int(round(b))])
        shapes[attr] = dims
    return {
        "cls": contract.cls,
        "weights": dict(contract.weights),
        "grads": dict(contract.grads),
        "states": list(contract.states),
        "shapes": shapes,
        "others": list(others),  # the assignment's other classes: never a candidate for this one
    }


def probes(contract: LayerContract) -> list[dict]:
    """The probes' inputs, drawn from a fixed seed: the same on every run."""
    rng = np.random.default_rng(16)
    cell = stacked.CELLS[contract.kind]
    made, x = [], None
    for k, (N, T, D, H) in enumerate(PROBE_DIMS):
        x = x if k == 1 else rng.uniform(-1, 1, (N, T, D))
        params = {key: rng.uniform(-0.6, 0.6, shape) for key, shape in cell.param_shapes(D, H).items()}
        made.append({"x": x, "params": params, "weights": contract.student_weights(params), "dH": rng.uniform(-1, 1, (N, T, H))})
    return made


def expected(contract: LayerContract, probe: dict) -> np.ndarray:
    hs, _ = stacked.cell_forward(contract.kind, probe["x"], probe["params"], None, None)
    return hs


def reproduces(answer: np.ndarray | None, hs: np.ndarray) -> bool:
    """Whether ``answer`` is the reference's every h, or its last h."""
    if answer is None:
        return False
    for wanted in (hs, hs[:, -1]):
        if answer.shape == wanted.shape and np.allclose(answer, wanted, **MATCH):
            return True
    return False


def readable_shape(answer: np.ndarray | None, hs: np.ndarray) -> bool:
    return answer is not None and answer.shape in (hs.shape, hs[:, -1].shape)


# -- the contract, as it is ----------------------------------------------------------------------------------------


def contract_answer(session, contract: LayerContract, probe: dict, backward: bool) -> tuple[np.ndarray | None, bool]:
    """What the contract's own class answers to ``probe`` (constructed, weights set, forward(X); None if it raised),
    and whether it was called as published: built with (n_features, n_nodes) alone, and (when ``backward``) a backward
    whose answer is not a tuple or dict of gradients."""
    N, T, D = probe["x"].shape
    H = probe["dH"].shape[-1]
    script = [
        New(contract.cls, (D, H), name="new"),
        Set(contract.student_weights(probe["params"])),
        Call("forward", (probe["x"],), name="forward"),
    ]
    try:
        replies = named(script, session.run(script))
    except WorkerLost as lost:
        lost.case = f"the grader's call of forward to learn its return style: X of shape {(N, T, D)}, n_nodes {H}"
        raise
    answer = replies.get("forward")
    if not isinstance(answer, Done) or answer.value is None or answer.value.array is None:
        return None, False
    published = not replies["new"].note
    if backward and published and answer.value.array.shape in ((N, T, H), (N, H)):
        dH = probe["dH"] if answer.value.array.ndim == 3 else probe["dH"][:, -1]
        script = [*script, Call("backward", (dH,), name="backward")]
        back = named(script, session.run(script)).get("backward")
        published = not (isinstance(back, Done) and back.value is not None and back.value.type in ("tuple", "list", "dict"))
    return answer.value.array, published


# -- reading the worker's candidates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    binding: dict
    answers: tuple  # each probe's answer as an array, or None
    globals: tuple[str, ...]
    order: int


def _texts(value, cap: int = 100, most: int = 20) -> tuple[str, ...]:
    if type(value) is not list or any(type(v) is not str for v in value):
        raise MalformedReply("a list of names is not a list of texts")
    return tuple(readable(v[:cap]) for v in value[:most])


def _valid_binding(binding) -> dict:
    """The binding when every field the grader reads has its type, and it is small; else MalformedReply. The grader
    reads it only to describe it; the worker that made it is the one that follows it."""
    try:
        size = len(json.dumps(binding))
    except (TypeError, ValueError):
        size = MAX_BINDING_BYTES + 1
    if type(binding) is not dict or size > MAX_BINDING_BYTES:
        raise MalformedReply("a binding is not a small object")
    if any(type(binding.get(k)) is not str or len(binding[k]) > 100 for k in ("target", "kind", "method")):
        raise MalformedReply("a binding's target, kind or method is not a short text")
    if binding["kind"] not in ("class", "function"):
        raise MalformedReply("a binding's kind is neither a class nor a function")
    call, init, back = binding.get("call"), binding.get("init"), binding.get("backward")
    if (
        type(call) is not dict
        or not _texts_in(call.get("args"))
        or not _texts_in(call.get("names", []))
        or type(call.get("kwargs")) is not dict
    ):
        raise MalformedReply("a binding's call is not an object of args and kwargs")
    if init is not None and (type(init) is not dict or not _texts_in(init.get("args")) or type(init.get("kwargs")) is not dict):
        raise MalformedReply("a binding's constructor is not an object of args and kwargs")
    if any(type(binding.get(k)) is not dict or any(type(v) is not dict for v in binding[k].values()) for k in ("weights", "grads")):
        raise MalformedReply("a binding's weights or grads are not objects")
    if (
        type(binding.get("path")) is not list
        or (back is not None and type(back) is not dict)
        or type(binding.get("pick")) not in (int, type(None))
    ):
        raise MalformedReply("a binding's path, backward or pick is not of its kind")
    return binding


def _texts_in(value) -> bool:
    return type(value) is list and all(type(v) is str for v in value)


def candidates(reply: dict, count: int) -> tuple[list[Candidate], tuple[str, ...]]:
    """The candidates the worker reported, checked field by field; and what it tried that did not run."""
    found = reply.get("candidates")
    if type(found) is not list:
        raise MalformedReply("the candidates are not a list")
    read = []
    for k, wire in enumerate(found[:24]):
        if type(wire) is not dict or type(wire.get("outputs")) is not list or len(wire["outputs"]) != count:
            raise MalformedReply("a candidate has no answer for each probe")
        answers = tuple(None if out is None else value_from_wire(out).array for out in wire["outputs"])
        read.append(Candidate(_valid_binding(wire.get("binding")), answers, _texts(wire.get("globals", [])), k))
    return read, _texts(reply.get("tried", []), 300)


def rank(found: list[Candidate], hs: list[np.ndarray], contract: LayerContract, weight_count: int) -> list[Candidate]:
    """Best first: reproduces the reference on every probe; then answers in a readable shape; uses the weights it is
    given (other weights, another answer); has a place for every weight; the contract's name; the worker's order."""

    def key(c: Candidate):
        matches = all(reproduces(a, h) for a, h in zip(c.answers, hs))
        readable = any(readable_shape(a, h) for a, h in zip(c.answers, hs))
        return (
            not matches,
            not readable,
            not uses_weights(c),
            weight_count - len(c.binding["weights"]),
            c.binding["target"] != contract.cls,
            c.order,
        )

    return sorted(found, key=key)


def uses_weights(c: Candidate) -> bool:
    first, second = c.answers[0], c.answers[1]
    return first is None or second is None or first.shape != second.shape or not np.array_equal(first, second)


# -- the report's words ------------------------------------------------------------------------------------------------

ROLE_WORDS = {"D": "n_features", "H": "n_nodes", "N": "batch_size", "T": "n_sequences", "X": "X", "h0": "h0"}


def _where(path: list) -> str:
    text = ""
    for step in path:
        if type(step) is list and len(step) == 2:
            text += f".{step[1]}" if step[0] == "a" else f"[{step[1]!r}]"
    return text


def _built(binding: dict) -> str:
    init = binding.get("init")
    if binding["kind"] == "function" or type(init) is not dict:
        return ""
    args = [ROLE_WORDS.get(r, str(r)) for r in init.get("args", []) if type(r) is str]
    kwargs = [str(k) for k in init.get("kwargs", {})] if type(init.get("kwargs")) is dict else []
    given = {r for r in [*init.get("args", []), *(init.get("kwargs") or {}).values()] if type(r) is str}
    extras = [
        words
        for role, words in (
            ("initializer", "the grader's initializer, which hands out its weights"),
            ("optimizer", "a recording optimizer (learning rate 0)"),
            ("lr", "lr = 1"),
            ("activation", "a tanh activation"),
        )
        if role in given
    ]
    return f"built as `({', '.join([*args, *kwargs])})`" + (f" with {', '.join(extras)}" if extras else "")


def describe(binding: dict, answer: np.ndarray | None) -> str:
    """The report's line: what was graded and how it was called."""
    target = f"`{binding['target']}{_where(binding['path'])}`"
    call = binding["call"]
    names = [str(n) for n in call.get("names", [])] or [ROLE_WORDS.get(r, str(r)) for r in call["args"] if type(r) is str]
    names += [str(k) for k in call["kwargs"]]
    method = binding["method"] if binding["kind"] == "class" else binding["target"]
    parts = [_built(binding)] if _built(binding) else []
    if binding.get("step"):
        parts.append(f"`{method}({', '.join(names)})` is one step, looped over time by the grader and graded as a sequence")
    else:
        returns = "every h" if answer is not None and answer.ndim == 3 else "the last h"
        if binding.get("time_major"):
            returns = "every h time-major (n_sequences, batch, n_nodes), read transposed"
        if type(binding.get("pick")) is int:
            returns += f" as item {binding['pick']} of what it returns"
        parts.append(f"`{method}({', '.join(names)})` returns {returns}")
    places = [f"`{_where(w.get('at'))[1:]}`" for w in binding["weights"].values() if type(w) is dict and type(w.get("at")) is list]
    passed = [str(k) for k, w in binding["weights"].items() if type(w) is dict and w.get("at") == "arg"]
    if places:
        parts.append("weights set as " + ", ".join(places))
    if passed:
        parts.append(f"{', '.join(passed)} passed as arguments")
    parts.append(_gradients(binding))
    return f"graded {target}: " + ", ".join(p for p in parts if p)


def _gradients(binding: dict) -> str:
    if type(binding.get("backward")) is not dict:
        return "no backward found"
    grads = [g for g in binding["grads"].values() if type(g) is dict]
    sources = {g.get("from") for g in grads}
    if not grads:
        return f"`{binding['backward'].get('method', 'backward')}` found, but no gradients"
    if sources == {"attr"}:
        return "gradients read from " + ", ".join(f"`{_where(g.get('at'))[1:]}`" for g in grads if type(g.get("at")) is list)
    if sources == {"optimizer"}:
        return "gradients summed from what backward hands its optimizer"
    if sources == {"returned"}:
        return "gradients read from what backward returns"
    if sources <= {"change", "own_optimizer"}:
        own = next((g.get("optimizer") for g in grads if g.get("from") == "own_optimizer"), None)
        by = f"its own optimizer `{own.get('cls')}`" if type(own) is dict else "backward"
        return f"gradients recovered from the weight change {by} makes with learning rate 1"
    return "gradients read from " + ", ".join(sorted(str(s) for s in sources))


def globals_note(names: tuple[str, ...], method: str) -> str:
    fixes = [f"`{n}` (use {GLOBAL_FIXES[n]})" if n in GLOBAL_FIXES else f"`{n}`" for n in names]
    return (
        f"{method} reads the notebook's global{'s' if len(names) > 1 else ''} {', '.join(fixes)} instead of its inputs: "
        "it answers only where they happen to fit"
    )


# -- deciding --------------------------------------------------------------------------------------------------------


def bind(session, contract: LayerContract, classes: list[str], others: tuple[str, ...] = (), methods=None) -> Interface:
    """Decide what the checks call for ``contract`` (module docstring), binding a candidate in the worker if need be.
    ``methods``: the contract class's methods, as loading found them."""
    made = probes(contract)
    hs = [expected(contract, p) for p in made]
    ours, published = None, False
    if contract.cls in classes:
        ours, published = contract_answer(session, contract, made[0], "backward" in (methods or ()))
        if published and reproduces(ours, hs[0]):
            return Interface()
    sent = [{k: p[k] for k in ("x", "weights", "dH")} for p in made]
    found, tried = session.discover(contract_wire(contract, others), sent, lambda reply: candidates(reply, len(made)))
    ranked = rank(found, hs, contract, len(contract.weights))
    best = ranked[0] if ranked else None
    matches = best is not None and all(reproduces(a, h) for a, h in zip(best.answers, hs))
    if not matches and contract.cls in classes:
        # Nothing answers right: the contract, if it answers at all (at the experiment's shapes, at least), is graded as
        # published, exactly as in strict mode.
        if best is None or readable_shape(ours, hs[0]) or readable_shape(contract_answer(session, contract, made[2], False)[0], hs[2]):
            own = next((c for c in ranked if c.binding["target"] == contract.cls and c.globals), None)
            return Interface(notes=(globals_note(own.globals, f"{contract.cls}.forward"),) if own else ())
    if best is None or not any(readable_shape(a, h) for a, h in zip(best.answers, hs)):
        # Said only when there was something to say: an empty or unreadable file keeps its own reason.
        return Interface(nothing=f"no callable forward found: {'; '.join(tried[:4])}" if tried else "")
    session.bind({contract.cls: [best.binding, contract_wire(contract, others)]})
    answer = next((a for a in best.answers if a is not None), None)
    method = f"{best.binding['target']}.{best.binding['method']}" if best.binding["kind"] == "class" else best.binding["target"]
    notes = []
    if best.globals:
        notes.append(globals_note(best.globals, method))
    if best.binding.get("time_major"):
        notes.append(f"{method} returns its states time-major (n_sequences, batch, n_nodes): accepted for values, read transposed")
    no_weights = ""
    missing = [w for w in contract.weights if w not in best.binding["weights"]]
    if best.answers[0] is not None and not uses_weights(best):
        no_weights = (
            f"{method} gives the same output whatever weights the grader sets: its weights are fixed inside it (hard-coded, or "
            "read from the notebook's globals)"
        )
    elif missing:
        no_weights = (
            f"the grader found nowhere to give {method} the weights {', '.join(missing)}: it reads them from globals or makes them itself"
        )
    return Interface(describe(best.binding, answer), tuple(notes), no_weights, binding=best.binding)
