"""DIVE INTO CODE Sprint 22: a SimpleRNN written from scratch in NumPy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

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
