"""No check reads or reseeds the global ``random`` or NumPy generators, so that running a check outside Hypothesis
(a sweep over drawn cases, a walk of a remembered search) sees what it would see inside, where Hypothesis reseeds them.

Every check runs here: correct and buggy submissions of both assignments, graded with torch, shrinking and diagnosis.
"""

import random
from pathlib import Path

import numpy as np
import pytest

from grading import api

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURES = {
    "dic-sprint22": ["ok_every_step.py", "bug_no_dh_carry.py", "bug_state_kept_between_calls.py"],
    "lstm": ["ok_lstm_and_gru.py", "bug_gate_order_ifog.py", "bug_gru_reset_before_matmul.py"],
}


def states():
    return random.getstate(), repr(np.random.get_state())


@pytest.mark.parametrize("assignment", FIXTURES)
def test_grading_leaves_the_global_generators_exactly_as_it_found_them(assignment, tmp_path):
    folder = "dic_sprint22" if assignment == "dic-sprint22" else "lstm"
    random.seed(12345)
    np.random.seed(12345)
    before = states()
    for name in FIXTURES[assignment]:
        report = api.grade(ROOT / folder / name, assignment, out=tmp_path / name, max_examples=30)
        assert report.status == "graded", name
    assert states() == before
