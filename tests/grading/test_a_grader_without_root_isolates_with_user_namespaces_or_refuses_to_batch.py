"""Without root, the grader walls its workers in with user namespaces where the kernel allows them. Where it does not,
every report says the workers were not isolated, `batch` refuses in one line unless given --allow-unisolated, and then
reuses no stored report, which an unisolated worker could have forged.

The grader runs as an unprivileged user (uid 1000) through ``unprivileged.py``, which this test starts as root; with
``--no-user-namespaces``, inside a user namespace where no more can be made.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.grading.subreaper import Subreaper
from tests.grading.test_red_team import EXPECTED

ROOT = Path(__file__).resolve().parents[2]
RED_TEAM = ROOT / "tests" / "fixtures" / "red_team"
UNPRIVILEGED = ROOT / "tests" / "grading" / "unprivileged.py"
USER = 1000
COHORT = (
    "kill_classmates_by_pid",  # as the grader's user, without walls: stops the grader and kills every other worker
    "kill_every_process",
    "forge_reports_via_proc",
    "batch_vandalise_reports",
    "leave_answers_in_shared_folders",
    "read_answers_left_in_shared_folders",
    "remove_the_import_blocker_and_import_torch",
    "zz_correct_classmate",
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the test starts the grader as another user, which needs root")


@pytest.fixture
def scratch():
    """A folder the unprivileged user owns, outside pytest's (which only root may enter)."""
    folder = Path(tempfile.mkdtemp(prefix="rnn-grader-unprivileged-"))
    (folder / "tmp").mkdir()
    for path in (folder, folder / "tmp"):
        os.chown(path, USER, USER)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def as_user(scratch: Path, *args, user_namespaces: bool = True) -> list[str]:
    """The grader's command line run as the unprivileged user, with its home and temporary folder in ``scratch``."""
    wrapper = [sys.executable, str(UNPRIVILEGED), *([] if user_namespaces else ["--no-user-namespaces"])]
    environment = ["env", f"HOME={scratch}", f"TMPDIR={scratch / 'tmp'}"]
    return [*wrapper, *environment, sys.executable, str(ROOT / "grader.py"), *map(str, args)]


def cohort(scratch: Path, names) -> Path:
    folder = scratch / "cohort"
    folder.mkdir()
    for name in names:
        shutil.copy(RED_TEAM / f"{name}.py", folder / f"{name}.py")
    os.chown(folder, USER, USER)
    return folder


def batch(scratch: Path, *args, user_namespaces: bool = True) -> tuple[int, str]:
    """Run `grader.py batch` as the user under a subreaper (which kills whatever is left, stopped processes included);
    its exit code and output."""
    log = scratch / "batch.log"
    with open(log, "w") as output:
        run = Subreaper(as_user(scratch, "batch", *args, user_namespaces=user_namespaces), output=output)
        try:
            code = run.exit_code(timeout=240)
        finally:
            run.close()
    return code, log.read_text()


def report(out: Path, student: str) -> dict:
    return json.loads((out / student / "report.json").read_text())


def user_namespaces_work(scratch: Path) -> bool:
    probe = "from grading.sandbox import isolation; print(isolation().mode)"
    found = subprocess.run(as_user(scratch)[:-1] + ["-c", probe], capture_output=True, text=True, cwd=ROOT, check=False)
    return found.stdout.strip() == "user"


def test_without_root_a_batch_walls_each_worker_in_its_own_user_mount_and_pid_namespaces(scratch):
    if not user_namespaces_work(scratch):
        pytest.skip("unprivileged user namespaces are not available on this machine")
    out = scratch / "out"
    code, log = batch(scratch, cohort(scratch, COHORT), "--out", out, "--jobs", 2, "--timeout", 5, "--max-examples", 15)
    assert code == 0, log
    for student in COHORT:
        found = report(out, student)
        scores, status = EXPECTED[student]
        assert (tuple(p["score"] for p in found["problems"]), found["status"]) == (scores, status), (student, found["reason"])
        assert "the submission ran in a worker with its own user, mount, PID and network namespaces" in found["notes"], student
    assert report(out, "remove_the_import_blocker_and_import_torch")["warnings"][0].startswith("refused import of torch")


def test_without_user_namespaces_batch_refuses_unless_allowed_then_every_report_says_so_and_nothing_stored_is_reused(scratch):
    # Harmless submissions: unisolated, kill_every_process would kill the grader itself, which runs as the same user.
    folder, out = cohort(scratch, ("zz_correct_classmate", "list_results")), scratch / "out"
    refused = subprocess.run(
        as_user(scratch, "batch", folder, "--out", out, user_namespaces=False), capture_output=True, text=True, cwd=scratch, check=False
    )
    assert refused.returncode == 2 and refused.stdout == ""
    assert len(refused.stderr.splitlines()) == 1, refused.stderr
    assert refused.stderr.startswith("grader.py: error: workers cannot be isolated here") and "--allow-unisolated" in refused.stderr
    assert not out.exists()

    allowed = ("--out", out, "--allow-unisolated", "--jobs", 1, "--max-examples", 10, "--timeout", 30)
    code, log = batch(scratch, folder, *allowed, user_namespaces=False)
    assert code == 0, log
    for student in ("zz_correct_classmate", "list_results"):
        assert any(note.startswith("the submission ran in a worker with no isolation") for note in report(out, student)["notes"])
    # What a classmate's unisolated worker could have done meanwhile; the fingerprint is just as writable, so a rerun
    # trusts neither.
    forged = {**report(out, "zz_correct_classmate"), "score": 0.0, "reason": "forged"}
    (out / "zz_correct_classmate" / "report.json").write_text(json.dumps(forged))
    code, log = batch(scratch, folder, *allowed, user_namespaces=False)
    assert code == 0 and "2 graded now, 0 unchanged" in log, log
    assert report(out, "zz_correct_classmate")["score"] == 100
