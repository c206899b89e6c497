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


def _rational(coefficients: tuple, r: Any) -> Any:
    num_c, den_c = coefficients
    num = 0.0
    den = 0.0
    for a, b in zip(num_c, den_c):
        num = num * r + a
        den = den * r + b
    return num / den


def normal_quantile(p: Any) -> Any:
    """The x with Phi(x) = p, for a float64 array ``p`` in (0, 1)."""
    return quantile_from(p - 0.5, array_module(p).minimum(p, 1.0 - p))


def quantile_from(q: Any, tail_p: Any) -> Any:
    """The x with Phi(x) = 0.5 + q, given ``q`` and ``tail_p = min(Phi(x), 1 - Phi(x))``
    separately, so that a caller who has both exactly (erfinv: ``q = y / 2``) loses no digits
    to forming ``0.5 + q``."""
    xp = array_module(q)
    central = q * _rational(_CENTRAL, 0.180625 - q * q)
    r = xp.sqrt(-xp.log(xp.where(tail_p > 0, tail_p, 1.0)))
    tail = xp.where(r <= 5.0, _rational(_INTERMEDIATE, r - 1.6), _rational(_FAR, r - 5.0))
    tail = xp.where(q < 0, -tail, tail)
    return xp.where(xp.abs(q) <= 0.425, central, tail)


_erfc = np.frompyfunc(math.erfc, 1, 1)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) on the host, accurate in the lower tail (the upper tail rounds to 1)."""
    return np.asarray(_erfc(-np.asarray(x, dtype=np.float64) / math.sqrt(2.0)), dtype=np.float64) / 2
