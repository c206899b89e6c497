"""Kernels of fnzero.scipy.special on raw arrays: the error function family, the normal
quantile, log-gamma and the polygamma functions, written with array operations only (they
run on any backend) and computed in float64 whatever the input's float type.

- erf, erfc, erfcx: a Taylor series for |x| < 0.5; beyond, ``erfc(x) = exp(-x**2) * erfcx(x)``
  with erfcx from piecewise Chebyshev series (fnzero/scipy/_coefficients.py) and
  ``exp(-x**2)`` taken from a split of ``x`` whose square is exact, so erfc keeps its
  relative accuracy deep in the tail (erfc(26) ~ 6e-296).
- ndtri, erfinv: Wichura's AS 241 (fnzero/random/normal_quantile.py); erfinv hands it
  ``q = y / 2`` and ``(1 - |y|) / 2`` directly, so no digit is lost near 0 or near 1.
- log_ndtr: ``log(erfcx(z) / 2) - x**2 / 2`` in the lower tail (no series to truncate).
- gammaln: Chebyshev series of ``lgamma(1 + z) / z`` and ``lgamma(2 + z) / z`` near the
  zeros 1 and 2 (relative accuracy there), the recurrence below 8, Stirling's series above,
  the reflection formula for x <= 0.
- digamma, polygamma: the recurrence up to a shift where the asymptotic (Euler-Maclaurin)
  series is exact to rounding, the reflection formula for x <= 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from fnzero.backends import xp_of
from fnzero.numpy.elementwise import float_kernel
from fnzero.random.normal_quantile import quantile_from
from fnzero.scipy._coefficients import _ERFCX_PIECES, _LGAMMA_1, _LGAMMA_2

_SQRT_PI = math.sqrt(math.pi)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# 2 / sqrt(pi) * (-1)**n / (n! (2n + 1)): erf's Taylor series in x, odd powers.
_ERF_TAYLOR = tuple(2 / _SQRT_PI * (-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(15))
# Bernoulli numbers B_2 .. B_16.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _horner(coefficients: tuple, y: Any) -> Any:
    out = 0.0
    for c in reversed(coefficients):
        out = out * y + c
    return out


def _series(coefficients: tuple, lo: float, hi: float, z: Any) -> Any:
    b1 = b2 = 0.0
    u = (2 * z - (lo + hi)) / (hi - lo)
    for c in coefficients[:0:-1]:
        b1, b2 = 2 * u * b1 - b2 + c, b1
    return u * b1 - b2 + coefficients[0]


# The lower ends, in x, of the pieces of _ERFCX_PIECES (whose own bounds are in x or in 1 / x**2).
_ERFCX_STARTS = (0.5, 1.25, 2.0, 3.0, 4.0, 10.0)


def _erfcx_big(xp: Any, a: Any) -> Any:
    """exp(a**2) erfc(a) for a >= 0.5 (smaller a are clipped to 0.5); each piece's series is
    summed over its own elements only (NaN stays NaN)."""
    a = xp.maximum(a, 0.5)
    out = xp.full_like(a, np.nan)
    ends = _ERFCX_STARTS[1:] + (np.inf,)
    for (lo, hi, c), start, end in zip(_ERFCX_PIECES, _ERFCX_STARTS, ends):
        inside = (a >= start) & ((a < end) if end < np.inf else (a <= end))
        v = a[inside]
        if start < 4:
            out[inside] = _series(c, lo, hi, v)
        else:
            out[inside] = _series(c, lo, hi, 1 / (v * v)) / (_SQRT_PI * v)
    return out


def _exp_minus_square(xp: Any, a: Any) -> Any:
    """exp(-a**2) for a >= 0, with a split into a 12-bit head (whose square is exact) and a
    tail, so the rounding of a**2 costs no accuracy where the result is tiny."""
    a = xp.minimum(a, 40.0)
    head = xp.floor(a * 4096) / 4096
    tail = a - head
    return xp.exp(-head * head) * xp.exp(-tail * (2 * head + tail))


def _erf_small(x: Any) -> Any:
    return x * _horner(_ERF_TAYLOR, x * x)


def _split_at_half(xp: Any, x: Any, small: Callable[[Any], Any], big: Callable[[Any, Any], Any]) -> Any:
    """``small(x)`` where |x| < 0.5 and ``big(x, exp(-x**2) erfcx(|x|))`` elsewhere (NaN
    included), each computed over its own elements only."""
    out = xp.empty_like(x)
    near = xp.abs(x) < 0.5
    far = ~near
    out[near] = small(x[near])
    rest = x[far]
    a = xp.abs(rest)
    out[far] = big(rest, _exp_minus_square(xp, a) * _erfcx_big(xp, a))
    return out


def _erf(xp: Any, x: Any) -> Any:
    return _split_at_half(xp, x, _erf_small, lambda v, e: xp.sign(v) * (1 - e))


def _erfc(xp: Any, x: Any) -> Any:
    return _split_at_half(xp, x, lambda v: 1 - _erf_small(v), lambda v, e: xp.where(v > 0, e, 2 - e))


def _erfcx(xp: Any, x: Any) -> Any:
    a = xp.abs(x)
    small = xp.exp(x * x) * (1 - _erf_small(x))
    e = _erfcx_big(xp, a)
    return xp.where(a < 0.5, small, xp.where(x > 0, e, 2 * xp.exp(x * x) - e))


def _ndtri(xp: Any, p: Any) -> Any:
    inside = (p > 0) & (p < 1)
    safe = xp.where(inside, p, 0.5)
    out = quantile_from(safe - 0.5, xp.minimum(safe, 1 - safe))
    return xp.where(inside, out, xp.where(p == 0, -np.inf, xp.where(p == 1, np.inf, np.nan)))


def _erfinv(xp: Any, y: Any) -> Any:
    inside = xp.abs(y) < 1
    safe = xp.where(inside, y, 0.0)
    out = quantile_from(safe / 2, (1 - xp.abs(safe)) / 2) * math.sqrt(0.5)
    edge = xp.where(xp.abs(y) == 1, xp.sign(y) * np.inf, np.nan)
    return xp.where(inside, out, edge)


def _log_ndtr(xp: Any, x: Any) -> Any:
    lower = xp.log(0.5 * _erfcx_big(xp, -x * math.sqrt(0.5))) - 0.5 * (x * x)
    upper = xp.log1p(-0.5 * _erfc(xp, x * math.sqrt(0.5)))
    return xp.where(x < -1, lower, upper)


def _sinpi_abs(xp: Any, x: Any) -> Any:
    """|sin(pi x)|, reduced exactly to an argument in [-1/2, 1/2] first."""
    r = xp.remainder(x, 2.0)
    r = xp.where(r > 1, r - 2, r)
    r = xp.where(r > 0.5, 1 - r, xp.where(r < -0.5, -1 - r, r))
    return xp.abs(xp.sin(math.pi * r))


def _cotpi(xp: Any, x: Any) -> Any:
    """cot(pi x), with x reduced exactly to [-1/2, 1/2] (period 1)."""
    return 1 / xp.tan(math.pi * (x - xp.round(x)))


def _lgamma_core(xp: Any, x: Any) -> Any:
    """lgamma on [0.75, 3): the series about 1 and about 2 (relative accuracy at the zeros)."""
    z1, z2 = x - 1, x - 2
    return xp.where(x < 1.5, z1 * _series(_LGAMMA_1, -0.25, 0.5, z1), z2 * _series(_LGAMMA_2, -0.5, 1.0, z2))


def _stirling_correction(x: Any) -> Any:
    """lgamma(x) minus its Stirling approximation, for x >= 8: sum B_2k / (2k (2k-1) x**(2k-1))."""
    y = 1 / (x * x)
    terms = tuple(b / ((2 * k + 2) * (2 * k + 1)) for k, b in enumerate(_BERNOULLI))
    return _horner(terms, y) / x


def _lgamma_positive(xp: Any, x: Any) -> Any:
    """lgamma for x > 0 (and anything for x <= 0, which the caller replaces)."""
    big = xp.maximum(x, 8.0)
    stirling = (big - 0.5) * xp.log(big) - big + _HALF_LOG_2PI + _stirling_correction(big)
    stirling = xp.where(big == np.inf, np.inf, stirling)
    # Below 8: shift down into [2, 3) multiplying the factors taken off, or, below 0.75, up by one.
    mid = xp.clip(x, 0.75, 8.0)
    factors = xp.ones_like(mid)
    for _ in range(5):
        over = mid >= 3
        mid = xp.where(over, mid - 1, mid)
        factors = xp.where(over, factors * mid, factors)
    middle = _lgamma_core(xp, mid) + xp.log(factors)
    tiny = xp.clip(x, 0.0, 0.75)
    small = _lgamma_core(xp, tiny + 1) - xp.log(tiny)
    return xp.where(x >= 8, stirling, xp.where(x >= 0.75, middle, small))


def _gammaln(xp: Any, x: Any) -> Any:
    positive = _lgamma_positive(xp, x)
    # x <= 0: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x); poles (integers) give inf.
    reflected = math.log(math.pi) - xp.log(_sinpi_abs(xp, x)) - _lgamma_positive(xp, 1 - xp.minimum(x, 0))
    pole = (x <= 0) & (x == xp.floor(x))
    return xp.where(x > 0, positive, xp.where(pole, np.inf, reflected))


_SHIFT = 10.0  # the recurrences move x up to at least this before the asymptotic series


def _digamma_positive(xp: Any, x: Any) -> Any:
    z = x
    acc = xp.zeros_like(x)
    for _ in range(int(_SHIFT)):
        low = z < _SHIFT
        acc = xp.where(low, acc + 1 / z, acc)
        z = xp.where(low, z + 1, z)
    y = 1 / (z * z)
    series = _horner(tuple(b / (2 * k + 2) for k, b in enumerate(_BERNOULLI)), y) * y
    return xp.log(z) - 0.5 / z - series - acc


def _digamma(xp: Any, x: Any) -> Any:
    positive = _digamma_positive(xp, xp.where(x > 0, x, 1.0))
    # x <= 0: psi(x) = psi(1 - x) - pi cot(pi x); the poles (integers) give nan, as JAX's.
    one_minus = 1 - xp.minimum(x, 0)
    reflected = _digamma_positive(xp, one_minus) - math.pi * _cotpi(xp, x)
    pole = (x <= 0) & (x == xp.floor(x))
    return xp.where(x > 0, positive, xp.where(pole, np.nan, reflected))


def _hurwitz_zeta_positive(xp: Any, s: int, x: Any) -> Any:
    """zeta(s, x) = sum over k >= 0 of (x + k)**-s, for an integer s >= 2 and x > 0: the first
    terms summed until x + k >= shift, the rest by the Euler-Maclaurin formula."""
    shift = _SHIFT + s
    z = x
    acc = xp.zeros_like(x)
    for _ in range(int(shift)):
        low = z < shift
        acc = xp.where(low, acc + z**-s, acc)
        z = xp.where(low, z + 1, z)
    tail = z ** (1 - s) / (s - 1) + 0.5 * z**-s
    rising = s  # s (s + 1) ... (s + 2j - 2), with j's factorial folded in below
    power = z ** (-s - 1)
    for j, b in enumerate(_BERNOULLI, start=1):
        tail = tail + b / math.factorial(2 * j) * rising * power
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        power = power / (z * z)
    return acc + tail


def _cot_derivative_polynomial(n: int) -> np.ndarray:
    """Coefficients (lowest power first) of D_n with d^n/dx^n cot(pi x) = pi**n D_n(cot(pi x))."""
    d = np.array([0.0, 1.0])
    for _ in range(n):
        dd = np.polynomial.polynomial.polyder(d)
        d = -np.polynomial.polynomial.polymul(dd, [1.0, 0.0, 1.0])
    return d


def _polygamma_n(xp: Any, n: int, x: Any) -> Any:
    if n == 0:
        return _digamma(xp, x)
    sign = (-1.0) ** (n + 1) * math.factorial(n)
    positive = sign * _hurwitz_zeta_positive(xp, n + 1, xp.where(x > 0, x, 1.0))
    one_minus = 1 - xp.minimum(x, 0)
    mirror = sign * _hurwitz_zeta_positive(xp, n + 1, one_minus)
    c = _cotpi(xp, x)
    d = _cot_derivative_polynomial(n)
    reflected = (-1.0) ** n * mirror - math.pi ** (n + 1) * _horner(tuple(d), c)
    pole = (x <= 0) & (x == xp.floor(x))
    return xp.where(x > 0, positive, xp.where(pole, np.nan, reflected))


def polygamma_kernel(n: Any, x: Any) -> Any:
    """The n-th derivative of digamma at x, for integer-valued n >= 0 (broadcast together)."""
    xp = xp_of(n, x)
    n, x = xp.asarray(n), xp.asarray(x)
    if n.dtype.kind not in "biuf" or x.dtype.kind not in "biuf":
        raise TypeError(f"fnzero.scipy.special.polygamma: n and x must be real; got {n.dtype} and {x.dtype}")
    orders = np.unique(np.asarray(n if xp is np else xp.asnumpy(n)))
    if orders.size and (np.any(orders < 0) or np.any(orders != np.floor(orders))):
        raise ValueError(
            f"fnzero.scipy.special.polygamma: n must hold non-negative integers; got {orders.tolist()}"
        )
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    n, x = xp.broadcast_arrays(n, x.astype(np.float64))
    out = xp.zeros(x.shape)
    with np.errstate(all="ignore"):
        for k in orders:
            out = xp.where(n == k, _polygamma_n(xp, int(k), x), out)
    return out.astype(dtype, copy=False)


erf = float_kernel("fnzero.scipy.special.erf", _erf)
erfc = float_kernel("fnzero.scipy.special.erfc", _erfc)
erfcx = float_kernel("fnzero.scipy.special.erfcx", _erfcx)
erfinv = float_kernel("fnzero.scipy.special.erfinv", _erfinv)
ndtri = float_kernel("fnzero.scipy.special.ndtri", _ndtri)
log_ndtr = float_kernel("fnzero.scipy.special.log_ndtr", _log_ndtr)
gammaln = float_kernel("fnzero.scipy.special.gammaln", _gammaln)
digamma = float_kernel("fnzero.scipy.special.digamma", _digamma)
