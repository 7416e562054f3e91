"""Diagnosis: name the known mistake behind a failed check, by replaying its inputs through every known mistake.

A failed check's outcome carries its evidence: each script it sent the
submission (on the failing case and on the explicit cases) with the replies
that came back. Here every script runs again, in this process, on the
assignment's own class with known mistakes switched on (``checks.mistakes``),
through the very operations the worker runs (``grading.worker_main``), and
the replies are compared number by number.

- A mistake **matches** when it reproduces every number the submission sent
  back within the check's tolerance, every shape, and every exception (same
  operation, type and message), and at least one number was compared: a crash
  alone, however alike, is not evidence enough to name a mistake.
- When no single mistake matches, pairs of mistakes in different parts of the
  code are tried: pairs of those that each come closer to the answers than
  correct code does, since each of two mistakes made together explains part
  of them.
- When nothing matches, the closest single mistake is named only if it is
  clearly closer to the answers than correct code is (``CLEARLY_CLOSER``);
  otherwise no known mistake matches.
- When correct code itself reproduces the answers, the failure is not about a
  wrong number (a gradient not stored, an input changed in place), and when
  neither correct code nor any mistake can even be compared with them (an
  exception or a shape nothing known produces), there is nothing to diagnose.

The classes replayed are the project's own, never the submission's: student
code still runs only in the worker.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from checks.layer import FLOAT32_TOL, FLOAT64_TOL, LAST
from checks.compare import close_entries
from checks.memo import remembered
from checks.mistakes import Mistake, MistakeLibrary
from checks.results import Diagnosis, Outcome
from checks.session import Done, Raised, Reply, Value, reply_from_wire, to_wire
from grading import protocol
from grading.worker import script_frame
from grading.worker_main import ImportBlocker, Worker

CLEARLY_CLOSER = 0.25
"""A mistake that matches nothing is named as the closest only when its answers are this much closer than correct code's."""


class LocalSession:
    """Runs scripts in this process on trusted classes, through the worker's own operations.

    Arguments go through the wire's encoding first, so that each call gets
    fresh copies, as it would in the worker.
    """

    def __init__(self, classes: Mapping[str, type]):
        self.worker = Worker(ImportBlocker(frozenset()))
        self.worker.namespace = dict(classes)

    def run(self, script) -> list[Reply]:
        message = protocol.copy_through_wire({"ops": [to_wire(op) for op in script]})
        return [reply_from_wire(r) for r in self.worker.script(message["ops"])]


@dataclass(frozen=True)
class Fit:
    """How well a class's replies reproduce the submission's."""

    consistent: bool  # the same shapes and exceptions everywhere
    within: bool = False  # and every number within the tolerance
    error: float = math.inf  # ‖student - model‖ / ‖model‖ over every number compared
    numbers: bool = False  # whether any number was compared at all: a crash alone, however alike, names no mistake


INCONSISTENT = Fit(False)


def _pairs(theirs: Done, ours: Done):
    """The values of two replies to the same operation, side by side."""
    if theirs.value is not None:
        yield theirs.value, ours.value
    for name, value in theirs.values.items():
        yield value, ours.values.get(name)
    for i, value in enumerate(theirs.echoed):
        yield value, ours.echoed[i] if i < len(ours.echoed) else None


def _values(reply: Done):
    """Every value of one reply."""
    if reply.value is not None:
        yield reply.value
    yield from reply.values.values()
    yield from reply.echoed


class Diagnoser:
    """Diagnoses one grading's failed checks.

    A known mistake's replies to a script depend on nothing else, so they are
    remembered by the script's content for the whole process (``checks.memo``):
    the checks of a problem share their scripts, and a cohort's submissions
    fail on the same cases.
    """

    def __init__(self, libraries: Mapping[str, MistakeLibrary]):
        self.libraries = libraries

    def diagnose(self, outcome: Outcome, cls: str, style: str, established: frozenset = frozenset()) -> Diagnosis | None:
        """The diagnosis of a failed check's ``outcome``, for the contract class ``cls`` graded in return ``style``.

        ``established``: mistakes (tuples of names) that other checks' numbers already named for this submission; one of
        them may be named here on the evidence of a crash alone, which by itself names nothing.
        """
        library = self.libraries.get(cls)
        if library is None or not outcome.evidence:
            return None
        tolerance = FLOAT32_TOL if _float32(outcome.evidence) else FLOAT64_TOL
        # Each script with its frame, encoded once: the frame is what a known mistake's replies are remembered by.
        evidence = [(script, theirs, script_frame(script)[0]) for script, theirs in outcome.evidence]
        reference = self._fit(library, (), style, evidence, tolerance)
        if reference.within:
            return None
        singles = [(self._fit(library, c, style, evidence, tolerance), c) for c in library.singles(style)]
        found = self._best(singles, reference, established)
        if found is None:
            # Two mistakes together can only explain what each explains part of: pair only those closer than correct code.
            closer = {c[0] for f, c in singles if f.consistent and f.error < reference.error}
            pairs = [c for c in library.pairs(style) if set(c) <= closer]
            found = self._best([(self._fit(library, c, style, evidence, tolerance), c) for c in pairs], reference, established)
        if found is not None:
            return found
        consistent = [(f.error, i, c) for i, (f, c) in enumerate(singles) if f.consistent and f.numbers]
        if not consistent and not reference.consistent:
            return None  # what came back (an exception, a shape) is like nothing known, correct code included: no numbers to weigh
        closest = min(consistent, default=None)
        # Against correct code that cannot even be compared (it does not crash where the student's code does), "clearly
        # closer" is measured against a relative difference of 1.
        bound = CLEARLY_CLOSER * (reference.error if reference.consistent else 1.0)
        if closest is not None and closest[0] <= bound:
            return _diagnosis("closest", closest[2], closest[0], reference.error)
        if not reference.consistent:
            return None  # a crash that correct code does not have, and no known mistake close to it: nothing worth saying
        return Diagnosis("none", reference_error=_finite(reference.error))

    @staticmethod
    def _best(fits: list[tuple[Fit, tuple[Mistake, ...]]], reference: Fit, established: frozenset) -> Diagnosis | None:
        """The exact match with the smallest error (the catalogue's order breaks ties), naming the others; None if none."""
        backed = [(f, c) for f, c in fits if f.numbers or tuple(m.name for m in c) in established]
        matching = sorted((f.error, i, c) for i, (f, c) in enumerate(backed) if f.within)
        if not matching:
            return None
        error, _, best = matching[0]
        also = tuple(" + ".join(m.name for m in c) for _, _, c in matching[1:])
        return _diagnosis("exact", best, error, reference.error, also)

    @staticmethod
    def _replay(library: MistakeLibrary, names: tuple[str, ...], style: str, script, frame: bytes) -> list[Reply]:
        """The replies of ``library``'s class with the mistakes ``names`` to ``script`` (encoded as ``frame``): remembered
        by the script's content (``checks.memo``), since a known mistake answers a script as nothing but the script decides."""

        def run() -> list[Reply]:
            built = library.build(*names, last_only=style == LAST)
            # A class, by the contract's name; or a course's functions, by their own names.
            return LocalSession(built if isinstance(built, dict) else {library.cls: built}).run(script)

        return remembered((library.cls, frame), ("mistake replies", names, style), run)

    def _fit(self, library: MistakeLibrary, mistakes: tuple[Mistake, ...], style: str, evidence, tolerance) -> Fit:
        names = tuple(m.name for m in mistakes)
        difference = norm = 0.0
        within, numbers = True, False
        for script, theirs, frame in evidence:
            ours = self._replay(library, names, style, script, frame)
            if len(ours) != len(theirs):
                return INCONSISTENT
            for student, model in zip(theirs, ours):
                if isinstance(student, Raised) or isinstance(model, Raised):
                    same = isinstance(student, Raised) and isinstance(model, Raised)
                    if not same or (student.op, student.type, student.message) != (model.op, model.type, model.message):
                        return INCONSISTENT
                    continue
                for value, expected in _pairs(student, model):
                    compared = _compare(value, expected, tolerance)
                    if compared is None:
                        return INCONSISTENT
                    d, n, close = compared
                    difference, norm, within = difference + d, norm + n, within and close
                    numbers = numbers or value.array is not None
        error = math.sqrt(difference) / math.sqrt(norm) if norm else (0.0 if difference == 0 else math.inf)
        return Fit(True, within, error, numbers)


def _compare(value: Value, expected: Value | None, tolerance) -> tuple[float, float, bool] | None:
    """(Σ squared difference, Σ squared model value, all within tolerance) for one value; None when they cannot agree."""
    if value.array is None:
        return 0.0, 0.0, True  # nothing numeric came back here: nothing to compare
    if expected is None or expected.array is None or expected.array.shape != value.array.shape:
        return None
    close = bool(close_entries(expected.array, value.array, **tolerance).all())
    with np.errstate(over="ignore", invalid="ignore"):  # a huge answer's distance is infinite: as far as can be
        diff = value.array - expected.array
        return float(np.sum(diff**2)), float(np.sum(expected.array**2)), close


def _float32(evidence) -> bool:
    replies = (reply for _, replies in evidence for reply in replies if isinstance(reply, Done))
    return any(value.dtype in ("float32", "float16") for reply in replies for value in _values(reply))


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _diagnosis(match: str, mistakes: tuple[Mistake, ...], error: float, reference_error: float, also=()) -> Diagnosis:
    return Diagnosis(
        match,
        tuple(m.name for m in mistakes),
        "; and ".join(m.explanation for m in mistakes),
        " ".join(m.hint for m in mistakes),
        _finite(error),
        _finite(reference_error),
        tuple(also),
    )
