"""A course function is declared in a line or two; its cases, its gradients' shapes and its upstream follow from that."""

import numpy as np
import pytest
from hypothesis import given, settings

from checks import function_cases
from checks.function_contract import Arg, backward_function, expected, forward_function, parse, shape_of, size
from reference import cs231n, dlai

STEP = forward_function(
    "rnn_step_forward",
    ("x: N D", "prev_h: N H", "Wx: D H", "Wh: H H", "b: H"),
    ("next_h: N H", "cache"),
    reference=cs231n.rnn_step_forward,
    library="test",
)
STEP_BACK = backward_function(
    STEP, "rnn_step_backward", ("dnext_h", "cache"), ("dx", "dprev_h", "dWx", "dWh", "db"), reference=cs231n.rnn_step_backward
)
CELL = forward_function(
    "rnn_cell_forward",
    ("xt: D N", "a_prev: H N", "parameters: {Wax: H D, Waa: H H, Wya: Y H, ba: H 1, by: Y 1}"),
    ("a_next: H N", "yt_pred: Y N", "cache"),
    reference=dlai.rnn_cell_forward,
    library="test",
)
CELL_BACK = backward_function(
    CELL,
    "rnn_cell_backward",
    ("da_next", "cache"),
    ("dxt", "da_prev", "dWax", "dWaa", "dba"),
    reference=dlai.rnn_cell_backward,
    returns_dict=True,
)
EMBED = forward_function(
    "word_embedding_forward", ("x: N T < V", "W: V D"), ("out: N T D", "cache"), reference=cs231n.word_embedding_forward, library="test"
)


def test_a_declaration_reads_names_shape_letters_dict_keys_and_index_bounds():
    assert parse("x: N D") == Arg("x", ("N", "D"))
    assert parse("cache") == Arg("cache") and parse("cache").opaque
    assert parse("x: N T < V") == Arg("x", ("N", "T"), below="V")
    assert parse("parameters: {Wf: H H+D, bf: H 1}") == Arg("parameters", keys=(("Wf", ("H", "H+D")), ("bf", ("H", "1"))))


def test_a_shape_token_is_a_letter_a_multiple_a_sum_or_a_number():
    dims = {"N": 2, "H": 3, "D": 5}
    assert [size(t, dims) for t in ("H", "4H", "H+D", "1", "2H+D")] == [3, 12, 8, 1, 11]
    assert shape_of(("N", "4H"), dims) == (2, 12)


@pytest.mark.parametrize("bad", ["x N D", "2x: N", "p: {W: H D"])
def test_a_malformed_declaration_says_how_to_write_it(bad):
    with pytest.raises(ValueError, match="declared as|between braces"):
        parse(bad)


def test_a_bad_shape_token_names_itself():
    with pytest.raises(ValueError, match="shape token 'H-D'"):
        size("H-D", {"H": 1, "D": 1})


def test_a_backward_takes_its_gradients_shapes_from_what_they_differentiate():
    assert {r.name: r.shape for r in STEP_BACK.returns} == {
        "dx": ("N", "D"),
        "dprev_h": ("N", "H"),
        "dWx": ("D", "H"),
        "dWh": ("H", "H"),
        "db": ("H",),
    }
    assert {r.name: r.shape for r in CELL_BACK.returns}["dWax"] == ("H", "D")
    assert CELL_BACK.target("dba") == ("parameters", "ba") and STEP_BACK.target("dprev_h") == ("prev_h", None)
    assert [(a.name, a.shape) for a in STEP_BACK.upstream] == [("dnext_h", ("N", "H"))]


def test_a_backward_whose_names_differentiate_nothing_is_refused():
    with pytest.raises(ValueError, match="dnext_c is the gradient of nothing rnn_step_forward returns"):
        backward_function(STEP, "x", ("dnext_c", "cache"), ("dx",), reference=cs231n.rnn_step_backward)
    with pytest.raises(ValueError, match="returns dWy, the gradient of nothing rnn_step_forward takes"):
        backward_function(STEP, "x", ("dnext_h", "cache"), ("dWy",), reference=cs231n.rnn_step_backward)


@settings(max_examples=30)
@given(function_cases.cases(CELL_BACK))
def test_drawn_cases_have_every_input_and_upstream_at_its_declared_shape(case):
    dims = case.sizes
    assert case.inputs["xt"].shape == (dims["D"], dims["N"]) and case.inputs["parameters"]["Wya"].shape == (dims["Y"], dims["H"])
    assert case.upstream["da_next"].shape == (dims["H"], dims["N"])
    assert set(expected(CELL_BACK, case)) == {"dxt", "da_prev", "dWax", "dWaa", "dba"}


@settings(max_examples=30)
@given(function_cases.cases(EMBED))
def test_indices_are_integers_below_their_bound(case):
    x = case.inputs["x"]
    assert x.dtype.kind == "i" and ((0 <= x) & (x < case.sizes["V"])).all()


def test_explicit_cases_have_a_batch_of_two_three_steps_and_features_unlike_hidden_units_and_repeat_an_index():
    for case in function_cases.explicit_cases(EMBED, seed=0):
        dims = case.sizes
        assert dims["N"] >= 2 and dims["T"] >= 3 and dims["V"] < dims["N"] * dims["T"]
    for case in function_cases.explicit_cases(STEP, seed=0):
        assert case.sizes["N"] >= 2 and case.sizes["D"] != case.sizes["H"]
    first = function_cases.explicit_cases(EMBED, seed=0)[0].inputs["x"]
    assert len(np.unique(first)) < first.size


def test_the_same_seed_draws_the_same_explicit_cases_and_another_seed_others():
    a, b, c = (function_cases.explicit_cases(STEP, seed=s)[0] for s in (3, 3, 4))
    assert a.key == b.key and a.key != c.key


def test_only_the_letters_a_function_uses_are_drawn():
    assert function_cases.letters(STEP) == function_cases.letters(STEP_BACK) == ("N", "D", "H")
    assert function_cases.letters(EMBED) == ("N", "T", "D", "V") and function_cases.letters(CELL) == ("N", "D", "H", "Y")


def test_a_case_prints_with_the_courses_names_and_each_letter_once():
    text = function_cases.describe(CELL, function_cases.explicit_cases(CELL, seed=0)[0])
    assert text.splitlines()[0] == "D=4, H=3, N=2, Y=2"
    assert "xt (D=4, N=2) = " in text and "parameters['ba'] (H=3, 1) = " in text
