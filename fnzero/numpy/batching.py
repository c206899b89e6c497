"""The batching-rule helpers: the public API for authors of primitives (in fnzero.numpy, fnzero.lax,
fnzero.random, fnzero.scipy or user code) who give a primitive its vmap rule.

They move a batch axis (``to_front``, ``broadcast_axis``, ``rank_up``), read sizes (``shape_of``,
``batch_size``, ``example_ndim``, ``shift_axes``), and build the rules of whole families
(``broadcasting_rule`` for broadcasting elementwise primitives, ``same_axis_rule`` for elementwise
primitives of one array, ``last_axis_rule`` for primitives along the last axis). Layers above
fnzero.numpy import them from here, never from a private module.

A batching rule is ``rule(args, bdims, **params) -> (out, out_bdim)``; ``bdims[k]`` is the
batch axis of ``args[k]`` or None when that argument is the same for every example. Rules
call primitives once on the whole batch (vmap never loops over examples), so transforms
below the vmap (grad inside vmap, vmap inside jvp) see them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "batch_size",
    "broadcast_axis",
    "broadcasting_rule",
    "example_ndim",
    "last_axis_rule",
    "rank_up",
    "same_axis_rule",
    "shape_of",
    "shift_axes",
    "to_front",
]


def _shapes():
    # The shape primitives are declared with batching rules from this module, so they are
    # looked up when a rule runs rather than when this module is imported.
    from fnzero.numpy import shapes

    return shapes


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an array, tracer or Python scalar (``()`` for a scalar)."""
    return tuple(getattr(x, "shape", ()))


def broadcast_axis(x: Any, size: int, axis: int = 0) -> Any:
    """``x`` repeated ``size`` times along a new axis ``axis`` (a broadcast view)."""
    shapes = _shapes()
    s = shape_of(x)
    front = shapes.broadcast_to_p(shapes._reshape(x, (1,) + s), (size,) + s)
    return front if axis == 0 else shapes.moveaxis(front, 0, axis)


def to_front(x: Any, bdim: int | None, size: int | None = None) -> Any:
    """``x`` with its batch on axis 0 (broadcast along a new axis 0 when it has none)."""
    if bdim is None:
        return broadcast_axis(x, size, 0)
    return x if bdim == 0 else _shapes().moveaxis(x, bdim, 0)


def batch_size(args: Any, dims: Any) -> int:
    """The batch size: the length of the batch axis of the first batched argument."""
    for a, d in zip(args, dims):
        if d is not None:
            return shape_of(a)[d]
    raise ValueError("fnzero.vmap: a batching rule was called with no batched argument")


def example_ndim(x: Any, d: int | None) -> int:
    """The number of axes of one example of ``x`` (its batch axis ``d`` left out)."""
    return len(shape_of(x)) - (d is not None)


def rank_up(x: Any, rank: int) -> Any:
    """``x`` (batch on axis 0) with 1s after the batch axis up to ``rank`` example axes."""
    s = shape_of(x)
    extra = rank - (len(s) - 1)
    return x if extra == 0 else _shapes()._reshape(x, s[:1] + (1,) * extra + s[1:])


def broadcasting_rule(prim: Any) -> Any:
    """The rule of a broadcasting elementwise primitive: batch axes lined up at the front."""

    def rule(args, dims, **params):
        rank = max(example_ndim(a, d) for a, d in zip(args, dims))
        batched = {d for d in dims if d is not None}
        if len(batched) == 1:
            (d,) = batched
            same_rank = all(example_ndim(a, e) == rank for a, e in zip(args, dims) if e is not None)
            scalars_only = all(not shape_of(a) for a, e in zip(args, dims) if e is None)
            if same_rank and (d == 0 or scalars_only):
                return prim(*args, **params), d
        moved = [a if d is None else rank_up(to_front(a, d), rank) for a, d in zip(args, dims)]
        return prim(*moved, **params), 0

    return rule


def same_axis_rule(prim: Any) -> Any:
    """The rule of an elementwise primitive of one array (other arguments static): the
    batch axis stays where it is."""

    def rule(args, dims, **params):
        return prim(*args, **params), dims[0]

    return rule


def last_axis_rule(prim: Any) -> Any:
    """The rule of a primitive of one array that works along its last axis (leading axes
    independent): the batch axis stays where it is, unless it is the last one."""

    def rule(args, dims, **params):
        x, d = args[0], dims[0]
        if d == len(shape_of(x)) - 1:
            x, d = to_front(x, d), 0
        return prim(x, *args[1:], **params), d

    return rule


def shift_axes(axis: tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """Axes of an example (None: all ``ndim``) as axes of the batch with the batch in front."""
    return tuple(range(1, ndim + 1)) if axis is None else tuple(a + 1 for a in axis)
