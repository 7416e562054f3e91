"""A linear RNN is a moving average of its past inputs.

Lecture notes, "Relationship between RNN and ARMA models": with no activation,
h_t = a h_{t-1} + b x_t "recursively gives h_t = a^p h_{t-p} + Σ φ_i x_{t-i}",
"the equation of a moving average model of order p". In matrix form, with
N batch, T steps, D features, H hidden units and params
``{"Wx": (D, H), "Wh": (H, H)}`` (no bias):

    h_t = h_{t-1} Wh + x_t Wx                  h_0 given (zeros by default)
    h_T = Σ_{k=0..T-1} x_{T-k} (Wx Wh^k) + h_0 Wh^T

so the input k steps back is weighted by Wx Wh^k. Since
‖Wx Wh^k‖₂ <= ‖Wx‖₂ ‖Wh‖₂^k, a recurrent weight of norm below 1 makes "the
influence of the input history from the past ... exponentially smaller", and
one above 1 can make it "exponentially larger" (DIVE INTO CODE, Day 29,
"RNNs: Regression coupled type").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from reference import validation

Array = npt.NDArray[np.float64]
Params = dict[str, Array]


def param_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    return {"Wx": (D, H), "Wh": (H, H)}


def _checked_params(params: Mapping[str, npt.ArrayLike]) -> Params:
    """Params checked against each other, for callers that have no x to read D from."""
    if "Wx" not in params:
        raise ValueError("params is missing 'Wx'; expected keys 'Wx', 'Wh'")
    wx = np.shape(params["Wx"])
    if len(wx) != 2:
        raise ValueError(f"params['Wx'] has shape {wx}; expected (D, H)")
    return validation.cell_params(params, param_shapes, D=wx[0], source="Wx")[0]


def _checked(x: npt.ArrayLike, params: Mapping[str, npt.ArrayLike], h0: npt.ArrayLike | None) -> tuple[Array, Params, Array]:
    x = validation.array("x", x, "NTD")
    params, H = validation.cell_params(params, param_shapes, D=x.shape[-1], source=f"x of shape {x.shape}")
    return x, params, validation.state("h0", h0, (x.shape[0], H))


def forward(x: npt.ArrayLike, params: Mapping[str, npt.ArrayLike], h0: npt.ArrayLike | None = None) -> Array:
    """The recurrence: x (N, T, D), h0 (N, H) or None for zeros -> hs (N, T, H)."""
    x, params, h = _checked(x, params, h0)
    projected = x @ params["Wx"]  # x_t Wx for every step at once; only h_{t-1} Wh is sequential
    hs = np.empty(projected.shape)
    for t in range(x.shape[1]):
        h = h @ params["Wh"] + projected[:, t]
        hs[:, t] = h
    return hs


def moving_average_weights(params: Mapping[str, npt.ArrayLike], T: int) -> list[Array]:
    """[Wx Wh^k for k = 0..T-1], each (D, H): the weight of the input k steps before the last."""
    params = _checked_params(params)
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 0:
        raise ValueError(f"T={T!r} should be an integer of at least 0, the number of steps")
    weights, w = [], params["Wx"]
    for _ in range(T):
        weights.append(w)
        w = w @ params["Wh"]
    return weights


def as_moving_average(x: npt.ArrayLike, params: Mapping[str, npt.ArrayLike], h0: npt.ArrayLike | None = None) -> Array:
    """h_T as the explicit weighted sum Σ_k x_{T-k} Wx Wh^k + h0 Wh^T: x (N, T, D), h0 (N, H) or None -> (N, H)."""
    x, params, h0 = _checked(x, params, h0)
    T = x.shape[1]
    weights = moving_average_weights(params, T)
    total = h0 @ np.linalg.matrix_power(params["Wh"], T)
    for k, w in enumerate(weights):
        total += x[:, T - 1 - k] @ w
    return total
