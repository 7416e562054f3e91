"""Properties of a student's backward: each gradient against the reference, against torch autograd,
and against finite differences of the student's own forward.

backward is called on the same object right after its forward, with dH shaped
like forward's output; dX is its return value and the weight gradients are
read from the attributes it stores (dWx, dWh, dB for the SimpleRNN).
"""

from __future__ import annotations

import functools

import numpy as np

from checks import gradcheck, layer
from checks.layer import SEQUENCE, Context
from checks.memo import remembered
from checks.property import CheckFailed, Property
from checks.session import Call, Done


def _property(ctx: Context, body, untested=None, script=None) -> Property:
    """A property over the contract's shared cases, with forward given no initial states; ``script(case)`` as in
    ``layer.layer_property`` (by default the backward script)."""
    script = script or (lambda case: _backward_script(ctx, case))
    return layer.layer_property(
        ctx,
        lambda case: body(layer.without_states(case)),
        upstream=True,
        untested=untested,
        script=lambda case: script(layer.without_states(case)),
    )


def _backward_script(ctx: Context, case) -> list:
    """Construct, forward, backward, read the gradients: replies named "forward", "backward" and "grads"."""
    return [
        *layer.forward_script(ctx.contract, case),
        Call("backward", (layer.upstream(case, ctx.style),), name="backward"),
        layer.get_grads(ctx.contract),
    ]


def _received(ctx: Context, case, done: dict[str, Done], name: str):
    """The student's gradient ``name`` from a completed backward script: dX is returned, the rest stored."""
    value = done["backward"].value if name == "dX" else done["grads"].values[name]
    shape = case.x.shape if name == "dX" else case.params[ctx.contract.grads[name]].shape
    where = "backward's return value (dX)" if name == "dX" else f"self.{name} after backward"
    hint = ctx.contract.hint(name)
    if value.missing:
        raise CheckFailed(f"{where}: backward did not store {name}", case=case, hint=f"Set self.{name} in backward.")
    array, warnings = layer.numeric(value, where, shape, case, hint)
    return value, array, warnings


def gradient(name: str):
    """A check that the student's ``name`` (dX, dWx, ...) equals the reference's for a random dH."""

    def check(ctx: Context) -> Property:
        def body(case):
            done = layer.run(ctx, _backward_script(ctx, case), case)
            value, received, warnings = _received(ctx, case, done, name)
            expected = layer.expected_backward(ctx.contract, case, ctx.style)[name]
            layer.require_close(
                name, expected, received, value, case, ctx.contract.hint(name), axes=layer.gradient_axes(ctx.contract, name)
            )
            return warnings

        return _property(ctx, body)

    check.__name__ = f"gradient_{name}"
    check.__doc__ = f"The student's {name} equals the reference's for a random dH."
    return check


def matches_torch(ctx: Context) -> Property:
    """Every gradient equals torch autograd's through torch.nn.<RNN|LSTM|GRU> with the same weights."""
    contract = ctx.contract

    def body(case):
        done = layer.run(ctx, _backward_script(ctx, case), case)
        dout = case.dhs if ctx.style == SEQUENCE else np.zeros_like(case.dhs)
        if ctx.style != SEQUENCE:
            dout[:, -1] = case.dhs[:, -1]
        grads = remembered(
            case,
            ("torch backward", contract.kind, ctx.style),
            lambda: ctx.torch_run(case.x, [case.params], kind=contract.kind, dout=dout).grads,
        )
        expected = {"dX": grads["x"], **{attr: grads["cells"][0][key] for attr, key in contract.grads.items()}}
        warnings = []
        for name in expected:
            value, received, found = _received(ctx, case, done, name)
            warnings += found
            axes = layer.gradient_axes(contract, name)
            layer.require_close(f"{name} (torch autograd)", expected[name], received, value, case, contract.hint(name), axes=axes)
        return warnings

    return _property(ctx, body)


EPS = 1e-6
EPS_FLOAT32 = 1e-3
"""Steps for the finite differences: float64 forwards resolve 1e-6; float32 ones (about 1e-7 relative) need a coarser
step, and 1e-3 keeps both rounding and the centred difference's ε² error inside the float32 tolerance (1e-2 did not:
where a state grows step by step towards tanh's bend, the ε² error of a correct forward reached 1%)."""


@functools.lru_cache(maxsize=256)
def direction(shape: tuple[int, ...]) -> np.ndarray:
    """A fixed unit-scale direction per shape, the same on every run (read-only: it is shared)."""
    direction = np.random.default_rng(sum(shape) * 7919 + len(shape)).uniform(-1, 1, shape)
    direction.flags.writeable = False
    return direction


def own_forward(ctx: Context) -> Property:
    """backward is the derivative of the student's own forward, checked by centred finite differences.

    For each of X and the weights, along a fixed random direction V:
    Σ dH·(forward(θ + εV) - forward(θ - εV)) / 2ε must equal ⟨grad, V⟩. This
    tells "backward does not match forward" apart from "forward is wrong".
    Where the one-sided differences disagree, forward has a kink along V (a
    ReLU at exactly 0) and has no derivative there, so that direction is not compared.
    A check under which forward never moved along any compared direction (a constant
    forward, or one with a kink wherever it is probed) tested nothing, and fails so.
    """
    contract = ctx.contract
    targets = ("dX", *contract.grads)
    compared = 0  # directions along which forward moved and was compared, over every case

    def shape_of(case, target):
        return case.x.shape if target == "dX" else case.params[contract.grads[target]].shape

    def perturbed(case, target: str, step: float):
        if target == "dX":
            return case._replace(x=case.x + step * direction(case.x.shape))
        key = contract.grads[target]
        return case._replace(params={**case.params, key: case.params[key] + step * direction(case.params[key].shape)})

    def forwards(case, eps: float) -> list:
        """New, Set, forward for each target and sign, the forward's reply named "dWx +", "dWx -", ..."""
        return [
            op
            for t in targets
            for sign, name in ((1, "+"), (-1, "-"))
            for op in (
                *layer.construct(contract, perturbed(case, t, sign * eps)),
                layer.forward_call(contract, perturbed(case, t, sign * eps), name=f"{t} {name}"),
            )
        ]

    def moved(case, done, target: str, shape) -> tuple:
        """forward's outputs with the target moved by +ε and by -ε along its direction."""
        return tuple(layer.numeric(done[f"{target} {sign}"].value, "forward's output", shape, case, "")[0] for sign in "+-")

    def body(case):
        nonlocal compared
        done = layer.run(ctx, [*_backward_script(ctx, case), *forwards(case, EPS)], case)
        dH = layer.upstream(case, ctx.style)
        base, warnings = layer.numeric(done["forward"].value, "forward's output", dH.shape, case, "")
        loose = done["forward"].value.dtype in ("float32", "float16")
        eps, outputs = EPS, done
        if loose:
            eps, outputs = EPS_FLOAT32, layer.run(ctx, forwards(case, EPS_FLOAT32), case)
        rtol, atol = (1e-2, 1e-3) if loose else (1e-5, 1e-7)
        for target in targets:
            value, grad, found = _received(ctx, case, done, target)
            warnings += found
            plus, minus = moved(case, outputs, target, dH.shape)
            difference = gradcheck.along([dH], [base], [plus], [minus], eps=eps)
            if difference.kinked(1e-1 if loose else 1e-3, 100 * atol):
                continue  # forward has a kink here along this direction (a ReLU at 0): no derivative to compare with
            numeric, analytic = difference.centred, float(np.vdot(grad, direction(shape_of(case, target))))
            compared += abs(numeric) > 10 * atol  # where forward does not move, a backward of zeros would pass too
            if abs(numeric - analytic) > rtol * max(abs(numeric), abs(analytic)) + atol:
                raise CheckFailed(
                    f"{target} does not match your own forward: along a fixed random direction, backward gives "
                    f"{analytic:.8g} but centred finite differences of forward give {numeric:.8g} "
                    f"(abs error {abs(numeric - analytic):.2e})",
                    case=case,
                    hint=f"Your backward is not the derivative of your forward for {target}. {contract.hint(target)}",
                )
        return warnings

    def untested() -> CheckFailed | None:
        if compared:
            return None
        return CheckFailed(
            "nothing could be compared: on every case and along every direction, forward either did not change or had a "
            "kink (its one-sided differences disagreed), so backward was never checked against it",
            hint="forward must depend smoothly on X and the weights (tanh does); look for constants, rounding, abs, "
            "or branches on the input values.",
        )

    return _property(ctx, body, untested, script=lambda case: [*_backward_script(ctx, case), *forwards(case, EPS)])
