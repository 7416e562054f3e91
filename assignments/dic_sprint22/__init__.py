"""DIVE INTO CODE Sprint 22: a SimpleRNN written from scratch in NumPy.

The text is README.md beside this file; starter.py and starter.ipynb are the
templates; solution.py is the reference solution the tests grade.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from assignments.spec import Assignment, CheckSpec, Problem, backward_checks, forward_checks
from checks import experiment
from checks.layer import Context, LayerContract

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
        Problem("problem2", "Experiment with a small array", SIMPLE_RNN, (CheckSpec("small_array_last_h", 15, small_array_last_h),)),
        Problem("problem3", "Backpropagation (advanced)", SIMPLE_RNN, backward_checks(SIMPLE_RNN, each_gradient=5, own_forward=8, torch=7)),
    ),
)
