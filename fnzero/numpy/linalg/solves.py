"""Linear systems: ``inv``, ``solve``, the triangular solve, ``pinv``, ``lstsq``, ``tensorsolve``.

``inv``, ``solve``, ``triangular_solve`` and ``pinv`` are primitives on NumPy's (or CuPy's)
``linalg`` kernels; their rules are written with these same primitives, so derivatives of
any order come from them. The rest are built on the primitives.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from fnzero.backends import array_module
from fnzero.core.primitive import Primitive, SharedVJP
from fnzero.numpy.batching import shape_of
from fnzero.numpy.linalg._matrices import as_float, check_matrix, leading_rule, mT, tri_mask
from fnzero.numpy.products import matmul
from fnzero.numpy.shapes import moveaxis, reshape

# inv: d(A^-1) = -A^-1 dA A^-1.
inv_p = Primitive("linalg.inv", lambda a: array_module(a).linalg.inv(a))
inv_p.defvjp(lambda g, ans, a: -matmul(mT(ans), matmul(g, mT(ans))))
inv_p.defjvp(lambda t, ans, a: -matmul(ans, matmul(t, ans)))
inv_p.defbatch(leading_rule(inv_p))


def inv(a: Any) -> Any:
    """The inverse of square matrices (leading axes are a batch)."""
    check_matrix(a, "inv", square=True)
    return inv_p(as_float(a))


# solve(a, b) with b a (stack of) matrix (..., n, k): x = a^-1 b, so dx = a^-1 (db - da x) and
# the cotangents are b_bar = a^-T g, a_bar = -b_bar x^T; one solve serves both.
def _solve_vjp(g, ans, a, b, needed):
    gb = solve_p(mT(a), g)
    return (-matmul(gb, mT(ans)) if needed[0] else None, gb if needed[1] else None)


def _solve_jvp(tangents, ans, a, b):
    ta, tb = tangents
    rhs = tb
    if ta is not None:
        rhs = -matmul(ta, ans) if rhs is None else rhs - matmul(ta, ans)
    return solve_p(a, rhs)


solve_p = Primitive("linalg.solve", lambda a, b: array_module(a).linalg.solve(a, b))
solve_p.defvjp(SharedVJP(_solve_vjp))
solve_p.defjvp_joint(_solve_jvp)
solve_p.defbatch(leading_rule(solve_p))


def _right_hand_side(a: Any, b: Any, where: str) -> bool:
    """Check ``b`` against the square ``a``: (n,) is one vector (True), (..., n, k) a stack
    of matrices whose leading axes broadcast with ``a``'s."""
    n = shape_of(a)[-1]
    sb = shape_of(b)
    vector = len(sb) == 1
    if not sb or sb[-1 if vector else -2] != n:
        raise ValueError(
            f"fnzero.{'numpy.' if where.startswith('linalg') else ''}{where}: b must have shape ({n},) or "
            f"(..., {n}, k) to match a of shape {shape_of(a)}; got shape {sb}"
        )
    _check_batch(shape_of(a), sb, vector, where)
    return vector


def solve(a: Any, b: Any) -> Any:
    """``x`` with ``a @ x == b``: ``b`` of shape (n,) is one vector, (..., n, k) a stack of
    matrices (NumPy 2 and JAX's rule); leading axes broadcast."""
    check_matrix(a, "solve", square=True)
    vector = _right_hand_side(a, b, "linalg.solve")
    a, b = as_float(a), as_float(b)
    if vector:
        x = solve_p(a, reshape(b, (-1, 1)))
        return reshape(x, shape_of(x)[:-1])
    return solve_p(a, b)


def _check_batch(sa: tuple[int, ...], sb: tuple[int, ...], vector: bool, fname: str) -> None:
    lead_b = () if vector else sb[:-2]
    try:
        np.broadcast_shapes(sa[:-2], lead_b)
    except ValueError:
        raise ValueError(
            f"fnzero.{fname}: the leading (batch) axes of a {sa[:-2]} and of b {lead_b} do not broadcast "
            f"(shapes {sa} and {sb})"
        ) from None


# The triangular solve: op(T) x = b with T the lower (upper) triangle of a, op = identity or
# transpose, and ones on T's diagonal when unit_diagonal. Entries of a outside T are not read
# (their cotangent is zero).
def _triangle(a, lower, unit_diagonal):
    t = a * tri_mask(a, lower, 0, 0.0 if unit_diagonal else 1.0)
    if unit_diagonal:
        t = t + array_module(a).eye(shape_of(a)[-1], dtype=a.dtype)
    return t


def _triangular_solve_impl(a, b, lower, trans, unit_diagonal):
    xp = array_module(a)
    t = (xp.tril if lower else xp.triu)(a)
    if unit_diagonal:
        n = a.shape[-1]
        t = t - t * xp.eye(n, dtype=a.dtype) + xp.eye(n, dtype=a.dtype)
    return xp.linalg.solve(t.swapaxes(-1, -2) if trans else t, b)


def _triangular_solve_vjp(g, ans, a, b, needed, lower, trans, unit_diagonal):
    gb = triangular_solve_p(a, g, lower=lower, trans=not trans, unit_diagonal=unit_diagonal)
    ga = None
    if needed[0]:
        full = -matmul(ans, mT(gb)) if trans else -matmul(gb, mT(ans))
        ga = full * tri_mask(a, lower, 0, 0.0 if unit_diagonal else 1.0)
    return (ga, gb if needed[1] else None)


def _triangular_solve_jvp(tangents, ans, a, b, lower, trans, unit_diagonal):
    ta, tb = tangents
    rhs = tb
    if ta is not None:
        dt = ta * tri_mask(a, lower, 0, 0.0 if unit_diagonal else 1.0)
        step = matmul(mT(dt) if trans else dt, ans)
        rhs = -step if rhs is None else rhs - step
    return triangular_solve_p(a, rhs, lower=lower, trans=trans, unit_diagonal=unit_diagonal)


triangular_solve_p = Primitive("linalg.triangular_solve", _triangular_solve_impl)
triangular_solve_p.defvjp(SharedVJP(_triangular_solve_vjp))
triangular_solve_p.defjvp_joint(_triangular_solve_jvp)
triangular_solve_p.defbatch(leading_rule(triangular_solve_p))


def triangular_solve(a: Any, b: Any, *, lower: bool, trans: bool = False, unit_diagonal: bool = False) -> Any:
    """``x`` with ``op(T) @ x == b``, ``T`` the lower (upper) triangle of ``a``, ``op`` the
    transpose when ``trans``; ``b`` is (n,) or (..., n, k). What ``solve_triangular`` and
    the Cholesky and QR rules call."""
    check_matrix(a, "triangular_solve", square=True)
    vector = _right_hand_side(a, b, "scipy.linalg.solve_triangular")
    a, b = as_float(a), as_float(b)
    params = dict(lower=bool(lower), trans=bool(trans), unit_diagonal=bool(unit_diagonal))
    if vector:
        x = triangular_solve_p(a, reshape(b, (-1, 1)), **params)
        return reshape(x, shape_of(x)[:-1])
    return triangular_solve_p(a, b, **params)


# pinv: the Golub-Pereyra derivative of the pseudo-inverse P of a (exact where the rank is
# locally constant): dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P.
def _pinv_jvp(t, ans, a, rtol):
    p = ans
    tT = mT(t)
    right = tT - matmul(tT, matmul(a, p))  # dA^T (I - A P)
    left = tT - matmul(p, matmul(a, tT))  # (I - P A) dA^T
    return -matmul(p, matmul(t, p)) + matmul(p, matmul(mT(p), right)) + matmul(left, matmul(mT(p), p))


def _pinv_vjp(g, ans, a, rtol):
    p = ans
    gT = mT(g)
    ptp = matmul(mT(p), p)  # P^T P
    ppt = matmul(p, mT(p))  # P P^T
    first = -matmul(mT(p), matmul(g, mT(p)))
    second = matmul(gT, ppt) - matmul(a, matmul(p, matmul(gT, ppt)))  # (I - A P) g^T P P^T
    third = matmul(ptp, gT) - matmul(matmul(ptp, gT), matmul(p, a))  # P^T P g^T (I - P A)
    return first + second + third


pinv_p = Primitive("linalg.pinv", lambda a, rtol: array_module(a).linalg.pinv(a, rtol))
pinv_p.defvjp(_pinv_vjp)
pinv_p.defjvp(_pinv_jvp)
pinv_p.defbatch(leading_rule(pinv_p))


def _default_rtol(a: Any, factor: float) -> float:
    m, n = shape_of(a)[-2:]
    return factor * max(m, n) * float(np.finfo(a.dtype).eps)


def pinv(a: Any, rtol: float | None = None, hermitian: bool = False, *, rcond: float | None = None) -> Any:
    """The Moore-Penrose pseudo-inverse: singular values below ``rtol`` times the largest
    are treated as zero (default ``10 * max(m, n) * eps``, as JAX). ``hermitian`` is
    accepted for JAX's signature; the SVD path serves both."""
    check_matrix(a, "pinv")
    a = as_float(a)
    if rcond is not None:
        if rtol is not None:
            raise ValueError("fnzero.numpy.linalg.pinv: give rtol or rcond (its old name), not both")
        rtol = rcond
    rtol = _default_rtol(a, 10.0) if rtol is None else float(rtol)
    return pinv_p(a, rtol=rtol)


class LstsqResult(NamedTuple):
    x: Any
    residuals: Any
    rank: Any
    s: Any


def lstsq(a: Any, b: Any, rcond: float | None = None, *, numpy_resid: bool = False) -> LstsqResult:
    """The least-squares solution of ``a @ x ~= b`` for a matrix ``a`` (m, n) and ``b`` (m,)
    or (m, k): ``(x, residuals, rank, s)`` as JAX returns them (residuals: squared norms of
    ``b - a @ x`` per column; with ``numpy_resid`` empty unless full rank and m > n, as NumPy).
    Differentiable in ``a`` and ``b`` where the rank does not change."""
    from fnzero.numpy.linalg.decompositions import svdvals
    from fnzero.numpy.reductions import sum as fsum

    m, n = check_matrix(a, "lstsq")
    if len(shape_of(a)) != 2:
        raise ValueError(f"fnzero.numpy.linalg.lstsq: a must be one matrix (m, n); got shape {shape_of(a)}")
    sb = shape_of(b)
    if len(sb) not in (1, 2) or sb[0] != m:
        raise ValueError(
            f"fnzero.numpy.linalg.lstsq: b must have shape ({m},) or ({m}, k) to match a of shape {(m, n)}; "
            f"got shape {sb}"
        )
    a, b = as_float(a), as_float(b)
    rtol = _default_rtol(a, 1.0) if rcond is None else float(rcond)
    x = matmul(pinv_p(a, rtol=rtol), b)
    s = svdvals(a)
    rank = count_above(s, rtol)
    r = b - matmul(a, x)
    resid = fsum(r * r, axis=0)
    if len(sb) == 1:
        resid = reshape(resid, (1,))
    if numpy_resid and not (int(rank) == n and m > n):
        resid = array_module(s).zeros((0,), dtype=s.dtype)
    return LstsqResult(x, resid, rank, s)


def count_above(s: Any, rtol: Any) -> Any:
    """How many singular values ``s`` (descending, last axis) exceed ``rtol`` times the largest."""
    from fnzero.numpy.creation import astype
    from fnzero.numpy.reductions import sum as fsum

    if shape_of(s)[-1] == 0:
        return array_module(s).zeros(shape_of(s)[:-1], dtype=np.int64)
    return fsum(astype(s > s[..., :1] * rtol, np.int64), axis=-1)


def tensorsolve(a: Any, b: Any, axes: tuple[int, ...] | None = None) -> Any:
    """``x`` with ``tensordot(a, x, x.ndim) == b``: the axes of ``a`` past ``b.ndim`` (after
    moving ``axes`` to the end) are ``x``'s shape."""
    sa, sb = shape_of(a), shape_of(b)
    if axes is not None:
        a = moveaxis(a, tuple(axes), tuple(range(len(sa) - len(axes), len(sa))))
        sa = shape_of(a)
    if sa[: len(sb)] != sb:
        raise ValueError(
            f"fnzero.numpy.linalg.tensorsolve: the leading axes of a (shape {sa}) must be b's shape {sb}"
        )
    rest = sa[len(sb) :]
    if math.prod(rest) != math.prod(sb):
        raise ValueError(
            f"fnzero.numpy.linalg.tensorsolve: a's trailing axes {rest} must hold as many entries as b {sb}"
        )
    n = math.prod(sb)
    return reshape(solve(reshape(a, (n, n)), reshape(b, (n,))), rest)


def tensorinv(a: Any, ind: int = 2) -> Any:
    """The inverse of ``a`` for ``tensordot(..., ind)``: ``a`` reshaped to a square matrix
    (the first ``ind`` axes against the rest), inverted, and shaped ``a.shape[ind:] + a.shape[:ind]``."""
    s = shape_of(a)
    if not isinstance(ind, int) or ind <= 0:
        raise ValueError(f"fnzero.numpy.linalg.tensorinv: ind must be a positive int; got {ind!r}")
    rows, cols = math.prod(s[:ind]), math.prod(s[ind:])
    if rows != cols:
        raise ValueError(
            f"fnzero.numpy.linalg.tensorinv: the first {ind} axes of a (shape {s}) must hold as many entries "
            f"as the rest ({rows} vs {cols})"
        )
    return reshape(inv(reshape(a, (rows, cols))), s[ind:] + s[:ind])
