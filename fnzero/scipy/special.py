"""fnzero.scipy.special: JAX's ``jax.scipy.special``, differentiable to any order.

The functions that need their own kernel (erf, erfc, erfinv, ndtri, log_ndtr, gammaln,
digamma, polygamma) are primitives, declared here once with their derivative rules (written
with fnzero operations, so they differentiate again: gammaln -> digamma -> polygamma(1) ->
polygamma(2) ...). The kernels are in fnzero/scipy/_kernels.py, NumPy (or CuPy) only, good to
a few ulps in float64. The Bessel functions i0, i0e, i1, i1e are primitives of
fnzero/numpy/bessel.py (fnzero.numpy.i0 is one of them, and fnzero.numpy sits below scipy).
The rest are compositions of fnzero.numpy and these primitives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero import lax
from fnzero.core.primitive import Primitive
from fnzero.numpy.batching import broadcasting_rule
from fnzero.numpy.bessel import i0, i0e, i1, i1e
from fnzero.numpy.elementwise import _unary
from fnzero.scipy import _kernels

__all__ = [
    "betaln",
    "beta",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfinv",
    "expit",
    "gamma",
    "gammaln",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "ndtr",
    "ndtri",
    "polygamma",
    "softmax",
    "xlog1py",
    "xlogy",
]

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT_HALF = math.sqrt(0.5)

_erf = _unary(
    "erf",
    lambda g, ans, x: g * (_TWO_OVER_SQRT_PI * fnp.exp(-fnp.square(x))),
    kernel=_kernels.erf,
    onnx="Erf",
)
_erfc = _unary(
    "erfc", lambda g, ans, x: g * (-_TWO_OVER_SQRT_PI * fnp.exp(-fnp.square(x))), kernel=_kernels.erfc
)
# exp(x**2) erfc(x): what log_ndtr's derivative is made of in the lower tail.
_erfcx = _unary("erfcx", lambda g, ans, x: g * (x * ans * 2 - _TWO_OVER_SQRT_PI), kernel=_kernels.erfcx)
_HALF_SQRT_PI = math.sqrt(math.pi) / 2
_erfinv = _unary(
    "erfinv", lambda g, ans, x: g * (_HALF_SQRT_PI * fnp.exp(fnp.square(ans))), kernel=_kernels.erfinv
)
_ndtri = _unary(
    "ndtri", lambda g, ans, x: g * (_SQRT_2PI * fnp.exp(fnp.square(ans) / 2)), kernel=_kernels.ndtri
)


def _log_ndtr_derivative(x: Any, ans: Any) -> Any:
    """pdf(x) / ndtr(x): in the lower tail sqrt(2/pi) / erfcx(-x/sqrt(2)) (no cancellation),
    elsewhere exp(-x**2/2 - log_ndtr(x)) / sqrt(2 pi). Each branch sees safe inputs only."""
    lower = x < -1
    z = fnp.where(lower, -x * _SQRT_HALF, 1.0)
    x_up = fnp.where(lower, 0.0, x)
    ans_up = fnp.where(lower, -math.log(2), ans)
    upper = fnp.exp(-fnp.square(x_up) / 2 - ans_up) / _SQRT_2PI
    return fnp.where(lower, math.sqrt(2 / math.pi) / _erfcx(z), upper)


_log_ndtr = _unary("log_ndtr", lambda g, ans, x: g * _log_ndtr_derivative(x, ans), kernel=_kernels.log_ndtr)
_polygamma = Primitive("polygamma", _kernels.polygamma_kernel)
_polygamma.defvjp(None, lambda g, ans, n, x: g * _polygamma(n + 1, x))
_polygamma.defjvp(None, lambda t, ans, n, x: t * _polygamma(n + 1, x))
_polygamma.defbatch(broadcasting_rule(_polygamma))
_digamma = _unary("digamma", lambda g, ans, x: g * _polygamma(1, x), kernel=_kernels.digamma)
_gammaln = _unary("gammaln", lambda g, ans, x: g * _digamma(x), kernel=_kernels.gammaln, fusion=None)


def erf(x: Any) -> Any:
    """The error function, 2/sqrt(pi) times the integral of exp(-t**2) from 0 to x."""
    return _erf(x)


def erfc(x: Any) -> Any:
    """1 - erf(x), accurate to a few ulps in the upper tail too (erfc(26) ~ 5.7e-296)."""
    return _erfc(x)


def erfinv(x: Any) -> Any:
    """The inverse of erf on [-1, 1] (+-inf at +-1, nan outside)."""
    return _erfinv(x)


def _as_float(x: Any) -> Any:
    """x, with integers and booleans made float64 (the float types pass unchanged)."""
    x = fnp.asarray(x)
    return x if fnp.issubdtype(x.dtype, fnp.floating) else fnp.astype(x, fnp.float64)


def ndtr(x: Any) -> Any:
    """The standard normal distribution function, erfc(-x / sqrt(2)) / 2, with the argument
    of erfc rounded once in float64 whatever x's float type (the result has x's type)."""
    x = _as_float(x)
    wide = fnp.astype(x, fnp.float64)
    return fnp.astype(0.5 * _erfc(wide * -_SQRT_HALF), x.dtype)


def ndtri(p: Any) -> Any:
    """The inverse of ndtr: the x with ndtr(x) = p, for p in [0, 1] (-inf at 0, inf at 1)."""
    return _ndtri(p)


def log_ndtr(x: Any, series_order: int = 3) -> Any:
    """log(ndtr(x)), finite and accurate for any x (log_ndtr(-30) = -454.32...).

    ``series_order`` is JAX's: the order of the asymptotic series JAX uses below -20. fnzero
    needs no series (it uses erfcx there), so it only checks the argument as JAX does."""
    if not isinstance(series_order, (int, np.integer)) or isinstance(series_order, bool):
        raise TypeError(f"fnzero.scipy.special.log_ndtr: series_order must be an int; got {series_order!r}")
    if not 0 <= series_order <= 30:
        raise ValueError(
            f"fnzero.scipy.special.log_ndtr: series_order must be in [0, 30]; got {series_order}"
        )
    return _log_ndtr(x)


def gammaln(x: Any) -> Any:
    """log|Gamma(x)| (inf at the poles 0, -1, -2, ...)."""
    return _gammaln(x)


def digamma(x: Any) -> Any:
    """The derivative of gammaln (nan at the poles 0, -1, -2, ..., as JAX's)."""
    return _digamma(x)


def polygamma(n: Any, x: Any) -> Any:
    """The n-th derivative of digamma at x, for integer-valued n >= 0 (differentiable in x only)."""
    return _polygamma(n, x)


def _gamma_sign(x: Any) -> Any:
    """The sign of Gamma(x): +1 for x > 0, alternating between the poles below."""
    odd = fnp.floor(x) - fnp.floor(x / 2) * 2
    return fnp.where(fnp.logical_or(x > 0, odd == 0), 1.0, -1.0)


def gamma(x: Any) -> Any:
    """The gamma function, sign(Gamma(x)) * exp(gammaln(x)) (nan at the negative integers)."""
    out = _gamma_sign(x) * fnp.exp(_gammaln(x))
    pole = fnp.logical_and(x < 0, fnp.floor(x) == x)
    return fnp.where(pole, np.nan, out)


_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)


def _stirling_correction(x: Any) -> Any:
    """lgamma(x) minus Stirling's (x - 1/2) log x - x + log(2 pi) / 2, for x >= 8."""
    y = 1 / fnp.square(x)
    out = 0.0
    for c in reversed(_STIRLING):
        out = out * y + c
    return out / x


def betaln(a: Any, b: Any) -> Any:
    """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b).

    Where the larger argument is 8 or more, the difference gammaln(b) - gammaln(a + b) is
    taken from Stirling's series in closed form, so a small a beside a large b loses nothing
    to cancellation (betaln(1e-3, 1e5) is right to the last digits)."""
    lo, hi = fnp.minimum(a, b), fnp.maximum(a, b)
    big = fnp.logical_and(hi >= 8, lo > 0)
    lo_b, hi_b = fnp.where(big, lo, 1.0), fnp.where(big, hi, 8.0)
    total = lo_b + hi_b
    tail = (
        -(hi_b - 0.5) * fnp.log1p(lo_b / hi_b)
        - lo_b * fnp.log(total)
        + lo_b
        + _stirling_correction(hi_b)
        - _stirling_correction(total)
    )
    direct = _gammaln(a) + _gammaln(b) - _gammaln(a + b)
    return fnp.where(big, _gammaln(lo_b) + tail, direct)


def beta(a: Any, b: Any) -> Any:
    """The beta function Gamma(a) Gamma(b) / Gamma(a + b), as sign * exp(betaln(a, b))."""
    sign = _gamma_sign(a) * _gamma_sign(b) * _gamma_sign(a + b)
    return sign * fnp.exp(betaln(a, b))


def expit(x: Any) -> Any:
    """The logistic sigmoid 1 / (1 + exp(-x)) (fnzero.lax.logistic, as fnzero.nn.sigmoid)."""
    return lax.logistic(x)


def logit(x: Any) -> Any:
    """The inverse of expit, log(x / (1 - x))."""
    return fnp.log(x / (1 - x))


def xlogy(x: Any, y: Any) -> Any:
    """x * log(y), and 0 where x == 0 whatever y is. Only there is y replaced (by 1, where it is
    not a finite positive number), so the derivative in x at x = 0 is still log(y), as JAX's."""
    bad = fnp.logical_and(x == 0, fnp.logical_not(fnp.logical_and(y > 0, y < np.inf)))
    return x * fnp.log(fnp.where(bad, 1, y))


def xlog1py(x: Any, y: Any) -> Any:
    """x * log1p(y), and 0 where x == 0 whatever y is (y is replaced there only where
    log1p(y) is not finite, so the derivative in x at x = 0 is log1p(y))."""
    bad = fnp.logical_and(x == 0, fnp.logical_not(fnp.logical_and(y > -1, y < np.inf)))
    return x * fnp.log1p(fnp.where(bad, 0, y))


def entr(x: Any) -> Any:
    """The entropy term -x log(x): 0 at x = 0, -inf for x < 0."""
    value = -x * fnp.log(fnp.where(x > 0, x, 1))
    return fnp.where(x < 0, -np.inf, value)


Axis = int | Sequence[int] | None


def _axes(axis: Axis, ndim: int, name: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (int, np.integer, tuple, list)) or isinstance(axis, (bool, np.bool_)):
        raise TypeError(
            f"fnzero.scipy.special.{name}: axis must be None, an int or a tuple of ints, got {axis!r:.40} "
            f"({type(axis).__name__})"
        )
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not isinstance(ax, (int, np.integer)) or not -ndim <= ax < max(ndim, 1):
            raise ValueError(
                f"fnzero.scipy.special.{name}: axis {axis!r} is out of range for an array of rank {ndim}"
            )
        out.append(int(ax) % max(ndim, 1))
    return tuple(sorted(set(out)))


def logsumexp(
    a: Any,
    axis: Axis = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
    where: Any = None,
) -> Any:
    """log(|sum(b * exp(a))|) over ``axis`` without overflow (fnzero.lax.logsumexp, which is
    fnzero.nn.logsumexp too, as JAX's two are one function)."""
    return lax.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign, where=where)


def softmax(x: Any, /, *, axis: int | tuple[int, ...] | None = None) -> Any:
    """exp(x) normalized over ``axis`` (all axes when None, JAX's default)."""
    axes = _axes(axis, fnp.ndim(x), "softmax")
    e = fnp.exp(x - fnp.stop_gradient(fnp.max(x, axis=axes, keepdims=True)))
    return e / fnp.sum(e, axis=axes, keepdims=True)


def log_softmax(x: Any, /, *, axis: int | tuple[int, ...] | None = None) -> Any:
    """log(softmax(x)) over ``axis`` (all axes when None), as ``x - logsumexp(x)``."""
    axes = _axes(axis, fnp.ndim(x), "log_softmax")
    return x - fnp.logsumexp(x, axis=axes, keepdims=True)
