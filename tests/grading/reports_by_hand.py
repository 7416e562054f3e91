"""Reports built by hand, for testing the writers without grading anything."""

from checks.results import Diagnosis, CheckResult
from grading.report import ProblemResult, Report

NO_DH_CARRY = Diagnosis(
    "exact",
    ("no_dh_carry",),
    "backward never carries dh back from step t+1",
    "Keep dh_next and add it at step t-1.",
    error=0.0,
    reference_error=0.32,
)
UNKNOWN = Diagnosis("none", reference_error=0.5)
INPUT_DX, INPUT_DWH, INPUT_DB = "X (batch=1) = [[[1.]]]", "X (batch=1) = [[[2.]]]", "X (batch=1) = [[[3.]]]"


def failed(name: str, points: float, message: str, counterexample: str, hint: str, diagnosis=None, warnings=()) -> CheckResult:
    return CheckResult(name, "failed", 0.0, points, message, counterexample, hint, tuple(warnings), diagnosis)


def passed(name: str, points: float, warnings=()) -> CheckResult:
    return CheckResult(name, "passed", points, points, warnings=tuple(warnings))


def not_run(name: str, points: float, reason: str, hint: str, status: str = "error") -> CheckResult:
    return CheckResult(name, status, 0.0, points, reason, None, hint)


def report(*problems: ProblemResult, **fields) -> Report:
    return Report("dic-sprint22", "students/ada", tuple(problems), seed=0, max_examples=15, **fields)


def backward_with_no_dh_carry() -> ProblemResult:
    """problem3 where one mistake (no_dh_carry) explains dX, dWh and dB, and dWx fails for no known reason."""
    return ProblemResult(
        "problem3",
        "Backpropagation (advanced)",
        35,
        (
            failed("backward_dX", 5, "dX differs at [0, 0, 0]", INPUT_DX, "generic dX hint", NO_DH_CARRY),
            failed("backward_dWx", 5, "dWx differs at [0, 0]", "X (batch=1) = [[[4.]]]", "sum dWx over every step", UNKNOWN),
            failed("backward_dWh", 5, "dWh differs at [0, 0]", INPUT_DWH, "pair with h_(t-1), not h_t", NO_DH_CARRY),
            failed("backward_dB", 5, "dB differs at [0]", INPUT_DB, "do not average", NO_DH_CARRY),
            passed("backward_matches_torch", 15),
        ),
    )
