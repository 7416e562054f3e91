"""torch's answers to a course function's case: the case in the course's layout, run through ``torch.nn.RNN`` / ``LSTM``
(``checks.torch_parity.run``, on the oracle) and brought back to the course's layout.

The layouts are the reference's own (``reference.cs231n``, ``reference.dlai``): the gate order swap, the transposes,
the split weights. A step function is the sequence of one step, from the given state. torch has no softmax output
layer in its recurrent modules: deeplearning.ai's predictions are the reference's softmax of torch's hidden states,
so their parity tests the states a prediction is made from. Its LSTM returns the last cell state only: the parity of
lstm_forward's c is that of its last step (``LAST_STEP``), every step's being the values check's.

Each answer is ``answer(case, run) -> {output name: array}``, ``run`` being ``checks.torch_parity.run`` or the oracle's.
torch runs forward and backward together, once per case for a forward's problem and its backward's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from checks.function_contract import FunctionCase
from checks.memo import remembered
from reference import cs231n, dlai

Answer = Callable[[FunctionCase, Callable], dict]
LAST_STEP = "[..., -1]"
"""An answer named ``name + LAST_STEP`` is only the last time step of output ``name`` (deeplearning.ai's lstm_forward's
c: torch returns an LSTM's last cell state only)."""


def _once(case: FunctionCase, layer: tuple, run: Callable):
    """torch's forward and backward of a case, run once for a forward's problem and its backward's, which share
    their cases (``checks.function_cases``)."""
    return remembered(case.key, ("torch run", *layer), run)


def _same(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def cs231n_answer(kind: str, *, step: bool, backward: bool) -> Answer:
    """CS231n's rnn_* or lstm_* (``kind``), step or sequence, forward or backward: batch-first, gates i, f, o, g."""
    order = cs231n.to_torch_order if kind == "lstm" else _same

    def answer(case: FunctionCase, run) -> dict:
        i, u = case.inputs, case.upstream
        x = i["x"][:, None] if step else i["x"]
        h0 = (i["prev_h"] if step else i["h0"])[None]
        c0 = i["prev_c"][None] if step and kind == "lstm" else None
        cells = [{"Wx": order(i["Wx"]), "Wh": order(i["Wh"]), "b": order(i["b"])}]
        dout = u["dnext_h"][:, None] if step else u["dh"]
        dc_n = u["dnext_c"][None] if step and kind == "lstm" else None
        got = _once(case, ("cs231n", kind, step), lambda: run(x, cells, kind=kind, dout=dout, h0=h0, c0=c0, dc_n=dc_n))
        if not backward:
            if not step:
                return {"h": got.out}
            return {"next_h": got.out[:, 0], **({"next_c": got.c_n[0]} if kind == "lstm" else {})}
        g = got.grads
        w = g["cells"][0]
        found = {"dx": g["x"][:, 0] if step else g["x"], "dprev_h" if step else "dh0": g["h0"][0]}
        if step and kind == "lstm":
            found["dprev_c"] = g["c0"][0]
        return {**found, "dWx": order(w["Wx"]), "dWh": order(w["Wh"]), "db": order(w["b"])}

    return answer


def _dlai_cells(kind: str, parameters: dict, n_a: int) -> list[dict]:
    return [dlai.rnn_params(parameters) if kind == "rnn" else dlai.lstm_params(parameters, n_a)]


def dlai_answer(kind: str, *, step: bool, backward: bool) -> Answer:
    """deeplearning.ai's rnn_* or lstm_* (``kind``), cell or sequence, forward or backward: column vectors, time last."""
    rnn = kind == "rnn"

    def answer(case: FunctionCase, run) -> dict:
        i, u, p = case.inputs, case.upstream, case.inputs["parameters"]
        x = i["xt"].T[:, None] if step else i["x"].transpose(1, 2, 0)  # (m, T, n_x)
        h0 = (i["a_prev"] if step else i["a0"]).T[None]
        c0 = i["c_prev"].T[None] if step and not rnn else None
        cells = _dlai_cells(kind, p, h0.shape[-1])
        got = _once(case, ("dlai", kind, step), lambda: run(x, cells, kind=kind, **_dlai_upstream(rnn, step, u), h0=h0, c0=c0))
        if backward:
            return _dlai_gradients(kind, step, got.grads)
        hs = got.out  # (m, T, n_a)
        y = dlai.output_layer(hs, p["Wya"] if rnn else p["Wy"], p["by"])
        if step:
            found = {"a_next": hs[:, 0].T, "yt_pred": y[:, 0].T}
            return found if rnn else {**found, "c_next": got.c_n[0].T}
        if rnn:
            return {"a": hs.transpose(2, 0, 1), "y_pred": y.transpose(2, 0, 1)}
        return {"a": hs.transpose(2, 0, 1), "y": y.transpose(2, 0, 1), "c" + LAST_STEP: got.c_n[0].T}

    return answer


def _dlai_upstream(rnn: bool, step: bool, u: dict) -> dict:
    if step:
        return {"dout": u["da_next"].T[:, None], "dc_n": None if rnn else u["dc_next"].T[None]}
    return {"dout": u["da"].transpose(1, 2, 0)}


def _dlai_gradients(kind: str, step: bool, g: dict) -> dict:
    w = g["cells"][0]
    found = {"dxt" if step else "dx": g["x"][:, 0].T if step else g["x"].transpose(2, 0, 1), "da_prev" if step else "da0": g["h0"][0].T}
    if kind == "rnn":
        return {**found, "dWax": w["Wx"].T, "dWaa": w["Wh"].T, "dba": w["b"][:, None]}
    if step:
        found["dc_prev"] = g["c0"][0].T
    return {**found, **dlai.lstm_grads(w)}
