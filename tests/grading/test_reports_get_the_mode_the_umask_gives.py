"""Report files get the mode the process umask gives any new file, so a TA in the instructor's group can read them."""

import os
import stat

import pytest

from grading.reports import write_all, write_atomically
from tests.grading.reports_by_hand import backward_with_no_dh_carry, report


@pytest.fixture
def umask():
    """Set the umask for one test, and put the old one back."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)], ids=["022", "027", "077"])
def test_every_report_file_gets_the_mode_the_umask_gives(tmp_path, umask, mask, expected):
    umask(mask)
    written = write_all(report(backward_with_no_dh_carry()), tmp_path)
    assert len(written) == 5 and {path.name: mode(path) for path in written} == {path.name: expected for path in written}


def test_a_rewritten_file_gets_the_umask_mode_and_no_temporary_file_is_left(tmp_path, umask):
    umask(0o027)
    target = tmp_path / "gradebook.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    write_atomically(target, "student,score\n")
    assert target.read_text() == "student,score\n" and mode(target) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]
