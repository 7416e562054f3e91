"""DIVE INTO CODE Sprint 22: a SimpleRNN written from scratch in NumPy.

The text is README.md beside this file; starter.py and starter.ipynb are the
templates; solution.py is the reference solution the tests grade; mistakes.py
is the same class with the known mistakes below switchable, for the diagnosis.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from assignments.dic_sprint22 import mistakes
from assignments.spec import Assignment, CheckSpec, Problem, backward_checks, forward_checks
from checks import experiment
from checks.layer import SEQUENCE, Context, LayerContract
from checks.mistakes import Mistake, MistakeLibrary

Array = npt.NDArray[np.float64]

EXPECTED_LAST_H = np.array([[0.79494228, 0.81839002, 0.83939649, 0.85584174]])
"""The last hidden state of the small-array experiment, as the course prints it (8 decimals)."""


def small_array_experiment() -> dict[str, Array]:
    """Problem 2's fixed inputs, fresh copies on every call.

    x (1, 3, 2): batch 1, 3 time steps, 2 features; Wx (2, 4), Wh (4, 4), b (4,), h0 zeros (1, 4).
    """
    return {
        "x": np.array([[[1, 2], [2, 3], [3, 4]]]) / 100,
        "Wx": np.array([[1, 3, 5, 7], [3, 5, 7, 8]]) / 100,
        "Wh": np.array([[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4, 6, 8, 10]]) / 100,
        "b": np.array([1.0, 1.0, 1.0, 1.0]),
        "h0": np.zeros((1, 4)),
    }


SIMPLE_RNN = LayerContract(
    cls="SimpleRNN",
    kind="rnn",
    weights={"Wx": "Wx", "Wh": "Wh", "B": "b"},
    grads={"dWx": "Wx", "dWh": "Wh", "dB": "b"},
    hints={
        "values": "Compare one step by hand: a_t = x_t·Wx + h_(t-1)·Wh + B and h_t = tanh(a_t), with h_0 = zeros when h0 is None.",
        "initial_state": "Start the recurrence from the h0 you are given: h_0 = h0, not zeros.",
        "experiment": "Print h after each step and check the first one by hand: h_1 = tanh(x_1·Wx + h_0·Wh + B) with h_0 = zeros.",
        "dX": "dX_t = da_t · Wxᵀ at every step, where da_t = (dH_t + the dh carried back from step t+1) * (1 - h_t²).",
        "dWx": "dWx = Σ_t X_tᵀ · da_t: sum over every step, not only the last.",
        "dWh": "dWh = Σ_t h_(t-1)ᵀ · da_t: pair da_t with the previous step's h (h0 at t = 1), not with h_t.",
        "dB": "dB = Σ_t Σ_batch da_t: sum over both the batch and the steps; do not average.",
    },
)


def _mistake(name: str, explanation: str, hint: str, *parts: str, **options) -> Mistake:
    return Mistake(name, explanation, hint, frozenset(parts), **options)


TANH = "Use h_t = tanh(a_t) in forward, and its derivative 1 - h_t² in backward."
DERIVATIVE = "tanh's derivative, from its output: dh_t/da_t = 1 - h_t², so da_t = dh_t * (1 - h_t**2)."
MISTAKES = (
    _mistake(
        "no_recurrence",
        "forward feeds h_0 back in at every step (a_t = x_t·Wx + h_0·Wh + B), so no step sees the one before it",
        "Carry the state through the loop: compute h from the previous step's h, then use the new h at the next step.",
        "recurrence",
    ),
    _mistake(
        "relu_instead_of_tanh",
        "ReLU, max(a_t, 0), is the activation (with its derivative in backward) where tanh belongs",
        TANH,
        "activation",
        "derivative",
    ),
    _mistake(
        "sigmoid_instead_of_tanh",
        "the sigmoid is the activation (with its derivative in backward) where tanh belongs",
        TANH,
        "activation",
        "derivative",
    ),
    _mistake("bias_ignored", "forward leaves the bias B out of a_t", "a_t = x_t·Wx + h_(t-1)·Wh + B: add self.B at every step.", "bias"),
    _mistake(
        "state_kept_between_calls",
        "when h0 is not given, forward starts from the h the previous call ended with instead of zeros",
        "Start every call from h0, or from zeros when h0 is None; never from what an earlier call left in self.",
        "initial state",
    ),
    _mistake(
        "wx_transposed",
        "forward multiplies x_t by Wx transposed (x_t·Wxᵀ), which only runs when n_features equals n_nodes",
        "Wx is (n_features, n_nodes): the product is x_t·Wx, with no .T.",
        "Wx",
    ),
    _mistake(
        "wh_transposed",
        "forward multiplies h_(t-1) by Wh transposed (h_(t-1)·Whᵀ)",
        "The product is h_(t-1)·Wh, with no .T: row i of Wh is what unit i of the previous state sends on.",
        "Wh",
    ),
    _mistake("dwh_uses_h_t", "dWh pairs da_t with h_t where the previous state h_(t-1) belongs", SIMPLE_RNN.hints["dWh"], "dWh"),
    _mistake(
        "no_dh_carry",
        "backward never carries dh back from step t+1, so each step sees only its own dH_t",
        "Keep dh_next = da_t·Whᵀ and add it to dH at step t-1: dh_t = dH_t + dh_next.",
        "carry",
    ),
    _mistake(
        "dh_carry_added_twice",
        "backward adds the gradient carried back from step t+1 twice",
        "dh_t = dH_t + dh_next, once: check that dh_next is not also added elsewhere.",
        "carry",
    ),
    _mistake("derivative_one_minus_h", "backward uses (1 - h_t) as tanh's derivative where (1 - h_t²) belongs", DERIVATIVE, "derivative"),
    _mistake(
        "derivative_one_minus_a_squared",
        "backward uses (1 - a_t²), the pre-activation squared, where (1 - h_t²) belongs",
        DERIVATIVE,
        "derivative",
    ),
    _mistake("derivative_applied_twice", "backward multiplies by tanh's derivative (1 - h_t²) twice", DERIVATIVE, "derivative"),
    _mistake("db_averaged_over_batch", "dB averages da_t over the batch where it should sum", SIMPLE_RNN.hints["dB"], "dB"),
    _mistake(
        "db_not_summed_over_time",
        "dB keeps one step's gradient (set, not added, in the loop), so only the first step's is left",
        "Start dB at zeros and add every step's da_t.sum(axis=0): dB = Σ_t Σ_batch da_t.",
        "dB",
    ),
    _mistake(
        "last_step_gradient_only",
        "backward uses only the last step's dH; the upstream gradient of every earlier step is dropped",
        "At every step t, dh_t = dH[:, t] + dh_next: each step's output has its own upstream gradient.",
        "upstream",
        styles=frozenset({SEQUENCE}),  # when forward returns only the last h, only the last step has an upstream gradient
    ),
)
LIBRARY = MistakeLibrary("SimpleRNN", mistakes.with_mistakes, MISTAKES)


def small_array_last_h(ctx: Context):
    data = small_array_experiment()
    return experiment.last_h(ctx, {"x": data["x"], "Wx": data["Wx"], "Wh": data["Wh"], "B": data["b"]}, EXPECTED_LAST_H)


ASSIGNMENT = Assignment(
    name="dic-sprint22",
    title="DIVE INTO CODE Sprint 22: SimpleRNN from scratch",
    folder=Path(__file__).parent,
    problems=(
        Problem(
            "problem1",
            "Forward propagation of SimpleRNN",
            SIMPLE_RNN,
            forward_checks(shape=10, values=15, initial_state=5, no_state=5, keeps_inputs=5, torch=10),
            required=True,
        ),
        Problem("problem2", "Experiment with a small array", SIMPLE_RNN, (CheckSpec("small_array_last_h", 15, small_array_last_h, given_weights=False),)),
        Problem("problem3", "Backpropagation (advanced)", SIMPLE_RNN, backward_checks(SIMPLE_RNN, each_gradient=5, own_forward=8, torch=7)),
    ),
    mistakes=(LIBRARY,),
)
