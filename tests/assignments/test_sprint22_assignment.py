"""The Sprint 22 assignment: its spec, its text, its starters and its solution."""

from pathlib import Path

import assignments
from grading import api

FOLDER = Path(assignments.__file__).parent / "dic_sprint22"


def test_forward_weighs_the_most_and_every_problem_has_points():
    spec = assignments.get("dic-sprint22")
    points = {p.id: p.max_score for p in spec.problems}
    assert list(points) == ["problem1", "problem2", "problem3"] and all(v > 0 for v in points.values())
    assert points["problem1"] == max(points.values()) and spec.max_score == 100
    assert spec.problems[0].required


def test_the_folder_holds_the_text_the_starters_and_the_solution():
    assert {"README.md", "starter.py", "starter.ipynb", "solution.py"} <= {p.name for p in FOLDER.iterdir()}
    text = (FOLDER / "README.md").read_text()
    for fragment in ("Problem 1", "Problem 2", "Problem 3", "0.79494228, 0.81839002, 0.83939649, 0.85584174", "NumPy only"):
        assert fragment in text


def test_the_solution_gets_full_marks():
    report = api.grade(FOLDER / "solution.py", max_examples=25)
    assert [p.score for p in report.problems] == [50, 15, 35]


def test_the_starters_get_nothing_and_say_what_to_write():
    for starter in ("starter.py", "starter.ipynb"):
        report = api.grade(FOLDER / starter, max_examples=5)
        assert report.score == 0
        first = report.problems[0].checks[0]
        assert first.status == "error" and first.message.startswith("forward raised NotImplementedError: problem 1: write forward")
        assert first.hint == "This method is still the starter's placeholder: write it."
        # backward is checked after forward, so its checks stop at the same placeholder
        assert report.problems[2].checks[0].message == first.message


def test_an_unknown_assignment_names_the_known_ones():
    try:
        assignments.get("sprint99")
    except ValueError as error:
        assert str(error) == "unknown assignment 'sprint99'; known: cs231n-a3-rnn, dic-sprint22, dlai-c5w1, lstm"
    else:
        raise AssertionError("an unknown assignment was accepted")
