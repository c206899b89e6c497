"""Editing arrays by position: insert, delete, put, fill, select and reshape by index.

Each function asks NumPy's own function where every entry of the result comes from, by
running it on arrays of entry numbers, and then gathers the entries with differentiable
fnzero operations: NumPy's exact semantics, with gradients, vmap and jit. Positions and
masks are read as plain values; the data may be traced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fnzero.core.tracer import concrete
from fnzero.numpy.arithmetic import where
from fnzero.numpy.creation import asarray, astype, shape
from fnzero.numpy.indexing import take
from fnzero.numpy.logic import equal
from fnzero.numpy.reductions import min as _min
from fnzero.numpy.shapes import broadcast_to, concatenate, moveaxis, ravel, reshape, stack, transpose


def _numbers(x: Any) -> np.ndarray:
    """The flat position of each entry of ``x``, in ``x``'s shape."""
    s = shape(x)
    return np.arange(int(np.prod(s, dtype=np.int64)), dtype=np.int64).reshape(s)


def _dtype(x: Any) -> Any:
    return getattr(x, "dtype", None) or asarray(x).dtype


def _gather(ids: np.ndarray, base: Any, other: Any | None = None) -> Any:
    """The array of ``ids``'s shape whose entry at each place is ``base``'s entry number
    ``ids`` (when >= 0) or ``other``'s entry number ``-1 - ids`` (when < 0), in ``base``'s
    dtype."""
    flat_ids = ids.reshape(-1)
    picked = take(ravel(base), np.maximum(flat_ids, 0))
    if other is not None and (flat_ids < 0).any():
        from_other = take(astype(ravel(other), _dtype(base)), np.maximum(-1 - flat_ids, 0))
        picked = where(flat_ids >= 0, picked, from_other)
    return reshape(picked, ids.shape)


def _layout(base: Any, other: Any, arrange) -> Any:
    """Run ``arrange(base's entry numbers, other's as negative numbers)`` and gather."""
    return _gather(np.asarray(arrange(_numbers(base), -1 - _numbers(other))), base, other)


def _positions(x: Any) -> Any:
    """Positions (a slice, an int or an int array) as plain values."""
    return x if isinstance(x, slice) else np.asarray(concrete(x))


def _no_inplace(inplace: bool, where_: str) -> None:
    if inplace:
        raise ValueError(
            f"fnzero.numpy.{where_}: arrays are immutable, so inplace=True cannot be honoured; pass "
            f"inplace=False to get the edited array back (or use x.at[...].set(...))"
        )


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` appended to the end of ``arr`` (both flattened when ``axis`` is None)."""
    values = asarray(values)
    return _layout(arr, values, lambda a, v: np.append(a, v, axis=axis))


def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` inserted before the positions ``obj`` along ``axis``."""
    obj = _positions(obj)
    values = asarray(values)
    return _layout(arr, values, lambda a, v: np.insert(a, obj, v, axis=axis))


def delete(arr: Any, obj: Any, axis: int | None = None, *, assume_unique_indices: bool = False) -> Any:
    """``arr`` without the entries at positions ``obj`` along ``axis``."""
    del assume_unique_indices  # positions are read as plain values, so duplicates are harmless
    obj = _positions(obj)
    ids = np.delete(_numbers(arr), obj, axis=axis)
    return _gather(ids, arr)


def resize(a: Any, new_shape: int | Sequence[int]) -> Any:
    """``a``'s entries, repeated in order as needed, in the shape ``new_shape``."""
    return _gather(np.resize(_numbers(a), new_shape), a)


def trim_zeros(filt: Any, trim: str = "fb", axis: int | Sequence[int] | None = None) -> Any:
    """The 1-D ``filt`` without its leading (``'f'``) and trailing (``'b'``) zeros."""
    values = np.asarray(concrete(filt))
    if values.ndim != 1 or axis is not None:
        raise ValueError(f"fnzero.numpy.trim_zeros: filt must be 1-D, got shape {values.shape}")
    nonzero = np.flatnonzero(values)
    if nonzero.size == 0:
        return filt[:0]
    first = int(nonzero[0]) if "f" in trim.lower() else 0
    last = int(nonzero[-1]) + 1 if "b" in trim.lower() else values.shape[0]
    return filt[first:last]


def unstack(x: Any, /, *, axis: int = 0) -> tuple[Any, ...]:
    """The slices of ``x`` along ``axis``, as a tuple."""
    moved = moveaxis(x, axis, 0)
    return tuple(moved[i] for i in range(shape(moved)[0]))


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """``a`` with ``axis`` moved to sit before position ``start`` (NumPy's older spelling of
    ``moveaxis``)."""
    ndim = len(shape(a))
    if not -ndim <= axis < ndim:
        raise ValueError(f"fnzero.numpy.rollaxis: axis {axis} is out of bounds for an array of {ndim} dims")
    if not -ndim <= start <= ndim:
        raise ValueError(f"fnzero.numpy.rollaxis: start {start} must be in [{-ndim}, {ndim}]")
    axis, start = axis % ndim, start + ndim if start < 0 else start
    if axis < start:
        start -= 1
    axes = [k for k in range(ndim) if k != axis]
    axes.insert(start, axis)
    return transpose(a, axes)


def diagflat(v: Any, k: int = 0) -> Any:
    """A 2-D array with the flattened ``v`` on its ``k``-th diagonal and zeros elsewhere."""
    v = asarray(v)
    places = np.diagflat(_numbers(v).reshape(-1) + 1, k)
    return where(places > 0, _gather(np.maximum(places - 1, 0), v), 0)


def fill_diagonal(a: Any, val: Any, wrap: bool = False, *, inplace: bool = True) -> Any:
    """``a`` with its main diagonal set to ``val`` (repeated as needed)."""
    _no_inplace(inplace, "fill_diagonal")
    val = asarray(val)

    def arrange(ids, v_ids):
        out = ids.copy()
        np.fill_diagonal(out, v_ids.reshape(-1), wrap=wrap)
        return out

    return _layout(a, val, arrange)


def put(a: Any, ind: Any, v: Any, mode: str | None = None, *, inplace: bool = True) -> Any:
    """``a`` flattened-indexed: the entries at ``ind`` replaced by ``v`` (repeated as needed)."""
    _no_inplace(inplace, "put")
    ind = np.asarray(concrete(ind))
    v = asarray(v)

    def arrange(ids, v_ids):
        out = ids.copy()
        np.put(out, ind, v_ids.reshape(-1), mode=mode or "raise")
        return out

    return _layout(a, v, arrange)


def put_along_axis(
    arr: Any, indices: Any, values: Any, axis: int | None, inplace: bool = True, *, mode: str | None = None
) -> Any:
    """``arr`` with ``values`` written at ``indices`` along ``axis`` (the inverse of
    ``take_along_axis``)."""
    _no_inplace(inplace, "put_along_axis")
    indices = np.asarray(concrete(indices))
    values = broadcast_to(asarray(values), indices.shape)

    def arrange(ids, v_ids):
        out = ids.copy()
        np.put_along_axis(out, indices, v_ids, axis)
        return out

    return _layout(arr, values, arrange)


def place(arr: Any, mask: Any, vals: Any, *, inplace: bool = True) -> Any:
    """``arr`` with the places where ``mask`` is true filled by ``vals`` in order (repeated as
    needed)."""
    _no_inplace(inplace, "place")
    mask = np.asarray(concrete(mask), bool)
    vals = asarray(vals)

    def arrange(ids, v_ids):
        out = ids.copy()
        np.place(out, mask, v_ids.reshape(-1))
        return out

    return _layout(arr, vals, arrange)


def compress(
    condition: Any,
    a: Any,
    axis: int | None = None,
    *,
    size: int | None = None,
    fill_value: Any = 0,
    out: None = None,
) -> Any:
    """The slices of ``a`` along ``axis`` where ``condition`` is true (``a`` flattened when
    ``axis`` is None); ``size`` pads or cuts the result to a fixed length with ``fill_value``."""
    if out is not None:
        raise ValueError("fnzero.numpy.compress: out= is not supported; arrays are immutable")
    condition = np.asarray(concrete(condition)).reshape(-1)
    ids = np.compress(condition, _numbers(a), axis=axis)
    return _fixed_size(_gather(ids, a), size, fill_value, axis)


def extract(condition: Any, arr: Any, *, size: int | None = None, fill_value: Any = 0) -> Any:
    """The entries of ``arr`` where ``condition`` is true, flattened."""
    condition = np.asarray(concrete(condition), bool)
    ids = np.extract(np.broadcast_to(condition, shape(arr)), _numbers(arr))
    return _fixed_size(_gather(ids, arr), size, fill_value, 0)


def _fixed_size(x: Any, size: int | None, fill_value: Any, axis: int | None) -> Any:
    """``x`` cut or padded with ``fill_value`` to ``size`` along ``axis`` (JAX's way of giving
    value-dependent results a static shape)."""
    if size is None:
        return x
    axis = 0 if axis is None else axis
    n = shape(x)[axis]
    if n >= size:
        return take(x, np.arange(size), axis=axis)
    pad_shape = list(shape(x))
    pad_shape[axis] = size - n
    filler = broadcast_to(astype(asarray(fill_value), _dtype(x)), tuple(pad_shape))
    return concatenate([x, filler], axis=axis)


def choose(a: Any, choices: Any, out: None = None, mode: str = "raise") -> Any:
    """At each place, the entry of ``choices[a]`` there (all broadcast together)."""
    if out is not None:
        raise ValueError("fnzero.numpy.choose: out= is not supported; arrays are immutable")
    index = np.asarray(concrete(a))
    choices = [asarray(c) for c in choices]
    full = np.broadcast_shapes(index.shape, *(shape(c) for c in choices))
    stacked = stack([broadcast_to(c, full) for c in choices])
    count = int(np.prod(full, dtype=np.int64))
    numbers = [k * count + np.arange(count).reshape(full) for k in range(len(choices))]
    return _gather(np.choose(np.broadcast_to(index, full), numbers, mode=mode), stacked)


def flatnonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> np.ndarray:
    """The flat positions of ``a``'s nonzero entries (integers: no derivative)."""
    found = np.flatnonzero(np.asarray(concrete(a)))
    if size is None:
        return found
    filler = 0 if fill_value is None else fill_value
    return np.concatenate([found[:size], np.full(max(size - found.size, 0), filler, found.dtype)])


def lexsort(keys: Any, axis: int = -1) -> np.ndarray:
    """The order that sorts by the last key, ties broken by the one before, and so on."""
    return np.lexsort(tuple(np.asarray(concrete(k)) for k in keys), axis=axis)


def array_equiv(a1: Any, a2: Any) -> Any:
    """Whether ``a1`` and ``a2`` broadcast to one shape and are equal there."""
    try:
        full = np.broadcast_shapes(shape(a1), shape(a2))
    except ValueError:
        return np.bool_(False)
    return _min(equal(a1, a2)) if 0 not in full else np.bool_(True)
