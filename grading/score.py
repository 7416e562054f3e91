"""Score a loaded submission: run every problem's checks in the worker, within one time limit for the whole submission.

Failures of every kind become check results, never exceptions: a submission
that cannot be read, a class or method that is missing, a worker that dies or
hangs. A problem that cannot run at all (nothing loaded, no class, no method,
weights the grader cannot give) says so once, in ``ProblemResult.error``.
Before a class's first check (at loading, when the submission does not define
it as published), ``grading.interface`` decides how to call it: the contract,
or the student's own interface found by discovery in the worker. The time limit counts from the start
of loading to the last check, so no submission costs more than it; when it
runs out, the check that was running says which call never returned and on
which input, and every check not yet run says it was not run. The torch parity
checks of every problem run last, so that torch can import meanwhile in a
process of its own (``grading.torch_oracle``); waiting for it is not counted.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import platform
import re
import time
from collections.abc import Callable

from assignments.spec import Assignment, Problem
from checks import probe
from checks.determinism import draw_alike
from checks.function_checks import FunctionContext
from checks.function_contract import FunctionContract
from checks.layer import Context, LayerContract
from checks.property import Lost, Property, Runs, run_properties
from checks.results import ERROR, FAILED, PASSED, SKIPPED, TIMEOUT, CheckResult, Outcome
from checks.session import Recorder, WorkerLost
from grading.limits import Limits
from grading.load import Submission
from grading.report import ProblemResult, Report
from grading.reports import pictures
from grading import interface, painter, pick, torch_oracle
from grading.diagnose import Diagnoser
from grading.worker import WorkerKilled, WorkerSession, signal_name

MAX_CRASHES = 2
"""Worker deaths in one problem after which its remaining checks are not run: a submission that crashes keeps crashing."""
LOOP_HINT = "Look for a loop that never ends, or work far beyond these tiny inputs."
RUN_IT_HINT = "Run your file with plain Python first; it must run to the end without errors."


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("rnn-grader", "numpy", "hypothesis", "torch", "nbformat"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def _unrunnable(problem: Problem, outcome: Outcome) -> ProblemResult:
    """A problem that could not run at all: every check carries the one reason, which writers for people say once."""
    checks = [CheckResult.scored(c.name, Outcome(outcome.status, outcome.message, hint=outcome.hint), c.points) for c in problem.checks]
    return dataclasses.replace(_result(problem, checks), error=outcome.message, hint=outcome.hint or "")


def _result(problem: Problem, checks: list[CheckResult]) -> ProblemResult:
    return ProblemResult(problem.id, problem.title, problem.max_score, tuple(checks), problem.required, problem.bonus)


def unreadable_hint(submission: Submission) -> str:
    """What to do about a submission that could not be read, by what it is."""
    if submission.file is None:
        return "Hand in the .py file or the notebook that defines the assignment's classes."
    if submission.file.suffix == ".ipynb":
        return "Open the notebook in Jupyter and save it again (File > Save Notebook): this file is not a notebook Jupyter wrote."
    return "Hand in your source code itself: a .py file saved as UTF-8 text, or a notebook."


def method_hint(contract: LayerContract, method: str) -> str:
    if method == "forward":
        states = "".join(f", {name}=None" for name in contract.states)
        return f"Add forward(self, X{states}) to class {contract.cls}: it returns every h_t, or only the last h."
    if method == "backward":
        return f"Add backward(self, dH) to class {contract.cls}: it returns dX and stores {', '.join(contract.grads)}."
    return f"Add the method {method} to class {contract.cls}, as the assignment describes it."


class _Grading:
    """One grading's state: the session, what loading found, the return style of each class, and the time left."""

    def __init__(
        self,
        assignment: Assignment,
        submission: Submission,
        runs: Runs,
        limits: Limits,
        use_torch: bool,
        progress,
        diagnose: bool,
        started: float,
        mode: str = interface.ADAPT,
        pictures: bool = False,
    ):
        self.assignment, self.submission, self.runs, self.limits = assignment, submission, runs, limits
        self.mode = mode
        self.pictures = pictures  # whether report.html will be written: its pictures are then drawn as failures come
        self.interfaces: dict[str, interface.Interface] = {}  # class -> how the checks call it (``grading.interface``)
        self.killed_probing: set[str] = set()  # classes whose probing was killed from outside once already
        self.use_torch, self.progress = use_torch, progress
        self.deadline = started + limits.timeout  # moved on only by the time spent waiting for torch
        self.diagnoser = Diagnoser({library.cls: library for library in assignment.mistakes}) if diagnose else None
        self.session = self.session_for(submission)
        self.warnings: list[str] = list(submission.warnings)
        self.notes: list[str] = list(submission.notes)
        self.styles: dict[str, probe.Probe] = {}  # class -> what probing its forward told
        self.unrunnable: dict[str, Outcome] = {}  # problem id -> why it cannot run at all
        self.out_of_time: dict[str, str] = {}  # problem id -> what was running when its time ran out
        self.shrunk: dict[str, list] = {}  # problem id (a course's forward) -> the cases shrunk for its failures so far
        self.globals_read: dict[str, tuple[str, ...]] = {}  # function -> the notebook's data it reads as globals
        # torch imports in a process of its own meanwhile, when this process has not imported it already.
        self.torch = torch_oracle.oracle() if use_torch and any(c.torch for p in assignment.problems for c in p.checks) else None

    def session_for(self, submission: Submission) -> WorkerSession:
        supplies = self.assignment.supplies()
        return WorkerSession(
            {**submission.load_message(), **({"supply": supplies} if supplies else {})},
            blocked=self.assignment.forbidden_imports,
            memory_bytes=self.limits.memory_bytes,
            copy_from=submission.folder,
            hide=self.limits.hide,
        )

    def load(self) -> Outcome | None:
        """Load the submission into the worker; why nothing can be graded, or None."""
        if self.submission.error:
            return Outcome(ERROR, f"the submission could not be read: {self.submission.error}", hint=unreadable_hint(self.submission))
        contract = self.assignment.contracts[0]
        chosen = self.submission
        if not isinstance(contract, FunctionContract):  # a course of functions: the file ranked first (``load``) is graded
            chosen = pick.pick_runnable(self.submission, contract, self._class_names(), self.session_for, self.deadline)
        if chosen is not self.submission:
            self.session.close()
            self.submission, self.session = chosen, self.session_for(chosen)
            self.warnings, self.notes = list(chosen.warnings), list(chosen.notes)
        self.session.deadline = self.deadline
        try:
            loaded = self.session.load()
        except WorkerLost as lost:
            if lost.timeout:
                message = f"timed out while loading the submission: its top-level code ran past the submission's {self.limits.timeout:g} s"
                hint = "Loading must not train a model or wait for input: keep long runs under `if __name__ == '__main__':`."
                return Outcome(TIMEOUT, message, hint=hint)
            return Outcome(ERROR, f"{lost.reason}; nothing could be graded", hint=RUN_IT_HINT)
        self.warnings += [w.get("text", str(w)) for w in loaded.warnings]
        self.globals_read = {name: reads for name, reads in loaded.functions.items() if reads}
        self.notes += _supplied_notes(self.assignment, self.submission)
        if loaded.isolation:
            self.notes.append(f"the submission ran in a worker with {loaded.isolation}")
        if self.mode == interface.STRICT:
            self.notes.append("interface: strict, the published contract only (class names, constructor, weight names)")
        else:
            try:
                loaded = self._bind_missing(loaded)
            except WorkerLost as lost:
                if lost.timeout:
                    message = (
                        f"timed out while finding how to call the submission: a probe ran past the submission's {self.limits.timeout:g} s"
                    )
                    return Outcome(TIMEOUT, message, hint=LOOP_HINT)
                self.notes.append(f"finding how to call the submission stopped: {lost.reason}; the contract's names were used")
                loaded = self.session.load()
        for problem in self.assignment.problems:
            why = self._why_not(problem.contract, problem, loaded)
            if why is not None:
                self.unrunnable[problem.id] = why
        return None

    @property
    def binding(self) -> str:
        """The report's line saying how the submission was called, when not by the contract ("" when it was)."""
        return "; ".join(found.line for found in self.interfaces.values() if found.line)

    def _bind_missing(self, loaded):
        """Find how to call each class the assignment grades that the submission does not define as published (or
        without a method its problems call): that cannot wait for its problem's turn. What the worker can now call."""
        for contract in self.assignment.contracts:
            if isinstance(contract, FunctionContract):
                continue  # a course's functions are called by their names, as the course publishes them
            needed = {m for p in self.assignment.problems if p.contract.cls == contract.cls for m in p.methods}
            has = loaded.methods.get(contract.cls)
            if contract.cls not in loaded.classes or (has is not None and not needed <= set(has)):
                loaded = self._bind(contract, loaded.classes)
        return loaded

    def _bind(self, contract: LayerContract, classes: list[str]):
        """Decide what the checks call for ``contract`` (``grading.interface``), once; what the worker can now call."""
        names = self._class_names()
        methods = self.session.load().methods.get(contract.cls, ())
        found = interface.bind(self.session, contract, classes, tuple(n for n in names if n != contract.cls), methods)
        self.interfaces[contract.cls] = found
        self.notes += list(found.notes)
        if found.line:
            self.notes.append(f"interface: {contract.cls} adapted to the submission's own names and calls")
        elif found.nothing or contract.cls not in classes:
            self.notes.append(f"interface: nothing in the submission answers as {contract.cls}, under its own names or others")
        else:
            self.notes.append(f"interface: {contract.cls} graded as the published contract")
        return self.session.load()

    def _class_names(self) -> tuple[str, ...]:
        return tuple(c.cls for c in self.assignment.contracts)

    def _why_not(self, contract: LayerContract | FunctionContract, problem: Problem, loaded) -> Outcome | None:
        """Why ``problem`` cannot run at all in the loaded submission, or None."""
        if isinstance(contract, FunctionContract):
            return _why_no_function(contract, problem, loaded)
        why = self._why_not_bound(contract, problem)
        if why is not None:
            return why
        if contract.cls not in loaded.classes:
            found = ", ".join(loaded.classes) or "none"
            reason = f"no class {contract.cls}; found classes: {found}"
            broken = [w for w in loaded.warnings if w.get("type")]
            if broken:
                reason += f"; {broken[0].get('text', '')}"
            nothing = self.interfaces.get(contract.cls, interface.Interface()).nothing
            if nothing:
                reason += f"; {nothing}"
            if problem.bonus:
                return Outcome(SKIPPED, f"not attempted: {reason}")
            hint = (
                RUN_IT_HINT
                if broken
                else f"Define class {contract.cls} at the top level of your file or notebook, with the methods the assignment names."
            )
            return Outcome(ERROR, reason, hint=hint)
        methods = loaded.methods.get(contract.cls)
        missing = [m for m in problem.methods if methods is not None and m not in methods]
        if missing:
            return Outcome(ERROR, f"{contract.cls} has no method {' and no method '.join(missing)}", hint=method_hint(contract, missing[0]))
        return None

    def _why_not_bound(self, contract: LayerContract, problem: Problem) -> Outcome | None:
        """Why ``problem`` cannot run with the binding found for its class: the grader cannot give forward its weights."""
        found = self.interfaces.get(contract.cls)
        if found is not None and found.no_weights and problem.given_weights:
            hint = (
                "Read the weights from self (set in __init__ from its arguments or an initializer), never from globals or "
                "constants inside forward."
            )
            return Outcome(ERROR, found.no_weights, hint=hint)
        return None

    def style(self, contract: LayerContract) -> probe.Probe:
        """What probing ``contract``'s forward told, probed once: its return style, and whether it takes initial states.
        First, when it was not decided at loading, how to call it (``_bind``)."""
        if contract.cls not in self.interfaces and self.mode != interface.STRICT:
            try:
                self._bind(contract, self.session.load().classes)
            except WorkerLost as lost:
                if lost.timeout or (isinstance(lost, WorkerKilled) and contract.cls not in self.killed_probing):
                    self.killed_probing.add(contract.cls)
                    raise  # a kill the grader did not send: the check that was starting runs again (``_run_again``)
                # The probes crashed the worker: the contract, as published, and its checks say what crashes.
                self.interfaces[contract.cls] = interface.Interface()
                self.notes.append(f"interface: {contract.cls} graded as the published contract ({lost.reason} while probing it)")
        if contract.cls not in self.styles:
            try:
                told = probe.probe_style(self.session, contract)
            except WorkerLost as lost:
                if lost.timeout:
                    raise
                told = probe.Probe(probe.SEQUENCE, f"could not tell {contract.cls}.forward's return style ({lost.reason})", False, False)
            self.styles[contract.cls] = told
            self.notes.append(told.note)
        return self.styles[contract.cls]

    def problems(self) -> list[ProblemResult]:
        """Every problem's results; the checks that need torch run after all the others, once torch is ready.

        Each round (a problem's checks, or its torch checks) may use an equal
        share, among the problems still to run, of the time left when it
        starts: a hang in one problem leaves time for the others, and the
        submission never runs past its limit. Waiting for torch to import is
        not counted.
        """
        outcomes: dict[str, dict[str, Outcome]] = {p.id: {} for p in self.assignment.problems}
        crashes: dict[str, list[str]] = {p.id: [] for p in self.assignment.problems}
        graded = [p for p in self.assignment.problems if p.id not in self.unrunnable]
        rounds = [(p, torch_round) for torch_round in (False, True) for p in graded if any(c.torch == torch_round for c in p.checks)]
        for number, (problem, torch_round) in enumerate(rounds):
            if problem.id in self.out_of_time or problem.id in self.unrunnable or len(crashes[problem.id]) >= MAX_CRASHES:
                continue
            if torch_round and self.use_torch and self.torch is not None:
                self._torch_ready()
            still = {p.id for p, _ in rounds[number:] if p.id not in self.out_of_time and len(crashes[p.id]) < MAX_CRASHES}
            now = time.monotonic()
            self.session.deadline = now + max(self.deadline - now, 0.0) / len(still)
            self._sweep(problem, [spec for spec in problem.checks if spec.torch == torch_round], outcomes[problem.id], crashes[problem.id])
            if self.pictures:
                _order_pictures(problem, outcomes[problem.id])
        for problem in graded:
            self._fill_not_run(problem, outcomes[problem.id], crashes[problem.id])
        self._diagnose_all(graded, outcomes)
        return [self._finish(problem, outcomes[problem.id]) for problem in self.assignment.problems]

    def _diagnose_all(self, graded: list[Problem], outcomes: dict[str, dict[str, Outcome]]) -> None:
        """Diagnose every failure; then a failure whose answers a mistake reproduces only by its crash is named after that
        mistake too, when the numbers of another check of the class already established it."""
        established: dict[str, set[tuple[str, ...]]] = {}
        for problem in graded:
            for name, outcome in outcomes[problem.id].items():
                outcomes[problem.id][name] = found = self._diagnosed(problem, outcome)
                if found.diagnosis is not None and found.diagnosis.match == "exact":
                    established.setdefault(problem.contract.cls, set()).add(found.diagnosis.mistakes)
        for problem in graded:
            known = frozenset(established.get(problem.contract.cls, ()))
            for name, outcome in outcomes[problem.id].items():
                if known and outcome.diagnosis is None:
                    outcomes[problem.id][name] = self._diagnosed(problem, outcome, known)

    def _torch_ready(self) -> None:
        waited = time.monotonic()
        try:
            self.torch.ready()
        except torch_oracle.OracleFailed:
            pass  # each torch check then fails with the reason, as a fault of the grader's
        self.deadline += time.monotonic() - waited

    def _fill_not_run(self, problem: Problem, outcomes: dict[str, Outcome], crashes: list[str]) -> None:
        """An outcome for each check that never ran, saying why: the worker kept dying, or the time ran out."""
        if problem.id in self.unrunnable:
            return  # it could not run at all: ``_finish`` says why once
        for spec in problem.checks:
            if spec.name not in outcomes and len(crashes) >= MAX_CRASHES:
                outcomes[spec.name] = Outcome(
                    ERROR, f"not run: the worker died {len(crashes)} times in {problem.id} ({', '.join(crashes)})"
                )
            elif spec.name not in outcomes:
                outcomes[spec.name] = Outcome(TIMEOUT, f"not run: {problem.id} ran out of time while {self.out_of_time[problem.id]}")

    def _finish(self, problem: Problem, outcomes: dict[str, Outcome]) -> ProblemResult:
        if problem.id in self.unrunnable:
            return _unrunnable(problem, self.unrunnable[problem.id])
        if isinstance(problem.contract, FunctionContract):
            outcomes = {name: self._globals_said(problem.contract, o) for name, o in outcomes.items()}
        results = [CheckResult.scored(spec.name, outcomes[spec.name], spec.points) for spec in problem.checks]
        if self.progress:
            for result in results:
                self.progress(problem, result)
        return _result(problem, results)

    def _globals_said(self, contract: FunctionContract, outcome: Outcome) -> Outcome:
        """A failure of a function that reads the notebook's data as globals says so: graded, it is called with other
        arguments than the notebook's, which those globals do not follow."""
        names = [n for n in (contract.name, *((contract.forward.name,) if contract.forward else ())) if n in self.globals_read]
        named = outcome.diagnosis is not None and outcome.diagnosis.match != "none"  # a known mistake explains it better
        if outcome.status not in (FAILED, ERROR) or not names or named:
            return outcome
        reads = ", ".join(self.globals_read[names[0]])
        said = (
            f"{names[0]} reads {reads} from the notebook's globals, not from its arguments: graded, it is called with other "
            "arguments, which those globals do not match. Read every weight from the function's arguments."
        )
        return dataclasses.replace(outcome, hint=said)

    def _diagnosed(self, problem: Problem, outcome: Outcome, established: frozenset = frozenset()) -> Outcome:
        """``outcome`` with the diagnosis of its failure, when it failed on evidence the known mistakes can replay.

        When the diagnosis names the mistake, its hint replaces the check's: a generic hint ("pair with h_(t-1)")
        can send a student to change code that is right, while the mistake's hint points at what is wrong.
        """
        if self.diagnoser is None or outcome.status not in (FAILED, ERROR) or not outcome.evidence:
            return outcome
        cls = problem.contract.cls
        style = self.styles[cls].style if cls in self.styles else probe.SEQUENCE
        library = problem.contract.library if isinstance(problem.contract, FunctionContract) else cls
        diagnosis = self.diagnoser.diagnose(outcome, library, style, established)
        explained = diagnosis is not None and diagnosis.match != "none" and diagnosis.mistakes and diagnosis.hint
        return dataclasses.replace(outcome, diagnosis=diagnosis, hint=diagnosis.hint if explained else outcome.hint)

    def _sweep(self, problem: Problem, specs: list, outcomes: dict[str, Outcome], crashes: list[str]) -> None:
        """Run ``specs`` into ``outcomes``: their properties in one sweep, again in a fresh worker after a crash.

        A check whose worker was killed by a signal the grader did not send runs once more before the death counts
        (``_run_again``).
        """
        properties: dict[str, Property] = {}
        queue, again = list(specs), set()
        for spec in queue:
            if spec.torch and not self.use_torch:
                outcomes[spec.name] = Outcome(
                    SKIPPED, "torch parity runs in `grader.py grade`; the quick check compares with the reference only"
                )
                continue
            try:
                if isinstance(problem.contract, FunctionContract):
                    made = spec.run(FunctionContext(Recorder(self.session), problem.contract, self.runs, self.torch))
                    _keep(made, spec.name, properties, outcomes)
                    continue
                told = self.style(problem.contract)
                why = self._why_not_bound(problem.contract, problem)
                if why is not None:
                    self.unrunnable[problem.id] = why
                    return
                context = Context(
                    Recorder(self.session),
                    problem.contract,
                    told.style,
                    self.runs,
                    self.torch,
                    style_known=told.told,
                    takes_states=told.takes_states,
                )
                made = spec.run(context)
            except WorkerLost as lost:
                if self._run_again(problem, spec.name, lost, again):
                    queue.append(spec)
                    continue
                outcomes[spec.name] = self._lost(problem, spec.name, lost, None)
                if lost.timeout:
                    return
                continue
            _keep(made, spec.name, properties, outcomes)
        while properties and problem.id not in self.out_of_time and len(crashes) < MAX_CRASHES:
            try:
                # A case shrunk for a failure in the first round is tried first for the torch round's checks too.
                outcomes.update(run_properties(properties, self.runs, self.shrunk.setdefault(_shrunk_key(problem), [])))
                properties = {}
            except Lost as lost:
                if self._run_again(problem, lost.name, lost.lost, again):
                    continue  # every property, that one included, in a fresh worker
                # The check that was running takes the loss; the rest run again in a fresh worker.
                outcomes[lost.name] = self._lost(problem, lost.name, lost.lost, lost.case)
                del properties[lost.name]
                if not lost.lost.timeout:
                    crashes.append(lost.name)

    def _run_again(self, problem: Problem, name: str, lost: WorkerLost, again: set[str]) -> bool:
        """Whether check ``name`` runs once more, because its worker was killed by a signal the grader did not send
        (``WorkerKilled``) for the first time in it; the report notes each one. Isolated, no classmate can send it, so
        this only guards against what isolation cannot (an operator, the OOM killer; classmates, where the grader runs
        unisolated): a submission that kills itself does it again, and the second death counts as usual."""
        if not isinstance(lost, WorkerKilled) or name in again:
            return False
        again.add(name)
        self.notes.append(
            f"the worker died during {problem.id}: {name} of {signal_name(lost.signal_number)}, which the grader did not"
            " send; the check ran again in a fresh worker"
        )
        return True

    def _lost(self, problem: Problem, name: str, lost: WorkerLost, case: str | None) -> Outcome:
        where = f"{problem.id}: {name}"
        if lost.timeout:
            self.out_of_time[problem.id] = f"{lost.running} was running in {name}" if lost.running else f"{name} was waiting to run"
            if not lost.running:
                return Outcome(TIMEOUT, f"not run: the submission's {self.limits.timeout:g} s were used up before {where}")
            if case is None and isinstance(lost.case, str):
                case = lost.case  # the probe of forward's return style describes its own input
            share = f"{problem.id}'s share of the submission's {self.limits.timeout:g} s"
            message = f"timed out: {lost.running} did not return within {share} ({where})"
            return Outcome(TIMEOUT, message, counterexample=case, hint=LOOP_HINT)
        return Outcome(
            ERROR,
            f"{lost.reason} during {where}",
            counterexample=case,
            hint="The submission crashed the Python process; run this input by hand.",
        )


def _order_pictures(problem: Problem, outcomes: dict[str, Outcome]) -> None:
    """Have the painter draw now, while the grading goes on, the pictures report.html will show of each wrong array."""
    for name, outcome in outcomes.items():
        if outcome.compared is not None and outcome.status != PASSED:
            for kind, figure in pictures.drawings(problem.id, name, outcome.compared):
                painter.order(kind, figure, outcome.compared)


def _shrunk_key(problem: Problem) -> str:
    """Whose shrunk cases a problem's failures try first: its own; a course's backward shares its forward's cases, and
    with them the cases shrunk for the forward's failures (one mistake usually fails both on the same small case)."""
    contract = problem.contract
    if isinstance(contract, FunctionContract):
        return f"{contract.library}:{(contract.forward or contract).name}"
    return problem.id


def _keep(made: Outcome | Property, name: str, properties: dict[str, Property], outcomes: dict[str, Outcome]) -> None:
    """A check's Property waits for the sweep; an Outcome is final."""
    if isinstance(made, Property):
        properties[name] = made
    else:
        outcomes[name] = made


def _supplied_notes(assignment: Assignment, submission: Submission) -> list[str]:
    """What the grader supplied that the submission uses: a course module's stand-in, Python 2's xrange."""
    code = "\n".join(source["code"] for source in submission.sources)
    notes = [
        f"{name} is the grader's own stand-in for the course's module of that name, with the same names and behaviour"
        for name in assignment.supplied_modules
        if re.search(rf"\b(import|from)\s+{name}\b", code)
    ]
    if "xrange" in assignment.supplied_builtins and re.search(r"\bxrange\s*\(", code):
        notes.append("xrange is Python 2's range: the grader supplied it as range, as this course's older files need")
    return notes


def _why_no_function(contract: FunctionContract, problem: Problem, loaded) -> Outcome | None:
    """Why a course function's problem cannot run at all: the function (or, for a backward, the forward whose cache it
    takes) is not defined, perhaps because its part of the file did not compile."""
    wanted = (*((contract.forward.name,) if contract.forward else ()), contract.name)
    missing = [name for name in wanted if name not in loaded.functions]
    if not missing:
        return None
    name = missing[0]
    broken = [w for w in loaded.warnings if w.get("type")]
    reason = f"no function {name}"
    if name != contract.name:
        reason += f", whose cache {contract.name} takes"
    syntax = [w["text"] for w in broken if w.get("type") in ("SyntaxError", "IndentationError", "TabError", "BrokenPart")]
    near = [w["text"] for w in broken if name in w.get("text", "")] or syntax[:1]
    if near:
        reason += f"; {near[0]}"
    if problem.bonus:
        return Outcome(SKIPPED, f"not attempted: {reason}")
    hint = RUN_IT_HINT if near else f"Define {name} at the top level of your file or notebook, as the assignment names it."
    return Outcome(ERROR, reason, hint=hint)


def score(
    assignment: Assignment,
    submission: Submission,
    *,
    runs: Runs = Runs(),
    limits: Limits = Limits(),
    use_torch: bool = True,
    progress: Callable | None = None,
    diagnose: bool = True,
    started: float | None = None,
    interface_mode: str = interface.ADAPT,
    pictures: bool = False,
) -> Report:
    """Grade ``submission`` against ``assignment``; always returns a Report.

    ``diagnose`` names the known mistake behind each failed check (``grading.diagnose``). ``started`` (time.monotonic)
    is when reading the submission began: its time limit and the report's seconds count from there. ``pictures``: a
    report.html will be written, so have the painter draw each wrong array as soon as its check fails (``grading.painter``).
    """
    started = time.monotonic() if started is None else started
    draw_alike()  # the same seed, the same cases, whatever this process has loaded
    grading = _Grading(assignment, submission, runs, limits, use_torch, progress, diagnose, started, interface_mode, pictures)
    try:
        why_not = grading.load()
        if why_not:
            problems = [_unrunnable(p, why_not) for p in assignment.problems]
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
        seed=None if runs.secret else runs.seed,
        seed_sha256=runs.secret,
        realistic=runs.realistic,
        max_examples=runs.max_examples,
        versions=versions(),
        warnings=tuple(warnings),
        notes=tuple(grading.notes),
        output={"stdout": stdout, "stderr": stderr},
        seconds=time.monotonic() - started,
        status=status,
        reason=reason,
        file=grading.submission.graded_file,
        choice=grading.submission.choice,
        binding=grading.binding,
        interface=interface_mode,
    )


def _status(assignment: Assignment, grading: _Grading, why_not: Outcome | None, problems: list[ProblemResult]) -> tuple[str, str]:
    """graded; error when nothing could be graded (unreadable, no required class or method, or every check crashed);
    timeout when the submission's time ran out."""
    if why_not is not None:
        return (TIMEOUT if why_not.status == TIMEOUT else ERROR), why_not.message
    required = [p.id for p in assignment.problems if not p.bonus]
    if all(p in grading.unrunnable for p in required):
        return ERROR, grading.unrunnable[required[0]].message
    timed_out = [c for p in problems for c in p.checks if c.status == TIMEOUT]
    if timed_out:
        return TIMEOUT, timed_out[0].message
    ran = [c for p in problems if not p.bonus for c in p.checks if c.status != SKIPPED]
    if ran and all(c.status == ERROR for c in ran):
        return ERROR, ran[0].message
    return "graded", ""
