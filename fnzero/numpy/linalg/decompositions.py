"""Decompositions: ``cholesky``, ``eigh``, ``eigvalsh``, ``svd``, ``qr``.

Each is a primitive on the backend's kernel. A decomposition with several outputs packs them
into one array (eigh: the eigenvalues as a first row above the eigenvectors; svd: U, then
the singular values as a row, then V = Vh^T; qr: Q above R^T), so each transform sees one
primitive with one output; the public functions slice it apart, and slicing routes each
output's cotangent back into the packed one. The derivative rules are the standard ones
(perturbation theory of the decomposition), written with fnzero operations.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fnzero.backends import array_module
from fnzero.core.primitive import Primitive
from fnzero.numpy.batching import shape_of
from fnzero.numpy.linalg._matrices import (
    as_float,
    check_flags,
    check_matrix,
    diag_embed,
    diagonal,
    leading_rule,
    mT,
    no_derivative,
    off_diagonal_inverse,
    tri_mask,
)
from fnzero.numpy.linalg.solves import triangular_solve_p
from fnzero.numpy.products import matmul
from fnzero.numpy.shapes import concatenate, expand_dims


def _symmetrized(a: Any) -> Any:
    return (a + mT(a)) * 0.5


# --- Cholesky: A = L L^T. dL = L Phi(L^-1 dA L^-T), Phi: the lower triangle, diagonal halved.
def _phi(x):
    return x * tri_mask(x, True, 0, 0.5)


def _cholesky_jvp(t, ans, a):
    z = triangular_solve_p(ans, t, lower=True, trans=False, unit_diagonal=False)  # L^-1 dA
    y = mT(triangular_solve_p(ans, mT(z), lower=True, trans=False, unit_diagonal=False))  # .. L^-T
    return matmul(ans, _phi(y))


def _cholesky_vjp(g, ans, a):
    p = _phi(matmul(mT(ans), g))
    w = triangular_solve_p(ans, p, lower=True, trans=True, unit_diagonal=False)  # L^-T P
    return mT(triangular_solve_p(ans, mT(w), lower=True, trans=True, unit_diagonal=False))  # .. L^-1


cholesky_p = Primitive("linalg.cholesky", lambda a: array_module(a).linalg.cholesky(a))
cholesky_p.defvjp(_cholesky_vjp)
cholesky_p.defjvp(_cholesky_jvp)
cholesky_p.defbatch(leading_rule(cholesky_p))


def cholesky(a: Any, *, upper: bool = False, symmetrize_input: bool = True) -> Any:
    """The Cholesky factor of symmetric positive-definite matrices: lower ``L`` with
    ``a = L @ L.T`` (``upper``: ``L.T``). With ``symmetrize_input`` (JAX's default) the
    factor is that of ``(a + a.T) / 2``, so the gradient is symmetric too."""
    check_flags("numpy.linalg.cholesky", upper=upper, symmetrize_input=symmetrize_input)
    check_matrix(a, "cholesky", square=True)
    a = as_float(a)
    low = cholesky_p(_symmetrized(a) if symmetrize_input else a)
    return mT(low) if upper else low


# --- eigh: A = V diag(w) V^T. dw = diag(V^T dA V), dV = V (F * (V^T dA V)), F_ij = 1/(w_j - w_i).
def _eigh_impl(a, UPLO):
    xp = array_module(a)
    w, v = xp.linalg.eigh(a, UPLO)
    return xp.concatenate([w[..., None, :], v], axis=-2)


def _eigh_jvp(t, ans, a, UPLO):
    w, v = ans[..., 0, :], ans[..., 1:, :]
    p = matmul(mT(v), matmul(t, v))
    dv = matmul(v, off_diagonal_inverse(w) * p)
    return concatenate([expand_dims(diagonal(p), -2), dv], axis=-2)


def _eigh_vjp(g, ans, a, UPLO):
    w, v = ans[..., 0, :], ans[..., 1:, :]
    inner = diag_embed(g[..., 0, :]) + off_diagonal_inverse(w) * matmul(mT(v), g[..., 1:, :])
    return matmul(v, matmul(inner, mT(v)))


eigh_p = Primitive("linalg.eigh", _eigh_impl)
eigh_p.defvjp(_eigh_vjp)
eigh_p.defjvp(_eigh_jvp)
eigh_p.defbatch(leading_rule(eigh_p))


def _eigvalsh_vjp(g, ans, a, UPLO):
    v = eigh_p(a, UPLO=UPLO)[..., 1:, :]
    return matmul(v * expand_dims(g, -2), mT(v))


def _eigvalsh_jvp(t, ans, a, UPLO):
    v = eigh_p(a, UPLO=UPLO)[..., 1:, :]
    return diagonal(matmul(mT(v), matmul(t, v)))


eigvalsh_p = Primitive("linalg.eigvalsh", lambda a, UPLO: array_module(a).linalg.eigvalsh(a, UPLO))
eigvalsh_p.defvjp(_eigvalsh_vjp)
eigvalsh_p.defjvp(_eigvalsh_jvp)
eigvalsh_p.defbatch(leading_rule(eigvalsh_p))


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


def _uplo_input(a: Any, fname: str, UPLO: str | None, symmetrize_input: bool) -> tuple[Any, str]:
    """The matrix the kernel reads and the triangle it reads. Without symmetrization the
    derivative is JAX's: that of the symmetric matrix the triangle stands for, so the
    cotangent is symmetric rather than confined to the triangle."""
    if UPLO not in (None, "L", "U"):
        raise ValueError(f"fnzero.numpy.linalg.{fname}: UPLO must be 'L' or 'U'; got {UPLO!r}")
    check_matrix(a, fname, square=True)
    a = as_float(a)
    return (_symmetrized(a) if symmetrize_input else a), (UPLO or "L")


def eigh(a: Any, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices. With
    ``symmetrize_input`` (JAX's default) those of ``(a + a.T) / 2``; else of the triangle
    ``UPLO`` names (default 'L'). Derivatives need distinct eigenvalues."""
    check_flags("numpy.linalg.eigh", symmetrize_input=symmetrize_input)
    a, uplo = _uplo_input(a, "eigh", UPLO, symmetrize_input)
    out = eigh_p(a, UPLO=uplo)
    return EighResult(out[..., 0, :], out[..., 1:, :])


def eigvalsh(a: Any, UPLO: str | None = "L", *, symmetrize_input: bool = True) -> Any:
    """The eigenvalues (ascending) of symmetric matrices; differentiable with repeated
    eigenvalues too (their sum's derivative is what is defined)."""
    check_flags("numpy.linalg.eigvalsh", symmetrize_input=symmetrize_input)
    a, uplo = _uplo_input(a, "eigvalsh", UPLO, symmetrize_input)
    return eigvalsh_p(a, UPLO=uplo)


# --- svd (reduced): A = U diag(s) V^T, k = min(m, n). With dP = U^T dA V and
# F_ij = 1/(s_j^2 - s_i^2): ds = diag(dP),
#   dU = U (F * (dP S + S dP^T)) + (I - U U^T) dA V S^-1,
#   dV = V (F * (S dP + dP^T S)) + (I - V V^T) dA^T U S^-1.
def _svd_impl(a):
    xp = array_module(a)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    return xp.concatenate([u, s[..., None, :], vh.swapaxes(-1, -2)], axis=-2)


def _svd_parts(x, m):
    return x[..., :m, :], x[..., m, :], x[..., m + 1 :, :]


def _svd_jvp(t, ans, a):
    m = shape_of(a)[-2]
    u, s, v = _svd_parts(ans, m)
    f = off_diagonal_inverse(s * s)
    dp = matmul(mT(u), matmul(t, v))
    row, col = expand_dims(s, -2), expand_dims(s, -1)  # scale columns, rows
    du = matmul(u, f * (dp * row + col * mT(dp))) + (matmul(t, v) - matmul(u, dp)) / row
    dv = matmul(v, f * (col * dp + mT(dp) * row)) + (matmul(mT(t), u) - matmul(v, mT(dp))) / row
    return concatenate([du, expand_dims(diagonal(dp), -2), dv], axis=-2)


def _svd_vjp(g, ans, a):
    m = shape_of(a)[-2]
    u, s, v = _svd_parts(ans, m)
    gu, gs, gv = _svd_parts(g, m)
    f = off_diagonal_inverse(s * s)
    row, col = expand_dims(s, -2), expand_dims(s, -1)
    utgu, vtgv = matmul(mT(u), gu), matmul(mT(v), gv)
    j, k = f * utgu, f * vtgv
    inner = diag_embed(gs) + (j + mT(j)) * row + col * (k + mT(k))
    gu_perp = (gu - matmul(u, utgu)) / row
    gv_perp = (gv - matmul(v, vtgv)) / row
    return matmul(u, matmul(inner, mT(v)) + mT(gv_perp)) + matmul(gu_perp, mT(v))


svd_p = Primitive("linalg.svd", _svd_impl)
svd_p.defvjp(_svd_vjp)
svd_p.defjvp(_svd_jvp)
svd_p.defbatch(leading_rule(svd_p))


def _svd_vectors(a):
    m = shape_of(a)[-2]
    u, _, v = _svd_parts(svd_p(a), m)
    return u, v


def _svdvals_vjp(g, ans, a):
    u, v = _svd_vectors(a)
    return matmul(u * expand_dims(g, -2), mT(v))


def _svdvals_jvp(t, ans, a):
    u, v = _svd_vectors(a)
    return diagonal(matmul(mT(u), matmul(t, v)))


svdvals_p = Primitive("linalg.svdvals", lambda a: array_module(a).linalg.svd(a, compute_uv=False))
svdvals_p.defvjp(_svdvals_vjp)
svdvals_p.defjvp(_svdvals_jvp)
svdvals_p.defbatch(leading_rule(svdvals_p))


def _svd_complete_impl(a):
    # U (m, m), s, V (n, n), packed at width max(m, n) with zeros on the right.
    xp = array_module(a)
    u, s, vh = xp.linalg.svd(a, full_matrices=True)
    m, n = a.shape[-2:]
    w = max(m, n)

    def pad(x):
        fill = xp.zeros(x.shape[:-1] + (w - x.shape[-1],), dtype=a.dtype)
        return xp.concatenate([x.astype(a.dtype), fill], axis=-1)

    return xp.concatenate([pad(u), pad(s[..., None, :]), pad(vh.swapaxes(-1, -2))], axis=-2)


_NO_COMPLETE = (
    "svd with full_matrices=True of a non-square matrix has no derivative (as in JAX); "
    "use full_matrices=False"
)
svd_complete_p = Primitive("linalg.svd_complete", _svd_complete_impl)
svd_complete_p.defvjp(no_derivative(_NO_COMPLETE))
svd_complete_p.defjvp(no_derivative(_NO_COMPLETE))
svd_complete_p.defbatch(leading_rule(svd_complete_p))


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


def svdvals(x: Any) -> Any:
    """The singular values (descending) of matrices."""
    check_matrix(x, "svdvals")
    return svdvals_p(as_float(x))


def svd(
    a: Any,
    full_matrices: bool = True,
    compute_uv: bool = True,
    hermitian: bool = False,
    subset_by_index: tuple[int, int] | None = None,
) -> Any:
    """The singular value decomposition ``a = U @ diag(S) @ Vh`` (S descending); only ``S``
    when not ``compute_uv``. Derivatives of U and Vh need distinct nonzero singular values
    and ``full_matrices=False`` (or a square matrix); those of S exist everywhere."""
    check_flags("numpy.linalg.svd", full_matrices=full_matrices, compute_uv=compute_uv, hermitian=hermitian)
    m, n = check_matrix(a, "svd")
    if subset_by_index is not None:
        raise NotImplementedError(
            "fnzero.numpy.linalg.svd: subset_by_index is not supported; slice the result"
        )
    a = as_float(a)
    if not compute_uv:
        return svdvals_p(a)
    k = min(m, n)
    if full_matrices and m != n:
        out = svd_complete_p(a)
        return SVDResult(out[..., :m, :m], out[..., m, :k], mT(out[..., m + 1 :, :n]))
    u, s, v = _svd_parts(svd_p(a), m)
    return SVDResult(u, s, mT(v))


# --- qr (reduced, m >= n): A = Q R. With C = Q^T dA R^-1 and Omega = tril(C, -1) - its
# transpose, M = C - Omega: dQ = dA R^-1 - Q M, dR = M R.
def _qr_impl(a):
    xp = array_module(a)
    q, r = xp.linalg.qr(a, mode="reduced")
    return xp.concatenate([q, r.swapaxes(-1, -2)], axis=-2)


_NO_WIDE = "qr of a matrix with more columns than rows has no derivative (as in JAX)"


def _check_tall(a):
    m, n = shape_of(a)[-2:]
    if m < n:
        raise NotImplementedError(f"fnzero.numpy.linalg: {_NO_WIDE}")
    return m


def _right_r_inverse(x, r, trans):
    """``x @ R^-1`` (``x @ R^-T`` when trans) for upper triangular ``R``."""
    return mT(triangular_solve_p(r, mT(x), lower=False, trans=not trans, unit_diagonal=False))


def _qr_jvp(t, ans, a):
    m = _check_tall(a)
    q, r = ans[..., :m, :], mT(ans[..., m:, :])
    t_rinv = _right_r_inverse(t, r, False)
    c = matmul(mT(q), t_rinv)
    low = c * tri_mask(c, True, -1)
    mm = c - low + mT(low)
    dq = t_rinv - matmul(q, mm)
    dr = matmul(mm, r)
    return concatenate([dq, mT(dr)], axis=-2)


def _qr_vjp(g, ans, a):
    m = _check_tall(a)
    q, r = ans[..., :m, :], mT(ans[..., m:, :])
    gq, gr = g[..., :m, :], mT(g[..., m:, :])
    mbar = matmul(gr, mT(r)) - matmul(mT(q), gq)
    cbar = mbar * tri_mask(mbar, False) + mT(mbar) * tri_mask(mbar, True, -1)
    return _right_r_inverse(gq + matmul(q, cbar), r, True)


qr_p = Primitive("linalg.qr", _qr_impl)
qr_p.defvjp(_qr_vjp)
qr_p.defjvp(_qr_jvp)
qr_p.defbatch(leading_rule(qr_p))


def _qr_complete_impl(a):
    xp = array_module(a)
    q, r = xp.linalg.qr(a, mode="complete")
    return xp.concatenate([q, r.swapaxes(-1, -2)], axis=-2)


_NO_QR_COMPLETE = (
    "qr with mode='complete' of a non-square matrix has no derivative (as in JAX); use mode='reduced'"
)
qr_complete_p = Primitive("linalg.qr_complete", _qr_complete_impl)
qr_complete_p.defvjp(no_derivative(_NO_QR_COMPLETE))
qr_complete_p.defjvp(no_derivative(_NO_QR_COMPLETE))
qr_complete_p.defbatch(leading_rule(qr_complete_p))


class QRResult(NamedTuple):
    Q: Any
    R: Any


def qr(a: Any, mode: str = "reduced") -> Any:
    """The QR decomposition ``a = Q @ R`` (Q orthonormal columns, R upper triangular):
    ``mode`` 'reduced' (k = min(m, n) columns), 'complete' (Q square) or 'r' (R only).
    Derivatives need m >= n (and mode 'reduced' or a square matrix), as in JAX."""
    m, n = check_matrix(a, "qr")
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"fnzero.numpy.linalg.qr: mode must be 'reduced', 'complete' or 'r'; got {mode!r}")
    a = as_float(a)
    if mode == "complete" and m > n:
        out = qr_complete_p(a)
        return QRResult(out[..., :m, :], mT(out[..., m:, :]))
    out = qr_p(a)
    k = min(m, n)
    q, r = out[..., :m, :k], mT(out[..., m:, :])
    return r if mode == "r" else QRResult(q, r)
