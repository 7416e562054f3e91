"""Strategies reject bad options at once, naming the option, its value and the fix, and draw what they promise."""

import numpy as np
import pytest
from hypothesis import given

from checks import strategies

BAD = [
    ("min-above-max", lambda: strategies.dims(batch=(3, 2)), ValueError, "batch=(3, 2): the minimum 3 is larger than the maximum 2"),
    ("zero-minimum", lambda: strategies.dims(hidden=(0, 4)), ValueError, "hidden=(0, 4): the minimum 0 is below 1"),
    ("not-a-pair", lambda: strategies.dims(steps=6), TypeError, "steps=6 should be a pair of integers"),
    ("negative-bound", lambda: strategies.arrays((2,), bound=-1.0), ValueError, "bound=-1.0 should be a finite number above 0"),
    ("infinite-weight-bound", lambda: strategies.cell_cases(kind="rnn", weight_bound=float("inf")), ValueError, "weight_bound=inf"),
    ("unknown-kind", lambda: strategies.cell_cases(kind="elman"), ValueError, "kind='elman' is not one of 'rnn', 'lstm', 'gru'"),
    (
        "zero-layers",
        lambda: strategies.stack_cases(kind="gru", num_layers=0),
        ValueError,
        "num_layers=0 should be an integer of at least 1",
    ),
]


@pytest.mark.parametrize("make, error, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_option_fails_when_the_strategy_is_made(make, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        make()


@given(strategies.dims(batch=(2, 4), steps=(3, 6), features=(1, 5), hidden=(1, 6)))
def test_dims_stay_inside_their_ranges(dims):
    assert 2 <= dims.N <= 4 and 3 <= dims.T <= 6 and 1 <= dims.D <= 5 and 1 <= dims.H <= 6


@given(strategies.cell_cases(kind="lstm", bound=0.5, weight_bound=2.0, h0=True, c0=False))
def test_cell_cases_have_consistent_shapes_and_bounded_finite_values(case):
    N, T, D = case.x.shape
    H = case.params["Wh"].shape[0]
    assert case.params["Wx"].shape == (D, 4 * H) and case.dhs.shape == (N, T, H)
    assert case.h0.shape == (N, H) and case.c0 is None
    for a in (case.x, case.h0, case.dhs):
        assert np.isfinite(a).all() and np.abs(a).max() <= 0.5
    assert all(np.abs(p).max() <= 2.0 for p in case.params.values())


@given(strategies.stack_cases(kind="gru", num_layers=3, bidirectional=True))
def test_stack_cases_feed_each_layer_the_width_of_the_one_below(case):
    D, H = case.x.shape[-1], case.cells[0]["Wh"].shape[0]
    assert len(case.cells) == 6
    assert [c["Wx"].shape[0] for c in case.cells] == [D, D, 2 * H, 2 * H, 2 * H, 2 * H]
    assert case.dout.shape == case.x.shape[:2] + (2 * H,)
