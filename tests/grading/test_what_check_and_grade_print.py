"""What `check` and `grade` print for real fixtures: the mistake's own hint, the float32 warning, a bonus in words."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
NO_DH_CARRY_HINT = "Keep dh_next = da_t·Whᵀ and add it to dH at step t-1: dh_t = dH_t + dh_next."
"""The hint of assignments/dic_sprint22's no_dh_carry mistake."""


def run(*args):
    return subprocess.run([sys.executable, "grader.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_every_check_a_diagnosis_explains_carries_the_mistakes_hint_and_check_says_it_once():
    from grading import api

    report = api.check(FIXTURES / "dic_sprint22" / "bug_no_dh_carry.py")
    failed = [c for c in report.problems[2].checks if c.status == "failed"]
    assert len(failed) == 5 and {c.hint for c in failed} == {NO_DH_CARRY_HINT}
    done = run("check", FIXTURES / "dic_sprint22" / "bug_no_dh_carry.py")
    assert done.stdout.count(NO_DH_CARRY_HINT) == 1 and "not with h_t" not in done.stdout and "do not average" not in done.stdout
    assert "one mistake explains these 5 checks" in done.stdout


def test_check_shows_the_float32_warning_once():
    done = run("check", FIXTURES / "dic_sprint22" / "ok_float32_results.py")
    warning = "warning: forward's output is float32; it was compared with a float32 tolerance."
    assert done.returncode == 0 and done.stdout.count(warning) == 1


def test_check_and_grade_add_bonus_points_in_words(tmp_path):
    checked = run("check", FIXTURES / "lstm" / "ok_lstm_and_gru.py", "--assignment", "lstm")
    assert checked.stdout.startswith("lstm: 85 / 85 of the checks that ran (15 points skipped), plus 16 bonus points  (")
    graded = run("grade", FIXTURES / "lstm" / "ok_lstm_and_gru.py", "--assignment", "lstm", "--out", tmp_path, "--max-examples", "5")
    assert graded.stdout.startswith("lstm: 100 / 100, plus 20 bonus points (120% with the bonus) for ")
    assert "  problem4: 20 / 20 (bonus)\n" in graded.stdout
    assert (tmp_path / "report.md").read_text().startswith("# lstm: 100 / 100, plus 20 bonus points\n")
