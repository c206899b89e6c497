"""Comparisons and logic: boolean results, not differentiable, usable in ``where``."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from fnzero.backends import array_module, xp_of
from fnzero.core.primitive import Primitive
from fnzero.numpy._batching import broadcasting_rule, same_axis_rule


def nondifferentiable_binary(
    name: str, impl: Callable[..., Any] | None = None, onnx: str | None = None
) -> Primitive:
    """The array module's broadcasting function ``name`` as a primitive with no derivative
    (its results are booleans or integers): vmap lines the batch axes up."""
    if impl is None:
        impl = lambda x, y: getattr(xp_of(x, y), name)(x, y)  # noqa: E731
    prim = Primitive(name, impl, onnx=onnx)
    return prim.defbatch(broadcasting_rule(prim))


def nondifferentiable_unary(name: str, onnx: Any = None) -> Primitive:
    """The array module's elementwise function ``name`` as a primitive with no derivative."""
    prim = Primitive(name, lambda x: getattr(array_module(x), name)(x), onnx=onnx)
    return prim.defbatch(same_axis_rule(prim))


def _onnx_isfinite(b, eq, ops, out):
    bad = b.node("Or", [b.node("IsInf", [ops[0]]), b.node("IsNaN", [ops[0]])])
    return b.node("Not", [bad], out)


less = nondifferentiable_binary("less", operator.lt, onnx="Less")
less_equal = nondifferentiable_binary("less_equal", operator.le)
greater = nondifferentiable_binary("greater", operator.gt, onnx="Greater")
greater_equal = nondifferentiable_binary("greater_equal", operator.ge)
equal = nondifferentiable_binary("equal", onnx="Equal")
not_equal = nondifferentiable_binary("not_equal")
logical_and = nondifferentiable_binary("logical_and")
logical_or = nondifferentiable_binary("logical_or")
logical_xor = nondifferentiable_binary("logical_xor")
logical_not = nondifferentiable_unary("logical_not")
isfinite = nondifferentiable_unary("isfinite", onnx=_onnx_isfinite)
isnan = nondifferentiable_unary("isnan")
isinf = nondifferentiable_unary("isinf")


def isposinf(x: Any, /) -> Any:
    """Where ``x`` is +inf."""
    return logical_and(isinf(x), greater(x, 0))


def isneginf(x: Any, /) -> Any:
    """Where ``x`` is -inf."""
    return logical_and(isinf(x), less(x, 0))
