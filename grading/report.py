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
    error: str = ""
    """Why the problem could not run at all (no class, no method, a file that cannot be read), or "" when it ran.
    Every check then carries this same reason with status error (skipped for a bonus not attempted) and no
    counterexample; writers for people say it once per problem."""
    hint: str = ""  # what to try, when ``error`` is set

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
            "error": self.error,
            "hint": self.hint,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class Report:
    assignment: str
    submission: str
    problems: tuple[ProblemResult, ...]
    seed: int | None  # None when the seed was secret: ``seed_sha256`` then tells one secret from another
    max_examples: int
    versions: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # facts about the grading: which file, which return style
    output: dict = field(default_factory=dict)  # the submission's stdout and stderr, capped
    seconds: float = 0.0
    status: str = "graded"  # graded | error (nothing could be graded) | timeout (a check ran out of time)
    reason: str = ""  # why, when not graded
    seed_sha256: str = ""  # the digest of a secret seed's text (``grading.api.secret_seed``); "" for a public seed
    realistic: float = 0.0  # the share of cases drawn like real data
    file: str = ""  # the file graded: its path inside the submission folder, or its name
    choice: str = ""
    """How the graded file was chosen when a folder held more than one candidate ("" when there was no choice to make);
    writers put it in their first lines, and the gradebook in its notes column."""
    interface: str = "adapt"  # "adapt": the submission's own names and calls were found; "strict": the contract only
    binding: str = ""
    """How the submission was called when it does not follow the contract ("graded `RNN`: built as ..."); "" when the
    contract was graded as published. Writers put it in their first lines, and the gradebook in its notes column."""

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
            "file": self.file,
            "choice": self.choice,
            "binding": self.binding,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "seed": self.seed,
            "seed_sha256": self.seed_sha256,
            "realistic": self.realistic,
            "interface": self.interface,
            "max_examples": self.max_examples,
            "versions": dict(self.versions),
            "seconds": round(self.seconds, 3),
            "output": dict(self.output),
        }
