"""What a check found: a frozen result, kept apart from the code that formats it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from checks.compare import Mismatch, close_entries

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


MAX_COMPARED_ENTRIES = 4096
"""Entries kept of each array a failed comparison shows; a larger pair (a case shrinking did not reach) is not kept."""


@dataclass(frozen=True)
class Compared:
    """The two arrays of a failed comparison on the smallest failing input, for a report to draw.

    ``expected`` and ``received`` are float64 arrays of one shape, finite; ``axes`` names each dimension
    ("batch", "n_sequences", "n_nodes"; or a course's letters, "N (batch)"); ``worst`` is the index of the entry
    furthest past its tolerance; an entry differs when ``|received - expected| > atol + rtol * |expected|``.
    """

    name: str
    axes: tuple[str, ...]
    expected: np.ndarray = field(compare=False, repr=False)
    received: np.ndarray = field(compare=False, repr=False)
    worst: tuple[int, ...] = ()
    atol: float = 0.0
    rtol: float = 0.0

    @classmethod
    def kept(cls, name: str, axes: tuple[str, ...], expected, received, **rest) -> Compared | None:
        """A Compared of read-only float64 copies, or None when the arrays cannot be drawn: other shapes, a value that
        is not finite, more than ``MAX_COMPARED_ENTRIES`` entries, or no dimension at all."""
        expected, received = (np.array(a, dtype=np.float64) for a in (expected, received))
        if expected.shape != received.shape or not expected.ndim or expected.size > MAX_COMPARED_ENTRIES:
            return None
        if not (np.isfinite(expected).all() and np.isfinite(received).all()):
            return None
        if len(axes) != expected.ndim:
            axes = tuple(f"axis {i}" for i in range(expected.ndim))
        for array in (expected, received):
            array.flags.writeable = False
        return cls(name, tuple(axes), expected, received, **rest)

    @classmethod
    def of(cls, mismatch: Mismatch, axes: tuple[str, ...]) -> Compared | None:
        """The arrays of a mismatch of ``checks.compare.compare``, or None when they cannot be drawn (``kept``)."""
        if not mismatch.arrays:
            return None
        expected, received, atol, rtol = mismatch.arrays
        return cls.kept(mismatch.name, axes, expected, received, worst=mismatch.index or (), atol=atol, rtol=rtol)

    def differs(self) -> np.ndarray:
        """Which entries are off, by the rule every comparison uses."""
        return ~close_entries(self.expected, self.received, atol=self.atol, rtol=self.rtol)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "axes": list(self.axes),
            "expected": self.expected.tolist(),
            "received": self.received.tolist(),
            "worst": list(self.worst),
            "atol": self.atol,
            "rtol": self.rtol,
        }


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
    compared: Compared | None = field(default=None, compare=False, repr=False)
    """The arrays of the failed comparison, when the check compared arrays and they can be drawn."""
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
    compared: Compared | None = field(default=None, compare=False, repr=False)

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
            outcome.compared if outcome.status != PASSED else None,
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        if self.compared is None:
            del data["compared"]
        else:
            data["compared"] = self.compared.to_dict()
        if self.counterexample is None:
            del data["counterexample"]
        if self.diagnosis is None:
            del data["diagnosis"]
        else:
            data["diagnosis"] = self.diagnosis.to_dict()
        return data
