"""A student's recurrent layer class, as the checks see it: its contract, its cases, and how to read its answers.

Shapes in the course's words: X (batch, n_sequences, n_features) is (N, T, D);
the hidden state h (batch, n_nodes) is (N, H).

The contract names the class, the reference model it must equal, and how its
attributes map onto the reference's params. Checks construct the class with
``(n_features, n_nodes)``, set the weights as attributes, and call ``forward``
(then ``backward`` on the same object), always through a ``Session``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

from checks import strategies
from checks.compare import compare
from checks.memo import remembered
from checks.property import CheckFailed, Property, Runs
from checks.results import Compared
from checks.session import Call, Done, Get, New, Op, Raised, Recorder, Reply, Set, Value, named
from checks.strategies import CellCase
from reference import stacked
from reference.cells import CELLS, cell_kind

Array = npt.NDArray[np.float64]

SEQUENCE, LAST = "sequence", "last"
"""forward's two return styles: every step (N, T, H), or only the last h (N, H)."""

FLOAT64_TOL = {"atol": 1e-9, "rtol": 1e-7}
FLOAT32_TOL = {"atol": 1e-4, "rtol": 1e-3}


@dataclass(frozen=True)
class LayerContract:
    """What a submission's layer class must be.

    ``weights`` and ``grads`` map the student's attribute names onto the
    reference's param keys, e.g. ``{"Wx": "Wx", "Wh": "Wh", "B": "b"}``;
    ``states`` are forward's keyword names for the initial states.
    """

    cls: str
    kind: str
    weights: Mapping[str, str]
    grads: Mapping[str, str]
    states: tuple[str, ...] = ("h0",)
    hints: Mapping[str, str] = field(default_factory=dict)
    """What to try, by topic: "values", "initial_state", "experiment", or a gradient's name."""

    def student_weights(self, params: Mapping[str, Array]) -> dict[str, Array]:
        return {attr: params[key] for attr, key in self.weights.items()}

    def hint(self, topic: str) -> str:
        return (
            self.hints.get(topic)
            or DEFAULT_HINTS.get(topic)
            or (f"{topic} sums over the batch and every step; work one step out by hand and compare.")
        )


DEFAULT_HINTS = {
    "values": "Work the first step out by hand with the assignment's equations, starting from zero states.",
    "initial_state": "Start the recurrence from the states you are given (h0, and c0 for an LSTM), not from zeros.",
    "experiment": "Print the state after each step and check the first one by hand, starting from zero states.",
}


@functools.lru_cache(maxsize=None)
def case_strategy(kind: str, realistic: float = 0.0) -> st.SearchStrategy[CellCase]:
    """Cases in the assignments' ranges: batch 1-4, n_sequences 1-6, n_features 1-5, n_nodes 1-6, values k/16 in [-1, 1];
    and, for a share ``realistic`` of them, cases a submission cannot tell apart from real data: any values in [-1, 1]
    and shapes up to batch 16 and 32 steps.

    The choice is drawn first, with the readable grid cases at the small end, so that shrinking brings a failure
    down to a grid case whenever one fails too. Initial states are always drawn; a check that calls forward without
    them drops them. One strategy object per kind and share, so that a problem's checks can sweep the same cases
    together.
    """
    shape = strategies.dims(batch=(1, 4), steps=(1, 6), features=(1, 5), hidden=(1, 6))
    grid = strategies.cell_cases(kind=kind, shape=shape, h0=True, c0=True, grid=True)
    if not realistic:
        return grid
    wide = strategies.dims(batch=(1, 16), steps=(1, 32), features=(1, 5), hidden=(1, 6))
    real = strategies.cell_cases(kind=kind, shape=wide, h0=True, c0=True, grid=False)
    grid_below = round(1000 * (1 - realistic))
    # Scrambled, because Hypothesis favours small and boundary integers: the share then comes out close to the one asked.
    choice = st.integers(0, 999).map(lambda draw: draw * 7919 % 1000)
    return choice.flatmap(lambda draw: grid if draw < grid_below else real)


EXPLICIT_DIMS = ((2, 3, 2, 3), (3, 4, 5, 2), (2, 3, 3, 3))
"""Shapes every property also runs: batch >= 2, n_sequences >= 3, and n_features != n_nodes, where a transposed
weight or a state shaped like x_t cannot hide; then n_features == n_nodes, where code that only runs at such shapes
shows what it computes, so that the diagnosis can tell such mistakes apart by their numbers, not only by their crash."""


def explicit_cases(contract: LayerContract, *, seed: int, with_states: bool = True) -> list[CellCase]:
    rng = np.random.default_rng(seed)
    cases = []
    for N, T, D, H in EXPLICIT_DIMS:
        cell = CELLS[contract.kind]
        params = {k: rng.uniform(-1, 1, shape) for k, shape in cell.param_shapes(D, H).items()}
        cases.append(
            CellCase(
                x=rng.uniform(-1, 1, (N, T, D)),
                params=params,
                h0=rng.uniform(-1, 1, (N, H)) if with_states else None,
                c0=rng.uniform(-1, 1, (N, H)) if with_states and cell.has_cell_state else None,
                dhs=rng.uniform(-1, 1, (N, T, H)),
                dc_last=None,
            )
        )
    return cases


def dims(case: CellCase) -> tuple[int, int, int, int]:
    N, T, D = case.x.shape
    return N, T, D, case.params["Wh"].shape[0]


def size(case: CellCase) -> int:
    return int(case.x.size + sum(p.size for p in case.params.values()))


def construct(contract: LayerContract, case: CellCase) -> list:
    _, _, D, H = dims(case)
    return [New(contract.cls, (D, H)), Set(contract.student_weights(case.params))]


def without_states(case: CellCase) -> CellCase:
    """The case with h0 (and c0) not passed."""
    return case._replace(h0=None, c0=None)


def state_kwargs(contract: LayerContract, case: CellCase) -> dict[str, Array]:
    """forward's keyword states for a case: only those the case gives, so that h0=None means 'not passed'."""
    given = {"h0": case.h0, "c0": case.c0}
    return {name: given[name] for name in contract.states if given.get(name) is not None}


def forward_call(contract: LayerContract, case: CellCase, *, echo: bool = False, name: str = "forward") -> Call:
    """forward on the case's X and the states it gives; its reply is read by ``name``."""
    return Call("forward", (case.x,), state_kwargs(contract, case), echo=echo, name=name)


def forward_script(contract: LayerContract, case: CellCase) -> list:
    """Construct, set the weights, call forward (its reply named "forward")."""
    return [*construct(contract, case), forward_call(contract, case)]


def expected_forward(contract: LayerContract, case: CellCase, style: str) -> Array:
    """The reference's output for the case in the student's style (read-only, computed once per case)."""

    def compute() -> Array:
        hs, _ = stacked.cell_forward(contract.kind, case.x, case.params, case.h0, case.c0)
        return hs if style == SEQUENCE else hs[:, -1].copy()

    return remembered(case, ("forward", contract.kind, style), compute)


def upstream(case: CellCase, style: str) -> Array:
    """dH as backward receives it: shaped like forward's output."""
    return case.dhs if style == SEQUENCE else case.dhs[:, -1]


def expected_backward(contract: LayerContract, case: CellCase, style: str) -> dict[str, Array]:
    """The reference's gradients under the student's names, plus dX (read-only, computed once per case)."""

    def compute() -> dict[str, Array]:
        dhs = case.dhs if style == SEQUENCE else np.zeros_like(case.dhs)
        if style == LAST:
            dhs[:, -1] = case.dhs[:, -1]
        _, cache = stacked.cell_forward(contract.kind, case.x, case.params, case.h0, case.c0)
        grads = stacked.cell_backward(contract.kind, dhs, cache)
        return {"dX": grads["x"], **{attr: grads[key] for attr, key in contract.grads.items()}}

    return remembered(case, ("backward", contract.kind, style, tuple(contract.grads.items())), compute)


def output_shape(case: CellCase, style: str) -> tuple[int, ...]:
    N, T, _, H = dims(case)
    return (N, T, H) if style == SEQUENCE else (N, H)


def answered_style(value: Value, case: CellCase) -> str:
    """The style an answer's shape shows: LAST for (N, H), else SEQUENCE (whose shape a wrong answer is then held to)."""
    N, _, _, H = dims(case)
    return LAST if value.array is not None and value.array.shape == (N, H) else SEQUENCE


def describe_style(style: str) -> str:
    return "every step (batch, n_sequences, n_nodes)" if style == SEQUENCE else "only the last h (batch, n_nodes)"


def _fmt(a: Array) -> str:
    return np.array2string(
        np.asarray(a), precision=6, separator=", ", suppress_small=True, max_line_width=110, threshold=120, floatmode="maxprec"
    )


def describe_case(contract: LayerContract, case: CellCase, style: str, *, with_upstream: bool = False) -> str:
    """A case printed compactly, with the student's names for everything."""
    N, T, D, H = dims(case)
    lines = [f"X (batch={N}, n_sequences={T}, n_features={D}) = {_fmt(case.x)}"]
    for attr, key in contract.weights.items():
        lines.append(f"{attr} {case.params[key].shape} = {_fmt(case.params[key])}")
    for name in contract.states:
        state = {"h0": case.h0, "c0": case.c0}[name]
        lines.append(f"{name} = not passed (zeros)" if state is None else f"{name} {state.shape} = {_fmt(state)}")
    if with_upstream:
        dH = upstream(case, style)
        lines.append(f"dH {dH.shape} = {_fmt(dH)}")
    return "\n".join(lines)


HINTS = (
    ("unexpected keyword argument 'h0'", "Give forward an h0 keyword: def forward(self, X, h0=None), with zeros when h0 is None."),
    ("unexpected keyword argument 'c0'", "Give forward a c0 keyword: def forward(self, X, h0=None, c0=None), with zeros when c0 is None."),
    (
        "has no attribute 'update'",
        "backward calls self.optimizer.update, but no optimizer was given: guard it with `if self.optimizer is not None`.",
    ),
    ("has no method backward", "Add backward(self, dH): it returns dX and stores the weight gradients."),
    (NotImplementedError.__name__, "This method is still the starter's placeholder: write it."),  # raised by the starters
    ("matmul", "Check the shapes of each product: X[:, t] is (batch, n_features) and Wx is (n_features, n_nodes)."),
    ("shapes", "Check the shapes of each product: X[:, t] is (batch, n_features) and Wx is (n_features, n_nodes)."),
)


def hint_for(raised: Raised, contract: LayerContract) -> str:
    text = f"{raised.type}: {raised.message}"
    for fragment, hint in HINTS:
        if fragment in text:
            return hint
    if raised.type == "AttributeError" and any(f"'{w}'" in raised.message for w in contract.weights):
        names = ", ".join(contract.weights)
        return f"The grader sets {names} as attributes after construction; read the weights from self.{next(iter(contract.weights))} and the others."
    if raised.type == "NameError" and "defines no class" in raised.message:
        return f"Define class {contract.cls} at the top level of your file or notebook."
    return f"Run the case above through your {raised.op} by hand and read the traceback."


def completed(replies: list[Reply], script: list[Op], contract: LayerContract, case: CellCase) -> dict[str, Done]:
    """The replies of the script's named operations, by name; or CheckFailed (status error) naming the operation that raised."""
    for reply in replies:
        if isinstance(reply, Raised):
            raise CheckFailed(reply.describe(), case=case, hint=hint_for(reply, contract), status="error")
    if len(replies) < len(script):
        raise CheckFailed("the worker answered fewer operations than it was sent", case=case, status="error")
    return named(script, replies)  # type: ignore[return-value]


def run(ctx: Context, script: list[Op], case: CellCase) -> dict[str, Done]:
    """Run ``script`` for ``case`` in the worker: its named replies, every operation having finished (``completed``)."""
    return completed(ctx.session.run(script), script, ctx.contract, case)


def numeric(value: Value, what: str, shape: tuple[int, ...], case: CellCase, hint: str) -> tuple[Array, list[str]]:
    """A received value as a float64 array of ``shape``, with a warning for float32; else CheckFailed."""
    if value.array is None:
        raise CheckFailed(f"{what} is {value.describe()}; expected an ndarray of shape {shape}", case=case, hint=hint)
    if value.array.shape != shape:
        raise CheckFailed(f"{what} has shape {value.array.shape}; expected {shape}", case=case, hint=hint)
    if not np.isfinite(value.array).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(value.array))[0])
        raise CheckFailed(f"{what} holds {value.array[bad]} at {list(bad)}; expected finite values", case=case, hint=hint)
    warnings = []
    if value.dtype in ("float32", "float16"):
        warnings.append(f"{what} is {value.dtype}; it was compared with a {value.dtype} tolerance. Compute in float64 for exact results.")
    if value.type != "ndarray":
        warnings.append(f"{what} is a {value.type}, not an ndarray; it was converted for checking.")
    if value.note:  # a real dtype the wire does not carry (">f8", longdouble), converted by the worker
        warnings.append(f"{what} {value.note}.")
    return value.array, warnings


def tolerance(value: Value) -> dict[str, float]:
    return FLOAT32_TOL if value.dtype in ("float32", "float16") else FLOAT64_TOL


def require_close(name: str, expected: Array, received: Array, value: Value, case: CellCase, hint: str, *, axes: tuple[str, ...]) -> None:
    """CheckFailed naming the worst entry, and carrying both arrays with their ``axes`` for a report to draw, unless
    ``received`` matches ``expected``."""
    mismatch = compare(name, expected, received, **tolerance(value))
    if mismatch is not None:
        raise CheckFailed(str(mismatch), case=case, hint=hint, compared=Compared.of(mismatch, axes))


def output_axes(style: str) -> tuple[str, ...]:
    return ("batch", "n_sequences", "n_nodes") if style == SEQUENCE else ("batch", "n_nodes")


def gradient_axes(contract: LayerContract, name: str) -> tuple[str, ...]:
    """The dimensions of dX or of a weight's gradient, by name: dWx of an LSTM is ("n_features", "4·n_nodes (ifgo)")."""
    if name == "dX":
        return ("batch", "n_sequences", "n_features")
    cell = cell_kind(contract.kind)
    features, nodes = 7, 1000  # sizes no block count can confuse: a length is 7, or a multiple of 1000
    shape = cell.param_shapes(features, nodes)[contract.grads[name]]
    blocks = f" ({cell.gates})" if len(cell.gates) > 1 else ""
    return tuple("n_features" if n == features else "n_nodes" if n == nodes else f"{n // nodes}·n_nodes{blocks}" for n in shape)


def get_grads(contract: LayerContract) -> Get:
    """Read the stored gradients (the reply named "grads")."""
    return Get(tuple(contract.grads), name="grads")


class TorchRunner(Protocol):
    """Where torch's answers come from: ``checks.torch_parity.run`` (``grading.torch_oracle`` runs it in a process of its own)."""

    def run(self, x: Array, cells: list, **options: Any) -> Any: ...


@dataclass(frozen=True)
class Context:
    """Everything a layer check needs: where to run, what to expect, and how many cases.

    ``session`` is a Recorder, so that every check's scripts can be recorded for the diagnosis: wrap a plain session
    as ``Recorder(session)``.
    """

    session: Recorder
    contract: LayerContract
    style: str
    runs: Runs
    torch: TorchRunner | None = None  # None: torch in this process
    style_known: bool = True  # False when probing forward could not tell its style: forward's checks then read it from each answer
    takes_states: bool = True  # whether forward takes h0 (and c0) by keyword: only then do checks other than the initial state's pass them

    def __post_init__(self) -> None:
        if not isinstance(self.session, Recorder):
            raise TypeError(f"Context needs a Recorder, not a {type(self.session).__name__}: pass Recorder(session)")

    def torch_run(self, *args, **options):
        return run_torch(self.torch, *args, **options)


def run_torch(oracle: TorchRunner | None, *args, **options):
    """``checks.torch_parity.run`` on ``oracle``, or in this process when there is none (importing torch on first use)."""
    if oracle is not None:
        return oracle.run(*args, **options)
    from checks import torch_parity  # noqa: PLC0415 - torch loads only when a parity check runs

    return torch_parity.run(*args, **options)


def layer_property(ctx: Context, body, *, upstream: bool = False, untested=None, script=None) -> Property:
    """A property over the contract's shared cases, printed with the student's names (and dH when ``upstream``).

    ``script(case)``: the script the body runs first on a case, so that a sweep can send the checks' scripts together.
    """
    contract, style = ctx.contract, ctx.style

    def transcript(case) -> tuple:
        with ctx.session.recording() as said:
            try:
                body(case)
            except CheckFailed:
                pass
        return tuple(said)

    return Property(
        case_strategy(contract.kind, ctx.runs.realistic),
        body,
        explicit=explicit_cases(contract, seed=ctx.runs.seed),
        describe=lambda case: describe_case(contract, case, style, with_upstream=upstream),
        size=size,
        transcript=transcript,
        untested=untested,
        cases=("cells", contract.kind, ctx.runs.realistic),
        plan=None if script is None else lambda case: (ctx.session, script(case)),
    )
