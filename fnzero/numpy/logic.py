"""Comparisons and logic: boolean results, not differentiable, usable in ``where``."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from fnzero.backends import array_module, xp_of
from fnzero.core.primitive import Primitive
from fnzero.numpy._batching import broadcasting_rule, same_axis_rule


def _binary(name: str, impl: Callable[..., Any] | None = None, onnx: str | None = None) -> Primitive:
    if impl is None:
        impl = lambda x, y: getattr(xp_of(x, y), name)(x, y)  # noqa: E731
    prim = Primitive(name, impl, onnx=onnx)
    return prim.defbatch(broadcasting_rule(prim))


def _unary(name: str, onnx: Any = None) -> Primitive:
    prim = Primitive(name, lambda x: getattr(array_module(x), name)(x), onnx=onnx)
    return prim.defbatch(same_axis_rule(prim))


def _onnx_isfinite(b, eq, ops, out):
    bad = b.node("Or", [b.node("IsInf", [ops[0]]), b.node("IsNaN", [ops[0]])])
    return b.node("Not", [bad], out)


less = _binary("less", operator.lt, onnx="Less")
less_equal = _binary("less_equal", operator.le)
greater = _binary("greater", operator.gt, onnx="Greater")
greater_equal = _binary("greater_equal", operator.ge)
equal = _binary("equal", onnx="Equal")
not_equal = _binary("not_equal")
logical_and = _binary("logical_and")
logical_or = _binary("logical_or")
logical_xor = _binary("logical_xor")
logical_not = _unary("logical_not")
isfinite = _unary("isfinite", onnx=_onnx_isfinite)
isnan = _unary("isnan")
isinf = _unary("isinf")
