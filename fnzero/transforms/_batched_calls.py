"""custom_vjp, custom_jvp and checkpoint under vmap: the call moves to the level below with
its functions vmapped, and its outputs come back batched on axis 0."""

from __future__ import annotations

from typing import Any

from fnzero import tree
from fnzero.core.batching import BatchTrace, BatchTracer


def unbatch_args(trace: BatchTrace, args: tuple) -> tuple[list, tuple]:
    """``args`` as the level below sees them, and their batch axes (an in_axes for vmap)."""
    vals, axes = [], []
    for arg in args:
        leaves, treedef = tree.flatten(arg)
        inner, axis = [], []
        for x in leaves:
            mine = type(x) is BatchTracer and x._trace is trace
            inner.append(x._value if mine else x)
            axis.append(x.bdim if mine else None)
        vals.append(tree.unflatten(treedef, inner))
        axes.append(tree.unflatten(treedef, axis) if leaves else None)
    return vals, tuple(axes)


def rebatch(trace: BatchTrace, out: Any) -> Any:
    """The outputs of a vmapped call (batch on axis 0) as this trace's tracers."""
    return tree.map(lambda o: BatchTracer(o, trace, 0), out)
