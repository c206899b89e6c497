"""What the linear-algebra primitives share: argument checks, matrix helpers written with
fnzero operations (so rules that use them stay differentiable), and the batching rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero.backends import array_module
from fnzero.core.tracer import TRACER_TYPES
from fnzero.numpy.batching import batch_size, example_ndim, rank_up, shape_of, to_front
from fnzero.numpy.reductions import sum as fsum
from fnzero.numpy.shapes import expand_dims, swapaxes


def check_flags(where: str, **flags: Any) -> None:
    """A TypeError naming the first of ``flags`` that is not True or False: a string such as
    ``"False"`` is truthy, and would pick the other triangle or the other shapes."""
    for arg, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(
                f"fnzero.{where}: {arg} must be True or False, got {value!r:.40} ({type(value).__name__})"
            )


def check_matrix(x: Any, fname: str, arg: str = "a", square: bool = False) -> tuple[int, int]:
    """The (rows, columns) of ``x``, or a ValueError naming ``fname``'s argument ``arg``."""
    if not hasattr(x, "shape"):
        raise TypeError(
            f"fnzero.numpy.linalg.{fname}: {arg} must be an array; got {type(x).__name__} "
            f"(convert it with fnzero.numpy.asarray)"
        )
    s = shape_of(x)
    if len(s) < 2 or (square and s[-1] != s[-2]):
        what = "a square matrix or a stack of them, shape (..., n, n)" if square else "shape (..., m, n)"
        raise ValueError(f"fnzero.numpy.linalg.{fname}: {arg} must be {what}; got shape {s}")
    kind = getattr(getattr(x, "dtype", None), "kind", "f")
    if kind == "c":
        raise TypeError(
            f"fnzero.numpy.linalg.{fname}: {arg} is complex ({x.dtype}); only real matrices are supported"
        )
    if kind not in "fiub":
        raise TypeError(
            f"fnzero.numpy.linalg.{fname}: {arg} has dtype {x.dtype}; a real number dtype is needed"
        )
    return s[-2], s[-1]


def as_float(x: Any) -> Any:
    """Integer and boolean matrices as float64 (NumPy's and JAX's promotion for linalg)."""
    if type(x) not in TRACER_TYPES and not hasattr(x, "dtype"):
        x = array_module(x).asarray(x)
    if x.dtype.kind in "fc":
        return x
    from fnzero.numpy.creation import astype

    return astype(x, "float64")


def mT(x: Any) -> Any:
    """The matrix transpose of the last two axes."""
    return swapaxes(x, -1, -2)


def eye_like(x: Any, n: int | None = None) -> Any:
    """The identity of ``x``'s backend and dtype, of size ``n`` (default: ``x``'s last axis)."""
    n = shape_of(x)[-1] if n is None else n
    return array_module(x).eye(n, dtype=x.dtype)


def tri_mask(x: Any, lower: bool, k: int = 0, diagonal: float = 1.0) -> Any:
    """The 0/1 mask (``x``'s dtype) of the lower (upper) triangle from diagonal ``k``; with
    ``k=0`` the diagonal's entries are ``diagonal``."""
    xp = array_module(x)
    m, n = shape_of(x)[-2:]
    ones = xp.ones((m, n), dtype=x.dtype)
    mask = xp.tril(ones, k) if lower else xp.triu(ones, k)
    if k == 0 and diagonal != 1.0:
        mask = mask - (1.0 - diagonal) * xp.eye(m, n, dtype=x.dtype)
    return mask


def tril(x: Any, k: int = 0) -> Any:
    return x * tri_mask(x, True, k)


def triu(x: Any, k: int = 0) -> Any:
    return x * tri_mask(x, False, k)


def diagonal(x: Any) -> Any:
    """The diagonal of square matrices, (..., n, n) -> (..., n)."""
    return fsum(x * eye_like(x), axis=-1)


def trace(x: Any) -> Any:
    return fsum(x * eye_like(x), axis=(-2, -1))


def diag_embed(v: Any) -> Any:
    """Diagonal matrices from vectors, (..., n) -> (..., n, n)."""
    return expand_dims(v, -2) * eye_like(v)


def off_diagonal_inverse(d: Any) -> Any:
    """``1 / (d[j] - d[i])`` off the diagonal and 0 on it, (..., n) -> (..., n, n): the
    factor by which a perturbation turns the eigenvectors (inf where values repeat)."""
    eye = eye_like(d)
    diff = expand_dims(d, -2) - expand_dims(d, -1)
    return (1.0 - eye) / (diff + eye)


def leading_rule(prim: Any) -> Any:
    """The batching rule of a primitive that maps over the leading axes of its matrices
    (NumPy's linalg kernels broadcast them): batched operands get the batch in front, with
    1s inserted so that all operands' example axes line up from the right."""

    def rule(args, dims, **params):
        if len(args) == 1:
            return prim(to_front(args[0], dims[0]), **params), 0
        size = batch_size(args, dims)
        rank = max(example_ndim(a, d) for a, d in zip(args, dims))
        moved = [a if d is None else rank_up(to_front(a, d, size), rank) for a, d in zip(args, dims)]
        return prim(*moved, **params), 0

    return rule


def no_derivative(what: str) -> Any:
    """A rule that refuses: the derivative does not exist here (or JAX has none either)."""

    def rule(*args, **params):
        raise NotImplementedError(f"fnzero.numpy.linalg: {what}")

    return rule
