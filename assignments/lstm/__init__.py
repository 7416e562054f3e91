"""The LSTM assignment: an LSTM written from scratch in NumPy, with a GRU as a bonus.

The text is README.md beside this file; starter.py and starter.ipynb are the
templates; solution.py is the reference solution the tests grade; mistakes.py
is the same pair of classes with the known mistakes below switchable, for the diagnosis.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from assignments.lstm import mistakes
from assignments.spec import Assignment, CheckSpec, Problem, backward_checks, forward_checks
from checks import experiment
from checks.layer import Context, LayerContract
from checks.mistakes import Mistake, MistakeLibrary

Array = npt.NDArray[np.float64]

EXPECTED_LAST_H = np.array([[0.03622764, 0.10420386]])
EXPECTED_LAST_C = np.array([[0.06722744, 0.18772147]])
"""The small-array experiment's last h and last c, to 8 decimals (computed with reference.lstm, confirmed by torch in the tests)."""


def small_array_experiment() -> dict[str, Array]:
    """Problem 2's fixed inputs, fresh copies on every call.

    x (1, 3, 2): batch 1, 3 steps, 2 features; n_nodes 2, so Wx (2, 8), Wh (2, 8), B (8,) in blocks i, f, g, o.
    """
    return {
        "x": np.array([[[1, 2], [2, 3], [3, 4]]]) / 100,
        "Wx": np.array([[1, 2, 3, 4, 5, 6, 7, 8], [8, 7, 6, 5, 4, 3, 2, 1]]) / 10,
        "Wh": np.array([[1, 3, 5, 7, 2, 4, 6, 8], [8, 6, 4, 2, 7, 5, 3, 1]]) / 10,
        "B": np.array([0.1, 0.2, 1.0, 1.0, 0.0, 0.1, 0.1, 0.2]),
    }


LSTM = LayerContract(
    cls="LSTM",
    kind="lstm",
    weights={"Wx": "Wx", "Wh": "Wh", "B": "b"},
    grads={"dWx": "Wx", "dWh": "Wh", "dB": "b"},
    states=("h0", "c0"),
    hints={
        "values": "Check the column blocks: a[:, :H] is i, a[:, H:2H] is f, a[:, 2H:3H] is g (tanh), a[:, 3H:] is o; "
        "c_t = f*c_(t-1) + i*g and h_t = o*tanh(c_t).",
        "initial_state": "Start from the h0 and c0 you are given, not from zeros.",
        "experiment": "Print i, f, g, o and c after the first step and check them by hand; the blocks are i, f, g, o.",
        "dX": "dX_t = da_t · Wxᵀ, where da_t holds the four gates' gradients; dh_t and dc_t must both be carried back from step t+1.",
        "dWx": "dWx = Σ_t x_tᵀ · da_t, with da_t = [di·i(1-i), df·f(1-f), dg·(1-g²), do·o(1-o)] in the order i, f, g, o.",
        "dWh": "dWh = Σ_t h_(t-1)ᵀ · da_t: the previous step's h (h0 at t = 1).",
        "dB": "dB = Σ_t Σ_batch da_t. Remember dc_(t-1) = dc_t * f: the cell state carries gradient back through time.",
    },
)

GRU = LayerContract(
    cls="GRU",
    kind="gru",
    weights={"Wx": "Wx", "Wh": "Wh", "Bx": "bx", "Bh": "bh"},
    grads={"dWx": "Wx", "dWh": "Wh", "dBx": "bx", "dBh": "bh"},
    hints={
        "values": "Apply r after the matmul: n = tanh(x·Wx_n + Bx_n + r*(h·Wh_n + Bh_n)), and h_t = (1-z)*n + z*h_(t-1).",
        "dWh": "dWh = Σ_t h_(t-1)ᵀ · [dr, dz, dn*r] (pre-activation gradients): r scales the n block's hidden part.",
        "dBh": "dBh = Σ [dr, dz, dn*r]: Bh_n sits inside r*(...), so its gradient is scaled by r; dBx's is not.",
    },
)


GATE_ORDER = (
    "The blocks of Wx, Wh and B are, in order, i, f, g, o: a[:, :H] is i, a[:, H:2H] is f, a[:, 2H:3H] is g and "
    "a[:, 3H:] is o. Read them in that order in forward and write da in that order in backward."
)
LSTM_MISTAKES = (
    *(
        Mistake(
            f"gate_order_{order}",
            f"the column blocks are read as {', '.join(order)} instead of i, f, g, o (in forward and in backward)",
            GATE_ORDER,
            frozenset({"gate order"}),
        )
        for order in mistakes.GATE_ORDERS
    ),
    Mistake(
        "forget_gate_ignored",
        "the forget gate is left out: c_t = i*g, so nothing of c_(t-1) is kept (and backward sends nothing through it)",
        "c_t = f*c_(t-1) + i*g: the forget gate decides how much of the old cell state stays.",
        frozenset({"cell update", "forget gradient", "cell carry"}),
    ),
    Mistake(
        "input_gate_ignored",
        "the input gate is left out: c_t = f*c_(t-1) + g",
        "c_t = f*c_(t-1) + i*g: the input gate scales the candidate g.",
        frozenset({"cell update"}),
    ),
    Mistake(
        "no_tanh_on_cell",
        "h_t = o*c_t: the tanh around the cell state is missing (and backward follows that)",
        "h_t = o*tanh(c_t); in backward, dc_t gets dh_t*o*(1 - tanh²(c_t)).",
        frozenset({"output"}),
    ),
    Mistake(
        "no_dc_carry",
        "backward does not carry the cell state's gradient back through time: dc_(t-1) = dc_t*f is never passed on",
        "Keep dc_next = dc_t*f and add it to dc at step t-1, as dh_next is added to dh.",
        frozenset({"cell carry"}),
    ),
    Mistake(
        "no_forget_gate_gradient",
        "backward leaves out the forget gate's gradient: da_f is zero",
        "da_f = dc_t * c_(t-1) * f*(1 - f), in the f block of da.",
        frozenset({"forget gradient"}),
    ),
)
GRU_MISTAKES = (
    Mistake(
        "reset_before_matmul",
        "the reset gate is applied before the matmul, n = tanh(x·Wx_n + Bx_n + (r*h)·Wh_n + Bh_n), as in Cho et al.; "
        "this assignment applies it after: r*(h·Wh_n + Bh_n), as torch.nn.GRU does",
        GRU.hints["values"],
        frozenset({"reset"}),
    ),
    Mistake(
        "z_swapped",
        "z and 1 - z are swapped: h_t = z*n + (1 - z)*h_(t-1)",
        "h_t = (1 - z)*n + z*h_(t-1): z is how much of the previous state is kept.",
        frozenset({"update"}),
    ),
)
LIBRARIES = (
    MistakeLibrary("LSTM", mistakes.lstm_with_mistakes, LSTM_MISTAKES),
    MistakeLibrary("GRU", mistakes.gru_with_mistakes, GRU_MISTAKES),
)


def small_array_last_h(ctx: Context):
    return experiment.last_h(ctx, small_array_experiment(), EXPECTED_LAST_H)


ASSIGNMENT = Assignment(
    name="lstm",
    title="LSTM from scratch (GRU bonus)",
    folder=Path(__file__).parent,
    problems=(
        Problem(
            "problem1",
            "LSTM forward propagation",
            LSTM,
            forward_checks(shape=5, values=15, initial_state=5, no_state=5, keeps_inputs=5, torch=10),
            required=True,
        ),
        Problem("problem2", "Experiment with a small array", LSTM, (CheckSpec("small_array_last_h", 15, small_array_last_h),)),
        Problem("problem3", "LSTM backpropagation", LSTM, backward_checks(LSTM, each_gradient=5, own_forward=15, torch=5)),
        Problem(
            "problem4",
            "GRU forward and backward",  # writers add "(bonus)" from bonus=True
            GRU,
            forward_checks(shape=1, values=4, initial_state=1, no_state=1, keeps_inputs=1, torch=3)
            + backward_checks(GRU, each_gradient=1, own_forward=3, torch=1),
            bonus=True,
        ),
    ),
    mistakes=LIBRARIES,
)
