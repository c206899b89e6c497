"""Covariance and correlation of variables observed together, differentiable in the
observations (and in the weights)."""

from __future__ import annotations

from typing import Any

from fnzero.numpy.arithmetic import clip, conj
from fnzero.numpy.creation import asarray, astype, ndim, shape
from fnzero.numpy.elementwise import sqrt
from fnzero.numpy.matrices import diagonal
from fnzero.numpy.reductions import sum
from fnzero.numpy.shapes import concatenate, reshape, squeeze, transpose


def _as_rows(x: Any, rowvar: bool, name: str) -> Any:
    x = asarray(x)
    if ndim(x) > 2:
        raise ValueError(f"fnzero.numpy.{name}: m must have 1 or 2 dimensions, got shape {shape(x)}")
    if x.dtype.kind not in "fc":
        x = astype(x, float)
    if ndim(x) < 2:
        return reshape(x, (1, -1))
    return x if rowvar else transpose(x)


def _weights(w: Any, n: int, name: str, integer: bool) -> Any:
    w = asarray(w)
    if shape(w) != (n,):
        raise ValueError(
            f"fnzero.numpy.cov: {name} must have shape ({n},) (one per observation), got {shape(w)}"
        )
    if integer and w.dtype.kind not in "iub":
        raise TypeError(f"fnzero.numpy.cov: fweights must be integers, got dtype {w.dtype}")
    return w


def cov(
    m: Any,
    y: Any = None,
    rowvar: bool = True,
    bias: bool = False,
    ddof: int | None = None,
    fweights: Any = None,
    aweights: Any = None,
) -> Any:
    """The covariance matrix of the variables in ``m`` (one per row, or per column with
    ``rowvar=False``), with ``y``'s variables appended; normalised by ``N - ddof`` (``ddof`` 1,
    or 0 with ``bias=True``), or by the weights' sums as NumPy does."""
    from fnzero.numpy import matmul  # the products module, loaded by the time cov is called

    x = _as_rows(m, rowvar, "cov")
    if y is not None:
        x = concatenate([x, _as_rows(y, rowvar, "cov")], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = shape(x)[1]
    w = None
    if fweights is not None:
        w = astype(_weights(fweights, n, "fweights", True), x.dtype)
    if aweights is not None:
        aw = _weights(aweights, n, "aweights", False)
        w = aw if w is None else w * aw
    if w is None:
        mean, fact = sum(x, axis=1, keepdims=True) / n, n - ddof
    else:
        w_sum = sum(w)
        mean = sum(x * w, axis=1, keepdims=True) / w_sum
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * sum(w * aw) / w_sum
    centred = x - mean
    weighted = centred if w is None else centred * w
    return squeeze(matmul(centred, transpose(conj(weighted))) / fact)


def corrcoef(x: Any, y: Any = None, rowvar: bool = True) -> Any:
    """The correlation coefficients: ``cov`` scaled by the standard deviations, in [-1, 1]."""
    c = cov(x, y, rowvar)
    if ndim(c) == 0:
        return c / c
    std = sqrt(diagonal(c))
    return clip(c / std[:, None] / std[None, :], -1.0, 1.0)
