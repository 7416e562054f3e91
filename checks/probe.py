"""Learning how a student's forward is called and what it returns, by calling it before any check runs.

``probe_style`` calls forward on a few small inputs: its return style (every
step, or only the last h) and whether it takes initial states by keyword decide
how the checks call it and read its answers (``checks.layer.Context``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from checks import layer
from checks.layer import SEQUENCE
from checks.session import Call, Done, New, Raised, Set, WorkerLost, named
from reference import stacked

PROBE_DIMS = ((2, 4, 2, 3), (1, 4, 3, 3), (1, 2, 1, 1))
"""Shapes (N, T, D, H) forward is probed at, in turn: the usual; batch 1 with n_features == n_nodes, where a forward
that transposes a weight or assumes one sequence still runs; and the smallest with two steps, where one that assumes
at most three steps (as in the small-array experiment) still runs."""


@dataclass(frozen=True)
class Probe:
    """What calling forward once or twice told: its return style, the report's note on it, whether the style was told
    at all (else forward's checks read it from each answer), and whether forward takes initial states by keyword
    (a call with zero states returned an array)."""

    style: str
    note: str
    told: bool
    takes_states: bool


def _call_forward(session, contract, dims: tuple[int, int, int, int], rng, *, with_states: bool):
    """One probe call: (its replies by name, "new" and "forward", the last of them; the words for its input).

    A WorkerLost learns the input it was on."""
    N, T, D, H = dims
    params = {k: rng.uniform(-1, 1, s) for k, s in stacked.CELLS[contract.kind].param_shapes(D, H).items()}
    x = rng.uniform(-1, 1, (N, T, D))
    states = {name: np.zeros((N, H)) for name in contract.states} if with_states else {}
    on = f"X of shape {(N, T, D)}, n_nodes {H}" + (" and zero initial states" if states else "")
    try:
        script = [
            New(contract.cls, (D, H), name="new"),
            Set(contract.student_weights(params)),
            Call("forward", (x,), states, name="forward"),
        ]
        replies = session.run(script)
        return named(script, replies), replies[-1], on
    except WorkerLost as lost:
        lost.case = f"the grader's call of forward to learn its return style: {on}"
        raise


def _answered_shape(replies: dict) -> tuple[int, ...] | None:
    answer = replies.get("forward")
    answered = isinstance(answer, Done) and answer.value is not None and answer.value.array is not None
    return answer.value.array.shape if answered else None


def probe_style(session, contract) -> Probe:
    """Call forward to learn its return style and whether it takes initial states.

    Each probe shape is tried without initial states, then with zero states by
    keyword; the first call that returns (N, T, H) or (N, H) decides. When none
    does, the note says what the last call did, and the forward checks read the
    style from each answer's shape (``_output``), so a forward returning only
    the last h is never failed for its shape. When the style is told without
    states, one more call with zero states tells whether forward takes them.
    """
    rng = np.random.default_rng(0)
    notes: list[str] = []
    tried = ""
    for N, T, D, H in PROBE_DIMS:
        for with_states in (False, True):
            replies, last, on = _call_forward(session, contract, (N, T, D, H), rng, with_states=with_states)
            notes = [replies["new"].note] if getattr(replies.get("new"), "note", "") else notes
            shape = _answered_shape(replies)
            if shape in ((N, T, H), (N, H)):
                style = SEQUENCE if shape == (N, T, H) else layer.LAST
                told = f"{contract.cls}.forward returns {layer.describe_style(style)}; graded that way"
                takes = with_states or _answered_shape(_call_forward(session, contract, (N, T, D, H), rng, with_states=True)[0]) is not None
                return Probe(style, "; ".join([*notes, told]), True, takes)
            did = last.describe() if isinstance(last, Raised) else f"forward returned {last.value.describe() if last.value else 'nothing'}"
            tried = f"{did}, on {on}"
    told = (
        f"could not tell {contract.cls}.forward's return style: {tried}; forward's checks accept either shape, "
        "and backward's assume every step"
    )
    return Probe(SEQUENCE, "; ".join([*notes, told]), False, False)
