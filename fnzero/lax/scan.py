"""scan and map: a loop over the leading axis of arrays that carries a state (JAX's lax.scan).

The steps run one after another in Python on fnzero's primitives, so grad, jvp and vmap go
through them as through any code. Reverse mode keeps the per-step slices of ``xs`` and the
stacking of the ``ys`` as one tape node each, so its work grows linearly with the length (a
getitem per step would give each step a full-size cotangent). Under jit alone a scan is one
equation of the program, its body traced once (see _jit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero import tree
from fnzero.backends import array_module
from fnzero.core.primitive import JointVJP, Primitive
from fnzero.core.reverse import one_node
from fnzero.core.tracer import TRACER_TYPES, shape_source
from fnzero.lax._common import TypeKeeper, flag, leaf_type, pair, where_of
from fnzero.lax._jit import jit_scan, jit_top


def _slices(x: Any, count: int) -> tuple:
    return tuple(x[i] for i in range(count))


def _unstack_vjp(gs: list, ans: tuple, x: Any, count: int) -> list:
    return [fnp.stack([fnp.zeros_like(a) if g is None else g for g, a in zip(gs, ans)])]


# The slices of one xs leaf as reverse mode records them: one node, its cotangent one stack.
_unstack = Primitive("scan_unstack", None)
_unstack.defvjp(JointVJP(_unstack_vjp))
_unstack.jvp = lambda tangents, ans, x, count: _slices(tangents[0], count)


def _stacked(*leaves: Any) -> tuple:
    return (fnp.stack(leaves),)


def _stack_vjp(gs: list, ans: tuple, *leaves: Any) -> list:
    g = gs[0]
    return [g[i] for i in range(len(leaves))]


def _stack_jvp(tangents: list, ans: tuple, *leaves: Any) -> tuple:
    return (fnp.stack([fnp.zeros_like(y) if t is None else t for t, y in zip(tangents, leaves)]),)


# The steps' outputs stacked, as reverse mode records it: one node whose cotangents are the
# slices of one array (a concatenate's rule would find each slice's offset anew: T^2 work).
_stack_steps = Primitive("scan_stack", None)
_stack_steps.defvjp(JointVJP(_stack_vjp))
_stack_steps.jvp = _stack_jvp


def _stack(leaves: list) -> Any:
    """The steps' outputs on a new axis 0: one kernel call when none is traced."""
    if any(type(y) in TRACER_TYPES for y in leaves):
        return one_node(_stack_steps, _stacked, *leaves)[0]
    return array_module(leaves[0]).stack(leaves)


def _check_unroll(unroll: Any, name: str) -> None:
    if isinstance(unroll, bool):
        return
    if not isinstance(unroll, (int, np.integer)) or unroll < 1:
        raise ValueError(f"fnzero.lax.{name}: unroll must be a positive int or a bool, got {unroll!r}")


def _length(paths: list, length: Any, name: str) -> int:
    """The number of steps: the leading axis of every xs leaf, and ``length`` where given."""
    if length is not None and (
        isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0
    ):
        raise ValueError(f"fnzero.lax.{name}: length must be a non-negative int or None, got {length!r}")
    sizes = {}
    for path, leaf in paths:
        shape = leaf_type(leaf)[0]
        if not shape:
            raise ValueError(
                f"fnzero.lax.{name}: every leaf of xs needs a leading axis to scan over, but "
                f"{where_of('xs', path)} has shape ()"
            )
        sizes[path] = shape[0]
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{where_of('xs', p)}: {n}" for p, n in sizes.items())
        raise ValueError(f"fnzero.lax.{name}: the leaves of xs have different leading axis sizes ({listed})")
    if not sizes:
        if length is None:
            raise ValueError(f"fnzero.lax.{name}: xs has no arrays, so length must say how many steps to run")
        return int(length)
    n = next(iter(sizes.values()))
    if length is not None and int(length) != n:
        raise ValueError(f"fnzero.lax.{name}: length={length} but the leaves of xs have leading axis {n}")
    return n


def _step(f: Callable[..., Any], carry: Any, x: Any, name: str) -> tuple[Any, Any]:
    return pair(f(carry, x), name)


def _empty_outputs(f: Callable[..., Any], init: Any, x_leaves: list, x_def: Any, name: str) -> tuple:
    """For zero steps: run ``f`` once on zeros shaped like one step's slices, to learn the
    shapes of the outputs (and check the carry); its values are thrown away."""
    zeros = [array_module(shape_source(x)).zeros(tuple(x.shape[1:]), x.dtype) for x in x_leaves]
    with np.errstate(all="ignore"):
        carry, y = _step(f, init, tree.unflatten(x_def, zeros), name)
    TypeKeeper(init, name, "carry", "in init", "keep its structure, shapes and dtypes").check(
        carry, "out of f"
    )
    y_leaves, y_def = tree.flatten(y)
    empty = []
    for leaf in y_leaves:
        shape, dtype = leaf_type(leaf)
        xp = array_module(shape_source(leaf)) if dtype is not None else np
        empty.append(xp.zeros((0,) + shape, dtype if dtype is not None else np.asarray(leaf).dtype))
    return init, tree.unflatten(y_def, empty)


def _scan(
    f: Callable[..., Any], init: Any, xs: Any, length: Any, reverse: bool, unroll: Any, name: str
) -> tuple[Any, Any]:
    if not callable(f):
        raise TypeError(f"fnzero.lax.{name}: f must be callable, got {type(f).__name__}")
    _check_unroll(unroll, name)
    paths = tree.flatten_with_path(xs)
    x_leaves, x_def = tree.flatten(xs)
    n = _length(paths, length, name)
    if n == 0:
        return _empty_outputs(f, init, x_leaves, x_def, name)
    carry_type = TypeKeeper(init, name, "carry", "in init", "keep its structure, shapes and dtypes")
    if jit_top(tree.leaves(init) + x_leaves) is not None:  # one equation of the jit program
        lowered = jit_scan(f, init, xs, n, reverse, lambda c, y: carry_type.check(c, "out of f"), name)
        if lowered is not None:
            return lowered
    pieces = [one_node(_unstack, _slices, x, count=n) for x in x_leaves]
    y_type = None
    carry = init
    ys: list = [None] * n
    for i in range(n - 1, -1, -1) if reverse else range(n):
        carry, y = _step(f, carry, tree.unflatten(x_def, [p[i] for p in pieces]), name)
        carry_type.check(carry, f"out of f at step {i}")
        if y_type is None:
            y_type = TypeKeeper(y, name, "output y", f"at step {i}", "be the same at every step")
        else:
            y_type.check(y, f"at step {i}")
        ys[i] = tree.leaves(y)
    stacked = [_stack([ys[i][k] for i in range(n)]) for k in range(len(ys[0]))]
    return carry, tree.unflatten(y_type.treedef, stacked)


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
) -> tuple[Any, Any]:
    """Loop ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs`` (JAX's lax.scan).

    Returns ``(final carry, ys)`` with ``ys`` the per-step ``y`` pytrees stacked on a new
    axis 0. ``xs`` is a pytree of arrays sharing their leading axis, or None with ``length``
    steps (``x`` is then None). ``reverse=True`` runs from the last slice to the first (``ys``
    stays aligned with ``xs``). The carry must keep its structure, shapes and dtypes. The steps
    run in turn in Python, so ``unroll`` (accepted for JAX's signature) changes nothing;
    reverse mode differentiates through every step. Under jit (with no transform inside it
    watching the scan) the scan is one equation running a program traced from ``f`` once.
    """
    reverse = flag(reverse, "scan", "reverse")
    return _scan(f, init, xs, length, reverse, unroll, "scan")


def map(f: Callable[[Any], Any], xs: Any) -> Any:  # noqa: A001
    """``f`` applied to each slice of ``xs`` along its leading axis, the results stacked
    (JAX's lax.map): a scan with no carry, one call per slice (vmap makes one call of all)."""
    if not callable(f):
        raise TypeError(f"fnzero.lax.map: f must be callable, got {type(f).__name__}")
    return _scan(lambda _, x: (None, f(x)), None, xs, None, False, 1, "map")[1]
