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

import pytest

from tests.grading.subreaper import Subreaper, command_line, generations

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"
LINGERER = ROOT / "tests" / "fixtures" / "red_team" / "clear_death_signal_and_linger.py"
"""Clears its death signal and starts a `sleep 1000` that clears its own and leaves the session, then loads for 1 s."""
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


def test_a_grading_killed_while_its_painter_draws_leaves_no_process_behind(tmp_path):
    run = Subreaper(grader("grade", FIXTURES / "bug_no_dh_carry.py", "--out", tmp_path, "--max-examples", 10), output=None)
    painting = lambda: any("painter.serve" in command_line(pid) for pid in run.processes())  # noqa: E731
    try:
        assert run.wait_until(painting, 120), f"no painter started: {run.describe()}"
        os.kill(run.pid, signal.SIGKILL)
        assert run.exit_code() == -signal.SIGKILL
        assert run.wait_until(lambda: not run.processes(), GRACE), f"left behind: {run.describe()}"
    finally:
        run.close()


def test_a_grading_that_ended_has_waited_for_every_process_it_started(tmp_path):
    # a failing submission: its pictures are drawn by the painter, which the grader ends too
    run = Subreaper(grader("grade", FIXTURES / "bug_dwh_uses_h_t.py", "--out", tmp_path, "--max-examples", 10), output=None)
    try:
        assert run.exit_code() == 0
        assert run.processes() == [], f"still running after the grader exited: {run.describe()}"
    finally:
        run.close()


def killed_with_its_zygotes(command: list[str]) -> Subreaper:
    """Start ``command`` under a subreaper; once the lingerer's `sleep 1000` runs, SIGKILL the grader and every zygote
    at once, as the OOM killer or a `kill -9` of the grader's processes might: no process is left to clean up after
    the workers, and neither the worker nor its child will die of a death signal, having cleared theirs."""
    run = Subreaper(command, output=None)
    lingering = lambda: any(command_line(pid) == "sleep 1000" for pid in run.processes())  # noqa: E731
    assert run.wait_until(lingering, 120), f"the lingering child never started: {run.describe()}"
    forked = {pid for pid in run.processes() if "zygote.main()" in command_line(pid)}  # zygotes, and what they forked
    zygotes = [pid for pid in forked if parent(pid) not in forked]
    assert zygotes, run.describe()
    for pid in [*zygotes, run.pid]:  # the zygotes first: the grader's death would send them SIGTERM, which they handle
        os.kill(pid, signal.SIGKILL)
    assert run.exit_code() == -signal.SIGKILL
    return run


@pytest.mark.parametrize("command", ["grade", "batch"])
def test_a_grader_killed_with_its_zygotes_leaves_no_process_behind_not_even_one_that_cleared_its_death_signal(tmp_path, command):
    # What makes it so: each worker is in a PID namespace whose init dies with the worker's keeper, the keeper with the
    # zygote, and the end of an init ends every process in its namespace (grading.zygote).
    if command == "grade":
        run = killed_with_its_zygotes(grader("grade", LINGERER, "--out", tmp_path / "out", "--timeout", 30))
    else:
        cohort = tmp_path / "cohort"
        cohort.mkdir()
        for path in (LINGERER, FIXTURES / "hang_at_import.py", FIXTURES / "ok_every_step.py"):
            shutil.copy(path, cohort / path.name)
        run = killed_with_its_zygotes(
            grader("batch", cohort, "--out", tmp_path / "out", "--jobs", 2, "--timeout", 30, "--max-examples", 10)
        )
    try:
        assert run.wait_until(lambda: not run.processes(), GRACE), f"left behind: {run.describe()}"
    finally:
        run.close()


def parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0
