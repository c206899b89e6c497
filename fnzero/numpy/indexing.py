"""Indexing: ``x[idx]`` and the functional updates ``x.at[idx].set(v)`` / ``.add(v)``.

Reading is one primitive whose vjp scatters (adds) the cotangent into zeros; the two
scatter primitives are differentiable in both the array and the values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero.backends import array_module, backend_of, get
from fnzero.core.primitive import Primitive, VariadicVJP
from fnzero.core.tracer import TRACER_TYPES, concrete
from fnzero.numpy._axes import normalize_axis
from fnzero.numpy.batching import batch_size, example_ndim, rank_up, shape_of, to_front
from fnzero.numpy.shapes import _transpose, moveaxis

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
    return array_module(x.primal_value if type(x) in TRACER_TYPES else x).zeros(x.shape, x.dtype)


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


def _getitem_transpose_impl(g, shape, index):
    out = array_module(g).zeros(shape, g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        (backend_of(out) or get("numpy")).scatter_add(out, index, g)
    return out


def _onnx_getitem(b, eq, ops, out):
    """Basic indexing (integers, slices, an Ellipsis) as Slice, then Squeeze for the integers."""
    x, index, shape = ops[0], eq.params["index"], b.first_var(eq).shape
    if Ellipsis in index:
        k = index.index(Ellipsis)
        index = index[:k] + (slice(None),) * (len(shape) - len(index) + 1) + index[k + 1 :]
    starts, ends, steps, squeeze = [], [], [], []
    for axis, i in enumerate(index):
        if isinstance(i, (int, np.integer)):
            i = int(i) % shape[axis]
            starts.append(i), ends.append(i + 1), steps.append(1), squeeze.append(axis)
        elif isinstance(i, slice):
            start, stop, step = i.indices(shape[axis])
            starts.append(start), steps.append(step)
            ends.append(stop if stop >= 0 else -(2**63))  # a negative step running past 0
        else:
            raise NotImplementedError(
                f"fnzero.onnx.export: getitem with index {i!r}: only integers, slices and ... are supported"
            )
    axes = list(range(len(index)))
    const = lambda v: b.constant(v, np.int64)  # noqa: E731
    sliced = b.node(
        "Slice", [x, const(starts), const(ends), const(axes), const(steps)], None if squeeze else out
    )
    if squeeze:
        return b.node("Squeeze", [sliced, const(squeeze)], out)
    return sliced


# getitem's vjp: the cotangent written into zeros of the array's shape, in one pass (a
# scatter_add into zeros would copy them first).
getitem_transpose = Primitive("getitem_transpose", _getitem_transpose_impl)
getitem = Primitive("getitem", _getitem_impl, onnx=_onnx_getitem).defvjp(
    lambda g, ans, x, index: getitem_transpose(g, shape=x.shape, index=index)
)
getitem.defjvp(lambda t, ans, x, index: getitem(t, index=index))
getitem_transpose.defvjp(lambda g, ans, v, shape, index: getitem(g, index=index))
getitem_transpose.defjvp(lambda t, ans, v, shape, index: getitem_transpose(t, shape=shape, index=index))
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


# Indices that are traced integer arrays (one per example under vmap) are arguments of their
# own, not params: ``template`` is the index with TRACED where each of them goes.
TRACED = type("TracedIndex", (), {"__repr__": lambda self: "<traced index>"})()


def fill(template: tuple, arrays: tuple) -> tuple:
    """``template`` with its TRACED slots filled by ``arrays`` in order."""
    it = iter(arrays)
    return tuple(next(it) if i is TRACED else i for i in template)


def _gather_impl(x, *arrays, template):
    return x[fill(template, arrays)]


def _scatter_add_dynamic_impl(x, v, *arrays, template):
    out = array_module(x).array(x, copy=True)
    (backend_of(out) or get("numpy")).scatter_add(out, fill(template, arrays), v)
    return out


def _scatter_set_dynamic_impl(x, v, *arrays, template):
    out = array_module(x).array(x, copy=True)
    out[fill(template, arrays)] = v
    return out


def _first_only(rule):
    """Variadic vjp rules: ``rule`` for argument 0, nothing for the index arrays."""
    return VariadicVJP(
        lambda k, g, ans, *args, template: rule(g, ans, *args, template=template) if k == 0 else None
    )


gather = Primitive("gather", _gather_impl).defvjp(
    _first_only(
        lambda g, ans, x, *arrays, template: scatter_add_dynamic(
            _zeros_like(x), g, *arrays, template=template
        )
    )
)
gather.defjvp_joint(
    lambda ts, ans, x, *arrays, template: None if ts[0] is None else gather(ts[0], *arrays, template=template)
)


def _scatter_dynamic_vjp(k, g, ans, x, v, *arrays, template, keep_x):
    if k == 0:
        return g if keep_x else scatter_set_dynamic(g, 0, *arrays, template=template)
    return gather(g, *arrays, template=template) if k == 1 else None


def _scatter_dynamic_jvp(prim, keep_x):
    def jvp(ts, ans, x, v, *arrays, template):
        tx, tv = ts[0], ts[1]
        if tx is None:
            tx = _zeros_like(x)
        elif not keep_x:
            tx = scatter_set_dynamic(tx, 0, *arrays, template=template)
        return tx if tv is None else prim(tx, tv, *arrays, template=template)

    return jvp


scatter_add_dynamic = Primitive("scatter_add_dynamic", _scatter_add_dynamic_impl)
scatter_set_dynamic = Primitive("scatter_set_dynamic", _scatter_set_dynamic_impl)
scatter_add_dynamic.defvjp(VariadicVJP(lambda k, *a, **p: _scatter_dynamic_vjp(k, *a, **p, keep_x=True)))
scatter_set_dynamic.defvjp(VariadicVJP(lambda k, *a, **p: _scatter_dynamic_vjp(k, *a, **p, keep_x=False)))
scatter_add_dynamic.defjvp_joint(_scatter_dynamic_jvp(scatter_add_dynamic, True))
scatter_set_dynamic.defjvp_joint(_scatter_dynamic_jvp(scatter_set_dynamic, False))


# Batching: a slice for the batch axis goes in front of the index.


def _is_array(i: Any) -> bool:
    return hasattr(i, "shape") and not isinstance(i, np.generic)


def _consumed(index: tuple) -> int:
    """How many axes of the indexed array ``index`` uses up (a mask one per axis it covers)."""
    kept = [i for i in index if i is not None and i is not Ellipsis]
    return sum(i.ndim if _is_array(i) and i.dtype == bool else 1 for i in kept)


def _index_layout(index: tuple, ndim: int) -> tuple[int, int]:
    """For ``x[index]`` with ``x`` of rank ``ndim``: the result's rank, and where the batch axis
    lands in ``x[(slice(None),) + index]`` (NumPy puts the advanced-index axes first when
    advanced indices are separated by a slice)."""
    arrays = [i for i in index if _is_array(i)]
    advanced_ndim = max((1 if i.dtype == bool else i.ndim for i in arrays), default=0)
    consumed = _consumed(index)
    kept = sum(1 for i in index if i is None or isinstance(i, slice)) + (ndim - consumed)
    if not arrays:
        return kept, 0
    positions = [k for k, i in enumerate(index) if _is_array(i) or isinstance(i, (int, np.integer))]
    separated = positions[-1] - positions[0] + 1 != len(positions)
    return kept + advanced_ndim, advanced_ndim if separated else 0


def _getitem_batched(args, dims, index):
    x = to_front(args[0], dims[0])
    _, where = _index_layout(index, len(shape_of(x)) - 1)
    return getitem(x, index=(slice(None),) + tuple(index)), where


def _getitem_transpose_batched(args, dims, shape, index):
    v = to_front(args[0], dims[0])
    batched = shape_of(v)[:1] + tuple(shape)
    _, where = _index_layout(index, len(shape))
    if where:
        v = moveaxis(v, 0, where)
    return getitem_transpose(v, shape=batched, index=(slice(None),) + tuple(index)), 0


def _scatter_batched(prim: Any) -> Any:
    def rule(args, dims, index):
        (x, v), (dx, dv) = args, dims
        size = batch_size(args, dims)
        x = to_front(x, dx, size)
        rank, where = _index_layout(index, len(shape_of(x)) - 1)
        if dv is not None or where != 0:
            v = to_front(v, dv, size)
            v = rank_up(v, rank)
            if where:
                v = moveaxis(v, 0, where)
        return prim(x, v, index=(slice(None),) + tuple(index)), 0

    return rule


def _expand(template: tuple, ndim: int) -> list:
    """``template`` indexing every axis: Ellipsis expanded, trailing slices added, and boolean
    masks as the integer arrays of their nonzero positions (None stays: a new axis)."""
    missing = [slice(None)] * (ndim - _consumed(template))
    out: list = []
    for i in template:
        if i is Ellipsis:
            out.extend(missing)
            missing = []
        elif _is_array(i) and i.dtype == bool:
            out.extend(i.nonzero())
        else:
            out.append(i)
    return out + missing


def _dynamic_index(x, arrays, dims, size):
    """For an index with traced arrays: the batched array (batch on axis 0), the index template
    and traced arrays for it, and the permutation from NumPy's batched layout (batch, advanced
    axes, basic axes) to the per-example layout with the batch in front (None: the same)."""

    def rule_layout(template):
        expanded = _expand(template, len(shape_of(x)) - (dims[0] is not None))
        advanced = [k for k, i in enumerate(expanded) if i is not None and not isinstance(i, slice)]
        traced = iter(zip(arrays, dims[1:]))
        ranks = []
        for i in expanded:
            if i is TRACED:
                a, d = next(traced)
                ranks.append(example_ndim(a, d))
            elif _is_array(i):
                ranks.append(i.ndim)
        rank = max(ranks, default=0)
        new_arrays = [a if d is None else rank_up(to_front(a, d), rank) for a, d in zip(arrays, dims[1:])]
        xp = array_module(getattr(x, "primal_value", x))
        batch = xp.arange(size).reshape((size,) + (1,) * rank)
        contiguous = advanced[-1] - advanced[0] + 1 == len(advanced)
        before = advanced[0] if contiguous else 0
        basic = len(expanded) - len(advanced)
        perm = None
        if before:
            perm = (
                0,
                *range(1 + rank, 1 + rank + before),
                *range(1, 1 + rank),
                *range(1 + rank + before, 1 + rank + basic),
            )
        return (batch, *expanded), new_arrays, perm, rank + basic

    return to_front(x, dims[0], size), rule_layout


def _gather_batched(args, dims, template):
    size = batch_size(args, dims)
    x, layout = _dynamic_index(args[0], args[1:], dims, size)
    index, arrays, perm, _ = layout(template)
    out = gather(x, *arrays, template=index)
    return (out if perm is None else _transpose(out, perm)), 0


def _scatter_dynamic_batched(prim: Any) -> Any:
    def rule(args, dims, template):
        size = batch_size(args, dims)
        x, v = args[0], args[1]
        xb, layout = _dynamic_index(x, args[2:], (dims[0], *dims[2:]), size)
        index, arrays, perm, rank = layout(template)
        v = rank_up(to_front(v, dims[1], size), rank)
        if perm is not None:
            v = _transpose(v, tuple(int(i) for i in np.argsort(perm)))
        return prim(xb, v, *arrays, template=index), 0

    return rule


getitem.defbatch(_getitem_batched)
getitem_transpose.defbatch(_getitem_transpose_batched)
gather.defbatch(_gather_batched)
scatter_add_dynamic.defbatch(_scatter_dynamic_batched(scatter_add_dynamic))
scatter_set_dynamic.defbatch(_scatter_dynamic_batched(scatter_set_dynamic))
scatter_add.defbatch(_scatter_batched(scatter_add))
scatter_set.defbatch(_scatter_batched(scatter_set))


def _traced(index: tuple) -> tuple[tuple, tuple]:
    """The template and the traced arrays of a normalized index (no arrays: none traced)."""
    arrays = tuple(i for i in index if type(i) in TRACER_TYPES)
    return tuple(TRACED if type(i) in TRACER_TYPES else i for i in index), arrays


def normalize_index(x: Any, index: Any) -> tuple:
    """``index`` as a tuple with traced parts made concrete and arrays on ``x``'s backend."""
    if not isinstance(index, tuple):
        index = (index,)
    xp = array_module(x.primal_value if type(x) in TRACER_TYPES else x)
    out = []
    for i in index:
        if type(i) in TRACER_TYPES:
            if getattr(i, "dtype", None) is not None and i.dtype.kind in "iu":
                out.append(i)  # an integer index that may differ across a vmapped batch
                continue
            i = concrete(i)
        if isinstance(i, list) or (hasattr(i, "shape") and not isinstance(i, np.generic)):
            i = xp.asarray(i)
            if i.dtype.kind not in "biu":
                raise IndexError(f"fnzero: arrays used as indices must be integer or boolean, not {i.dtype}")
        out.append(i)
    return tuple(out)


def index(x: Any, idx: Any) -> Any:
    """``x[idx]``: slices, integers, integer arrays and boolean masks."""
    index = normalize_index(x, idx)
    for i in index:
        if type(i) in TRACER_TYPES:
            template, arrays = _traced(index)
            return gather(x, *arrays, template=template)
    return getitem(x, index=index)


_TAKE_MODES = (None, "fill", "clip", "wrap")


def take(
    a: Any,
    indices: Any,
    axis: int | None = None,
    out: None = None,
    mode: str | None = None,
    unique_indices: bool = False,
    indices_are_sorted: bool = False,
    fill_value: Any = None,
) -> Any:
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened array when None).

    Out-of-bounds indices, by ``mode``: None raises IndexError (JAX's default fills),
    ``"fill"`` gives ``fill_value`` there (NaN for floats by default; negative indices count
    from the end), ``"clip"`` the nearest element (negative indices give the first), ``"wrap"``
    takes indices modulo the axis' size. ``unique_indices`` and ``indices_are_sorted`` are JAX's
    hints to its compiler, accepted and not needed here; ``out`` must be None."""
    from fnzero.numpy.arithmetic import where
    from fnzero.numpy.shapes import bounded_indices, default_fill, reshape

    if out is not None:
        raise ValueError("fnzero.numpy.take: out must be None (fnzero's arrays are not written in place)")
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    axis = normalize_axis(axis, len(a.shape), "take")[0]
    if mode not in _TAKE_MODES:
        raise ValueError(f"fnzero.numpy.take: mode must be one of {_TAKE_MODES}; got {mode!r}")
    if mode is None:
        return index(a, (slice(None),) * axis + (indices,))
    n = a.shape[axis]
    if mode == "wrap":
        if n == 0:
            raise IndexError(f"fnzero.numpy.take: cannot take from axis {axis} of size 0")
        indices = indices % n if type(indices) in TRACER_TYPES else np.asarray(indices) % n
        return index(a, (slice(None),) * axis + (indices,))
    # As JAX's take: "clip" clips negative indices to 0, "fill" counts them from the end.
    indices, inside = bounded_indices(indices, n, axis, mode, mode != "clip", "take")
    if inside is not None and n == 0:
        raise IndexError(f"fnzero.numpy.take: cannot take from axis {axis} of size 0")
    got = index(a, (slice(None),) * axis + (indices,))
    if inside is None:
        return got
    ishape = tuple(getattr(inside, "shape", ()))
    inside = reshape(inside, (1,) * axis + ishape + (1,) * (len(a.shape) - axis - 1))
    fill = default_fill(got.dtype) if fill_value is None else fill_value
    return where(inside, got, np.asarray(fill, dtype=got.dtype))


class _IndexUpdateRef:
    __slots__ = ("array", "idx")

    def __init__(self, array: Any, idx: Any):
        self.array = array
        self.idx = idx

    def get(self) -> Any:
        return index(self.array, self.idx)

    def set(self, values: Any) -> Any:
        """A new array equal to the old one with ``values`` written at the index."""
        template, arrays = _traced(normalize_index(self.array, self.idx))
        if arrays:
            return scatter_set_dynamic(self.array, values, *arrays, template=template)
        return scatter_set(self.array, values, index=template)

    def add(self, values: Any) -> Any:
        """A new array with ``values`` added at the index (repeated indices accumulate)."""
        template, arrays = _traced(normalize_index(self.array, self.idx))
        if arrays:
            return scatter_add_dynamic(self.array, values, *arrays, template=template)
        return scatter_add(self.array, values, index=template)


class _IndexUpdateHelper:
    __slots__ = ("array",)

    def __init__(self, array: Any):
        self.array = array

    def __getitem__(self, idx: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, idx)


def at(x: Any) -> _IndexUpdateHelper:
    """Functional updates for any array: ``at(x)[idx].set(v)``, as ``x.at[idx]`` on traced values."""
    return _IndexUpdateHelper(x)
