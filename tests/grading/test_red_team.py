"""The red team: hostile submissions, each with its exact outcome, graded in one batch from the command line.

The batch runs as a course would run it (`grader.py batch DIR --out OUT`), so the
attacks that read the grader's command line in /proc find real paths. Every
submission must get exactly its score per problem and its status, a report
written within its time bound, and leave nothing behind: no process, no file
outside its own folder, no change to another student's reports.

Scores: a class that returns zeros of the right shape earns forward_shape (10),
no state between calls (5) and inputs kept (5) in problem1, nothing in
problem2, and "backward matches its own forward" (8) in problem3: a constant
forward has zero gradients, which is what it reports. So 20, 0, 8.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.grading.subreaper import Subreaper

ROOT = Path(__file__).resolve().parents[2]
RED_TEAM = ROOT / "tests" / "fixtures" / "red_team"
TIMEOUT = 5.0  # seconds for each submission, shared by its problems
ROOT_ONLY = os.geteuid() != 0  # the mount namespace and the unprivileged user need the grader to run as root

FULL, NOTHING, ZEROS = (50, 15, 35), (0, 0, 0), (20, 0, 8)
EXPECTED = {
    # Hangs: every problem that calls the code runs out of its time.
    "hang_loop_at_import": (NOTHING, "timeout"),
    "hang_loop_in_forward": (NOTHING, "timeout"),
    "hang_sleep_in_forward": (NOTHING, "timeout"),
    "hang_ignoring_sigterm": (NOTHING, "timeout"),
    # Exits: nothing to grade, or every check ends in the exit; a KeyboardInterrupt in backward costs only problem3.
    "exit_sys_exit_at_import": (NOTHING, "error"),
    "exit_os_exit_in_forward": (NOTHING, "error"),
    "exit_raise_systemexit_in_forward": (NOTHING, "error"),
    "exit_keyboardinterrupt_in_backward": ((50, 15, 0), "graded"),
    # Crashes and resource abuse: contained; the print flood, the disk filler and the fork bomb are otherwise correct.
    "crash_segfault_at_import": (NOTHING, "error"),
    "crash_stack_overflow_in_forward": (NOTHING, "error"),
    "memory_hog_in_forward": (NOTHING, "error"),
    "huge_return_array": ((5, 0, 0), "graded"),  # only "inputs kept" holds; the billion-entry arrays are refused
    "print_flood_at_import": (FULL, "graded"),
    "disk_fill_at_import": (FULL, "graded"),
    "fork_bomb_at_import": (FULL, "graded"),
    # Hostile return values: only what is really there counts.
    "nan_results": ((5, 0, 0), "graded"),
    "list_results": (FULL, "graded"),
    "ndarray_subclass_eq_always_true": (ZEROS, "graded"),
    "object_with_hostile_dunders": ((5, 0, 0), "graded"),
    # Patching the worker's numpy or builtins cannot reach the grader's comparisons.
    "patch_numpy_at_import": (ZEROS, "graded"),
    "patch_builtins_at_import": (NOTHING, "error"),  # it breaks the worker's own replies
    # Forbidden imports, however asked for, and the reference read from disk.
    "import_torch_at_top": (NOTHING, "error"),
    "import_reference_with_importlib": (NOTHING, "error"),
    "import_with_dunder_import_and_exec": (NOTHING, "error"),
    "read_reference_from_disk": (ZEROS, "graded"),  # would be FULL if the source were readable
    # Snooping finds no expected values: none are in the worker.
    "snoop_gc_for_expected": (ZEROS, "graded"),
    "snoop_call_stack": (ZEROS, "graded"),
    # Forging: the reports stay the grader's.
    "forge_reports_via_proc": (ZEROS, "graded"),
    "forge_with_detached_daemon": (ZEROS, "graded"),
    # Stray processes and threads, and environment damage, do not disturb a correct class.
    "stray_children": (FULL, "graded"),
    "stray_thread": (FULL, "graded"),
    "close_std_streams": (FULL, "graded"),
    "chdir_and_clear_environ": (FULL, "graded"),
    "close_grader_channel": (NOTHING, "error"),
    # Bad files.
    "broken_notebook": (NOTHING, "error"),
    "non_utf8_notebook": (NOTHING, "error"),
    "thousands_of_cells": (FULL, "graded"),
    "empty": (NOTHING, "error"),
    "binary_garbage": (NOTHING, "error"),
    # Batch: a classmate's code and reports are out of reach.
    "batch_copy_classmate": (ZEROS, "graded"),  # would be FULL if it could read the classmate's file
    "batch_vandalise_reports": (ZEROS, "graded"),
    "zz_correct_classmate": (FULL, "graded"),
}
NEEDS_ROOT = {"read_reference_from_disk", "batch_copy_classmate"}


LEFT_BEFORE: set = set()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The red team graded by one batch, run under a child subreaper with a temporary folder of its own, so that any
    process or file it leaves behind is found, and none of another test's running at the same time is mistaken for it."""
    LEFT_BEFORE.update(nobodys_files(Path(tempfile.gettempdir())))
    folder, out, scratch = (tmp_path_factory.mktemp(name) for name in ("red_team", "red_team_out", "red_team_tmp"))
    for entry in RED_TEAM.iterdir():
        shutil.copy(entry, folder / entry.name)
    stray = stray_checkout()
    started = time.monotonic()
    command = ["env", f"TMPDIR={scratch}", sys.executable, str(ROOT / "grader.py"), "batch", str(folder), "--out", str(out)]
    command += ["--jobs", "2", "--timeout", str(TIMEOUT), "--max-examples", "15"]
    log = tmp_path_factory.mktemp("red_team_log") / "batch.log"
    try:
        with open(log, "w") as output:
            run = Subreaper(command, output=output)
            try:
                code = run.exit_code()
                time.sleep(1.0)  # give a surviving daemon its chance to act
                left = run.describe()
            finally:
                run.close()
        assert code == 0, log.read_text()
        yield out, time.monotonic() - started, left, scratch
    finally:
        if stray is not None:
            shutil.rmtree(stray.parent, ignore_errors=True)


def stray_checkout() -> Path | None:
    """Another copy of the project's reference outside the checkout, as on a CI machine that holds the repository it cloned.

    The worker must not find it either: hiding the checkout being graded is not enough.
    """
    if ROOT_ONLY:
        return None
    stray = Path("/srv") / f"rnn-grader-stray-checkout-{os.getpid()}" / "reference"
    shutil.copytree(ROOT / "reference", stray)
    return stray


def report(out: Path, student: str) -> dict:
    return json.loads((out / student / "report.json").read_text())


def test_the_red_team_has_at_least_thirty_submissions_and_each_has_an_expectation():
    names = sorted(p.name.rsplit(".", 1)[0] for p in RED_TEAM.iterdir())
    assert names == sorted(EXPECTED) and len(names) >= 30


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_hostile_submission_gets_exactly_its_scores_and_status(batch, student):
    if student in NEEDS_ROOT and ROOT_ONLY:
        pytest.skip("the defence against reading files needs the grader to run as root (see the README's threat model)")
    out, *_ = batch
    scores, status = EXPECTED[student]
    found = report(out, student)
    assert (tuple(p["score"] for p in found["problems"]), found["status"]) == (scores, status), found["reason"]


def test_every_report_is_written_within_its_time_bound(batch):
    out, seconds, *_ = batch
    for student in EXPECTED:
        found = report(out, student)
        assert found["seconds"] <= TIMEOUT + 3, student  # the submission's limit, and a margin for killing its worker
        assert all((out / student / name).exists() for name in ("report.md", "junit.xml", "results.json"))
    assert seconds < 600


def test_forged_and_vandalised_reports_are_the_graders_own(batch):
    out, *_ = batch
    for student in ("forge_reports_via_proc", "forge_with_detached_daemon", "batch_vandalise_reports", "zz_correct_classmate"):
        expected = sum(EXPECTED[student][0])
        assert report(out, student)["score"] == expected
        assert json.loads((out / student / "results.json").read_text())["score"] == expected
    assert "vandalised" not in (out / "gradebook.csv").read_text()


def test_no_process_is_left_behind(batch):
    _, _, left, _ = batch
    assert left == []
    sleepers = subprocess.run(["pgrep", "-f", "sleep 1000"], capture_output=True, text=True).stdout.split()
    assert sleepers == []


def test_the_refused_import_and_the_capped_flood_are_reported(batch):
    out, *_ = batch
    assert report(out, "import_torch_at_top")["warnings"][0] == "refused import of torch: this assignment is written with NumPy only"
    flood = report(out, "print_flood_at_import")["output"]["stdout"]
    assert len(flood) < 70_000 and "more bytes not kept" in flood


@pytest.mark.skipif(ROOT_ONLY, reason="the mount namespace and the unprivileged user need the grader to run as root")
def test_workers_ran_isolated_as_nobody(batch):
    out, *_ = batch
    assert "the submission ran in a worker with its own mount namespace, user nobody" in report(out, "zz_correct_classmate")["notes"]


def test_no_file_is_left_outside_the_workers_own_folders(batch):
    _, _, _, scratch = batch
    assert worker_folders(scratch) | nobodys_files(scratch) == set()
    # Anywhere else in the temporary folder: only what other tests' killed batches left before this one ran (worker
    # folders there may be other tests' running now, so only files of the workers' user count).
    assert nobodys_files(Path(tempfile.gettempdir())) <= LEFT_BEFORE


def worker_folders(root: Path) -> set[Path]:
    return set(root.glob("rnn-grader-worker-*"))


def nobodys_files(root: Path) -> set[Path]:
    """Files owned by the workers' user under ``root``."""
    found = set()
    for path in root.rglob("*"):
        try:
            if path.lstat().st_uid == 65534:
                found.add(path)
        except OSError:
            pass
    return found
