"""Polynomials as coefficient arrays, highest power first (NumPy's and JAX's convention),
written with differentiable fnzero operations; roots is a primitive, not differentiable."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fnzero.backends import array_module
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import concrete, refuse_derivative
from fnzero.numpy.arithmetic import multiply
from fnzero.numpy.batching import last_axis_rule
from fnzero.numpy.creation import arange, asarray, ones_like, shape, zeros_like
from fnzero.numpy.dtypes import _complex_result
from fnzero.numpy.elementwise import sqrt
from fnzero.numpy.linalg.solves import inv, lstsq
from fnzero.numpy.products import matmul
from fnzero.numpy.reductions import sum
from fnzero.numpy.shapes import concatenate, flip, pad, reshape, stack, transpose
from fnzero.numpy.sorting import _values


def _coefficients(p: Any, where: str) -> Any:
    if len(shape(p)) != 1:
        raise ValueError(f"fnzero.numpy.{where}: coefficients must be 1-D, got shape {shape(p)}")
    return p


def polyval(p: Any, x: Any) -> Any:
    """The polynomial with coefficients ``p`` at ``x``, by Horner's rule."""
    p = _coefficients(p, "polyval")
    out = zeros_like(x) + p[0]
    for k in range(1, shape(p)[0]):
        out = out * x + p[k]
    return out


def _aligned(a1: Any, a2: Any) -> tuple[Any, Any]:
    n1, n2 = shape(a1)[0], shape(a2)[0]
    n = max(n1, n2)
    return pad(a1, (n - n1, 0)), pad(a2, (n - n2, 0))


def polyadd(a1: Any, a2: Any) -> Any:
    """The sum of two polynomials."""
    a1, a2 = _aligned(_coefficients(a1, "polyadd"), _coefficients(a2, "polyadd"))
    return a1 + a2


def polysub(a1: Any, a2: Any) -> Any:
    """The difference of two polynomials."""
    a1, a2 = _aligned(_coefficients(a1, "polysub"), _coefficients(a2, "polysub"))
    return a1 - a2


def polymul(a1: Any, a2: Any) -> Any:
    """The product of two polynomials: each coefficient pair's product lands on the sum of
    their powers."""
    a1, a2 = _coefficients(a1, "polymul"), _coefficients(a2, "polymul")
    n1 = shape(a1)[0]
    products = reshape(a1, (n1, 1)) * a2
    rows = [pad(products[i], (i, n1 - 1 - i)) for i in range(n1)]
    out = rows[0]
    for r in rows[1:]:
        out = out + r
    return out


def polyder(p: Any, m: int = 1) -> Any:
    """The ``m``-th derivative of a polynomial; each derivative drops the highest power, so a
    constant's derivative is the empty polynomial (as in JAX)."""
    if m < 0:
        raise ValueError(f"fnzero.numpy.polyder: m must be >= 0, got {m}")
    p = _coefficients(p, "polyder")
    for _ in range(m):
        n = shape(p)[0]
        if n == 0:
            return p
        p = multiply(p[:-1], asarray(arange(n - 1, 0, -1), p.dtype))
    return p


def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    """The ``m``-th antiderivative of a polynomial; ``k`` the integration constants (zeros
    by default), one per integration, the first used first."""
    if m < 0:
        raise ValueError(f"fnzero.numpy.polyint: m must be >= 0, got {m}")
    p = _coefficients(p, "polyint")
    constants = [0.0] * m if k is None else list(asarray(k).reshape(-1))
    if len(constants) == 1 and m > 1:
        constants = constants * m
    if len(constants) != m:
        raise ValueError(f"fnzero.numpy.polyint: k must hold m={m} constants, got {len(constants)}")
    for c in constants:
        n = shape(p)[0]
        p = concatenate([p / asarray(arange(n, 0, -1), p.dtype), stack([zeros_like(p[0]) + c])])
    return p


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:  # noqa: N803 (NumPy's name)
    """The Vandermonde matrix of the 1-D ``x``: columns ``x**(N-1), ..., x, 1`` (or
    increasing powers)."""
    if len(shape(x)) != 1:
        raise ValueError(f"fnzero.numpy.vander: x must be 1-D, got shape {shape(x)}")
    n = shape(x)[0] if N is None else N
    columns = [ones_like(x)]
    for _ in range(1, n):
        columns.append(columns[-1] * x)
    out = stack(columns[:n], axis=1)
    return out if increasing else flip(out, 1)


def poly(seq_of_zeros: Any) -> Any:
    """The monic polynomial whose roots are the entries of the 1-D ``seq_of_zeros``."""
    zeros = asarray(seq_of_zeros)
    if len(shape(zeros)) != 1:
        raise NotImplementedError(
            f"fnzero.numpy.poly: roots must be 1-D (the characteristic polynomial of a matrix needs "
            f"general eigenvalues, which fnzero lacks), got shape {shape(zeros)}"
        )
    out = ones_like(zeros[:1]) if shape(zeros)[0] else asarray([1.0])
    for k in range(shape(zeros)[0]):
        out = polymul(out, stack([ones_like(zeros[k]), -zeros[k]]))
    return out


def polydiv(u: Any, v: Any, *, trim_leading_zeros: bool = False) -> tuple[Any, Any]:
    """Quotient and remainder of ``u / v``, by long division. The remainder keeps ``u``'s
    length (leading zeros) unless ``trim_leading_zeros``, which reads its values (as JAX)."""
    u, v = _coefficients(asarray(u), "polydiv"), _coefficients(asarray(v), "polydiv")
    m, n = shape(u)[0] - 1, shape(v)[0] - 1
    if n < 0:
        raise ValueError("fnzero.numpy.polydiv: the divisor v has no coefficients")
    rest = [u[k] for k in range(m + 1)]
    quotient = []
    for k in range(max(m - n + 1, 0)):
        d = rest[k] / v[0]
        quotient.append(d)
        for j in range(n + 1):
            rest[k + j] = rest[k + j] - d * v[j]
    q = stack(quotient) if quotient else zeros_like(u[:1])
    r = stack(rest)
    if trim_leading_zeros:
        values = concrete(r)
        start = 0
        while start < m and abs(float(values[start])) <= 1e-14 * max(1.0, float(abs(values).max())):
            start += 1
        r = r[start:]
    return q, r


def polyfit(
    x: Any,
    y: Any,
    deg: int,
    rcond: float | None = None,
    full: bool = False,
    w: Any = None,
    cov: bool | str = False,
) -> Any:
    """The least-squares polynomial of degree ``deg`` through ``(x, y)`` (``y`` may hold one
    data set per column), highest power first; differentiable in ``x``, ``y`` and ``w``.
    ``full`` adds lstsq's residuals, rank, singular values and ``rcond``; ``cov`` adds the
    coefficients' covariance (scaled by the residuals unless ``cov="unscaled"``)."""
    if not isinstance(deg, (int, np.integer)) or isinstance(deg, bool) or deg < 0:
        raise ValueError(f"fnzero.numpy.polyfit: deg must be a non-negative int, got {deg!r}")
    x, y = asarray(x), asarray(y)
    if len(shape(x)) != 1 or shape(x)[0] == 0:
        raise ValueError(f"fnzero.numpy.polyfit: x must be 1-D and non-empty, got shape {shape(x)}")
    if len(shape(y)) not in (1, 2) or shape(y)[0] != shape(x)[0]:
        raise ValueError(
            f"fnzero.numpy.polyfit: y must be (N,) or (N, K) for x of shape {shape(x)}, got {shape(y)}"
        )
    order = int(deg) + 1
    if rcond is None:
        rcond = shape(x)[0] * float(np.finfo(np.float64).eps)
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = asarray(w)
        if shape(w) != shape(x):
            raise ValueError(f"fnzero.numpy.polyfit: w must have x's shape {shape(x)}, got {shape(w)}")
        lhs = lhs * reshape(w, (-1, 1))
        rhs = rhs * (w if len(shape(y)) == 1 else reshape(w, (-1, 1)))
    scale = sqrt(sum(lhs * lhs, axis=0))
    solution, residuals, rank, s = lstsq(lhs / scale, rhs, rcond)
    coefficients = solution / (scale if len(shape(y)) == 1 else reshape(scale, (-1, 1)))
    if full:
        return coefficients, residuals, rank, s, rcond
    if cov:
        scaled = lhs / scale
        base = inv(matmul(transpose(scaled), scaled)) / (reshape(scale, (-1, 1)) * reshape(scale, (1, -1)))
        if cov == "unscaled":
            factor = 1.0
        else:
            if shape(x)[0] <= order:
                raise ValueError("fnzero.numpy.polyfit: cov needs more points than coefficients")
            factor = residuals / (shape(x)[0] - order)
        if len(shape(y)) == 1:
            return coefficients, base * factor
        return coefficients, reshape(base, shape(base) + (1,)) * factor
    return coefficients


def _roots_impl(p: Any) -> Any:
    """The ``n - 1`` roots of each polynomial of ``n`` coefficients along ``p``'s last axis:
    the eigenvalues of the companion matrix of its first to last nonzero coefficient (a stack
    of them per degree, on the host), then an exact 0 for each trailing zero coefficient and
    NaN for each leading one."""
    xp = array_module(p)
    host = np.asarray(xp.asnumpy(p) if hasattr(xp, "asnumpy") else p)
    n = host.shape[-1]
    rows = host.reshape(math.prod(host.shape[:-1]), n)
    rows = rows.astype(np.complex128 if host.dtype.kind == "c" else np.float64)
    out = np.full((rows.shape[0], max(n - 1, 0)), complex(np.nan, np.nan))
    nonzero = rows != 0
    lead = (~np.logical_or.accumulate(nonzero, axis=1)).sum(axis=1)
    trail = (~np.logical_or.accumulate(nonzero[:, ::-1], axis=1)).sum(axis=1)
    degree = n - 1 - lead - trail  # negative where every coefficient is zero
    for d in np.unique(degree[degree >= 0]):
        group = np.flatnonzero(degree == d)
        core = rows[group[:, None], lead[group, None] + np.arange(d + 1)]
        companion = np.broadcast_to(np.eye(d, k=-1, dtype=core.dtype), (group.size, d, d)).copy()
        if d:
            companion[:, 0] = -core[:, 1:] / core[:, :1]
        out[group, :d] = np.linalg.eigvals(companion)
    column = np.arange(out.shape[1])
    out[(degree[:, None] <= column) & (column < (degree + trail)[:, None])] = 0
    out = out.reshape(host.shape[:-1] + out.shape[1:]).astype(_complex_result(host.dtype))
    return xp.asarray(out)


_roots = Primitive("roots", _roots_impl)
_roots.defbatch(last_axis_rule(_roots))


def roots(p: Any, *, strip_zeros: bool = True) -> Any:
    """The roots of the polynomial with coefficients ``p`` (1-D, highest power first), as a
    complex array in no particular order: the eigenvalues of its companion matrix, with each
    trailing zero coefficient giving an exact root 0. Leading zeros are dropped; with
    ``strip_zeros=False`` each gives a NaN root instead, so the result has ``len(p) - 1`` entries.

    Not differentiable (the roots are complex; fnzero differentiates real arrays): under grad
    or jvp write ``roots(fnzero.stop_gradient(p))``. jit and vmap trace it with
    ``strip_zeros=False``; stripping reads the values to find the result's length."""
    if not isinstance(strip_zeros, (bool, np.bool_)):
        raise TypeError(f"fnzero.numpy.roots: strip_zeros must be a bool; got {strip_zeros!r}")
    refuse_derivative(p, "fnzero.numpy.roots()")
    p = asarray(p)
    if not shape(p):
        p = reshape(p, (1,))
    if len(shape(p)) != 1:
        raise ValueError(f"fnzero.numpy.roots: p must be 1-D (coefficients); got shape {shape(p)}")
    if np.dtype(p.dtype).kind not in "biufc":
        raise TypeError(f"fnzero.numpy.roots: p must hold numbers; got dtype {p.dtype}")
    if strip_zeros:
        fix = "pass strip_zeros=False for len(p) - 1 roots (NaN for each leading zero), or "
        nonzero = np.flatnonzero(_values(p, "roots", fix))
        p = p[int(nonzero[0]) if nonzero.size else shape(p)[0] :]
    return _roots(p)
