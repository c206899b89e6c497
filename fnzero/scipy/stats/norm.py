"""The normal distribution with mean ``loc`` and standard deviation ``scale``, as
``jax.scipy.stats.norm``: densities, distribution functions and quantiles, differentiable
in every argument."""

from __future__ import annotations

import math
from typing import Any

import fnzero.numpy as fnp
from fnzero.scipy import special

__all__ = ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log of the density, -((x - loc) / scale)**2 / 2 - log(scale) - log(2 pi) / 2."""
    z = (x - loc) / scale
    # A Python number's log stays a Python number, so float32 arguments give float32.
    log_scale = math.log(scale) if isinstance(scale, (int, float)) else fnp.log(scale)
    return -fnp.square(z) / 2 - log_scale - _HALF_LOG_2PI


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density exp(logpdf(x, loc, scale))."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The distribution function P(X <= x), ndtr((x - loc) / scale)."""
    return special.ndtr((x - loc) / scale)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log P(X <= x), log_ndtr((x - loc) / scale): finite far in the lower tail."""
    return special.log_ndtr((x - loc) / scale)


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function P(X > x), ndtr((loc - x) / scale), accurate in the upper tail."""
    return special.ndtr((loc - x) / scale)


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log P(X > x), log_ndtr((loc - x) / scale)."""
    return special.log_ndtr((loc - x) / scale)


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function, the inverse of cdf: loc + scale * ndtri(q)."""
    return special.ndtri(q) * scale + loc


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse of sf: loc - scale * ndtri(q), the x with P(X > x) = q."""
    return loc - special.ndtri(q) * scale
