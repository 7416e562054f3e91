"""The red team: hostile submissions, each with its exact outcome, graded in one batch from the command line.

The batch runs as a course would run it (`grader.py batch DIR --out OUT`), so the
attacks that read the grader's command line in /proc find real paths. Every
submission must get exactly its score per problem and its status, a report
written within its time bound, and leave nothing behind: no process, no file
outside its own folder, no change to another student's reports.

Scores: a class that returns zeros of the right shape earns forward_shape (10),
no state between calls (5) and inputs kept (5) in problem1, and nothing in
problem2 or problem3: "backward matches its own forward" cannot test a forward
that never changes, so it fails. So 20, 0, 0.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt
from nbformat.v4 import new_code_cell, new_notebook, new_output

from grading.sandbox import WORKER_IDS, isolation
from tests.grading.subreaper import Subreaper

ROOT = Path(__file__).resolve().parents[2]
RED_TEAM = ROOT / "tests" / "fixtures" / "red_team"
TIMEOUT = 5.0  # seconds for each submission, shared by its problems
ROOT_ONLY = os.geteuid() != 0  # a copy of the project in /srv, and a user of its own for each worker, need root
UNISOLATED = not isolation().isolated  # no root and no user namespaces: no worker has a root of its own

FULL, NOTHING, ZEROS = (50, 15, 35), (0, 0, 0), (20, 0, 0)
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
    # Symbolic links, which git stores: never followed, never copied into the worker; each one named as ignored.
    "link_to_the_reference_solution": (NOTHING, "error"),  # FULL if followed: it points into the grader's own folder
    "link_to_a_classmates_file": (NOTHING, "error"),  # FULL if followed: it points at zz_correct_classmate.py
    "link_to_etc_shadow": (ZEROS, "graded"),  # and /etc/shadow never reaches the worker, so not the report
    "link_to_proc_kmsg": (NOTHING, "error"),  # reading it would hang the whole batch before anyone is graded
    "many_links_to_a_large_file": (NOTHING, "error"),  # generated; reading each in full took 46 s outside every limit
    # Size and number of files: the student's work is found and read, whatever surrounds it (generated).
    "venv_named_otherwise_before_the_real_file": (FULL, "graded"),
    "notebook_with_100mb_of_outputs": (FULL, "graded"),  # the limit is on the code, not the outputs
    # Batch: a classmate's code and reports are out of reach.
    "batch_copy_classmate": (ZEROS, "graded"),  # would be FULL if it could read the classmate's file
    "batch_vandalise_reports": (ZEROS, "graded"),
    "zz_correct_classmate": (FULL, "graded"),
    # Gaming the checks (issue 14, points 7-11).
    "kink_at_every_probed_point_and_a_zero_backward": ((50, 15, 0), "graded"),  # own forward tested nothing: 0, not 8
    "published_answer_as_a_constant": (ZEROS, "graded"),  # problem2 also runs a second, unpublished x
    "published_weights_held_in_globals": ((20, 15, 0), "graded"),  # computes from x: a problem1 failure, not problem2's
    # State between calls, and inputs changed, in either call form: each loses its own check (5) only.
    "state_kept_only_when_h0_is_given": ((45, 15, 35), "graded"),
    "answers_cached_by_input": ((45, 15, 35), "graded"),
    "changes_x_when_h0_is_none": ((45, 15, 35), "graded"),
    "changes_x_when_h0_is_given": ((45, 15, 35), "graded"),
    # Recognising graded inputs: the fixed cases are off the grid, so a grid detector fails them; the documented shapes
    # are public, so a shape detector passes the public defaults, and only a secret seed with realistic cases catches it
    # (tests/grading/test_a_secret_seed_and_realistic_cases_catch_a_submission_that_games_the_tests.py).
    "correct_only_on_grid_values": ((20, 0, 0), "graded"),
    "recurrence_only_within_the_documented_shapes": (FULL, "graded"),
    # What comes back from the worker (issue 14, points 5, 6, 14 and 16): a reply is capped by its own script, every
    # frame is checked field by field (a forged one ends the grading with that reason), a real dtype is converted with a
    # note, and the submission's text is escaped for each report format.
    "return_32_mib_of_uint8": ((5, 0, 0), "graded"),  # only "inputs kept" holds; the 32 MiB answers are never read
    "forge_a_frame_of_the_wrong_type": (NOTHING, "error"),
    "forge_an_extra_reply_frame": (NOTHING, "error"),
    "forge_a_deeply_nested_header": (NOTHING, "error"),
    "forge_an_array_of_rank_70": (NOTHING, "error"),
    "raise_a_lone_surrogate": ((50, 15, 0), "graded"),
    "inject_markdown_into_the_report": ((50, 15, 0), "graded"),
    "inject_control_characters_into_junit": ((50, 15, 0), "graded"),
    "warn_100_mb": (FULL, "graded"),
    "ok_big_endian_float64": (FULL, "graded"),
    "ok_longdouble": (FULL, "graded"),
    # The worker's walls (issue 14, points 2, 3, 4 and 12): a PID namespace and a user of its own, so no worker sees or
    # signals another or the grader; a namespace whose end takes every process in it; forbidden packages absent from
    # its filesystem; nothing shared on disk. Each attacker is otherwise correct, and its classmates keep FULL.
    "kill_every_process": (FULL, "graded"),
    "kill_classmates_by_pid": (FULL, "graded"),  # stops, then kills, pids 1 to 32768
    "clear_death_signal_and_linger": (FULL, "graded"),  # its `sleep 1000` ends with the worker (test_no_process_is_left_behind)
    "remove_the_import_blocker_and_import_torch": (NOTHING, "error"),  # FULL if torch could be imported; the report says it tried
    "leave_answers_in_shared_folders": (FULL, "graded"),
    "read_answers_left_in_shared_folders": (ZEROS, "graded"),  # FULL if it found the answer its classmate left
    # The network (issue 18): a worker has a network namespace of its own, so a Dask scheduler on the grading machine,
    # which runs whatever task it is sent, is out of reach. ZEROS if it got through to the port the batch listens on.
    "reach_a_dask_scheduler_on_this_machine": (FULL, "graded"),
}
NEEDS_ISOLATION = {"read_reference_from_disk", "batch_copy_classmate", "read_answers_left_in_shared_folders"}


def many_links_to_a_large_file(folder: Path, scratch: Path) -> None:
    """100 links to one sparse 434 MB file outside the cohort."""
    large = scratch / "large.bin"
    with open(large, "wb") as file:
        file.truncate(434 * 10**6)
    (folder / "many_links_to_a_large_file").mkdir()
    for number in range(100):
        (folder / "many_links_to_a_large_file" / f"rnn_{number:03}.py").symlink_to(large)


def venv_named_otherwise_before_the_real_file(folder: Path, scratch: Path) -> None:
    """stuff/, a virtual environment (it holds pyvenv.cfg) with 2500 .py files, sorts before submission/rnn.py, a correct class."""
    root = folder / "venv_named_otherwise_before_the_real_file"
    library = root / "stuff" / "lib" / "python3.11"
    library.mkdir(parents=True)
    (root / "stuff" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    for number in range(2500):
        (library / f"module_{number:04}.py").write_text(f"NUMBER = {number}\n")
    (root / "submission").mkdir()
    shutil.copy(RED_TEAM / "zz_correct_classmate.py", root / "submission" / "rnn.py")


def notebook_with_100mb_of_outputs(folder: Path, scratch: Path) -> None:
    """A correct class in the first cell, and 100 cells each showing a 1 MB picture."""
    picture = {"image/png": "iVBORw0KGgo" + "A" * 10**6}
    cells = [new_code_cell((RED_TEAM / "zz_correct_classmate.py").read_text())]
    cells += [new_code_cell(f"plot({n})", outputs=[new_output("display_data", data=picture)]) for n in range(100)]
    nbformat.write(new_notebook(cells=cells), folder / "notebook_with_100mb_of_outputs.ipynb")


GENERATED = {f.__name__: f for f in (many_links_to_a_large_file, venv_named_otherwise_before_the_real_file, notebook_with_100mb_of_outputs)}
"""Submissions too large to commit, made in the cohort's folder at run time."""


LEFT_BEFORE: set = set()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The red team graded by one batch, run under a child subreaper with a temporary folder of its own, so that any
    process or file it leaves behind is found, and none of another test's running at the same time is mistaken for it."""
    if UNISOLATED:
        pytest.skip(f"workers cannot be isolated here, so batch refuses, and the attacks on classmates would succeed: {isolation().note}")
    LEFT_BEFORE.update(workers_files(Path(tempfile.gettempdir())))
    folder, out, scratch = (tmp_path_factory.mktemp(name) for name in ("red_team", "red_team_out", "red_team_tmp"))
    for entry in RED_TEAM.iterdir():  # links stay links, as a clone of the student's repository holds them
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, folder / entry.name, symlinks=True)
        else:
            shutil.copy(entry, folder / entry.name, follow_symlinks=False)
    generated = tmp_path_factory.mktemp("red_team_generated")
    for make in GENERATED.values():
        make(folder, generated)
    stray = stray_checkout()
    started = time.monotonic()
    # From the project's folder, as a course would run it: a link to /proc/self/cwd/... then points at its reference.
    command = ["env", "-C", str(ROOT), f"TMPDIR={scratch}", sys.executable, str(ROOT / "grader.py"), "batch", str(folder)]
    command += ["--out", str(out)]
    command += ["--jobs", "2", "--timeout", str(TIMEOUT), "--max-examples", "15"]
    log = tmp_path_factory.mktemp("red_team_log") / "batch.log"
    scheduler = listening_where_a_dask_scheduler_would()
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
        yield out, time.monotonic() - started, left, scratch, scheduler
    finally:
        if scheduler is not None:
            scheduler.close()
        if stray is not None:
            shutil.rmtree(stray.parent, ignore_errors=True)


def listening_where_a_dask_scheduler_would() -> socket.socket | None:
    """A socket listening on 127.0.0.1:8786, Dask's default scheduler port, or None when something else holds it already
    (a submission would then reach that instead)."""
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", 8786))
    except OSError:
        listener.close()
        return None
    listener.listen()
    listener.setblocking(False)
    return listener


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
    committed = [p.name.rsplit(".", 1)[0] for p in RED_TEAM.iterdir() if p.name != "__pycache__"]
    names = sorted(committed + list(GENERATED))
    assert names == sorted(EXPECTED) and len(names) >= 30


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_hostile_submission_gets_exactly_its_scores_and_status(batch, student):
    if student in NEEDS_ISOLATION and UNISOLATED:
        pytest.skip("the defence against reading files needs isolated workers (see the README's threat model)")
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


def test_no_worker_reached_the_port_a_dask_scheduler_listens_on(batch):
    *_, scheduler = batch
    if scheduler is not None:
        with pytest.raises(BlockingIOError):  # nothing connected
            scheduler.accept()
    assert report(batch[0], "reach_a_dask_scheduler_on_this_machine")["score"] == sum(FULL)


def test_no_process_is_left_behind(batch):
    _, _, left, *_ = batch
    assert left == []
    sleepers = subprocess.run(["pgrep", "-f", "sleep 1000"], capture_output=True, text=True).stdout.split()
    assert sleepers == []


def test_the_refused_import_and_the_capped_flood_are_reported(batch):
    out, *_ = batch
    assert report(out, "import_torch_at_top")["warnings"][0] == "refused import of torch: this assignment is written with NumPy only"
    flood = report(out, "print_flood_at_import")["output"]["stdout"]
    assert len(flood) < 70_000 and "more bytes not kept" in flood


def test_an_attempt_on_the_import_wall_is_reported_even_with_the_hook_removed(batch):
    out, *_ = batch
    found = report(out, "remove_the_import_blocker_and_import_torch")
    assert found["warnings"][0] == "refused import of torch: this assignment is written with NumPy only"


@pytest.mark.skipif(ROOT_ONLY, reason="a user of its own for each worker needs the grader to run as root")
def test_workers_ran_isolated_each_as_a_user_of_its_own(batch):
    out, *_ = batch
    for student in ("zz_correct_classmate", "kill_every_process"):
        assert (
            "the submission ran in a worker with its own mount, PID and network namespaces and a user of its own"
            in report(out, student)["notes"]
        )


def test_no_file_is_left_outside_the_workers_own_folders(batch):
    _, _, _, scratch, _ = batch
    assert worker_folders(scratch) | workers_files(scratch) == set()
    # Anywhere else in the temporary folder: only what other tests' killed batches left before this one ran (worker
    # folders there may be other tests' running now, so only files of the workers' users count).
    assert workers_files(Path(tempfile.gettempdir())) <= LEFT_BEFORE


def worker_folders(root: Path) -> set[Path]:
    return set(root.glob("rnn-grader-worker-*"))


def workers_files(root: Path) -> set[Path]:
    """Files owned by a worker's user under ``root`` (as root, each worker has its own: ``grading.sandbox.WORKER_IDS``)."""
    found = set()
    # os.walk, not rglob: another test's worker folder may vanish while it is walked, which rglob raises on.
    for folder, dirs, files in os.walk(root, onerror=lambda error: None):
        for name in (*dirs, *files):
            path = Path(folder) / name
            try:
                if path.lstat().st_uid in WORKER_IDS:
                    found.add(path)
            except OSError:
                pass
    return found


# What each linked submission's report says it left out.
IGNORED_LINKS = {
    "link_to_the_reference_solution": "ignored rnn.py: a symbolic link",
    "link_to_a_classmates_file": "ignored homework.py: a symbolic link",
    "link_to_etc_shadow": "ignored shadow.py: a symbolic link",
    "link_to_proc_kmsg": "ignored x.py: a symbolic link",
    "many_links_to_a_large_file": "ignored rnn_000.py, rnn_001.py, rnn_002.py, rnn_003.py, rnn_004.py and 95 more: symbolic links",
}


@pytest.mark.parametrize("student", sorted(IGNORED_LINKS))
def test_each_link_is_named_as_ignored_in_the_report(batch, student):
    out, *_ = batch
    assert IGNORED_LINKS[student] in report(out, student)["notes"]


def test_a_linked_file_never_reaches_the_worker(batch):
    out, *_ = batch
    found = report(out, "link_to_etc_shadow")
    assert found["output"]["stdout"].startswith("no shadow file in the worker (FileNotFoundError)")
    assert "shadow users" not in json.dumps(found)


def test_links_to_a_large_file_cost_no_time(batch):
    out, *_ = batch
    assert report(out, "many_links_to_a_large_file")["seconds"] < 2.0


def test_the_students_file_is_found_past_a_venv_of_2500_files_that_sorts_first(batch):
    out, *_ = batch
    assert report(out, "venv_named_otherwise_before_the_real_file")["file"] == "submission/rnn.py"


FORGERS = ("forge_a_frame_of_the_wrong_type", "forge_an_extra_reply_frame", "forge_a_deeply_nested_header", "forge_an_array_of_rank_70")


@pytest.mark.parametrize("student", FORGERS)
def test_a_forged_frame_ends_the_grading_with_a_report_that_says_so(batch, student):
    out, *_ = batch
    assert report(out, student)["reason"].startswith("the worker sent a malformed reply: "), report(out, student)["reason"]


def test_every_report_file_is_valid_whatever_text_the_submission_chose(batch):
    out, *_ = batch
    for student in EXPECTED:
        ET.parse(out / student / "junit.xml")
        for name in ("report.json", "results.json"):
            json.loads((out / student / name).read_bytes().decode("utf-8", "strict"))
        text = (out / student / "report.md").read_bytes().decode("utf-8", "strict")
        tokens = MarkdownIt("commonmark").enable("table").parse(text)
        kinds = [t.type for t in tokens] + [c.type for t in tokens for c in t.children or []]
        assert [t.tag for t in tokens if t.type == "heading_open"].count("h1") == 1, student
        assert kinds.count("table_open") == 1 and not {"html_block", "html_inline", "link_open"} & set(kinds), student
    assert "\\x00\\x01\\x08\\x0b\\x0c\\x1b" in (out / "inject_control_characters_into_junit" / "junit.xml").read_text()


def test_a_100_mb_exit_message_makes_a_small_report(batch):
    out, *_ = batch
    assert sum(p.stat().st_size for p in (out / "warn_100_mb").iterdir()) < 500_000
    assert any(w.startswith("warn_100_mb.py called sys.exit('xxxx") for w in report(out, "warn_100_mb")["warnings"])


def test_a_32_mib_answer_is_a_wrong_answer_that_names_its_size(batch):
    out, *_ = batch
    shape = next(c for c in report(out, "return_32_mib_of_uint8")["problems"][0]["checks"] if c["name"] == "forward_shape")
    assert "an ndarray of 33554432 values, more than the" in shape["message"]


@pytest.mark.parametrize(("student", "dtype"), [("ok_big_endian_float64", "big-endian float64 (>f8)"), ("ok_longdouble", "longdouble")])
def test_right_values_in_another_real_dtype_get_full_marks_and_a_warning(batch, student, dtype):
    out, *_ = batch
    assert any(f"forward's output was {dtype}" in w for w in report(out, student)["warnings"] + checks_warnings(report(out, student)))


def checks_warnings(found: dict) -> list[str]:
    return [w for p in found["problems"] for c in p["checks"] for w in c["warnings"]]
