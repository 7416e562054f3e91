"""Batch grading: the same scores as grading alone, a gradebook and a summary, reruns that skip, and kills that lose nothing."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from grading import api
from tests.grading import browser

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"
COHORT = [
    "ok_every_step.py",
    "bug_dwh_uses_h_t.py",
    "bug_db_averaged.py",
    "hang_at_import.py",
    "crash_in_forward.py",
    "ok_notebook_with_magics_and_missing_data.ipynb",
]
SETTINGS = dict(max_examples=20, timeout=15)  # the hang costs its 15 s; the others need far less, even on a busy machine


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    for name in COHORT:
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "carol").mkdir()  # a repository folder
    shutil.copy(FIXTURES / "ok_last_step_only.py", folder / "carol" / "rnn.py")
    return folder


@pytest.fixture(scope="module")
def graded(cohort, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return api.batch(cohort, out=out, jobs=2, **SETTINGS), out


def gradebook(out):
    with open(out / "gradebook.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.mark.slow  # end to end and long: CI runs it with -m slow
def test_the_batch_gives_each_submission_the_score_it_gets_alone(cohort, graded):
    result, out = graded
    for entry in sorted(cohort.iterdir()):
        alone = api.grade(entry, **SETTINGS)
        student = entry.stem if entry.is_file() else entry.name
        row = next(r for r in result.rows if r.student == student)
        assert (row.score, row.problems) == (alone.score, {p.id: p.score for p in alone.problems}), student
        assert json.loads((out / student / "report.json").read_text())["score"] == alone.score


def test_the_gradebook_has_one_row_per_student_with_status_and_time(graded):
    _, out = graded
    book = gradebook(out)
    assert sorted(book) == sorted([Path(n).stem for n in COHORT] + ["carol"])
    columns = ["student", "total (of 100)", "problem1", "problem2", "problem3", "status", "seconds", "file", "notes"]
    assert list(next(iter(book.values()))) == columns
    assert (book["carol"]["file"], book["ok_every_step"]["file"]) == ("rnn.py", "ok_every_step.py")
    assert book["ok_every_step"]["total (of 100)"] == "100" and book["carol"]["status"] == "graded"
    assert (book["hang_at_import"]["status"], book["crash_in_forward"]["status"]) == ("timeout", "error")
    assert all(float(row["seconds"]) > 0 for row in book.values())


def test_the_summary_shows_the_distribution_the_failed_checks_and_who_was_not_graded(graded):
    _, out = graded
    summary = json.loads((out / "summary.json").read_text())
    assert summary["submissions"] == 7 and sum(b["count"] for b in summary["histogram"]) == 7
    failed = {c["check"]: c for c in summary["checks"]}
    # dWh ran on ok, dwh, db, notebook and carol (not on the hang, which timed out, nor the crash): only the dwh bug fails it.
    assert (failed["problem3.backward_dWh"]["failed"], failed["problem3.backward_dWh"]["of"]) == (1, 5)
    assert {u["student"] for u in summary["ungradable"]} == {"hang_at_import", "crash_in_forward"}
    text = (out / "summary.md").read_text()
    assert "![score distribution](score_histogram.svg)" in text and "problem3.backward_dB" in text
    assert (out / "score_histogram.svg").read_text().startswith("<svg")


def test_summary_html_loads_in_a_browser_and_links_each_students_report_html(graded):
    _, out = graded
    dom, console = browser.load(out / "summary.html")
    assert console == []
    links = [unquote(link) for link in re.findall(r'<a href="([^"]+)/report.html"', dom)]
    assert sorted(links) == sorted([Path(n).stem for n in COHORT] + ["carol"])
    assert all((out / student / "report.html").is_file() for student in links)
    assert "<td>problem3.backward_dWh</td>" in dom


def test_summary_htmls_histogram_draws_each_bar_as_tall_as_its_count(graded):
    _, out = graded
    counts = [b["count"] for b in json.loads((out / "summary.json").read_text())["histogram"]]
    text = (out / "summary.html").read_text()
    heights = []
    for i in range(len(counts)):
        path = re.search(rf'<g id="score-bar-{i}">\s*<path d="([^"]+)"', text).group(1)
        ys = [float(y) for y in re.findall(r"[ML] [-0-9.]+ ([-0-9.]+)", path)]
        heights.append(max(ys) - min(ys))
    tallest = max(counts)
    assert [round(h / max(heights) * tallest, 6) for h in heights] == counts and sum(counts) == 7


@pytest.mark.slow  # end to end and long: CI runs it with -m slow
def test_a_rerun_skips_every_unchanged_submission_and_regrades_a_changed_one(cohort, graded, tmp_path):
    _, out = graded
    again = api.batch(cohort, out=out, jobs=2, **SETTINGS)
    assert (again.graded, again.reused) == (0, 7)
    changed = tmp_path / "cohort"
    shutil.copytree(cohort, changed)
    (changed / "bug_db_averaged.py").write_text((FIXTURES / "ok_every_step.py").read_text())
    third = api.batch(changed, out=out, jobs=2, **SETTINGS)
    assert (third.graded, third.reused) == (1, 6)
    assert gradebook(out)["bug_db_averaged"]["total (of 100)"] == "100"
    assert api.batch(changed, out=out, jobs=2, force=True, **SETTINGS).graded == 7


@pytest.mark.slow  # end to end and long: CI runs it with -m slow
def test_a_batch_killed_halfway_loses_nothing_and_a_rerun_completes_the_gradebook(tmp_path):
    folder = tmp_path / "cohort"
    folder.mkdir()
    for i in range(6):
        shutil.copy(FIXTURES / ("ok_every_step.py" if i % 2 else "bug_dwh_uses_h_t.py"), folder / f"student{i}.py")
    out = tmp_path / "out"
    command = [sys.executable, "grader.py", "batch", str(folder), "--out", str(out), "--jobs", "1", "--max-examples", "20"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/fingerprint.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = len(list(out.glob("*/fingerprint.json")))
    assert 2 <= finished < 6 and not (out / "gradebook.csv").exists()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{6 - finished} graded now, {finished} unchanged" in done.stdout
    book = gradebook(out)
    assert {name: row["total (of 100)"] for name, row in book.items()} == {f"student{i}": "100" if i % 2 else "80" for i in range(6)}
