"""DIVE INTO CODE Sprint 22: a SimpleRNN written from scratch in NumPy.

The text is README.md beside this file; starter.py and starter.ipynb are the
templates; solution.py is the reference solution the tests grade.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from assignments.spec import Assignment, CheckSpec, Problem
from checks import backward, experiment, forward
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
            required=True,
            checks=(
                CheckSpec("forward_shape", 10, forward.shape),
                CheckSpec("forward_values", 15, forward.values),
                CheckSpec("forward_with_h0", 5, forward.with_initial_state),
                CheckSpec("forward_no_state_between_calls", 5, forward.repeatable),
                CheckSpec("forward_keeps_inputs", 5, forward.keeps_inputs),
                CheckSpec("forward_matches_torch", 10, forward.matches_torch, torch=True),
            ),
        ),
        Problem("problem2", "Experiment with a small array", SIMPLE_RNN, checks=(CheckSpec("small_array_last_h", 15, small_array_last_h),)),
        Problem(
            "problem3",
            "Backpropagation (advanced)",
            SIMPLE_RNN,
            checks=(
                CheckSpec("backward_dX", 5, backward.gradient("dX")),
                CheckSpec("backward_dWx", 5, backward.gradient("dWx")),
                CheckSpec("backward_dWh", 5, backward.gradient("dWh")),
                CheckSpec("backward_dB", 5, backward.gradient("dB")),
                CheckSpec("backward_matches_own_forward", 8, backward.own_forward),
                CheckSpec("backward_matches_torch", 7, backward.matches_torch, torch=True),
            ),
        ),
    ),
)
