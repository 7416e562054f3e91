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
from checks.session import Call, Done, Get, New, Raised, Set, WorkerLost
from reference import stacked

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
    """forward, given h0 (and c0), starts from them and leaves them as they were given.

    The only check that passes initial states: a forward without an h0 parameter loses this check's points alone.
    """
    contract = ctx.contract

    def echoed(case) -> list:
        return [*layer.construct(contract, case), layer.forward_call(contract, case, echo=True)]

    def body(case):
        script = layer.remembered_script(case, ("forward with states", id(contract)), lambda: echoed(case))
        done = layer.completed(ctx.session.run(script), len(script), contract, case, ctx.style)
        received, warnings = _output(ctx, case, done, 2)
        style = _style(ctx, case, done)
        expected = layer.expected_forward(contract, case, style)
        layer.require_close("h" if style == SEQUENCE else "last h", expected, received, done[2].value, case, contract.hint("initial_state"))
        _require_unchanged(case, layer.state_kwargs(contract, case), done[2].echoed[1:])
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
    """forward changes neither X nor the weights (called without initial states; h0 is with_initial_state's)."""
    contract = ctx.contract

    def echoed(case) -> list:
        return [*layer.construct(contract, case), layer.forward_call(contract, case, echo=True), Get(tuple(contract.weights))]

    def body(case):
        script = layer.remembered_script(case, ("echoed forward", id(contract)), lambda: echoed(case))
        done = layer.completed(ctx.session.run(script), len(script), contract, case, ctx.style)
        _require_unchanged(case, {"X": case.x}, done[2].echoed)
        weights = contract.student_weights(case.params)
        for name, value in done[3].values.items():
            if value.array is None or value.array.shape != weights[name].shape or not np.array_equal(value.array, weights[name]):
                raise CheckFailed(
                    f"forward changed self.{name}",
                    case=case,
                    hint="forward reads the weights; only an optimizer step after backward changes them.",
                )
        return ()

    return _property(ctx, body, with_states=False)


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


PROBE_DIMS = ((2, 4, 2, 3), (1, 4, 3, 3), (1, 2, 1, 1))
"""Shapes (N, T, D, H) forward is probed at, in turn: the usual; batch 1 with n_features == n_nodes, where a forward
that transposes a weight or assumes one sequence still runs; and the smallest with two steps, where one that assumes
at most three steps (as in the small-array experiment) still runs."""


def probe_style(session, contract) -> tuple[str, str, bool]:
    """Call forward to learn its return style: (style, what to say about it in the report, whether it was told).

    Each probe shape is tried without initial states, then with zero states by
    keyword; the first call that returns (N, T, H) or (N, H) decides. When none
    does, the note says what the last call did, and the forward checks read the
    style from each answer's shape (``_output``), so a forward returning only
    the last h is never failed for its shape.
    """
    rng = np.random.default_rng(0)
    notes: list[str] = []
    tried = ""
    for N, T, D, H in PROBE_DIMS:
        params = {k: rng.uniform(-1, 1, s) for k, s in stacked.CELLS[contract.kind].param_shapes(D, H).items()}
        x = rng.uniform(-1, 1, (N, T, D))
        for states in ({}, {name: np.zeros((N, H)) for name in contract.states}):
            on = f"X of shape {(N, T, D)}, n_nodes {H}" + (" and zero initial states" if states else "")
            try:
                replies = session.run([New(contract.cls, (D, H)), Set(contract.student_weights(params)), Call("forward", (x,), states)])
            except WorkerLost as lost:
                lost.case = f"the grader's call of forward to learn its return style: {on}"
                raise
            notes = [r.note for r in replies[:1] if getattr(r, "note", "")] or notes
            last = replies[-1]
            answered = len(replies) == 3 and isinstance(last, Done) and last.value is not None and last.value.array is not None
            shape = last.value.array.shape if answered else None
            if shape in ((N, T, H), (N, H)):
                style = SEQUENCE if shape == (N, T, H) else layer.LAST
                told = f"{contract.cls}.forward returns {layer.describe_style(style)}; graded that way"
                return style, "; ".join([*notes, told]), True
            did = last.describe() if isinstance(last, Raised) else f"forward returned {last.value.describe() if last.value else 'nothing'}"
            tried = f"{did}, on {on}"
    told = (
        f"could not tell {contract.cls}.forward's return style: {tried}; forward's checks accept either shape, "
        "and backward's assume every step"
    )
    return SEQUENCE, "; ".join([*notes, told]), False
