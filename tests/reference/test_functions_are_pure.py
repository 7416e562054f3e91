"""forward and backward never change their inputs, never touch global random state, and
keep their own copies: changing an input after forward does not change what backward returns."""

import copy

import numpy as np
import pytest
from hypothesis import given, strategies as st

from checks import strategies
from checks.compare import assert_close
from tests.reference.models import CELL_MODELS, STACK_MODELS, cell_id, run_cell, run_stack, stack_id
from reference import gru, lstm, rnn, stacked


def _read_only(tree):
    """A deep copy whose arrays refuse writes, so a mutation raises at the line that tries it."""
    tree = copy.deepcopy(tree)
    for a in _arrays(tree):
        a.flags.writeable = False
    return tree


def _arrays(tree):
    if isinstance(tree, np.ndarray):
        yield tree
    elif isinstance(tree, dict):
        for v in tree.values():
            yield from _arrays(v)
    elif isinstance(tree, (list, tuple)):
        for v in tree:
            yield from _arrays(v)


@pytest.mark.parametrize("model", CELL_MODELS, ids=cell_id)
@given(data=st.data())
def test_cells_leave_their_inputs_and_the_global_random_state_alone(model, data):
    kind, activation = model
    case = data.draw(strategies.cell_cases(kind=kind), label="case")
    frozen = _read_only(case)
    state = np.random.get_state()
    run_cell(kind, activation, frozen)
    assert_close(case, frozen, atol=0, rtol=0, name="inputs")
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


@pytest.mark.parametrize("model", STACK_MODELS[::3], ids=stack_id)
@given(data=st.data())
def test_stacks_leave_their_inputs_alone(model, data):
    kind, activation, layers, bidirectional = model
    case = data.draw(strategies.stack_cases(kind=kind, num_layers=layers, bidirectional=bidirectional), label="case")
    frozen = _read_only(case)
    run_stack(kind, activation, bidirectional, frozen)
    assert_close(case, frozen, atol=0, rtol=0, name="inputs")


@pytest.mark.parametrize("model", CELL_MODELS, ids=cell_id)
@given(data=st.data())
def test_changing_inputs_after_forward_does_not_change_backward(model, data):
    kind, activation = model
    case = data.draw(strategies.cell_cases(kind=kind, h0=True, c0=True), label="case")
    mine = copy.deepcopy(case)
    _, cache = stacked.cell_forward(kind, mine.x, mine.params, mine.h0, mine.c0, activation)
    for a in _arrays((mine.x, mine.params, mine.h0, mine.c0)):
        a += 1.0  # what an optimizer step or a reused buffer would do
    grads = stacked.cell_backward(kind, case.dhs, cache, case.dc_last)
    expected = run_cell(kind, activation, case).grads
    assert_close(expected["cells"][0], {k: v for k, v in grads.items() if k in case.params}, atol=0, rtol=0, name="grads")
    assert_close(expected["x"], grads["x"], atol=0, rtol=0, name="dx")


def _step(kind, activation, x, h, c, params):
    """One step_forward; returns (h, cache)."""
    if kind == "lstm":
        h, _, cache = lstm.step_forward(x, h, c, params)
        return h, cache
    if kind == "gru":
        return gru.step_forward(x, h, params)
    return rnn.step_forward(x, h, params, activation=activation)


def _step_back(kind, dh, cache):
    if kind == "lstm":
        return lstm.step_backward(dh, np.zeros_like(dh), cache)
    return {"rnn": rnn, "gru": gru}[kind].step_backward(dh, cache)


@pytest.mark.parametrize("model", CELL_MODELS, ids=cell_id)
@given(data=st.data())
def test_changing_inputs_after_step_forward_does_not_change_step_backward(model, data):
    kind, activation = model
    case = data.draw(strategies.cell_cases(kind=kind, h0=True, c0=True), label="case")
    x, params, h, c = copy.deepcopy((case.x[:, 0], case.params, case.h0, case.c0))
    dh = case.dhs[:, 0]
    expected = _step_back(kind, dh, _step(kind, activation, x, h, c, params)[1])
    _, cache = _step(kind, activation, x, h, c, params)
    for a in _arrays((x, params, h, c)):
        a += 1.0
    assert_close(expected, _step_back(kind, dh, cache), atol=0, rtol=0, name="step grads")
