"""fnzero.numpy.linalg: NumPy's and JAX's linear algebra, differentiable in reverse and
forward mode to any order, batched over leading axes, under vmap and jit.

The primitives (``inv``, ``solve``, the triangular solve, ``pinv``, ``det``, ``slogdet``,
``cholesky``, ``eigh``, ``eigvalsh``, ``svd``, ``qr``) run the backend's own ``linalg``
kernels; everything else is written with fnzero operations.
"""

from fnzero.numpy.linalg.basics import (
    cross,
    diagonal,
    matmul,
    matrix_transpose,
    outer,
    tensordot,
    trace,
    vecdot,
)
from fnzero.numpy.linalg.chains import matrix_power, multi_dot
from fnzero.numpy.linalg.decompositions import (
    EighResult,
    QRResult,
    SVDResult,
    cholesky,
    eigh,
    eigvalsh,
    qr,
    svd,
    svdvals,
)
from fnzero.numpy.linalg.determinants import SlogdetResult, det, slogdet
from fnzero.numpy.linalg.norms import cond, matrix_norm, matrix_rank, norm, vector_norm
from fnzero.numpy.linalg.solves import LstsqResult, inv, lstsq, pinv, solve, tensorinv, tensorsolve

__all__ = [
    "EighResult",
    "LstsqResult",
    "QRResult",
    "SVDResult",
    "SlogdetResult",
    "cholesky",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "matrix_transpose",
    "multi_dot",
    "norm",
    "outer",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "tensordot",
    "tensorinv",
    "tensorsolve",
    "trace",
    "vecdot",
    "vector_norm",
]
