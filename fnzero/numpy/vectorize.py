"""Functions of scalars or small blocks made to work on whole arrays, by calling them once
per element or block (NumPy's semantics, and its speed: a Python loop). Under ``fz.vmap``
the same function runs batched instead."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from fnzero.numpy.creation import asarray, ndim, shape
from fnzero.numpy.shapes import broadcast_to, moveaxis, reshape, stack

_CORE = re.compile(r"\(([^()]*)\)")


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    if "->" not in signature:
        raise ValueError(
            f"fnzero.numpy.vectorize: signature must look like '(m,n),(n)->(m)', got {signature!r}"
        )
    sides = signature.replace(" ", "").split("->")
    if len(sides) != 2 or any(_CORE.sub("", side).replace(",", "") for side in sides):
        raise ValueError(
            f"fnzero.numpy.vectorize: signature must look like '(m,n),(n)->(m)', got {signature!r}"
        )
    ins, outs = ([tuple(d for d in g.split(",") if d) for g in _CORE.findall(side)] for side in sides)
    return ins, outs


def _stack_results(results: list[Any], loop_shape: tuple[int, ...]) -> Any:
    first = results[0]
    if isinstance(first, tuple):
        return tuple(_stack_results([r[k] for r in results], loop_shape) for k in range(len(first)))
    stacked = stack([asarray(r) for r in results])
    return reshape(stacked, loop_shape + shape(stacked)[1:])


def vectorize(
    pyfunc: Callable[..., Any], *, excluded: Iterable[int | str] = frozenset(), signature: str | None = None
) -> Callable[..., Any]:
    """``pyfunc`` of scalars (or, with a ``signature`` like ``"(n),(n)->()"``, of core blocks)
    applied over the broadcast leading axes of its arguments. Positions or names in
    ``excluded`` are passed as they are."""
    excluded = frozenset(excluded)
    ins, outs = _parse_signature(signature) if signature is not None else (None, None)

    @functools.wraps(pyfunc)
    def vectorized(*args: Any, **kwargs: Any) -> Any:
        keep = {k: v for k, v in kwargs.items() if k in excluded}
        mapped_kw = {k: v for k, v in kwargs.items() if k not in excluded}
        positions = [k for k in range(len(args)) if k not in excluded]
        arrays = [asarray(args[k]) for k in positions] + [asarray(v) for v in mapped_kw.values()]
        cores = [()] * len(arrays) if ins is None else ins
        if len(cores) != len(arrays):
            raise TypeError(
                f"fnzero.numpy.vectorize: the signature {signature!r} has {len(cores)} inputs, "
                f"the call passes {len(arrays)} arrays"
            )
        sizes: dict[str, int] = {}
        loops = []
        for a, core in zip(arrays, cores):
            if ndim(a) < len(core):
                raise ValueError(
                    f"fnzero.numpy.vectorize: an input of shape {shape(a)} lacks core dims {core}"
                )
            for name, n in zip(core, shape(a)[ndim(a) - len(core) :]):
                if sizes.setdefault(name, n) != n:
                    raise ValueError(f"fnzero.numpy.vectorize: core dim {name!r} is {sizes[name]} and {n}")
            loops.append(shape(a)[: ndim(a) - len(core)])
        loop_shape = np.broadcast_shapes(*loops) if loops else ()
        blocks = [
            reshape(
                broadcast_to(a, loop_shape + shape(a)[ndim(a) - len(c) :]),
                (-1,) + shape(a)[ndim(a) - len(c) :],
            )
            for a, c in zip(arrays, cores)
        ]
        n_calls = int(np.prod(loop_shape, dtype=np.int64))
        results = []
        for i in range(n_calls):
            call = list(args)
            for k, b in zip(positions, blocks):
                call[k] = b[i]
            named = {k: b[i] for k, b in zip(mapped_kw, blocks[len(positions) :])}
            results.append(pyfunc(*call, **named, **keep))
        if n_calls == 0:
            raise ValueError("fnzero.numpy.vectorize: cannot infer the output of a call over zero elements")
        out = _stack_results(results, tuple(loop_shape))
        if outs is not None and len(outs) == 1 and isinstance(out, tuple):
            raise ValueError(
                f"fnzero.numpy.vectorize: the signature {signature!r} has one output, got a tuple"
            )
        return out

    return vectorized


def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: Any, *args: Any, **kwargs: Any) -> Any:
    """``func1d`` applied to each 1-D slice of ``arr`` along ``axis``; the result's own axes
    take ``axis``'s place."""
    arr = asarray(arr)
    nd = ndim(arr)
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(
            f"fnzero.numpy.apply_along_axis: axis {axis} is out of bounds for ndim {nd}"
        )
    axis %= nd
    moved = moveaxis(arr, axis, -1)
    rows = reshape(moved, (-1, shape(moved)[-1]))
    results = [asarray(func1d(rows[i], *args, **kwargs)) for i in range(shape(rows)[0])]
    out = reshape(stack(results), shape(moved)[:-1] + shape(results[0]))
    k = ndim(results[0])
    return moveaxis(out, tuple(range(nd - 1, nd - 1 + k)), tuple(range(axis, axis + k))) if k else out


def apply_over_axes(func: Callable[[Any, int], Any], a: Any, axes: int | Iterable[int]) -> Any:
    """``func(a, axis)`` for each axis in turn, each result put back to ``a``'s number of
    dimensions (a reduced axis kept with size 1)."""
    out = asarray(a)
    for axis in [axes] if isinstance(axes, int) else list(axes):
        axis = axis % ndim(out) if ndim(out) else axis
        res = asarray(func(out, axis))
        if ndim(res) == ndim(out) - 1:
            res = reshape(res, shape(res)[:axis] + (1,) + shape(res)[axis:])
        elif ndim(res) != ndim(out):
            raise ValueError(
                f"fnzero.numpy.apply_over_axes: func must keep the number of dimensions or drop one, "
                f"got shape {shape(res)} from {shape(out)}"
            )
        out = res
    return out
