"""Axis and shape bookkeeping shared by the reductions and shape operations."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def normalize_axis(axis: int | Sequence[int] | None, ndim: int, name: str) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints (None stays None: every axis)."""
    if axis is None:
        return None
    if type(axis) is int and 0 <= axis < ndim:  # the usual case, already normal
        return (axis,)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
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


def keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as length 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def reduced_size(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in axes)
