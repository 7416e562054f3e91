"""The report data model: what one grading found. Writers turn it into files; it knows no file format."""

from __future__ import annotations

from dataclasses import dataclass, field

from checks.results import PASSED, CheckResult


@dataclass(frozen=True)
class ProblemResult:
    id: str
    title: str
    max_score: float
    checks: tuple[CheckResult, ...]
    required: bool = False
    bonus: bool = False

    @property
    def score(self) -> float:
        return float(sum(c.score for c in self.checks))

    @property
    def passed(self) -> bool:
        return all(c.status == PASSED for c in self.checks)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "max_score": self.max_score,
            "required": self.required,
            "bonus": self.bonus,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class Report:
    assignment: str
    submission: str
    problems: tuple[ProblemResult, ...]
    seed: int
    max_examples: int
    versions: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # facts about the grading: which file, which return style
    output: dict = field(default_factory=dict)  # the submission's stdout and stderr, capped
    seconds: float = 0.0
    status: str = "graded"  # graded | error (nothing could be graded) | timeout (a check ran out of time)
    reason: str = ""  # why, when not graded

    @property
    def score(self) -> float:
        return float(sum(p.score for p in self.problems))

    @property
    def max_score(self) -> float:
        return float(sum(p.max_score for p in self.problems if not p.bonus))

    @property
    def checks(self) -> list[tuple[ProblemResult, CheckResult]]:
        return [(p, c) for p in self.problems for c in p.checks]

    @property
    def all_passed(self) -> bool:
        return all(c.status in (PASSED, "skipped") for _, c in self.checks)

    def to_dict(self) -> dict:
        return {
            "assignment": self.assignment,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "reason": self.reason,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "seed": self.seed,
            "max_examples": self.max_examples,
            "versions": dict(self.versions),
            "seconds": round(self.seconds, 3),
            "output": dict(self.output),
        }
