"""CS231n assignment 3's recurrent layers (``rnn_layers.py``): ten functions, each its own problem named as the course
names it.

The text is README.md beside this file; starter.py is the template; solution.py is the reference solution the tests
grade; mistakes.py is the same functions with the known mistakes below switchable, for the diagnosis. Batch-first,
row vectors, the LSTM's gate blocks in the order i, f, o, g (``reference.cs231n``).
"""

from __future__ import annotations

from pathlib import Path

from assignments.cs231n_a3_rnn import mistakes
from assignments.spec import Assignment, Problem, backward_function_checks, forward_function_checks
from checks.course_torch import cs231n_answer
from checks.function_contract import Loop, backward_function, forward_function
from checks.mistakes import Mistake, MistakeLibrary
from reference import cs231n

LIBRARY = "cs231n"
RNN_ARGS = ("Wx: D H", "Wh: H H", "b: H")
LSTM_ARGS = ("Wx: D 4H", "Wh: H 4H", "b: 4H")
RNN_GRADS = ("dx", "dprev_h", "dWx", "dWh", "db")
GATES = "a = x·Wx + prev_h·Wh + b holds the gates in blocks of H columns, in the order i, f, o, g (not torch's i, f, g, o)."


def _hints(**topics: str) -> dict[str, str]:
    return dict(topics)


RNN_STEP = forward_function(
    "rnn_step_forward",
    ("x: N D", "prev_h: N H", *RNN_ARGS),
    ("next_h: N H", "cache"),
    reference=cs231n.rnn_step_forward,
    library=LIBRARY,
    hints=_hints(values="next_h = tanh(x·Wx + prev_h·Wh + b): x (N, D) times Wx (D, H), prev_h (N, H) times Wh (H, H)."),
    torch=cs231n_answer("rnn", step=True, backward=False),
)
RNN_STEP_BACK = backward_function(
    RNN_STEP,
    "rnn_step_backward",
    ("dnext_h", "cache"),
    RNN_GRADS,
    reference=cs231n.rnn_step_backward,
    hints=_hints(
        dx="da = dnext_h·(1 - next_h²), the tanh's derivative; dx = da·Wxᵀ.",
        dprev_h="dprev_h = da·Whᵀ, with da = dnext_h·(1 - next_h²).",
        dWx="dWx = xᵀ·da, with da = dnext_h·(1 - next_h²).",
        dWh="dWh = prev_hᵀ·da: the previous hidden state, not next_h.",
        db="db = da summed over the batch (axis 0).",
    ),
    torch=cs231n_answer("rnn", step=True, backward=True),
)
RNN = forward_function(
    "rnn_forward",
    ("x: N T D", "h0: N H", *RNN_ARGS),
    ("h: N T H", "cache"),
    reference=cs231n.rnn_forward,
    library=LIBRARY,
    hints=_hints(values="Start from h0 and call rnn_step_forward at each t, passing each step's next_h on as prev_h; h[:, t] is step t's."),
    torch=cs231n_answer("rnn", step=False, backward=False),
    loop=Loop(RNN_STEP, time={"x": ("x", 1)}, carry={"prev_h": "next_h"}, start={"prev_h": "h0"}, stack={"h": "next_h"}, axis=1),
)
RNN_BACK = backward_function(
    RNN,
    "rnn_backward",
    ("dh", "cache"),
    ("dx", "dh0", "dWx", "dWh", "db"),
    reference=cs231n.rnn_backward,
    hints=_hints(
        dx="Go from t = T-1 down to 0: step t's upstream is dh[:, t] plus the dprev_h that step t+1 returned.",
        dh0="dh0 is the dprev_h of step 0, after every later step's gradient has been carried into it.",
        dWx="dWx, dWh and db are the sums of every step's.",
        dWh="dWh, dWx and db are the sums of every step's; each step's upstream carries dprev_h from the step after.",
        db="db is the sum of every step's.",
    ),
    torch=cs231n_answer("rnn", step=False, backward=True),
)
EMBED = forward_function(
    "word_embedding_forward",
    ("x: N T < V", "W: V D"),
    ("out: N T D", "cache"),
    reference=cs231n.word_embedding_forward,
    library=LIBRARY,
    hints=_hints(values="out[n, t] is row x[n, t] of W: W[x] does it in one step."),
)
EMBED_BACK = backward_function(
    EMBED,
    "word_embedding_backward",
    ("dout", "cache"),
    ("dW",),
    reference=cs231n.word_embedding_backward,
    hints=_hints(dW="A word that occurs twice gets both rows of dout: np.add.at(dW, x, dout); dW[x] += dout keeps only one."),
)
LSTM_STEP = forward_function(
    "lstm_step_forward",
    ("x: N D", "prev_h: N H", "prev_c: N H", *LSTM_ARGS),
    ("next_h: N H", "next_c: N H", "cache"),
    reference=cs231n.lstm_step_forward,
    library=LIBRARY,
    hints=_hints(values=f"{GATES} next_c = f*prev_c + i*g; next_h = o*tanh(next_c)."),
    torch=cs231n_answer("lstm", step=True, backward=False),
)
LSTM_STEP_BACK = backward_function(
    LSTM_STEP,
    "lstm_step_backward",
    ("dnext_h", "dnext_c", "cache"),
    ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"),
    reference=cs231n.lstm_step_backward,
    hints=_hints(
        dprev_c="dc = dnext_c + dnext_h·o·(1 - tanh²(next_c)); dprev_c = dc·f.",
        dx=f"da holds the gates' gradients in the order i, f, o, g; dx = da·Wxᵀ. {GATES}",
        dWx="dWx = xᵀ·da, da in the order i, f, o, g.",
        dWh="dWh = prev_hᵀ·da, da in the order i, f, o, g.",
        db="db = da summed over the batch.",
    ),
    torch=cs231n_answer("lstm", step=True, backward=True),
)
LSTM = forward_function(
    "lstm_forward",
    ("x: N T D", "h0: N H", *LSTM_ARGS),
    ("h: N T H", "cache"),
    reference=cs231n.lstm_forward,
    library=LIBRARY,
    hints=_hints(values="Start from h0 and a cell state of zeros; call lstm_step_forward at each t, carrying next_h and next_c."),
    torch=cs231n_answer("lstm", step=False, backward=False),
    loop=Loop(
        LSTM_STEP,
        time={"x": ("x", 1)},
        carry={"prev_h": "next_h", "prev_c": "next_c"},
        start={"prev_h": "h0", "prev_c": None},
        stack={"h": "next_h"},
        axis=1,
    ),
)
LSTM_BACK = backward_function(
    LSTM,
    "lstm_backward",
    ("dh", "cache"),
    ("dx", "dh0", "dWx", "dWh", "db"),
    reference=cs231n.lstm_backward,
    hints=_hints(
        dx="From t = T-1 down: step t's dnext_h is dh[:, t] plus the dprev_h of step t+1, and its dnext_c the dprev_c of step t+1.",
        dh0="dh0 is step 0's dprev_h, after every later step's gradient has been carried into it.",
    ),
    torch=cs231n_answer("lstm", step=False, backward=True),
)

MISTAKES = (
    Mistake(
        "gate_order_ifgo",
        "the gate blocks are read in torch's order i, f, g, o instead of the course's i, f, o, g (in forward and backward)",
        GATES + " Read a[:, 2H:3H] as o and a[:, 3H:] as g, and write da in that order.",
        frozenset({"lstm gates"}),
    ),
    Mistake(
        "embedding_backward_overwrites",
        "word_embedding_backward adds with dW[x] += dout: a word that occurs more than once keeps only one of its rows",
        EMBED_BACK.hint("dW"),
        frozenset({"embedding"}),
    ),
    Mistake(
        "no_dh_carry",
        "rnn_backward and lstm_backward give each step only dh[:, t]: the gradient from the step after is not carried back",
        "At step t, add the dprev_h (and for the LSTM the dprev_c) that step t+1 returned to dh[:, t] before calling the step's backward.",
        frozenset({"carry"}),
    ),
    Mistake(
        "no_tanh_derivative_on_cell",
        "lstm_step_backward passes dnext_h·o to the cell state without tanh's derivative (1 - tanh²(next_c))",
        "dc = dnext_c + dnext_h·o·(1 - tanh²(next_c)): next_h = o·tanh(next_c), so the tanh's slope belongs in it.",
        frozenset({"lstm cell"}),
    ),
    Mistake(
        "rnn_no_tanh_derivative",
        "rnn_step_backward leaves out tanh's derivative: da = dnext_h instead of dnext_h·(1 - next_h²)",
        RNN_STEP_BACK.hint("dx"),
        frozenset({"rnn tanh"}),
    ),
    Mistake(
        "h0_not_used",
        "rnn_forward and lstm_forward start from zeros instead of h0",
        "The first step's prev_h is h0, the argument: start the loop from it.",
        frozenset({"start"}),
    ),
)

ASSIGNMENT = Assignment(
    name="cs231n-a3-rnn",
    title="CS231n assignment 3: RNN and LSTM layers (rnn_layers.py)",
    folder=Path(__file__).parent,
    problems=(
        Problem(
            "rnn_step_forward",
            "Vanilla RNN: step forward",
            RNN_STEP,
            forward_function_checks(RNN_STEP, shape=2, values=5, keeps_inputs=1, torch=2),
        ),
        Problem(
            "rnn_step_backward",
            "Vanilla RNN: step backward",
            RNN_STEP_BACK,
            backward_function_checks(RNN_STEP_BACK, each_gradient=2, keeps_upstream=1, own_forward=3, torch=1),
        ),
        Problem(
            "rnn_forward", "Vanilla RNN: forward", RNN, forward_function_checks(RNN, shape=2, values=4, keeps_inputs=1, loops=1, torch=2)
        ),
        Problem(
            "rnn_backward",
            "Vanilla RNN: backward",
            RNN_BACK,
            backward_function_checks(RNN_BACK, each_gradient=2, keeps_upstream=1, own_forward=3, torch=1),
        ),
        Problem(
            "word_embedding_forward", "Word embedding: forward", EMBED, forward_function_checks(EMBED, shape=1, values=3, keeps_inputs=1)
        ),
        Problem(
            "word_embedding_backward",
            "Word embedding: backward",
            EMBED_BACK,
            backward_function_checks(EMBED_BACK, each_gradient=3, keeps_upstream=1, own_forward=1),
        ),
        Problem(
            "lstm_step_forward",
            "LSTM: step forward",
            LSTM_STEP,
            forward_function_checks(LSTM_STEP, shape=2, values=5, keeps_inputs=1, torch=2),
        ),
        Problem(
            "lstm_step_backward",
            "LSTM: step backward",
            LSTM_STEP_BACK,
            backward_function_checks(LSTM_STEP_BACK, each_gradient=2, keeps_upstream=1, own_forward=3, torch=1),
        ),
        Problem("lstm_forward", "LSTM: forward", LSTM, forward_function_checks(LSTM, shape=2, values=4, keeps_inputs=1, loops=1, torch=2)),
        Problem(
            "lstm_backward",
            "LSTM: backward",
            LSTM_BACK,
            backward_function_checks(LSTM_BACK, each_gradient=2, keeps_upstream=1, own_forward=3, torch=1),
        ),
    ),
    mistakes=(MistakeLibrary(LIBRARY, mistakes.functions_with, MISTAKES),),
    identified_by=("rnn_step_forward", "rnn_step_backward", "word_embedding_forward", "lstm_step_forward"),
    supplied_builtins=("xrange",),
)
