"""deeplearning.ai Sequence Models, week 1: "Building your Recurrent Neural Network - Step by Step". Eight functions,
each its own problem named as the course names it; the four backward functions, optional in the course, are a bonus.

The text is README.md beside this file; starter.ipynb is the template; solution.py is the reference solution the tests
grade; mistakes.py is the same functions with the known mistakes below switchable, for the diagnosis; rnn_utils.py
and public_tests.py are the grader's stand-ins for the modules the notebook imports. Column vectors, time last
(``reference.dlai``).
"""

from __future__ import annotations

from pathlib import Path

from assignments.dlai_c5w1 import mistakes
from assignments.spec import Assignment, Problem, backward_function_checks, forward_function_checks
from checks.course_torch import dlai_answer
from checks.function_contract import Loop, backward_function, forward_function
from checks.mistakes import Mistake, MistakeLibrary
from reference import dlai

LIBRARY = "dlai"
RNN_PARAMETERS = "parameters: {Wax: H D, Waa: H H, Wya: Y H, ba: H 1, by: Y 1}"
LSTM_PARAMETERS = "parameters: {Wf: H H+D, bf: H 1, Wi: H H+D, bi: H 1, Wc: H H+D, bc: H 1, Wo: H H+D, bo: H 1, Wy: Y H, by: Y 1}"
ALIASES = {"dxt": ("dx",), "dx": ("dxt",), "da0": ("da_prev",), "da_prev": ("da0",)}
"""Key names the course's versions use for the same gradient."""
GATES = (("dWf", "dbf"), ("dWi", "dbi"), ("dWc", "dbc"), ("dWo", "dbo"))
"""Each gate's weight and bias gradients, checked as one: both come from that gate's one gradient."""
SOFTMAX = "yt_pred = softmax(Wya·a_next + by), the softmax over the outputs, axis 0 (each column, one example, sums to 1)."
CONCAT = "concat = [a_prev; xt]: a_prev's n_a rows above xt's n_x rows, so that W·concat = W[:, :n_a]·a_prev + W[:, n_a:]·xt."

RNN_CELL = forward_function(
    "rnn_cell_forward",
    ("xt: D N", "a_prev: H N", RNN_PARAMETERS),
    ("a_next: H N", "yt_pred: Y N", "cache"),
    reference=dlai.rnn_cell_forward,
    library=LIBRARY,
    hints={"values": f"a_next = tanh(Waa·a_prev + Wax·xt + ba); {SOFTMAX}"},
    torch=dlai_answer("rnn", step=True, backward=False),
    differentiated=("a_next",),  # the course's backward leaves the output layer out
)
RNN = forward_function(
    "rnn_forward",
    ("x: D N T", "a0: H N", RNN_PARAMETERS),
    ("a: H N T", "y_pred: Y N T", "caches"),
    reference=dlai.rnn_forward,
    library=LIBRARY,
    hints={"values": "Start from a0 and call rnn_cell_forward on x[:, :, t] at each t, passing each a_next on as the next a_prev."},
    torch=dlai_answer("rnn", step=False, backward=False),
    differentiated=("a",),
    loop=Loop(
        RNN_CELL,
        time={"xt": ("x", 2)},
        carry={"a_prev": "a_next"},
        start={"a_prev": "a0"},
        stack={"a": "a_next", "y_pred": "yt_pred"},
        axis=2,
    ),
)
LSTM_CELL = forward_function(
    "lstm_cell_forward",
    ("xt: D N", "a_prev: H N", "c_prev: H N", LSTM_PARAMETERS),
    ("a_next: H N", "c_next: H N", "yt_pred: Y N", "cache"),
    reference=dlai.lstm_cell_forward,
    library=LIBRARY,
    hints={"values": f"{CONCAT} c_next = ft*c_prev + it*cct with cct = tanh(Wc·concat + bc); a_next = ot*tanh(c_next)."},
    torch=dlai_answer("lstm", step=True, backward=False),
    differentiated=("a_next", "c_next"),
)
LSTM = forward_function(
    "lstm_forward",
    ("x: D N T", "a0: H N", LSTM_PARAMETERS),
    ("a: H N T", "y: Y N T", "c: H N T", "caches"),
    reference=dlai.lstm_forward,
    library=LIBRARY,
    hints={"values": "Start from a0 and a cell state of zeros; call lstm_cell_forward at each t, carrying a_next and c_next."},
    torch=dlai_answer("lstm", step=False, backward=False),
    differentiated=("a",),
    loop=Loop(
        LSTM_CELL,
        time={"xt": ("x", 2)},
        carry={"a_prev": "a_next", "c_prev": "c_next"},
        start={"a_prev": "a0", "c_prev": None},
        stack={"a": "a_next", "y": "yt_pred", "c": "c_next"},
        axis=2,
    ),
)
RNN_CELL_BACK = backward_function(
    RNN_CELL,
    "rnn_cell_backward",
    ("da_next", "cache"),
    ("dxt", "da_prev", "dWax", "dWaa", "dba"),
    reference=dlai.rnn_cell_backward,
    aliases=ALIASES,
    returns_dict=True,
    hints={"dxt": "dtanh = da_next·(1 - a_next²); dxt = Waxᵀ·dtanh, da_prev = Waaᵀ·dtanh, dWax = dtanh·xtᵀ, dba = Σ over examples."},
    torch=dlai_answer("rnn", step=True, backward=True),
)
RNN_BACK = backward_function(
    RNN,
    "rnn_backward",
    ("da", "caches"),
    ("dx", "da0", "dWax", "dWaa", "dba"),
    reference=dlai.rnn_backward,
    aliases=ALIASES,
    returns_dict=True,
    hints={"dx": "From t = T_x-1 down to 0: step t's da_next is da[:, :, t] plus the da_prev that step t+1 returned."},
    torch=dlai_answer("rnn", step=False, backward=True),
)
LSTM_CELL_BACK = backward_function(
    LSTM_CELL,
    "lstm_cell_backward",
    ("da_next", "dc_next", "cache"),
    ("dxt", "da_prev", "dc_prev", "dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"),
    reference=dlai.lstm_cell_backward,
    aliases=ALIASES,
    returns_dict=True,
    hints={"dc_prev": "dc = dc_next + da_next·ot·(1 - tanh²(c_next)); dc_prev = dc·ft."},
    torch=dlai_answer("lstm", step=True, backward=True),
)
LSTM_BACK = backward_function(
    LSTM,
    "lstm_backward",
    ("da", "caches"),
    ("dx", "da0", "dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"),
    reference=dlai.lstm_backward,
    aliases=ALIASES,
    returns_dict=True,
    hints={"dx": "From t = T_x-1 down: step t's da_next is da[:, :, t] plus step t+1's da_prev, its dc_next step t+1's dc_prev."},
    torch=dlai_answer("lstm", step=False, backward=True),
)

MISTAKES = (
    Mistake(
        "softmax_wrong_axis",
        "the output softmax is taken over the examples (axis 1) instead of the outputs (axis 0)",
        SOFTMAX,
        frozenset({"softmax"}),
    ),
    Mistake(
        "concat_x_first",
        "concat is stacked as [xt; a_prev] instead of [a_prev; xt] (in forward and backward)",
        CONCAT,
        frozenset({"concat"}),
    ),
    Mistake(
        "c_next_before_tanh",
        "c_next uses the candidate before its tanh: c_next = ft*c_prev + it*(Wc·concat + bc)",
        "cct = tanh(Wc·concat + bc) first; then c_next = ft*c_prev + it*cct.",
        frozenset({"candidate"}),
    ),
    Mistake(
        "a_prev_not_carried",
        "the sequence forward gives every step a0 (and zeros for c) instead of the previous step's a_next (and c_next)",
        "Keep a_next (and c_next) from each step and pass it to the next step's call as a_prev (and c_prev).",
        frozenset({"carry forward"}),
    ),
    Mistake(
        "no_da_prev_carry",
        "the sequence backward gives each step only da[:, :, t]: the da_prev of the step after is not added",
        "At step t, call the cell's backward with da[:, :, t] + da_prevt, da_prevt being what step t+1 returned.",
        frozenset({"carry backward"}),
    ),
)

ASSIGNMENT = Assignment(
    name="dlai-c5w1",
    title='deeplearning.ai Sequence Models week 1: "Building your Recurrent Neural Network - Step by Step"',
    folder=Path(__file__).parent,
    problems=(
        Problem(
            "rnn_cell_forward",
            "RNN cell: forward",
            RNN_CELL,
            forward_function_checks(RNN_CELL, shape=5, values=13, keeps_inputs=2, torch=5),
        ),
        Problem("rnn_forward", "RNN: forward", RNN, forward_function_checks(RNN, shape=4, values=12, keeps_inputs=2, loops=2, torch=5)),
        Problem(
            "lstm_cell_forward",
            "LSTM cell: forward",
            LSTM_CELL,
            forward_function_checks(LSTM_CELL, shape=5, values=13, keeps_inputs=2, torch=5),
        ),
        Problem("lstm_forward", "LSTM: forward", LSTM, forward_function_checks(LSTM, shape=4, values=12, keeps_inputs=2, loops=2, torch=5)),
        Problem(
            "rnn_cell_backward",
            "RNN cell: backward",
            RNN_CELL_BACK,
            backward_function_checks(RNN_CELL_BACK, each_gradient=1, keeps_upstream=1, own_forward=2, torch=1),
            bonus=True,
        ),
        Problem(
            "rnn_backward",
            "RNN: backward",
            RNN_BACK,
            backward_function_checks(RNN_BACK, each_gradient=1, keeps_upstream=1, own_forward=2, torch=1),
            bonus=True,
        ),
        Problem(
            "lstm_cell_backward",
            "LSTM cell: backward",
            LSTM_CELL_BACK,
            backward_function_checks(LSTM_CELL_BACK, each_gradient=1, keeps_upstream=1, own_forward=2, torch=1, together=GATES),
            bonus=True,
        ),
        Problem(
            "lstm_backward",
            "LSTM: backward",
            LSTM_BACK,
            backward_function_checks(LSTM_BACK, each_gradient=1, keeps_upstream=1, own_forward=2, torch=1, together=GATES),
            bonus=True,
        ),
    ),
    mistakes=(MistakeLibrary(LIBRARY, mistakes.functions_with, MISTAKES),),
    identified_by=("rnn_cell_forward", "lstm_cell_forward", "rnn_cell_backward", "lstm_cell_backward"),
    supplied_modules=("rnn_utils", "public_tests"),
)
