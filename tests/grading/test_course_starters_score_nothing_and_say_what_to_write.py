"""The courses' starters, as handed out, score 0: every check says the function is still the starter's placeholder."""

from pathlib import Path

import pytest

from grading import api

ROOT = Path(__file__).resolve().parents[2]
STARTERS = {"cs231n-a3-rnn": "cs231n_a3_rnn/starter.py", "dlai-c5w1": "dlai_c5w1/starter.ipynb"}


@pytest.mark.parametrize("course", STARTERS)
def test_a_starter_scores_nothing_and_every_check_points_at_the_placeholder(course):
    report = api.check(ROOT / "assignments" / STARTERS[course], course)
    ran = [c for p in report.problems for c in p.checks if c.status != "skipped"]
    assert report.score == 0 and ran
    assert all(c.status == "error" and "raised NotImplementedError" in c.message for c in ran)
    assert {c.hint for c in ran} == {"This function is still the starter's placeholder: write it."}


@pytest.mark.parametrize("course", STARTERS)
def test_the_solution_beside_the_starter_gets_every_point(course):
    report = api.check(ROOT / "assignments" / STARTERS[course].split("/")[0] / "solution.py", course)
    ran = [c for p in report.problems for c in p.checks if c.status != "skipped"]
    assert ran and all(c.status == "passed" for c in ran)
    assert {c.name for p in report.problems for c in p.checks if c.status == "skipped"} == {"matches_torch"}
