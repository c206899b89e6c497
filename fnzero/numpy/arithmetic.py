"""Binary arithmetic and selection, with their vjp and jvp rules.

Kernels use Python's operators, so NumPy and CuPy arrays and Python scalars (weakly typed:
``x * 2.0`` keeps float32) combine as the array library says. Broadcasting is undone by the
engine (it sums each cotangent down to its operand's shape and broadcasts each tangent up
to the output's), so rules ignore it.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from fnzero._checks import flag
from fnzero.backends import array_module, xp_of
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import TRACER_TYPES, concrete
from fnzero.numpy.batching import broadcasting_rule, example_ndim, rank_up, to_front
from fnzero.numpy.creation import astype, ones_like, zeros_like
from fnzero.numpy.dtypes import result_type
from fnzero.numpy.elementwise import abs as absolute
from fnzero.numpy.elementwise import exp, exp2, floor, log, signbit, square, trunc
from fnzero.numpy.logic import equal, greater, isfinite, isnan, less, logical_and, logical_or, logical_xor


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
    exponent = _where(logical_and(equal(x, 0), equal(y, 0)), 1, y - 1)
    return g * y * x**exponent


power = _binary("power", operator.pow, onnx="Pow").defvjp(
    _power_vjp_base,
    # d/dy x**y = log(x) x**y; at x == 0 the limit is 0 (JAX's convention).
    lambda g, ans, x, y: g * ans * log(_where(equal(x, 0), 1, x)),
)
power.defjvp(
    _power_vjp_base,  # elementwise: the same product with the tangent in place of g
    lambda t, ans, x, y: t * ans * log(_where(equal(x, 0), 1, x)),
)


def _onnx_where(b, eq, ops, out):
    cond = b.tensor(ops[0], b.first_var(eq))
    values_like = b.first_var(eq, start=1)
    return b.node("Where", [cond, *(b.tensor(o, values_like) for o in ops[1:])], out)


_where = _binary("where", _where_impl, onnx=_onnx_where).defvjp(
    None,
    lambda g, ans, c, x, y: _where(c, g, 0),
    lambda g, ans, c, x, y: _where(c, 0, g),
)
_where.defjvp(
    None,
    lambda t, ans, c, x, y: _where(c, t, 0),
    lambda t, ans, c, x, y: _where(c, 0, t),
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
    """``x / y`` (NumPy's other name for ``divide``)."""
    return divide(x, y)


def where(condition, x=None, y=None, /, *, size: int | None = None, fill_value=None):
    """``x`` where ``condition`` holds, else ``y`` (broadcast together; differentiable in
    ``x`` and ``y``). With ``condition`` alone: the indices of its nonzero entries, one
    array per axis (``nonzero``), padded or cut to ``size`` entries with ``fill_value``."""
    if x is None and y is None:
        return _nonzero(condition, size, fill_value)
    if x is None or y is None:
        given = "x" if y is None else "y"
        raise ValueError(
            f"fnzero.numpy.where: got {given} alone; give both x and y (a selection) or neither "
            f"(the indices where condition holds)"
        )
    if size is not None or fill_value is not None:
        raise ValueError("fnzero.numpy.where: size and fill_value apply only to where(condition)")
    return _where(condition, x, y)


def _nonzero(condition, size, fill_value) -> tuple:
    """The indices of the nonzero entries of ``condition``, read from its value (their
    number depends on it, so no derivative and no fixed shape, unless ``size`` is given)."""
    value = concrete(condition)
    xp = array_module(value)
    found = xp.nonzero(xp.asarray(value))
    if size is None:
        if fill_value is not None:
            raise ValueError("fnzero.numpy.where: fill_value needs size")
        return found
    if not isinstance(size, (int, np.integer)) or size < 0:
        raise ValueError(f"fnzero.numpy.where: size must be a non-negative int, got {size!r}")
    fills = fill_value if isinstance(fill_value, (tuple, list)) else (fill_value,) * len(found)
    if len(fills) != len(found):
        raise ValueError(
            f"fnzero.numpy.where: fill_value has {len(fills)} entries for a {len(found)}-d condition"
        )
    out = []
    for idx, fill in zip(found, fills):
        padded = xp.full(size, 0 if fill is None else fill, dtype=idx.dtype)
        n = min(size, idx.shape[0])
        padded[:n] = idx[:n]
        out.append(padded)
    return tuple(out)


# Binary functions of the array module with derivative rules (the engine sums cotangents
# down to each operand's shape, so the rules ignore broadcasting).
def _xp_binary(name: str, fusion: str | None = None) -> Primitive:
    return _binary(
        name, lambda x, y: getattr(xp_of(x, y), name)(x, y), ufunc=name if fusion else None, fusion=fusion
    )


def _atan2_denominator(x, y):
    return square(x) + square(y)


arctan2 = _xp_binary("arctan2", "atan2({0}, {1})")
arctan2.defvjp(
    lambda g, ans, x, y: g * y / _atan2_denominator(x, y),
    lambda g, ans, x, y: -(g * x) / _atan2_denominator(x, y),
)
arctan2.defjvp(
    lambda t, ans, x, y: t * y / _atan2_denominator(x, y),
    lambda t, ans, x, y: -(t * x) / _atan2_denominator(x, y),
)


def _hypot_share(x, ans):
    """d hypot / dx = x / hypot; at (0, 0) half of it to each (JAX's choice there)."""
    at_origin = equal(ans, 0)
    return _where(at_origin, 0.5, x / _where(at_origin, 1, ans))


hypot = _xp_binary("hypot", "hypot({0}, {1})")
hypot.defvjp(
    lambda g, ans, x, y: g * _hypot_share(x, ans),
    lambda g, ans, x, y: g * _hypot_share(y, ans),
)
hypot.defjvp(
    lambda t, ans, x, y: t * _hypot_share(x, ans),
    lambda t, ans, x, y: t * _hypot_share(y, ans),
)
# log(exp(x) + exp(y)) without overflow; the derivatives are softmax weights, smooth at ties.
logaddexp = _xp_binary("logaddexp")
logaddexp.defvjp(lambda g, ans, x, y: g * exp(x - ans), lambda g, ans, x, y: g * exp(y - ans))
logaddexp.defjvp(lambda t, ans, x, y: t * exp(x - ans), lambda t, ans, x, y: t * exp(y - ans))
logaddexp2 = _xp_binary("logaddexp2")
logaddexp2.defvjp(lambda g, ans, x, y: g * exp2(x - ans), lambda g, ans, x, y: g * exp2(y - ans))
logaddexp2.defjvp(lambda t, ans, x, y: t * exp2(x - ans), lambda t, ans, x, y: t * exp2(y - ans))
# x - floor(x / y) * y (the sign of y), and x - trunc(x / y) * y (the sign of x), from the
# kernels (exact) rather than that formula; the quotient is piecewise constant.
remainder = _xp_binary("remainder")
remainder.defvjp(_passed_on, lambda g, ans, x, y: -(g * floor(x / y)))
remainder.defjvp(_passed_on, lambda t, ans, x, y: -(t * floor(x / y)))
mod = remainder
fmod = _xp_binary("fmod", "fmod({0}, {1})")
fmod.defvjp(_passed_on, lambda g, ans, x, y: -(g * trunc(x / y)))
fmod.defjvp(_passed_on, lambda t, ans, x, y: -(t * trunc(x / y)))
# Piecewise constant: zero derivative almost everywhere, so not recorded.
floor_divide = _xp_binary("floor_divide")


def _copysign_vjp(g, ans, x, y):
    # +-1: +1 for x >= 0 (-0.0 included, as JAX's derivative of |x|), flipped by y's sign bit.
    return _where(logical_xor(less(x, 0), signbit(y)), -g, g)


copysign = _xp_binary("copysign", "copysign({0}, {1})")
copysign.defvjp(_copysign_vjp, None).defjvp(_copysign_vjp, None)


def heaviside(x1, x2, /):
    """The step function: 0 where ``x1 < 0``, 1 where ``x1 > 0``, ``x2`` where ``x1 == 0``
    (differentiable in ``x2`` there, zero derivative in ``x1``)."""
    dtype = _inexact(result_type(x1, x2))
    return _where(less(x1, 0), zeros_like(x1, dtype), _where(greater(x1, 0), ones_like(x1, dtype), x2))


def fmax(x1, x2):
    """The larger of ``x1`` and ``x2``, ignoring NaNs (NaN only where both are). At ties the
    derivative goes to ``x2``, as JAX's."""
    return _where(logical_or(greater(x1, x2), isnan(x2)), x1, x2)


def fmin(x1, x2):
    """The smaller of ``x1`` and ``x2``, ignoring NaNs (NaN only where both are). At ties the
    derivative goes to ``x2``, as JAX's."""
    return _where(logical_or(less(x1, x2), isnan(x2)), x1, x2)


def _inexact(dtype) -> np.dtype:
    """``dtype`` if it is a float or complex dtype, else float64 (for integers and booleans)."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _to_inexact(x):
    dtype = result_type(x)
    return x if dtype.kind in "fc" else astype(x, _inexact(dtype))


def float_power(x, y, /):
    """``x ** y`` in a float dtype: integers and booleans become float64, floats keep their
    dtype (JAX's rule; NumPy's float_power would make float32 float64)."""
    return power(_to_inexact(x), _to_inexact(y))


def reciprocal(x, /):
    """``1 / x``; integer inputs give float64 (as JAX, not NumPy's integer reciprocal)."""
    return divide(1, _to_inexact(x))


def fabs(x, /):
    """``|x|`` as a float (integers become float64); the derivative at 0 is fnzero's abs's."""
    return absolute(_to_inexact(x))


def positive(x, /):
    """``x`` itself (``+x``), as an array."""
    return x if type(x) in TRACER_TYPES else array_module(x).asarray(x)


def deg2rad(x, /):
    """Degrees to radians: ``x * pi / 180``."""
    return _to_inexact(x) * (math.pi / 180)


def rad2deg(x, /):
    """Radians to degrees: ``x * 180 / pi``."""
    return _to_inexact(x) * (180 / math.pi)


def radians(x, /):
    """Degrees to radians (deg2rad)."""
    return deg2rad(x)


def degrees(x, /):
    """Radians to degrees (rad2deg)."""
    return rad2deg(x)


def nan_to_num(
    x, copy: bool = True, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
):
    """``x`` with NaN replaced by ``nan`` and infinities by ``posinf``/``neginf`` (default: the
    dtype's largest and most negative finite values). Derivative 1 at finite entries, 0 elsewhere.
    ``copy`` is accepted for NumPy's signature: fnzero never writes into ``x``."""
    dtype = result_type(x)
    if dtype.kind not in "fc":
        return x
    if dtype.kind == "c":
        raise NotImplementedError(f"fnzero.numpy.nan_to_num: complex input ({dtype}) is not supported")
    info = np.finfo(dtype)
    high = info.max if posinf is None else posinf
    low = info.min if neginf is None else neginf
    replaced = _where(isnan(x), nan, _where(greater(x, 0), high, low))
    return _where(isfinite(x), x, astype(replaced, dtype))


def _real_only(name: str, x) -> None:
    if type(x) in TRACER_TYPES and result_type(x).kind == "c":
        raise NotImplementedError(
            f"fnzero.numpy.{name}: complex traced values are not supported (fnzero differentiates "
            f"real arrays); got {result_type(x)}"
        )


def real(val, /):
    """The real part; a real array is returned as it is."""
    _real_only("real", val)
    return val if result_type(val).kind != "c" else array_module(val).real(val)


def imag(val, /):
    """The imaginary part: zeros (of ``val``'s dtype) for a real array."""
    _real_only("imag", val)
    return zeros_like(val) if result_type(val).kind != "c" else array_module(val).imag(val)


def conj(x, /):
    """The complex conjugate; a real array is returned as it is."""
    _real_only("conj", x)
    return x if result_type(x).kind != "c" else array_module(x).conj(x)


conjugate = conj


def angle(z, deg: bool = False):
    """The complex argument; for a real array 0 where ``z >= +0`` and pi where ``z < 0``
    (or ``z`` is -0.0), with zero derivative, as ``arctan2(0, z)``."""
    _real_only("angle", z)
    z = z if result_type(z).kind == "f" else astype(z, float)
    out = arctan2(zeros_like(z), z)
    return out * (180.0 / math.pi) if deg else out


def iscomplexobj(x) -> bool:
    """Whether ``x`` has a complex dtype (whatever its values)."""
    return result_type(x).kind == "c"


def isrealobj(x) -> bool:
    """Whether ``x`` has a dtype that is not complex."""
    return not iscomplexobj(x)


def iscomplex(x):
    """Where the imaginary part is not zero (all False for a real array)."""
    return imag(x) != 0


def isreal(x):
    """Where the imaginary part is zero (all True for a real array)."""
    return imag(x) == 0


def _isclose_impl(a, b, rtol, atol, equal_nan):
    return xp_of(a, b).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _allclose_impl(a, b, rtol, atol, equal_nan, axes=None):
    return xp_of(a, b).asarray(_isclose_impl(a, b, rtol, atol, equal_nan).all(axis=axes))


def _array_equal_impl(a, b, equal_nan, axes=None):
    xp = xp_of(a, b)
    same = xp.equal(a, b)
    if equal_nan and np.dtype(result_type(a, b)).kind in "fc":
        same = same | (xp.isnan(a) & xp.isnan(b))
    return xp.asarray(same.all(axis=axes))


def _all_of_example_rule(prim: Primitive):
    """vmap's rule for a test over whole arrays: the elementwise test on the batch (axes
    lined up in front), then all() over each example's axes."""

    def rule(args, dims, **params):
        rank = max(example_ndim(a, d) for a, d in zip(args, dims))
        moved = [a if d is None else rank_up(to_front(a, d), rank) for a, d in zip(args, dims)]
        return prim(*moved, **params, axes=tuple(range(1, rank + 1))), 0

    return rule


# Tests of closeness and equality: boolean results, not differentiable.
_isclose = _binary("isclose", _isclose_impl)
_allclose = Primitive("allclose", _allclose_impl)
_allclose.defbatch(_all_of_example_rule(_allclose))
_array_equal = Primitive("array_equal", _array_equal_impl)
_array_equal.defbatch(_all_of_example_rule(_array_equal))


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Elementwise ``|a - b| <= atol + rtol * |b|`` (NaNs equal only with ``equal_nan``)."""
    equal_nan = flag(equal_nan, "equal_nan", "fnzero.numpy.isclose", integers=True)
    return _isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Whether ``isclose(a, b, ...)`` holds everywhere: a boolean 0-d array."""
    equal_nan = flag(equal_nan, "equal_nan", "fnzero.numpy.allclose", integers=True)
    return _allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def array_equal(a1, a2, equal_nan: bool = False):
    """Whether ``a1`` and ``a2`` have one shape and equal entries (NaNs equal only with
    ``equal_nan``): a boolean 0-d array."""
    equal_nan = flag(equal_nan, "equal_nan", "fnzero.numpy.array_equal", integers=True)
    if tuple(getattr(a1, "shape", np.shape(a1))) != tuple(getattr(a2, "shape", np.shape(a2))):
        return np.asarray(False)
    return _array_equal(a1, a2, equal_nan=equal_nan)
