"""Ctrl-C stops the grader cleanly: one line saying what was finished and kept, no traceback from any process, exit 130.

A terminal's Ctrl-C is SIGINT to its foreground process group: each grader
here leads a group of its own (``start_new_session``), and the test sends
SIGINT to the whole group, as a terminal does. SIGTERM, as ``kill`` sends it
to the grader alone, ends it the same way with exit 143.
"""

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.grading.subreaper import generations, started, still_alive

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"


def start(*args) -> subprocess.Popen:
    """The grader started as a terminal starts it; with the assignment named, so that nothing else goes to stderr."""
    command = [sys.executable, str(ROOT / "grader.py"), *map(str, args), "--assignment", "dic-sprint22"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the grader never got there"
        time.sleep(0.05)


def stop(process: subprocess.Popen, signum: int, *, group: bool) -> tuple[int, str, str, set]:
    """Send ``signum`` to the grader's group (as a terminal does) or to the grader alone; its exit code, stdout, stderr,
    and those of its processes that still run once it has exited."""
    running = started([p for level in generations(process.pid) for p in level])
    (os.killpg if group else os.kill)(process.pid, signum)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err, still_alive(running)


@pytest.mark.parametrize(
    "signum, group, code",
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["ctrl-c to its group exits 130", "sigterm to the grader exits 143"],
)
def test_a_grading_stopped_mid_run_says_in_one_line_that_no_report_was_written(tmp_path, signum, group, code):
    process = start("grade", FIXTURES / "hang_at_import.py", "--out", tmp_path, "--timeout", 30)
    wait_for(lambda: len(generations(process.pid)) >= 2)  # grade -> zygote -> the worker, hanging in the import
    returncode, out, err, left = stop(process, signum, group=group)
    assert returncode == code, err
    assert err.splitlines() == [f"interrupted: no report was written to {tmp_path}"]
    assert "Traceback" not in out + err
    assert list(tmp_path.iterdir()) == []
    assert left == set(), "processes of the grader still run after it exited"


def test_a_batch_stopped_by_ctrl_c_keeps_what_it_finished_and_says_so_in_one_line(tmp_path):
    cohort, out = tmp_path / "cohort", tmp_path / "out"
    cohort.mkdir()
    for name in ("bug_dwh_uses_h_t.py", "hang_at_import.py", "ok_every_step.py"):
        shutil.copy(FIXTURES / name, cohort / name)
    process = start("batch", cohort, "--out", out, "--jobs", 2, "--timeout", 60, "--max-examples", 10)
    wait_for(lambda: len(list(out.glob("*/fingerprint.json"))) == 2)  # the hang takes its 60 s
    returncode, stdout, err, left = stop(process, signal.SIGINT, group=True)
    assert returncode == 130, err
    assert len(err.splitlines()) == 1 and err.startswith(f"interrupted: 2 of 3 submissions are graded and kept in {out}")
    assert "rerun the same command to grade the other 1" in err
    assert "Traceback" not in stdout + err
    kept = {path.parent.name for path in out.glob("*/fingerprint.json")}
    assert kept == {"bug_dwh_uses_h_t", "ok_every_step"} and all((out / name / "report.json").exists() for name in kept)
    with open(out / "gradebook.csv", newline="") as f:
        assert {row["student"] for row in csv.DictReader(f)} == kept
    assert left == set(), "processes of the batch still run after it exited"


@pytest.mark.slow  # end to end and long: CI runs it with -m slow
def test_a_batch_on_a_local_dask_cluster_stopped_by_ctrl_c_keeps_what_it_finished_and_leaves_no_process(tmp_path):
    pytest.importorskip("distributed")
    cohort, out = tmp_path / "cohort", tmp_path / "out"
    cohort.mkdir()
    for name in ("bug_dwh_uses_h_t.py", "hang_at_import.py", "ok_every_step.py"):
        shutil.copy(FIXTURES / name, cohort / name)
    process = start("batch", cohort, "--out", out, "--scheduler", "local:2", "--timeout", 60, "--max-examples", 10)
    wait_for(lambda: len(list(out.glob("*/fingerprint.json"))) == 2)  # the hang takes its 60 s
    returncode, stdout, err, left = stop(process, signal.SIGINT, group=True)
    assert returncode == 130, err
    assert err.splitlines() == [
        f"interrupted: 2 of 3 submissions are graded and kept in {out} (2 now, 0 unchanged), and listed in its gradebook.csv"
        " and summary.md; rerun the same command to grade the other 1"
    ]
    with open(out / "gradebook.csv", newline="") as f:
        assert {row["student"] for row in csv.DictReader(f)} == {"bug_dwh_uses_h_t", "ok_every_step"}
    # Python's multiprocessing resource tracker, which Dask's worker processes start, ends on its own once it reads the
    # end of its pipe from the exited grader: it may still be exiting now, so give what is left a moment.
    wait_for(lambda: not still_alive(left), seconds=5)
