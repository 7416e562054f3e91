"""backward_matches_own_forward on a float32 submission: a correct one passes where tanh bends, a wrong one still fails.

The case is one where a correct float32 forward once failed: h grows from step
to step (Wh's rows sum to 2.19), so the centred difference's ε² error is
largest there. The classes run in this process through the worker's own
operations (``LocalSession``).
"""

import numpy as np
import pytest

import assignments
from assignments.dic_sprint22 import mistakes
from checks import backward
from checks.layer import SEQUENCE, Context
from checks.property import CheckFailed, Runs
from checks.strategies import CellCase
from checks.session import Recorder
from grading.diagnose import LocalSession
from reference.stacked import CELLS

CONTRACT = assignments.get("dic-sprint22").contracts[0]
BENDING = CellCase(
    x=np.zeros((1, 6, 1)),
    params={"Wx": np.zeros((1, 5)), "Wh": np.full((5, 5), 0.4375), "b": np.zeros(5)},
    h0=None,
    c0=None,
    dhs=np.full((1, 6, 5), 0.0625),
    dc_last=None,
)


def in_float32(cls):
    """``cls`` with forward's output and every gradient handed back as float32, as a float32 submission does."""

    class Float32(cls):
        def forward(self, X, h0=None):
            return super().forward(X, h0).astype(np.float32)

        def backward(self, dH):
            dX = super().backward(dH)
            self.dWx, self.dWh, self.dB = (g.astype(np.float32) for g in (self.dWx, self.dWh, self.dB))
            return dX.astype(np.float32)

    Float32.__name__ = "SimpleRNN"
    return Float32


def own_forward_on(cls, case):
    ctx = Context(Recorder(LocalSession({"SimpleRNN": cls})), CONTRACT, SEQUENCE, Runs(seed=0, max_examples=1))
    return backward.own_forward(ctx).body(case)


def test_the_bending_case_uses_the_names_the_reference_gives_the_rnn_s_params():
    assert set(BENDING.params) == set(CELLS["rnn"].param_shapes(1, 5))


def test_a_correct_float32_backward_matches_its_own_forward_where_tanh_bends():
    own_forward_on(in_float32(mistakes.with_mistakes()), BENDING)  # raises CheckFailed if judged wrong


def test_a_float32_backward_that_drops_the_carry_through_time_still_fails():
    with pytest.raises(CheckFailed, match="does not match your own forward"):
        own_forward_on(in_float32(mistakes.with_mistakes("no_dh_carry")), BENDING)


def test_the_coarser_step_this_replaced_would_have_failed_the_correct_class(monkeypatch):
    monkeypatch.setattr(backward, "EPS_FLOAT32", 1e-2)
    with pytest.raises(CheckFailed, match="does not match your own forward"):
        own_forward_on(in_float32(mistakes.with_mistakes()), BENDING)
