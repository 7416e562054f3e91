"""A pytest plugin: `pytest --assignment dic-sprint22 --submission PATH` runs the grader's checks as tests.

One test per check, named ``<problem>::<check>``; a failed check fails its test
with the same message, smallest failing input and hint as the reports. The
submission is graded once, by the first test that runs, with the `grade`
settings (``--grader-max-examples`` and ``--grader-seed`` change them). Without
``--submission`` the plugin does nothing, so it is safe to leave installed.
"""

from __future__ import annotations

import pytest

GRADING = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnn-grader", "grade a scratch RNN submission as tests")
    group.addoption("--assignment", default="dic-sprint22", help="the assignment to grade against (default dic-sprint22)")
    group.addoption("--submission", default=None, help="the submission to grade: a .py file, a notebook or a folder")
    group.addoption("--grader-max-examples", type=int, default=100, help="cases per property (default 100)")
    group.addoption("--grader-seed", type=int, default=0, help="seed of the generated cases (default 0)")


class CheckFailed(Exception):
    """A check that did not pass; its text is the report's."""


class GraderCheck(pytest.Item):
    def __init__(self, *, problem: str, check: str, **kwargs):
        super().__init__(**kwargs)
        self.problem, self.check = problem, check

    def _report(self):
        if GRADING not in self.config.stash:
            import grader  # noqa: PLC0415 - loaded only when a submission is graded

            options = self.config.option
            self.config.stash[GRADING] = grader.grade(
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
        text = [f"{result.status}: {result.message}"]
        if result.diagnosis:
            from grading.reports.wording import diagnosis_text  # noqa: PLC0415

            text.append(f"diagnosis: {diagnosis_text(result.diagnosis, result.hint)}")
        if result.counterexample:
            text += ["smallest failing input:", result.counterexample]
        if result.hint:
            text.append(f"hint: {result.hint}")
        raise CheckFailed("\n".join(text))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.problem}::{self.check}"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    if not config.option.submission:
        return
    import assignments  # noqa: PLC0415

    try:
        spec = assignments.get(config.option.assignment)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    for problem in spec.problems:
        for check in problem.checks:
            name = f"{problem.id}::{check.name}"
            items.append(GraderCheck.from_parent(session, name=name, nodeid=f"{spec.name}::{name}", problem=problem.id, check=check.name))
