"""The command line: exit codes, one-line usage errors, and what each command prints."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "grader.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_grade_writes_the_reports_and_exits_0_whatever_the_score(tmp_path):
    done = run("grade", FIXTURES / "forward_only.py", "--out", tmp_path, "--max-examples", "10")
    assert done.returncode == 0, done.stderr
    assert "65 / 100" in done.stdout
    assert json.loads((tmp_path / "report.json").read_text())["score"] == 65


def test_fail_under_exits_1_below_the_percentage(tmp_path):
    done = run("grade", FIXTURES / "forward_only.py", "--out", tmp_path, "--max-examples", "10", "--fail-under", "70")
    assert done.returncode == 1 and "below --fail-under 70%" in done.stdout
    assert (tmp_path / "report.json").exists()


def test_check_exits_0_only_when_everything_passes():
    good = run("check", FIXTURES / "ok_every_step.py")
    bad = run("check", FIXTURES / "bug_db_averaged.py")
    assert good.returncode == 0 and "skipped forward_matches_torch" in good.stdout
    assert bad.returncode == 1 and "problem3 · backward_dB" in bad.stdout and "hint:" in bad.stdout


def test_list_names_every_assignment_and_its_problems():
    done = run("list")
    names = [line.split()[0] for line in done.stdout.splitlines() if not line.startswith(" ")]
    assert done.returncode == 0 and names == ["cs231n-a3-rnn", "dic-sprint22", "dlai-c5w1", "lstm"]
    assert "problem1 50" in done.stdout and "rnn_step_forward 10" in done.stdout and "lstm_backward 10 bonus" in done.stdout


def test_check_chooses_a_course_of_functions_by_the_functions_a_file_defines():
    cs231n = run("check", ROOT / "tests" / "fixtures" / "cs231n" / "ok_rnn_layers.py")
    dlai = run("check", ROOT / "tests" / "fixtures" / "dlai" / "ok_step_by_step.ipynb")
    assert cs231n.returncode == 0 and "graded as cs231n-a3-rnn, the assignment whose functions ok_rnn_layers.py defines" in cs231n.stdout
    assert "graded as dlai-c5w1, the assignment whose functions ok_step_by_step.ipynb defines" in dlai.stdout


def test_usage_errors_are_one_clear_line_and_exit_2(tmp_path):
    cases = [
        (("grade", tmp_path / "nope.py", "--out", tmp_path), "no such file or folder"),
        (
            ("check", FIXTURES / "ok_every_step.py", "--assignment", "sprint99"),
            "unknown assignment 'sprint99'; known: cs231n-a3-rnn, dic-sprint22, dlai-c5w1, lstm",
        ),
        (("grade", FIXTURES / "ok_every_step.py", "--out", tmp_path, "--max-examples", "0"), "0 is below 1"),
        (("grade", FIXTURES / "ok_every_step.py", "--out", tmp_path, "--timeout", "-1"), "-1 seconds is not above 0"),
        (("grade", FIXTURES / "ok_every_step.py"), "the following arguments are required: --out"),
    ]
    for args, fragment in cases:
        done = run(*args)
        assert done.returncode == 2, args
        assert done.stderr.count("\n") == 1 and fragment in done.stderr, done.stderr


LSTM_FIXTURES = ROOT / "tests" / "fixtures" / "lstm"


def test_check_without_assignment_chooses_it_from_the_classes_and_says_which():
    done = run("check", LSTM_FIXTURES / "ok_lstm_and_gru.py", "--max-examples", "5")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("lstm: 85 / 85")
    assert "graded as lstm, the assignment whose classes ok_lstm_and_gru.py defines (GRU, LSTM)" in done.stdout


def test_grade_without_assignment_says_on_stderr_which_it_chose_and_records_it_in_the_report(tmp_path):
    done = run("grade", FIXTURES / "ok_last_step_only.py", "--out", tmp_path, "--max-examples", "5")
    assert done.returncode == 0, done.stderr
    assert "graded as dic-sprint22, the assignment whose classes ok_last_step_only.py defines (SimpleRNN)" in done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["assignment"] == "dic-sprint22" and report["notes"][0].startswith("graded as dic-sprint22")


def test_an_ambiguous_submission_is_refused_with_one_line_and_exit_2(tmp_path):
    both = tmp_path / "both.py"
    both.write_text((FIXTURES / "ok_every_step.py").read_text() + "\n" + (LSTM_FIXTURES / "ok_lstm_and_gru.py").read_text())
    done = run("check", both)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "defines what dic-sprint22 and lstm grade" in done.stderr and "pass --assignment" in done.stderr


def test_a_submission_with_its_own_class_names_is_graded_as_the_default_which_says_so(tmp_path):
    (tmp_path / "own_names.py").write_text("class RNN:\n    pass\n")
    done = run("check", tmp_path / "own_names.py")
    assert done.returncode == 1, done.stderr
    assert "graded as dic-sprint22, the default: own_names.py defines RNN, none of them an assignment's class" in done.stdout
    assert "no class SimpleRNN; found classes: RNN" in done.stdout
