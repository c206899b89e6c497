"""Sorting and order statistics: argsort, searchsorted and sort_complex (primitives, not differentiable),
sort (a gather through argsort's permutation, so differentiable), median, quantile and
percentile (linear interpolation between two gathered order statistics), and the counting
operations unique, nonzero, argwhere, bincount, histogram and digitize.

unique, nonzero, argwhere and bincount without ``length`` give results whose shape depends
on their input's values: they read those values in Python, so under jit (which knows only
shapes) and vmap (one shape for the whole batch) they raise an error naming the function.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from fnzero._checks import flag
from fnzero.backends import array_module, xp_of
from fnzero.core.graph import GraphTrace
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import TRACER_TYPES, ConcretizationTypeError, refuse_derivative
from fnzero.numpy._axes import normalize_axis
from fnzero.numpy.arithmetic import clip, maximum, where
from fnzero.numpy.batching import last_axis_rule, shape_of, to_front
from fnzero.numpy.creation import asarray, astype, zeros
from fnzero.numpy.dtypes import _complex_result
from fnzero.numpy.elementwise import ceil, floor
from fnzero.numpy.indexing import at, take
from fnzero.numpy.logic import equal, isnan, less, less_equal, logical_and, logical_not, logical_or
from fnzero.numpy.reductions import any as _any_of
from fnzero.numpy.reductions import max as _max_of
from fnzero.numpy.reductions import min as _min_of
from fnzero.numpy.reductions import sum as _sum_of
from fnzero.numpy.shapes import (
    concatenate,
    expand_dims,
    flip,
    moveaxis,
    ravel,
    reshape,
    stack,
    take_along_axis,
    transpose,
)


def _shape(x) -> tuple[int, ...]:
    return tuple(getattr(x, "shape", np.shape(x)))


def _ndim(x) -> int:
    return len(_shape(x))


def _dtype(x) -> np.dtype:
    """``x``'s dtype, read without converting a tracer to an array."""
    return np.dtype(x.dtype) if hasattr(x, "dtype") else np.asarray(x).dtype


def _is_float(x) -> bool:
    return _dtype(x).kind in "fc"


def _argsort_impl(a, axis):
    return array_module(a).argsort(a, axis=axis, kind="stable")


_argsort = Primitive("argsort", _argsort_impl)
_argsort.defbatch(lambda args, dims: (_argsort(to_front(args[0], dims[0]), args[1] + 1), 0))


def argsort(a, axis: int | None = -1, *, stable: bool = True, descending: bool = False):
    """The indices that sort ``a`` along ``axis`` (the flattened array when None); stable:
    equal elements keep their order, also when ``descending``. NaNs sort last (first when
    descending). Not differentiable."""
    stable, descending = (
        flag(v, n, "fnzero.numpy.argsort", integers=True)
        for v, n in ((stable, "stable"), (descending, "descending"))
    )
    if axis is None:
        a, axis = ravel(a), 0
    if _ndim(a) == 0:
        raise ValueError("fnzero.numpy.argsort: a 0-d array has no axis to sort along (use axis=None)")
    axis = normalize_axis(axis, _ndim(a), "argsort")[0]
    if not descending:
        return _argsort(a, axis)
    n = _shape(a)[axis]
    # The last of equal elements comes first in a stable sort of the reversed array.
    return (n - 1) - flip(_argsort(flip(a, axis), axis), axis)


def sort(a, axis: int | None = -1, *, stable: bool = True, descending: bool = False):
    """``a`` sorted along ``axis`` (the flattened array when None). Differentiable: the
    cotangent goes back through the sorting permutation (ties: as a stable ascending sort
    orders them; descending is that order reversed, as in JAX)."""
    stable, descending = (
        flag(v, n, "fnzero.numpy.sort", integers=True)
        for v, n in ((stable, "stable"), (descending, "descending"))
    )
    if axis is None:
        a, axis = ravel(a), 0
    out = take_along_axis(a, argsort(a, axis, stable=stable), axis)
    return flip(out, axis) if descending else out


def _searchsorted_impl(a, v, side):
    return xp_of(a, v).searchsorted(a, v, side=side)


def _searchsorted_by_counting(a, v, side: str):
    """searchsorted with ``a`` batched (axis 0): how many elements of each row of ``a`` sort
    before each ``v`` (NaNs last, as NumPy orders them)."""
    v_last = expand_dims(v, -1)
    a_rows = reshape(a, (shape_of(a)[0],) + (1,) * (len(shape_of(v)) - 1) + (shape_of(a)[1],))
    if side == "left":
        before = logical_or(less(a_rows, v_last), logical_and(logical_not(isnan(a_rows)), isnan(v_last)))
    else:
        before = logical_or(less_equal(a_rows, v_last), isnan(v_last))
    return _sum_of(astype(before, np.int64), -1)


def _searchsorted_batched(args, dims, side):
    (a, v), (da, dv) = args, dims
    if da is None:
        return _searchsorted(a, v, side=side), dv
    size = shape_of(a)[da]
    return _searchsorted_by_counting(to_front(a, da), to_front(v, dv, size), side), 0


_searchsorted = Primitive("searchsorted", _searchsorted_impl).defbatch(_searchsorted_batched)

_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")


def searchsorted(a, v, side: str = "left", sorter=None, *, method: str = "scan"):
    """Where each ``v`` would be inserted in the sorted 1-D ``a`` to keep it sorted: the
    first such place (``side='left'``) or the last (``'right'``). Not differentiable; the
    result has ``v``'s shape, so it works under jit and vmap."""
    if side not in ("left", "right"):
        raise ValueError(f"fnzero.numpy.searchsorted: side must be 'left' or 'right', got {side!r}")
    if method not in _SEARCH_METHODS:
        raise ValueError(
            f"fnzero.numpy.searchsorted: method must be one of {_SEARCH_METHODS}, got {method!r}"
        )
    if _ndim(a) != 1:
        raise ValueError(f"fnzero.numpy.searchsorted: a must be 1-D, got shape {_shape(a)}")
    if sorter is not None:
        a = take(a, sorter)
    return _searchsorted(a, v, side=side)


def digitize(x, bins, right: bool = False, *, method: str | None = None):
    """The index of the bin of each ``x``: ``bins[i-1] <= x < bins[i]`` for increasing bins
    (``<``/``<=`` swapped with ``right``), the mirror image for decreasing ones. Not differentiable."""
    if _ndim(bins) != 1:
        raise ValueError(f"fnzero.numpy.digitize: bins must be 1-D, got shape {_shape(bins)}")
    n = _shape(bins)[0]
    if n == 0:
        return zeros(_shape(x), np.int64)
    side = "left" if right else "right"
    kw = {} if method is None else {"method": method}
    up = searchsorted(bins, x, side, **kw)
    down = n - searchsorted(flip(bins, 0), x, side, **kw)
    return where(bins[-1] >= bins[0], up, down)


def _reduced_last(a, axis, name: str):
    """``a`` with the axes in ``axis`` moved last and merged into one; the kept shape."""
    axes = normalize_axis(axis, _ndim(a), name)
    if axes is None:
        axes = tuple(range(_ndim(a)))
    kept = [i for i in range(_ndim(a)) if i not in axes]
    moved = transpose(a, kept + list(axes)) if kept + list(axes) != list(range(_ndim(a))) else a
    return reshape(moved, tuple(_shape(a)[i] for i in kept) + (-1,)), axes


_METHODS = ("linear", "lower", "higher", "midpoint")


def _quantile(a, q, axis, method: str, keepdims: bool, ignore_nans: bool, name: str):
    keepdims = flag(keepdims, "keepdims", f"fnzero.numpy.{name}", integers=True)
    if method not in _METHODS:
        raise ValueError(f"fnzero.numpy.{name}: method must be one of {_METHODS}, got {method!r}")
    if not _is_float(a):
        a = astype(a, np.float64)
    q_shape = _shape(q)
    if type(q) not in TRACER_TYPES:
        q = np.asarray(q, dtype=a.dtype)
        if ((q < 0) | (q > 1)).any():
            raise ValueError(f"fnzero.numpy.{name}: q must lie in [0, 1] (in [0, 100] for percentiles)")
    rows, axes = _reduced_last(a, axis, name)
    s = sort(rows, -1)
    kept = _shape(rows)[:-1]
    n = _shape(rows)[-1]
    # Counts in a's dtype: the positions and weights stay float32 for float32 data.
    if ignore_nans:
        counts = _sum_of(astype(logical_not(isnan(rows)), a.dtype), -1, keepdims=True)
    else:
        counts = np.full(kept + (1,), n, a.dtype)
    last = reshape(counts - 1, kept + (1,) * (len(q_shape) or 1))
    position = reshape(q, (1,) * len(kept) + (q_shape or (1,))) * last
    low, high = floor(position), ceil(position)
    high_weight = position - low
    top = astype(maximum(last, 0), np.int64)
    low_i = reshape(clip(astype(low, np.int64), 0, top), kept + (-1,))
    high_i = reshape(clip(astype(high, np.int64), 0, top), kept + (-1,))
    low_v, high_v = take_along_axis(s, low_i, -1), take_along_axis(s, high_i, -1)
    if method == "linear":
        hw = reshape(high_weight, kept + (-1,))
        out = low_v * (1 - hw) + high_v * hw
    elif method == "lower":
        out = low_v
    elif method == "higher":
        out = high_v
    else:
        out = (low_v + high_v) * 0.5
    if not ignore_nans:
        out = where(_any_of(isnan(rows), -1, keepdims=True), np.nan, out)
    out = reshape(out, kept + q_shape)
    if q_shape:
        out = moveaxis(out, tuple(range(len(kept), len(kept) + len(q_shape))), tuple(range(len(q_shape))))
    if keepdims:
        out = reshape(out, q_shape + tuple(1 if i in axes else d for i, d in enumerate(_shape(a))))
    return out


def quantile(a, q, axis: int | Sequence[int] | None = None, method: str = "linear", keepdims: bool = False):
    """The ``q``-th quantiles (``q`` in [0, 1], a scalar or an array) over ``axis``; the result
    has shape ``q.shape + reduced shape``. ``method='linear'`` interpolates between the two
    order statistics around ``q * (n - 1)``; differentiable in ``a`` and ``q``. NaN in NaN out."""
    return _quantile(a, q, axis, method, keepdims, False, "quantile")


def percentile(a, q, axis: int | Sequence[int] | None = None, method: str = "linear", keepdims: bool = False):
    """The ``q``-th percentiles (``q`` in [0, 100]) over ``axis``: ``quantile(a, q / 100)``."""
    return _quantile(a, _percent(q), axis, method, keepdims, False, "percentile")


def median(a, axis: int | Sequence[int] | None = None, keepdims: bool = False):
    """The median over ``axis``: the middle order statistic, the mean of the two middle ones
    for an even count; differentiable (tied middles: as a stable sort orders them)."""
    return _quantile(a, 0.5, axis, "linear", keepdims, False, "median")


def nanquantile(
    a, q, axis: int | Sequence[int] | None = None, method: str = "linear", keepdims: bool = False
):
    """``quantile`` of the elements that are not NaN (NaN where all are)."""
    return _quantile(a, q, axis, method, keepdims, True, "nanquantile")


def nanpercentile(
    a, q, axis: int | Sequence[int] | None = None, method: str = "linear", keepdims: bool = False
):
    """``percentile`` of the elements that are not NaN (NaN where all are)."""
    return _quantile(a, _percent(q), axis, method, keepdims, True, "nanpercentile")


def nanmedian(a, axis: int | Sequence[int] | None = None, keepdims: bool = False):
    """``median`` of the elements that are not NaN (NaN where all are)."""
    return _quantile(a, 0.5, axis, "linear", keepdims, True, "nanmedian")


def _percent(q):
    return q / 100 if type(q) in TRACER_TYPES else np.asarray(q, dtype=np.float64) / 100


def _values(x, name: str, fix: str):
    """``x``'s values, read in Python to find the shape of ``name``'s result; refused under
    jit and vmap, which cannot give one shape for every value."""
    v = x
    while type(v) in TRACER_TYPES:
        if isinstance(v._trace, GraphTrace):
            raise ConcretizationTypeError(
                f"fnzero.numpy.{name}: the shape of its result depends on the values of its input, "
                f"which jit does not know when it traces (it sees a traced array of shape {_shape(x)}); "
                f"{fix}call {name} outside the jitted function"
            )
        try:
            v = v._concrete()
        except TypeError:
            raise ConcretizationTypeError(
                f"fnzero.numpy.{name}: the shape of its result depends on the values of its input, "
                f"which differ across a vmap batch (one shape would not fit every example); {fix}"
                f"call {name} on each example outside vmap"
            ) from None
    return np.asarray(array_module(v).asnumpy(v) if hasattr(array_module(v), "asnumpy") else v)


def _sized(indices: np.ndarray, size: int | None, fill) -> np.ndarray:
    """``indices`` cut or padded with ``fill`` to ``size`` entries (as they are when None)."""
    if size is None:
        return indices
    out = np.full(int(size), 0 if fill is None else fill, dtype=indices.dtype)
    k = builtins.min(int(size), indices.shape[0])
    out[:k] = indices[:k]
    return out


def _like(x, host: np.ndarray):
    """A host array of integers on ``x``'s backend."""
    v = x.primal_value if type(x) in TRACER_TYPES else x
    return array_module(v).asarray(host) if hasattr(v, "shape") else host


def nonzero(a, *, size: int | None = None, fill_value=None) -> tuple:
    """The indices of the nonzero elements, one integer array per axis; ``size`` cuts or
    pads them (with ``fill_value``, 0 by default) to that length. Not differentiable; not
    traceable under jit or vmap (the length depends on the values)."""
    values = _values(a, "nonzero", "")
    if values.ndim == 0:
        raise ValueError("fnzero.numpy.nonzero: a 0-d array has no axes (use atleast_1d first)")
    fills = fill_value if isinstance(fill_value, (tuple, list)) else (fill_value,) * values.ndim
    return tuple(_like(a, _sized(i, size, f)) for i, f in zip(np.nonzero(values), fills))


def argwhere(a, *, size: int | None = None, fill_value=None):
    """The indices of the nonzero elements as rows of an ``(count, ndim)`` array; ``size``
    cuts or pads the rows. Not differentiable; not traceable under jit or vmap."""
    values = _values(a, "argwhere", "")
    rows = np.argwhere(values)
    if size is not None:
        out = np.full((int(size), values.ndim), 0 if fill_value is None else fill_value, rows.dtype)
        k = builtins.min(int(size), rows.shape[0])
        out[:k] = rows[:k]
        rows = out
    return _like(a, rows)


def unique(
    ar,
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: int | None = None,
    *,
    equal_nan: bool = True,
    size: int | None = None,
    fill_value=None,
    sorted: bool = True,  # noqa: A002
):
    """The sorted distinct elements (or slices along ``axis``), optionally with the index of
    each one's first occurrence, the inverse map and the counts. The values are gathered from
    ``ar``, so a derivative reaches each first occurrence. Not traceable under jit or vmap.
    ``sorted=False`` is accepted, as JAX's (which documents it as unused): the values come
    sorted either way."""
    for arg, value in (
        ("return_index", return_index),
        ("return_inverse", return_inverse),
        ("return_counts", return_counts),
        ("equal_nan", equal_nan),
        ("sorted", sorted),
    ):
        flag(value, arg, "fnzero.numpy.unique", integers=True)
    values = _values(ar, "unique", "")
    shape = values.shape
    flat = axis is None
    if flat:
        ar = ravel(ar)
        values = values.reshape(-1)
        axis = 0
    axis = normalize_axis(axis, values.ndim, "unique")[0]
    _, first, inverse, counts = np.unique(
        values, return_index=True, return_inverse=True, return_counts=True, axis=axis, equal_nan=equal_nan
    )
    n = first.shape[0]
    index = _sized(first, size, None if n == 0 else first[0])
    out = take(ar, _like(ar, index), axis)
    if size is not None and fill_value is not None and n < int(size):
        keep = (np.arange(int(size)) < n).reshape((1,) * axis + (-1,) + (1,) * (values.ndim - 1 - axis))
        out = where(keep, out, fill_value)
    extras = []
    if return_index:
        extras.append(_like(ar, index))
    if return_inverse:
        extras.append(_like(ar, inverse.reshape(shape) if flat else inverse.reshape(-1)))
    if return_counts:
        extras.append(_like(ar, _sized(counts, size, 0)))
    return (out, *extras) if extras else out


class UniqueAllResult(NamedTuple):
    """unique_all's result: the distinct values, each one's first index, the inverse map
    (``x``'s shape) and the counts."""

    values: Any
    indices: Any
    inverse_indices: Any
    counts: Any


class UniqueCountsResult(NamedTuple):
    """unique_counts's result: the distinct values and how often each occurs."""

    values: Any
    counts: Any


class UniqueInverseResult(NamedTuple):
    """unique_inverse's result: the distinct values and the inverse map (``x``'s shape)."""

    values: Any
    inverse_indices: Any


def unique_all(x, /, *, size: int | None = None, fill_value=None) -> UniqueAllResult:
    """The Array API's unique_all: ``unique`` of the flattened ``x`` with every extra result,
    as a named tuple. Not traceable under jit or vmap."""
    return UniqueAllResult(*unique(x, True, True, True, size=size, fill_value=fill_value))


def unique_counts(x, /, *, size: int | None = None, fill_value=None) -> UniqueCountsResult:
    """The Array API's unique_counts: the distinct values and their counts."""
    return UniqueCountsResult(*unique(x, return_counts=True, size=size, fill_value=fill_value))


def unique_inverse(x, /, *, size: int | None = None, fill_value=None) -> UniqueInverseResult:
    """The Array API's unique_inverse: the distinct values and where each element of ``x`` is among them."""
    return UniqueInverseResult(*unique(x, return_inverse=True, size=size, fill_value=fill_value))


def unique_values(x, /, *, size: int | None = None, fill_value=None):
    """The Array API's unique_values: the sorted distinct values of ``x``."""
    return unique(x, size=size, fill_value=fill_value)


def _kth(a, kth, axis: int, name: str) -> tuple:
    """``a`` with ``axis`` moved last, and ``kth`` checked against that axis's length."""
    if _ndim(a) == 0:
        raise ValueError(f"fnzero.numpy.{name}: a 0-d array has no axis to partition along")
    axis = normalize_axis(axis, _ndim(a), name)[0]
    n = _shape(a)[axis]
    if not isinstance(kth, (int, np.integer)) or not -n <= kth < n:
        raise ValueError(f"fnzero.numpy.{name}: kth must be an int in [-{n}, {n}), got {kth!r}")
    return moveaxis(a, axis, -1), int(kth) % n, axis


def partition(a, kth: int, axis: int = -1):
    """``a`` rearranged along ``axis`` so that position ``kth`` holds the element a sort would
    put there: the ``kth + 1`` smallest come first in ascending order, the others after them
    in descending order (JAX's layout). Differentiable; tied elements pass their cotangent as
    JAX's top-k does (the earliest first, on both sides)."""
    last, k, axis = _kth(a, kth, axis, "partition")
    low = take_along_axis(last, argsort(last, -1)[..., : k + 1], -1)
    high = take_along_axis(last, argsort(last, -1, descending=True)[..., : _shape(last)[-1] - k - 1], -1)
    return moveaxis(concatenate([low, high], -1), -1, axis)


def argpartition(a, kth: int, axis: int = -1):
    """The indices that partition ``a`` along ``axis``: those of the ``kth + 1`` smallest
    elements in ascending order of value, then the others in ascending order of index (JAX's
    layout). Not differentiable."""
    last, k, axis = _kth(a, kth, axis, "argpartition")
    order = argsort(last, -1)
    rank = argsort(order, -1)  # each element's place in the stable sort
    rest = argsort(astype(less(k, rank), np.int8), -1)[..., k + 1 :]
    return moveaxis(concatenate([order[..., : k + 1], rest], -1), -1, axis)


def bincount(x, weights=None, minlength: int = 0, *, length: int | None = None):
    """How many times each non-negative integer occurs in the 1-D ``x`` (the sum of their
    ``weights`` when given: differentiable in the weights). With ``length`` the result has that
    length (larger values are dropped, negative ones count as 0) and it works under jit and
    vmap; without it the length is ``max(x) + 1``, read from the values."""
    if _ndim(x) != 1:
        raise ValueError(f"fnzero.numpy.bincount: x must be 1-D, got shape {_shape(x)}")
    if _dtype(x).kind not in "iub":
        raise TypeError(f"fnzero.numpy.bincount: x must hold integers, got {getattr(x, 'dtype', type(x))}")
    if length is None:
        values = _values(x, "bincount", "pass length= to fix the result's length, or ")
        if (values < 0).any():
            raise ValueError("fnzero.numpy.bincount: x must not hold negative values")
        length = builtins.max(int(minlength), int(values.max()) + 1 if values.size else 0)
    length = int(length)
    if weights is None:
        weights = np.ones(_shape(x), np.int64)
    elif _shape(weights) != _shape(x):
        raise ValueError(
            f"fnzero.numpy.bincount: weights of shape {_shape(weights)} must have x's shape {_shape(x)}"
        )
    inside = less(x, length)
    index = clip(where(inside, x, 0), 0, builtins.max(length - 1, 0))
    dtype = _dtype(weights)
    return at(zeros((length,), dtype))[index].add(where(inside, weights, 0))


def histogram_bin_edges(a, bins=10, range: Sequence | None = None, weights=None):  # noqa: A002
    """The bin edges ``histogram`` uses: ``bins + 1`` equal steps over ``range`` (by default
    from the minimum to the maximum of ``a``), or the given edges. ``weights`` does not change
    them (NumPy's signature)."""
    a = ravel(a)
    if not _is_float(a):
        a = astype(a, np.float64)
    return _bin_edges(a, bins, range, "histogram_bin_edges")


def _bin_edges(a, bins, range, name: str):  # noqa: A002
    if isinstance(bins, (int, np.integer)):
        if bins < 1:
            raise ValueError(f"fnzero.numpy.{name}: bins must be a positive int, got {bins}")
        lo, hi = (_min_of(a), _max_of(a)) if range is None else range
        same = equal(lo, hi)
        lo, hi = where(same, lo - 0.5, lo), where(same, hi + 0.5, hi)
        steps = np.arange(int(bins), dtype=a.dtype) / a.dtype.type(bins)
        return concatenate([lo + (hi - lo) * steps, reshape(hi, (1,))])
    if _ndim(bins) != 1 or _shape(bins)[0] < 2:
        raise ValueError(
            f"fnzero.numpy.{name}: bin edges must be 1-D with 2 or more, got shape {_shape(bins)}"
        )
    return bins


def histogram(a, bins=10, range: Sequence | None = None, weights=None, density: bool | None = None):  # noqa: A002
    """Counts of ``a``'s elements in ``bins`` (a count of equal bins over ``range``, by default
    from the minimum to the maximum, or the bin edges), and the edges. The last bin includes
    its right edge. Counts are floats (weighted sums with ``weights``; densities with
    ``density``); differentiable in the weights, the edges in ``a`` through its range."""
    a = ravel(a)
    if not _is_float(a):
        a = astype(a, np.float64)
    edges = _bin_edges(a, bins, range, "histogram")
    n_bins = _shape(edges)[0] - 1
    index = searchsorted(edges, a, "right") - 1
    index = where(a == edges[-1], n_bins - 1, index)
    inside = logical_and(less_equal(edges[0], a), less_equal(a, edges[-1]))
    w = np.ones(_shape(a)) if weights is None else ravel(weights)
    w = where(inside, w, 0)
    counts = bincount(clip(index, 0, n_bins - 1), w, length=n_bins)
    if density:
        counts = counts / (_sum_of(counts) * (edges[1:] - edges[:-1]))
    return counts, edges


def _per_dimension(value, d: int, name: str, what: str) -> list:
    """``bins`` or ``range`` for each of ``d`` dimensions: one given for all, or one each."""
    if value is None or isinstance(value, (int, np.integer)):
        return [value] * d
    if what == "bins" and _ndim(value) == 1 and not isinstance(value[0], (list, tuple, np.ndarray)):
        if len(value) == d and all(isinstance(v, (int, np.integer)) for v in value):
            return list(value)
        return [value] * d  # one array of edges for every dimension
    if len(value) != d:
        raise ValueError(
            f"fnzero.numpy.{name}: {what} must be given once or once per dimension ({d}), got {len(value)}"
        )
    return list(value)


def histogramdd(sample, bins=10, range: Sequence | None = None, weights=None, density: bool | None = None):  # noqa: A002
    """Counts of the points of ``sample`` (N, D) in a grid of bins, and each dimension's edges
    (per dimension as ``histogram`` takes them); differentiable in the weights."""
    sample = sample if _is_float(sample) else astype(sample, np.float64)
    if _ndim(sample) != 2:
        raise ValueError(f"fnzero.numpy.histogramdd: sample must be (N, D), got shape {_shape(sample)}")
    n, d = _shape(sample)
    bins_d = _per_dimension(bins, d, "histogramdd", "bins")
    range_d = [None] * d if range is None else _per_dimension(range, d, "histogramdd", "range")
    edges, flat, inside, sizes = [], 0, None, []
    for k in builtins.range(d):
        column = sample[:, k]
        e = _bin_edges(column, bins_d[k], range_d[k], "histogramdd")
        m = _shape(e)[0] - 1
        index = where(column == e[-1], m - 1, searchsorted(e, column, "right") - 1)
        within = logical_and(less_equal(e[0], column), less_equal(column, e[-1]))
        inside = within if inside is None else logical_and(inside, within)
        flat = flat * m + clip(index, 0, m - 1)
        edges.append(e)
        sizes.append(m)
    w = np.ones(n) if weights is None else ravel(weights)
    counts = bincount(flat, where(inside, w, 0), length=int(np.prod(sizes)))
    counts = reshape(counts, tuple(sizes))
    if density:
        volume = 1.0
        for k, e in enumerate(edges):
            widths = e[1:] - e[:-1]
            volume = volume * reshape(widths, (1,) * k + (sizes[k],) + (1,) * (d - k - 1))
        counts = counts / (_sum_of(counts) * volume)
    return counts, edges


def histogram2d(x, y, bins=10, range: Sequence | None = None, weights=None, density: bool | None = None):  # noqa: A002
    """Counts of the points ``(x[i], y[i])`` in a grid of bins, and the x and y edges."""
    counts, (x_edges, y_edges) = histogramdd(
        stack([ravel(x), ravel(y)], axis=1), bins, range, weights, density
    )
    return counts, x_edges, y_edges


def _sort_complex_impl(a):
    return array_module(a).sort(a.astype(_complex_result(a.dtype)), axis=-1)


_sort_complex = Primitive("sort_complex", _sort_complex_impl)
_sort_complex.defbatch(last_axis_rule(_sort_complex))


def sort_complex(a):
    """``a`` as a complex array sorted along its last axis, by real part, then imaginary part
    (NaNs last, as NumPy). Works under jit and vmap; not differentiable (fnzero differentiates
    real arrays): under grad or jvp write ``sort_complex(fnzero.stop_gradient(a))``."""
    refuse_derivative(a, "fnzero.numpy.sort_complex()")
    a = asarray(a)
    if _ndim(a) == 0:
        raise ValueError("fnzero.numpy.sort_complex: a must have at least one axis; got a scalar")
    if _dtype(a).kind not in "biufc":
        raise TypeError(f"fnzero.numpy.sort_complex: a must hold numbers; got dtype {_dtype(a)}")
    return _sort_complex(a)
