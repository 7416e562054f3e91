"""A fixed small-array experiment: known inputs, and the last h the course prints for them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from checks import layer
from checks.layer import SEQUENCE, Context
from checks.property import CheckFailed
from checks.results import FAILED, PASSED, Outcome
from checks.session import Call, New, Set
from checks.strategies import CellCase

TOLERANCE = 1e-6


def last_h(ctx: Context, inputs: Mapping[str, np.ndarray], expected: np.ndarray) -> Outcome:
    """forward on ``inputs`` (x, the student's weight names, optional states) gives ``expected`` as its last h, to 1e-6.

    The states are passed only when ``inputs`` has them, so that the check also holds forward to h0 = zeros by default.
    """
    contract = ctx.contract
    x = np.asarray(inputs["x"], dtype=np.float64)
    weights = {name: np.asarray(inputs[name], dtype=np.float64) for name in contract.weights}
    states = {name: np.asarray(inputs[name], dtype=np.float64) for name in contract.states if name in inputs}
    N, T, D = x.shape
    H = expected.shape[-1]
    params = {key: weights[attr] for attr, key in contract.weights.items()}
    case = CellCase(x, params, states.get("h0"), states.get("c0"), np.zeros((N, T, H)), None)
    script = [New(contract.cls, (D, H)), Set(weights), Call("forward", (x,), states)]
    with ctx.session.recording() as said:
        replies = ctx.session.run(script)
    try:
        done = layer.completed(replies, len(script), contract, case, ctx.style)
        style = ctx.style if ctx.style_known else layer.answered_style(done[2].value, case)
        received, warnings = layer.numeric(done[2].value, "forward's output", layer.output_shape(case, style), case, "")
    except CheckFailed as failure:
        described = layer.describe_case(contract, case, ctx.style)
        return Outcome(failure.status, failure.message, described, failure.hint, evidence=tuple(said))
    last = received[:, -1] if style == SEQUENCE else received
    error = float(np.max(np.abs(last - expected)))
    if error <= TOLERANCE:
        return Outcome(PASSED, warnings=tuple(warnings))
    return Outcome(
        FAILED,
        f"last h: expected {np.array2string(expected, precision=8, floatmode='fixed')}, "
        f"received {np.array2string(last, precision=8, floatmode='fixed')} (max abs error {error:.2e}, tolerance {TOLERANCE:g})",
        layer.describe_case(contract, case, ctx.style),
        contract.hint("experiment"),
        tuple(warnings),
        evidence=tuple(said),
    )
