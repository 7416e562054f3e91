"""Every read of a submission (load, the folder scan, the batch fingerprint, the copy into the worker) follows no
symbolic link, opens nothing but a regular file, and checks a file's size before reading it.

A link is named as ignored. A FIFO would block whoever opens it, so each call that meets one runs in a child
process that must end within a few seconds. The notebook limit is on the code, not on the outputs; and a folder's
Python files nearest the top are looked at first, past any virtual environment, whatever it is called.
"""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from grading import batch, load, zygote

CLASS = "class SimpleRNN:\n    def forward(self, X):\n        return X\n"
CLASSES = ("SimpleRNN",)
ROOT = Path(__file__).resolve().parents[2]
PROMPTLY = 10.0  # seconds: the child imports the grader first; a blocked open never ends


def returns_promptly(code: str) -> str:
    """Run ``code`` in a child process; its stdout, or a failure when it has not ended within PROMPTLY seconds."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=PROMPTLY, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {PROMPTLY:g} s: it blocked on something")
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside the submission, defining the wanted class: what a link would steal."""
    path = tmp_path / "outside" / "solution.py"
    path.parent.mkdir()
    path.write_text(CLASS)
    return path


def test_a_link_in_a_folder_is_named_as_ignored_and_never_followed(tmp_path, secret):
    folder = tmp_path / "thief"
    folder.mkdir()
    (folder / "rnn.py").symlink_to(secret)
    submission = load.load(folder, CLASSES)
    assert (submission.file, submission.sources) == (None, ())
    assert submission.error == "thief holds no .py or .ipynb file the grader can read"
    assert submission.notes == ("ignored rnn.py: a symbolic link",)
    assert load.classes_defined(folder) == set()


def test_beside_a_link_the_real_file_is_graded_and_the_link_named(tmp_path, secret):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "mine.py").write_text("class SimpleRNN:\n    def forward(self, X):\n        return 2 * X\n")
    (folder / "zz_better.py").symlink_to(secret)
    os.utime(folder / "mine.py", (1_600_000_000, 1_600_000_000))  # older than the link's target
    submission = load.load(folder, CLASSES)
    assert submission.file == folder / "mine.py" and submission.candidates == (folder / "mine.py",)
    assert "ignored zz_better.py: a symbolic link" in submission.notes


def test_a_link_given_as_the_submission_is_not_followed(tmp_path, secret):
    link = tmp_path / "rnn.py"
    link.symlink_to(secret)
    submission = load.load(link, CLASSES)
    assert (submission.sources, submission.error) == ((), "rnn.py is a symbolic link; it was not read")
    assert submission.notes == ("ignored rnn.py: a symbolic link",)
    assert load.classes_defined(link) == set()


def test_a_fifo_is_never_opened_by_load_the_scan_or_the_batch(tmp_path):
    folder = tmp_path / "cohort" / "alice"
    folder.mkdir(parents=True)
    (folder / "rnn.py").write_text(CLASS)
    os.mkfifo(folder / "helper.py")
    os.mkfifo(tmp_path / "cohort" / "bob.py")
    out = returns_promptly(f"""
        from pathlib import Path
        from grading import batch, load
        cohort = Path({str(tmp_path / "cohort")!r})
        alice = load.load(cohort / "alice", ("SimpleRNN",))
        print(alice.file.name, alice.notes[0])
        print(load.load(cohort / "bob.py", ("SimpleRNN",)).error)
        print(sorted(load.classes_defined(cohort)))
        print([(s.name, s.why) for s in batch.skipped_entries(cohort)], [e.student for e in batch.entries(cohort)])
        print(len(batch.fingerprint(batch.Entry("alice", cohort / "alice"), batch.Settings("dic-sprint22"), "1")))
    """)
    assert out.splitlines() == [
        "rnn.py ignored helper.py: a FIFO, not a regular file",
        "bob.py is a FIFO, not a regular file; it was not read",
        "['SimpleRNN']",
        "[('bob.py', 'neither a file nor a folder')] ['alice']",
        "64",
    ]


def test_a_file_over_the_cap_is_refused_without_being_read(tmp_path):
    big = tmp_path / "rnn.py"
    with open(big, "wb") as file:
        file.truncate(2**30)  # sparse: reading it would take seconds, checking its size none
    started = time.monotonic()
    submission = load.load(big, CLASSES)
    assert submission.error == f"rnn.py is {2**30} bytes; the limit is {load.MAX_SOURCE_BYTES}"
    assert time.monotonic() - started < 0.5


def test_the_batch_fingerprint_reads_no_link_however_large_or_changed_its_target(tmp_path):
    student = tmp_path / "cohort" / "alice"
    student.mkdir(parents=True)
    (student / "rnn.py").write_text(CLASS)
    target = tmp_path / "large.bin"
    with open(target, "wb") as file:
        file.truncate(2**30)
    (student / "weights.py").symlink_to(target)
    entry, settings = batch.Entry("alice", student), batch.Settings("dic-sprint22")
    started = time.monotonic()
    first = batch.fingerprint(entry, settings, "1")
    assert time.monotonic() - started < 0.5
    with open(target, "r+b") as file:
        file.write(b"changed")
    assert batch.fingerprint(entry, settings, "1") == first
    assert [e.student for e in batch.entries(tmp_path / "cohort")] == ["alice"]


def test_the_copy_into_the_worker_takes_no_link_no_fifo_and_no_environment(tmp_path, secret):
    repository = tmp_path / "repository"
    (repository / "src").mkdir(parents=True)
    (repository / "rnn.py").write_text(CLASS)
    (repository / "src" / "helpers.py").write_text("x = 1\n")
    (repository / "env").mkdir()  # a name load passes over when it looks for the graded file, but a module may import
    (repository / "env" / "grid.py").write_text("z = 3\n")
    (repository / "shadow.py").symlink_to(secret)
    (repository / "src" / "linked").symlink_to(secret.parent)
    os.mkfifo(repository / "pipe.py")
    (repository / "stuff").mkdir()
    (repository / "stuff" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (repository / "stuff" / "tool.py").write_text("y = 2\n")
    out = returns_promptly(f"""
        from pathlib import Path
        from grading import zygote
        print(sorted(zygote._python_files(Path({str(repository)!r})).items()))
    """)
    assert out.strip() == str(sorted({"rnn.py": CLASS.encode(), "env/grid.py": b"z = 3\n", "src/helpers.py": b"x = 1\n"}.items()))


def test_writing_the_copy_creates_each_file_anew_and_only_inside_the_workspace(tmp_path):
    workspace = tmp_path / "submission"
    zygote._write_files({"rnn.py": b"x = 1\n", "src/helpers.py": b"y = 2\n", "../outside.py": b"z = 3\n"}, workspace, None)
    assert sorted(str(p.relative_to(workspace)) for p in workspace.rglob("*.py")) == ["rnn.py", "src/helpers.py"]
    assert not (tmp_path / "outside.py").exists()


@pytest.mark.parametrize("marker", ["pyvenv.cfg", "site-packages"])
def test_a_venv_named_stuff_with_2500_files_sorted_before_the_real_file_does_not_hide_it(tmp_path, marker):
    environment = tmp_path / "stuff"
    library = environment / "lib" / "python3.11"
    library.mkdir(parents=True)
    if marker == "pyvenv.cfg":
        (environment / "pyvenv.cfg").write_text("home = /usr/bin\n")
    else:  # a conda environment: lib/python3.11 holds the standard library beside site-packages
        (library / "site-packages").mkdir()
    for number in range(2500):
        (library / f"module_{number:04}.py").write_text(f"NUMBER = {number}\n")
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "rnn.py").write_text(CLASS)
    submission = load.load(tmp_path, CLASSES)
    assert submission.file == tmp_path / "submission" / "rnn.py"
    assert submission.notes == (f"graded submission/rnn.py, the file in {tmp_path.name} that defines SimpleRNN",)
    assert load.source_files(tmp_path) == [tmp_path / "submission" / "rnn.py"]


def test_shallower_files_are_looked_at_before_thousands_of_deeper_ones(tmp_path):
    deep = tmp_path / "a_data" / "generated"
    deep.mkdir(parents=True)
    for number in range(load.MAX_FILES + 500):
        (deep / f"case_{number:04}.py").write_text("x = 1\n")
    (tmp_path / "z_code").mkdir()
    (tmp_path / "z_code" / "rnn.py").write_text(CLASS)
    submission = load.load(tmp_path, CLASSES)
    assert submission.file == tmp_path / "z_code" / "rnn.py"
    assert f"looked at only the first {load.MAX_FILES} files of {tmp_path.name}, the shallowest first" in submission.notes[0]


def notebook_with_outputs(path: Path, code: str, *, megabytes: int) -> Path:
    """``code`` in the first cell, then one cell per megabyte of output, as a picture."""
    picture = {"image/png": "iVBORw0KGgo" + "A" * 2**20}
    cells = [new_code_cell(code)] + [
        new_code_cell(f"plot({n})", outputs=[new_output("display_data", data=picture)]) for n in range(megabytes)
    ]
    nbformat.write(new_notebook(cells=cells), path)
    return path


def test_a_notebook_with_100_mb_of_outputs_and_a_little_code_loads(tmp_path):
    path = notebook_with_outputs(tmp_path / "answer.ipynb", CLASS, megabytes=100)
    assert path.stat().st_size > 100 * 2**20
    submission = load.load(path, CLASSES)
    assert submission.error is None and submission.mode == "cells"
    assert submission.sources[0] == {"file": "answer.ipynb, cell 1", "code": CLASS.rstrip("\n")}
    assert [s["code"] for s in submission.sources[1:3]] == ["plot(0)", "plot(1)"] and len(submission.sources) == 101
    assert load.classes_defined(path) == {"SimpleRNN"}


def test_a_notebook_whose_code_is_over_the_limit_is_refused_by_the_size_of_its_code(tmp_path):
    code = CLASS + "# padding\n" * (load.MAX_SOURCE_BYTES // 10)
    path = notebook_with_outputs(tmp_path / "answer.ipynb", code, megabytes=1)
    submission = load.load(path, CLASSES)
    every_cell = len(code) + len("plot(0)")
    assert submission.error == f"answer.ipynb's code is {every_cell} bytes; the limit is {load.MAX_SOURCE_BYTES}"
