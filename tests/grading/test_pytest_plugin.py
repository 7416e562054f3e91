"""`pytest --assignment ... --submission ...` runs one test per check, failing with the grader's own text."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"


def pytest_on(submission: str, tmp_path: Path):
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "--assignment", "dic-sprint22"]
    # With "=", pytest does not take the path for an argument when it looks for the rootdir.
    command += [f"--submission={FIXTURES / submission}", "--grader-max-examples", "20"]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_a_correct_submission_passes_every_check(tmp_path):
    done = pytest_on("ok_every_step.py", tmp_path)
    assert done.returncode == 0, done.stdout
    assert "13 passed" in done.stdout and "PASSED dic-sprint22::problem1::forward_shape" in done.stdout


def test_a_buggy_submission_fails_exactly_its_checks_with_the_counterexample(tmp_path):
    done = pytest_on("bug_db_averaged.py", tmp_path)
    assert done.returncode == 1
    failed = sorted(line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAILED"))
    assert failed == [
        "dic-sprint22::problem3::backward_dB",
        "dic-sprint22::problem3::backward_matches_own_forward",
        "dic-sprint22::problem3::backward_matches_torch",
    ]
    assert "smallest failing input:" in done.stdout and "dB = Σ_t Σ_batch da_t" in done.stdout


def test_without_a_submission_the_plugin_adds_nothing(tmp_path):
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert True\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "1 passed" in done.stdout


def test_pytest_counts_the_checks_it_collects_and_says_why_a_problem_cannot_run_once(tmp_path):
    (tmp_path / "empty.py").write_text("")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "--assignment", "dic-sprint22"]
    done = subprocess.run([*command, f"--submission={tmp_path / 'empty.py'}"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "collected 13 items" in done.stdout and "13 failed" in done.stdout
    # Three problems, none of which can run: each says why, with its hint, in its first check's test only.
    # (Only the failures are counted: under CI, pytest's short summary repeats each message whole.)
    failures = done.stdout.split("short test summary info")[0]
    assert failures.count("hint: ") == 3 and "smallest failing input" not in done.stdout


def test_without_assignment_the_plugin_grades_against_the_one_whose_classes_the_submission_defines(tmp_path):
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "--grader-max-examples", "5"]
    command.append(f"--submission={ROOT / 'tests' / 'fixtures' / 'lstm' / 'ok_lstm_and_gru.py'}")
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout
    assert "PASSED lstm::problem4::backward_dBh" in done.stdout
