"""Determinants: ``det`` and ``slogdet``, primitives on the backend's LU-based kernels.

d det(A) = det(A) tr(A^-1 dA) and d log|det(A)| = tr(A^-1 dA); the sign does not move.
``slogdet`` is one primitive whose output packs (sign, log|det|) on a last axis of 2, so one
factorisation serves both and every transform sees one array.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fnzero.backends import array_module
from fnzero.core.primitive import Primitive
from fnzero.numpy.linalg._matrices import as_float, check_matrix, leading_rule, mT, trace
from fnzero.numpy.linalg.solves import inv_p, solve_p
from fnzero.numpy.shapes import expand_dims


def _log_det_tangent(t, a):
    """tr(a^-1 t) for stacks of matrices."""
    return trace(solve_p(a, t))


det_p = Primitive("linalg.det", lambda a: array_module(a).linalg.det(a))
det_p.defvjp(lambda g, ans, a: expand_dims(g * ans, (-2, -1)) * mT(inv_p(a)))
det_p.defjvp(lambda t, ans, a: ans * _log_det_tangent(t, a))
det_p.defbatch(leading_rule(det_p))


def det(a: Any) -> Any:
    """The determinant of square matrices (leading axes are a batch)."""
    check_matrix(a, "det", square=True)
    return det_p(as_float(a))


def _slogdet_impl(a):
    xp = array_module(a)
    sign, logabs = xp.linalg.slogdet(a)
    return xp.stack([sign, logabs], axis=-1)


def _slogdet_jvp(t, ans, a):
    where = array_module(ans).asarray([0.0, 1.0], dtype=ans.dtype)  # only log|det| moves
    return expand_dims(_log_det_tangent(t, a), -1) * where


slogdet_p = Primitive("linalg.slogdet", _slogdet_impl)
slogdet_p.defvjp(lambda g, ans, a: expand_dims(g[..., 1], (-2, -1)) * mT(inv_p(a)))
slogdet_p.defjvp(_slogdet_jvp)
slogdet_p.defbatch(leading_rule(slogdet_p))


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


def slogdet(a: Any, *, method: str | None = None) -> SlogdetResult:
    """``(sign, logabsdet)`` of square matrices, with ``det = sign * exp(logabsdet)``: the
    determinant without overflow. ``method`` is accepted for JAX's signature (LU only)."""
    check_matrix(a, "slogdet", square=True)
    if method not in (None, "lu"):
        raise ValueError(f"fnzero.numpy.linalg.slogdet: method must be None or 'lu'; got {method!r}")
    out = slogdet_p(as_float(a))
    return SlogdetResult(out[..., 0], out[..., 1])
