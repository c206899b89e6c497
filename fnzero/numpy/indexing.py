"""Indexing: ``x[idx]`` and the functional updates ``x.at[idx].set(v)`` / ``.add(v)``.

Reading is one primitive whose vjp scatters (adds) the cotangent into zeros; the two
scatter primitives are differentiable in both the array and the values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero.backends import array_module, backend_of, get
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import TRACER_TYPES, concrete, shape_source
from fnzero.numpy._axes import normalize_axis

_BASIC = (int, np.integer, slice, type(None), type(Ellipsis))


def _is_basic(index: tuple) -> bool:
    """True when ``index`` selects each position at most once (slices, ints, masks)."""
    for i in index:
        if isinstance(i, _BASIC):
            continue
        if getattr(i, "dtype", None) is not None and i.dtype == bool:
            continue
        return False
    return True


def _zeros_like(x):
    x = shape_source(x)
    return array_module(x).zeros(x.shape, x.dtype)


def _getitem_impl(x, index):
    return x[index]


def _scatter_add_impl(x, v, index):
    out = array_module(x).array(x, copy=True)
    if _is_basic(index):
        out[index] += v
    else:
        (backend_of(out) or get("numpy")).scatter_add(out, index, v)
    return out


def _scatter_set_impl(x, v, index):
    out = array_module(x).array(x, copy=True)
    out[index] = v
    return out


getitem = Primitive("getitem", _getitem_impl).defvjp(
    lambda g, ans, x, index: scatter_add(_zeros_like(x), g, index=index)
)
getitem.defjvp(lambda t, ans, x, index: getitem(t, index=index))
scatter_add = Primitive("scatter_add", _scatter_add_impl).defvjp(
    lambda g, ans, x, v, index: g,
    lambda g, ans, x, v, index: getitem(g, index=index),
)
scatter_add.defjvp(
    lambda t, ans, x, v, index: t,
    lambda t, ans, x, v, index: scatter_add(_zeros_like(x), t, index=index),
)
scatter_set = Primitive("scatter_set", _scatter_set_impl).defvjp(
    lambda g, ans, x, v, index: scatter_set(g, 0, index=index),
    lambda g, ans, x, v, index: getitem(g, index=index),
)
scatter_set.defjvp(
    lambda t, ans, x, v, index: scatter_set(t, 0, index=index),
    lambda t, ans, x, v, index: scatter_set(_zeros_like(x), t, index=index),
)


def normalize_index(x: Any, index: Any) -> tuple:
    """``index`` as a tuple with traced parts made concrete and arrays on ``x``'s backend."""
    if not isinstance(index, tuple):
        index = (index,)
    xp = array_module(shape_source(x))
    out = []
    for i in index:
        if type(i) in TRACER_TYPES:
            i = concrete(i)
        if isinstance(i, list) or (hasattr(i, "shape") and not isinstance(i, np.generic)):
            i = xp.asarray(i)
            if i.dtype.kind not in "biu":
                raise IndexError(f"fnzero: arrays used as indices must be integer or boolean, not {i.dtype}")
        out.append(i)
    return tuple(out)


def index(x: Any, idx: Any) -> Any:
    """``x[idx]``: slices, integers, integer arrays and boolean masks."""
    return getitem(x, index=normalize_index(x, idx))


def take(x: Any, indices: Any, axis: int | None = None) -> Any:
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened array when None)."""
    from fnzero.numpy.shape import reshape

    if axis is None:
        return index(reshape(x, (-1,)), indices)
    axis = normalize_axis(axis, len(x.shape), "take")[0]
    return index(x, (slice(None),) * axis + (indices,))


class _IndexUpdateRef:
    __slots__ = ("array", "idx")

    def __init__(self, array: Any, idx: Any):
        self.array = array
        self.idx = idx

    def get(self) -> Any:
        return index(self.array, self.idx)

    def set(self, values: Any) -> Any:
        """A new array equal to the old one with ``values`` written at the index."""
        return scatter_set(self.array, values, index=normalize_index(self.array, self.idx))

    def add(self, values: Any) -> Any:
        """A new array with ``values`` added at the index (repeated indices accumulate)."""
        return scatter_add(self.array, values, index=normalize_index(self.array, self.idx))


class _IndexUpdateHelper:
    __slots__ = ("array",)

    def __init__(self, array: Any):
        self.array = array

    def __getitem__(self, idx: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, idx)


def at(x: Any) -> _IndexUpdateHelper:
    """Functional updates for any array: ``at(x)[idx].set(v)``, as ``x.at[idx]`` on traced values."""
    return _IndexUpdateHelper(x)
