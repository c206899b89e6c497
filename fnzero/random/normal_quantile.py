"""The standard normal distribution function and its inverse, for truncated_normal.

The inverse is Wichura's rational approximation (Algorithm AS 241, Applied Statistics 37,
1988), accurate to about 1e-16, written with array operations so it runs on any backend. The
distribution function is needed only at the truncation bounds, so it is evaluated on the host
with ``math.erfc``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fnzero.backends import array_module

# Numerator and denominator coefficients, highest power first, for the three regions of AS 241.
_CENTRAL = (
    (
        2.5090809287301226727e3,
        3.3430575583588128105e4,
        6.7265770927008700853e4,
        4.5921953931549871457e4,
        1.3731693765509461125e4,
        1.9715909503065514427e3,
        1.3314166789178437745e2,
        3.3871328727963666080e0,
    ),
    (
        5.2264952788528545610e3,
        2.8729085735721942674e4,
        3.9307895800092710610e4,
        2.1213794301586595867e4,
        5.3941960214247511077e3,
        6.8718700749205790830e2,
        4.2313330701600911252e1,
        1.0,
    ),
)
_INTERMEDIATE = (
    (
        7.74545014278341407640e-4,
        2.27238449892691845833e-2,
        2.41780725177450611770e-1,
        1.27045825245236838258e0,
        3.64784832476320460504e0,
        5.76949722146069140550e0,
        4.63033784615654529590e0,
        1.42343711074968357734e0,
    ),
    (
        1.05075007164441684324e-9,
        5.47593808499534494600e-4,
        1.51986665636164571966e-2,
        1.48103976427480074590e-1,
        6.89767334985100004550e-1,
        1.67638483018380384940e0,
        2.05319162663775882187e0,
        1.0,
    ),
)
_FAR = (
    (
        2.01033439929228813265e-7,
        2.71155556874348757815e-5,
        1.24266094738807843860e-3,
        2.65321895265761230930e-2,
        2.96560571828504891230e-1,
        1.78482653991729133580e0,
        5.46378491116411436990e0,
        6.65790464350110377720e0,
    ),
    (
        2.04426310338993978564e-15,
        1.42151175831644588870e-7,
        1.84631831751005468180e-5,
        7.86869131145613259100e-4,
        1.48753612908506148525e-2,
        1.36929880922735805310e-1,
        5.99832206555887937690e-1,
        1.0,
    ),
)

# NumPy scalars: cheaper operands than Python floats in an in-place ufunc call, on any backend.
_CENTRAL, _INTERMEDIATE, _FAR = (
    tuple(tuple(np.float64(c) for c in part) for part in region) for region in (_CENTRAL, _INTERMEDIATE, _FAR)
)


def _rational_(coefficients: tuple, r: Any, num: Any, den: Any) -> Any:
    """P(r) / Q(r) into ``num`` by Horner's rule, in place (``den`` is scratch): two array
    operations per coefficient and no temporaries. The leading coefficients enter as
    ``r * a0 + a1``, which is what Horner's rule started from zero rounds to, bit for bit."""
    xp = array_module(r)
    num_c, den_c = coefficients
    xp.multiply(r, num_c[0], num)
    xp.multiply(r, den_c[0], den)
    xp.add(num, num_c[1], num)
    xp.add(den, den_c[1], den)
    for a, b in zip(num_c[2:], den_c[2:]):
        xp.multiply(num, r, num)
        xp.add(num, a, num)
        xp.multiply(den, r, den)
        xp.add(den, b, den)
    return xp.divide(num, den, num)


def _rational(coefficients: tuple, r: Any) -> Any:
    xp = array_module(r)
    return _rational_(coefficients, r, xp.empty_like(r), xp.empty_like(r))


def _tail(xp: Any, t: Any, q: Any) -> Any:
    """The quantile where ``|q| = |p - 1/2| > 0.425``, given ``t = min(p, 1 - p)``: a rational
    function of ``r = sqrt(-log(t))``, the far one only where ``r > 5`` (p below about 1e-11)."""
    r = xp.where(t > 0, t, 1.0)
    xp.log(r, r)
    xp.negative(r, r)
    xp.sqrt(r, r)
    far = xp.flatnonzero(~(r <= 5.0))
    x = _rational(_INTERMEDIATE, r - 1.6)
    if far.size:
        x[far] = _rational(_FAR, r[far] - 5.0)
    return xp.negative(x, x, where=q < 0)


def normal_quantile_(p: Any, x: Any, work: Any) -> Any:
    """``normal_quantile(p)`` into ``x`` (1-d float64 arrays of one length), with ``work`` a
    (3, len(p)) float64 scratch: the central rational function runs in place on every element,
    the tails' only on the elements in a tail (``|p - 1/2| > 0.425``)."""
    xp = array_module(p)
    q, r, den = work
    xp.subtract(p, 0.5, q)
    xp.multiply(q, q, r)
    xp.subtract(0.180625, r, r)
    _rational_(_CENTRAL, r, x, den)
    xp.multiply(x, q, x)
    xp.abs(q, r)
    tails = xp.flatnonzero(r > 0.425)
    if tails.size:
        pt = p[tails]
        x[tails] = _tail(xp, xp.minimum(pt, 1.0 - pt), q[tails])
    return x


def normal_quantile(p: Any) -> Any:
    """The x with Phi(x) = p, for a float64 array ``p`` in (0, 1)."""
    xp = array_module(p)
    flat = xp.ascontiguousarray(p).reshape(-1)
    x = normal_quantile_(flat, xp.empty_like(flat), xp.empty((3, flat.size), dtype=xp.float64))
    return x.reshape(p.shape)


def quantile_from(q: Any, tail_p: Any) -> Any:
    """The x with Phi(x) = 0.5 + q, given ``q`` and ``tail_p = min(Phi(x), 1 - Phi(x))``
    separately (float64 arrays of one shape), so that a caller who has both exactly (erfinv:
    ``q = y / 2``) loses no digits to forming ``0.5 + q``."""
    xp = array_module(q)
    shape = q.shape
    q = xp.ascontiguousarray(q, dtype=xp.float64).reshape(-1)
    tail_p = xp.ascontiguousarray(tail_p, dtype=xp.float64).reshape(-1)
    x = q * _rational(_CENTRAL, 0.180625 - q * q)
    tails = xp.flatnonzero(xp.abs(q) > 0.425)
    if tails.size:
        x[tails] = _tail(xp, tail_p[tails], q[tails])
    return x.reshape(shape)


_erfc = np.frompyfunc(math.erfc, 1, 1)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) on the host, accurate in the lower tail (the upper tail rounds to 1)."""
    return np.asarray(_erfc(-np.asarray(x, dtype=np.float64) / math.sqrt(2.0)), dtype=np.float64) / 2
