"""A float taken apart and put together: mantissa and exponent, integer and fractional
parts, the next representable number. The parts are differentiable where the math is."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero.backends import array_module
from fnzero.core.primitive import Primitive
from fnzero.numpy._batching import same_axis_rule
from fnzero.numpy.arithmetic import floor_divide, multiply, power, remainder
from fnzero.numpy.creation import asarray, astype
from fnzero.numpy.elementwise import trunc
from fnzero.numpy.logic import nondifferentiable_binary, nondifferentiable_unary

_spacing = nondifferentiable_unary("spacing")
_nextafter = nondifferentiable_binary("nextafter")
# The exponent half of frexp (an integer, so no derivative); the mantissa is x scaled by it.
_exponent = Primitive("frexp_exponent", lambda x: array_module(x).frexp(x)[1])
_exponent.defbatch(same_axis_rule(_exponent))


def spacing(x: Any, /) -> Any:
    """The distance from ``x`` to the next float away from zero (no derivative)."""
    return _spacing(x)


def nextafter(x: Any, y: Any, /) -> Any:
    """The float next to ``x`` in the direction of ``y`` (no derivative)."""
    return _nextafter(x, y)


def ldexp(x1: Any, x2: Any, /) -> Any:
    """``x1 * 2**x2`` for integer ``x2``: differentiable in ``x1``."""
    x2 = asarray(x2)
    if x2.dtype.kind not in "iub":
        raise TypeError(f"fnzero.numpy.ldexp: x2 must be integers, got dtype {x2.dtype}")
    x1 = asarray(x1)
    dtype = x1.dtype if x1.dtype.kind == "f" else np.dtype(float)
    return multiply(astype(x1, dtype), astype(power(2.0, x2), dtype))


def frexp(x: Any, /) -> tuple[Any, Any]:
    """Mantissa in [0.5, 1) (in magnitude) and integer exponent with
    ``x = mantissa * 2**exponent``; the mantissa is ``x`` scaled, so it differentiates."""
    x = asarray(x)
    exponent = _exponent(x)
    return ldexp(x, -exponent), exponent


def modf(x: Any, /) -> tuple[Any, Any]:
    """The fractional and integral parts, each with the sign of ``x`` (NumPy's order)."""
    whole = trunc(x)
    return x - whole, whole


def divmod(x1: Any, x2: Any, /) -> tuple[Any, Any]:  # noqa: A001
    """``(floor_divide(x1, x2), remainder(x1, x2))``, as Python's divmod."""
    return floor_divide(x1, x2), remainder(x1, x2)
