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
from checks.session import Call, Get, New, Set
from reference import stacked

SHAPE_HINT = "forward returns every hidden state, (batch, n_sequences, n_nodes), or only the last one, (batch, n_nodes)."


def _property(ctx: Context, body, *, with_states: bool) -> Property:
    """A property over the contract's shared cases; without states, the body sees h0 (and c0) not passed."""

    def run(case):
        return body(case if with_states else layer.without_states(case))

    return layer.layer_property(ctx, run)


def _output(ctx: Context, case, done, index: int, what: str = "forward's output"):
    return layer.numeric(done[index].value, what, layer.output_shape(case, ctx.style), case, SHAPE_HINT)


def shape(ctx: Context) -> Property:
    """forward runs and returns an array of the shape its return style promises."""

    def body(case):
        script = layer.forward_script(ctx.contract, case)
        done = layer.completed(ctx.session.run(script), len(script), ctx.contract, case, ctx.style)
        return _output(ctx, case, done, 2)[1]

    return _property(ctx, body, with_states=False)


def values(ctx: Context, *, with_states: bool = False) -> Property:
    """forward equals the reference; with_states passes h0 (and c0), otherwise forward gets none."""

    def body(case):
        script = layer.forward_script(ctx.contract, case)
        done = layer.completed(ctx.session.run(script), len(script), ctx.contract, case, ctx.style)
        received, warnings = _output(ctx, case, done, 2)
        expected = layer.expected_forward(ctx.contract, case, ctx.style)
        hint = ctx.contract.hint("initial_state" if with_states else "values")
        layer.require_close("h" if ctx.style == SEQUENCE else "last h", expected, received, done[2].value, case, hint)
        return warnings

    return _property(ctx, body, with_states=with_states)


def with_initial_state(ctx: Context) -> Property:
    return values(ctx, with_states=True)


def repeatable(ctx: Context) -> Property:
    """Two calls in a row on one object with the same X give the same answer: no state leaks between calls."""

    def twice(case) -> list:
        call = layer.forward_call(ctx.contract, case)
        return [*layer.construct(ctx.contract, case), call, call]

    def body(case):
        script = layer.remembered_script(case, ("forward twice", id(ctx.contract)), lambda: twice(case))
        done = layer.completed(ctx.session.run(script), len(script), ctx.contract, case, ctx.style)
        first, warnings = _output(ctx, case, done, 2, "the first call's output")
        second, _ = _output(ctx, case, done, 3, "the second call's output")
        mismatch = compare("second call", first, second, atol=0, rtol=1e-12)
        if mismatch is not None:
            raise CheckFailed(
                f"calling forward twice on one object with the same X gave different outputs: {mismatch}",
                case=case,
                hint="Start every call from the states you are given (or zeros); do not reuse what the previous call left in self.",
            )
        return warnings

    return _property(ctx, body, with_states=False)


def keeps_inputs(ctx: Context) -> Property:
    """forward changes neither X nor the initial states it is given, nor the weights."""
    contract = ctx.contract

    def echoed(case) -> list:
        return [*layer.construct(contract, case), layer.forward_call(contract, case, echo=True), Get(tuple(contract.weights))]

    def body(case):
        script = layer.remembered_script(case, ("echoed forward", id(contract)), lambda: echoed(case))
        done = layer.completed(ctx.session.run(script), len(script), contract, case, ctx.style)
        sent = {"X": case.x, **layer.state_kwargs(contract, case)}
        for (name, before), after in zip(sent.items(), done[2].echoed):
            if after.array is None or after.array.shape != before.shape or not np.array_equal(after.array, before):
                raise CheckFailed(
                    f"forward changed its argument {name} in place",
                    case=case,
                    hint=f"Work on a copy ({name}.copy()) or build new arrays; never write into {name}.",
                )
        weights = contract.student_weights(case.params)
        for name, value in done[3].values.items():
            if value.array is None or value.array.shape != weights[name].shape or not np.array_equal(value.array, weights[name]):
                raise CheckFailed(
                    f"forward changed self.{name}",
                    case=case,
                    hint="forward reads the weights; only an optimizer step after backward changes them.",
                )
        return ()

    return _property(ctx, body, with_states=True)


def matches_torch(ctx: Context) -> Property:
    """forward equals torch.nn.<RNN|LSTM|GRU> with the same weights (mapped by reference.layout)."""
    contract = ctx.contract

    def body(case):
        script = layer.forward_script(contract, case)
        done = layer.completed(ctx.session.run(script), len(script), contract, case, ctx.style)
        received, warnings = _output(ctx, case, done, 2)
        states = {name: None if value is None else value[None] for name, value in (("h0", case.h0), ("c0", case.c0))}
        out = remembered(
            case,
            ("torch forward", contract.kind),
            lambda: ctx.torch_run(case.x, [case.params], kind=contract.kind, dout=None, **states).out,
        )
        expected = out if ctx.style == SEQUENCE else out[:, -1]
        layer.require_close(f"h (torch.nn.{contract.kind.upper()})", expected, received, done[2].value, case, contract.hint("values"))
        return warnings

    return _property(ctx, body, with_states=True)


def probe_style(session, contract) -> tuple[str, str]:
    """Call forward once to learn its return style; (style, what to say about it in the report)."""
    N, T, D, H = 2, 4, 2, 3
    rng = np.random.default_rng(0)
    params = {k: rng.uniform(-1, 1, s) for k, s in stacked.CELLS[contract.kind].param_shapes(D, H).items()}
    script = [New(contract.cls, (D, H)), Set(contract.student_weights(params)), Call("forward", (rng.uniform(-1, 1, (N, T, D)),))]
    replies = session.run(script)
    notes = [r.note for r in replies[:1] if getattr(r, "note", "")]
    last = replies[-1]
    if len(replies) == 3 and getattr(last, "value", None) is not None and last.value.array is not None:
        if last.value.array.shape == (N, H):
            return layer.LAST, "; ".join([*notes, f"{contract.cls}.forward returns only the last h (batch, n_nodes); graded that way"])
        if last.value.array.shape == (N, T, H):
            return SEQUENCE, "; ".join(
                [*notes, f"{contract.cls}.forward returns every step (batch, n_sequences, n_nodes); graded that way"]
            )
    return SEQUENCE, "; ".join([*notes, f"could not tell {contract.cls}.forward's return style; graded as returning every step"])
