"""The checks of a course's function (``checks.function_contract``): shape, values, inputs unchanged, each gradient,
the student's backward against differences of the student's own forward, torch parity, and a sequence function
against its own step looped.

Each check is ``check(ctx) -> Property`` over the contract's cases, like a layer's. A backward always runs after the
student's own forward on the same inputs, and gets that forward's cache back (``Kept``): the cache never leaves the
worker, and no check looks inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks import function_cases, gradcheck
from checks.backward import EPS, direction
from checks.compare import compare
from checks.course_torch import LAST_STEP
from checks.function_contract import FunctionCase, FunctionContract, arguments, axis_names, expected, shape_of
from checks.layer import TorchRunner, numeric, run_torch, tolerance
from checks.memo import remembered
from checks.property import CheckFailed, Property, Runs
from checks.results import Compared
from checks.session import Apply, Done, Kept, Raised, Recorder, Value, array_leaves, named


@dataclass(frozen=True)
class FunctionContext:
    """Everything a function's check needs: where to run, which function, how many cases, and torch."""

    session: Recorder
    contract: FunctionContract
    runs: Runs
    torch: TorchRunner | None = None

    def torch_run(self, *args, **options):
        return run_torch(self.torch, *args, **options)


# -- scripts -----------------------------------------------------------------------------------------------------------


def _returns(contract: FunctionContract) -> tuple[str, tuple[int, ...]]:
    if contract.returns_dict:
        return "dict", ()
    if len(contract.returns) == 1:
        return "value", ()
    return "tuple", tuple(i for i, r in enumerate(contract.returns) if not r.opaque)


def forward_apply(contract: FunctionContract, inputs: dict, *, name: str, keep: str = "", echo: bool = False) -> Apply:
    """The forward called on ``inputs``: what it returns but its cache comes back; the cache stays under ``keep``."""
    returns, send = _returns(contract)
    return Apply(contract.name, arguments(contract, inputs), returns, send, keep, echo, name=name)


def backward_script(contract: FunctionContract, case: FunctionCase, *, echo: bool = False) -> list:
    """The student's forward on the case's inputs, then the backward on the upstream and that forward's cache."""
    forward = contract.forward
    upstream = tuple(case.upstream[a.name] for a in contract.args if not a.opaque)
    returns, send = _returns(contract)
    back = Apply(contract.name, (*upstream, Kept("forward", forward.cache_index)), returns, send, echo=echo, name="backward")
    return [forward_apply(forward, case.inputs, name="forward", keep="forward"), back]


def script_for(contract: FunctionContract) -> Callable[[FunctionCase], list]:
    if contract.forward is None:
        return lambda case: [forward_apply(contract, case.inputs, name="forward")]
    return lambda case: backward_script(contract, case)


# -- replies -----------------------------------------------------------------------------------------------------------

SHAPES_HINT = "Check the shapes of each product against the shapes listed in the function's docstring."
HINTS = (
    (NotImplementedError.__name__, "This function is still the starter's placeholder: write it."),
    (
        "where a tuple holding its cache was expected",
        "A backward is graded on the cache its own forward returns: finish the forward first, returning its cache last.",
    ),
    (
        "is not defined",
        "Use only the function's arguments (and NumPy): a name defined elsewhere in the notebook is not there when it is graded.",
    ),
    *((fragment, SHAPES_HINT) for fragment in ("matmul", "shapes", "broadcast")),
)


def hint_for(raised: Raised) -> str:
    text = f"{raised.type}: {raised.message}"
    for fragment, hint in HINTS:
        if fragment in text:
            return hint
    return f"Run the case above through your {raised.op} by hand and read the traceback."


def run(ctx: FunctionContext, script: list, case: FunctionCase) -> dict[str, Done]:
    """``script``'s named replies, every operation having finished; else CheckFailed (error) naming what raised."""
    replies = ctx.session.run(script)
    for reply in replies:
        if isinstance(reply, Raised):
            raise CheckFailed(reply.describe(), case=case, hint=hint_for(reply), status="error")
    if len(replies) < len(script):
        raise CheckFailed("the worker answered fewer operations than it was sent", case=case, status="error")
    return named(script, replies)  # type: ignore[return-value]


def _norm(key: str) -> str:
    return key.lower().replace("_", "")


def answers(contract: FunctionContract, reply: Done, case: FunctionCase) -> tuple[dict[str, Value], list[str]]:
    """What the student's function returned, by the contract's output names, and notes on the key names it used."""
    names = ", ".join(r.name for r in contract.outputs)
    if reply.value.type == "NoneType":
        raise CheckFailed(
            f"{contract.name} returned None; expected {names}",
            case=case,
            hint=f"{contract.name} has no return statement yet (a starter's `pass`?): return {names}.",
        )
    if contract.returns_dict:
        if reply.value.type != "dict":
            pairs = ", ".join(f'"{n}": {n}' for n in (r.name for r in contract.outputs))
            raise CheckFailed(
                f"{contract.name} returned a {reply.value.type}; expected a dict of {names}",
                case=case,
                hint=f"Return the gradients in a dict: return {{{pairs}}}.",
            )
        return _keys(contract, reply.values, case)
    returns, _ = _returns(contract)
    if returns == "value":
        return {contract.returns[0].name: reply.value}, []
    every = ", ".join(r.name for r in contract.returns)
    hint = f"End {contract.name} with `return {every}`, in that order."
    if reply.value.type not in ("tuple", "list"):
        raise CheckFailed(f"{contract.name} returned a {reply.value.type}; expected a tuple ({every})", case=case, hint=hint)
    found = {r.name: reply.values[str(i)] for i, r in enumerate(contract.returns) if not r.opaque}
    short = [name for name, value in found.items() if value.missing]
    if short:
        raise CheckFailed(f"{contract.name} returned too few values: no {short[0]}; expected ({every})", case=case, hint=hint)
    return found, []


def _keys(contract: FunctionContract, values: dict[str, Value], case: FunctionCase) -> tuple[dict[str, Value], list[str]]:
    """A returned dict's values under the contract's key names, allowing each key's aliases and any case or underscores."""
    by_norm = {_norm(k): k for k in values}
    found, notes = {}, []
    for out in contract.outputs:
        key = next((by_norm[_norm(n)] for n in (out.name, *contract.aliases.get(out.name, ())) if _norm(n) in by_norm), None)
        if key is None:
            held = ", ".join(sorted(values)) or "no keys"
            raise CheckFailed(
                f"{contract.name}'s gradients hold no {out.name} (they hold {held})",
                case=case,
                hint=f"Return a dict with the keys {', '.join(r.name for r in contract.outputs)}.",
            )
        if key != out.name:
            notes.append(f"{contract.name}'s gradients: {key} was read as {out.name}")
        found[out.name] = values[key]
    return found, notes


def received(contract: FunctionContract, name: str, value: Value, case: FunctionCase) -> tuple[np.ndarray, list[str]]:
    """An output as an array of the contract's shape; a bias gradient of shape (1, H) for (H,), or back, is accepted
    with a note, as the courses' own checks (which broadcast) accept it."""
    out = next(r for r in contract.outputs if r.name == name)
    shape = shape_of(out.shape, case.sizes)
    hint = f"{name} has shape ({', '.join(out.shape)}): see {contract.name}'s docstring."
    if (
        value.array is not None
        and value.array.shape != shape
        and name.startswith("db")
        and np.squeeze(value.array).shape == tuple(n for n in shape if n != 1)
    ):
        array, warnings = numeric(Value(value.type, value.array.reshape(shape), value.dtype, value.note), name, shape, case, hint)
        note = f"{name} has shape {value.array.shape} where {shape} is expected; its values were compared as they are"
        return array, [*warnings, note]
    return numeric(value, name, shape, case, hint)


def output_axes(contract: FunctionContract, name: str) -> tuple[str, ...]:
    """The dimensions of an output by name (``name + LAST_STEP``: its last step, without the steps' axis)."""
    base = name.removesuffix(LAST_STEP)
    out = next((r for r in contract.outputs if r.name == base), None)
    tokens = () if out is None else out.shape if base == name else out.shape[:-1]
    return axis_names(tokens)


def _compare(contract: FunctionContract, name: str, want: np.ndarray, got: np.ndarray, value: Value, case, topic: str) -> None:
    mismatch = compare(name, want, got, **tolerance(value))
    if mismatch is not None:
        compared = Compared.of(mismatch, output_axes(contract, name))
        raise CheckFailed(str(mismatch), case=case, hint=contract.hint(topic) or contract.hint(name) or None, compared=compared)


def _property(ctx: FunctionContext, body, *, script=None) -> Property:
    contract = ctx.contract

    def transcript(case) -> tuple:
        with ctx.session.recording() as said:
            try:
                body(case)
            except CheckFailed:
                pass
        return tuple(said)

    return Property(
        function_cases.cases(contract),
        body,
        explicit=function_cases.explicit_cases(contract, seed=ctx.runs.seed),
        describe=lambda case: function_cases.describe(contract, case),
        size=function_cases.size,
        transcript=transcript,
        cases=("function", contract.library, (contract.forward or contract).name),
        plan=None if script is None else lambda case: (ctx.session, script(case)),
    )


# -- the checks ---------------------------------------------------------------------------------------------------------


def _expected(contract: FunctionContract, case: FunctionCase) -> dict[str, np.ndarray]:
    """The reference's outputs for the case, computed once per case and process (read-only)."""
    return remembered(case.key, ("function", contract.library, contract.name), lambda: expected(contract, case))


def _torch_expected(ctx: FunctionContext, case: FunctionCase) -> dict[str, np.ndarray]:
    """torch's outputs for the case, computed once per case and process (read-only)."""
    contract = ctx.contract
    return remembered(case.key, ("torch", contract.library, contract.name), lambda: contract.torch(case, ctx.torch_run))


def _outputs(ctx: FunctionContext, case: FunctionCase) -> tuple[dict[str, tuple[np.ndarray, Value]], list[str]]:
    """The function's outputs on the case (a backward's: its gradients), as arrays of the declared shapes."""
    contract = ctx.contract
    done = run(ctx, script_for(contract)(case), case)
    values, warnings = answers(contract, done["backward" if contract.forward else "forward"], case)
    found = {}
    for name, value in values.items():
        array, more = received(contract, name, value, case)
        found[name] = (array, value)
        warnings += more
    return found, warnings


def shape(ctx: FunctionContext) -> Property:
    """The function runs and returns what it promises, each of its declared shape."""

    def body(case):
        return _outputs(ctx, case)[1]

    return _property(ctx, body, script=script_for(ctx.contract))


def values(ctx: FunctionContext) -> Property:
    """Every output equals the reference's on the same inputs."""

    def body(case):
        found, warnings = _outputs(ctx, case)
        want = _expected(ctx.contract, case)
        for name, (array, value) in found.items():
            _compare(ctx.contract, name, want[name], array, value, case, "values")
        return warnings

    return _property(ctx, body, script=script_for(ctx.contract))


def gradient(*names: str):
    """A backward's gradients ``names`` (one, or a gate's weight and bias) equal the reference's for the case's upstream
    gradients."""

    def check(ctx: FunctionContext) -> Property:
        def body(case):
            done = run(ctx, backward_script(ctx.contract, case), case)
            values, warnings = answers(ctx.contract, done["backward"], case)
            want = _expected(ctx.contract, case)
            for name in names:
                array, more = received(ctx.contract, name, values[name], case)
                _compare(ctx.contract, name, want[name], array, values[name], case, name)
                warnings += more
            return warnings

        return _property(ctx, body, script=lambda case: backward_script(ctx.contract, case))

    check.__name__ = f"gradient_{'_'.join(names)}"
    return check


def keeps_inputs(ctx: FunctionContext) -> Property:
    """The function leaves every array it is given as it was (a backward: its upstream gradients)."""
    contract = ctx.contract

    def script(case) -> list:
        if contract.forward is None:
            return [forward_apply(contract, case.inputs, name="forward", echo=True)]
        return backward_script(contract, case, echo=True)

    def body(case):
        if contract.forward is None:
            sent = arguments(contract, case.inputs)
        else:
            sent = tuple(case.upstream[a.name] for a in contract.args if not a.opaque)
        ops = script(case)
        done = run(ctx, ops, case)
        script_name = ops[-1].name
        answers(contract, done[script_name], case)  # a function that returns nothing yet has not kept anything
        names = [
            f"{a.name}[{k!r}]" if a.is_dict else a.name
            for a in contract.args
            if not a.opaque
            for k in (dict(a.keys) if a.is_dict else (None,))
        ]
        for label, before, after in zip(names, array_leaves(sent), done[script_name].echoed):
            if after.array is None or after.array.shape != before.shape or not np.array_equal(after.array, before):
                raise CheckFailed(
                    f"{contract.name} changed its argument {label} in place",
                    case=case,
                    hint="Compute into new arrays (x = x + 1, np.copy) instead of writing into an argument (+=, [...] =).",
                )

    return _property(ctx, body, script=script)


def own_forward(ctx: FunctionContext) -> Property:
    """The backward is the derivative of the student's own forward: along a fixed random direction V,
    Σ upstream·(forward(θ + εV) - forward(θ - εV)) / 2ε equals Σ ⟨gradient, V⟩. This tells "backward does not match
    forward" apart from "forward is wrong".

    Every input moves at once, so that a case costs two calls of the forward, whatever the number of gradients; only
    on a case where they disagree does each input move alone, to name the gradient that is off.
    """
    contract, forward = ctx.contract, ctx.contract.forward
    made = [a.name[1:] for a in contract.upstream]  # the forward outputs the upstream gradients belong to
    positions = {r.name: str(i) for i, r in enumerate(forward.returns)}
    targets = tuple(r.name for r in contract.outputs)

    def shape_of_target(case: FunctionCase, target: str) -> tuple[int, ...]:
        arg, key = contract.target(target)
        return (case.inputs[arg][key] if key else case.inputs[arg]).shape

    def moved(case: FunctionCase, group: tuple[str, ...], step: float) -> dict:
        inputs = {k: dict(v) if isinstance(v, dict) else v for k, v in case.inputs.items()}
        for target in group:
            arg, key = contract.target(target)
            if key is None:
                inputs[arg] = inputs[arg] + step * direction(inputs[arg].shape)
            else:
                inputs[arg][key] = inputs[arg][key] + step * direction(inputs[arg][key].shape)
        return inputs

    def outputs_of(done: Done, case) -> list[np.ndarray]:
        """The forward's outputs that the upstream gradients belong to."""
        found = []
        for m in made:
            value = done.values.get(positions[m])
            if value is None or value.array is None:
                raise CheckFailed(f"{forward.name} returned no array for {m}", case=case)
            found.append(value.array)
        return found

    def moves(case, groups) -> list:
        return [
            forward_apply(forward, moved(case, g, sign * EPS), name=f"{' '.join(g)} {label}")
            for g in groups
            for sign, label in ((1, "+"), (-1, "-"))
        ]

    def script(case) -> list:
        """The backward script, then the forward with every input moved by +ε and by -ε along its direction."""
        return [*backward_script(contract, case), *moves(case, [targets])]

    def disagree(case, done, base, grads, group) -> tuple[float, float] | None:
        """(numeric, analytic) along the group's directions when they disagree; None when they agree or the forward has a
        kink there (a ReLU at exactly 0: no derivative to compare with)."""
        label = " ".join(group)
        difference = gradcheck.along(
            upstream_of(case), base, outputs_of(done[f"{label} +"], case), outputs_of(done[f"{label} -"], case), eps=EPS
        )
        if difference.kinked(1e-3, 1e-5):
            return None
        analytic = sum(float(np.vdot(grads[t], direction(shape_of_target(case, t)))) for t in group)
        numeric_ = difference.centred
        return (numeric_, analytic) if abs(numeric_ - analytic) > 1e-5 * max(abs(numeric_), abs(analytic)) + 1e-7 else None

    def upstream_of(case) -> list[np.ndarray]:
        return [case.upstream["d" + m] for m in made]

    def body(case):
        done = run(ctx, script(case), case)
        values, warnings = answers(contract, done["backward"], case)
        grads = {}
        for target in targets:
            grad, more = received(contract, target, values[target], case)
            grads[target] = grad.reshape(shape_of_target(case, target))
            warnings += more
        base = outputs_of(done["forward"], case)
        found = disagree(case, done, base, grads, targets)
        if found is None:
            return warnings
        alone = run(ctx, moves(case, [(t,) for t in targets]), case) if len(targets) > 1 else done
        for target in targets:
            off = disagree(case, alone, base, grads, (target,)) if len(targets) > 1 else found
            if off is not None:
                numeric_, analytic = off
                raise CheckFailed(
                    f"{target} does not match your own {forward.name}: along a fixed random direction, {contract.name} gives "
                    f"{analytic:.8g} but centred finite differences of {forward.name} give {numeric_:.8g} "
                    f"(abs error {abs(numeric_ - analytic):.2e})",
                    case=case,
                    hint=f"Your {contract.name} is not the derivative of your {forward.name} for {target}. {contract.hint(target)}".strip(),
                )
        numeric_, analytic = found
        raise CheckFailed(
            f"the gradients do not match your own {forward.name}: along a fixed random direction of every input, {contract.name} "
            f"gives {analytic:.8g} but centred finite differences of {forward.name} give {numeric_:.8g}",
            case=case,
            hint=f"Your {contract.name} is not the derivative of your {forward.name}; check each gradient by hand on the case above.",
        )

    return _property(ctx, body, script=script)


def matches_torch(ctx: FunctionContext) -> Property:
    """Every output (a backward's gradients) equals torch's on the same inputs."""
    contract = ctx.contract

    def body(case):
        found, warnings = _outputs(ctx, case)
        want = _torch_expected(ctx, case)
        for name, (array, value) in found.items():
            if name in want:
                _compare(contract, name, want[name], array, value, case, "torch")
            else:  # torch answers only the last step of this output
                _compare(contract, name + LAST_STEP, want[name + LAST_STEP], array[..., -1], value, case, "torch")
        return warnings

    return _property(ctx, body, script=script_for(contract))


def loops_step(ctx: FunctionContext) -> Property:
    """The sequence function gives what the student's own step function gives, called at each time step and
    carrying its state: the sequence is made of the step."""
    contract = ctx.contract
    loop = contract.loop
    step = loop.step
    step_positions = {r.name: i for i, r in enumerate(step.returns)}
    sent = tuple(sorted({step_positions[name] for name in (*loop.stack.values(), *loop.carry.values())}))

    def script(case: FunctionCase) -> list:
        ops = [forward_apply(contract, case.inputs, name="sequence")]
        dims = case.sizes
        for t in range(dims["T"]):
            args: list[Any] = []
            for arg in step.args:
                if arg.name in loop.time:
                    source, axis = loop.time[arg.name]
                    args.append(np.take(case.inputs[source], t, axis=axis))
                elif arg.name in loop.carry and t:
                    args.append(Kept(f"step {t - 1}", step_positions[loop.carry[arg.name]]))
                elif arg.name in loop.start:
                    source = loop.start[arg.name]
                    args.append(case.inputs[source] if source else np.zeros(shape_of(arg.shape, dims)))
                else:
                    args.append(case.inputs[arg.name])
            ops.append(Apply(step.name, tuple(args), "tuple", sent, keep=f"step {t}", name=f"step {t}"))
        return ops

    def body(case):
        ops = script(case)
        done = run(ctx, ops, case)
        values, warnings = answers(contract, done["sequence"], case)
        for sequence_out, step_out in loop.stack.items():
            steps = []
            for t in range(case.sizes["T"]):
                value = done[f"step {t}"].values[str(step_positions[step_out])]
                if value.array is None:
                    raise CheckFailed(f"{step.name} returned {value.describe()} for {step_out} at step {t}", case=case)
                steps.append(value.array)
            looped = np.stack(steps, axis=loop.axis)
            array, more = received(contract, sequence_out, values[sequence_out], case)
            warnings += more
            mismatch = compare(sequence_out, looped, array, **tolerance(values[sequence_out]))
            if mismatch is not None:
                raise CheckFailed(
                    f"{contract.name} does not give what your own {step.name} gives at each step: {mismatch}",
                    case=case,
                    compared=Compared.of(mismatch, output_axes(contract, sequence_out)),
                    hint=f"Call {step.name} at each step, passing on its {', '.join(loop.carry.values())}; "
                    "compare the two by hand on the case above.",
                )
        return warnings

    return _property(ctx, body, script=script)
