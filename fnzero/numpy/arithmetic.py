"""Binary arithmetic and selection, with their vjp and jvp rules.

Kernels use Python's operators, so NumPy and CuPy arrays and Python scalars (weakly typed:
``x * 2.0`` keeps float32) combine as the array library says. Broadcasting is undone by the
engine (it sums each cotangent down to its operand's shape and broadcasts each tangent up
to the output's), so rules ignore it.
"""

from __future__ import annotations

import operator

import numpy as np

from fnzero.backends import array_module, xp_of
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import TRACER_TYPES
from fnzero.numpy._batching import broadcasting_rule
from fnzero.numpy.elementwise import log
from fnzero.numpy.logic import equal, greater, logical_and


def _where_impl(condition, x, y):
    return xp_of(condition, x, y).where(condition, x, y)


def _passed_on(g, ans, x, y):
    """The cotangent (or tangent) unchanged: one function for every such rule, so a step
    runs one piece of code for all of them."""
    return g


def _negated(g, ans, x, y):
    return -g


def _binary(name: str, impl, *, ufunc: str | None = None, fusion: str | None = None, onnx=None) -> Primitive:
    """A broadcasting elementwise primitive: vmap lines its batch axes up at the front."""
    prim = Primitive(name, impl, ufunc=ufunc, fusion=fusion, onnx=onnx)
    return prim.defbatch(broadcasting_rule(prim))


add = _binary("add", operator.add, ufunc="add", fusion="{0} + {1}", onnx="Add")
add.defvjp(_passed_on, _passed_on).defjvp(_passed_on, _passed_on)
subtract = _binary("subtract", operator.sub, ufunc="subtract", fusion="{0} - {1}", onnx="Sub")
subtract.defvjp(_passed_on, _negated).defjvp(_passed_on, _negated)
multiply = _binary("multiply", operator.mul, ufunc="multiply", fusion="{0} * {1}", onnx="Mul")
multiply.defvjp(
    lambda g, ans, x, y: g * y,
    lambda g, ans, x, y: g * x,
)
multiply.defjvp(
    lambda t, ans, x, y: t * y,
    lambda t, ans, x, y: x * t,
)
divide = _binary("divide", operator.truediv, ufunc="divide", fusion="{0} / {1}", onnx="Div")
divide.defvjp(
    lambda g, ans, x, y: g / y,
    lambda g, ans, x, y: -(g * ans) / y,
)
divide.defjvp(
    lambda t, ans, x, y: t / y,
    lambda t, ans, x, y: -(t * ans) / y,
)


def _power_vjp_base(g, ans, x, y):
    # x**0 is constant, so its derivative is 0 even at x == 0, where y * x**(y - 1) is 0 * inf.
    if not hasattr(y, "shape"):  # a Python exponent: stays weakly typed
        return g * 0 if y == 0 else g * y * x ** (y - 1)
    exponent = where(logical_and(equal(x, 0), equal(y, 0)), 1, y - 1)
    return g * y * x**exponent


power = _binary("power", operator.pow, onnx="Pow").defvjp(
    _power_vjp_base,
    # d/dy x**y = log(x) x**y; at x == 0 the limit is 0 (JAX's convention).
    lambda g, ans, x, y: g * ans * log(where(equal(x, 0), 1, x)),
)
power.defjvp(
    _power_vjp_base,  # elementwise: the same product with the tangent in place of g
    lambda t, ans, x, y: t * ans * log(where(equal(x, 0), 1, x)),
)


def _onnx_where(b, eq, ops, out):
    cond = b.tensor(ops[0], b.first_var(eq))
    values_like = b.first_var(eq, start=1)
    return b.node("Where", [cond, *(b.tensor(o, values_like) for o in ops[1:])], out)


where = _binary("where", _where_impl, onnx=_onnx_where).defvjp(
    None,
    lambda g, ans, c, x, y: where(c, g, 0),
    lambda g, ans, c, x, y: where(c, 0, g),
)
where.defjvp(
    None,
    lambda t, ans, c, x, y: where(c, t, 0),
    lambda t, ans, c, x, y: where(c, 0, t),
)


def _share(g, first, second):
    """``g`` where ``first`` wins, half of it on ties (split evenly, as JAX), 0 where it loses.

    Outside vmap the masks are raw arrays (comparisons are not differentiated): multiplying
    by them is an order of magnitude faster than a select on the random signs a network
    produces. On the CPU a check for ties (one cheap pass) skips the tie term when there are
    none; a GPU would have to wait for that answer, so there the term is always added.
    """
    wins = greater(first, second)
    ties = equal(first, second)
    if type(ties) not in TRACER_TYPES and array_module(ties) is np and not ties.any():
        return g * wins
    return g * (wins.astype(g.dtype) + ties.astype(g.dtype) * 0.5)


def _max_vjp_first(g, ans, x, y):
    return _share(g, x, y)


def _max_vjp_second(g, ans, x, y):
    return _share(g, y, x)


maximum = _binary("maximum", lambda x, y: xp_of(x, y).maximum(x, y), ufunc="maximum", onnx="Max")
minimum = _binary("minimum", lambda x, y: xp_of(x, y).minimum(x, y), ufunc="minimum", onnx="Min")
maximum.defvjp(_max_vjp_first, _max_vjp_second)
minimum.defvjp(_max_vjp_second, _max_vjp_first)
# Elementwise, so the vjp rules are also the jvp rules.
maximum.defjvp(_max_vjp_first, _max_vjp_second)
minimum.defjvp(_max_vjp_second, _max_vjp_first)


def clip(x, a_min=None, a_max=None):
    """Limit ``x`` to ``[a_min, a_max]``: ``minimum(maximum(x, a_min), a_max)``, as NumPy defines
    it (crossed bounds give ``a_max``) and as JAX differentiates it (ties share the gradient)."""
    if a_min is None and a_max is None:
        raise ValueError("fnzero.numpy.clip: give a_min, a_max or both")
    if a_min is not None:
        x = maximum(x, a_min)
    if a_max is not None:
        x = minimum(x, a_max)
    return x


def true_divide(x, y):
    return divide(x, y)
