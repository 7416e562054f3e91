"""The table of models every reference test runs over, and how to run a case through each side.

A cell model is (kind, activation); a stack adds its depth and direction.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from reference import stacked

CELL_MODELS = [("rnn", "tanh"), ("rnn", "relu"), ("rnn", "sigmoid"), ("lstm", None), ("gru", None)]
DEPTHS_AND_DIRECTIONS = [(layers, bidirectional) for layers in (1, 2, 3) for bidirectional in (False, True)]
STACK_MODELS = [(kind, act, layers, bi) for kind, act in CELL_MODELS for layers, bi in DEPTHS_AND_DIRECTIONS]


def cell_id(model) -> str:
    kind, activation = model
    return f"{kind}-{activation}" if activation else kind


def stack_id(model) -> str:
    kind, activation, layers, bidirectional = model
    return f"{cell_id((kind, activation))}-{layers}layer{'s' if layers > 1 else ''}-{'bidirectional' if bidirectional else 'forward'}"


class Result(NamedTuple):
    """Forward outputs and gradients, laid out as ``checks.torch_parity.TorchRun``."""

    out: np.ndarray
    h_n: np.ndarray
    c_n: np.ndarray | None
    grads: dict


def run_cell(kind, activation, case) -> Result:
    """One cell of the reference, forward then backward, on a ``CellCase``."""
    hs, cache = stacked.cell_forward(kind, case.x, case.params, case.h0, case.c0, activation)
    grads = stacked.cell_backward(kind, case.dhs, cache, case.dc_last)
    layered = {"x": grads.pop("x"), "h0": grads.pop("h0")[None], "cells": [grads]}
    if kind == "lstm":
        layered["c0"] = grads.pop("c0")[None]
    return Result(hs, hs[:, -1][None], cache.cs[-1][None] if kind == "lstm" else None, layered)


def run_stack(kind, activation, bidirectional, case) -> Result:
    """The stacked reference, forward then backward, on a ``StackCase``."""
    out, h_n, c_n, cache = stacked.forward(
        case.x, case.cells, kind=kind, bidirectional=bidirectional, h0=case.h0, c0=case.c0, activation=activation
    )
    return Result(out, h_n, c_n, stacked.backward(case.dout, cache, case.dh_n, case.dc_n))


def torch_cell(kind, activation, case):
    """torch on the same ``CellCase``: states gain the leading layer axis torch uses."""
    from checks import torch_parity

    def layered(a):
        return None if a is None else a[None]

    return torch_parity.run(
        case.x,
        [case.params],
        kind=kind,
        dout=case.dhs,
        h0=layered(case.h0),
        c0=layered(case.c0),
        dc_n=layered(case.dc_last),
        activation=activation,
    )


def torch_stack(kind, activation, bidirectional, case):
    from checks import torch_parity

    return torch_parity.run(
        case.x,
        case.cells,
        kind=kind,
        dout=case.dout,
        bidirectional=bidirectional,
        h0=case.h0,
        c0=case.c0,
        dh_n=case.dh_n,
        dc_n=case.dc_n,
        activation=activation,
    )
