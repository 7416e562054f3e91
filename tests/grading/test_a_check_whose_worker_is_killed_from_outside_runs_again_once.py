"""A worker killed by a signal the grader did not send (an operator, the OOM killer; a classmate, where workers are not
isolated) costs the student nothing: the check runs once more in a fresh worker, and the report says so. A
submission that kills itself does it again, and that second death counts (the red team's crash fixtures)."""

import os
import signal
import threading
import time
from pathlib import Path

from grading import api
from tests.grading.subreaper import descendants

ROOT = Path(__file__).resolve().parents[2]
CORRECT = (ROOT / "tests" / "fixtures" / "red_team" / "zz_correct_classmate.py").read_text()
STOPS_AT_ITS_FIRST_BACKWARD = (
    "import os, signal\n"
    + CORRECT.replace(
        "    def backward(self, dH):\n",
        "    def backward(self, dH):\n"
        "        if not STOPPED:  # once per worker: the test kills the first worker found stopped, and lets the rest go on\n"
        "            STOPPED.append(True)\n"
        "            os.kill(os.getpid(), signal.SIGSTOP)\n",
    )
    + "\nSTOPPED = []\n"
)


def stopped(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"
    except (OSError, IndexError):
        return False


def kill_the_first_stopped_worker(done: threading.Event, killed: list[int]) -> None:
    """SIGKILL the first descendant of this process found stopped, as an outsider would; SIGCONT every later one."""
    while not done.is_set():
        for pid in descendants(os.getpid()):
            if stopped(pid):
                os.kill(pid, signal.SIGCONT if killed else signal.SIGKILL)
                killed.append(pid)
        time.sleep(0.01)


def test_a_check_whose_worker_was_killed_from_outside_runs_again_and_the_report_says_so(tmp_path):
    submission = tmp_path / "stops_at_its_first_backward.py"
    assert "STOPPED.append" in STOPS_AT_ITS_FIRST_BACKWARD
    submission.write_text(STOPS_AT_ITS_FIRST_BACKWARD)
    done, killed = threading.Event(), []
    outsider = threading.Thread(target=kill_the_first_stopped_worker, args=(done, killed), daemon=True)
    outsider.start()
    try:
        report = api.grade(submission, "dic-sprint22", max_examples=10, timeout=60)
    finally:
        done.set()
        outsider.join()
    assert killed, "no worker ever stopped: the submission did not run as written"
    assert (report.status, report.score) == ("graded", report.max_score), report.reason
    again = [note for note in report.notes if "which the grader did not send; the check ran again in a fresh worker" in note]
    assert len(again) == 1 and again[0].startswith("the worker died during problem") and "of SIGKILL" in again[0]
