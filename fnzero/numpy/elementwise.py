"""Elementwise functions of one array: kernel and derivative rule side by side.

Each rule is ``rule(g, ans, x)``: ``g`` the output's cotangent, ``ans`` the output.
They use fnzero operations only, so they can be differentiated again. The Jacobian of an
elementwise function is diagonal, so ``g * f'(x)`` is also its jvp rule (``g`` a tangent).
"""

from __future__ import annotations

from fnzero.backends import array_module, own_kernel
from fnzero.core.primitive import Primitive


def _unary(name: str, vjp=None) -> Primitive:
    def impl(x):
        return getattr(array_module(x), name)(x)

    prim = Primitive(name, impl)
    if vjp is not None:
        prim.defvjp(vjp)
        prim.defjvp(vjp)
    return prim


negative = Primitive("negative", lambda x: -x).defvjp(lambda g, ans, x: -g)
negative.defjvp(lambda t, ans, x: -t)
exp = _unary("exp", lambda g, ans, x: g * ans)
log = _unary("log", lambda g, ans, x: g / x)
log1p = _unary("log1p", lambda g, ans, x: g / (x + 1))
expm1 = _unary("expm1", lambda g, ans, x: g * (ans + 1))
sqrt = _unary("sqrt", lambda g, ans, x: g / (ans * 2))
square = _unary("square", lambda g, ans, x: g * (x * 2))
abs = _unary("abs", lambda g, ans, x: g * sign(x))  # noqa: A001
sin = _unary("sin", lambda g, ans, x: g * cos(x))
cos = _unary("cos", lambda g, ans, x: -(g * sin(x)))
tan = _unary("tan", lambda g, ans, x: g * (square(ans) + 1))


def _tanh_derivative(g, ans, x):
    """``g * (1 - ans**2)``: one fused kernel where the backend has it and no transform watches."""
    fused = own_kernel("tanh_vjp", g, ans)
    return g * (1 - square(ans)) if fused is None else fused


tanh = _unary("tanh", _tanh_derivative)
sinh = _unary("sinh", lambda g, ans, x: g * cosh(x))
cosh = _unary("cosh", lambda g, ans, x: g * sinh(x))
arctan = _unary("arctan", lambda g, ans, x: g / (square(x) + 1))
arcsin = _unary("arcsin", lambda g, ans, x: g / sqrt(1 - square(x)))
arccos = _unary("arccos", lambda g, ans, x: -g / sqrt(1 - square(x)))
arcsinh = _unary("arcsinh", lambda g, ans, x: g / sqrt(square(x) + 1))
# Piecewise-constant functions: zero derivative almost everywhere, so not recorded.
sign = _unary("sign")
floor = _unary("floor")
ceil = _unary("ceil")
_round = Primitive("round", lambda x, decimals: array_module(x).round(x, decimals))


def round(x, decimals: int = 0):  # noqa: A001
    """``x`` rounded to ``decimals`` places, halves to even (NumPy's); zero derivative."""
    return _round(x, decimals=decimals)
