"""Products over one core axis that broadcast over the rest (the array API's vecdot and
NumPy 2's matvec and vecmat), written with differentiable fnzero operations."""

from __future__ import annotations

from typing import Any

from fnzero.numpy.arithmetic import conj, multiply
from fnzero.numpy.creation import asarray, shape
from fnzero.numpy.reductions import sum
from fnzero.numpy.shapes import expand_dims


def _core(name: str, a: Any, axis: int, b: Any, b_axis: int) -> None:
    sa, sb = shape(a), shape(b)
    if not sa or not sb:
        raise ValueError(f"fnzero.numpy.{name}: both operands need a core axis, got shapes {sa} and {sb}")
    if sa[axis] != sb[b_axis]:
        raise ValueError(
            f"fnzero.numpy.{name}: core axes differ in size: "
            f"x1 {sa} (axis {axis}) and x2 {sb} (axis {b_axis})"
        )


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """The dot product of vectors along ``axis`` (``x1`` conjugated), broadcast over the rest."""
    x1, x2 = asarray(x1), asarray(x2)
    _core("vecdot", x1, axis, x2, axis)
    return sum(multiply(conj(x1), x2), axis=axis)


def matvec(x1: Any, x2: Any, /) -> Any:
    """Matrices ``x1[..., m, n]`` times vectors ``x2[..., n]``, broadcast over the leading axes."""
    x1, x2 = asarray(x1), asarray(x2)
    if len(shape(x1)) < 2:
        raise ValueError(f"fnzero.numpy.matvec: x1 must have at least 2 dimensions, got shape {shape(x1)}")
    _core("matvec", x1, -1, x2, -1)
    return sum(multiply(x1, expand_dims(x2, -2)), axis=-1)


def vecmat(x1: Any, x2: Any, /) -> Any:
    """Vectors ``x1[..., m]`` (conjugated) times matrices ``x2[..., m, n]``, broadcast over the
    leading axes."""
    x1, x2 = asarray(x1), asarray(x2)
    if len(shape(x2)) < 2:
        raise ValueError(f"fnzero.numpy.vecmat: x2 must have at least 2 dimensions, got shape {shape(x2)}")
    _core("vecmat", x1, -1, x2, -2)
    return sum(multiply(expand_dims(conj(x1), -1), x2), axis=-2)
