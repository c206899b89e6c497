"""Discrete calculus on sampled values: differences, the numerical gradient, the trapezoid
rule, phase unwrapping. Each is written with fnzero operations, so it differentiates."""

from __future__ import annotations

import math
from typing import Any

from fnzero.numpy._axes import normalize_axis
from fnzero.numpy.arithmetic import remainder, where
from fnzero.numpy.creation import asarray, astype, ndim, shape
from fnzero.numpy.elementwise import abs
from fnzero.numpy.reductions import cumsum, sum
from fnzero.numpy.shapes import concatenate, moveaxis, ravel, reshape


def _axis(axis: int, nd: int, name: str) -> int:
    (a,) = normalize_axis(axis, nd, name)
    return a


def _float(x: Any) -> Any:
    x = asarray(x)
    return x if x.dtype.kind in "fc" else astype(x, float)


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """The differences of consecutive entries of the flattened ``ary``, with ``to_begin``
    and ``to_end`` put around them."""
    flat = ravel(asarray(ary))
    parts = [] if to_begin is None else [astype(ravel(asarray(to_begin)), flat.dtype)]
    parts.append(flat[1:] - flat[:-1])
    if to_end is not None:
        parts.append(astype(ravel(asarray(to_end)), flat.dtype))
    return concatenate(parts) if len(parts) > 1 else parts[0]


def _spacing(varargs: tuple, n_axes: int) -> list[float]:
    if not varargs:
        return [1.0] * n_axes
    if len(varargs) == 1:
        varargs = varargs * n_axes
    if len(varargs) != n_axes:
        raise TypeError(
            f"fnzero.numpy.gradient: give one spacing or one per axis ({n_axes}), got {len(varargs)}"
        )
    for h in varargs:
        if ndim(h) != 0:
            raise NotImplementedError("fnzero.numpy.gradient: only scalar spacings are supported, as in JAX")
    return list(varargs)


def gradient(
    f: Any, *varargs: Any, axis: int | tuple[int, ...] | None = None, edge_order: int | None = None
) -> Any:
    """The derivative of sampled values along each axis: central differences inside,
    one-sided at the two ends (NumPy's ``edge_order=1``). One array per axis, or one array
    when a single axis is asked for."""
    f = _float(f)
    if edge_order not in (None, 1):
        raise NotImplementedError(
            f"fnzero.numpy.gradient: edge_order must be 1 (as in JAX), got {edge_order}"
        )
    single = isinstance(axis, int)
    axes = tuple(range(ndim(f))) if axis is None else (axis,) if single else tuple(axis)
    axes = tuple(_axis(a, ndim(f), "gradient") for a in axes)
    out = []
    for a, h in zip(axes, _spacing(varargs, len(axes))):
        g = moveaxis(f, a, 0)
        if shape(g)[0] < 2:
            raise ValueError(
                f"fnzero.numpy.gradient: axis {a} needs at least 2 samples, got shape {shape(f)}"
            )
        inner = (g[2:] - g[:-2]) / (2 * h)
        ends = [(g[1:2] - g[0:1]) / h, (g[-1:] - g[-2:-1]) / h]
        out.append(moveaxis(concatenate([ends[0], inner, ends[1]]), 0, a))
    return out[0] if single or len(out) == 1 else out


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """The integral of samples ``y`` along ``axis`` by the trapezoid rule, at points ``x``
    (1-D along the axis, or of ``y``'s shape) or spaced ``dx`` apart."""
    y = moveaxis(_float(y), _axis(axis, ndim(y), "trapezoid"), -1)
    if x is None:
        d = dx
    else:
        x = _float(x)
        x = x if ndim(x) == 1 else moveaxis(x, axis, -1)
        if shape(x)[-1] != shape(y)[-1]:
            raise ValueError(
                f"fnzero.numpy.trapezoid: x has {shape(x)[-1]} points along the axis, y {shape(y)[-1]}"
            )
        d = x[..., 1:] - x[..., :-1]
    return sum(d * (y[..., 1:] + y[..., :-1]) / 2.0, axis=-1)


def unwrap(p: Any, discont: float | None = None, axis: int = -1, period: float = 2 * math.pi) -> Any:
    """``p`` with jumps larger than ``discont`` (default ``period / 2``) between neighbours
    along ``axis`` replaced by their equivalent modulo ``period``; derivative 1 (the
    corrections are whole periods)."""
    axis = _axis(axis, ndim(p), "unwrap")
    p = moveaxis(_float(p), axis, -1)
    if discont is None:
        discont = period / 2
    step = p[..., 1:] - p[..., :-1]
    wrapped = remainder(step + period / 2, period) - period / 2
    wrapped = where((wrapped == -period / 2) & (step > 0), period / 2, wrapped)
    correction = where(abs(step) < discont, 0.0, wrapped - step)
    zero = reshape(correction[..., :1] * 0.0, shape(p)[:-1] + (1,))
    out = p + concatenate([zero, cumsum(correction, axis=-1)], axis=-1)
    return moveaxis(out, -1, axis)
