"""Properties of a student's forward: shape, values, initial states, no leaking state, no mutation, torch parity.

Each check is ``check(ctx) -> Property``: a body that runs one case through
the student's class in the worker and compares the answer with the reference
(or torch) here. All of them draw from the contract's one case strategy, so a
problem's checks sweep the same cases together (``checks.property``).
"""

from __future__ import annotations

import numpy as np

from checks import layer
from checks.layer import SEQUENCE, Context
from checks.memo import remembered
from checks.property import CheckFailed, Property
from checks.compare import compare
from checks.session import Get, Raised, Set

SHAPE_HINT = "forward returns every hidden state, (batch, n_sequences, n_nodes), or only the last one, (batch, n_nodes)."


def _property(ctx: Context, body, *, with_states: bool) -> Property:
    """A property over the contract's shared cases; without states, the body sees h0 (and c0) not passed."""

    def run(case):
        return body(case if with_states else layer.without_states(case))

    return layer.layer_property(ctx, run)


def _style(ctx: Context, case, done, index: int = 2) -> str:
    """The return style to hold this answer to: the probed one, or, when probing could not tell, the answer's own."""
    return ctx.style if ctx.style_known else layer.answered_style(done[index].value, case)


def _output(ctx: Context, case, done, index: int, what: str = "forward's output"):
    return layer.numeric(done[index].value, what, layer.output_shape(case, _style(ctx, case, done, index)), case, SHAPE_HINT)


def shape(ctx: Context) -> Property:
    """forward runs and returns an array of the shape its return style promises."""

    def body(case):
        script = layer.forward_script(ctx.contract, case)
        done = layer.completed(ctx.session.run(script), len(script), ctx.contract, case, ctx.style)
        return _output(ctx, case, done, 2)[1]

    return _property(ctx, body, with_states=False)


def values(ctx: Context) -> Property:
    """forward, given no initial states, equals the reference started from zeros."""

    def body(case):
        script = layer.forward_script(ctx.contract, case)
        done = layer.completed(ctx.session.run(script), len(script), ctx.contract, case, ctx.style)
        received, warnings = _output(ctx, case, done, 2)
        style = _style(ctx, case, done)
        expected = layer.expected_forward(ctx.contract, case, style)
        layer.require_close("h" if style == SEQUENCE else "last h", expected, received, done[2].value, case, ctx.contract.hint("values"))
        return warnings

    return _property(ctx, body, with_states=False)


def with_initial_state(ctx: Context) -> Property:
    """forward, given h0 (and c0) by keyword, starts from them.

    The only check that passes initial states whether or not forward takes them: a forward without an h0 parameter
    loses this check's points alone.
    """
    contract = ctx.contract

    def body(case):
        script = layer.forward_script(contract, case)
        done = layer.completed(ctx.session.run(script), len(script), contract, case, ctx.style)
        received, warnings = _output(ctx, case, done, 2)
        style = _style(ctx, case, done)
        expected = layer.expected_forward(contract, case, style)
        layer.require_close("h" if style == SEQUENCE else "last h", expected, received, done[2].value, case, contract.hint("initial_state"))
        return warnings

    return _property(ctx, body, with_states=True)


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
    """A second X of the case's shape: 0.5 - X, its steps reversed (remembered, so that its scripts are built once)."""
    return remembered(case, "other input", lambda: 0.5 - case.x[:, ::-1], freeze=False)


def _other_weights(case) -> dict:
    """Other weights of the case's shapes: 0.5 - each weight."""
    return remembered(case, "other weights", lambda: {key: 0.5 - value for key, value in case.params.items()}, freeze=False)


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
        """(operations, [(index of a call, index of a fresh object's answer to it, what came before it)]).

        An index of None stands for the answer of ``layer.forward_script``, which every case runs anyway.
        """
        plain = layer.without_states(case)
        other = plain._replace(x=_other_input(case))
        other_with_states = case._replace(x=_other_input(case))
        reweighted = plain._replace(params=_other_weights(case))
        ops: list = []
        fresh: dict[int, int | None] = {id(plain): None}
        for on in (other_with_states, reweighted, other) if ctx.takes_states else (reweighted, other):
            ops += [*layer.construct(contract, on), layer.forward_call(contract, on)]
            fresh[id(on)] = len(ops) - 1
        compared = []

        def call(on, before: str) -> None:
            ops.append(layer.forward_call(contract, on))
            compared.append((len(ops) - 1, fresh[id(on)], before))

        ops += layer.construct(contract, plain)
        call(plain, "the first call on a new object")
        if ctx.takes_states:
            call(other_with_states, "after forward(X), a call with another X and the initial states")
        call(plain, "forward(X) again, after " + ("a call with the initial states" if ctx.takes_states else "a call with another X"))
        ops.append(Set(contract.student_weights(reweighted.params)))
        call(reweighted, "forward(X) after other weights were set on the same object")
        ops += layer.construct(contract, plain)
        call(other, "a second object's first call, with another X, after the first object's calls")
        call(plain, "forward(X) on that second object, after its call with another X")
        return ops, compared

    def body(case):
        ops, compared = remembered(case, ("history", id(contract), ctx.takes_states), lambda: calls(case), freeze=False)
        done = layer.completed(ctx.session.run(ops), len(ops), contract, case, ctx.style)
        first = layer.forward_script(contract, layer.without_states(case))
        first_done = layer.completed(ctx.session.run(first), len(first), contract, case, ctx.style)
        warnings: list[str] = []
        for index, fresh, before in compared:
            expected, found = _output(
                ctx, case, first_done if fresh is None else done, 2 if fresh is None else fresh, "a fresh object's output"
            )
            received, _ = _output(ctx, case, done, index, "the call's output")
            warnings += found
            mismatch = compare("output", expected, received, atol=0, rtol=1e-12)
            if mismatch is not None:
                raise CheckFailed(
                    f"forward's answer depends on earlier calls: {before}, it differs from a fresh object's answer to the "
                    f"same call ({mismatch}); the other X is 0.5 - X with its steps reversed, the other weights 0.5 - each",
                    case=case,
                    hint="Start every call from the states you are given (or zeros), and compute from the weights as they "
                    "are now; keep nothing from one call to the next, in self or in the class.",
                )
        return warnings

    return _property(ctx, body, with_states=True)


def keeps_inputs(ctx: Context) -> Property:
    """forward changes neither X, nor the initial states it is given, nor the weights: called without the states, and
    with them when forward takes them (a call with them that raises is the initial-state check's to report)."""
    contract = ctx.contract

    def echoed(case) -> list:
        return [*layer.construct(contract, case), layer.forward_call(contract, case, echo=True), Get(tuple(contract.weights))]

    def require_kept(case, done) -> None:
        _require_unchanged(case, {"X": case.x, **layer.state_kwargs(contract, case)}, done[2].echoed)
        weights = contract.student_weights(case.params)
        for name, value in done[3].values.items():
            if value.array is None or value.array.shape != weights[name].shape or not np.array_equal(value.array, weights[name]):
                raise CheckFailed(
                    f"forward changed self.{name}",
                    case=case,
                    hint="forward reads the weights; only an optimizer step after backward changes them.",
                )

    def body(case):
        plain = layer.without_states(case)
        script = layer.remembered_script(
            case, ("echoed forwards", id(contract), ctx.takes_states), lambda: echoed(plain) + (echoed(case) if ctx.takes_states else [])
        )
        replies = ctx.session.run(script)
        require_kept(plain, layer.completed(replies[:4], 4, contract, plain, ctx.style))
        if ctx.takes_states and len(replies) == 8 and not any(isinstance(reply, Raised) for reply in replies):
            require_kept(case, replies[4:])  # a call with the states that raises is the initial-state check's to report
        return ()

    return _property(ctx, body, with_states=True)


def matches_torch(ctx: Context) -> Property:
    """forward, given no initial states, equals torch.nn.<RNN|LSTM|GRU> with the same weights (mapped by reference.layout)."""
    contract = ctx.contract

    def body(case):
        script = layer.forward_script(contract, case)
        done = layer.completed(ctx.session.run(script), len(script), contract, case, ctx.style)
        received, warnings = _output(ctx, case, done, 2)
        out = remembered(
            case, ("torch forward", contract.kind), lambda: ctx.torch_run(case.x, [case.params], kind=contract.kind, dout=None).out
        )
        expected = out if _style(ctx, case, done) == SEQUENCE else out[:, -1]
        layer.require_close(f"h (torch.nn.{contract.kind.upper()})", expected, received, done[2].value, case, contract.hint("values"))
        return warnings

    return _property(ctx, body, with_states=False)
