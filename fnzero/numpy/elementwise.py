"""Elementwise functions of one array, each declared once: kernel, derivative rule,
batching rule (the family's) and the facts jit and ONNX export read.

Each rule is ``rule(g, ans, x)``: ``g`` the output's cotangent, ``ans`` the output.
They use fnzero operations only, so they can be differentiated again. The Jacobian of an
elementwise function is diagonal, so ``g * f'(x)`` is also its jvp rule (``g`` a tangent).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from fnzero.backends import array_module, own_kernel
from fnzero.core.primitive import Primitive
from fnzero.numpy.batching import broadcasting_rule, same_axis_rule


def float_kernel(where: str, compute: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    """``compute(xp, x64)`` as the kernel of the unary function ``where`` (its full name, for
    errors): real input only, computed in float64, returned in the input's float type (float64
    for integers and booleans)."""

    def kernel(x):
        xp = array_module(x)
        x = xp.asarray(x)
        if x.dtype.kind not in "biuf":
            raise TypeError(
                f"{where}: x must be a real array; got dtype {x.dtype}. "
                "Complex and other dtypes are not supported."
            )
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        with np.errstate(all="ignore"):
            out = compute(xp, x.astype(np.float64))
        return out.astype(dtype, copy=False)

    kernel.__module__, kernel.__name__ = where.rsplit(".", 1)  # the function it serves
    return kernel


def _unary(
    name: str,
    vjp=None,
    *,
    fusion: str | None = None,
    onnx: Any = None,
    kernel: Callable[[Any], Any] | None = None,
) -> Primitive:
    """The array module's ufunc ``name`` as a primitive. A differentiable one is a ufunc jit
    may give an output buffer, and fusible as ``fusion`` (default: CUDA's ``name({0})``).
    With ``kernel`` (a function of one raw array, as fnzero.scipy.special's), the primitive
    computes that instead: not a ufunc, and fusible only where ``fusion`` is given."""

    def impl(x):
        return getattr(array_module(x), name)(x)

    differentiable = vjp is not None
    ufunc = name if differentiable and kernel is None else None
    if kernel is None and differentiable:
        fusion = fusion or f"{name}({{0}})"
    prim = Primitive(
        name,
        impl if kernel is None else kernel,
        ufunc=ufunc,
        fusion=fusion if differentiable else None,
        onnx=onnx,
    )
    if vjp is not None:
        prim.defvjp(vjp)
        prim.defjvp(vjp)
    prim.defbatch(same_axis_rule(prim))
    return prim


def expression_primitive(
    name: str, portable: Callable[..., Any], fusion: str, *, onnx: Any = None
) -> Primitive:
    """A primitive computing the CUDA expression ``fusion`` elementwise over its operands:
    ``portable`` on any array module, or one kernel built from ``fusion`` where the backend
    compiles expressions (CuPy). Derivatives of activations are such primitives: one pass
    over memory instead of three. The caller gives the derivative rules."""

    def impl(*arrays):
        own = own_kernel("elementwise", *arrays, expression=fusion, label=f"fnzero_{name}")
        return portable(*arrays) if own is None else own

    prim = Primitive(name, impl, fusion=fusion, onnx=onnx)
    prim.defbatch(broadcasting_rule(prim))
    return prim


def _onnx_square(b, eq, ops, out):
    return b.node("Mul", [ops[0], ops[0]], out)


negative = Primitive("negative", lambda x: -x, ufunc="negative", fusion="-{0}", onnx="Neg")
negative.defvjp(lambda g, ans, x: -g).defjvp(lambda t, ans, x: -t)
negative.defbatch(same_axis_rule(negative))
exp = _unary("exp", lambda g, ans, x: g * ans, onnx="Exp")
log = _unary("log", lambda g, ans, x: g / x, onnx="Log")
log1p = _unary("log1p", lambda g, ans, x: g / (x + 1))
expm1 = _unary("expm1", lambda g, ans, x: g * (ans + 1))
sqrt = _unary("sqrt", lambda g, ans, x: g / (ans * 2), onnx="Sqrt")
square = _unary("square", lambda g, ans, x: g * (x * 2), fusion="{0} * {0}", onnx=_onnx_square)
abs = _unary("abs", lambda g, ans, x: g * sign(x), fusion="fabs({0})", onnx="Abs")  # noqa: A001
sin = _unary("sin", lambda g, ans, x: g * cos(x), onnx="Sin")
cos = _unary("cos", lambda g, ans, x: -(g * sin(x)), onnx="Cos")
tan = _unary("tan", lambda g, ans, x: g * (square(ans) + 1))


def _tanh_derivative_vjp_g(ct, ans, g, y):
    return tanh_derivative(ct, y)


def _tanh_derivative_vjp_y(ct, ans, g, y):
    return -(ct * g * y * 2)


def _onnx_tanh_derivative(b, eq, ops, out):
    g, y = (b.tensor(o, eq.output) for o in ops)
    one = b.constant(1, eq.output.dtype)
    return b.node("Mul", [g, b.node("Sub", [one, b.node("Mul", [y, y])])], out)


# tanh's derivative from its output, g * (1 - y**2), as one primitive.
tanh_derivative = expression_primitive(
    "tanh_derivative", lambda g, y: g * (1 - y * y), "{0} * ((T)1 - {1} * {1})", onnx=_onnx_tanh_derivative
)
tanh_derivative.defvjp(_tanh_derivative_vjp_g, _tanh_derivative_vjp_y)
tanh_derivative.defjvp(_tanh_derivative_vjp_g, _tanh_derivative_vjp_y)
tanh = _unary("tanh", lambda g, ans, x: tanh_derivative(g, ans), onnx="Tanh")
sinh = _unary("sinh", lambda g, ans, x: g * cosh(x))
cosh = _unary("cosh", lambda g, ans, x: g * sinh(x))
arctan = _unary("arctan", lambda g, ans, x: g / (square(x) + 1), fusion="atan({0})")
arcsin = _unary("arcsin", lambda g, ans, x: g / sqrt(1 - square(x)), fusion="asin({0})")
arccos = _unary("arccos", lambda g, ans, x: -g / sqrt(1 - square(x)), fusion="acos({0})")
arcsinh = _unary("arcsinh", lambda g, ans, x: g / sqrt(square(x) + 1), fusion="asinh({0})")
# Piecewise-constant functions: zero derivative almost everywhere, so not recorded.
sign = _unary("sign")
floor = _unary("floor")
ceil = _unary("ceil")
_round = Primitive("round", lambda x, decimals: array_module(x).round(x, decimals))
_round.defbatch(same_axis_rule(_round))


def round(x, decimals: int = 0):  # noqa: A001
    """``x`` rounded to ``decimals`` places, halves to even (NumPy's); zero derivative."""
    return _round(x, decimals=decimals)


def around(a, decimals: int = 0):
    """``a`` rounded to ``decimals`` places (NumPy's other name for ``round``)."""
    return _round(a, decimals=decimals)


# Inverse hyperbolic functions and other logarithms and powers: the array module's kernels
# (more accurate than composites such as log(x + sqrt(x*x - 1)) near their edges).
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
arccosh = _unary("arccosh", lambda g, ans, x: g / (sqrt(x - 1) * sqrt(x + 1)), fusion="acosh({0})")
arctanh = _unary("arctanh", lambda g, ans, x: g / ((1 - x) * (1 + x)), fusion="atanh({0})")
log2 = _unary("log2", lambda g, ans, x: g / (x * _LN2))
log10 = _unary("log10", lambda g, ans, x: g / (x * _LN10))
exp2 = _unary("exp2", lambda g, ans, x: g * ans * _LN2)
cbrt = _unary("cbrt", lambda g, ans, x: g / (square(ans) * 3))
_trunc = _unary("trunc")


def trunc(x):
    """``x`` rounded towards zero; zero derivative."""
    return _trunc(x)


rint = _unary("rint")
signbit = _unary("signbit")


# sinc'(x) = pi^2 x S((pi x)^2) with S(y) = sum over k >= 1 of (-1)^k 2k y^(k-1) / (2k + 1)!:
# the coefficients of S, highest first, for |x| < _SINC_SERIES_BELOW, where the closed form
# (cos(pi x) - sinc(x)) / x loses digits (relative error ~ 1e-16 / (pi x)^2).
_SINC_SERIES = (1 / 518918400, -1 / 3991680, 1 / 45360, -1 / 840, 1 / 30, -1 / 3)
_SINC_SERIES_BELOW = 0.05


def _sinc_derivative_impl(x):
    """d/dx sin(pi x) / (pi x) = (cos(pi x) - sinc(x)) / x, by its series near 0 (limit 0)."""
    xp = array_module(x)
    small = xp.abs(x) < _SINC_SERIES_BELOW
    safe = xp.where(small, 1, x)
    y = (math.pi * x) ** 2
    series = xp.zeros_like(y)
    for c in _SINC_SERIES:
        series = series * y + c
    return xp.where(small, math.pi**2 * x * series, (xp.cos(math.pi * safe) - xp.sinc(safe)) / safe)


def _sinc_second_derivative(g, ans, x):
    """g * sinc''(x): -pi**2 sinc(x) - 2 sinc'(x) / x, whose limit at 0 is -pi**2 / 3. Written
    with fnzero operations (a selection between two finite branches) for higher orders."""
    from fnzero.numpy.arithmetic import where

    zero = x == 0
    safe = where(zero, 1, x)
    curve = -(math.pi**2) * sinc(safe) - 2 * sinc_derivative(safe) / safe
    return g * where(zero, -(math.pi**2) / 3, curve)


# sinc and its derivative are primitives so that both are exact at 0, where the quotient
# sin(pi x) / (pi x) is 0 / 0 (as JAX: first derivative 0 and second -pi**2 / 3 there).
# numpy.sinc is a Python function, not a ufunc, and CUDA has no sinc: no ufunc, no fusion.
sinc_derivative = Primitive("sinc_derivative", _sinc_derivative_impl)
sinc_derivative.defvjp(_sinc_second_derivative).defjvp(_sinc_second_derivative)
sinc_derivative.defbatch(same_axis_rule(sinc_derivative))
sinc = Primitive("sinc", lambda x: array_module(x).sinc(x))
sinc.defvjp(lambda g, ans, x: g * sinc_derivative(x)).defjvp(lambda g, ans, x: g * sinc_derivative(x))
sinc.defbatch(same_axis_rule(sinc))
bitwise_count = _unary("bitwise_count")  # the number of 1 bits of each integer
