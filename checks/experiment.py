"""A fixed small-array experiment: known inputs, and the last h the course prints for them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from checks import layer
from checks.compare import compare
from checks.layer import LAST, SEQUENCE, Context
from checks.property import CheckFailed
from checks.results import FAILED, PASSED, Compared, Outcome
from checks.session import Call, New, Set
from checks.strategies import CellCase
from reference import stacked

TOLERANCE = 1e-6


def last_h(ctx: Context, inputs: Mapping[str, np.ndarray], expected: np.ndarray) -> Outcome:
    """forward on ``inputs`` (x, the student's weight names, optional states) gives ``expected`` as its last h, to 1e-6,
    and, with the same weights, gives the reference's last h for a second x of the same shape that is not published.

    The second input, drawn from the grading's seed, tells a forward that computes from X apart from one that returns
    the published answer. The states are passed only when ``inputs`` has them, so that the check also holds forward to
    h0 = zeros by default.
    """
    contract = ctx.contract
    x = np.asarray(inputs["x"], dtype=np.float64)
    weights = {name: np.asarray(inputs[name], dtype=np.float64) for name in contract.weights}
    states = {name: np.asarray(inputs[name], dtype=np.float64) for name in contract.states if name in inputs}
    params = {key: weights[attr] for attr, key in contract.weights.items()}
    second = np.random.default_rng([ctx.runs.seed, 22]).uniform(0.0, 2 * float(np.max(np.abs(x))), x.shape)
    hs, _ = stacked.cell_forward(contract.kind, second, params, states.get("h0"), states.get("c0"))
    warnings: list[str] = []
    with ctx.session.recording() as said:
        for given, wanted, which in ((x, expected, "the published input"), (second, hs[:, -1], "a second input of the same shape")):
            case = CellCase(given, params, states.get("h0"), states.get("c0"), np.zeros((*given.shape[:2], expected.shape[-1])), None)
            failed = _one_run(ctx, case, weights, states, wanted, which, warnings)
            if failed is not None:
                return dataclasses.replace(failed, evidence=tuple(said))
    return Outcome(PASSED, warnings=tuple(dict.fromkeys(warnings)))


def _one_run(ctx: Context, case: CellCase, weights, states, expected: np.ndarray, which: str, warnings: list[str]) -> Outcome | None:
    """The failure of forward's last h on ``case`` against ``expected``, or None (its warnings added to ``warnings``)."""
    contract = ctx.contract
    N, T, D = case.x.shape
    script = [New(contract.cls, (D, expected.shape[-1])), Set(weights), Call("forward", (case.x,), states, name="forward")]
    described = layer.describe_case(contract, case, ctx.style)
    try:
        answer = layer.run(ctx, script, case)["forward"]
        style = ctx.style if ctx.style_known else layer.answered_style(answer.value, case)
        received, found = layer.numeric(answer.value, "forward's output", layer.output_shape(case, style), case, "")
    except CheckFailed as failure:
        return Outcome(failure.status, failure.message, described, failure.hint)
    warnings += found
    last = received[:, -1] if style == SEQUENCE else received
    error = float(np.max(np.abs(last - expected)))
    if error <= TOLERANCE:
        return None
    mismatch = compare("last h", expected, last, atol=TOLERANCE, rtol=0.0)  # the same rule: no entry off by more than TOLERANCE
    compared = None if mismatch is None else Compared.of(mismatch, layer.output_axes(LAST))
    return Outcome(
        FAILED,
        f"last h on {which}: expected {np.array2string(expected, precision=8, floatmode='fixed')}, "
        f"received {np.array2string(last, precision=8, floatmode='fixed')} (max abs error {error:.2e}, tolerance {TOLERANCE:g})",
        described,
        contract.hint("experiment") if which == "the published input" else SECOND_INPUT_HINT,
        tuple(found),
        compared=compared,
    )


SECOND_INPUT_HINT = (
    "forward is right on the published input but not on another one with the same weights: compute h from X at every "
    "step, with nothing fixed to the published numbers."
)
