"""Axis and shape bookkeeping shared by the reductions and shape operations, and the check of
their flags (keepdims, endpoint, descending...)."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numpy as np


def normalize_axis(axis: int | Sequence[int] | None, ndim: int, name: str) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints (None stays None: every axis)."""
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:  # the usual case: one int in range
        return (axis % ndim,)
    axes = (axis,) if _is_index(axis) else tuple(axis) if isinstance(axis, (tuple, list)) else None
    if axes is None or not all(_is_index(a) for a in axes):
        raise TypeError(
            f"fnzero.numpy.{name}: axis must be None, an int or a tuple of ints, got {axis!r} "
            f"({type(axis).__name__})"
        )
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1) or (ndim == 0 and a not in (0, -1)):
            raise np.exceptions.AxisError(
                f"fnzero.numpy.{name}: axis {a} is out of bounds for an array of dimension {ndim}"
            )
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"fnzero.numpy.{name}: repeated axis in {axis}")
    return tuple(sorted(out))


def _is_index(a: object) -> bool:
    """An int or a NumPy integer (not a bool, which NumPy refuses as an axis too)."""
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as length 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def reduced_size(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in axes)


def integer(value: object, argument: str, where: str) -> int:
    """``value`` as an int (a Python or NumPy integer); a TypeError naming ``argument`` for a
    float or anything else, which ``int()`` would truncate into another answer."""
    if isinstance(value, (bool, np.bool_)) or not hasattr(value, "__index__"):
        raise TypeError(f"{where}: {argument} must be an int, got {value!r:.40} ({type(value).__name__})")
    return operator.index(value)
