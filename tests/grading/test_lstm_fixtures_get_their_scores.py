"""Every LSTM-assignment fixture gets exactly the per-problem score its bug deserves.

Points: problem1 (LSTM forward, 45) = shape 5, values 15, h0/c0 given 5, no state between calls 5,
inputs kept 5, torch 10; problem2 (experiment) 15; problem3 (LSTM backward, 40) = dX, dWx, dWh, dB 5
each, matches its own forward 15, torch 5; problem4 (GRU bonus, 20) = forward 1, 4, 1, 1, 1, 3 and
backward dX, dWx, dWh, dBx, dBh 1 each, own forward 3, torch 1.
"""

from pathlib import Path

import pytest

from grading import api
from tests.grading.diagnosed import assert_diagnosed_as

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lstm"

CASES = {
    "ok_lstm_and_gru.py": (45, 15, 40, 20),
    # No GRU: the bonus is not attempted and scores 0.
    "ok_lstm_only.ipynb": (45, 15, 40, 0),
    # Blocks read as i, f, o, g: shape, no leak and untouched inputs hold (15); its backward is the exact
    # derivative of its own (wrong) forward (15); every comparison with the reference or torch fails.
    "bug_gate_order_ifog.py": (15, 0, 15, 0),
    # c_t = i*g: the same pattern, with a backward consistent with that forward.
    "bug_forget_gate_ignored.py": (15, 0, 15, 0),
    # Forward right; without dc carried back every gradient is wrong, even against its own forward.
    "bug_no_dc_carry.py": (45, 15, 0, 0),
    # A correct LSTM; Cho's GRU keeps shape, no leak and untouched inputs (3) and its own forward (3).
    "bug_gru_reset_before_matmul.py": (45, 15, 40, 6),
    "forward_only_lstm.py": (45, 15, 0, 0),
    # No c0 parameter: only the check that passes h0 and c0 fails (5); nothing else passes c0.
    "forward_without_c0_parameter.py": (40, 15, 40, 20),
}


@pytest.fixture(scope="module")
def reports():
    return {name: api.grade(FIXTURES / name, "lstm", max_examples=25) for name in CASES}


@pytest.mark.parametrize("name", CASES)
def test_each_fixture_gets_the_per_problem_score_its_bug_deserves(reports, name):
    assert tuple(p.score for p in reports[name].problems) == CASES[name]


def test_every_fixture_in_the_folder_has_an_expectation():
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(CASES)


def test_a_missing_gru_is_reported_as_not_attempted_not_as_an_error(reports):
    bonus = reports["ok_lstm_only.ipynb"].problems[3]
    assert bonus.bonus and {c.status for c in bonus.checks} == {"skipped"}
    assert bonus.checks[0].message.startswith("not attempted: no class GRU; found classes: LSTM")
    assert reports["ok_lstm_only.ipynb"].max_score == 100 and reports["ok_lstm_and_gru.py"].score == 120


def test_a_gate_order_bug_points_at_the_blocks(reports):
    values = next(c for _, c in reports["bug_gate_order_ifog.py"].checks if c.name == "forward_values")
    assert values.status == "failed" and "a[:, 2H:3H] is g" in values.hint
    assert "c0 = not passed (zeros)" in values.counterexample


DIAGNOSED = {
    "bug_gate_order_ifog.py": "gate_order_ifog",
    "bug_forget_gate_ignored.py": "forget_gate_ignored",
    "bug_no_dc_carry.py": "no_dc_carry",
    "bug_gru_reset_before_matmul.py": "reset_before_matmul",
}


@pytest.mark.parametrize("name", CASES)
def test_each_bug_is_diagnosed_as_itself_and_nothing_else_gets_a_diagnosis(reports, name):
    assert_diagnosed_as(reports[name], DIAGNOSED.get(name))
