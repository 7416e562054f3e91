"""Every deeplearning.ai fixture (the notebook as students hand it in) loses exactly the checks its mistake breaks; what
older key names, globals and the grader's rnn_utils get (the cases: ``course_fixture_cases``)."""

import pytest

import assignments
from tests.grading.course_fixture_cases import DLAI as CASES, FIXTURES, COURSES, failing, report_of

COURSE = "dlai-c5w1"


@pytest.fixture(scope="module")
def reports():
    return {}


@pytest.mark.parametrize("name", CASES)
def test_each_fixture_fails_exactly_the_checks_its_mistake_breaks(reports, name):
    report = report_of(reports, COURSE, name)
    failed = {p.id: {c.name for c in p.checks if c.status != "passed"} for p in report.problems}
    assert {pid: names for pid, names in failed.items() if names} == failing(COURSE, name)
    spec = assignments.get(COURSE)
    lost = sum(c.points for p in spec.problems for c in p.checks if c.name in failing(COURSE, name).get(p.id, ()))
    assert report.score == sum(c.points for p in spec.problems for c in p.checks) - lost


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][1]])
def test_the_diagnosis_names_the_fixtures_mistake_on_every_wrong_number(reports, name):
    report = report_of(reports, COURSE, name)
    wrong = [c for p in report.problems for c in p.checks if c.status == "failed"]
    assert wrong and all(c.diagnosis is not None and c.diagnosis.mistakes == (CASES[name][1],) for c in wrong)


def test_every_fixture_in_the_folder_has_an_expectation():
    assert sorted(p.name for p in (FIXTURES / COURSES[COURSE][0]).iterdir()) == sorted(CASES)


def test_gradient_keys_of_an_older_version_are_read_and_said(reports):
    report = report_of(reports, COURSE, "ok_backward_keys_from_an_older_version.py")
    notes = {w for p in report.problems for c in p.checks for w in c.warnings}
    assert "rnn_cell_backward's gradients: dx was read as dxt" in notes
    assert "lstm_backward's gradients: da_prev was read as da0" in notes


def test_a_function_reading_the_notebooks_globals_says_so(reports):
    report = report_of(reports, COURSE, "bug_uses_global_parameters.ipynb")
    values = next(c for p in report.problems if p.id == "rnn_cell_forward" for c in p.checks if c.name == "values")
    assert values.hint.startswith("rnn_cell_forward reads ") and "from the notebook's globals, not from its arguments" in values.hint
    assert "Wya" in values.hint and "by" in values.hint


def test_the_graders_rnn_utils_stands_in_for_the_courses_and_says_so(reports):
    report = report_of(reports, COURSE, "ok_step_by_step.ipynb")
    assert any(n.startswith("rnn_utils is the grader's own stand-in") for n in report.notes)
    assert not any("rnn_utils" in w or "public_tests'" in w for w in report.warnings)
