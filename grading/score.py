"""Score a loaded submission: run every problem's checks in the worker, each problem within its own time limit.

Failures of every kind become check results, never exceptions: a submission
that cannot be read, a class that is missing, a worker that dies or hangs. A
problem that runs out of time keeps the points its finished checks earned, and
the next problem starts with a fresh time limit (and, if needed, a fresh worker).
The torch parity checks of every problem run last, so that torch can import
meanwhile in a process of its own (``grading.torch_oracle``).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import platform
import time
from collections.abc import Callable

from assignments.spec import Assignment, Problem
from checks import forward
from checks.layer import Context
from checks.property import Lost, Property, Runs, run_properties
from checks.results import ERROR, FAILED, SKIPPED, TIMEOUT, CheckResult, Outcome
from checks.session import WorkerLost
from grading.limits import Limits
from grading.load import Submission
from grading.report import ProblemResult, Report
from grading import torch_oracle
from grading.diagnose import Diagnoser
from grading.worker import WorkerSession

MAX_CRASHES = 2
"""Worker deaths in one problem after which its remaining checks are not run: a submission that crashes keeps crashing."""


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("rnn-grader", "numpy", "hypothesis", "torch", "nbformat"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def _all(problem: Problem, outcome: Outcome) -> ProblemResult:
    return _result(problem, [CheckResult.scored(c.name, outcome, c.points) for c in problem.checks])


def _result(problem: Problem, checks: list[CheckResult]) -> ProblemResult:
    return ProblemResult(problem.id, problem.title, problem.max_score, tuple(checks), problem.required, problem.bonus)


class _Grading:
    """One grading's state: the session, what loading found, and the return style of each class."""

    def __init__(
        self, assignment: Assignment, submission: Submission, runs: Runs, limits: Limits, use_torch: bool, progress, diagnose: bool
    ):
        self.assignment, self.submission, self.runs, self.limits = assignment, submission, runs, limits
        self.use_torch, self.progress = use_torch, progress
        self.diagnoser = Diagnoser({library.cls: library for library in assignment.mistakes}) if diagnose else None
        self.session = WorkerSession(
            submission.load_message(),
            blocked=assignment.forbidden_imports,
            memory_bytes=limits.memory_bytes,
            copy_from=submission.folder,
            hide=limits.hide,
        )
        self.warnings: list[str] = list(submission.warnings)
        self.notes: list[str] = list(submission.notes)
        self.styles: dict[str, str] = {}
        self.missing: dict[str, str] = {}  # class -> why it cannot be graded
        self.shrunk: dict[str, list] = {}  # problem id -> the cases shrunk for its failures so far
        # torch imports in a process of its own meanwhile, when this process has not imported it already.
        self.torch = torch_oracle.oracle() if use_torch and any(c.torch for p in assignment.problems for c in p.checks) else None

    def load(self) -> Outcome | None:
        """Load the submission into the worker; why nothing can be graded, or None."""
        hint = "Run your file with plain Python first; it must run to the end without errors."
        if self.submission.error:
            return Outcome(ERROR, f"the submission could not be read: {self.submission.error}", hint=hint)
        self.session.deadline = time.monotonic() + self.limits.timeout
        try:
            loaded = self.session.load()
        except WorkerLost as lost:
            hint = "Loading must not train a model or wait for input: keep long runs under `if __name__ == '__main__':`."
            return Outcome(TIMEOUT if lost.timeout else ERROR, f"{lost.reason}; nothing could be graded", hint=hint)
        self.warnings += [w.get("text", str(w)) for w in loaded.warnings]
        if loaded.isolation:
            self.notes.append(f"the submission ran in a worker with {loaded.isolation}")
        for contract in self.assignment.contracts:
            if contract.cls not in loaded.classes:
                found = ", ".join(loaded.classes) or "none"
                reason = f"no class {contract.cls}; found classes: {found}"
                syntax = [w for w in loaded.warnings if w.get("type") == "SyntaxError"]
                if syntax:
                    reason += f"; {syntax[0].get('text', '')}"
                self.missing[contract.cls] = reason
        return None

    def style(self, contract) -> str:
        if contract.cls not in self.styles:
            try:
                style, note = forward.probe_style(self.session, contract)
            except WorkerLost as lost:
                style, note = (
                    "sequence",
                    f"could not tell {contract.cls}.forward's return style ({lost.reason}); graded as returning every step",
                )
            self.styles[contract.cls] = style
            self.notes.append(note)
        return self.styles[contract.cls]

    def problems(self) -> list[ProblemResult]:
        """Every problem's results; the checks that need torch run after all the others, once torch is ready.

        Each problem has ``limits.timeout`` seconds for all its checks: what its
        first round leaves is what its torch checks get. Waiting for torch is
        not counted against the submission.
        """
        outcomes: dict[str, dict[str, Outcome]] = {p.id: {} for p in self.assignment.problems}
        crashes: dict[str, list[str]] = {p.id: [] for p in self.assignment.problems}
        left = {p.id: self.limits.timeout for p in self.assignment.problems}
        graded = [p for p in self.assignment.problems if p.contract.cls not in self.missing]
        for torch_round in (False, True):
            for problem in graded:
                specs = [spec for spec in problem.checks if spec.torch == torch_round]
                stopped = any(o.status == TIMEOUT for o in outcomes[problem.id].values()) or len(crashes[problem.id]) >= MAX_CRASHES
                if not specs or stopped:
                    continue
                if torch_round and self.use_torch and self.torch is not None:
                    self._torch_ready()
                started = time.monotonic()
                self.session.deadline = started + left[problem.id]
                self._sweep(problem, specs, outcomes[problem.id], crashes[problem.id])
                left[problem.id] -= time.monotonic() - started
        return [self._finish(problem, outcomes[problem.id], crashes[problem.id]) for problem in self.assignment.problems]

    def _torch_ready(self) -> None:
        try:
            self.torch.ready()
        except torch_oracle.OracleFailed:
            pass  # each torch check then fails with the reason, as a fault of the grader's

    def _finish(self, problem: Problem, outcomes: dict[str, Outcome], crashes: list[str]) -> ProblemResult:
        missing = self.missing.get(problem.contract.cls)
        if missing and problem.bonus:
            return _all(problem, Outcome(SKIPPED, f"not attempted: {missing}"))
        if missing:
            return _all(
                problem, Outcome(ERROR, missing, hint=f"Define class {problem.contract.cls} with the methods the assignment names.")
            )
        for spec in problem.checks:
            if spec.name not in outcomes and len(crashes) >= MAX_CRASHES:
                outcomes[spec.name] = Outcome(
                    ERROR, f"not run: the worker died {len(crashes)} times in {problem.id} ({', '.join(crashes)})"
                )
            elif spec.name not in outcomes:
                running = next((n for n, o in outcomes.items() if o.status == TIMEOUT), "an earlier check")
                outcomes[spec.name] = Outcome(
                    TIMEOUT, f"not run: {problem.id} ran out of its {self.limits.timeout:g} s while {running} was running"
                )
        results = [CheckResult.scored(spec.name, self._diagnosed(problem, outcomes[spec.name]), spec.points) for spec in problem.checks]
        if self.progress:
            for result in results:
                self.progress(problem, result)
        return _result(problem, results)

    def _diagnosed(self, problem: Problem, outcome: Outcome) -> Outcome:
        """``outcome`` with the diagnosis of its failure, when it failed on evidence the known mistakes can replay."""
        if self.diagnoser is None or outcome.status not in (FAILED, ERROR) or not outcome.evidence:
            return outcome
        cls = problem.contract.cls
        diagnosis = self.diagnoser.diagnose(outcome, cls, self.styles.get(cls, forward.SEQUENCE))
        return dataclasses.replace(outcome, diagnosis=diagnosis)

    def _sweep(self, problem: Problem, specs: list, outcomes: dict[str, Outcome], crashes: list[str]) -> None:
        """Run ``specs`` into ``outcomes``: their properties in one sweep, again in a fresh worker after a crash."""
        properties: dict[str, Property] = {}
        for spec in specs:
            if spec.torch and not self.use_torch:
                outcomes[spec.name] = Outcome(
                    SKIPPED, "torch parity runs in `grader.py grade`; the quick check compares with the reference only"
                )
                continue
            try:
                made = spec.run(Context(self.session, problem.contract, self.style(problem.contract), self.runs, self.torch))
            except WorkerLost as lost:
                outcomes[spec.name] = self._lost(problem, spec.name, lost)
                if lost.timeout:
                    return
                continue
            if isinstance(made, Property):
                properties[spec.name] = made
            else:
                outcomes[spec.name] = made
        while properties and not any(o.status == TIMEOUT for o in outcomes.values()) and len(crashes) < MAX_CRASHES:
            try:
                # A case shrunk for a failure in the first round is tried first for the torch round's checks too.
                outcomes.update(run_properties(properties, self.runs, self.shrunk.setdefault(problem.id, [])))
                properties = {}
            except Lost as lost:
                # The check that was running takes the loss; the rest run again in a fresh worker.
                outcomes[lost.name] = self._lost(problem, lost.name, lost.lost)
                del properties[lost.name]
                if not lost.lost.timeout:
                    crashes.append(lost.name)

    def _lost(self, problem: Problem, name: str, lost: WorkerLost) -> Outcome:
        where = f"during {problem.id}: {name}"
        if lost.timeout:
            return Outcome(TIMEOUT, f"{lost.reason} {where}", hint="Look for a loop that never ends, or work far beyond these tiny inputs.")
        return Outcome(ERROR, f"{lost.reason} {where}", hint="The submission crashed the Python process; run this check's input by hand.")


def score(
    assignment: Assignment,
    submission: Submission,
    *,
    runs: Runs = Runs(),
    limits: Limits = Limits(),
    use_torch: bool = True,
    progress: Callable | None = None,
    diagnose: bool = True,
) -> Report:
    """Grade ``submission`` against ``assignment``; always returns a Report.

    ``diagnose`` names the known mistake behind each failed check (``grading.diagnose``).
    """
    started = time.monotonic()
    grading = _Grading(assignment, submission, runs, limits, use_torch, progress, diagnose)
    try:
        why_not = grading.load()
        if why_not:
            problems = [_all(p, why_not) for p in assignment.problems]
        else:
            problems = grading.problems()
    finally:
        stdout, stderr = grading.session.close()
    status, reason = _status(assignment, grading, why_not, problems)
    refused = grading.session.refused
    warnings = list(grading.warnings)
    if refused:
        warnings.insert(
            0, f"refused import{'s' if len(refused) > 1 else ''} of {', '.join(refused)}: this assignment is written with NumPy only"
        )
    return Report(
        assignment=assignment.name,
        submission=str(submission.path),
        problems=tuple(problems),
        seed=runs.seed,
        max_examples=runs.max_examples,
        versions=versions(),
        warnings=tuple(warnings),
        notes=tuple(grading.notes),
        output={"stdout": stdout, "stderr": stderr},
        seconds=time.monotonic() - started,
        status=status,
        reason=reason,
    )


def _status(assignment: Assignment, grading: _Grading, why_not: Outcome | None, problems: list[ProblemResult]) -> tuple[str, str]:
    """graded; error when nothing could be graded (unreadable, no required class, or every check crashed); timeout when a check ran out of time."""
    if why_not is not None:
        return (TIMEOUT if why_not.status == TIMEOUT else ERROR), why_not.message
    required = [c.cls for p in assignment.problems if not p.bonus for c in [p.contract]]
    if all(cls in grading.missing for cls in required):
        return ERROR, grading.missing[required[0]]
    timed_out = [c for p in problems for c in p.checks if c.status == TIMEOUT]
    if timed_out:
        return TIMEOUT, timed_out[0].message
    ran = [c for p in problems if not p.bonus for c in p.checks if c.status != SKIPPED]
    if ran and all(c.status == ERROR for c in ran):
        return ERROR, ran[0].message
    return "graded", ""
