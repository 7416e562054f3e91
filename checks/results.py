"""What a check found: a frozen result, kept apart from the code that formats it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PASSED, FAILED, ERROR, TIMEOUT, SKIPPED = "passed", "failed", "error", "timeout", "skipped"
STATUSES = (PASSED, FAILED, ERROR, TIMEOUT, SKIPPED)


@dataclass(frozen=True)
class Diagnosis:
    """The known mistake that explains a failed check's answers, or why none does.

    ``match`` is "exact" when the mistake reproduces every answer the check saw
    within its tolerance, "closest" when none does but this one comes clearly
    closer than correct code, and "none" when no known mistake explains them.
    ``error`` and ``reference_error`` are the relative differences between the
    student's answers and the mistake's, and between the student's and the
    correct code's.
    """

    match: str
    mistakes: tuple[str, ...] = ()  # one name, or two for mistakes made together
    explanation: str = "no known mistake matches these answers"
    hint: str = ""
    error: float | None = None
    reference_error: float | None = None
    also: tuple[str, ...] = ()  # other mistakes that give the same answers on these inputs

    def to_dict(self) -> dict:
        data = asdict(self)
        data["mistakes"], data["also"] = list(self.mistakes), list(self.also)
        return data


@dataclass(frozen=True)
class Outcome:
    """A check's verdict before points are attached.

    ``failed``: the submission ran and gave a wrong answer; ``error``: it raised,
    or something it needs is missing; ``timeout``: it ran out of time;
    ``skipped``: the check did not apply (and says why).
    """

    status: str
    message: str = ""
    counterexample: str | None = None
    hint: str | None = None
    warnings: tuple[str, ...] = ()
    diagnosis: Diagnosis | None = None
    evidence: tuple = field(default=(), compare=False, repr=False)
    """What the check sent the submission and what came back, ((script, replies), ...), for the diagnosis to replay."""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status={self.status!r} is not one of {', '.join(STATUSES)}")


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    score: float
    max_score: float
    message: str = ""
    counterexample: str | None = None
    hint: str | None = None
    warnings: tuple[str, ...] = ()
    diagnosis: Diagnosis | None = None

    @classmethod
    def scored(cls, name: str, outcome: Outcome, points: float) -> CheckResult:
        """Full points when passed, none otherwise: a check is right or it is not."""
        return cls(
            name,
            outcome.status,
            float(points) if outcome.status == PASSED else 0.0,
            float(points),
            outcome.message,
            outcome.counterexample,
            outcome.hint,
            outcome.warnings,
            outcome.diagnosis,
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        if self.counterexample is None:
            del data["counterexample"]
        if self.diagnosis is None:
            del data["diagnosis"]
        else:
            data["diagnosis"] = self.diagnosis.to_dict()
        return data
