"""The Python array API's names for functions fnzero.numpy already has (as JAX exports
them): ``acos`` is ``arccos``, ``concat`` is ``concatenate`` and so on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fnzero.numpy.arithmetic import arctan2, power
from fnzero.numpy.elementwise import arccos, arccosh, arcsin, arcsinh, arctan, arctanh
from fnzero.numpy.shapes import concatenate, ravel, swapaxes, transpose

acos = arccos
asin = arcsin
atan = arctan
acosh = arccosh
asinh = arcsinh
atanh = arctanh
atan2 = arctan2
pow = power  # noqa: A001


def concat(arrays: Sequence[Any], /, *, axis: int | None = 0) -> Any:
    """Join arrays along ``axis`` (flattened first when ``axis`` is None)."""
    if axis is None:
        return concatenate([ravel(a) for a in arrays], axis=0)
    return concatenate(arrays, axis=axis)


def permute_dims(a: Any, /, axes: Sequence[int]) -> Any:
    """``a`` with its axes in the order ``axes`` (transpose with the order required)."""
    return transpose(a, axes)


def matrix_transpose(x: Any, /) -> Any:
    """``x`` with its last two axes swapped: the transpose of each matrix in a stack."""
    ndim = len(getattr(x, "shape", ()))
    if ndim < 2:
        raise ValueError(f"fnzero.numpy.matrix_transpose: x must have at least 2 dimensions, got {ndim}")
    return swapaxes(x, -1, -2)
