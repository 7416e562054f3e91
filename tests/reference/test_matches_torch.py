"""The reference equals torch, forward and every gradient, in float64.

Tolerance: |reference - torch| <= 1e-10 + 1e-13 * |torch| per entry. For the
O(1) values of tanh, sigmoid, LSTM and GRU networks this is 1e-10 absolute;
the relative part only matters where a ReLU stack grows its values to 1e6 and
beyond, where 1e-10 is below one unit in the last place.
"""

import pytest
from hypothesis import given, strategies as st

from checks import strategies
from checks.compare import assert_close
from tests.reference.models import CELL_MODELS, STACK_MODELS, cell_id, run_cell, run_stack, stack_id, torch_cell, torch_stack

ATOL, RTOL = 1e-10, 1e-13


@pytest.mark.parametrize("model", CELL_MODELS, ids=cell_id)
@given(data=st.data())
def test_every_cell_matches_torch_in_outputs_and_all_gradients(model, data):
    kind, activation = model
    case = data.draw(strategies.cell_cases(kind=kind), label="case")
    ours, theirs = run_cell(kind, activation, case), torch_cell(kind, activation, case)
    assert_close(theirs.out, ours.out, atol=ATOL, rtol=RTOL, name="hs")
    assert_close(theirs.c_n, ours.c_n, atol=ATOL, rtol=RTOL, name="c_T")
    assert_close(theirs.grads, ours.grads, atol=ATOL, rtol=RTOL, name="grads")


@pytest.mark.parametrize("model", STACK_MODELS, ids=stack_id)
@given(data=st.data())
def test_every_stack_matches_torch_in_outputs_final_states_and_all_gradients(model, data):
    kind, activation, layers, bidirectional = model
    case = data.draw(strategies.stack_cases(kind=kind, num_layers=layers, bidirectional=bidirectional), label="case")
    ours, theirs = run_stack(kind, activation, bidirectional, case), torch_stack(kind, activation, bidirectional, case)
    assert_close(theirs.out, ours.out, atol=ATOL, rtol=RTOL, name="out")
    assert_close(theirs.h_n, ours.h_n, atol=ATOL, rtol=RTOL, name="h_n")
    assert_close(theirs.c_n, ours.c_n, atol=ATOL, rtol=RTOL, name="c_n")
    assert_close(theirs.grads, ours.grads, atol=ATOL, rtol=RTOL, name="grads")
