"""Reductions: sum, max, min, prod, cumsum (primitives) and mean, var, std, logsumexp.

Rules receive the normalized ``axis`` (a sorted tuple, or None for all axes) and reshape
the cotangent back to the input's rank before broadcasting it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fnzero._checks import flag
from fnzero.backends import array_module
from fnzero.core.primitive import Primitive
from fnzero.numpy._axes import keepdims_shape, normalize_axis, reduced_size
from fnzero.numpy.batching import shape_of, shift_axes, to_front
from fnzero.numpy.elementwise import exp, sqrt, square
from fnzero.numpy.logic import equal
from fnzero.numpy.shapes import broadcast_to, flip, pad, reshape, transpose

Axis = int | Sequence[int] | None


def _shape(x) -> tuple[int, ...]:
    return getattr(x, "shape", ())


def _ndim(x) -> int:
    return len(_shape(x))


def _expand(g, x, axis, keepdims):
    """``g`` reshaped so that it broadcasts against ``x`` along the reduced axes."""
    return g if keepdims else reshape(g, keepdims_shape(x.shape, axis))


def _onnx_reduce(op: str):
    """The ONNX converter of a reduction ``prim(x, axis, keepdims)`` to ONNX's ``op``."""

    def convert(b, eq, ops, out):
        x, axis, keepdims = ops
        ndim = len(b.first_var(eq).shape)
        axes = list(range(ndim)) if axis is None else [a % ndim for a in axis]
        if op == "ReduceSum":  # the axes are an input from opset 13 (an attribute for the rest until 18)
            return b.node(op, [x, b.constant(axes, np.int64)], out, keepdims=int(keepdims))
        return b.node(op, [x], out, axes=axes, keepdims=int(keepdims))

    return convert


def _reduce_batched(prim: Primitive):
    """The batching rule of ``prim(x, axis, keepdims)``: the batch goes to the front and
    every reduced axis moves up by one."""

    def rule(args, dims, **params):
        x, axis, keepdims = args
        x = to_front(x, dims[0])
        return prim(x, shift_axes(axis, len(shape_of(x)) - 1), keepdims), 0

    return rule


def _reduction(name: str, impl=None, onnx: str | None = None) -> Primitive:
    """A reduction ``prim(x, axis, keepdims)``; its kernel by default the array module's ``name``."""
    if impl is None:

        def impl(x, axis, keepdims):
            return getattr(array_module(x), name)(x, axis=axis, keepdims=keepdims)

    prim = Primitive(name, impl, onnx=None if onnx is None else _onnx_reduce(onnx))
    return prim.defbatch(_reduce_batched(prim))


_sum = _reduction("sum", onnx="ReduceSum").defvjp(
    lambda g, ans, x, axis, keepdims: broadcast_to(_expand(g, x, axis, keepdims), x.shape)
)
_sum.defjvp(lambda t, ans, x, axis, keepdims: _sum(t, axis, keepdims))


def _mean_impl(x, axis, keepdims):
    # NumPy's mean goes through three Python frames; for float32/64 and complex it is the
    # sum over n (float16 and integers keep NumPy's own: it accumulates them in float32/64).
    if type(x) is np.ndarray and x.dtype.kind in "fc" and x.dtype.itemsize >= 4:
        return np.add.reduce(x, axis=axis, keepdims=keepdims) / reduced_size(x.shape, axis)
    return array_module(x).mean(x, axis=axis, keepdims=keepdims)


# The mean is one primitive rather than a sum and a division: one node on the tape (every
# loss ends in one), and its rule spreads g / n back.
_mean = _reduction("mean", _mean_impl, onnx="ReduceMean").defvjp(
    lambda g, ans, x, axis, keepdims: broadcast_to(
        _expand(g, x, axis, keepdims) / reduced_size(x.shape, axis), x.shape
    )
)
_mean.defjvp(lambda t, ans, x, axis, keepdims: _mean(t, axis, keepdims))


def _extremum_vjp(g, ans, x, axis, keepdims):
    # Every position equal to the extremum shares the cotangent evenly (as JAX).
    hit = equal(x, _expand(ans, x, axis, keepdims))
    share = (hit / _sum(hit, axis, True)).astype(g.dtype)
    return _expand(g, x, axis, keepdims) * share


def _extremum_jvp(t, ans, x, axis, keepdims):
    hit = equal(x, _expand(ans, x, axis, keepdims))
    share = (hit / _sum(hit, axis, True)).astype(t.dtype)
    return _sum(t * share, axis, keepdims)


_max = _reduction("max", onnx="ReduceMax").defvjp(_extremum_vjp)
_min = _reduction("min", onnx="ReduceMin").defvjp(_extremum_vjp)
_max.defjvp(_extremum_jvp)
_min.defjvp(_extremum_jvp)


def _shifted(a, by: int):
    """``a`` moved ``by`` places along its last axis, ones filling the start."""
    n = a.shape[-1]
    return pad(a, [(0, 0)] * (a.ndim - 1) + [(by, 0)], constant_values=1)[..., :n]


def _exclusive_cumprod(a):
    """Along the last axis, each entry the product of the entries before it (Hillis-Steele:
    log2(n) rounds of shifted multiplications)."""
    a = _shifted(a, 1)
    by = 1
    while by < a.shape[-1]:
        a = a * _shifted(a, by)
        by *= 2
    return a


def _others_product(x, axis):
    """For each entry, the product of the other entries along ``axis``: the running products
    from both ends, multiplied. Only multiplications, never a division, so every derivative
    of it is exact at zeros too, under any transform."""
    shape = x.shape
    axes = tuple(range(len(shape))) if axis is None else axis
    kept = [i for i in range(len(shape)) if i not in axes]
    perm = kept + list(axes)
    moved = transpose(x, perm)
    rows = reshape(moved, tuple(shape[i] for i in kept) + (-1,))
    before = _exclusive_cumprod(rows)
    after = flip(_exclusive_cumprod(flip(rows, (-1,))), (-1,))
    return transpose(reshape(before * after, moved.shape), [perm.index(i) for i in range(len(shape))])


def _prod_vjp(g, ans, x, axis, keepdims):
    return _expand(g, x, axis, keepdims) * _others_product(x, axis)


def _prod_jvp(t, ans, x, axis, keepdims):
    return _sum(t * _others_product(x, axis), axis, keepdims)


_prod = _reduction("prod").defvjp(_prod_vjp)
_prod.defjvp(_prod_jvp)


def _kept(value: object, name: str, argument: str = "keepdims") -> bool:
    return flag(value, argument, f"fnzero.numpy.{name}", integers=True)


def sum(x, axis: Axis = None, keepdims: bool = False):  # noqa: A001
    """Sum over ``axis`` (all axes when None)."""
    return _sum(x, normalize_axis(axis, _ndim(x), "sum"), _kept(keepdims, "sum"))


def max(x, axis: Axis = None, keepdims: bool = False):  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient evenly."""
    return _max(x, normalize_axis(axis, _ndim(x), "max"), _kept(keepdims, "max"))


def min(x, axis: Axis = None, keepdims: bool = False):  # noqa: A001
    """Minimum over ``axis``; tied minima share the gradient evenly."""
    return _min(x, normalize_axis(axis, _ndim(x), "min"), _kept(keepdims, "min"))


def prod(x, axis: Axis = None, keepdims: bool = False):
    """Product over ``axis``; its derivatives of every order are exact at zeros too."""
    return _prod(x, normalize_axis(axis, _ndim(x), "prod"), _kept(keepdims, "prod"))


def mean(x, axis: Axis = None, keepdims: bool = False):
    """Arithmetic mean over ``axis`` (all axes when None); integers give float64, as NumPy."""
    return _mean(x, normalize_axis(axis, _ndim(x), "mean"), _kept(keepdims, "mean"))


def var(x, axis: Axis = None, keepdims: bool = False, ddof: int = 0):
    """The variance over ``axis``, divided by ``N - ddof``."""
    axes = normalize_axis(axis, _ndim(x), "var")
    n = reduced_size(_shape(x), axes)
    centered = x - _sum(x, axes, True) / n
    return _sum(square(centered), axes, _kept(keepdims, "var")) / (n - ddof)


def std(x, axis: Axis = None, keepdims: bool = False, ddof: int = 0):
    """The standard deviation over ``axis``: the root of ``var``."""
    return sqrt(var(x, normalize_axis(axis, _ndim(x), "std"), keepdims, ddof))


def _logsumexp_impl(x, axis, keepdims):
    xp = array_module(x)
    if xp is np:  # ufunc reductions: NumPy's max and sum would add Python frames per call
        m = np.maximum.reduce(x, axis=axis, keepdims=True)
        if not np.isfinite(np.add.reduce(m, axis=None)):  # an inf, a nan (or an overflow)
            m = np.where(np.isfinite(m), m, 0)  # all -inf (or an inf): shifting by it would give nan
        out = np.log(np.add.reduce(np.exp(x - m), axis=axis, keepdims=keepdims))
        out += m if keepdims else m.squeeze(axis)
        return out
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True))
    out += m
    return out if keepdims else out.reshape(ans_shape(_shape(x), axis))


def _softmax(ans, x, axis, keepdims):
    """softmax(x) along the reduced axes, the derivative of logsumexp, from its output."""
    return exp(x - _expand(ans, x, axis, keepdims))


# A primitive, not max/exp/sum/log composed: one node, and a derivative read from the output.
_logsumexp = _reduction("logsumexp", _logsumexp_impl, onnx="ReduceLogSumExp").defvjp(
    lambda g, ans, x, axis, keepdims: _expand(g, x, axis, keepdims) * _softmax(ans, x, axis, keepdims)
)


_logsumexp.defjvp(
    lambda t, ans, x, axis, keepdims: _sum(t * _softmax(ans, x, axis, keepdims), axis, keepdims)
)


def logsumexp(x, axis: Axis = None, keepdims: bool = False):
    """``log(sum(exp(x)))`` computed without overflow."""
    return _logsumexp(x, normalize_axis(axis, _ndim(x), "logsumexp"), _kept(keepdims, "logsumexp"))


def ans_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape of a reduction's result without kept dimensions."""
    if axes is None:
        return ()
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _cumsum_impl(x, axis):
    return array_module(x).cumsum(x, axis=axis)


_cumsum = Primitive("cumsum", _cumsum_impl).defvjp(
    lambda g, ans, x, axis: flip(_cumsum(flip(g, (axis,)), axis), (axis,))
)
_cumsum.defjvp(lambda t, ans, x, axis: _cumsum(t, axis))
_cumsum.defbatch(lambda args, dims: (_cumsum(args[0], args[1] + (args[1] >= dims[0])), dims[0]))


def cumsum(x, axis: int | None = None):
    """Running sum along ``axis`` (over the flattened array when None)."""
    if axis is None:
        return _cumsum(reshape(x, (-1,)), 0)
    return _cumsum(x, normalize_axis(axis, _ndim(x), "cumsum")[0])


def _arg_reduce_batched(prim: Primitive):
    """The batching rule of ``prim(x, axis, keepdims)`` with one axis or None (flattened)."""

    def rule(args, dims, **params):
        x, axis, keepdims = args
        x = to_front(x, dims[0])
        s = shape_of(x)
        if axis is not None:
            return prim(x, axis + 1, keepdims), 0
        out = prim(reshape(x, (s[0], -1)), 1, False)
        return (reshape(out, (s[0],) + (1,) * (len(s) - 1)) if keepdims else out), 0

    return rule


def _arg_reduction(name: str) -> Primitive:
    prim = Primitive(
        name, lambda x, axis, keepdims: getattr(array_module(x), name)(x, axis=axis, keepdims=keepdims)
    )
    return prim.defbatch(_arg_reduce_batched(prim))


_argmax = _arg_reduction("argmax")
_argmin = _arg_reduction("argmin")


def _single_axis(axis, name: str) -> None:
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise TypeError(f"fnzero.numpy.{name}: axis must be None or a single int, got {axis!r}")


def argmax(x, axis: int | None = None, keepdims: bool = False):
    """Index of the maximum (not differentiable)."""
    _single_axis(axis, "argmax")
    axes = normalize_axis(axis, _ndim(x), "argmax")
    return _argmax(x, None if axes is None else axes[0], _kept(keepdims, "argmax"))


def argmin(x, axis: int | None = None, keepdims: bool = False):
    """Index of the minimum (not differentiable)."""
    _single_axis(axis, "argmin")
    axes = normalize_axis(axis, _ndim(x), "argmin")
    return _argmin(x, None if axes is None else axes[0], _kept(keepdims, "argmin"))


_all = _reduction("all")
_any = _reduction("any")


def all(a, axis: Axis = None, keepdims: bool = False):  # noqa: A001
    """Whether every element along ``axis`` is true (nonzero); not differentiable."""
    keepdims = _kept(keepdims, "all")
    return _all(a, normalize_axis(axis, _ndim(a), "all"), keepdims)


def any(a, axis: Axis = None, keepdims: bool = False):  # noqa: A001
    """Whether some element along ``axis`` is true (nonzero); not differentiable."""
    keepdims = _kept(keepdims, "any")
    return _any(a, normalize_axis(axis, _ndim(a), "any"), keepdims)


def amax(a, axis: Axis = None, keepdims: bool = False):
    """The maximum over ``axis`` (jax.numpy's other name for ``max``)."""
    keepdims = _kept(keepdims, "amax")
    return max(a, axis, keepdims)


def amin(a, axis: Axis = None, keepdims: bool = False):
    """The minimum over ``axis`` (jax.numpy's other name for ``min``)."""
    keepdims = _kept(keepdims, "amin")
    return min(a, axis, keepdims)


def ptp(a, axis: Axis = None, keepdims: bool = False):
    """The range, maximum minus minimum, over ``axis``."""
    keepdims = _kept(keepdims, "ptp")
    return max(a, axis, keepdims) - min(a, axis, keepdims)


def _dtype(x) -> np.dtype:
    return np.asarray(x).dtype if not hasattr(x, "dtype") else np.dtype(x.dtype)


def average(a, axis: Axis = None, weights=None, returned: bool = False, keepdims: bool = False):
    """The weighted mean over ``axis``: ``sum(a * w) / sum(w)``; with ``returned`` also the sum
    of the weights. 1-D weights with an int ``axis`` weigh along that axis."""
    returned, keepdims = _kept(returned, "average", "returned"), _kept(keepdims, "average")
    axes = normalize_axis(axis, _ndim(a), "average")
    if weights is None:
        avg = mean(a, axes, keepdims)
        count = broadcast_to(np.asarray(reduced_size(_shape(a), axes), _dtype(avg)), _shape(avg))
        return (avg, count) if returned else avg
    wshape = _shape(weights)
    if wshape != _shape(a):
        if axes is None or len(axes) != 1 or len(wshape) != 1 or wshape[0] != _shape(a)[axes[0]]:
            raise ValueError(
                f"fnzero.numpy.average: weights of shape {wshape} must have a's shape {_shape(a)}, or be "
                f"1-D along a single axis of that length (axis={axis!r})"
            )
        weights = reshape(weights, tuple(-1 if i == axes[0] else 1 for i in range(_ndim(a))))
    total = _sum(broadcast_to(weights, _shape(a)), axes, keepdims)
    avg = _sum(a * weights, axes, keepdims) / total
    return (avg, total) if returned else avg


def count_nonzero(a, axis: Axis = None, keepdims: bool = False):
    """How many elements along ``axis`` are nonzero (an integer array; not differentiable)."""
    keepdims = _kept(keepdims, "count_nonzero")
    from fnzero.numpy.creation import astype
    from fnzero.numpy.logic import not_equal

    return _sum(astype(not_equal(a, 0), np.int64), normalize_axis(axis, _ndim(a), "count_nonzero"), keepdims)


def _moved_last(x, axis: int):
    return x if axis == _ndim(x) - 1 else transpose(x, [i for i in range(_ndim(x)) if i != axis] + [axis])


def _moved_back(x, axis: int):
    n = _ndim(x)
    if axis == n - 1:
        return x
    perm = [i for i in range(n - 1)]
    perm.insert(axis, n - 1)
    return transpose(x, perm)


def _inclusive_cumprod(a):
    """Along the last axis, each entry the product of it and the entries before it, by
    log2(n) rounds of shifted multiplications: only products, so exact at zeros under every
    derivative."""
    by = 1
    while by < a.shape[-1]:
        a = a * _shifted(a, by)
        by *= 2
    return a


def cumprod(a, axis: int | None = None, dtype=None):
    """Running product along ``axis`` (the flattened array when None); its derivatives of
    every order are exact at zeros (no division)."""
    from fnzero.numpy.creation import astype

    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    else:
        axis = normalize_axis(axis, _ndim(a), "cumprod")[0]
    return _moved_back(_inclusive_cumprod(_moved_last(a, axis)), axis)


def _cumulative(x, axis, dtype, include_initial: bool, running, initial: float, name: str):
    """The Array API's cumulative functions: ``running(x, axis)`` along ``axis`` (needed
    unless ``x`` is 1-D), with ``initial`` in front when ``include_initial``."""
    include_initial = _kept(include_initial, name, "include_initial")
    from fnzero.numpy.creation import astype

    if axis is None:
        if _ndim(x) != 1:
            raise ValueError(f"fnzero.numpy.{name}: axis is needed for an array of {_ndim(x)} dimensions")
        axis = 0
    axis = normalize_axis(axis, _ndim(x), name)[0]
    if dtype is not None:
        x = astype(x, dtype)
    out = running(x, axis)
    if include_initial:
        out = pad(out, [(1, 0) if i == axis else (0, 0) for i in range(_ndim(x))], constant_values=initial)
    return out


def cumulative_sum(x, /, *, axis: int | None = None, dtype=None, include_initial: bool = False):
    """Running sum along ``axis`` (needed unless ``x`` is 1-D); ``include_initial`` puts a 0
    in front (the Array API's cumulative_sum)."""
    return _cumulative(x, axis, dtype, include_initial, _cumsum, 0, "cumulative_sum")


def cumulative_prod(x, /, *, axis: int | None = None, dtype=None, include_initial: bool = False):
    """Running product along ``axis`` (needed unless ``x`` is 1-D); ``include_initial`` puts
    a 1 in front (the Array API's cumulative_prod). Exact at zeros, as cumprod."""
    return _cumulative(x, axis, dtype, include_initial, cumprod, 1, "cumulative_prod")


def diff(a, n: int = 1, axis: int = -1, prepend=None, append=None):
    """The ``n``-th forward difference along ``axis``: ``a[1:] - a[:-1]``, ``n`` times;
    ``prepend``/``append`` are joined on first (scalars broadcast)."""
    from fnzero.numpy.shapes import concatenate

    if int(n) != n or n < 0:
        raise ValueError(f"fnzero.numpy.diff: n must be a non-negative int, got {n!r}")
    if _ndim(a) == 0:
        raise ValueError("fnzero.numpy.diff: needs at least 1 axis, got a 0-d array")
    axis = normalize_axis(axis, _ndim(a), "diff")[0]
    shape = tuple(1 if i == axis else d for i, d in enumerate(_shape(a)))
    parts = [broadcast_to(p, shape) if _ndim(p) == 0 else p for p in (prepend, a, append) if p is not None]
    if len(parts) > 1:
        a = concatenate(parts, axis)
    lead = (slice(None),) * axis
    for _ in range(int(n)):
        a = a[lead + (slice(1, None),)] - a[lead + (slice(None, -1),)]
    return a


def _without_nans(a, fill):
    from fnzero.numpy.arithmetic import where
    from fnzero.numpy.logic import isnan

    return where(isnan(a), fill, a) if _dtype(a).kind in "fc" else a


def nansum(a, axis: Axis = None, dtype=None, keepdims: bool = False):
    """Sum over ``axis`` with NaNs counted as zero."""
    keepdims = _kept(keepdims, "nansum")
    from fnzero.numpy.creation import astype

    a = a if dtype is None else astype(a, dtype)
    return sum(_without_nans(a, 0), axis, keepdims)


def nanprod(a, axis: Axis = None, dtype=None, keepdims: bool = False):
    """Product over ``axis`` with NaNs counted as one."""
    keepdims = _kept(keepdims, "nanprod")
    from fnzero.numpy.creation import astype

    a = a if dtype is None else astype(a, dtype)
    return prod(_without_nans(a, 1), axis, keepdims)


def _nan_count(a, axes, keepdims):
    from fnzero.numpy.creation import astype
    from fnzero.numpy.logic import isnan, logical_not

    if _dtype(a).kind not in "fc":
        return reduced_size(_shape(a), axes)
    return _sum(astype(logical_not(isnan(a)), _dtype(a)), axes, keepdims)


def nanmean(a, axis: Axis = None, dtype=None, keepdims: bool = False):
    """Mean over ``axis`` of the elements that are not NaN (NaN where all are)."""
    keepdims = _kept(keepdims, "nanmean")
    from fnzero.numpy.creation import astype

    a = a if dtype is None else astype(a, dtype)
    axes = normalize_axis(axis, _ndim(a), "nanmean")
    return _sum(_without_nans(a, 0), axes, keepdims) / _nan_count(a, axes, keepdims)


def nanvar(a, axis: Axis = None, dtype=None, ddof: int = 0, keepdims: bool = False):
    """Variance over ``axis`` of the elements that are not NaN."""
    keepdims = _kept(keepdims, "nanvar")
    from fnzero.numpy.arithmetic import maximum

    axes = normalize_axis(axis, _ndim(a), "nanvar")
    centered = _without_nans(a - nanmean(a, axes, dtype, True), 0)
    return _sum(square(centered), axes, keepdims) / maximum(_nan_count(a, axes, keepdims) - ddof, 0)


def nanstd(a, axis: Axis = None, dtype=None, ddof: int = 0, keepdims: bool = False):
    """Standard deviation over ``axis`` of the elements that are not NaN."""
    keepdims = _kept(keepdims, "nanstd")
    return sqrt(nanvar(a, axis, dtype, ddof, keepdims))


def _nan_extremum(a, axis, keepdims, reduce, fill, name: str):
    from fnzero.numpy.arithmetic import where

    axes = normalize_axis(axis, _ndim(a), name)
    if _dtype(a).kind not in "fc":
        return reduce(a, axes, keepdims)
    out = reduce(_without_nans(a, fill), axes, keepdims)
    return where(equal(_nan_count(a, axes, keepdims), 0), np.nan, out)


def nanmax(a, axis: Axis = None, keepdims: bool = False):
    """Maximum over ``axis`` ignoring NaNs (NaN where all are)."""
    keepdims = _kept(keepdims, "nanmax")
    return _nan_extremum(a, axis, keepdims, _max, -np.inf, "nanmax")


def nanmin(a, axis: Axis = None, keepdims: bool = False):
    """Minimum over ``axis`` ignoring NaNs (NaN where all are)."""
    keepdims = _kept(keepdims, "nanmin")
    return _nan_extremum(a, axis, keepdims, _min, np.inf, "nanmin")


def _nan_arg(a, axis, keepdims, arg, fill, name: str):
    from fnzero.numpy.arithmetic import where

    index = arg(_without_nans(a, fill), axis, bool(keepdims))
    if _dtype(a).kind not in "fc":
        return index
    axes = None if axis is None else normalize_axis(axis, _ndim(a), name)
    return where(equal(_nan_count(a, axes, bool(keepdims)), 0), -1, index)


def nanargmax(a, axis: int | None = None, keepdims: bool | None = None):
    """Index of the maximum ignoring NaNs (-1 where all are NaN, as jax.numpy)."""
    return _nan_arg(a, axis, keepdims, argmax, -np.inf, "nanargmax")


def nanargmin(a, axis: int | None = None, keepdims: bool | None = None):
    """Index of the minimum ignoring NaNs (-1 where all are NaN, as jax.numpy)."""
    return _nan_arg(a, axis, keepdims, argmin, np.inf, "nanargmin")


def nancumprod(a, axis: int | None = None, dtype=None):
    """Running product along ``axis`` (the flattened array when None) with NaNs counted as one."""
    from fnzero.numpy.creation import astype

    a = a if dtype is None else astype(a, dtype)
    return cumprod(_without_nans(a, 1), axis)


def nancumsum(a, axis: int | None = None, dtype=None):
    """Running sum along ``axis`` with NaNs counted as zero."""
    from fnzero.numpy.creation import astype

    a = a if dtype is None else astype(a, dtype)
    return cumsum(_without_nans(a, 0), axis)
