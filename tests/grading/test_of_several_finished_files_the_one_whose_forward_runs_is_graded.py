"""When a folder holds several files with a real SimpleRNN, each one's forward is called once and a file whose forward
runs is graded; when several run, the most recently modified is, and the report, the console and the gradebook say so."""

import csv
import subprocess
import sys

from grading import api
from grading.reports.as_markdown import markdown
from tests.grading.starter_folders import IMPLEMENTED, LAST_MONTH, LAST_YEAR, ROOT, YESTERDAY, finished_work, modified_at

BROKEN = IMPLEMENTED.replace(
    "    def forward(self, X, h0=None):\n", "    def forward(self, X, h0=None):\n        return self.not_written_yet(X)\n"
)


def broken_work(path, *, modified):
    path.write_text(BROKEN)
    return modified_at(path, modified)


def test_a_newer_file_whose_forward_raises_loses_to_an_older_one_whose_forward_runs(tmp_path):
    finished_work(tmp_path / "answer.py", modified=LAST_YEAR)
    broken_work(tmp_path / "scratch.py", modified=YESTERDAY)
    report = api.grade(tmp_path, "dic-sprint22", max_examples=10, use_torch=False)
    assert report.file == "answer.py"
    assert report.choice == "2 files define SimpleRNN (scratch.py, answer.py); graded answer.py, the only one whose forward runs"
    assert report.score == 83  # every check but the two torch ones, skipped here


def test_two_files_whose_forwards_both_run_are_a_tie_said_in_the_reports_first_lines_and_on_the_console(tmp_path):
    finished_work(tmp_path / "old" / "rnn.py", modified=LAST_MONTH)
    finished_work(tmp_path / "answer.ipynb", modified=YESTERDAY)
    report = api.grade(tmp_path, "dic-sprint22", max_examples=10, use_torch=False)
    said = (
        "2 files define SimpleRNN and 2 of them have a forward that runs (answer.ipynb, old/rnn.py); graded answer.ipynb, "
        "the most recently modified: remove the others, or check that it is the one you meant"
    )
    assert report.file == "answer.ipynb" and report.choice == said
    assert said in markdown(report).splitlines()[:4]
    done = subprocess.run(
        [sys.executable, "grader.py", "check", str(tmp_path), "--max-examples", "5"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert any(said in line for line in done.stdout.splitlines()[:3]), done.stdout


def test_when_no_forward_runs_the_most_recently_modified_file_is_graded_and_the_choice_says_none_ran(tmp_path):
    broken_work(tmp_path / "a.py", modified=LAST_YEAR)
    broken_work(tmp_path / "b.py", modified=YESTERDAY)
    report = api.grade(tmp_path, "dic-sprint22", max_examples=10, use_torch=False)
    assert report.file == "b.py"
    assert report.choice == "2 files define SimpleRNN (b.py, a.py) and no forward of theirs runs; graded b.py, the most recently modified"


def test_a_batch_student_with_a_tie_gets_it_in_the_gradebooks_notes_column(tmp_path):
    cohort, out = tmp_path / "cohort", tmp_path / "out"
    finished_work(cohort / "dana" / "v1.py", modified=LAST_MONTH)
    finished_work(cohort / "dana" / "v2.py", modified=YESTERDAY)
    api.batch(cohort, "dic-sprint22", out=out, jobs=1, max_examples=5)
    with open(out / "gradebook.csv", newline="") as f:
        row = next(csv.DictReader(f))
    assert (row["student"], row["file"]) == ("dana", "v2.py")
    assert row["notes"].startswith("2 files define SimpleRNN and 2 of them have a forward that runs (v2.py, v1.py); graded v2.py")
