"""Comparisons and logic: boolean results, not differentiable, usable in ``where``."""

from __future__ import annotations

import operator

from fnzero.backends import array_module, xp_of
from fnzero.core.primitive import Primitive


def _binary(name: str) -> Primitive:
    return Primitive(name, lambda x, y: getattr(xp_of(x, y), name)(x, y))


def _unary(name: str) -> Primitive:
    return Primitive(name, lambda x: getattr(array_module(x), name)(x))


less = Primitive("less", operator.lt)
less_equal = Primitive("less_equal", operator.le)
greater = Primitive("greater", operator.gt)
greater_equal = Primitive("greater_equal", operator.ge)
equal = _binary("equal")
not_equal = _binary("not_equal")
logical_and = _binary("logical_and")
logical_or = _binary("logical_or")
logical_xor = _binary("logical_xor")
logical_not = _unary("logical_not")
isfinite = _unary("isfinite")
isnan = _unary("isnan")
isinf = _unary("isinf")
