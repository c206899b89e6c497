"""Products and combinations of arrays, composed from fnzero.numpy's primitives (so every
transform goes through them): kron, cross, vdot, select, interp, convolve, correlate."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fnzero.numpy.arithmetic import clip, where
from fnzero.numpy.creation import astype
from fnzero.numpy.indexing import take
from fnzero.numpy.reductions import sum as _sum
from fnzero.numpy.shapes import (
    broadcast_arrays,
    broadcast_to,
    concatenate,
    flip,
    moveaxis,
    pad,
    ravel,
    reshape,
    stack,
    take_along_axis,
)
from fnzero.numpy.sorting import argsort, searchsorted


def _shape(x) -> tuple[int, ...]:
    return tuple(getattr(x, "shape", np.shape(x)))


def _dtype(x) -> np.dtype:
    return np.dtype(x.dtype) if hasattr(x, "dtype") else np.asarray(x).dtype


def _ndim(x) -> int:
    return len(_shape(x))


def kron(a, b):
    """The Kronecker product: block ``(i, j, ...)`` is ``a[i, j, ...] * b``."""
    nd = max(_ndim(a), _ndim(b))
    sa = (1,) * (nd - _ndim(a)) + _shape(a)
    sb = (1,) * (nd - _ndim(b)) + _shape(b)
    a = reshape(a, tuple(d for s in sa for d in (s, 1)))
    b = reshape(b, tuple(d for s in sb for d in (1, s)))
    return reshape(a * b, tuple(x * y for x, y in zip(sa, sb)))


def cross(a, b, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None):
    """The cross product of 3-vectors (or 2-vectors, taken with a zero third component; two
    2-vectors give the scalar z component) along the given axes, broadcasting the others."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(
            f"fnzero.numpy.cross: the vectors must have 2 or 3 components, got {na} (a) and {nb} (b)"
        )
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    if na == 2 and nb == 2:
        return a0 * b1 - a1 * b0
    a2 = a[..., 2] if na == 3 else None
    b2 = b[..., 2] if nb == 3 else None
    if a2 is None:
        parts = [a1 * b2, -(a0 * b2), a0 * b1 - a1 * b0]
    elif b2 is None:
        parts = [-(a2 * b1), a2 * b0, a0 * b1 - a1 * b0]
    else:
        parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    out = stack(broadcast_arrays(*parts), axis=-1)
    return moveaxis(out, -1, axisc)


def _preferred(name: str, preferred_element_type, *arrays) -> tuple:
    """The arrays cast to ``preferred_element_type``, the type the products are summed in and
    the result has (JAX's keyword); None leaves them as they are."""
    if preferred_element_type is None:
        return arrays
    try:
        dtype = np.dtype(preferred_element_type)
    except TypeError:
        raise TypeError(
            f"fnzero.numpy.{name}: preferred_element_type must be a dtype; got {preferred_element_type!r}"
        ) from None
    if dtype.kind not in "iuf":
        raise TypeError(
            f"fnzero.numpy.{name}: preferred_element_type must be an integer or float dtype; got {dtype}"
        )
    for x in arrays:
        if _dtype(x).kind == "f" and dtype.kind != "f":
            raise TypeError(
                f"fnzero.numpy.{name}: preferred_element_type {dtype} would truncate the {_dtype(x)} inputs; "
                f"give a float dtype"
            )
    return tuple(astype(x, dtype) for x in arrays)


def _result(out, preferred_element_type):
    """``out`` in ``preferred_element_type`` (NumPy's sums widen small integers)."""
    return out if preferred_element_type is None else astype(out, preferred_element_type)


def vdot(a, b, *, precision=None, preferred_element_type=None):
    """The dot product of the two arrays flattened (real arrays: no conjugation is needed).
    ``precision`` is accepted for JAX's signature (NumPy's products are computed in full
    precision); ``preferred_element_type`` is the dtype the products are summed in and returned."""
    if any(_dtype(x).kind == "c" for x in (a, b)):
        raise NotImplementedError("fnzero.numpy.vdot: complex arrays are not supported (no conjugate yet)")
    a, b = _preferred("vdot", preferred_element_type, ravel(a), ravel(b))
    if _shape(a) != _shape(b):
        raise ValueError(
            f"fnzero.numpy.vdot: a and b need the same size, got {_shape(a)[0]} and {_shape(b)[0]}"
        )
    return _result(_sum(a * b), preferred_element_type)


def select(condlist: Sequence, choicelist: Sequence, default=0):
    """Elementwise, the choice of the first true condition (``default`` where none is)."""
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError(
            f"fnzero.numpy.select: condlist and choicelist need the same length, "
            f"got {len(condlist)} and {len(choicelist)}"
        )
    if not condlist:
        raise ValueError("fnzero.numpy.select: condlist must not be empty")
    for c in condlist:
        if _dtype(c).kind != "b":
            raise TypeError(
                f"fnzero.numpy.select: conditions must be boolean, got {getattr(c, 'dtype', type(c))}"
            )
    out = default
    for c, v in zip(reversed(condlist), reversed(choicelist)):
        out = where(c, v, out)
    shape = np.broadcast_shapes(
        *(_shape(c) for c in condlist), *(_shape(v) for v in choicelist), _shape(default)
    )
    return broadcast_to(out, shape)


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of the points ``(xp, fp)`` (``xp`` increasing) at ``x``;
    ``left``/``right`` (``fp``'s end values by default) outside ``xp``'s range; with ``period``
    ``x`` and ``xp`` wrap around. Differentiable in ``x``, ``xp`` and ``fp``."""
    if _ndim(xp) != 1 or _ndim(fp) != 1 or _shape(xp) != _shape(fp):
        raise ValueError(
            f"fnzero.numpy.interp: xp and fp must be 1-D of one length, got {_shape(xp)} and {_shape(fp)}"
        )
    if _shape(xp)[0] == 0:
        raise ValueError("fnzero.numpy.interp: xp and fp must not be empty")
    if isinstance(left, str) or isinstance(right, str):
        raise NotImplementedError("fnzero.numpy.interp: left and right must be numbers or None")
    if period is not None:
        if left is not None or right is not None:
            raise ValueError("fnzero.numpy.interp: left and right cannot be given with period")
        x = x % period
        xp = xp % period
        order = argsort(xp)
        xp, fp = take_along_axis(xp, order, 0), take_along_axis(fp, order, 0)
        xp = _join(xp[-1:] - period, xp, xp[:1] + period)
        fp = _join(fp[-1:], fp, fp[:1])
    n = _shape(xp)[0]
    if n == 1:
        inner = fp[0] + x * 0
    else:
        i = clip(searchsorted(xp, x, side="right"), 1, n - 1)
        x0, x1, f0, f1 = take(xp, i - 1), take(xp, i), take(fp, i - 1), take(fp, i)
        dx = x1 - x0
        flat = dx == 0
        slope = (f1 - f0) / where(flat, 1, dx)
        inner = where(flat, f0, f0 + (x - x0) * slope)
    if period is not None:
        return inner
    out = where(x < xp[0], fp[0] if left is None else left, inner)
    return where(x > xp[-1], fp[-1] if right is None else right, out)


def _join(*parts):
    return concatenate(parts, 0)


_MODES = ("full", "same", "valid")


def _full_convolution(a, v):
    """``out[k] = sum_j a[j] v[k - j]``, length ``n + m - 1``: sliding windows of the padded
    ``a`` (one gather) times the reversed ``v``, summed along each window."""
    n, m = _shape(a)[0], _shape(v)[0]
    windows = np.arange(n + m - 1)[:, None] + np.arange(m)[None, :]
    return _sum(pad(a, (m - 1, m - 1))[windows] * flip(v, 0), 1)


def _checked(a, v, mode: str, name: str):
    if mode not in _MODES:
        raise ValueError(f"fnzero.numpy.{name}: mode must be one of {_MODES}, got {mode!r}")
    if _ndim(a) != 1 or _ndim(v) != 1:
        raise ValueError(f"fnzero.numpy.{name}: a and v must be 1-D, got shapes {_shape(a)} and {_shape(v)}")
    if not _shape(a)[0] or not _shape(v)[0]:
        raise ValueError(f"fnzero.numpy.{name}: a and v must not be empty")


def _cut(full, n: int, m: int, mode: str):
    if mode == "full":
        return full
    short, long = min(n, m), max(n, m)
    start = (short - 1) // 2 if mode == "same" else short - 1
    return full[start : start + (long if mode == "same" else long - short + 1)]


def convolve(a, v, mode: str = "full", *, precision=None, preferred_element_type=None):
    """The discrete linear convolution of two 1-D arrays: ``mode`` ``'full'`` (every
    overlap), ``'same'`` (the longer one's length, centered) or ``'valid'`` (full overlaps).
    ``precision`` and ``preferred_element_type`` as in :func:`vdot`."""
    _checked(a, v, mode, "convolve")
    a, v = _preferred("convolve", preferred_element_type, a, v)
    n, m = _shape(a)[0], _shape(v)[0]
    full = _full_convolution(a, v) if n >= m else _full_convolution(v, a)
    return _result(_cut(full, n, m, mode), preferred_element_type)


def correlate(a, v, mode: str = "valid", *, precision=None, preferred_element_type=None):
    """The cross-correlation of two 1-D arrays, ``c[k] = sum_n a[n + k] v[n]`` (real arrays),
    with convolve's modes (``'valid'`` by default, as NumPy); ``precision`` and
    ``preferred_element_type`` as in :func:`vdot`."""
    _checked(a, v, mode, "correlate")
    a, v = _preferred("correlate", preferred_element_type, a, v)
    n, m = _shape(a)[0], _shape(v)[0]
    if n >= m:
        out = _cut(_full_convolution(a, flip(v, 0)), n, m, mode)
    else:
        out = flip(_cut(_full_convolution(v, flip(a, 0)), n, m, mode), 0)
    return _result(out, preferred_element_type)
