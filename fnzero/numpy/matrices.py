"""Triangles, diagonals, traces and coordinate grids. Each is a composite of selection,
indexing and shape operations, so each is differentiable in every transform for free."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero._checks import flag
from fnzero.backends import array_module
from fnzero.core.tracer import TRACER_TYPES
from fnzero.numpy._axes import integer, normalize_axis
from fnzero.numpy.arithmetic import where
from fnzero.numpy.creation import astype
from fnzero.numpy.dtypes import result_type
from fnzero.numpy.indexing import index
from fnzero.numpy.reductions import sum
from fnzero.numpy.shapes import broadcast_to, moveaxis, pad, ravel, reshape


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(getattr(x, "shape", np.shape(x)))


def _zero_of(x: Any) -> Any:
    """A 0-d zero of ``x``'s dtype (a Python 0 would promote booleans to integers)."""
    value = x.primal_value if type(x) in TRACER_TYPES else x
    return array_module(value).zeros((), result_type(x))


def _triangle(m: Any, k: int, lower: bool, name: str) -> Any:
    k = integer(k, "k", f"fnzero.numpy.{name}")
    shape = _shape(m)
    if len(shape) < 2:
        raise ValueError(f"fnzero.numpy.{name}: m must have at least 2 dimensions, got shape {shape}")
    n, cols = shape[-2:]
    keep = np.tri(n, cols, k, dtype=bool) if lower else ~np.tri(n, cols, k - 1, dtype=bool)
    return where(keep, m, _zero_of(m))


def tril(m: Any, k: int = 0) -> Any:
    """``m`` with the entries above its ``k``-th diagonal set to 0 (over the last two axes);
    the cotangent is masked the same way."""
    return _triangle(m, k, True, "tril")


def triu(m: Any, k: int = 0) -> Any:
    """``m`` with the entries below its ``k``-th diagonal set to 0 (over the last two axes);
    the cotangent is masked the same way."""
    return _triangle(m, k, False, "triu")


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The ``offset``-th diagonal of the 2-d slices of ``a`` over ``axis1`` and ``axis2``, as
    a new last axis (NumPy's layout). A gather: its cotangent is scattered back."""
    offset = integer(offset, "offset", "fnzero.numpy.diagonal")
    shape = _shape(a)
    if len(shape) < 2:
        raise ValueError(f"fnzero.numpy.diagonal: a must have at least 2 dimensions, got shape {shape}")
    (axis1,), (axis2,) = (normalize_axis(a, len(shape), "diagonal") for a in (axis1, axis2))
    if axis1 == axis2:
        raise ValueError(f"fnzero.numpy.diagonal: axis1 and axis2 must differ, both are {axis1}")
    moved = moveaxis(a, (axis1, axis2), (-2, -1))
    n, m = shape[axis1], shape[axis2]
    offset = int(offset)
    length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    rows = np.arange(length) + max(0, -offset)
    return index(moved, (Ellipsis, rows, rows + offset))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Any:
    """The sum along the ``offset``-th diagonal of ``a`` over ``axis1`` and ``axis2``
    (summed in ``dtype`` when given); differentiable."""
    d = diagonal(a, offset, axis1, axis2)
    return sum(d if dtype is None else astype(d, dtype), axis=-1)


def diag(v: Any, k: int = 0) -> Any:
    """A 1-d ``v`` placed on the ``k``-th diagonal of a square matrix, or the ``k``-th
    diagonal of a 2-d ``v``; differentiable either way."""
    shape = _shape(v)
    if len(shape) == 2:
        return diagonal(v, k)
    if len(shape) != 1:
        raise ValueError(f"fnzero.numpy.diag: v must be 1-d or 2-d, got shape {shape}")
    k = integer(k, "k", "fnzero.numpy.diag")
    n = shape[0] + abs(k)
    padded = pad(v, (0, abs(k))) if k else v
    placed = reshape(padded, (n, 1) if k >= 0 else (1, n))
    return where(np.eye(n, n, k, dtype=bool), placed, _zero_of(v))


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> list:
    """Coordinate arrays from 1-d coordinate vectors: with ``indexing='xy'`` (Cartesian) the
    first two axes are swapped relative to ``'ij'`` (matrix). ``sparse`` keeps the
    broadcastable shapes. ``copy`` is accepted for NumPy's signature: fnzero's arrays are
    never written into. Differentiable in each ``xi``."""
    sparse = flag(sparse, "sparse", "fnzero.numpy.meshgrid", integers=True)
    if indexing not in ("xy", "ij"):
        raise ValueError(f"fnzero.numpy.meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vectors = [ravel(x) for x in xi]
    sizes = [_shape(x)[0] for x in vectors]
    axes = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) >= 2:
        axes[0], axes[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for x, axis in zip(vectors, axes):
        ones = [1] * len(vectors)
        ones[axis] = -1
        grid = reshape(x, tuple(ones))
        out.append(grid if sparse else broadcast_to(grid, tuple(sizes)))
    return out
