"""What must not change: a submission that follows the published contract gets the same verdict on every check
whether the grader adapts to the submission's own interface (the default) or keeps to the contract (strict).

Every Sprint 22 and LSTM fixture, correct or buggy, is checked both ways (the two that hang are left to the hang
tests, where each costs its time limit)."""

from pathlib import Path

import pytest

from grading import api

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HANGS = {"hang_at_import.py", "hang_in_forward_on_a_batch_of_three.py"}
CONTRACT_FIXTURES = sorted(
    (folder, path.name)
    for folder, assignment in (("dic_sprint22", "dic-sprint22"), ("lstm", "lstm"))
    for path in (FIXTURES / folder).iterdir()
    if path.suffix in (".py", ".ipynb") and path.name not in HANGS
)
ASSIGNMENT = {"dic_sprint22": "dic-sprint22", "lstm": "lstm"}


def verdicts(report) -> list[tuple[str, str, str, float]]:
    return [(p.id, c.name, c.status, c.score) for p, c in report.checks]


@pytest.mark.parametrize(("folder", "name"), CONTRACT_FIXTURES, ids=[f"{f}/{n}" for f, n in CONTRACT_FIXTURES])
def test_each_contract_fixture_gets_the_same_verdicts_adapted_or_strict(folder, name):
    path = FIXTURES / folder / name
    adapted = api.check(path, ASSIGNMENT[folder], max_examples=5)
    strict = api.check(path, ASSIGNMENT[folder], max_examples=5, interface="strict")
    assert verdicts(adapted) == verdicts(strict)
    assert (adapted.status, adapted.binding, strict.binding) == (strict.status, "", "")
    assert adapted.interface == "adapt" and strict.interface == "strict"
