"""Argument checks shared by the reference models.

Every bad argument raises ``ValueError`` naming the argument, the shape it got
and the shape it wanted, so that a wrong call fails at the call and not three
matmuls later with numpy's "shapes not aligned".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def fmt_shape(shape: tuple[object, ...]) -> str:
    """A shape as Python writes a tuple, ``(3,)`` or ``(2, 5, 3)``, whatever integer type its entries have."""
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def array(name: str, value: npt.ArrayLike, axes: str) -> Array:
    """Return a float64 copy of ``value`` with one axis per letter of ``axes`` ("NTD", "ND"), or raise.

    A copy, so that a cache never shares memory with the caller's array.
    """
    result = np.array(value, dtype=np.float64, copy=True)
    wanted = fmt_shape(tuple(axes))
    if result.ndim != len(axes):
        raise ValueError(f"{name} has shape {fmt_shape(result.shape)}; expected {len(axes)} axes {wanted}")
    if 0 in result.shape:
        raise ValueError(f"{name} has shape {fmt_shape(result.shape)}; every axis of {wanted} must be at least 1")
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
    keys(given, wanted, name=name)
    gates = wanted["Wh"][1]
    wh = np.shape(given["Wh"])
    if len(wh) != 2 or wh[0] == 0 or wh[1] != gates * wh[0]:
        raise ValueError(
            f"{name}['Wh'] has shape {fmt_shape(wh)}; expected (H, {gates}*H)"
            if gates > 1
            else f"{name}['Wh'] has shape {fmt_shape(wh)}; expected (H, H)"
        )
    H = int(wh[0])
    return shaped(given, param_shapes(D, H), note=f"D={D} input features ({source}) and H={H} hidden units (from Wh)", name=name), H


def keys(given: Mapping[str, object], wanted: Iterable[str], *, name: str = "params", exact: bool = False) -> None:
    """Raise unless ``given`` has every key of ``wanted``, and, when ``exact``, no other."""
    wanted = list(wanted)
    expected = ", ".join(repr(k) for k in wanted)
    missing = [k for k in wanted if k not in given]
    if missing:
        raise ValueError(f"{name} is missing {', '.join(repr(k) for k in missing)}; expected keys {expected}")
    extra = [k for k in given if k not in wanted] if exact else []
    if extra:
        raise ValueError(f"{name} has unexpected {', '.join(repr(k) for k in extra)}; expected keys {expected}")


def shaped(
    given: Mapping[str, npt.ArrayLike], shapes: Mapping[str, tuple[int, ...]], *, note: str, name: str = "params"
) -> dict[str, Array]:
    """Return float64 copies of ``given[key]`` for every key of ``shapes``, each of that shape, or raise.

    ``note`` says where the sizes in ``shapes`` came from, for the message ("H=3 from params['Wh']").
    """
    out = {}
    for key, shape in shapes.items():
        array = np.array(given[key], dtype=np.float64, copy=True)
        if array.shape != shape:
            raise ValueError(f"{name}[{key!r}] has shape {fmt_shape(array.shape)}; expected {fmt_shape(shape)} for {note}")
        out[key] = array
    return out


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
        raise ValueError(f"{name} has shape {fmt_shape(array.shape)}; expected {fmt_shape(shape)} ({meaning}); pass None for zeros")
    return array


def gradient(name: str, value: npt.ArrayLike, shape: tuple[int, ...]) -> Array:
    """Return an upstream gradient as float64 of ``shape``, or raise."""
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"{name} has shape {fmt_shape(array.shape)}; expected {fmt_shape(shape)}, the shape of the forward output")
    return array


def choice(name: str, value: str, allowed: Mapping[str, object]) -> str:
    """Return ``value`` if it is one of ``allowed``'s keys, or raise."""
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(repr(k) for k in allowed)}")
    return value
