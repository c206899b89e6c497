"""Norms and rank: ``norm``, ``vector_norm``, ``matrix_norm``, ``matrix_rank``, built on
fnzero operations (the spectral and nuclear norms on the singular values)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fnzero.numpy._axes import normalize_axis
from fnzero.numpy.batching import shape_of
from fnzero.numpy.creation import astype
from fnzero.numpy.elementwise import abs as fabs
from fnzero.numpy.elementwise import sqrt
from fnzero.numpy.linalg._matrices import as_float, check_flags, check_matrix
from fnzero.numpy.linalg.decompositions import eigvalsh_p, svdvals_p
from fnzero.numpy.reductions import max as fmax
from fnzero.numpy.reductions import min as fmin
from fnzero.numpy.reductions import sum as fsum
from fnzero.numpy.shapes import expand_dims, moveaxis, reshape

_VECTOR_ORDS = "None, 2, 1, inf, -inf, 0 or any other number"
_MATRIX_ORDS = "None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf"


def _vector(x: Any, ord: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    if ord is None or ord == 2:
        return sqrt(fsum(x * x, axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"fnzero.numpy.linalg.norm: ord={ord!r} is not a vector norm; use {_VECTOR_ORDS}")
    if ord == math.inf:
        return fmax(fabs(x), axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return fmin(fabs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return fsum(astype(x != 0, x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return fsum(fabs(x), axis=axis, keepdims=keepdims)
    return fsum(fabs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _matrix(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:
    r, c = axes
    if ord is None or ord == "fro":
        out = sqrt(fsum(x * x, axis=axes))
    elif ord in ("nuc", 2, -2):
        s = svdvals_p(moveaxis(x, (r, c), (-2, -1)))
        out = fsum(s, axis=-1) if ord == "nuc" else (fmax if ord == 2 else fmin)(s, axis=-1)
    elif ord in (1, -1, math.inf, -math.inf):
        # 1: the largest column sum of |x| (sum over rows); inf: the largest row sum.
        over, then = (r, c) if ord in (1, -1) else (c, r)
        sums = fsum(fabs(x), axis=over, keepdims=True)
        pick = fmax if ord in (1, math.inf) else fmin
        out = reshape(
            pick(sums, axis=then, keepdims=True), tuple(d for i, d in enumerate(shape_of(x)) if i not in axes)
        )
    else:
        raise ValueError(f"fnzero.numpy.linalg.norm: ord={ord!r} is not a matrix norm; use {_MATRIX_ORDS}")
    if keepdims:
        out = expand_dims(out, tuple(sorted(axes)))
    return out


def norm(x: Any, ord: Any = None, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Any:
    """The vector norm (``axis`` an int, or a 1-d ``x``) or matrix norm (``axis`` a pair, or
    a 2-d ``x``) of NumPy's and JAX's ``norm``; with neither ``ord`` nor ``axis``, the
    2-norm of all entries."""
    check_flags("numpy.linalg.norm", keepdims=keepdims)
    x = as_float(x)
    nd = len(shape_of(x))
    if axis is None:
        if ord is None:
            return _vector(x, None, tuple(range(nd)), keepdims)
        if nd not in (1, 2):
            raise ValueError(
                f"fnzero.numpy.linalg.norm: with ord={ord!r} and axis=None, x must be 1-d or 2-d; got shape "
                f"{shape_of(x)}"
            )
        axis = tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        return _vector(x, ord, normalize_axis(axis, nd, "linalg.norm"), keepdims)
    axes = tuple(normalize_axis(a, nd, "linalg.norm")[0] for a in axis)  # in the order given
    if len(axes) == 1:
        return _vector(x, ord, axes, keepdims)
    if len(axes) == 2:
        if axes[0] == axes[1]:
            raise ValueError(f"fnzero.numpy.linalg.norm: axis {axis} names one axis twice")
        return _matrix(x, ord, (axes[0], axes[1]), keepdims)
    raise ValueError(f"fnzero.numpy.linalg.norm: axis must be an int or a pair of ints; got {axis!r}")


def vector_norm(
    x: Any, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, ord: Any = 2
) -> Any:
    """The vector ``ord``-norm over ``axis`` (all axes, flattened, when None)."""
    check_flags("numpy.linalg.vector_norm", keepdims=keepdims)
    x = as_float(x)
    nd = len(shape_of(x))
    axes = tuple(range(nd)) if axis is None else normalize_axis(axis, nd, "linalg.vector_norm")
    return _vector(x, ord, axes, keepdims)


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """The matrix ``ord``-norm over the last two axes."""
    check_flags("numpy.linalg.matrix_norm", keepdims=keepdims)
    check_matrix(x, "matrix_norm", "x")
    x = as_float(x)
    nd = len(shape_of(x))
    return _matrix(x, ord, (nd - 2, nd - 1), keepdims)


def matrix_rank(M: Any, rtol: Any = None, *, hermitian: bool = False, tol: Any = None) -> Any:
    """The number of singular values above ``rtol`` times the largest (default
    ``max(m, n) * eps``), or above the absolute ``tol``; not differentiable (an integer)."""
    if len(shape_of(M)) < 2:
        return astype(fmax(astype(as_float(M) != 0, "float64")) > 0, "int64")
    m, n = check_matrix(M, "matrix_rank", "M")
    M = as_float(M)
    s = fabs(eigvalsh_p(M, UPLO="L")) if hermitian else svdvals_p(M)
    if tol is None:
        rtol = max(m, n) * float(np.finfo(M.dtype).eps) if rtol is None else rtol
        tol = fmax(s, axis=-1, keepdims=True) * rtol
    else:
        tol = expand_dims(tol, -1) if len(shape_of(tol)) else tol
    return fsum(astype(s > tol, "int64"), axis=-1)


def cond(x: Any, p: Any = None) -> Any:
    """The condition number of matrices in the ``p``-norm (None or 2: the ratio of the largest
    to the smallest singular value; -2 its inverse; else ``norm(x, p) * norm(inv(x), p)``)."""
    from fnzero.numpy.linalg.solves import inv

    check_matrix(x, "cond", "x")
    x = as_float(x)
    if p is None or p in (2, -2):
        s = svdvals_p(x)
        big, small = s[..., 0], s[..., -1]
        return small / big if p == -2 else big / small
    nd = len(shape_of(x))
    return _matrix(x, p, (nd - 2, nd - 1), False) * _matrix(inv(x), p, (nd - 2, nd - 1), False)
