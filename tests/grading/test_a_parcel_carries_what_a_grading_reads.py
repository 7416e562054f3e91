"""A submission packed by the driver and unpacked on a cluster's worker reads as the original: the same files, bytes and
times, its links and FIFOs as what they are, its oversized files by their size; nothing else travels."""

import os
import shutil
from pathlib import Path

import pytest

from grading import load
from grading.parcel import FIFO, LINK, SIZED, Packed, Parcel, pack, unpack
from grading.submission_files import scan

ROOT = Path(__file__).resolve().parents[2]
OK = ROOT / "tests" / "fixtures" / "dic_sprint22" / "ok_every_step.py"


@pytest.fixture
def repository(tmp_path):
    repo = tmp_path / "grace"
    (repo / "notebooks").mkdir(parents=True)
    (repo / "env").mkdir()
    (repo / ".git").mkdir()
    shutil.copy(OK, repo / "notebooks" / "rnn.py")
    (repo / "env" / "helpers.py").write_text("SCALE = 2\n")
    (repo / ".git" / "config.py").write_text("secret = 1\n")
    (repo / "data.csv").write_text("1,2,3\n")
    (repo / "answers.py").symlink_to("/etc/passwd")
    os.mkfifo(repo / "pipe.py")
    with open(repo / "huge.py", "wb") as f:
        f.truncate(30 * 2**20)  # over every reader's limit
    os.utime(repo / "notebooks" / "rnn.py", ns=(10**18, 10**18))
    return repo


def elsewhere(tmp_path: Path) -> Path:
    """A new folder for the copy, as a grading process on another machine makes one."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_a_folder_travels_with_its_source_files_times_links_fifos_and_oversized_files(repository, tmp_path):
    parcel = pack(repository)
    kinds = {e.inside: e.kind for e in parcel.entries}
    assert kinds == {"notebooks/rnn.py": "file", "env/helpers.py": "file", "answers.py": LINK, "pipe.py": FIFO, "huge.py": SIZED}
    copy = unpack(parcel, elsewhere(tmp_path))
    assert copy.name == "grace"
    assert (copy / "notebooks" / "rnn.py").read_bytes() == OK.read_bytes()
    assert (copy / "notebooks" / "rnn.py").stat().st_mtime_ns == 10**18
    assert (copy / "answers.py").is_symlink() and os.readlink(copy / "answers.py") != "/etc/passwd"
    assert (copy / "huge.py").stat().st_size == 30 * 2**20
    assert not (copy / "data.csv").exists() and not (copy / ".git").exists()
    assert scan(copy).ignored == scan(repository).ignored


def test_loading_the_copy_says_what_loading_the_original_says(repository, tmp_path):
    copy = unpack(pack(repository), elsewhere(tmp_path))
    here, there = load.load(repository, ("SimpleRNN",)), load.load(copy, ("SimpleRNN",))
    assert (there.notes, there.sources, there.warnings, there.error) == (here.notes, here.sources, here.warnings, here.error)
    assert any(n.startswith("ignored answers.py") for n in there.notes)


def test_a_lone_file_travels_as_itself(tmp_path):
    parcel = pack(OK)
    assert (parcel.name, parcel.folder, [e.inside for e in parcel.entries]) == ("ok_every_step.py", False, ["ok_every_step.py"])
    (tmp_path / "in").mkdir()
    assert unpack(parcel, tmp_path / "in").read_bytes() == OK.read_bytes()


@pytest.mark.parametrize("inside", ["../escape.py", "/etc/cron.d/x.py", "a/../../b.py", "."])
def test_unpacking_refuses_an_entry_outside_the_submission(tmp_path, inside):
    parcel = Parcel("henry", True, (Packed(inside, "file", b"x = 1\n", 6),))
    with pytest.raises(ValueError, match="not a relative path inside the submission"):
        unpack(parcel, tmp_path)
    assert list(tmp_path.rglob("*.py")) == []


@pytest.mark.parametrize("name", ["..", "a/b", ""])
def test_unpacking_refuses_a_name_that_is_not_a_plain_file_name(tmp_path, name):
    with pytest.raises(ValueError, match="not a plain file name"):
        unpack(Parcel(name, True, ()), tmp_path)


def test_a_python_file_over_the_folder_budget_still_travels_whole_as_the_zygote_copies_it(tmp_path):
    repo = tmp_path / "ivy"
    repo.mkdir()
    with open(repo / "big.ipynb", "wb") as f:
        f.truncate(250 * 2**20)  # counts in load's 256 MiB budget, never read
    (repo / "zz_helpers.py").write_bytes(b"SCALE = 2\n" + b"#" * (7 * 2**20))  # over what is left of that budget
    kinds = {e.inside: (e.kind, len(e.data)) for e in pack(repo).entries}
    assert kinds["big.ipynb"] == (SIZED, 0)
    assert kinds["zz_helpers.py"] == ("file", (repo / "zz_helpers.py").stat().st_size)
