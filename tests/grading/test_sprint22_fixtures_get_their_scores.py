"""Every Sprint 22 fixture gets exactly the per-problem score its bug deserves.

Points: problem1 (forward, 50) = shape 10, values 15, h0 5, no state between calls 5, inputs kept 5, torch 10;
problem2 (the small-array experiment) 15; problem3 (backward, 35) = dX 5, dWx 5, dWh 5, dB 5,
matches its own forward 8, torch 7. Each expectation below is reasoned from the bug, not read off the grader.
"""

from pathlib import Path

import pytest

from grading import api
from tests.grading.diagnosed import assert_diagnosed_as

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dic_sprint22"

CASES = {
    # Correct in every style: full marks.
    "ok_every_step.py": (50, 15, 35),
    "ok_last_step_only.py": (50, 15, 35),
    "ok_notebook_with_magics_and_missing_data.ipynb": (50, 15, 35),
    "ok_float32_results.py": (50, 15, 35),
    # h_0 at every step: shape, no leaking state and untouched inputs still hold (20); every value and gradient is off.
    "bug_no_recurrence.py": (20, 0, 0),
    # ReLU for tanh: values wrong as above (20), but its backward is the true derivative of its own forward (8).
    "bug_relu_instead_of_tanh.py": (20, 0, 8),
    # No bias: values wrong (20); dB is nonzero though forward ignores B, so even its own forward disagrees (0).
    "bug_bias_ignored.py": (20, 0, 0),
    # Only a second call on the same object sees the leaked state: loses just that check (5).
    "bug_state_kept_between_calls.py": (45, 15, 35),
    # h_t in dWh: dX, dWx and dB stay right (15); dWh, its own forward and torch disagree.
    "bug_dwh_uses_h_t.py": (50, 15, 15),
    # No carry through time, or (1 - h): every gradient is wrong.
    "bug_no_dh_carry.py": (50, 15, 0),
    "bug_one_minus_h.py": (50, 15, 0),
    # dB averaged over the batch: only dB (and the checks that read it) fail.
    "bug_db_averaged.py": (50, 15, 15),
    # No backward at all: problem3 cannot run; no forward (it is named predict): nothing can.
    "forward_only.py": (50, 15, 0),
    "forward_named_predict.py": (0, 0, 0),
    # No h0 parameter: only the check that passes h0 fails (5).
    "forward_without_h0_parameter.py": (45, 15, 35),
    # Returns the last h but starts h shaped like x_t: it runs only where n_features == n_nodes, which the style probe
    # tries next, and is right there; every check meets a case where it raises, except the one that passes h0 (5).
    "bug_state_shaped_like_x_last_step_only.py": (5, 0, 0),
    # Returns the last h but keeps three steps at most: the experiment (three steps) passes, every property meets longer
    # sequences, where it raises.
    "bug_last_step_only_three_steps_at_most.py": (0, 15, 0),
    # Never returns on a batch of three (every property's explicit cases hold one): problem2's batch of one passes.
    "hang_in_forward_on_a_batch_of_three.py": (0, 15, 0),
    # Nothing to grade.
    "syntax_error.py": (0, 0, 0),
    "exit_at_import.py": (0, 0, 0),
    "hang_at_import.py": (0, 0, 0),
    "crash_in_forward.py": (0, 0, 0),
}


@pytest.fixture(scope="module")
def reports():
    """Each fixture graded once, with few examples (the bugs show at once) and a short time limit for the hangs.

    Five seconds for a hang: each of the three problems then gets a share of at least a second and a half.
    """
    return {name: api.grade(FIXTURES / name, max_examples=25, timeout=5 if "hang" in name else 30) for name in CASES}


@pytest.mark.parametrize("name", CASES)
def test_each_fixture_gets_the_per_problem_score_its_bug_deserves(reports, name):
    assert tuple(p.score for p in reports[name].problems) == CASES[name]


def test_every_fixture_in_the_folder_has_an_expectation():
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(CASES)


def test_a_dwh_bug_is_shown_on_the_smallest_input_with_the_fix():
    dwh = next(c for p, c in api.grade(FIXTURES / "bug_dwh_uses_h_t.py", max_examples=25).checks if c.name == "backward_dWh")
    assert dwh.status == "failed" and dwh.message.startswith("dWh: 1 of 1 entries differ")
    assert "X (batch=1, n_sequences=1, n_features=1)" in dwh.counterexample
    assert "h_(t-1)" in dwh.hint


def test_the_last_step_style_is_detected_and_reported(reports):
    assert any("returns only the last h" in note for note in reports["ok_last_step_only.py"].notes)
    assert any("returns every step" in note for note in reports["ok_every_step.py"].notes)


def test_notebook_magics_and_a_failing_cell_become_warnings(reports):
    warnings = " | ".join(reports["ok_notebook_with_magics_and_missing_data.ipynb"].warnings)
    assert "skipped IPython line `%matplotlib inline`" in warnings and "skipped IPython line `!pip install numpy`" in warnings
    assert "skipped a cell magic (%%time)" in warnings
    assert "cell 2 raised ModuleNotFoundError" in warnings


def test_float32_results_pass_with_a_warning(reports):
    warnings = {w for _, c in reports["ok_float32_results.py"].checks for w in c.warnings}
    assert any("float32 tolerance" in w for w in warnings)


def test_a_state_leak_is_named_as_such(reports):
    leak = next(c for _, c in reports["bug_state_kept_between_calls.py"].checks if c.name == "forward_no_state_between_calls")
    assert leak.message.startswith("forward's answer depends on earlier calls: ")


def test_failures_to_load_say_why(reports):
    first = {
        name: reports[name].problems[0].checks[0]
        for name in ("syntax_error.py", "exit_at_import.py", "hang_at_import.py", "crash_in_forward.py")
    }
    assert first["syntax_error.py"].message.startswith(
        "no class SimpleRNN; found classes: none; syntax_error.py has a syntax error at line 6"
    )
    assert "called sys.exit(0)" in " ".join(reports["exit_at_import.py"].warnings)
    assert first["hang_at_import.py"].status == "timeout" and "while loading the submission" in first["hang_at_import.py"].message
    assert first["crash_in_forward.py"].message == "worker died (signal 11, SIGSEGV) during problem1: forward_shape"


def test_a_missing_method_makes_its_problems_an_error_said_once_with_no_input(reports):
    problem3 = reports["forward_only.py"].problems[2]
    assert problem3.error == "SimpleRNN has no method backward"
    assert problem3.hint == "Add backward(self, dH) to class SimpleRNN: it returns dX and stores dWx, dWh, dB."
    assert {(c.status, c.message, c.counterexample) for c in problem3.checks} == {("error", "SimpleRNN has no method backward", None)}
    no_forward = reports["forward_named_predict.py"]
    assert [p.error for p in no_forward.problems] == ["SimpleRNN has no method forward"] * 3
    assert no_forward.status == "error" and no_forward.problems[0].hint.startswith("Add forward(self, X, h0=None) to class SimpleRNN")


DIAGNOSED = {
    "bug_no_recurrence.py": "no_recurrence",
    "bug_relu_instead_of_tanh.py": "relu_instead_of_tanh",
    "bug_bias_ignored.py": "bias_ignored",
    "bug_state_kept_between_calls.py": "state_kept_between_calls",
    "bug_dwh_uses_h_t.py": "dwh_uses_h_t",
    "bug_no_dh_carry.py": "no_dh_carry",
    "bug_one_minus_h.py": "derivative_one_minus_h",
    "bug_db_averaged.py": "db_averaged_over_batch",
}


@pytest.mark.parametrize("name", CASES)
def test_each_bug_is_diagnosed_as_itself_and_nothing_else_gets_a_diagnosis(reports, name):
    assert_diagnosed_as(reports[name], DIAGNOSED.get(name))


def test_the_torch_check_shows_the_case_already_shrunk_for_the_same_bug(reports):
    # Left to shrink alone, torch's check would end on a case of its own; it takes the first one shrunk for backward_dX.
    checks = {c.name: c for p in reports["bug_no_dh_carry.py"].problems for c in p.checks}
    assert checks["backward_matches_torch"].status == "failed"
    assert checks["backward_matches_torch"].counterexample == checks["backward_dX"].counterexample
