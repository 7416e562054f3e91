"""A check tests one thing: a forward without an h0 (or c0) parameter loses the initial-state check alone, and each
assignment's README says, per check, what it tests and what it does not."""

import re
from pathlib import Path

import pytest

import assignments
from grading import api

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def failed(report) -> list[str]:
    return [f"{p.id}.{c.name}" for p, c in report.checks if c.status not in ("passed", "skipped")]


def test_a_forward_without_h0_loses_only_the_initial_state_check():
    report = api.grade(FIXTURES / "dic_sprint22" / "forward_without_h0_parameter.py", max_examples=15)
    assert failed(report) == ["problem1.forward_with_initial_state"]
    assert "unexpected keyword argument 'h0'" in report.problems[0].checks[2].message


def test_an_lstm_forward_without_c0_loses_only_the_initial_state_check():
    report = api.grade(FIXTURES / "lstm" / "forward_without_c0_parameter.py", "lstm", max_examples=15)
    assert failed(report) == ["problem1.forward_with_initial_state"]
    assert "unexpected keyword argument 'c0'" in report.problems[0].checks[2].message


def test_changing_h0_in_place_is_the_inputs_checks_failure_not_the_initial_state_checks(tmp_path):
    source = (FIXTURES / "dic_sprint22" / "ok_every_step.py").read_text()
    changed = source.replace(
        "        return self.H\n", "        if h0 is not None:\n            h0 -= 0.0625  # after its use\n        return self.H\n", 1
    )
    assert changed != source
    (tmp_path / "writes_into_h0.py").write_text(changed)
    report = api.grade(tmp_path / "writes_into_h0.py", max_examples=15, use_torch=False)
    checks = {c.name: c for c in report.problems[0].checks}
    assert (
        checks["forward_keeps_inputs"].status == "failed"
        and checks["forward_keeps_inputs"].message == "forward changed its argument h0 in place"
    )
    assert checks["forward_with_initial_state"].status == "passed"


@pytest.mark.parametrize("name", assignments.names())
def test_the_assignment_readme_says_what_each_check_tests_and_what_it_does_not(name):
    spec = assignments.get(name)
    text = (spec.folder / "README.md").read_text()
    section = text[text.index("## What each check tests") :]
    for problem in spec.problems:
        for check in problem.checks:
            row = re.search(rf"^\| `{check.name}` \|(.+)\|(.+)\|$", section, re.MULTILINE)
            assert row, f"{name}: no row for {check.name}"
            tests, does_not = (cell.strip() for cell in row.groups())
            assert tests and does_not, f"{name}: {check.name} needs both columns"
