"""What torch, as the oracle, answers: a forward's outputs and gradients, in the reference's layout.

Kept apart from ``checks.torch_parity`` (which imports torch) so that a process
can hold torch's answers without importing torch itself.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


class TorchRun(NamedTuple):
    """torch's forward outputs and gradients, in the reference's layout and as float64 NumPy."""

    out: Array  # (N, T, K·H)
    h_n: Array  # (L·K, N, H)
    c_n: Array | None  # (L·K, N, H) for an LSTM
    grads: dict | None  # "x", "h0", ["c0",] "cells": one grads dict per cell; None for a forward-only run
