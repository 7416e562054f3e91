"""The shape of an assignment spec: problems, points, the class each problem grades, and its checks.

An assignment is a short declaration built from these, in its own folder,
beside its text and starter templates. Everything that runs lives in ``checks``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from checks import backward, forward, function_checks
from checks.function_contract import FunctionContract
from checks.layer import Context, LayerContract
from checks.mistakes import MistakeLibrary
from checks.property import Property
from checks.results import Outcome

PROJECT_PACKAGES = frozenset({"reference", "checks", "grading", "assignments", "grader"})
SCRATCH_FORBIDDEN = frozenset({"torch", "tensorflow", "keras", "jax", "jaxlib"}) | PROJECT_PACKAGES
"""Imports refused inside the worker for assignments written from scratch in NumPy."""


@dataclass(frozen=True)
class CheckSpec:
    name: str
    points: float
    run: Callable[[Context], Outcome | Property]  # a function problem's: Callable[[FunctionContext], ...]
    torch: bool = False  # needs torch: the quick self-check skips it
    needs: tuple[str, ...] = ("forward",)
    """The class's methods the check calls: a class without one of them cannot run the check at all (for a function
    problem, the functions its checks call)."""
    given_weights: bool = True
    """Whether the check needs forward to compute with the weights the grader sets (an experiment with the published
    weights does not: a forward that reads them from the notebook's globals still answers it)."""


def forward_checks(
    *, shape: float, values: float, initial_state: float, no_state: float, keeps_inputs: float, torch: float
) -> tuple[CheckSpec, ...]:
    """The standard checks of a layer's forward, with the points each is worth."""
    return (
        CheckSpec("forward_shape", shape, forward.shape),
        CheckSpec("forward_values", values, forward.values),
        CheckSpec("forward_with_initial_state", initial_state, forward.with_initial_state),
        CheckSpec("forward_no_state_between_calls", no_state, forward.repeatable),
        CheckSpec("forward_keeps_inputs", keeps_inputs, forward.keeps_inputs),
        CheckSpec("forward_matches_torch", torch, forward.matches_torch, torch=True),
    )


def backward_checks(contract: LayerContract, *, each_gradient: float, own_forward: float, torch: float) -> tuple[CheckSpec, ...]:
    """The standard checks of a layer's backward: dX and each stored gradient, its own forward, torch autograd."""
    return (
        *(CheckSpec(f"backward_{name}", each_gradient, backward.gradient(name), needs=BACKWARD) for name in ("dX", *contract.grads)),
        CheckSpec("backward_matches_own_forward", own_forward, backward.own_forward, needs=BACKWARD),
        CheckSpec("backward_matches_torch", torch, backward.matches_torch, torch=True, needs=BACKWARD),
    )


BACKWARD = ("forward", "backward")


def forward_function_checks(
    contract: FunctionContract, *, shape: float, values: float, keeps_inputs: float, torch: float = 0, loops: float = 0
) -> tuple[CheckSpec, ...]:
    """The checks of a course's forward function: its shapes, its values, its inputs left alone, torch's answers (0 where
    torch has none of it) and, for a sequence function, that it is made of its own step (``loops``)."""
    needs = (contract.name,)
    found = [
        CheckSpec("shape", shape, function_checks.shape, needs=needs),
        CheckSpec("values", values, function_checks.values, needs=needs),
        CheckSpec("keeps_inputs", keeps_inputs, function_checks.keeps_inputs, needs=needs),
    ]
    if loops:
        step = contract.loop.step.name
        found.append(CheckSpec(f"made_of_{step}", loops, function_checks.loops_step, needs=(*needs, step)))
    if torch:
        found.append(CheckSpec("matches_torch", torch, function_checks.matches_torch, torch=True, needs=needs))
    return tuple(found)


def backward_function_checks(
    contract: FunctionContract,
    *,
    each_gradient: float,
    keeps_upstream: float,
    own_forward: float,
    torch: float = 0,
    together: tuple[tuple[str, ...], ...] = (),
) -> tuple[CheckSpec, ...]:
    """The checks of a course's backward function: each gradient it returns, its upstream left alone, the derivative of
    the student's own forward, and torch autograd's gradients (0 where torch has none of it).

    ``together``: gradients checked as one ("dWf", "dbf": a gate's weight and bias, which its one gate gradient makes),
    named by their names joined with "_"."""
    needs = (contract.forward.name, contract.name)
    grouped = {name for group in together for name in group}
    groups = [*together, *((r.name,) for r in contract.outputs if r.name not in grouped)]
    groups.sort(key=lambda g: [r.name for r in contract.outputs].index(g[0]))
    found = [CheckSpec("_".join(g), each_gradient, function_checks.gradient(*g), needs=needs) for g in groups]
    found += [
        CheckSpec("keeps_upstream", keeps_upstream, function_checks.keeps_inputs, needs=needs),
        CheckSpec(f"matches_own_{contract.forward.name}", own_forward, function_checks.own_forward, needs=needs),
    ]
    if torch:
        found.append(CheckSpec("matches_torch", torch, function_checks.matches_torch, torch=True, needs=needs))
    return tuple(found)


@dataclass(frozen=True)
class Problem:
    id: str
    title: str
    contract: LayerContract | FunctionContract
    checks: tuple[CheckSpec, ...]
    required: bool = False
    bonus: bool = False

    @property
    def max_score(self) -> float:
        return float(sum(c.points for c in self.checks))

    @property
    def given_weights(self) -> bool:
        """Whether any of the problem's checks needs forward to compute with the weights the grader sets."""
        return any(c.given_weights for c in self.checks)

    @property
    def methods(self) -> tuple[str, ...]:
        """Every method the problem's checks call, in the order they first need them."""
        return tuple(dict.fromkeys(m for c in self.checks for m in c.needs))


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    folder: Path
    problems: tuple[Problem, ...]
    forbidden_imports: frozenset[str] = SCRATCH_FORBIDDEN
    mistakes: tuple[MistakeLibrary, ...] = ()  # the known mistakes of each class, for the diagnosis of failures
    identified_by: tuple[str, ...] = ()
    """Names a submission defines that say it is this assignment's (any of them); none: all its required classes."""
    supplied_modules: tuple[str, ...] = ()
    """Modules the course's notebooks import that the grader supplies in the worker, from ``folder / f"{name}.py"``."""
    supplied_builtins: tuple[str, ...] = ()
    """Python 2 names supplied as builtins for a course whose files still use them ("xrange")."""

    def __post_init__(self) -> None:
        ids = [p.id for p in self.problems]
        if len(set(ids)) != len(ids):
            raise ValueError(f"assignment {self.name!r} repeats a problem id: {ids}")
        for problem in self.problems:
            names = [c.name for c in problem.checks]
            if len(set(names)) != len(names) or not names:
                raise ValueError(f"{self.name} {problem.id} needs checks with distinct names; got {names}")
            if any(c.points <= 0 for c in problem.checks):
                raise ValueError(f"{self.name} {problem.id}: every check needs points above 0")
        graded = {c.cls for c in self.contracts} | {c.library for c in self.contracts if isinstance(c, FunctionContract)}
        for library in self.mistakes:
            if library.cls not in graded:
                raise ValueError(f"{self.name}: mistakes of {library.cls}, which no problem grades ({', '.join(sorted(graded))})")

    @property
    def contracts(self) -> tuple[LayerContract, ...]:
        """The classes the assignment grades, in problem order."""
        seen: dict[str, LayerContract] = {}
        for problem in self.problems:
            seen.setdefault(problem.contract.cls, problem.contract)
        return tuple(seen.values())

    @property
    def max_score(self) -> float:
        """The points of the required and ordinary problems; a bonus problem's points come on top."""
        return float(sum(p.max_score for p in self.problems if not p.bonus))

    @property
    def graded_names(self) -> tuple[str, ...]:
        """The classes, or the functions, that the assignment's problems grade."""
        return tuple(c.cls for c in self.contracts)

    def supplies(self) -> dict:
        """What the worker supplies before the submission runs: {"modules": {name: source}, "builtins": [names]}."""
        modules = {name: (self.folder / f"{name}.py").read_text(encoding="utf-8") for name in self.supplied_modules}
        return {"modules": modules, "builtins": list(self.supplied_builtins)} if modules or self.supplied_builtins else {}
