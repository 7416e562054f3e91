"""Run properties with Hypothesis and turn what happened into Outcomes.

A property is a body, ``body(case)``, that raises ``CheckFailed`` on a wrong
answer and may return warnings, with the strategy its cases come from.
Hypothesis draws cases with a fixed seed, so the same seed gives the same
cases everywhere, and shrinks a failure to the smallest case that still fails.
Then the body runs on each explicit case too, whatever ``max_examples`` says:
bugs hide at small shapes, so the explicit cases are the shapes where they cannot.

``WorkerLost`` passes straight through Hypothesis (it is a BaseException). If a
failure was already seen when the worker is lost, the smallest one seen so far
is reported as the failure; otherwise the loss goes up to the scorer.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from checks.results import ERROR, FAILED, PASSED, Compared, Outcome
from checks.session import WorkerLost


@dataclass(frozen=True)
class Runs:
    """How many cases a property draws, from which seed, and what share of them look like real data.

    ``realistic``: the share of drawn cases with off-grid values and shapes up to batch 16 and 32 steps, which a
    submission cannot tell apart from real data (the rest are the readable grid cases). ``secret``: the digest of a
    secret seed's text, which the reports show in place of the seed ("" for a public seed).
    """

    seed: int = 0
    max_examples: int = 100
    realistic: float = 0.0
    secret: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.max_examples, int) or self.max_examples < 1:
            raise ValueError(f"max_examples={self.max_examples!r} should be an integer of at least 1")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r} should be an integer of at least 0")
        if not 0.0 <= self.realistic <= 1.0:
            raise ValueError(f"realistic={self.realistic!r} should be a share between 0 and 1")


class CheckFailed(Exception):
    """A wrong answer on ``case``: what was expected, what came back, and what to try."""

    def __init__(self, message: str, *, case: Any = None, hint: str | None = None, status: str = FAILED, compared: Compared | None = None):
        super().__init__(message)
        self.message, self.case, self.hint, self.status = message, case, hint, status
        self.compared = compared  # the arrays compared, for a report to draw


Body = Callable[[Any], Iterable[str] | None]


@dataclass(frozen=True)
class Property:
    """A property waiting to run: where its cases come from, what it asserts, and how to print a case.

    ``size`` orders failures, so that when the worker is lost while
    shrinking, the smallest failure seen so far is the one reported.
    A failure carries the transcripts of its case and of the explicit cases
    as evidence, which the diagnosis replays through known mistakes.
    """

    strategy: st.SearchStrategy
    body: Body
    explicit: Sequence[Any] = ()
    describe: Callable[[Any], str] = repr
    size: Callable[[Any], int] = lambda case: 0
    transcript: Callable[[Any], tuple] | None = None
    """Runs the body on a case and returns what it sent the submission and what came back, whether or not it passes."""
    untested: Callable[[], CheckFailed | None] | None = None
    """Asked once every case has passed: a failure when the body, on all of them, could compare nothing (else None),
    so that a check that tested nothing is not a pass."""
    plan: Callable[[Any], tuple[Any, list]] | None = None
    """The session and the script the body runs first on a case, when known beforehand: a sweep then sends every
    property's script for a case to the worker together (``Recorder.prefetch``), each answering its own call."""
    cases: Hashable = None
    """What ``strategy`` draws, named by value (``("cells", "rnn", 0.0)``): the cases a seed draws from it are then drawn
    once per process and swept again by every later sweep (``run_properties``); None: drawn for each sweep. Drawing
    is most of a correct submission's cost: without this, a batch grades 45% fewer submissions a second."""


def _call(prop: Property, case: Any):
    """``prop.body(case)``; a WorkerLost leaving it learns the case that was running (the first one to see it keeps it)."""
    try:
        return prop.body(case)
    except WorkerLost as lost:
        if lost.case is None:
            lost.case = case
        raise


def _settings(runs: Runs, phases: tuple) -> settings:
    return settings(
        max_examples=runs.max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        phases=phases,
        print_blob=False,
    )


def _outcome(failure: CheckFailed, prop: Property, warnings: set[str], extra: str = "", *, gather: bool = True) -> Outcome:
    return Outcome(
        failure.status,
        failure.message + extra,
        None if failure.case is None else prop.describe(failure.case),
        failure.hint,
        tuple(sorted(warnings)),
        compared=failure.compared,
        evidence=_evidence(prop, failure.case) if gather else (),
    )


def _evidence(prop: Property, case: Any) -> tuple:
    """The transcripts of the failing case, then of the explicit cases: what the diagnosis compares.

    The explicit cases add inputs where the failing one, shrunk, may be too
    small to tell two mistakes apart. Gathering stops, keeping what it has,
    if the worker is lost.
    """
    if prop.transcript is None:
        return ()
    said: list = []
    for each in ([] if case is None else [case]) + list(prop.explicit):
        try:
            said += prop.transcript(each)
        except WorkerLost:
            break
        except Exception:  # noqa: BLE001, S112 - evidence is extra: a case the check cannot run adds none
            continue
    return tuple(said)


SHRINK_CALLS = 100
"""Cases tried after the first failure before the smallest failure so far is reported: a count, not a time, so that
the counterexample is the same on every machine; a hundred is enough to bring a recurrent-layer bug down to one or two steps and units."""
LATER_SHRINK_CALLS = 20
"""The same for a check whose sweep already shrank a case for another check that this one does not fail on: the
first check's smallest case is the one a student reads first, and a course of functions fails a dozen gradient checks
of one mistake, each of whose searches would otherwise cost as much as the first."""


class _ShrunkEnough(BaseException):
    """Stops Hypothesis once the shrinking budget is spent (a BaseException, so that Hypothesis lets it through)."""


def run_property(prop: Property, runs: Runs) -> Outcome:
    """Run ``prop`` on drawn cases, shrink any failure to its smallest case, then run the explicit cases."""
    return _run_property(prop, runs)[0]


class _Trial:
    """The test Hypothesis runs for one search: the body on a case, keeping the smallest failure and the warnings."""

    def __init__(self, prop: Property, budget: int | None = None):
        self.prop = prop
        self.budget = SHRINK_CALLS if budget is None else budget
        self.warnings: set[str] = set()
        self.smallest: list[CheckFailed] = []
        self.calls_after_failure = 0

    def __call__(self, case: Any) -> None:
        if self.smallest:
            self.calls_after_failure += 1
            if self.calls_after_failure > self.budget:
                raise _ShrunkEnough
        try:
            found = _call(self.prop, case)
        except CheckFailed as failure:
            if not self.smallest or self.prop.size(case) < self.prop.size(self.smallest[0].case):
                self.smallest[:] = [failure]
            raise
        self.warnings.update(found or ())


def _run_property(prop: Property, runs: Runs, budget: int | None = None) -> tuple[Outcome, Any]:
    """``run_property``, and the failing case it reports (None when it passed); ``budget``: ``SHRINK_CALLS`` if None."""
    trial = _Trial(prop, budget)

    def test(case: Any) -> None:
        trial(case)

    search = _settings(runs, (Phase.generate, Phase.shrink))(seed(runs.seed)(given(prop.strategy)(test)))
    try:
        search()
    except CheckFailed as failure:
        return _outcome(failure, prop, trial.warnings), failure.case
    except _ShrunkEnough:
        smallest = trial.smallest[0]
        return _outcome(smallest, prop, trial.warnings), smallest.case
    except WorkerLost as lost:
        if trial.smallest:
            stopped = f" (the search for a smaller case stopped: {lost.reason})"
            return _outcome(trial.smallest[0], prop, trial.warnings, stopped, gather=False), trial.smallest[0].case
        raise
    except Flaky as flaky:
        inner = next((e for e in getattr(flaky, "exceptions", ()) if isinstance(e, CheckFailed)), None)
        failure = inner or (trial.smallest[0] if trial.smallest else None)
        text = "the same input gave different answers on different runs; is state kept between calls or objects?"
        if failure is None:
            return Outcome(FAILED, text, warnings=tuple(sorted(trial.warnings))), None
        flaky_failure = CheckFailed(
            f"{failure.message} ({text})", case=failure.case, hint=failure.hint, status=failure.status, compared=failure.compared
        )
        return _outcome(flaky_failure, prop, trial.warnings), failure.case
    except Exception as error:  # noqa: BLE001 - a fault in the check itself must not end the grading
        return Outcome(ERROR, f"the grader could not run this check ({type(error).__name__}: {error}); please report it"), None
    return _explicit(prop, trial.warnings) or _passed(prop, trial.warnings), None


def _explicit(prop: Property, warnings: set[str]) -> Outcome | None:
    for case in prop.explicit:
        try:
            warnings.update(_call(prop, case) or ())
        except CheckFailed as failure:
            return _outcome(failure, prop, warnings)
    return None


def _passed(prop: Property, warnings: set[str]) -> Outcome:
    """A property every case passed: passed, unless it could compare nothing on any of them."""
    nothing = prop.untested() if prop.untested is not None else None
    if nothing is not None:
        return Outcome(nothing.status, nothing.message, hint=nothing.hint, warnings=tuple(sorted(warnings)))
    return Outcome(PASSED, warnings=tuple(sorted(warnings)))


def _first_failing(prop: Property, cases: list[Any], warnings: set[str]) -> Outcome | None:
    """The outcome of the first of ``cases`` on which ``prop`` fails, or None."""
    for case in cases:
        try:
            _call(prop, case)
        except CheckFailed as failure:
            return _outcome(failure, prop, warnings)
    return None


class Lost(BaseException):
    """WorkerLost, with the name of the property that was running and the case it was on, printed (None if unknown)."""

    def __init__(self, lost: WorkerLost, name: str, case: str | None = None):
        super().__init__(lost.reason)
        self.lost, self.name, self.case = lost, name, case


def _lost(lost: WorkerLost, name: str, prop: Property) -> Lost:
    return Lost(lost, name, None if lost.case is None else prop.describe(lost.case))


DRAWN_SWEEPS = 16
"""Sweeps' cases kept, by what they draw, seed and count (``Property.cases``): one per assignment's case strategy
and settings in use, a few hundred small cases each. With the expected values (``checks.memo``), the one thing a
grading process keeps between submissions."""
_drawn: OrderedDict[tuple, list] = OrderedDict()


def run_properties(props: dict[str, Property], runs: Runs, shrunk: list | None = None) -> dict[str, Outcome]:
    """Run properties that share one strategy: one sweep over the drawn cases, then shrink only what failed.

    The sweep runs every still-passing body on each case, so a correct
    submission costs one pass over the cases for all of them, and the scripts
    the bodies will run on a case go to the worker in one request
    (``Property.plan``). The same seed draws the same cases for every problem
    and submission; properties that name what they draw (``Property.cases``)
    have them drawn once per process. Each property that failed in the sweep
    then runs alone under Hypothesis, with shrinking, for its smallest case. ``shrunk`` carries the cases already shrunk for
    earlier failures of the same strategy (a problem's first round, for its
    torch round) and gets this sweep's. Raises ``Lost`` naming the property
    that was running when the worker was lost.
    """
    strategies_used = {id(p.strategy) for p in props.values()}
    if len(strategies_used) > 1:
        raise ValueError(f"run_properties needs one shared strategy; got {len(strategies_used)} for {sorted(props)}")
    warnings: dict[str, set[str]] = {name: set() for name in props}
    failed: dict[str, CheckFailed] = {}
    broken: dict[str, Outcome] = {}
    running = ""

    def ahead(case: Any) -> list:
        """Send the scripts the still-passing properties' bodies will run on ``case`` together; the sessions sent to."""
        nonlocal running
        planned = [(name, *prop.plan(case)) for name, prop in props.items() if name not in failed and prop.plan is not None]
        sessions = {id(getattr(s, "session", s)): s for _, s, _ in planned}
        if len(sessions) != 1 or len(planned) < 2:
            return []
        session = next(iter(sessions.values()))
        try:
            session.prefetch([script for _, _, script in planned])
        except WorkerLost as lost:
            running = planned[min(lost.script, len(planned) - 1)][0]
            lost.case = case
            raise
        return [session]

    def sweep(case: Any) -> None:
        nonlocal running
        sent = ahead(case)
        for name, prop in props.items():
            if name in failed:
                continue
            running = name
            try:
                warnings[name].update(_call(prop, case) or ())
            except CheckFailed as failure:
                failed[name] = failure
            except Exception as error:  # noqa: BLE001 - a fault in the check itself must not end the grading
                broken[name] = Outcome(ERROR, f"the grader could not run this check ({type(error).__name__}: {error}); please report it")
                failed[name] = CheckFailed(str(error))
        for session in sent:
            session.prefetch([])  # what no body asked for answers nothing later

    first = next(iter(props.values()))
    key = (first.cases, runs.seed, runs.max_examples)
    try:
        if first.cases is not None and key in _drawn:
            for case in _drawn[key]:
                sweep(case)  # the very cases Hypothesis drew for this seed, without drawing them again
        else:
            drawn: list = []

            def record(case: Any) -> None:
                drawn.append(case)
                sweep(case)

            _settings(runs, (Phase.generate,))(seed(runs.seed)(given(first.strategy)(record)))()
            if first.cases is not None:  # only a complete draw is kept
                _drawn[key] = drawn
                while len(_drawn) > DRAWN_SWEEPS:
                    _drawn.popitem(last=False)
    except WorkerLost as lost:
        raise _lost(lost, running, props[running]) from None
    outcomes = {}
    shrunk = [] if shrunk is None else shrunk  # the smallest cases found so far for this strategy's failures
    for name, prop in props.items():
        try:
            if name in broken:
                outcomes[name] = broken[name]
            elif name in failed:
                # Failures in one sweep usually share a cause: a case already shrunk for an earlier check that
                # also fails this one is reported for it too, sparing a second search. Otherwise it shrinks alone.
                reused = _first_failing(prop, shrunk, warnings[name])
                if reused is not None:
                    outcomes[name] = reused
                    continue
                solo, case = _run_property(prop, runs, LATER_SHRINK_CALLS if shrunk else None)
                if case is not None:
                    shrunk.append(case)
                # A failure the solo run cannot reproduce is reported as the sweep saw it, unshrunk.
                outcomes[name] = solo if solo.status != PASSED else _outcome(failed[name], prop, warnings[name])
            else:
                outcomes[name] = _explicit(prop, warnings[name]) or _passed(prop, warnings[name])
        except WorkerLost as lost:
            raise _lost(lost, name, prop) from None
    return outcomes
