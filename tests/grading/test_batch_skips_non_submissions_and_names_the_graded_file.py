"""A batch grades only entries that can be submissions, lists the others as skipped with why, and names each graded file.

Inside each student's folder the student's work outranks the starter, as it does for one submission; the gradebook
says which file was graded and, when several could have been, how it was chosen.
"""

import csv
import json
import os

import pytest

from grading import api
from grading import batch
from tests.grading.starter_folders import LAST_MONTH, LAST_YEAR, YESTERDAY, finished_work, untouched_starter

# Each entry that cannot be a submission, in name order, and why, as the summary should say it.
NOT_SUBMISSIONS = [
    (".git", "a hidden entry"),
    (".ipynb_checkpoints", "a cache folder"),
    ("README.txt", "not a .py or .ipynb file"),
    ("__pycache__", "a cache folder"),
    ("copied.py", "a symbolic link"),
    ("data", "holds no .py or .ipynb file"),
    ("empty", "an empty folder"),
    ("fifo.py", "neither a file nor a folder"),
    ("myenv", "an environment folder"),
]


@pytest.fixture(scope="module")
def cohort_with_clutter(tmp_path_factory):
    """alice: the untouched starter.py beside her answer.ipynb; bob: answer.ipynb and a newer old/rnn.py; and clutter,
    among it a link to bob's file, a FIFO, and a virtual environment."""
    folder = tmp_path_factory.mktemp("cohort")
    finished_work(folder / "alice" / "answer.ipynb", modified=LAST_MONTH)
    untouched_starter(folder / "alice" / "starter.py", modified=YESTERDAY)
    finished_work(folder / "bob" / "answer.ipynb", modified=LAST_YEAR)
    finished_work(folder / "bob" / "old" / "rnn.py", modified=LAST_MONTH)
    (folder / "README.txt").write_text("Submissions for Sprint 22\n")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "alice.cpython-311.pyc").write_bytes(b"\xa7\r\r\n")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "alice-checkpoint.py").write_text("x = 1\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "empty").mkdir()
    (folder / "data").mkdir()
    (folder / "data" / "data.csv").write_text("x,y\n1,2\n")
    (folder / "copied.py").symlink_to(folder / "bob" / "old" / "rnn.py")
    os.mkfifo(folder / "fifo.py")
    (folder / "myenv").mkdir()
    (folder / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (folder / "myenv" / "activate_this.py").write_text("x = 1\n")
    return folder


@pytest.fixture(scope="module")
def graded_cohort(cohort_with_clutter, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return api.batch(cohort_with_clutter, out=out, jobs=2, max_examples=10), out


def gradebook(out):
    with open(out / "gradebook.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def test_only_the_entries_that_can_be_submissions_are_students(cohort_with_clutter):
    assert [e.student for e in batch.entries(cohort_with_clutter)] == ["alice", "bob"]
    assert [(s.name, s.why) for s in batch.skipped_entries(cohort_with_clutter)] == NOT_SUBMISSIONS


def test_the_gradebook_has_a_row_for_each_student_and_none_for_the_clutter(graded_cohort):
    result, out = graded_cohort
    assert sorted(gradebook(out)) == ["alice", "bob"]
    assert [(s.name, s.why) for s in result.skipped] == NOT_SUBMISSIONS


def test_the_summary_lists_what_was_skipped_and_why(graded_cohort):
    _, out = graded_cohort
    summary = json.loads((out / "summary.json").read_text())
    assert summary["submissions"] == 2
    assert summary["skipped"] == [{"entry": name, "why": why} for name, why in NOT_SUBMISSIONS]
    assert (
        "Skipped, as they cannot be submissions: `.git` (a hidden entry), `.ipynb_checkpoints` (a cache folder), "
        "`README.txt` (not a .py or .ipynb file), `__pycache__` (a cache folder), `copied.py` (a symbolic link), "
        "`data` (holds no .py or .ipynb file), `empty` (an empty folder), `fifo.py` (neither a file nor a folder), "
        "`myenv` (an environment folder)."
    ) in (out / "summary.md").read_text().splitlines()


def test_a_student_folder_with_the_starter_and_a_finished_notebook_is_graded_as_the_notebook(graded_cohort):
    _, out = graded_cohort
    alice = gradebook(out)["alice"]
    assert (alice["total (of 100)"], alice["file"], alice["notes"]) == ("100", "answer.ipynb", "")


def test_a_student_with_two_finished_files_gets_how_one_was_chosen_in_the_notes_column(graded_cohort):
    _, out = graded_cohort
    bob = gradebook(out)["bob"]
    assert bob["file"] == "old/rnn.py"
    # The sentence names both files and the one graded; how it ends depends on whether each one's forward was probed.
    assert bob["notes"].startswith("2 files define SimpleRNN") and "answer.ipynb" in bob["notes"] and "graded old/rnn.py" in bob["notes"]


def test_the_file_and_notes_columns_follow_status_and_seconds(graded_cohort):
    _, out = graded_cohort
    header = (out / "gradebook.csv").read_text().splitlines()[0]
    assert header == "student,total (of 100),problem1,problem2,problem3,status,seconds,file,notes"


def test_a_rerun_that_reuses_every_row_keeps_the_file_and_notes_columns(cohort_with_clutter, graded_cohort):
    _, out = graded_cohort
    before = gradebook(out)
    again = api.batch(cohort_with_clutter, out=out, jobs=2, max_examples=10)
    assert (again.graded, again.reused) == (0, 2)
    after = gradebook(out)
    assert (after["alice"]["file"], after["alice"]["notes"]) == ("answer.ipynb", "")
    assert after["bob"]["file"] == "old/rnn.py"
    assert after["bob"]["notes"] == before["bob"]["notes"] != ""
