"""More samplers, JAX's: gumbel, exponential, laplace, logistic, categorical, gamma, beta,
dirichlet, poisson and multivariate_normal.

Each is a kernel on a key's words (so a key batched by vmap draws all its rows in one call),
built on float64 uniforms on (0, 1) and standard normals from :mod:`fnzero.random.distributions`;
results are cast to the dtype asked for at the end. Samplers that reject (gamma's
Marsaglia-Tsang method, poisson's transformed rejection) work in vectorized rounds: each round
draws fresh numbers from a key derived from the round's number, for the entries still pending
only, so the cost stays near one draw per entry. Parameters are checked where their values are
cheap to read (numbers, host arrays): a bad one raises ValueError naming it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fnzero.backends import Backend, reads_values_cheaply
from fnzero.random.distributions import _float_dtype, _host, _normal, _on, _size, _untraced, unit_floats
from fnzero.random.keys import Shape, _fold_in, as_shape, draw
from fnzero.random.threefry import Word, rows_of

# Rounds after which a rejection sampler gives up (each round leaves under 1/10 pending).
_MAX_ROUNDS = 200
# The key gamma's boost for a < 1 draws from (the rounds use 0 .. 2 * _MAX_ROUNDS).
_BOOST_TAG = 0xFFFFFFFF


# ----------------------------------------------------------------------------- building blocks


def _subkey(target: Backend, k0: Word, k1: Word, tag: int) -> tuple[Word, Word]:
    """The words of ``fold_in(key, tag)``, for the keys' rows."""
    words = _fold_in(target, k0, k1, tag)
    if rows_of(k0):
        return words[..., :1], words[..., 1:]
    return int(words[0]), int(words[1])


def _open_unit(target: Backend, k0: Word, k1: Word, n: int) -> Any:
    """``n`` float64 uniforms on the open interval (0, 1) (after the keys' rows)."""
    return unit_floats(target, k0, k1, n, np.dtype(np.float64)) + 2.0**-54


def _normals(target: Backend, k0: Word, k1: Word, n: int) -> Any:
    return _normal(target, k0, k1, (n,), np.dtype(np.float64))


def _prefix_normals(target: Backend, k0: Word, k1: Word, n: int) -> Any:
    """``n`` float64 standard normals whose first m do not depend on ``n`` (Box-Muller on two
    uniforms from two derived keys; ``normal`` pairs its uniforms across the whole draw)."""
    xp = target.xp
    radius = xp.sqrt(-2 * xp.log(_open_unit(target, *_subkey(target, k0, k1, 0), n)))
    return radius * xp.cos((2 * math.pi) * _open_unit(target, *_subkey(target, k0, k1, 1), n))


def _pending_draws(target: Backend, draw_fn: Any, k0: Word, k1: Word, pending: Any) -> Any:
    """Fresh numbers for the pending entries of ``pending`` (rows, n): as many as the fullest row
    needs are drawn per row and handed out in order; other entries get some number (unused).
    ``draw_fn``'s first m numbers must not depend on how many it draws, so that a row of keys
    batched by vmap gets what its key gives alone."""
    xp = target.xp
    m = int(pending.sum(axis=-1).max()) if pending.size else 0
    fresh = draw_fn(target, k0, k1, max(m, 1))
    fresh = fresh.reshape(pending.shape[:-1] + (max(m, 1),))
    rank = xp.clip(xp.cumsum(pending, axis=-1) - 1, 0, max(m, 1) - 1)
    return xp.take_along_axis(fresh, rank, axis=-1)


def _check(value: Any, ok: Any, name: str, where: str, accepted: str) -> None:
    """ValueError naming ``name`` unless ``ok(values)`` holds, where the values are cheap to read."""
    if isinstance(value, (int, float, np.number)) or reads_values_cheaply(value):
        with np.errstate(invalid="ignore"):
            good = bool(np.all(ok(_host(value))))
        if not good:
            raise ValueError(f"fnzero.random.{where}: {name} must be {accepted}, got {value!r:.80}")


def _param_shape(where: str, shape: Shape | None, *params: Any) -> tuple[int, ...]:
    """``shape`` (checked to take the parameters' broadcast shape), or that shape when None."""
    shapes = [tuple(np.shape(p)) for p in params]
    try:
        joint = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"fnzero.random.{where}: parameters of shapes {shapes} do not broadcast") from None
    if shape is None:
        return joint
    shape = as_shape(shape, where)
    try:
        fits = np.broadcast_shapes(joint, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"fnzero.random.{where}: parameters of shape {joint} do not broadcast to shape {shape}"
        )
    return shape


def _lgamma(xp: Any, x: Any) -> Any:
    if xp is np:
        return np.asarray(_host_lgamma(x), dtype=np.float64)
    from cupyx.scipy.special import gammaln  # the only device library fnzero runs on

    return gammaln(x)


_host_lgamma = np.frompyfunc(math.lgamma, 1, 1)


# ------------------------------------------------------------------- one uniform, transformed


def _transformed(where: str, transform: Any, doc: str) -> Any:
    """A sampler ``(key, shape=(), dtype=float32)`` of ``transform(u)`` for u uniform on (0, 1)."""

    def kernel(target: Backend, k0: Word, k1: Word, shape: tuple[int, ...], dtype: np.dtype) -> Any:
        u = _open_unit(target, k0, k1, _size(shape))
        return transform(target.xp, u).astype(dtype).reshape(rows_of(k0) + shape)

    def sampler(
        key: Any, shape: Shape = (), dtype: Any = np.float32, *, backend: str | Backend | None = None
    ) -> Any:
        return draw(
            key, where, kernel, backend, shape=as_shape(shape, where), dtype=_float_dtype(dtype, where)
        )

    sampler.__name__ = sampler.__qualname__ = where
    sampler.__doc__ = doc
    return sampler


def _gumbel(xp: Any, u: Any) -> Any:
    return -xp.log(-xp.log(u))


def _laplace(xp: Any, u: Any) -> Any:
    v = u - 0.5  # in (-1/2, 1/2): the log never sees 0
    return -xp.sign(v) * xp.log1p(-2 * xp.abs(v))


gumbel = _transformed("gumbel", _gumbel, "Standard Gumbel floats: ``-log(-log(u))`` for u uniform on (0, 1).")
exponential = _transformed(
    "exponential",
    lambda xp, u: -xp.log(u),
    "Standard exponential floats (rate 1): ``-log(u)``, u uniform on (0, 1).",
)
laplace = _transformed(
    "laplace", _laplace, "Standard Laplace floats (density ``exp(-|x|) / 2``), by inverting the CDF."
)
logistic = _transformed(
    "logistic",
    lambda xp, u: xp.log(u) - xp.log1p(-u),
    "Standard logistic floats: ``log(u / (1 - u))``, u on (0, 1).",
)


# -------------------------------------------------------------------------------- categorical


def categorical(
    key: Any,
    logits: Any,
    axis: int = -1,
    shape: Shape | None = None,
    replace: bool = True,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Indices along ``axis`` drawn with probabilities ``softmax(logits)`` (Gumbel-max).

    ``shape`` defaults to the shape of ``logits`` without ``axis``; it may add leading axes
    (more draws per distribution). With ``replace=False`` the draws along those leading axes
    are distinct (Gumbel top-k).
    """
    logits = _untraced(logits, "logits", "categorical")
    ndim = len(np.shape(logits))
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"fnzero.random.categorical: axis must be an int, got {axis!r:.40} ({type(axis).__name__})"
        )
    if not -ndim <= axis < ndim:
        raise ValueError(f"fnzero.random.categorical: axis {axis} is out of range for logits of {ndim} axes")
    axis %= ndim
    full = tuple(np.shape(logits))
    batch = full[:axis] + full[axis + 1 :]
    shape = batch if shape is None else as_shape(shape, "categorical")
    lead = len(shape) - len(batch)
    try:
        fits = lead >= 0 and np.broadcast_shapes(shape[lead:], batch) == shape[lead:]
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"fnzero.random.categorical: shape {shape} must end with a shape that logits' batch shape "
            f"{batch} broadcasts to"
        )
    if not replace and _size(shape[:lead]) > full[axis]:
        raise ValueError(
            f"fnzero.random.categorical: cannot draw {_size(shape[:lead])} distinct categories out of "
            f"{full[axis]} without replacement"
        )
    _check(logits, lambda v: ~np.isnan(v) & (v < np.inf), "logits", "categorical", "finite or -inf")
    return draw(
        key, "categorical", _categorical, backend, logits=logits, axis=axis, shape=shape, replace=replace
    )


def _categorical(
    target: Backend, k0: Word, k1: Word, logits: Any, axis: int, shape: tuple[int, ...], replace: bool
) -> Any:
    xp = target.xp
    rows = rows_of(k0)
    full = tuple(np.shape(logits))
    n = full[axis]
    batch = full[:axis] + full[axis + 1 :]
    lead = len(shape) - len(batch)
    # The noise has the draws' shape with the categories at ``axis`` (counted from the end).
    per_distribution = shape[lead:][:axis] + (n,) + shape[lead:][axis:]
    noise_shape = (shape[:lead] if replace else ()) + per_distribution
    noise = _gumbel(xp, _open_unit(target, k0, k1, _size(noise_shape))).reshape(rows + noise_shape)
    scores = _on(target, logits, xp.float64) + noise
    at = axis - len(per_distribution)  # the categories' axis, negative
    if replace:
        return xp.argmax(scores, axis=at).astype(np.int32)
    k = _size(shape[:lead])
    order = xp.argsort(-scores, axis=at)
    top = xp.moveaxis(xp.take(order, xp.arange(k), axis=at), at, len(rows))
    return top.reshape(rows + shape).astype(np.int32)


# ---------------------------------------------------------------------------- gamma and friends


def _log_gamma_kernel(target: Backend, k0: Word, k1: Word, a: Any, n: int) -> Any:
    """log of ``n`` Gamma(a, 1) samples (after the keys' rows), ``a`` a float64 array of ``n``.

    Marsaglia and Tsang (2000) for shape ``a + 1`` where ``a < 1``, then the boost
    ``G(a) = G(a + 1) U^(1/a)`` taken in logs, so that tiny ``a`` does not underflow.
    """
    xp = target.xp
    rows = rows_of(k0)
    a = xp.broadcast_to(a, rows + (n,))
    small = a < 1
    d = xp.where(small, a + 1, a) - 1 / 3
    c = 1 / xp.sqrt(9 * d)
    log_v = xp.zeros(rows + (n,), dtype=xp.float64)
    pending = xp.ones(rows + (n,), dtype=bool)
    for r in range(_MAX_ROUNDS):
        if not bool(pending.any()):
            break
        z = _pending_draws(target, _prefix_normals, *_subkey(target, k0, k1, 2 * r), pending)
        u = _pending_draws(target, _open_unit, *_subkey(target, k0, k1, 2 * r + 1), pending)
        base = 1 + c * z
        with np.errstate(invalid="ignore", divide="ignore"):
            lv = 3 * xp.log(base)
            accept = (base > 0) & (xp.log(u) < 0.5 * z * z + d - d * xp.exp(lv) + d * lv)
        take = pending & accept
        log_v = xp.where(take, lv, log_v)
        pending = pending & ~take
    else:
        raise RuntimeError("fnzero.random.gamma: the rejection sampler did not finish (a bug)")
    log_g = xp.log(d) + log_v
    boost = xp.log(_open_unit(target, *_subkey(target, k0, k1, _BOOST_TAG), n)) / xp.where(small, a, 1)
    return xp.where(small, log_g + boost, log_g)


def _positive(value: Any, name: str, where: str) -> None:
    _check(value, lambda v: (v > 0) & (v < np.inf), name, where, "positive and finite")


def gamma(
    key: Any,
    a: Any,
    shape: Shape | None = None,
    dtype: Any = np.float32,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Gamma(a, 1) floats (shape ``a`` > 0, broadcast against ``shape``), by Marsaglia and Tsang's
    rejection method in vectorized rounds; ``a < 1`` is boosted from ``a + 1``."""
    a = _untraced(a, "a", "gamma")
    _positive(a, "a", "gamma")
    dtype = _float_dtype(dtype, "gamma")
    shape = _param_shape("gamma", shape, a)
    return draw(key, "gamma", _gamma, backend, a=a, shape=shape, dtype=dtype)


def _broadcast_param(target: Backend, p: Any, shape: tuple[int, ...]) -> Any:
    return target.xp.broadcast_to(_on(target, p, np.float64), shape).reshape(-1)


def _gamma(target: Backend, k0: Word, k1: Word, a: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    n = _size(shape)
    log_g = _log_gamma_kernel(target, k0, k1, _broadcast_param(target, a, shape), n)
    return target.xp.exp(log_g).astype(dtype).reshape(rows_of(k0) + shape)


def beta(
    key: Any,
    a: Any,
    b: Any,
    shape: Shape | None = None,
    dtype: Any = np.float32,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Beta(a, b) floats on [0, 1]: ``X / (X + Y)`` for X ~ Gamma(a), Y ~ Gamma(b), formed from
    their logs (so that tiny ``a`` and ``b`` give no 0 / 0)."""
    a = _untraced(a, "a", "beta")
    b = _untraced(b, "b", "beta")
    _positive(a, "a", "beta")
    _positive(b, "b", "beta")
    dtype = _float_dtype(dtype, "beta")
    shape = _param_shape("beta", shape, a, b)
    return draw(key, "beta", _beta, backend, a=a, b=b, shape=shape, dtype=dtype)


def _beta(
    target: Backend, k0: Word, k1: Word, a: Any, b: Any, shape: tuple[int, ...], dtype: np.dtype
) -> Any:
    xp = target.xp
    n = _size(shape)
    lx = _log_gamma_kernel(target, *_subkey(target, k0, k1, 0), _broadcast_param(target, a, shape), n)
    ly = _log_gamma_kernel(target, *_subkey(target, k0, k1, 1), _broadcast_param(target, b, shape), n)
    out = xp.exp(lx - xp.logaddexp(lx, ly))
    return out.astype(dtype).reshape(rows_of(k0) + shape)


def dirichlet(
    key: Any,
    alpha: Any,
    shape: Shape | None = None,
    dtype: Any = np.float32,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Points of the simplex drawn from Dirichlet(alpha): normalized Gamma(alpha_i) draws along
    the last axis. ``alpha`` has shape (..., K); the result has shape ``shape + (K,)``, where
    ``shape`` (default ``alpha.shape[:-1]``) must take ``alpha.shape[:-1]``."""
    alpha = _untraced(alpha, "alpha", "dirichlet")
    if len(np.shape(alpha)) < 1:
        raise ValueError(f"fnzero.random.dirichlet: alpha needs at least one axis, got {alpha!r:.60}")
    _positive(alpha, "alpha", "dirichlet")
    dtype = _float_dtype(dtype, "dirichlet")
    k = np.shape(alpha)[-1]
    batch = _param_shape("dirichlet", shape, np.empty(np.shape(alpha)[:-1]))
    return draw(key, "dirichlet", _dirichlet, backend, alpha=alpha, shape=batch + (k,), dtype=dtype)


def _dirichlet(
    target: Backend, k0: Word, k1: Word, alpha: Any, shape: tuple[int, ...], dtype: np.dtype
) -> Any:
    xp = target.xp
    log_g = _log_gamma_kernel(target, k0, k1, _broadcast_param(target, alpha, shape), _size(shape))
    log_g = log_g.reshape(rows_of(k0) + shape)
    e = xp.exp(log_g - log_g.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(dtype)


# ------------------------------------------------------------------------------------- poisson

# Below this rate poisson inverts the CDF; above, it uses Hormann's transformed rejection.
_POISSON_INVERSION_BELOW = 10.0


def poisson(
    key: Any,
    lam: Any,
    shape: Shape | None = None,
    dtype: Any = np.int32,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Poisson(lam) integers (rate ``lam`` >= 0, broadcast against ``shape``): inversion of the
    CDF for lam < 10, Hormann's transformed rejection (PTRS, 1993) in vectorized rounds above."""
    lam = _untraced(lam, "lam", "poisson")
    _check(lam, lambda v: (v >= 0) & (v < np.inf), "lam", "poisson", "finite and non-negative")
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"fnzero.random.poisson: dtype must be an integer type, got {dtype}")
    limit = np.iinfo(dtype).max
    _check(
        lam,
        lambda v: v + 10 * np.sqrt(v) + 10 <= limit,
        "lam",
        "poisson",
        f"small enough for {dtype} draws (the samples would overflow it)",
    )
    shape = _param_shape("poisson", shape, lam)
    return draw(key, "poisson", _poisson, backend, lam=lam, shape=shape, dtype=dtype)


def _poisson(target: Backend, k0: Word, k1: Word, lam: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    xp = target.xp
    rows = rows_of(k0)
    n = _size(shape)
    rate = xp.broadcast_to(_broadcast_param(target, lam, shape), rows + (n,))
    small = rate < _POISSON_INVERSION_BELOW
    out = xp.where(small, _poisson_inversion(target, *_subkey(target, k0, k1, 0), rate, n), 0.0)
    if bool((~small).any()):
        large = _poisson_rejection(target, *_subkey(target, k0, k1, 1), xp.where(small, 100.0, rate), n)
        out = xp.where(small, out, large)
    return out.astype(dtype).reshape(rows + shape)


def _poisson_inversion(target: Backend, k0: Word, k1: Word, rate: Any, n: int) -> Any:
    """The smallest k with ``u <= P(X <= k)``, found by walking the CDF in vectorized steps."""
    xp = target.xp
    u = _open_unit(target, k0, k1, n)
    rate = xp.minimum(rate, _POISSON_INVERSION_BELOW)
    k = xp.zeros_like(rate)
    p = xp.exp(-rate)
    cdf = p.copy()
    pending = u > cdf
    step = 0
    # p shrinks faster than geometrically past k = rate; stop once it no longer moves the CDF.
    while bool(pending.any()) and step < 200:
        step += 1
        k = xp.where(pending, k + 1, k)
        p = p * rate / step
        cdf = cdf + p
        pending = pending & (u > cdf) & (p > 0)
    return k


def _poisson_rejection(target: Backend, k0: Word, k1: Word, rate: Any, n: int) -> Any:
    xp = target.xp
    log_rate = xp.log(rate)
    b = 0.931 + 2.53 * xp.sqrt(rate)
    a = -0.059 + 0.02483 * b
    log_alpha_inv = xp.log(1.1239 + 1.1328 / (b - 3.4))
    vr = 0.9277 - 3.6224 / (b - 2)
    k_out = xp.zeros_like(rate)
    pending = xp.ones(rate.shape, dtype=bool)
    for r in range(_MAX_ROUNDS):
        if not bool(pending.any()):
            break
        u = _pending_draws(target, _open_unit, *_subkey(target, k0, k1, 2 * r), pending) - 0.5
        v = _pending_draws(target, _open_unit, *_subkey(target, k0, k1, 2 * r + 1), pending)
        us = 0.5 - xp.abs(u)
        k = xp.floor((2 * a / us + b) * u + rate + 0.43)
        quick = (us >= 0.07) & (v <= vr)
        hopeless = (k < 0) | ((us < 0.013) & (v > us))
        with np.errstate(invalid="ignore"):
            bound = -rate + k * log_rate - _lgamma(xp, xp.maximum(k, 0) + 1)
            slow = xp.log(v) + log_alpha_inv - xp.log(a / (us * us) + b) <= bound
        take = pending & (quick | (~hopeless & slow))
        k_out = xp.where(take, k, k_out)
        pending = pending & ~take
    else:
        raise RuntimeError("fnzero.random.poisson: the rejection sampler did not finish (a bug)")
    return k_out


# -------------------------------------------------------------------------- multivariate normal


def multivariate_normal(
    key: Any,
    mean: Any,
    cov: Any,
    shape: Shape | None = None,
    dtype: Any = np.float32,
    method: str = "cholesky",
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Normal vectors with mean ``mean`` (..., n) and covariance ``cov`` (..., n, n): ``mean + A z``
    with ``A A^T = cov`` from ``method`` ('cholesky', 'eigh' or 'svd'; the latter two accept a
    singular ``cov``). The result has shape ``shape + (n,)``; ``shape`` defaults to the batch
    shapes of ``mean`` and ``cov`` broadcast."""
    if method not in ("cholesky", "eigh", "svd"):
        raise ValueError(
            f"fnzero.random.multivariate_normal: method must be 'cholesky', 'eigh' or 'svd', got {method!r}"
        )
    mean = _untraced(mean, "mean", "multivariate_normal")
    cov = _untraced(cov, "cov", "multivariate_normal")
    dtype = _float_dtype(dtype, "multivariate_normal")
    m_shape, c_shape = tuple(np.shape(mean)), tuple(np.shape(cov))
    if len(m_shape) < 1 or len(c_shape) < 2 or c_shape[-2:] != (m_shape[-1],) * 2:
        raise ValueError(
            f"fnzero.random.multivariate_normal: mean must have shape (..., n) and cov (..., n, n), "
            f"got {m_shape} and {c_shape}"
        )
    batch = _param_shape("multivariate_normal", shape, np.empty(m_shape[:-1]), np.empty(c_shape[:-2]))
    return draw(
        key, "multivariate_normal", _mvn, backend, mean=mean, cov=cov, shape=batch, dtype=dtype, method=method
    )


def _mvn(
    target: Backend,
    k0: Word,
    k1: Word,
    mean: Any,
    cov: Any,
    shape: tuple[int, ...],
    dtype: np.dtype,
    method: str,
) -> Any:
    xp = target.xp
    m = _on(target, mean, xp.float64)
    c = _on(target, cov, xp.float64)
    n = m.shape[-1]
    if method == "cholesky":
        try:
            factor = xp.linalg.cholesky(c)
        except np.linalg.LinAlgError:
            factor = xp.full_like(c, np.nan)
        if reads_values_cheaply(factor) and not bool(xp.all(xp.isfinite(factor))):
            raise ValueError(
                "fnzero.random.multivariate_normal: cov is not positive definite (its Cholesky factor "
                "failed); method='eigh' or 'svd' accepts a positive semi-definite cov"
            )
    elif method == "eigh":
        w, vecs = xp.linalg.eigh(c)
        factor = vecs * xp.sqrt(xp.maximum(w, 0))[..., None, :]
    else:
        u, s, _ = xp.linalg.svd(c)
        factor = u * xp.sqrt(s)[..., None, :]
    z = _normals(target, k0, k1, _size(shape) * n).reshape(rows_of(k0) + shape + (n,))
    out = m + xp.einsum("...ij,...j->...i", factor, z)
    return out.astype(dtype)
