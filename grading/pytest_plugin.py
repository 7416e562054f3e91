"""A pytest plugin: `pytest --assignment dic-sprint22 --submission PATH` runs the grader's checks as tests.

One test per check, named ``<assignment>::<problem>::<check>``; a failed check
fails its test with the same message, diagnosis, smallest failing input and hint
as the reports, each said once (see ``failure_text``). The
submission is graded once, by the first test that runs, with the `grade`
settings (``--grader-max-examples`` and ``--grader-seed`` change them). Without
``--submission`` the plugin does nothing, so it is safe to leave installed.
"""

from __future__ import annotations

import pytest

from grading.api import Settings, choose_assignment, grade  # cheap: the API loads the checks only to grade

GRADING = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnn-grader", "grade a scratch RNN submission as tests")
    group.addoption(
        "--assignment", default=None, help="the assignment to grade against (default: the one whose classes the submission defines)"
    )
    group.addoption("--submission", default=None, help="the submission to grade: a .py file, a notebook or a folder")
    defaults = Settings()
    group.addoption(
        "--grader-max-examples",
        type=int,
        default=defaults.max_examples,
        help=f"cases per property (default {defaults.max_examples})",
    )
    group.addoption("--grader-seed", type=int, default=defaults.seed, help=f"seed of the generated cases (default {defaults.seed})")


class CheckFailed(Exception):
    """A check that did not pass; its text is the report's."""


class GraderCheck(pytest.Item):
    def __init__(self, *, problem: str, check: str, **kwargs):
        super().__init__(**kwargs)
        self.problem, self.check = problem, check

    def _report(self):
        if GRADING not in self.config.stash:
            options = self.config.option
            self.config.stash[GRADING] = grade(
                options.submission, options.assignment, seed=options.grader_seed, max_examples=options.grader_max_examples
            )
        return self.config.stash[GRADING]

    def runtest(self) -> None:
        report = self._report()
        result = next(c for p in report.problems if p.id == self.problem for c in p.checks if c.name == self.check)
        if result.status == "passed":
            return
        if result.status == "skipped":
            pytest.skip(result.message)
        raise CheckFailed(failure_text(report, self.problem, self.check))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.problem}::{self.check}"


def failure_text(report, problem: str, check: str) -> str:
    """What the test of a failed ``check`` says: the report's words, each said once.

    A problem that could not run gives its reason and hint in its first check's test; its other tests point there.
    Checks that one mistake explains: the first one's test gives the diagnosis and hint, the others' point there.
    """
    from grading.reports.for_people import NotRun, what_to_fix  # noqa: PLC0415 - loaded only when a submission is graded

    for entry in what_to_fix(report):
        if isinstance(entry, NotRun):
            found = next((p for p in entry.problems if p.id == problem), None)
            if found is None:
                continue
            first = next(c for c in found.checks if c.status == entry.status)
            if first.name != check:
                return f"{entry.status}: {problem} could not run; see {problem}::{first.name} for why"
            return "\n".join([f"{entry.status}: {problem} could not run: {entry.reason}", *([f"hint: {entry.hint}"] if entry.hint else [])])
        if entry.problem.id != problem or check not in [c.name for c in entry.checks]:
            continue
        result = next(c for c in entry.checks if c.name == check)
        text = [f"{result.status}: {result.message}"]
        if entry.diagnosis and result is entry.checks[0]:
            also = ", ".join(c.name for c in entry.checks[1:])
            text.append(f"diagnosis{f' (it explains {also} too)' if also else ''}: {entry.diagnosis}")
        elif entry.diagnosis:
            first = entry.checks[0].name
            names = " + ".join(entry.mistakes)
            text.append(f"diagnosis: the known mistake {names} explains this too; see {problem}::{first} for the diagnosis and hint")
        if result.counterexample:
            text += ["smallest failing input:", result.counterexample]
        if entry.hint and result is entry.checks[0]:
            text.append(f"hint: {entry.hint}")
        return "\n".join(text)
    raise AssertionError(f"{problem}::{check} did not pass, yet it is in no failure of the report")


class GraderSuite(pytest.Collector):
    """The assignment's checks, collected like a test file's tests, so that pytest counts them as it collects."""

    def __init__(self, *, spec, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec

    def collect(self) -> list[GraderCheck]:
        return [
            GraderCheck.from_parent(self, name=f"{problem.id}::{check.name}", problem=problem.id, check=check.name)
            for problem in self.spec.problems
            for check in problem.checks
        ]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    if not config.option.submission:
        return
    import assignments  # noqa: PLC0415

    try:
        if config.option.assignment is None:  # chosen as `grade` chooses it; the report's first note says so
            config.option.assignment = choose_assignment(config.option.submission)[0]
        spec = assignments.get(config.option.assignment)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    suite = GraderSuite.from_parent(session, name=spec.name, nodeid=spec.name, spec=spec)
    checks = suite.collect()
    # Reported as any collector is, so that "collected N items" counts the checks.
    session.ihook.pytest_collectreport(report=pytest.CollectReport(suite.nodeid, "passed", None, checks))
    items.extend(checks)
