"""What every CS231n and deeplearning.ai fixture must lose: exactly the checks its mistake breaks, each named by the diagnosis.

Each case lists, per problem, the checks that must fail ("*" for all of a problem's checks); every other check must
pass. The expected score follows from those lists and the points the assignment declares. Why each check fails:

- A mistake in a step forward fails its values and torch checks only: shape and inputs kept hold, and the sequence
  built from that step still equals the student's own step looped (made_of_...).
- A mistake a student carries into backward (gate order, concat order) fails every gradient and torch, but the
  backward stays the exact derivative of its own forward (matches_own_... passes).
- A mistake in backward alone (no carry, a missing derivative, an overwriting add) also fails matches_own_...
- A forward that does not carry its state makes the backward's gradients wrong too: the backward gets that forward's
  cache, which holds the wrong states, and is no longer its derivative.
"""

from pathlib import Path

import assignments
from grading import api

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ALL = "*"
LSTM_GATE = {"values", "matches_torch"}
GRADS_CS = {"dx", "dh0", "dWx", "dWh", "db", "matches_torch"}
STEP_GRADS_CS = {"dx", "dprev_h", "dWx", "dWh", "db", "matches_torch"}
GATE_GRADS = {"dWf_dbf", "dWi_dbi", "dWc_dbc", "dWo_dbo"}  # each gate's weight and bias, checked as one
LSTM_CELL_GRADS = {"dxt", "da_prev", "dc_prev", *GATE_GRADS, "matches_torch"}
LSTM_GRADS = {"dx", "da0", *GATE_GRADS, "matches_torch"}
RNN_GRADS = {"dx", "da0", "dWax", "dWaa", "dba", "matches_torch"}

CS231N = {
    "ok_rnn_layers.py": ({}, None),
    "ok_bias_grad_row_vector.py": ({}, None),
    "py2_print_and_xrange.py": ({}, None),
    "repo": ({}, None),
    "bug_gate_order_ifgo.py": (
        {
            "lstm_step_forward": LSTM_GATE,
            "lstm_step_backward": STEP_GRADS_CS | {"dprev_c"},
            "lstm_forward": LSTM_GATE,
            "lstm_backward": GRADS_CS,
        },
        "gate_order_ifgo",
    ),
    "bug_embedding_backward_overwrites.py": (
        {"word_embedding_backward": {"dW", "matches_own_word_embedding_forward"}},
        "embedding_backward_overwrites",
    ),
    "bug_no_dh_carry.py": (
        {"rnn_backward": GRADS_CS | {"matches_own_rnn_forward"}, "lstm_backward": GRADS_CS | {"matches_own_lstm_forward"}},
        "no_dh_carry",
    ),
    "bug_no_tanh_derivative_on_cell.py": (
        {
            "lstm_step_backward": STEP_GRADS_CS | {"dprev_c", "matches_own_lstm_step_forward"},
            "lstm_backward": GRADS_CS | {"matches_own_lstm_forward"},
        },
        "no_tanh_derivative_on_cell",
    ),
    "bug_rnn_no_tanh_derivative.py": (
        {
            "rnn_step_backward": STEP_GRADS_CS | {"matches_own_rnn_step_forward"},
            "rnn_backward": GRADS_CS | {"matches_own_rnn_forward"},
        },
        "rnn_no_tanh_derivative",
    ),
    # The four LSTM functions still `pass`: they return None, which no check accepts.
    "partial_lstm_still_pass.py": (
        {"lstm_step_forward": ALL, "lstm_step_backward": ALL, "lstm_forward": ALL, "lstm_backward": ALL},
        None,
    ),
    # rnn_backward does not compile: it alone cannot run.
    "broken_indentation_in_rnn_backward.py": ({"rnn_backward": ALL}, None),
}

DLAI = {
    "ok_step_by_step.ipynb": ({}, None),
    "ok_backward_keys_from_an_older_version.py": ({}, None),
    # The optional backward cells still `pass` (returning None) or are commented out (not attempted, skipped).
    "ok_forward_only.ipynb": ({"rnn_cell_backward": ALL, "rnn_backward": ALL, "lstm_cell_backward": ALL, "lstm_backward": ALL}, None),
    "bug_softmax_wrong_axis.py": (
        {"rnn_cell_forward": LSTM_GATE, "rnn_forward": LSTM_GATE, "lstm_cell_forward": LSTM_GATE, "lstm_forward": LSTM_GATE},
        "softmax_wrong_axis",
    ),
    "bug_concat_x_first.py": (
        {"lstm_cell_forward": LSTM_GATE, "lstm_forward": LSTM_GATE, "lstm_cell_backward": LSTM_CELL_GRADS, "lstm_backward": LSTM_GRADS},
        "concat_x_first",
    ),
    "bug_c_next_before_tanh.py": (
        {"lstm_cell_forward": LSTM_GATE, "lstm_forward": LSTM_GATE, "lstm_cell_backward": LSTM_CELL_GRADS, "lstm_backward": LSTM_GRADS},
        "c_next_before_tanh",
    ),
    "bug_a_prev_not_carried.py": (
        {
            "rnn_forward": LSTM_GATE | {"made_of_rnn_cell_forward"},
            "lstm_forward": LSTM_GATE | {"made_of_lstm_cell_forward"},
            "rnn_backward": RNN_GRADS | {"matches_own_rnn_forward"},
            "lstm_backward": LSTM_GRADS | {"matches_own_lstm_forward"},
        },
        "a_prev_not_carried",
    ),
    "bug_no_da_prev_carry.py": (
        {"rnn_backward": RNN_GRADS | {"matches_own_rnn_forward"}, "lstm_backward": LSTM_GRADS | {"matches_own_lstm_forward"}},
        "no_da_prev_carry",
    ),
    # rnn_cell_forward reads Wya and by from the notebook: with the grader's parameters its product does not fit.
    "bug_uses_global_parameters.ipynb": (
        {"rnn_cell_forward": ALL, "rnn_forward": ALL, "rnn_cell_backward": ALL, "rnn_backward": ALL},
        None,
    ),
    "partial_lstm_pass.ipynb": (
        {
            "lstm_cell_forward": ALL,
            "lstm_forward": ALL,
            "rnn_cell_backward": ALL,
            "rnn_backward": ALL,
            "lstm_cell_backward": ALL,
            "lstm_backward": ALL,
        },
        None,
    ),
}
COURSES = {"cs231n-a3-rnn": ("cs231n", CS231N), "dlai-c5w1": ("dlai", DLAI)}
CASES = [(course, name) for course, (_, cases) in COURSES.items() for name in cases]


def report_of(reports: dict, course: str, name: str):
    """The fixture's report, graded once per test module."""
    if (course, name) not in reports:
        reports[course, name] = api.grade(FIXTURES / COURSES[course][0] / name, course, max_examples=10)
    return reports[course, name]


def failing(course: str, name: str) -> dict[str, set[str]]:
    """The checks the case says must fail, per problem, "*" spelled out from the assignment's declaration."""
    declared = COURSES[course][1][name][0]
    problems = {p.id: {c.name for c in p.checks} for p in assignments.get(course).problems}
    return {pid: problems[pid] if names == ALL else set(names) for pid, names in declared.items()}
