"""No helper process outlives the grader: not when it is killed mid-run (SIGKILL, which it cannot handle), not when it ends.

Each grader runs under a child subreaper (``subreaper.py``), so that a process
it leaves behind stays a descendant of the helper, where /proc shows it,
instead of moving to init.
"""

import os
import shutil
import signal
import sys
from pathlib import Path

from tests.grading.subreaper import Subreaper, generations

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"
GRACE = 0.5
"""Seconds the kernel and the zygotes get to end what a killed grader left. What dies with the grader dies within
milliseconds; before processes died with the grader, the torch oracle lived on for a second, the batch's grading
processes for good."""


def grader(*args) -> list[str]:
    return [sys.executable, str(ROOT / "grader.py"), *map(str, args)]


def killed_mid_run(command: list[str], *, workers_at: int) -> Subreaper:
    """Start ``command`` under a subreaper and SIGKILL it, and only it, once a worker runs ``workers_at`` generations below it."""
    run = Subreaper(command, output=None)
    assert run.wait_until(lambda: len(generations(run.pid)) >= workers_at, 120), f"no worker started: {run.describe()}"
    os.kill(run.pid, signal.SIGKILL)
    assert run.exit_code() == -signal.SIGKILL
    return run


def test_a_batch_killed_mid_run_leaves_no_process_behind(tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    for name in ("ok_every_step.py", "bug_dwh_uses_h_t.py", "hang_at_import.py"):
        shutil.copy(FIXTURES / name, cohort / name)
    command = grader("batch", cohort, "--out", tmp_path / "out", "--jobs", 2, "--timeout", 5, "--max-examples", 10)
    # batch -> grading process -> zygote -> worker
    run = killed_mid_run(command, workers_at=3)
    try:
        assert run.wait_until(lambda: not run.processes(), GRACE), f"left behind: {run.describe()}"
    finally:
        run.close()


def test_a_grading_killed_mid_run_leaves_no_process_behind(tmp_path):
    command = grader("grade", FIXTURES / "hang_at_import.py", "--out", tmp_path, "--timeout", 5)
    # grade -> zygote -> worker, and grade -> torch oracle
    run = killed_mid_run(command, workers_at=2)
    try:
        assert run.wait_until(lambda: not run.processes(), GRACE), f"left behind: {run.describe()}"
    finally:
        run.close()


def test_a_grading_that_ended_has_waited_for_every_process_it_started(tmp_path):
    run = Subreaper(grader("grade", FIXTURES / "ok_every_step.py", "--out", tmp_path, "--max-examples", 10), output=None)
    try:
        assert run.exit_code() == 0
        assert run.processes() == [], f"still running after the grader exited: {run.describe()}"
    finally:
        run.close()
