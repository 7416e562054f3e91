"""An instructor's secret seed is never written anywhere, only its digest; with a share of realistic cases (off-grid
values, larger shapes), a submission that recognises the public, documented cases is caught."""

import json
import subprocess
import sys
from pathlib import Path

from grading import api

ROOT = Path(__file__).resolve().parents[2]
RED_TEAM = ROOT / "tests" / "fixtures" / "red_team"
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"
SECRET = "the instructor's phrase for this term\n"


def every_file_under(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file())


def test_a_shape_detector_passes_the_public_defaults_and_fails_a_secret_seed_with_realistic_cases():
    gamer = RED_TEAM / "recurrence_only_within_the_documented_shapes.py"
    public = api.grade(gamer, "dic-sprint22", max_examples=40, use_torch=False)
    secret = api.grade(gamer, "dic-sprint22", max_examples=40, use_torch=False, secret=SECRET, realistic=0.5)
    assert public.problems[0].score == 40  # every check that ran (torch skipped): the public cases cannot tell
    values = next(c for c in secret.problems[0].checks if c.name == "forward_values")
    assert values.status == "failed" and values.counterexample


def test_a_secret_seed_is_written_nowhere_and_its_digest_is(tmp_path):
    seed, digest = api.secret_seed(SECRET)
    (tmp_path / "secret.txt").write_text(SECRET)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "grader.py", "grade", str(FIXTURES / "bug_no_dh_carry.py"), "--out", str(out), "--max-examples", "10"]
        + ["--seed-file", str(tmp_path / "secret.txt"), "--realistic", "0.25", "--assignment", "dic-sprint22"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    written = every_file_under(out) + done.stdout + done.stderr
    assert str(seed) not in written and SECRET.strip() not in written
    report = json.loads((out / "report.json").read_text())
    assert (report["seed"], report["seed_sha256"], report["realistic"]) == (None, digest, 0.25)
    assert f"secret seed (sha256 {digest})" in (out / "report.md").read_text()


def test_the_same_secret_gives_the_same_report_and_another_secret_other_cases():
    first = api.grade(FIXTURES / "bug_no_dh_carry.py", "dic-sprint22", max_examples=15, use_torch=False, secret=SECRET)
    again = api.grade(FIXTURES / "bug_no_dh_carry.py", "dic-sprint22", max_examples=15, use_torch=False, secret=SECRET)
    other = api.grade(FIXTURES / "bug_no_dh_carry.py", "dic-sprint22", max_examples=15, use_torch=False, secret="another phrase")
    inputs = lambda report: [c.counterexample for _, c in report.checks]  # noqa: E731
    assert inputs(first) == inputs(again) and first.score == again.score
    assert inputs(first) != inputs(other)


def test_a_batch_with_a_secret_seed_writes_only_its_digest(tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "alice.py").write_text((FIXTURES / "ok_every_step.py").read_text())
    seed, digest = api.secret_seed(SECRET)
    api.batch(cohort, "dic-sprint22", out=tmp_path / "out", jobs=1, max_examples=5, secret=SECRET)
    written = every_file_under(tmp_path / "out")
    assert str(seed) not in written and SECRET.strip() not in written
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["settings"]["seed_sha256"] == digest
