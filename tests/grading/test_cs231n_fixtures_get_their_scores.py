"""Every CS231n fixture (``rnn_layers.py`` as students hand it in) loses exactly the checks its mistake breaks; what
a broken, Python 2 or repository file gets graded as (the cases: ``course_fixture_cases``)."""

import pytest

import assignments
from tests.grading.course_fixture_cases import CS231N as CASES, FIXTURES, COURSES, failing, report_of

COURSE = "cs231n-a3-rnn"


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


def test_python_2s_xrange_is_supplied_with_a_note_and_a_print_statement_costs_only_its_function(reports):
    report = report_of(reports, COURSE, "py2_print_and_xrange.py")
    assert any(n.startswith("xrange is Python 2's range: the grader supplied it") for n in report.notes)
    assert any("temporal_softmax_loss (lines" in w and "was skipped and the rest of the file ran" in w for w in report.warnings)


def test_a_function_that_does_not_compile_is_named_with_its_line(reports):
    report = report_of(reports, COURSE, "broken_indentation_in_rnn_backward.py")
    problem = next(p for p in report.problems if p.id == "rnn_backward")
    assert problem.error.startswith("no function rnn_backward; broken_indentation_in_rnn_backward.py has a syntax error at line ")
    assert "rnn_backward (lines " in problem.error


def test_a_bias_gradient_of_shape_1_by_h_is_accepted_with_a_note(reports):
    report = report_of(reports, COURSE, "ok_bias_grad_row_vector.py")
    assert report.score == sum(c.points for p in assignments.get(COURSE).problems for c in p.checks)
    notes = [w for p in report.problems for c in p.checks for w in c.warnings]
    assert any(w.startswith("db has shape (1, ") and "its values were compared as they are" in w for w in notes)


def test_a_repository_imports_its_own_package(reports):
    report = report_of(reports, COURSE, "repo")
    assert not report.warnings and report.file.endswith("rnn_layers.py")
