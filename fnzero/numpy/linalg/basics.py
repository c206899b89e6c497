"""The array-API members of ``linalg`` that are products, transposes and diagonals:
``matmul``, ``tensordot``, ``outer``, ``vecdot``, ``cross``, ``matrix_transpose``,
``diagonal``, ``trace``, written with fnzero operations (JAX's positional-only signatures)."""

from __future__ import annotations

from typing import Any

from fnzero.numpy import combining, products, vector_products
from fnzero.numpy._axes import normalize_axis
from fnzero.numpy.batching import shape_of
from fnzero.numpy.creation import astype
from fnzero.numpy.linalg._matrices import check_matrix, mT
from fnzero.numpy.reductions import sum as fsum
from fnzero.numpy.shapes import ravel


def matmul(x1: Any, x2: Any, /, *, precision: Any = None, preferred_element_type: Any = None) -> Any:
    """The matrix product (``fnzero.numpy.matmul``); ``precision`` is accepted for JAX's signature."""
    out = products.matmul(x1, x2)
    return out if preferred_element_type is None else astype(out, preferred_element_type)


def tensordot(
    x1: Any,
    x2: Any,
    /,
    *,
    axes: Any = 2,
    precision: Any = None,
    preferred_element_type: Any = None,
    out_sharding: Any = None,
) -> Any:
    """Sum products over ``axes`` (``fnzero.numpy.tensordot``); ``precision`` and
    ``out_sharding`` are accepted for JAX's signature."""
    out = products.tensordot(x1, x2, axes)
    return out if preferred_element_type is None else astype(out, preferred_element_type)


def outer(x1: Any, x2: Any, /) -> Any:
    """The outer product of two vectors."""
    for name, x in (("x1", x1), ("x2", x2)):
        if len(shape_of(x)) != 1:
            raise ValueError(f"fnzero.numpy.linalg.outer: {name} must be 1-d; got shape {shape_of(x)}")
    return products.outer(ravel(x1), ravel(x2))


def vecdot(
    x1: Any, x2: Any, /, *, axis: int = -1, precision: Any = None, preferred_element_type: Any = None
) -> Any:
    """The dot product of vectors along ``axis`` (the other axes broadcast)."""
    out = vector_products.vecdot(x1, x2, axis=axis)
    return out if preferred_element_type is None else astype(out, preferred_element_type)


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """The cross product of 3-vectors along ``axis`` (the other axes broadcast)."""
    for name, x in (("x1", x1), ("x2", x2)):
        s = shape_of(x)
        if not s or s[normalize_axis(axis, len(s), "linalg.cross")[0]] != 3:
            raise ValueError(f"fnzero.numpy.linalg.cross: {name} must have size 3 along axis {axis}; got {s}")
    return combining.cross(x1, x2, axis=axis)


def matrix_transpose(x: Any, /) -> Any:
    """Matrices transposed (the last two axes swapped)."""
    check_matrix(x, "matrix_transpose", "x")
    return mT(x)


def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """The ``offset`` diagonal of matrices (above the main one for offset > 0), (..., k)."""
    m, n = check_matrix(x, "diagonal", "x")
    x = x[..., :, offset:] if offset >= 0 else x[..., -offset:, :]
    m, n = shape_of(x)[-2:]
    k = min(m, n)
    if k == 0:
        return fsum(x[..., :0, :0], axis=-1)
    from fnzero.backends import array_module

    square = x[..., :k, :k]
    return fsum(square * array_module(square).eye(k, dtype=square.dtype), axis=-1)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """The sum of the ``offset`` diagonal of matrices."""
    out = fsum(diagonal(x, offset=offset), axis=-1)
    return out if dtype is None else astype(out, dtype)
