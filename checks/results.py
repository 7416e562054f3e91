"""What a check found: a frozen result, kept apart from the code that formats it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

PASSED, FAILED, ERROR, TIMEOUT, SKIPPED = "passed", "failed", "error", "timeout", "skipped"
STATUSES = (PASSED, FAILED, ERROR, TIMEOUT, SKIPPED)


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
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        if self.counterexample is None:
            del data["counterexample"]
        return data
