"""Properties of a student's forward: shape, values, initial states, no leaking state, no mutation, torch parity.

Each check is ``check(ctx) -> Property``: a body that runs one case through
the student's class in the worker and compares the answer with the reference
(or torch) here. All of them draw from the contract's one case strategy, so a
problem's checks sweep the same cases together (``checks.property``).
"""

from __future__ import annotations

import numpy as np

from checks import layer
from checks.layer import LAST, SEQUENCE, Context
from checks.memo import remembered
from checks.property import CheckFailed, Property
from checks.results import Compared
from checks.compare import compare
from checks.session import Done, Get, Raised, Set, named

SHAPE_HINT = "forward returns every hidden state, (batch, n_sequences, n_nodes), or only the last one, (batch, n_nodes)."


def _property(ctx: Context, body, *, with_states: bool, script=None) -> Property:
    """A property over the contract's shared cases; without states, the body sees h0 (and c0) not passed.

    ``script(case)``: the script the body runs first on the case it sees (``layer.layer_property``).
    """

    def given(case):
        return case if with_states else layer.without_states(case)

    return layer.layer_property(ctx, lambda case: body(given(case)), script=None if script is None else lambda case: script(given(case)))


def _forward_script(ctx: Context):
    return lambda case: layer.forward_script(ctx.contract, case)


def _style(ctx: Context, case, answer: Done) -> str:
    """The return style to hold this answer to: the probed one, or, when probing could not tell, the answer's own."""
    return ctx.style if ctx.style_known else layer.answered_style(answer.value, case)


def _output(ctx: Context, case, answer: Done, what: str = "forward's output"):
    return layer.numeric(answer.value, what, layer.output_shape(case, _style(ctx, case, answer)), case, SHAPE_HINT)


def shape(ctx: Context) -> Property:
    """forward runs and returns an array of the shape its return style promises."""

    def body(case):
        return _output(ctx, case, layer.run(ctx, layer.forward_script(ctx.contract, case), case)["forward"])[1]

    return _property(ctx, body, with_states=False, script=_forward_script(ctx))


def values(ctx: Context) -> Property:
    """forward, given no initial states, equals the reference started from zeros."""

    def body(case):
        return _require_reference(ctx, case, "values")

    return _property(ctx, body, with_states=False, script=_forward_script(ctx))


def _require_reference(ctx: Context, case, topic: str) -> list[str]:
    """forward on the case equals the reference's; else CheckFailed with the contract's hint on ``topic``."""
    answer = layer.run(ctx, layer.forward_script(ctx.contract, case), case)["forward"]
    received, warnings = _output(ctx, case, answer)
    style = _style(ctx, case, answer)
    expected = layer.expected_forward(ctx.contract, case, style)
    name = "h" if style == SEQUENCE else "last h"
    layer.require_close(name, expected, received, answer.value, case, ctx.contract.hint(topic), axes=layer.output_axes(style))
    return warnings


def with_initial_state(ctx: Context) -> Property:
    """forward, given h0 (and c0) by keyword, starts from them.

    The only check that passes initial states whether or not forward takes them: a forward without an h0 parameter
    loses this check's points alone.
    """

    def body(case):
        return _require_reference(ctx, case, "initial_state")

    return _property(ctx, body, with_states=True, script=_forward_script(ctx))


def _require_unchanged(case, sent: dict, echoed) -> None:
    """CheckFailed naming the first argument that forward changed in place."""
    for (name, before), after in zip(sent.items(), echoed):
        if after.array is None or after.array.shape != before.shape or not np.array_equal(after.array, before):
            raise CheckFailed(
                f"forward changed its argument {name} in place",
                case=case,
                hint=f"Work on a copy ({name}.copy()) or build new arrays; never write into {name}.",
            )


def _other_input(case) -> np.ndarray:
    """A second X of the case's shape: 0.5 - X, its steps reversed."""
    return 0.5 - case.x[:, ::-1]


def _other_weights(case) -> dict:
    """Other weights of the case's shapes: 0.5 - each weight."""
    return {key: 0.5 - value for key, value in case.params.items()}


def repeatable(ctx: Context) -> Property:
    """Every answer depends only on the weights, X and the states given: not on earlier calls, on this object or another.

    One script first asks fresh objects for each call below, then calls forward on one object with X, then another
    X with the initial states (when forward takes them), then X again; then sets other weights and calls it with X;
    then builds a second object and calls it with the other X, then X. Each answer must equal a fresh object's
    answer to the same call, so that state kept after a call, kept from the states given, cached by input, or shared
    by the class between objects is caught, and nothing else.
    """
    contract = ctx.contract

    def calls(case):
        """(operations, [(the name of a call's reply, the name of a fresh object's answer to it, what came before it)])."""
        inputs = {
            "X": layer.without_states(case),
            "the other X with the states": case._replace(x=_other_input(case)),
            "the other weights": layer.without_states(case)._replace(params=_other_weights(case)),
            "the other X": layer.without_states(case)._replace(x=_other_input(case)),
        }
        if not ctx.takes_states:
            del inputs["the other X with the states"]
        ops: list = []
        for what, on in inputs.items():
            ops += [*layer.construct(contract, on), layer.forward_call(contract, on, name=f"fresh: {what}")]
        compared = []

        def call(what: str, before: str) -> None:
            ops.append(layer.forward_call(contract, inputs[what], name=f"call {len(compared)}"))
            compared.append((f"call {len(compared)}", f"fresh: {what}", before))

        ops += layer.construct(contract, inputs["X"])
        call("X", "the first call on a new object")
        if ctx.takes_states:
            call("the other X with the states", "after forward(X), a call with another X and the initial states")
        call("X", "forward(X) again, after " + ("a call with the initial states" if ctx.takes_states else "a call with another X"))
        ops.append(Set(contract.student_weights(inputs["the other weights"].params)))
        call("the other weights", "forward(X) after other weights were set on the same object")
        ops += layer.construct(contract, inputs["X"])
        call("the other X", "a second object's first call, with another X, after the first object's calls")
        call("X", "forward(X) on that second object, after its call with another X")
        return ops, compared

    def body(case):
        ops, compared = calls(case)
        done = layer.run(ctx, ops, case)
        warnings: list[str] = []
        for call, fresh, before in compared:
            expected, found = _output(ctx, case, done[fresh], "a fresh object's output")
            received, _ = _output(ctx, case, done[call], "the call's output")
            warnings += found
            mismatch = compare("output", expected, received, atol=0, rtol=1e-12)
            if mismatch is not None:
                axes = layer.output_axes(SEQUENCE if expected.ndim == 3 else LAST)
                raise CheckFailed(
                    f"forward's answer depends on earlier calls: {before}, it differs from a fresh object's answer to the "
                    f"same call ({mismatch}); the other X is 0.5 - X with its steps reversed, the other weights 0.5 - each",
                    case=case,
                    hint="Start every call from the states you are given (or zeros), and compute from the weights as they "
                    "are now; keep nothing from one call to the next, in self or in the class.",
                    compared=Compared.of(mismatch, axes),
                )
        return warnings

    return _property(ctx, body, with_states=True, script=lambda case: calls(case)[0])


def keeps_inputs(ctx: Context) -> Property:
    """forward changes neither X, nor the initial states it is given, nor the weights: called without the states, and
    with them when forward takes them (a call with them that raises is the initial-state check's to report)."""
    contract = ctx.contract

    def echoed(case, called: str) -> list:
        """Construct, forward echoing its arguments (named ``called``), read the weights (named "weights after " ``called``)."""
        return [
            *layer.construct(contract, case),
            layer.forward_call(contract, case, echo=True, name=called),
            Get(tuple(contract.weights), name=f"weights after {called}"),
        ]

    def require_kept(case, done, called: str) -> None:
        _require_unchanged(case, {"X": case.x, **layer.state_kwargs(contract, case)}, done[called].echoed)
        weights = contract.student_weights(case.params)
        for name, value in done[f"weights after {called}"].values.items():
            if value.array is None or value.array.shape != weights[name].shape or not np.array_equal(value.array, weights[name]):
                raise CheckFailed(
                    f"forward changed self.{name}",
                    case=case,
                    hint="forward reads the weights; only an optimizer step after backward changes them.",
                )

    def scripts(case) -> tuple[list, list]:
        """The echoed forward without the states, and with them when forward takes them."""
        without = echoed(layer.without_states(case), "forward(X)")
        return without, echoed(case, "forward(X, states)") if ctx.takes_states else []

    def script(case) -> list:
        without, with_states = scripts(case)
        return without + with_states

    def body(case):
        plain = layer.without_states(case)
        without, with_states = scripts(case)
        replies = ctx.session.run(without + with_states)
        require_kept(plain, layer.completed(replies[: len(without)], without, contract, plain), "forward(X)")
        if with_states and len(replies) == len(without + with_states) and not any(isinstance(reply, Raised) for reply in replies):
            # (a call with the states that raises is the initial-state check's to report)
            require_kept(case, named(without + with_states, replies), "forward(X, states)")
        return ()

    return _property(ctx, body, with_states=True, script=script)


def matches_torch(ctx: Context) -> Property:
    """forward, given no initial states, equals torch.nn.<RNN|LSTM|GRU> with the same weights (mapped by reference.layout)."""
    contract = ctx.contract

    def body(case):
        answer = layer.run(ctx, layer.forward_script(contract, case), case)["forward"]
        received, warnings = _output(ctx, case, answer)
        out = remembered(
            case, ("torch forward", contract.kind), lambda: ctx.torch_run(case.x, [case.params], kind=contract.kind, dout=None).out
        )
        style = _style(ctx, case, answer)
        expected = out if style == SEQUENCE else out[:, -1]
        name = f"h (torch.nn.{contract.kind.upper()})"
        layer.require_close(name, expected, received, answer.value, case, contract.hint("values"), axes=layer.output_axes(style))
        return warnings

    return _property(ctx, body, with_states=False, script=_forward_script(ctx))
