"""fori_loop and while_loop (JAX's lax loops), run step by step in Python.

A fori_loop with concrete bounds has a fixed trip count: every transform goes through its
steps, reverse mode included. A while_loop's trip count depends on the values, so, as in
JAX, reverse mode refuses it (forward mode, vmap and plain calls work): its final carry passes
through a marker node whose vjp raises. Under vmap a predicate that differs across the batch
runs the body until every example is done, each example keeping its carry once its own
predicate turns false (JAX's batching of while_loop). Under jit a predicate that depends
on traced values makes the loop one equation of the program (see _jit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fnzero.numpy as fnp
from fnzero import tree
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import TRACER_TYPES, top_trace
from fnzero.lax._common import (
    TypeKeeper,
    any_example,
    jit_refusal,
    scalar_check,
    traced_by_jit,
    value_hidden,
)
from fnzero.lax._jit import all_arrays, jit_while
from fnzero.numpy.batching import same_axis_rule
from fnzero.transforms.jit import JitTrace

REVERSE_MODE_REFUSED = (
    "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic "
    "start/stop values (fnzero.lax: the number of steps depends on the values, so there is no "
    "fixed sequence of steps to run backwards). Try using lax.scan, or lax.fori_loop with "
    "constant start/stop; forward mode (jvp, jacfwd) works."
)


def _refuse_reverse(g: Any, ans: Any, x: Any) -> Any:
    raise ValueError(REVERSE_MODE_REFUSED)


# The identity on a while_loop's result: its vjp refuses, its tangent and batch pass through
# (the tangent marked too, so that grad of jvp refuses as well). Not in Primitive.registry,
# which lists the kernels that have derivative rules to test: this one's only rule is a refusal.
_while_result = Primitive("while_loop", None)
_while_result.impl = lambda x: x
_while_result.defvjp(_refuse_reverse)
_while_result.defjvp(lambda t, ans, x: _while_result(t))
_while_result.defbatch(same_axis_rule(_while_result))


def _marked(val: Any) -> Any:
    """``val`` through the marker node (not where only jit traces it: no transform is watching)."""
    if isinstance(top_trace(tree.leaves(val)), JitTrace):
        return val
    return tree.map(lambda x: _while_result(x) if type(x) in TRACER_TYPES else x, val)


def _check_callable(f: Any, name: str, arg: str) -> None:
    if not callable(f):
        raise TypeError(f"fnzero.lax.{name}: {arg} must be callable, got {type(f).__name__}")


def _while(cond_fun: Callable, body_fun: Callable, init_val: Any, name: str, body_name: str) -> Any:
    keeper = TypeKeeper(
        init_val, name, "carry", "in init_val", "keep its structure, shapes and dtypes from step to step"
    )
    val = init_val
    step = 0
    while True:
        pred = cond_fun(val)
        scalar_check(pred, name, "cond_fun's result", "b", "a boolean scalar")
        if traced_by_jit(pred):  # the rest of the loop as one equation of the jit program
            return _marked(_lowered(cond_fun, body_fun, val, keeper, name, body_name))
        if value_hidden(pred):  # differs across a vmap batch
            if not any_example(pred, name):
                break
            new = body_fun(val)
            keeper.check(new, f"out of {body_name} at step {step}")
            val = tree.map(lambda n, o: fnp.where(pred, n, o), new, val)
        else:
            if not bool(pred):
                break
            val = body_fun(val)
            keeper.check(val, f"out of {body_name} at step {step}")
        step += 1
    return _marked(val)


def _lowered(
    cond_fun: Callable, body_fun: Callable, val: Any, keeper: TypeKeeper, name: str, body_name: str
) -> Any:
    """The loop from ``val`` on as one jit equation; refused where it cannot be lowered."""
    leaves = tree.leaves(val)
    top = top_trace(leaves)
    if all_arrays(leaves) and (top is None or isinstance(top, JitTrace)):

        def check(pred: Any, new: Any) -> None:
            scalar_check(pred, name, "cond_fun's result", "b", "a boolean scalar")
            keeper.check(new, f"out of {body_name}")

        out = jit_while(cond_fun, body_fun, val, check)
        if out is not None:
            return out
    raise jit_refusal(name, "its predicate")


def while_loop(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: Any) -> Any:
    """``val = body_fun(val)`` while ``cond_fun(val)`` is true; the final ``val`` (JAX's
    lax.while_loop). ``cond_fun`` returns a boolean scalar; the carry keeps its structure,
    shapes and dtypes. Forward mode and vmap go through; reverse mode raises a ValueError (as
    JAX: the trip count depends on the values), so use scan or fori_loop for gradients.
    """
    _check_callable(cond_fun, "while_loop", "cond_fun")
    _check_callable(body_fun, "while_loop", "body_fun")
    return _while(cond_fun, body_fun, init_val, "while_loop", "body_fun")


def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any], init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for ``i`` from ``lower`` up to ``upper - 1`` (JAX's
    lax.fori_loop); returns the final ``val``.

    With concrete integer bounds ``i`` is a Python int (weakly typed, so ``x * i`` keeps
    ``x``'s dtype) and every transform goes through the steps, reverse mode included. Bounds
    that differ across a vmap batch, or that jit traces, make it a while_loop over ``(i, val)``
    (``i`` an integer array; reverse mode then refuses, as JAX's).
    """
    scalar_check(lower, "fori_loop", "lower", "iu", "an integer scalar")
    scalar_check(upper, "fori_loop", "upper", "iu", "an integer scalar")
    _check_callable(body_fun, "fori_loop", "body_fun")
    if value_hidden(lower) or value_hidden(upper):  # batched, or traced by jit
        start = fnp.asarray(lower) if traced_by_jit(lower) or traced_by_jit(upper) else lower
        return _while(
            lambda c: c[0] < upper,
            lambda c: (c[0] + 1, body_fun(c[0], c[1])),
            (start, init_val),
            "fori_loop",
            "body_fun",
        )[1]
    keeper = TypeKeeper(
        init_val,
        "fori_loop",
        "carry",
        "in init_val",
        "keep its structure, shapes and dtypes from step to step",
    )
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
        keeper.check(val, f"out of body_fun at i = {i}")
    return val
