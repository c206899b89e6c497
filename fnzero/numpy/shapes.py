"""Shape operations: reshape, transpose, broadcast_to / sum_to (each other's vjp),
concatenate, pad, flip as primitives; the rest composed from them."""

from __future__ import annotations

import builtins
import functools
import itertools
import math
import operator
from collections.abc import Sequence

import numpy as np

from fnzero.backends import array_module, xp_of
from fnzero.core.primitive import Primitive, VariadicVJP
from fnzero.core.tracer import TRACER_TYPES as _TRACERS
from fnzero.numpy._axes import integer, normalize_axis
from fnzero.numpy.arithmetic import where
from fnzero.numpy.batching import batch_size, example_ndim, shape_of, shift_axes, to_front
from fnzero.numpy.creation import zeros_like


def _shape(x) -> tuple[int, ...]:
    return getattr(x, "shape", ())


_reshape = Primitive("reshape", lambda x, shape: array_module(x).reshape(x, shape)).defvjp(
    lambda g, ans, x, shape: _reshape(g, _shape(x))
)
_reshape.defjvp(lambda t, ans, x, shape: _reshape(t, shape))


def _onnx_reshape(b, eq, ops, out):
    return b.node("Reshape", [ops[0], b.constant(eq.output.shape, np.int64)], out)


def _reshape_batched(args, dims):
    x, new = args
    x = to_front(x, dims[0])
    return _reshape(x, shape_of(x)[:1] + tuple(new)), 0


_reshape.onnx = _onnx_reshape
_reshape.defbatch(_reshape_batched)


def _int_dims(shape, name: str) -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints) as a tuple of ints; a TypeError for a float or
    any other entry, which ``int()`` would truncate into another shape."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        return tuple(operator.index(d) for d in dims)
    except TypeError:
        raise TypeError(
            f"fnzero.numpy.{name}: shape must be an int or a sequence of ints, got {shape!r}"
        ) from None


def reshape(x, shape: int | Sequence[int]):
    """``x`` with a new shape of the same size (one entry may be -1)."""
    shape = _int_dims(shape, "reshape")
    old = _shape(x)
    if shape == old:
        return x
    size = math.prod(old)
    known = math.prod(d for d in shape if d != -1)
    if (
        shape.count(-1) > 1
        or (-1 not in shape and known != size)
        or (-1 in shape and (known == 0 or size % known))
    ):
        raise ValueError(f"fnzero.numpy.reshape: cannot reshape an array of shape {old} into {shape}")
    if -1 in shape:
        shape = tuple(size // known if d == -1 else d for d in shape)
    return _reshape(x, shape)


_transpose = Primitive("transpose", lambda x, axes: array_module(x).transpose(x, axes)).defvjp(
    lambda g, ans, x, axes: _transpose(g, tuple(int(i) for i in np.argsort(axes)))
)
_transpose.defjvp(lambda t, ans, x, axes: _transpose(t, axes))


def _onnx_transpose(b, eq, ops, out):
    axes = ops[1] if ops[1] is not None else tuple(reversed(range(len(b.first_var(eq).shape))))
    return b.node("Transpose", [ops[0]], out, perm=list(axes))


def _transpose_batched(args, dims):
    x, axes = args
    x = to_front(x, dims[0])
    return _transpose(x, (0,) + tuple(a + 1 for a in axes)), 0


_transpose.onnx = _onnx_transpose
_transpose.defbatch(_transpose_batched)


def transpose(x, axes: Sequence[int] | None = None):
    """Permute the axes (reverse them when ``axes`` is None)."""
    ndim = len(_shape(x))
    if axes is None:
        axes = tuple(range(ndim))[::-1]
    else:
        axes = tuple(normalize_axis(a, ndim, "transpose")[0] for a in axes)
        if sorted(axes) != list(range(ndim)):
            raise ValueError(f"fnzero.numpy.transpose: axes {axes} are not a permutation of {ndim} axes")
    return _permute(x, axes)


def _permute(x, perm: tuple[int, ...]):
    return x if perm == tuple(range(len(perm))) else _transpose(x, perm)


def swapaxes(x, axis1: int, axis2: int):
    """``x`` with axes ``axis1`` and ``axis2`` exchanged."""
    ndim = len(_shape(x))
    axes = list(range(ndim))
    a, b = normalize_axis(axis1, ndim, "swapaxes")[0], normalize_axis(axis2, ndim, "swapaxes")[0]
    axes[a], axes[b] = axes[b], axes[a]
    return _permute(x, tuple(axes))


def moveaxis(x, source: int | Sequence[int], destination: int | Sequence[int]):
    """``x`` with the axes ``source`` moved to ``destination``, the others in order."""
    ndim = len(_shape(x))
    src = [
        normalize_axis(s, ndim, "moveaxis")[0]
        for s in (source if isinstance(source, (tuple, list)) else (source,))
    ]
    dst = [
        normalize_axis(d, ndim, "moveaxis")[0]
        for d in (destination if isinstance(destination, (tuple, list)) else (destination,))
    ]
    if len(src) != len(dst):
        raise ValueError("fnzero.numpy.moveaxis: source and destination need the same length")
    for arg, axes, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(axes)) != len(axes):
            raise ValueError(f"fnzero.numpy.moveaxis: {arg} {given!r} names an axis twice")
    order = [a for a in range(ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def _sum_to_impl(x, shape: tuple[int, ...]):
    """The kernel of ``sum_to`` (checked by ``sum_to``): a bias's leading axes in one reduction."""
    xs = x.shape
    if xs == shape:
        return x
    lead = len(xs) - len(shape)
    if shape and xs[lead:] == shape:  # only leading axes (a bias): one reduction, no reshape
        axes = tuple(range(lead))
        return np.add.reduce(x, axis=axes) if type(x) is np.ndarray else x.sum(axis=axes)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape) if d == 1 and xs[lead + i] != 1)
    return x.sum(axis=axes, keepdims=True).reshape(shape)


# Below this many elements a filled array is cheaper to make than NumPy's broadcast view
# (np.broadcast_to is Python-level, ~3 us); above it the view saves a pass over memory.
_FILL_BELOW = 4096


def _broadcast_to_impl(x, shape):
    if type(x) is np.ndarray and math.prod(shape) < _FILL_BELOW:
        out = np.empty(shape, x.dtype)
        out[...] = x
        return out
    return array_module(x).broadcast_to(x, shape)


broadcast_to_p = Primitive("broadcast_to", _broadcast_to_impl)
sum_to_p = Primitive("sum_to", _sum_to_impl)
broadcast_to_p.defvjp(lambda g, ans, x, shape: sum_to_p(g, _shape(x)))
sum_to_p.defvjp(lambda g, ans, x, shape: broadcast_to_p(g, _shape(x)))
broadcast_to_p.defjvp(lambda t, ans, x, shape: broadcast_to_p(t, shape))
sum_to_p.defjvp(lambda t, ans, x, shape: sum_to_p(t, shape))


def _onnx_broadcast_to(b, eq, ops, out):
    return b.node("Expand", [ops[0], b.constant(eq.output.shape, np.int64)], out)


def _broadcast_to_batched(args, dims):
    x, new = args
    x = to_front(x, dims[0])
    s = shape_of(x)
    x = _reshape(x, s[:1] + (1,) * (len(new) - len(s) + 1) + s[1:])
    return broadcast_to_p(x, s[:1] + tuple(new)), 0


def _sum_to_batched(args, dims):
    """The batch axis goes just before the axes ``shape`` keeps, so that sum_to aligns it."""
    x, new = args
    lead = example_ndim(x, dims[0]) - len(new)
    x = moveaxis(x, dims[0], lead)
    return sum_to_p(x, (shape_of(x)[lead],) + tuple(new)), 0


broadcast_to_p.onnx = _onnx_broadcast_to
broadcast_to_p.defbatch(_broadcast_to_batched)
sum_to_p.defbatch(_sum_to_batched)


def broadcast_to(x, shape: Sequence[int]):
    """``x`` broadcast to ``shape`` (NumPy's rules); the vjp sums back with ``sum_to``."""
    shape = _int_dims(shape, "broadcast_to")
    if _shape(x) == shape:
        return x
    return broadcast_to_p(x, shape)


def sum_to(x, shape: Sequence[int]):
    """Sum ``x`` down to ``shape``, undoing a broadcast from ``shape`` to ``x.shape``."""
    if type(shape) is not tuple:
        shape = tuple(int(d) for d in shape)
    xs = _shape(x)
    if xs == shape:
        return x
    lead = len(xs) - len(shape)
    if lead < 0 or (xs[lead:] != shape and any(d not in (1, e) for d, e in zip(shape, xs[lead:]))):
        raise ValueError(f"fnzero.numpy.sum_to: shape {xs} does not broadcast from {shape}")
    return sum_to_p(x, shape)


def expand_dims(x, axis: int | Sequence[int]):
    """``x`` with new axes of size 1 at the positions ``axis``."""
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    ndim = len(_shape(x)) + len(axes)
    axes = normalize_axis(axes, ndim, "expand_dims")
    shape = iter(_shape(x))
    return reshape(x, tuple(1 if i in axes else next(shape) for i in range(ndim)))


def squeeze(x, axis: int | Sequence[int] | None = None):
    """``x`` without its axes of size 1 (only those in ``axis`` when given)."""
    shape = _shape(x)
    if axis is None:
        axes = tuple(i for i, d in enumerate(shape) if d == 1)
    else:
        axes = normalize_axis(axis, len(shape), "squeeze")
        bad = [a for a in axes if shape[a] != 1]
        if bad:
            raise ValueError(f"fnzero.numpy.squeeze: axis {bad[0]} of shape {shape} is not 1")
    return reshape(x, tuple(d for i, d in enumerate(shape) if i not in axes))


def ravel(x):
    """``x`` as a 1-D array, in C order."""
    return reshape(x, (-1,))


def _concatenate_impl(*xs, axis):
    return xp_of(*xs).concatenate(xs, axis=axis)


def _concatenate_vjp(k, g, ans, *xs, axis):
    start = builtins.sum(_shape(x)[axis] for x in xs[:k])
    index = (slice(None),) * axis + (slice(start, start + _shape(xs[k])[axis]),)
    return g[index]


def _concatenate_jvp(tangents, ans, *xs, axis):
    return _concatenate(*(zeros_like(x) if t is None else t for t, x in zip(tangents, xs)), axis=axis)


_concatenate = Primitive("concatenate", _concatenate_impl).defvjp(VariadicVJP(_concatenate_vjp))
_concatenate.defjvp_joint(_concatenate_jvp)


def _onnx_concatenate(b, eq, ops, out):
    axis = eq.params["axis"] % len(eq.output.shape)
    return b.node("Concat", [b.tensor(o, eq.output) for o in ops], out, axis=axis)


def _concatenate_batched(args, dims, axis):
    size = batch_size(args, dims)
    return _concatenate(*(to_front(a, d, size) for a, d in zip(args, dims)), axis=axis + 1), 0


_concatenate.onnx = _onnx_concatenate
_concatenate.defbatch(_concatenate_batched)


def concatenate(arrays: Sequence, axis: int = 0):
    """Join arrays along an existing axis."""
    arrays = tuple(arrays)
    if not arrays:
        raise ValueError("fnzero.numpy.concatenate: need at least one array")
    ndim = len(_shape(arrays[0]))
    if ndim == 0:
        raise ValueError("fnzero.numpy.concatenate: zero-dimensional arrays cannot be concatenated")
    shapes = [_shape(a) for a in arrays]
    if builtins.any(len(s) != ndim for s in shapes):
        raise ValueError(f"fnzero.numpy.concatenate: arrays have different ranks: {shapes}")
    return _concatenate(*arrays, axis=normalize_axis(axis, ndim, "concatenate")[0])


def stack(arrays: Sequence, axis: int = 0):
    """Join arrays of one shape along a new axis."""
    arrays = tuple(arrays)
    if not arrays:
        raise ValueError("fnzero.numpy.stack: need at least one array")
    shapes = {_shape(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"fnzero.numpy.stack: arrays must have one shape, got {sorted(shapes)}")
    ndim = len(_shape(arrays[0])) + 1
    axis = normalize_axis(axis, ndim, "stack")[0]
    return _concatenate(*(expand_dims(a, axis) for a in arrays), axis=axis)


def split(x, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    """Split into pieces along ``axis``: ``n`` equal pieces, or at the given indices."""
    shape = _shape(x)
    axis = normalize_axis(axis, len(shape), "split")[0]
    n = shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(
                f"fnzero.numpy.split: axis {axis} of length {n} does not split into {sections} equal parts"
            )
        cuts = list(range(0, n, n // sections))[1:]
    else:
        cuts = [int(i) for i in indices_or_sections]
    bounds = [0, *cuts, n]
    lead = (slice(None),) * axis
    return [x[lead + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:])]


def _pad_impl(x, constant_values, pad_width):
    return array_module(x).pad(x, pad_width, mode="constant", constant_values=constant_values)


def _unpad(g, pad_width, shape):
    return g[tuple(slice(lo, lo + d) for (lo, _), d in zip(pad_width, shape))]


def _pad_vjp_constant(g, ans, x, constant_values, pad_width):
    # The constant fills every entry outside x: its cotangent is the sum of theirs.
    outside = _pad_impl(array_module(x).zeros(_shape(x), g.dtype), 1, pad_width)
    return sum_to_p(g * outside, ())


_pad = Primitive("pad", _pad_impl).defvjp(
    lambda g, ans, x, constant_values, pad_width: _unpad(g, pad_width, _shape(x)),
    _pad_vjp_constant,
)
_pad.defjvp(
    lambda t, ans, x, c, pad_width: _pad(t, 0.0, pad_width=pad_width),
    lambda t, ans, x, c, pad_width: _pad(zeros_like(x), t, pad_width=pad_width),
)


def _pad_batched(args, dims, pad_width):
    x, c = args
    dx, dc = dims
    size = batch_size(args, dims)
    x = to_front(x, dx, size)
    widths = ((0, 0),) + tuple(pad_width)
    if dc is None:
        return _pad(x, c, pad_width=widths), 0
    # A constant per example: pad with 0, then add each example's constant outside x.
    s = shape_of(x)
    xp = array_module(getattr(x, "primal_value", x))
    outside = _pad_impl(xp.zeros((1,) + s[1:], dtype=bool), True, widths)
    c = _reshape(to_front(c, dc), s[:1] + (1,) * (len(s) - 1))
    return _pad(x, 0, pad_width=widths) + where(outside, c, 0), 0


_pad.defbatch(_pad_batched)


def pad(x, pad_width, mode: str = "constant", constant_values: float = 0):
    """Pad with a constant (NumPy's ``pad_width`` forms: int, pair, or a pair per axis);
    differentiable in ``x`` and in a scalar ``constant_values``."""
    if mode != "constant":
        raise NotImplementedError(f"fnzero.numpy.pad: only mode='constant' is supported, not {mode!r}")
    ndim = len(_shape(x))
    given = np.asarray(pad_width)
    if given.dtype.kind not in "iu":
        raise TypeError(f"fnzero.numpy.pad: pad_width must be ints, got {pad_width!r:.60}")
    widths = np.broadcast_to(given.astype(np.int64), (ndim, 2))
    if (widths < 0).any():
        raise ValueError(f"fnzero.numpy.pad: negative pad width in {pad_width}")
    if ndim == 0:
        return x
    return _pad(x, constant_values, pad_width=tuple((int(a), int(b)) for a, b in widths))


_flip = Primitive("flip", lambda x, axis: array_module(x).flip(x, axis)).defvjp(
    lambda g, ans, x, axis: _flip(g, axis)
)
_flip.defjvp(lambda t, ans, x, axis: _flip(t, axis))


def _flip_batched(args, dims):
    x, axis = args
    x = to_front(x, dims[0])
    return _flip(x, shift_axes(axis, len(shape_of(x)) - 1)), 0


_flip.defbatch(_flip_batched)


def flip(x, axis: int | Sequence[int] | None = None):
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    axes = normalize_axis(axis, len(_shape(x)), "flip")
    return _flip(x, axes)


def tile(x, reps: int | Sequence[int]):
    """Repeat the whole array ``reps`` times along each axis (NumPy's semantics)."""
    reps = tuple(
        integer(r, "reps", "fnzero.numpy.tile")
        for r in (reps if isinstance(reps, (tuple, list, np.ndarray)) else (reps,))
    )
    shape = _shape(x)
    ndim = builtins.max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    interleaved = functools.reduce(lambda acc, pair: acc + pair, zip(reps, shape), ())
    spread = functools.reduce(lambda acc, d: acc + (1, d), shape, ())
    tiled = broadcast_to(reshape(x, spread), interleaved)
    return reshape(tiled, tuple(r * d for r, d in zip(reps, shape)))


def repeat(x, repeats, axis: int | None = None):
    """Repeat each element ``repeats`` times along ``axis`` (the flattened array when None)."""
    if axis is None:
        x, axis = ravel(x), 0
    shape = _shape(x)
    axis = normalize_axis(axis, len(shape), "repeat")[0]
    if isinstance(repeats, (int, np.integer)):
        widened = broadcast_to(
            expand_dims(x, axis + 1), shape[: axis + 1] + (int(repeats),) + shape[axis + 1 :]
        )
        return reshape(widened, shape[:axis] + (shape[axis] * int(repeats),) + shape[axis + 1 :])
    index = np.repeat(np.arange(shape[axis]), np.asarray(repeats))
    return x[(slice(None),) * axis + (index,)]


def _at_least(arys: tuple, ndim: int, place) -> object:
    out = [x if len(_shape(x)) >= ndim else reshape(x, place(_shape(x))) for x in arys]
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    """Each array with at least one axis (a scalar becomes shape (1,)); one array or a list."""
    return _at_least(arys, 1, lambda s: (1,))


def atleast_2d(*arys):
    """Each array with at least two axes, new axes in front (NumPy's rule)."""
    return _at_least(arys, 2, lambda s: (1,) * (2 - len(s)) + s)


def atleast_3d(*arys):
    """Each array with at least three axes: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _at_least(arys, 3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])


def _sequence(tup, name: str) -> list:
    arrays = list(tup)
    if not arrays:
        raise ValueError(f"fnzero.numpy.{name}: need at least one array")
    return arrays


def vstack(tup: Sequence, dtype=None):
    """Join along the first axis, 1-D arrays taken as rows."""
    out = concatenate([atleast_2d(a) for a in _sequence(tup, "vstack")], axis=0)
    return out if dtype is None else out.astype(dtype)


def hstack(tup: Sequence, dtype=None):
    """Join along the second axis (the first for 1-D arrays)."""
    arrays = [atleast_1d(a) for a in _sequence(tup, "hstack")]
    out = concatenate(arrays, axis=0 if len(_shape(arrays[0])) == 1 else 1)
    return out if dtype is None else out.astype(dtype)


def dstack(tup: Sequence, dtype=None):
    """Join along the third axis, arrays first made at least 3-D."""
    out = concatenate([atleast_3d(a) for a in _sequence(tup, "dstack")], axis=2)
    return out if dtype is None else out.astype(dtype)


def column_stack(tup: Sequence):
    """Join 1-D arrays as columns of a 2-D array (2-D arrays are joined as they are)."""
    arrays = [reshape(a, (-1, 1)) if len(_shape(a)) < 2 else a for a in _sequence(tup, "column_stack")]
    return concatenate(arrays, axis=1)


def _block_depth(arrays, name: str = "block") -> int:
    if isinstance(arrays, tuple):
        raise TypeError(f"fnzero.numpy.{name}: arrays must be nested lists, not tuples, got {arrays!r}")
    if not isinstance(arrays, list):
        return 0
    if not arrays:
        raise ValueError(f"fnzero.numpy.{name}: an empty list cannot be a block")
    depths = {_block_depth(a) for a in arrays}
    if len(depths) != 1:
        raise ValueError(f"fnzero.numpy.{name}: lists are nested to different depths: {sorted(depths)}")
    return depths.pop() + 1


def block(arrays):
    """Assemble an array from nested lists of blocks: the innermost lists join along the
    last axis, the next along the one before, and so on (NumPy's ``block``)."""
    depth = _block_depth(arrays)

    def assemble(item, level: int, ndim: int):
        if level == depth:
            s = _shape(item)
            return reshape(item, (1,) * (ndim - len(s)) + s)
        parts = [assemble(a, level + 1, ndim) for a in item]
        return concatenate(parts, axis=-(depth - level))

    def leaf_ndim(item) -> int:
        return builtins.max(leaf_ndim(a) for a in item) if isinstance(item, list) else len(_shape(item))

    return assemble(arrays, 0, builtins.max(depth, leaf_ndim(arrays)))


def roll(a, shift: int | Sequence[int], axis: int | Sequence[int] | None = None):
    """Shift elements along ``axis`` cyclically (over the flattened array when None)."""
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), _shape(a))
    shifts = tuple(shift) if isinstance(shift, (tuple, list, np.ndarray)) else (shift,)
    shifts = tuple(integer(s, "shift", "fnzero.numpy.roll") for s in shifts)
    axes = tuple(axis) if isinstance(axis, (tuple, list, np.ndarray)) else (axis,)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1 and len(shifts) > 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"fnzero.numpy.roll: shift {shift!r} and axis {axis!r} have different lengths")
    ndim = len(_shape(a))
    total = {}
    for s, ax in zip(shifts, axes):
        ax = normalize_axis(ax, ndim, "roll")[0]
        total[ax] = total.get(ax, 0) + int(s)
    for ax, s in total.items():
        n = _shape(a)[ax]
        s = s % n if n else 0
        if s:
            lead = (slice(None),) * ax
            a = concatenate([a[lead + (slice(n - s, None),)], a[lead + (slice(0, n - s),)]], axis=ax)
    return a


def rot90(m, k: int = 1, axes: tuple[int, int] = (0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first toward the second)."""
    ndim = len(_shape(m))
    if len(axes) != 2:
        raise ValueError(f"fnzero.numpy.rot90: axes must be two axes, got {axes!r}")
    a, b = (normalize_axis(int(x), ndim, "rot90")[0] for x in axes)
    if a == b:
        raise ValueError(f"fnzero.numpy.rot90: axes must differ, got {axes!r}")
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(m, (a, b))
    if k == 1:
        return swapaxes(flip(m, b), a, b)
    return flip(swapaxes(m, a, b), b)


def fliplr(m):
    """Reverse the order of columns (axis 1)."""
    if len(_shape(m)) < 2:
        raise ValueError(f"fnzero.numpy.fliplr: needs at least 2 axes, got shape {_shape(m)}")
    return flip(m, 1)


def flipud(m):
    """Reverse the order of rows (axis 0)."""
    if len(_shape(m)) < 1:
        raise ValueError("fnzero.numpy.flipud: needs at least 1 axis, got a 0-d array")
    return flip(m, 0)


def array_split(ary, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    """Split into pieces along ``axis``; ``n`` sections need not divide the length (the first
    ``length % n`` pieces get one more element)."""
    if not isinstance(indices_or_sections, (int, np.integer)):
        return split(ary, indices_or_sections, axis)
    shape = _shape(ary)
    axis = normalize_axis(axis, len(shape), "array_split")[0]
    n, sections = shape[axis], int(indices_or_sections)
    if sections <= 0:
        raise ValueError(f"fnzero.numpy.array_split: indices_or_sections must be positive, got {sections}")
    size, extra = divmod(n, sections)
    sizes = [size + 1] * extra + [size] * (sections - extra)
    return split(ary, list(itertools.accumulate(sizes))[:-1], axis)


def hsplit(ary, indices_or_sections: int | Sequence[int]) -> list:
    """Split along the second axis (the first for 1-D arrays)."""
    if len(_shape(ary)) == 0:
        raise ValueError("fnzero.numpy.hsplit: needs at least 1 axis, got a 0-d array")
    return split(ary, indices_or_sections, 1 if len(_shape(ary)) > 1 else 0)


def vsplit(ary, indices_or_sections: int | Sequence[int]) -> list:
    """Split along the first axis of an array of at least 2 axes."""
    if len(_shape(ary)) < 2:
        raise ValueError(f"fnzero.numpy.vsplit: needs at least 2 axes, got shape {_shape(ary)}")
    return split(ary, indices_or_sections, 0)


def dsplit(ary, indices_or_sections: int | Sequence[int]) -> list:
    """Split along the third axis of an array of at least 3 axes."""
    if len(_shape(ary)) < 3:
        raise ValueError(f"fnzero.numpy.dsplit: needs at least 3 axes, got shape {_shape(ary)}")
    return split(ary, indices_or_sections, 2)


_GATHER_MODES = (None, "fill", "drop", "clip", "promise_in_bounds")


def default_fill(dtype: np.dtype):
    """JAX's fill for out-of-bounds gathers: NaN for floats, the most negative signed integer, the
    largest unsigned one, True for booleans."""
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind == "b":
        return True
    return np.iinfo(dtype).min if dtype.kind == "i" else np.iinfo(dtype).max


def bounded_indices(indices, n: int, axis: int, mode: str | None, wrap: bool | None, name: str):
    """Gather indices along an axis of size ``n`` made safe by JAX's out-of-bounds ``mode``:
    ``(indices, inside)``, with negative indices counted from the end unless ``wrap`` is False;
    ``"clip"`` clips them, ``"fill"``/``"drop"`` point them at 0 and return where they were in
    bounds (``inside``; None for the other modes); None or ``"promise_in_bounds"`` raise
    IndexError on concrete indices out of bounds."""
    if mode not in _GATHER_MODES:
        raise ValueError(f"fnzero.numpy.{name}: mode must be one of {_GATHER_MODES}; got {mode!r}")
    traced = type(indices) in _TRACERS
    if not traced:
        indices = np.asarray(indices)
    pick = np.where if not traced else where
    if wrap is not False:
        indices = pick(indices < 0, indices + n, indices)
    inside = None
    if mode == "clip":
        indices = pick(indices < 0, 0, pick(indices > n - 1, builtins.max(n - 1, 0), indices))
    elif mode in ("fill", "drop"):
        inside = (indices >= 0) & (indices < n)
        indices = pick(inside, indices, 0)
    elif not traced and indices.size and (indices.min() < 0 or indices.max() >= n):
        bad = indices[(indices < 0) | (indices >= n)].flat[0]
        raise IndexError(
            f"fnzero.numpy.{name}: index {bad} is out of bounds for axis {axis} with size {n}; "
            f"pass mode='fill' (JAX's default) or mode='clip' to allow it"
        )
    return indices, inside


def take_along_axis(
    arr,
    indices,
    axis: int | None = -1,
    mode: str | None = None,
    fill_value=None,
    *,
    wrap_negative_indices: bool | None = None,
):
    """``arr``'s elements at ``indices`` along ``axis``: each index picks along that axis for
    its own position in the other axes (which broadcast). Differentiable in ``arr``; the
    indices may be traced (a sort's permutation under vmap or jit).

    Negative indices count from the end unless ``wrap_negative_indices=False``. Out-of-bounds
    indices: ``mode=None`` or ``"promise_in_bounds"`` raise IndexError (NumPy's behaviour; JAX's
    default fills); ``"fill"`` (or ``"drop"``) gives ``fill_value`` there (NaN for floats by
    default, as JAX), ``"clip"`` the nearest element."""
    from fnzero.numpy.indexing import index

    if mode not in _GATHER_MODES:
        raise ValueError(f"fnzero.numpy.take_along_axis: mode must be one of {_GATHER_MODES}; got {mode!r}")
    if axis is None:
        arr, axis = ravel(arr), 0
    shape, ishape = _shape(arr), _shape(indices)
    if len(ishape) != len(shape):
        raise ValueError(
            f"fnzero.numpy.take_along_axis: indices must have arr's number of axes ({len(shape)}), "
            f"got shape {ishape}"
        )
    if getattr(indices, "dtype", np.dtype(np.int64)).kind not in "iu":
        raise TypeError(f"fnzero.numpy.take_along_axis: indices must be integers, got {indices.dtype}")
    axis = normalize_axis(axis, len(shape), "take_along_axis")[0]
    out_shape = tuple(
        ishape[i] if i == axis else builtins.max(d, e) for i, (d, e) in enumerate(zip(shape, ishape))
    )
    for i, (d, e) in enumerate(zip(shape, ishape)):
        if i != axis and d != e and 1 not in (d, e):
            raise ValueError(
                f"fnzero.numpy.take_along_axis: shapes {shape} and {ishape} do not broadcast on axis {i}"
            )
    arr = broadcast_to(arr, tuple(shape[axis] if i == axis else d for i, d in enumerate(out_shape)))
    indices = broadcast_to(indices, out_shape)
    n = shape[axis]
    indices, inside = bounded_indices(indices, n, axis, mode, wrap_negative_indices, "take_along_axis")
    if inside is not None and n == 0:
        dtype = arr.dtype
        fill = default_fill(dtype) if fill_value is None else fill_value
        return zeros_like(arr, shape=out_shape) + np.asarray(fill, dtype=dtype)
    grid = np.ogrid[tuple(slice(0, d) for d in out_shape)]
    out = index(arr, tuple(indices if i == axis else g for i, g in enumerate(grid)))
    if inside is None:
        return out
    fill = default_fill(out.dtype) if fill_value is None else fill_value
    return where(inside, out, np.asarray(fill, dtype=out.dtype))


def broadcast_arrays(*args) -> list:
    """The arrays broadcast against each other to one shape (NumPy's rules)."""
    shape = np.broadcast_shapes(*(_shape(a) for a in args))
    return [broadcast_to(a, shape) for a in args]
