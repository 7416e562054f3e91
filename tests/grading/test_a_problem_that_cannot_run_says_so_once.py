"""A problem that cannot run at all (nothing loaded, no class, no method) says why once, with no smallest failing
input and with a hint that fits what went wrong."""

from pathlib import Path

import pytest

from grading import api
from grading.reports.as_markdown import markdown
from grading.reports.untrusted import markdown_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

CASES = {
    # fixture: (the reason of each problem that cannot run, a phrase of its hint)
    "red_team/empty.py": (["no class SimpleRNN; found classes: none"] * 3, "Define class SimpleRNN at the top level"),
    "red_team/broken_notebook.ipynb": (None, "Open the notebook in Jupyter and save it again"),
    "dic_sprint22/forward_only.py": ([None, None, "SimpleRNN has no method backward"], "Add backward(self, dH) to class SimpleRNN"),
    "dic_sprint22/forward_named_predict.py": (["SimpleRNN has no method forward"] * 3, "Add forward(self, X, h0=None)"),
}


@pytest.fixture(scope="module")
def reports():
    return {name: api.grade(FIXTURES / name, max_examples=10, use_torch=False) for name in CASES}


@pytest.mark.parametrize("name", CASES)
def test_each_problem_that_cannot_run_carries_its_reason_and_a_fitting_hint_and_no_input(reports, name):
    reasons, hint = CASES[name]
    report = reports[name]
    if reasons is not None:
        assert [p.error or None for p in report.problems] == reasons
    for problem in report.problems:
        if problem.error:
            assert hint in problem.hint
            assert all(c.counterexample is None and c.status == "error" for c in problem.checks)


@pytest.mark.parametrize("name", CASES)
def test_report_md_says_each_reason_once(reports, name):
    report = reports[name]
    text = markdown(report)
    for reason in {p.error for p in report.problems if p.error}:
        assert text.count(markdown_text(reason)) == 1, reason  # as report.md escapes what can hold the submission's words
    if all(p.error for p in report.problems):
        assert "Smallest failing input" not in text


def test_an_unreadable_notebook_is_not_told_to_run_with_plain_python(reports):
    report = reports["red_team/broken_notebook.ipynb"]
    assert report.problems[0].error.startswith("the submission could not be read: broken_notebook.ipynb is not a readable notebook")
    assert "plain Python" not in markdown(report)
