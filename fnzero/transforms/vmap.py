"""vmap: a function written for one example, run on a whole batch at once (JAX's semantics).

Each argument leaf with an axis in ``in_axes`` is split along it; the function sees one
example, and every primitive runs once on the whole batch by its batching rule.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from fnzero import tree
from fnzero._checks import positive_int
from fnzero.backends import backend_of
from fnzero.core.batching import BatchTrace, BatchTracer
from fnzero.core.tracer import TRACER_TYPES
from fnzero.transforms._inputs import Distinct, check_callable

Axes = Any  # an int, None, or a pytree prefix of the arguments with ints and Nones


def _is_axis_leaf(x: Any) -> bool:
    return x is None or (isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)))


def _check_axes(axes: Any, what: str) -> None:
    """Refuse an ``in_axes`` / ``out_axes`` with an entry that is neither an int nor None
    (a float, a string, a bool): a TypeError naming the entry."""
    for axis in tree.leaves(axes, is_leaf=lambda x: x is None):
        if not _is_axis_leaf(axis):
            raise TypeError(
                f"fnzero.vmap: {what} entries must be an int or None, got {axis!r} ({type(axis).__name__}) "
                f"in {what}={axes!r}"
            )


def _broadcast_prefix(prefix: Any, full: Any, what: str) -> list:
    """One axis per leaf of ``full``, from ``prefix`` (a pytree prefix of ``full``)."""
    if _is_axis_leaf(prefix):
        return [prefix] * len(tree.leaves(full))
    _check_axes(prefix, what)
    try:
        subtrees = _split_like(prefix, full, is_leaf=_is_axis_leaf)
    except ValueError:
        raise ValueError(
            f"fnzero.vmap: {what} {prefix!r} is not a tree prefix of the arguments' structure "
            f"{tree.structure(full)}; give one axis (int or None) per argument or per leaf"
        ) from None
    axes = tree.leaves(prefix, is_leaf=_is_axis_leaf)
    out: list = []
    for axis, sub in zip(axes, subtrees):
        if not _is_axis_leaf(axis):
            raise TypeError(f"fnzero.vmap: {what} entries must be int or None, got {axis!r}")
        out.extend([axis] * len(tree.leaves(sub)))
    return out


def _split_like(prefix: Any, full: Any, is_leaf: Callable[[Any], bool]) -> list:
    """The subtrees of ``full`` at the leaves of ``prefix``, in order."""
    if is_leaf(prefix):
        return [full]
    prefix_children, pdef = tree.flatten(prefix, is_leaf=lambda x: x is not prefix)
    full_children, fdef = tree.flatten(full, is_leaf=lambda x: x is not full)
    if pdef != fdef:
        raise ValueError("structure mismatch")
    out: list = []
    for p, f in zip(prefix_children, full_children):
        out.extend(_split_like(p, f, is_leaf))
    return out


def _as_array(leaf: Any) -> Any:
    if type(leaf) in TRACER_TYPES or backend_of(leaf) is not None:
        return leaf
    return np.asarray(leaf)


def vmap(
    fun: Callable[..., Any], in_axes: Axes = 0, out_axes: Axes = 0, axis_size: int | None = None
) -> Callable[..., Any]:
    """``fun`` mapped over a batch axis of its arguments, without a Python loop.

    ``in_axes`` gives each argument's batch axis: an int, None (the argument is the same for
    every example), or a tuple with one entry per positional argument, each a pytree prefix of
    that argument. ``out_axes`` says where the batch axis goes in each output leaf. When no
    argument is batched, ``axis_size`` gives the batch size.
    """
    check_callable(fun, "vmap")
    if not (_is_axis_leaf(in_axes) or isinstance(in_axes, (tuple, list))):
        raise TypeError(
            f"fnzero.vmap: in_axes must be an int, None or a tuple (one entry per argument), got "
            f"{in_axes!r} ({type(in_axes).__name__})"
        )
    _check_axes(in_axes, "in_axes")
    _check_axes(out_axes, "out_axes")
    if axis_size is not None:
        axis_size = positive_int(axis_size, "axis_size", "fnzero.vmap", minimum=0)

    @functools.wraps(fun)
    def batched(*args: Any, **kwargs: Any) -> Any:
        leaves, treedef, axes, sizes = _batched_leaves(in_axes, args, kwargs)
        size = _batch_size(sizes, axis_size, leaves, axes, lambda: _leaf_names(args, kwargs))
        trace = BatchTrace(size)
        wrapped = [
            leaf if axis is None else BatchTracer(leaf, trace, axis) for leaf, axis in zip(leaves, axes)
        ]
        try:
            new_args, new_kwargs = tree.unflatten(treedef, wrapped)
            out = fun(*new_args, **new_kwargs)
        finally:
            trace.closed = True
        return _unbatched_outputs(trace, out, out_axes)

    return batched


def _batched_leaves(in_axes: Axes, args: tuple, kwargs: dict) -> tuple[list, Any, list, list]:
    """The leaves of a call's ``(args, kwargs)`` (arrays where batched), their structure, each
    one's batch axis (non-negative, or None) and the ``(leaf index, size)`` of each batched one."""
    if isinstance(in_axes, (tuple, list)) and len(in_axes) != len(args):
        raise ValueError(
            f"fnzero.vmap: in_axes has {len(in_axes)} entries but the function was called with "
            f"{len(args)} positional arguments"
        )
    prefix = tuple(in_axes) if isinstance(in_axes, list) else in_axes
    leaves, treedef = tree.flatten((args, kwargs))
    axes = _broadcast_prefix(prefix, args, "in_axes")
    axes += [0] * (len(leaves) - len(axes))  # keyword arguments are batched on axis 0, as in JAX
    sizes = []
    normalized = []
    for k, (leaf, axis) in enumerate(zip(leaves, axes)):
        if axis is None:
            normalized.append(None)
            continue
        leaf = _as_array(leaf)
        leaves[k] = leaf
        ndim = len(leaf.shape)
        if not -ndim <= axis < ndim:
            name = _leaf_names(args, kwargs)[k]
            raise ValueError(
                f"fnzero.vmap: in_axes {axis} is out of range for {name} of shape {tuple(leaf.shape)} "
                f"(rank {ndim})"
            )
        axis = int(axis) % ndim
        normalized.append(axis)
        sizes.append((k, leaf.shape[axis]))
    return leaves, treedef, normalized, sizes


def _unbatched_outputs(trace: BatchTrace, out: Any, out_axes: Axes) -> Any:
    """The mapped function's output with each leaf's batch axis moved to its ``out_axes`` entry
    (or, for None, the one value all examples share); no two leaves share memory."""
    out_leaves, out_def = tree.flatten(out)
    out_ax = _broadcast_prefix(out_axes, out, "out_axes")
    result = []
    distinct = Distinct()  # no two outputs share memory (a view of one batch, say)
    for leaf, axis in zip(out_leaves, out_ax):
        if axis is not None:
            ndim = len(getattr(leaf, "shape", ())) + 1
            if not -ndim <= axis < ndim:
                raise ValueError(f"fnzero.vmap: out_axes {axis} is out of range for an output of rank {ndim}")
            axis = int(axis) % ndim
        result.append(distinct(trace.with_batch_at(_as_array(leaf) if axis is not None else leaf, axis)))
    return tree.unflatten(out_def, result)


def _leaf_names(args: tuple, kwargs: dict) -> list[str]:
    """What an error calls each leaf: ``argument 0``, ``argument 1/w``, ``keyword k``."""
    names = []
    for path, _ in tree.flatten_with_path((args, kwargs)):
        where, _, rest = path.partition("/")
        names.append(f"{'argument' if where == '0' else 'keyword'} {rest}")
    return names


def _batch_size(
    sizes: list, axis_size: int | None, leaves: list, axes: list, names: Callable[[], list[str]]
) -> int:
    distinct = {s for _, s in sizes}
    if axis_size is not None:
        distinct.add(int(axis_size))
    if not distinct:
        raise ValueError(
            "fnzero.vmap: no argument is batched (in_axes are all None) and axis_size is not given"
        )
    if len(distinct) > 1:
        named = names()
        listed = "; ".join(
            f"{named[k]} of shape {tuple(leaves[k].shape)} has size {s} on axis {axes[k]}" for k, s in sizes
        )
        if axis_size is not None:
            listed += f"; axis_size={axis_size}"
        raise ValueError(f"fnzero.vmap: the batched axes have different sizes: {listed}")
    return distinct.pop()
