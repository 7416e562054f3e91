"""A rerun of a batch reuses a stored report only if it is byte for byte the one graded: its fingerprint records the
report's SHA-256, and a report changed since (by hand, or by anything that could reach OUT) is graded again."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from grading import api
from grading.sandbox import isolation

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"

pytestmark = pytest.mark.skipif(not isolation().isolated, reason="unisolated, a batch reuses nothing (see the test without root)")


def test_a_report_changed_since_it_was_graded_is_graded_again_and_an_untouched_one_is_reused(tmp_path):
    folder, out = tmp_path / "cohort", tmp_path / "out"
    folder.mkdir()
    for name in ("ok_every_step.py", "bug_dwh_uses_h_t.py"):
        shutil.copy(FIXTURES / name, folder / name)
    first = api.batch(folder, "dic-sprint22", out=out, jobs=1, max_examples=10, timeout=30)
    stored = json.loads((out / "ok_every_step" / "fingerprint.json").read_text())
    assert stored["isolated"] is True
    assert stored["report_sha256"] == hashlib.sha256((out / "ok_every_step" / "report.json").read_bytes()).hexdigest()

    forged = {**json.loads((out / "bug_dwh_uses_h_t" / "report.json").read_text()), "score": 100.0}
    (out / "bug_dwh_uses_h_t" / "report.json").write_text(json.dumps(forged))
    again = api.batch(folder, "dic-sprint22", out=out, jobs=1, max_examples=10, timeout=30)
    assert (again.graded, again.reused) == (1, 1)
    rows = {row.student: row for row in again.rows}
    assert rows["ok_every_step"].skipped and not rows["bug_dwh_uses_h_t"].skipped
    assert rows["bug_dwh_uses_h_t"].score == {row.student: row for row in first.rows}["bug_dwh_uses_h_t"].score < 100
