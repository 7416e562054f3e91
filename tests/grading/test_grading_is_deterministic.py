"""The same submission with the same seed gets the same report, counterexamples included, in any process."""

import pytest
import json
import subprocess
import sys
from pathlib import Path

from grading import api

ROOT = Path(__file__).resolve().parents[2]
BUGGY = ROOT / "tests" / "fixtures" / "dic_sprint22" / "bug_no_dh_carry.py"


def graded(tmp_path, name, *extra):
    out = tmp_path / name
    subprocess.run(
        [sys.executable, "grader.py", "grade", BUGGY, "--out", out, "--max-examples", "30", *extra],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    report = json.loads((out / "report.json").read_text())
    del report["seconds"]
    return report


def test_two_runs_with_the_same_seed_write_the_same_report(tmp_path):
    first, second = graded(tmp_path, "a"), graded(tmp_path, "b")
    assert first == second
    assert any(c.get("counterexample") for p in first["problems"] for c in p["checks"])


@pytest.mark.slow  # end to end and long: CI runs it with -m slow
def test_the_seed_is_recorded_and_the_bug_found_whatever_the_seed(tmp_path):
    default, other = graded(tmp_path, "a"), graded(tmp_path, "c", "--seed", "7")
    assert (default["seed"], other["seed"]) == (0, 7)
    assert default["score"] == other["score"] == 65


def test_a_submission_graded_after_a_classmate_with_the_same_bug_gets_the_report_it_gets_alone(tmp_path):
    # The classmate's code differs but answers alike: nothing the first grading left behind in the process changes the second.
    alone = graded(tmp_path, "alone")
    classmate = tmp_path / "classmate.py"
    classmate.write_text(BUGGY.read_text().replace("dh_next", "carried").replace('"""Bug:', '"""A classmate\'s bug:'))
    api.grade(classmate, out=tmp_path / "classmate", max_examples=30)
    after = api.grade(BUGGY, out=tmp_path / "after", max_examples=30).to_dict()
    assert (after["score"], after["problems"]) == (alone["score"], alone["problems"])


@pytest.mark.slow  # end to end and long: CI runs it with -m slow
def test_a_course_of_functions_gets_the_same_report_and_counterexamples_in_two_processes(tmp_path):
    buggy = ROOT / "tests" / "fixtures" / "cs231n" / "bug_gate_order_ifgo.py"
    reports = []
    for name in ("x", "y"):
        out = tmp_path / name
        subprocess.run(
            [sys.executable, "grader.py", "grade", buggy, "--out", out, "--max-examples", "15", "--assignment", "cs231n-a3-rnn"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        report = json.loads((out / "report.json").read_text())
        del report["seconds"]
        reports.append(report)
    assert reports[0] == reports[1]
    found = [c["counterexample"] for p in reports[0]["problems"] for c in p["checks"] if c.get("counterexample")]
    assert found and all("Wx (D=" in text for text in found)
