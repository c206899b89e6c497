"""Jacobians and Hessians of functions of pytrees: jacrev (reverse sweeps), jacfwd (forward
sweeps) and hessian (forward over reverse).

Both run the function once on a tape and then sweep that tape once, vmapped over all basis
vectors: every primitive's rule runs once on the whole basis, and the primal is never
recomputed. The result's layout is JAX's: the output's structure outside,
the input's inside, and each leaf of shape ``out_leaf.shape + in_leaf.shape``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from fnzero import tree
from fnzero.backends import array_module
from fnzero.core.reverse import backward
from fnzero.core.tracer import TRACER_TYPES
from fnzero.numpy import asarray, reshape, zeros
from fnzero.transforms._inputs import (
    Distinct,
    check_argnums,
    check_callable,
    cotangent_of,
    node_of,
    record,
    unwrap_tree,
)
from fnzero.transforms.linearize import tangents_out
from fnzero.transforms.vmap import vmap


def _basis(like: Any) -> Any:
    """The standard basis of arrays shaped like ``like``, stacked on a new axis 0."""
    xp = array_module(like.primal_value if type(like) in TRACER_TYPES else like)
    shape = tuple(like.shape)
    n = 1
    for d in shape:
        n *= d
    return xp.eye(n, dtype=like.dtype).reshape((n,) + shape)


def _with_diff_args(fun: Callable[..., Any], args: tuple, nums: tuple[int, ...]) -> Callable[..., Any]:
    """``fun`` as a function of the arguments ``nums`` only, the others fixed to ``args``."""

    def partial(*diff: Any) -> Any:
        full = list(args)
        for n, d in zip(nums, diff):
            full[n] = d
        return fun(*full)

    return partial


def _check_float_outputs(out_leaves: list, name: str) -> None:
    for y in out_leaves:
        dtype = getattr(y, "dtype", None)
        if dtype is None or dtype.kind not in "fc":
            raise TypeError(
                f"{name} needs floating-point outputs, got "
                + (f"dtype {dtype}" if dtype is not None else type(y).__name__)
            )


def jacrev(
    fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """The Jacobian of ``fun`` by reverse mode: one backward sweep, vmapped over the outputs.

    Best when outputs are fewer than inputs. Each leaf has shape ``out.shape + in.shape``;
    with a tuple ``argnums`` each output leaf holds a tuple, one entry per argument. With
    ``has_aux`` the result is ``(jacobian, aux)``.
    """
    check_callable(fun, "jacrev")

    @functools.wraps(fun)
    def jacrev_fun(*args: Any) -> Any:
        nums = check_argnums(argnums, len(args), "jacrev")
        rec = record(_with_diff_args(fun, args, nums), [args[n] for n in nums], has_aux, "jacrev")
        tape = rec.tape
        out_leaves, out_def = tree.flatten(rec.out)
        _check_float_outputs(out_leaves, "jacrev")
        in_leaves = [leaf for watched in rec.watched for leaf in watched]
        blocks = []
        for y in out_leaves:
            value = tape.value_of(y)
            i = node_of(tape, y)
            if i < 0 or value.size == 0:
                blocks.append([zeros(value.shape + w.shape, w.dtype) for w in in_leaves])
                continue

            def row(e: Any, i: int = i) -> list:
                cts = backward(tape, {i: e})
                return [cotangent_of(w._value, w, cts) for w in in_leaves]

            rows = vmap(row)(_basis(value))
            blocks.append([reshape(r, value.shape + w.shape) for r, w in zip(rows, in_leaves)])
        jac = tree.unflatten(out_def, [_per_argument(rec, row, argnums) for row in _distinct(rec, blocks)])
        if has_aux:
            return jac, unwrap_tree(tape, rec.aux)
        return jac

    return jacrev_fun


def _distinct(rec: Any, blocks: list) -> list:
    """The blocks (per output leaf, per input leaf) with no two sharing memory, nor one with
    an input."""
    distinct = Distinct([leaf for watched in rec.watched for leaf in watched.leaves])
    return [[distinct(b) for b in row] for row in blocks]


def _per_argument(rec: Any, blocks: list, argnums: int | Sequence[int]) -> Any:
    """One output leaf's blocks (a flat list over all input leaves) in the inputs' structure."""
    it = iter(blocks)
    per_arg = tuple(
        tree.unflatten(tree.structure(a), [next(it) for _ in w]) for a, w in zip(rec.args, rec.watched)
    )
    return per_arg[0] if isinstance(argnums, int) else per_arg


def jacfwd(
    fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """The Jacobian of ``fun`` by forward mode: one tangent sweep, vmapped over the inputs.

    Best when inputs are fewer than outputs. Same layout and options as :func:`jacrev`.
    """
    check_callable(fun, "jacfwd")

    @functools.wraps(fun)
    def jacfwd_fun(*args: Any) -> Any:
        nums = check_argnums(argnums, len(args), "jacfwd")
        rec = record(_with_diff_args(fun, args, nums), [args[n] for n in nums], has_aux, "jacfwd")
        tape = rec.tape
        out_leaves, out_def = tree.flatten(rec.out)
        _check_float_outputs(out_leaves, "jacfwd")
        values = [asarray(tape.value_of(y)) for y in out_leaves]
        columns: list[list] = []  # per input leaf: per output leaf: the block
        for w in (leaf for watched in rec.watched for leaf in watched):
            if w.size == 0:
                columns.append([zeros(v.shape + w.shape, v.dtype) for v in values])
                continue

            def column(e: Any, w: Any = w) -> list:
                return tree.leaves(tangents_out(rec, {w._index: e}))

            cols = vmap(column, out_axes=-1)(_basis(w._value))
            columns.append([reshape(c, v.shape + w.shape) for c, v in zip(cols, values)])
        per_out = [[blocks[k] for blocks in columns] for k in range(len(out_leaves))]
        jac = tree.unflatten(out_def, [_per_argument(rec, row, argnums) for row in _distinct(rec, per_out)])
        if has_aux:
            return jac, unwrap_tree(tape, rec.aux)
        return jac

    return jacfwd_fun


def hessian(
    fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """The Hessian of a scalar function: ``jacfwd(jacrev(fun))`` (forward over reverse).

    For a flat ``x`` of size n it is an ``(n, n)`` array; for pytrees it has JAX's nested
    layout. To multiply the Hessian by a vector without ever building it, push the vector
    forward through the gradient (cost: a few gradients, memory: O(n))::

        def hvp(f, x, v):
            return fnzero.jvp(fnzero.grad(f), (x,), (v,))[1]
    """
    check_callable(fun, "hessian")
    return jacfwd(jacrev(fun, argnums, has_aux), argnums, has_aux)
