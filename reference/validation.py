"""Argument checks shared by the reference models.

Every bad argument raises ``ValueError`` naming the argument, the shape it got
and the shape it wanted, so that a wrong call fails at the call and not three
matmuls later with numpy's "shapes not aligned".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def _fmt(shape: tuple[object, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def array(name: str, value: npt.ArrayLike, axes: str) -> Array:
    """Return a float64 copy of ``value`` with one axis per letter of ``axes`` ("NTD", "ND"), or raise.

    A copy, so that a cache never shares memory with the caller's array.
    """
    result = np.array(value, dtype=np.float64, copy=True)
    wanted = _fmt(tuple(axes))
    if result.ndim != len(axes):
        raise ValueError(f"{name} has shape {_fmt(result.shape)}; expected {len(axes)} axes {wanted}")
    if 0 in result.shape:
        raise ValueError(f"{name} has shape {_fmt(result.shape)}; every axis of {wanted} must be at least 1")
    return result


def cell_params(
    given: Mapping[str, npt.ArrayLike],
    param_shapes: Callable[[int, int], dict[str, tuple[int, ...]]],
    *,
    D: int,
    source: str,
    name: str = "params",
) -> tuple[dict[str, Array], int]:
    """Return float64 copies of one cell's params and its hidden size H, or raise.

    ``param_shapes(D, H)`` gives the wanted shape of each key; H is read off
    ``Wh``. ``source`` says where D came from, for the message ("x of shape
    (2, 5, 3)"). Copies make a later in-place update of the caller's arrays
    (an optimizer step) invisible to a cache.
    """
    wanted = param_shapes(1, 1)
    missing = [key for key in wanted if key not in given]
    if missing:
        raise ValueError(f"{name} is missing {', '.join(repr(k) for k in missing)}; expected keys {', '.join(repr(k) for k in wanted)}")
    gates = wanted["Wh"][1]
    wh = np.shape(given["Wh"])
    if len(wh) != 2 or wh[0] == 0 or wh[1] != gates * wh[0]:
        raise ValueError(
            f"{name}['Wh'] has shape {_fmt(wh)}; expected (H, {gates}*H)"
            if gates > 1
            else f"{name}['Wh'] has shape {_fmt(wh)}; expected (H, H)"
        )
    H = int(wh[0])
    out = {}
    for key, shape in param_shapes(D, H).items():
        array = np.array(given[key], dtype=np.float64, copy=True)
        if array.shape != shape:
            raise ValueError(
                f"{name}[{key!r}] has shape {_fmt(array.shape)}; expected {_fmt(shape)} "
                f"for D={D} input features ({source}) and H={H} hidden units (from Wh)"
            )
        out[key] = array
    return out, H


def state(name: str, value: npt.ArrayLike | None, shape: tuple[int, ...], axes: str = "NH") -> Array:
    """Return a copy of an initial state of ``shape`` (zeros when ``value`` is None), or raise.

    ``axes`` names the axes of ``shape`` for the message: "NH" or "SNH" (S: one state per layer and direction).
    """
    if value is None:
        return np.zeros(shape)
    array = np.array(value, dtype=np.float64, copy=True)
    if array.shape != shape:
        letters = {"N": "N", "H": "H", "S": "layers*directions"}
        meaning = ", ".join(f"{letters[a]}={n}" for a, n in zip(axes, shape))
        raise ValueError(f"{name} has shape {_fmt(array.shape)}; expected {_fmt(shape)} ({meaning}); pass None for zeros")
    return array


def gradient(name: str, value: npt.ArrayLike, shape: tuple[int, ...]) -> Array:
    """Return an upstream gradient as float64 of ``shape``, or raise."""
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"{name} has shape {_fmt(array.shape)}; expected {_fmt(shape)}, the shape of the forward output")
    return array


def choice(name: str, value: str, allowed: Mapping[str, object]) -> str:
    """Return ``value`` if it is one of ``allowed``'s keys, or raise."""
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(repr(k) for k in allowed)}")
    return value
