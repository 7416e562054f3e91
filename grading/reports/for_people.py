"""What the writers for people (report.md, the terminal, the pytest plugin) show, with each thing said once.

``what_to_fix`` turns a report's failures into entries:

- ``NotRun``: problems that could not run at all (no class, no method, a file that cannot be read), one entry for
  every problem that could not run for the same reason: the reason and its hint, with no smallest failing input.
- ``Failure``: a failed check; or, within one problem, every failed check that one known mistake (or one pair)
  explains, with the diagnosis and its hint once and then each check's message and smallest failing input; or
  every check of a problem that did not run for one reason (the time ran out), with that reason once.

``warnings`` gathers the report's warnings and those attached to checks (the float32 one), each once.
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.results import PASSED, SKIPPED, CheckResult
from grading.report import ProblemResult, Report
from grading.reports.wording import diagnosis_text, explains, shared_diagnosis_text


@dataclass(frozen=True)
class NotRun:
    problems: tuple[ProblemResult, ...]  # one, or several that could not run for the same reason
    status: str  # error, or timeout when loading ran out of time
    reason: str
    hint: str

    @property
    def max_score(self) -> float:
        return float(sum(p.max_score for p in self.problems))


@dataclass(frozen=True)
class Failure:
    problem: ProblemResult
    checks: tuple[
        CheckResult, ...
    ]  # one failed check, every failed check of ``problem`` that one mistake explains, or that one reason kept from running
    diagnosis: str  # the diagnosis in sentences, for all of ``checks``; "" when there is none
    hint: str  # what to try, for all of ``checks``; "" when there is none
    mistakes: tuple[str, ...] = ()  # the known mistake (or pair) that explains every one of ``checks``, when one does

    @property
    def status(self) -> str:
        return self.checks[0].status

    def same_input_as(self, check: CheckResult) -> str | None:
        """The earlier check of this entry that failed on the very same input as ``check``, if one did."""
        for earlier in self.checks[: self.checks.index(check)]:
            if check.counterexample and earlier.counterexample == check.counterexample:
                return earlier.name
        return None

    @property
    def max_score(self) -> float:
        return float(sum(c.max_score for c in self.checks))


def _failed(problem: ProblemResult) -> list[CheckResult]:
    return [c for c in problem.checks if c.status not in (PASSED, SKIPPED)]


def shown_hint(problem: ProblemResult, check: CheckResult) -> str:
    """The hint to show beside ``check``: the problem's when it could not run; the diagnosis's when it names the mistake,
    as the check's generic hint could point elsewhere; else the check's own ("" when there is none)."""
    if problem.error and problem.hint:
        return problem.hint
    if explains(check.diagnosis) and check.diagnosis.hint:
        return check.diagnosis.hint
    return check.hint or ""


def _failures(problem: ProblemResult) -> list[Failure]:
    """``problem``'s failed checks, those that one mistake explains together, in the order of each group's first check."""
    groups: dict[object, list[CheckResult]] = {}
    for check in _failed(problem):
        if explains(check.diagnosis):
            key: object = check.diagnosis.mistakes
        elif check.counterexample is None and check.diagnosis is None:
            key = (check.status, check.message)  # checks that did not run, for one reason ("ran out of time while ...")
        else:
            key = id(check)
        groups.setdefault(key, []).append(check)
    found = []
    for checks in groups.values():
        first = checks[0]
        hint = shown_hint(problem, first)
        if not first.diagnosis:
            diagnosis = ""
        elif len(checks) == 1:
            diagnosis = diagnosis_text(first.diagnosis, hint)
        else:
            diagnosis = shared_diagnosis_text([c.diagnosis for c in checks], hint)
        mistakes = first.diagnosis.mistakes if explains(first.diagnosis) else ()
        found.append(Failure(problem, tuple(checks), diagnosis, hint, mistakes))
    return found


def what_to_fix(report: Report) -> list[NotRun | Failure]:
    """Every failure of ``report``, each said once, in the order of the problems."""
    entries: list[NotRun | Failure] = []
    not_run: dict[tuple[str, str, str], int] = {}  # (status, reason, hint) -> index of its entry
    for problem in report.problems:
        failed = _failed(problem)
        if problem.error and failed:
            key = (failed[0].status, problem.error, problem.hint)
            if key in not_run:
                entry = entries[not_run[key]]
                entries[not_run[key]] = NotRun((*entry.problems, problem), *key)  # type: ignore[union-attr]
            else:
                not_run[key] = len(entries)
                entries.append(NotRun((problem,), *key))
        elif not problem.error:
            entries += _failures(problem)
    return entries


def warnings(report: Report) -> list[str]:
    """The report's warnings, then those attached to checks, each once."""
    return list(dict.fromkeys([*report.warnings, *(w for _, c in report.checks for w in c.warnings)]))


def skipped(report: Report) -> list[tuple[str, str, str]]:
    """The skipped checks as (problem id, which checks, why): the checks skipped for one reason named together, or
    "every check" when all of a problem's were."""
    found = []
    for problem in report.problems:
        reasons: dict[str, list[str]] = {}
        for check in problem.checks:
            if check.status == SKIPPED:
                reasons.setdefault(check.message, []).append(check.name)
        for reason, names in reasons.items():
            found.append((problem.id, ", ".join(names) if len(names) < len(problem.checks) else "every check", reason))
    return found
