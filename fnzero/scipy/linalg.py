"""fnzero.scipy.linalg: the triangular and Cholesky solves of jax.scipy.linalg.

``solve_triangular`` is the triangular-solve primitive of fnzero.numpy.linalg (reverse and
forward mode to any order, vmap, jit); the Cholesky functions are built on it and on
the Cholesky primitive. SciPy is not needed: the kernels are NumPy's (CuPy's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero.numpy.linalg._matrices import as_float, check_flags, check_matrix, mT
from fnzero.numpy.linalg.decompositions import cholesky_p
from fnzero.numpy.linalg.solves import triangular_solve

__all__ = ["cho_factor", "cho_solve", "solve_triangular"]

_TRANS = {0: False, "N": False, 1: True, "T": True, 2: True, "C": True}


def solve_triangular(
    a: Any,
    b: Any,
    trans: int | str = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    debug: Any = None,
    check_finite: bool = True,
) -> Any:
    """``x`` with ``op(T) @ x == b``, ``T`` the lower (``lower``) or upper triangle of ``a``
    (the other triangle is not read), ``op`` given by ``trans``: 0/'N' none, 1/'T' and
    2/'C' the transpose (real matrices). ``b`` is (n,) or (..., n, k); leading axes
    broadcast. ``overwrite_b``, ``debug`` and ``check_finite`` are accepted and ignored."""
    check_flags("scipy.linalg.solve_triangular", lower=lower, unit_diagonal=unit_diagonal)
    if trans not in _TRANS:
        raise ValueError(
            f"fnzero.scipy.linalg.solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C'; got {trans!r}"
        )
    return triangular_solve(a, b, lower=lower, trans=_TRANS[trans], unit_diagonal=unit_diagonal)


def cho_factor(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Any, bool]:
    """``(c, lower)``: the Cholesky factor of symmetric positive-definite ``a`` (lower when
    ``lower``, else upper; zeros in the other triangle), what ``cho_solve`` takes."""
    check_flags("scipy.linalg.cho_factor", lower=lower)
    check_matrix(a, "cho_factor", square=True)
    a = as_float(a)
    # As JAX: the triangle named is factored as it is (no symmetrization).
    low = cholesky_p(a if lower else mT(a))
    return (low if lower else mT(low)), bool(lower)


def cho_solve(
    c_and_lower: tuple[Any, bool], b: Any, overwrite_b: bool = False, check_finite: bool = True
) -> Any:
    """``x`` with ``a @ x == b``, given ``(c, lower) = cho_factor(a)``: two triangular solves."""
    pair = isinstance(c_and_lower, (tuple, list)) and len(c_and_lower) == 2
    if not pair or not isinstance(c_and_lower[1], (bool, np.bool_)):
        raise TypeError(
            "fnzero.scipy.linalg.cho_solve: c_and_lower must be the pair (c, lower) that cho_factor returns; "
            f"got {type(c_and_lower).__name__}"
        )
    c, lower = c_and_lower
    check_matrix(c, "cho_solve", "c", square=True)
    low = c if lower else mT(c)
    y = triangular_solve(low, b, lower=True)
    return triangular_solve(low, y, lower=True, trans=True)
