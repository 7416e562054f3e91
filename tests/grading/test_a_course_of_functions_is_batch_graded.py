"""A cohort of a course of functions is batch graded like any other: one gradebook column per function, as the course
lists them, the same scores as grading alone, and the summary counting each known mistake."""

import csv
import json
import shutil
from pathlib import Path

import pytest

import assignments
from grading import api

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cs231n"
COHORT = ["ok_rnn_layers.py", "bug_no_dh_carry.py", "partial_lstm_still_pass.py"]
SETTINGS = dict(max_examples=10, assignment="cs231n-a3-rnn")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    for name in COHORT:
        shutil.copy(FIXTURES / name, folder / name)
    out = tmp_path_factory.mktemp("out")
    return folder, api.batch(folder, out=out, jobs=2, **SETTINGS), out


def test_the_gradebook_has_a_column_per_function_in_the_courses_order(graded):
    _, _, out = graded
    with open(out / "gradebook.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    functions = [p.id for p in assignments.get("cs231n-a3-rnn").problems]
    assert list(rows[0])[2 : 2 + len(functions)] == functions and functions[0] == "rnn_step_forward"
    assert {r["student"]: r["rnn_backward"] for r in rows} == {
        "ok_rnn_layers": "15",
        "bug_no_dh_carry": "1",
        "partial_lstm_still_pass": "15",
    }


def test_each_submission_gets_in_the_batch_the_score_it_gets_alone(graded):
    folder, result, _ = graded
    for name in COHORT:
        alone = api.grade(folder / name, **SETTINGS)
        row = next(r for r in result.rows if r.student == Path(name).stem)
        assert (row.score, row.problems) == (alone.score, {p.id: p.score for p in alone.problems}), name


def test_the_summary_counts_the_known_mistake(graded):
    _, _, out = graded
    summary = json.loads((out / "summary.json").read_text())
    assert summary["submissions"] == 3
    assert "| no_dh_carry | 1 of 3 |" in (out / "summary.md").read_text()
