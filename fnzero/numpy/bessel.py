"""The modified Bessel functions of the first kind of orders 0 and 1, and their exponentially
scaled forms: ``i0`` (fnzero.numpy's, as jax.numpy's), and ``i0e``, ``i1``, ``i1e`` that
fnzero.scipy.special exports. Each is a primitive, declared once here with its derivative
rules (written with these primitives, so they differentiate again):

- i0' = i1 and i1' = i0 - i1 / x, from its power series where |x| < 1/2 (1/2 at x = 0), so
  that the second derivative does not cancel near 0;
- i0e' = i1e - sign(x) i0e and i1e' = i0e - i1e (sign(x) + 1 / x) (the same series near 0).

The kernels sum Chebyshev series (fnzero/numpy/_bessel_coefficients.py) of
``exp(-x / 2) I_n(x) / x**n`` on [0, 8] and of ``sqrt(x) exp(-x) I_n(x)`` in ``16 / x - 1``
beyond, in float64 whatever the input's float type (the result has the input's float type;
float64 for integers and booleans): a few ulps relative in float64. i0 and i1 overflow only
where the true value does (|x| > 713.98), as ``exp(|x| / 2)`` is applied twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from fnzero.numpy import _bessel_coefficients as _c
from fnzero.numpy.arithmetic import where
from fnzero.numpy.elementwise import _unary, exp, float_kernel, sign
from fnzero.numpy.elementwise import abs as _abs

_SPLIT = 8.0  # the small-argument series hold on [0, 8], the large-argument ones beyond


def _chebyshev(coefficients: tuple, u: Any) -> Any:
    """sum c[j] T_j(u) by Clenshaw's recurrence."""
    u2 = 2 * u
    b1 = b2 = 0.0
    for c in coefficients[:0:-1]:
        b1, b2 = u2 * b1 - b2 + c, b1
    return u * b1 - b2 + coefficients[0]


def _pieces(xp: Any, a: Any, small: Callable[[Any], Any], large: Callable[[Any], Any]) -> Any:
    """``small(a)`` where a <= 8, ``large(a)`` elsewhere (NaN included): each series summed only
    over its own elements."""
    out = xp.empty_like(a)
    near = a <= _SPLIT
    far = ~near
    out[near] = small(a[near])
    out[far] = large(a[far])
    return out


def _scaled_small(xp: Any, series: tuple, a: Any) -> Any:
    """exp(-a / 2) I_n(a) / a**n for a in [0, 8]."""
    return _chebyshev(series, a / 4 - 1)


def _scaled_large(xp: Any, series: tuple, a: Any) -> Any:
    """exp(-a) I_n(a) for a > 8 (0 at inf)."""
    return _chebyshev(series, 16 / a - 1) / xp.sqrt(a)


def _i0e(xp: Any, x: Any) -> Any:
    a = xp.abs(x)
    return _pieces(
        xp,
        a,
        lambda s: xp.exp(-s / 2) * _scaled_small(xp, _c.I0_SMALL, s),
        lambda s: _scaled_large(xp, _c.I0_LARGE, s),
    )


def _unscaled_large(xp: Any, series: tuple, a: Any) -> Any:
    """I_n(a) for a > 8, as exp(a / 2) * (exp(-a) I_n(a) * exp(a / 2)): finite up to 713.98."""
    half = xp.exp(a / 2)
    return xp.where(a == np.inf, np.inf, _scaled_large(xp, series, a) * half * half)


def _i0(xp: Any, x: Any) -> Any:
    a = xp.abs(x)
    return _pieces(
        xp,
        a,
        lambda s: xp.exp(s / 2) * _scaled_small(xp, _c.I0_SMALL, s),
        lambda s: _unscaled_large(xp, _c.I0_LARGE, s),
    )


def _i1e(xp: Any, x: Any) -> Any:
    a = xp.abs(x)
    out = _pieces(
        xp,
        a,
        lambda s: s * xp.exp(-s / 2) * _scaled_small(xp, _c.I1_SMALL, s),
        lambda s: _scaled_large(xp, _c.I1_LARGE, s),
    )
    return xp.where(x < 0, -out, out)


def _i1(xp: Any, x: Any) -> Any:
    a = xp.abs(x)  # I1 is odd: computed at |x|, negated where x < 0
    out = _pieces(
        xp,
        a,
        lambda s: s * xp.exp(s / 2) * _scaled_small(xp, _c.I1_SMALL, s),
        lambda s: _unscaled_large(xp, _c.I1_LARGE, s),
    )
    return xp.where(x < 0, -out, out)


_NEAR_ZERO = 0.5
# I1'(x) = sum (2k + 1) / (2 * 4**k * k! (k + 1)!) x**2k: below 0.5 eight terms are exact to
# rounding, and the series keeps i1's second derivative accurate where i0 - i1 / x cancels.
_I1_SLOPE = tuple((2 * k + 1) / (2 * 4**k * math.factorial(k) * math.factorial(k + 1)) for k in range(8))


def _split_near_zero(x: Any) -> tuple[Any, Any, Any, Any]:
    """``(near, series, far)``: where |x| < 0.5, the series of I1'(x) (0 elsewhere), and x
    replaced by 1 there, a divisor safe in the branch ``where`` discards."""
    near = _abs(x) < _NEAR_ZERO
    xs = where(near, x, 0.0)
    y = xs * xs
    series = 0.0
    for c in reversed(_I1_SLOPE):
        series = series * y + c
    return near, series, where(near, 1.0, x)


def _i1_slope(x: Any) -> Any:
    """I1'(x) = i0(x) - i1(x) / x (1/2 at 0), away from 0 as exp(|x|) (i0e - i1e / x), with
    exp(|x| / 2) applied twice: inf only where the true value overflows."""
    near, series, far = _split_near_zero(x)
    half = exp(_abs(x) / 2)
    return where(near, series, half * ((_i0e_prim(x) - _i1e_prim(x) / far) * half))


def _i1e_slope(x: Any, i1e: Any) -> Any:
    """The derivative of i1e, exp(-|x|) I1'(x) - sign(x) i1e(x) (1/2 at 0); i0e - i1e (sign + 1/x)
    away from 0, which overflows nowhere."""
    near, series, far = _split_near_zero(x)
    s = sign(x)
    return where(near, exp(-_abs(x)) * series - s * i1e, _i0e_prim(x) - i1e * (s + 1 / far))


_i0_prim = _unary("i0", lambda g, ans, x: g * _i1_prim(x), kernel=float_kernel("fnzero.numpy.i0", _i0))
_i1_prim = _unary(
    "i1",
    lambda g, ans, x: g * _i1_slope(x),
    kernel=float_kernel("fnzero.numpy.i1", _i1),
)
_i0e_prim = _unary(
    "i0e", lambda g, ans, x: g * (_i1e_prim(x) - sign(x) * ans), kernel=float_kernel("fnzero.numpy.i0e", _i0e)
)
_i1e_prim = _unary(
    "i1e",
    lambda g, ans, x: g * _i1e_slope(x, ans),
    kernel=float_kernel("fnzero.numpy.i1e", _i1e),
)


def i0(x: Any) -> Any:
    """The modified Bessel function of the first kind of order 0, I0(x) = sum (x/2)**2k / (k!)**2;
    its derivative is i1."""
    return _i0_prim(x)


def i1(x: Any) -> Any:
    """The modified Bessel function of the first kind of order 1; its derivative is
    i0(x) - i1(x) / x (1/2 at 0)."""
    return _i1_prim(x)


def i0e(x: Any) -> Any:
    """The exponentially scaled I0, exp(-|x|) * i0(x): finite for every x (i0 overflows beyond 713.98)."""
    return _i0e_prim(x)


def i1e(x: Any) -> Any:
    """The exponentially scaled I1, exp(-|x|) * i1(x): finite for every x."""
    return _i1e_prim(x)
