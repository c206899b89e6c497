"""Samplers: arrays of random numbers from a key, in the shape and dtype asked for.

Each sampler turns the key's bits (:mod:`fnzero.random.threefry`) into numbers with integer
and floating-point array operations only. Integer results (bits, randint, bernoulli) are the
same on every backend; floating-point ones that need log, sqrt, sin or cos (normal,
truncated_normal) may differ in the last bits between NumPy and CuPy, whose libraries round
those functions differently. uniform is exact on both.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from fnzero.backends import Backend, backend_of, reads_values_cheaply
from fnzero.core.tracer import TRACER_TYPES
from fnzero.random.keys import BITS_STREAM, Shape, as_shape, draw, wide_words
from fnzero.random.normal_quantile import normal_cdf, normal_quantile, normal_quantile_
from fnzero.random.threefry import Word, counter_words, passes, rows_of

_FLOAT_DTYPES = (np.float16, np.float32, np.float64)


def _float_dtype(dtype: Any, where: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"fnzero.random.{where}: dtype must be float16, float32 or float64, got {dtype}")
    return dtype


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _untraced(x: Any, name: str, where: str) -> Any:
    if type(x) in TRACER_TYPES:
        raise TypeError(
            f"fnzero.random.{where}: {name} is a traced value; samplers do not differentiate their "
            f"parameters: draw a standard sample and transform it (e.g. lo + (hi - lo) * uniform(key))"
        )
    return x


def _check_broadcast(shape: tuple[int, ...], lo: Any, hi: Any, where: str) -> None:
    try:
        fits = np.broadcast_shapes(lo.shape, hi.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"fnzero.random.{where}: bounds of shapes {lo.shape} and {hi.shape} do not broadcast to {shape}"
        )


def _on(target: Backend, x: Any, dtype: Any) -> Any:
    """``x`` (a Python scalar or an array on any backend) as an array on ``target``."""
    source = backend_of(x)
    if source is not None and source is not target:
        x = source.to_host(x)
    return target.xp.asarray(x, dtype=dtype)


def _constant(target: Backend, value: Any, dtype: Any) -> Any:
    """A constant operand: a 0-d array on the host (NumPy converts those fastest); a NumPy scalar
    for a device library, which passes it as a kernel argument (a 0-d device array would be a
    copy to the device, and such a copy waits for the device)."""
    return target.xp.asarray(value, dtype) if target.on_host else np.dtype(dtype).type(value)


def unit_floats(target: Backend, k0: Word, k1: Word, n: int, dtype: np.dtype) -> Any:
    """``n`` floats uniform on [0, 1) with every mantissa bit random (after the keys' rows)."""
    xp = target.xp
    rows = rows_of(k0)
    if dtype == np.float64:
        # Each double is built from one counter's two words: 20 bits of the first under
        # the exponent of 1.0 make its high half, the second word its low half.
        out = xp.empty(rows + (n,), dtype=xp.float64)
        halves = out.view(xp.uint32).reshape(rows + (n, 2))
        high, low = (1, 0) if sys.byteorder == "little" else (0, 1)
        shift, exponent = _constant(target, 12, np.uint32), _constant(target, 0x3FF00000, np.uint32)
        one = _constant(target, 1.0, np.float64)

        for x0, x1, start, stop in passes(xp, target.name, k0, k1, n, BITS_STREAM):
            xp.right_shift(x0, shift, x0)
            xp.bitwise_or(x0, exponent, x0)
            halves[..., start:stop, high] = x0
            halves[..., start:stop, low] = x1
            xp.subtract(out[..., start:stop], one, out[..., start:stop])
        return out

    shift, exponent = _constant(target, 9, np.uint32), _constant(target, 0x3F800000, np.uint32)
    one = _constant(target, 1.0, np.float32)

    blocks = (n + 1) // 2
    words = xp.empty(rows + (2 * blocks,), dtype=xp.uint32)
    for pass_words in passes(xp, target.name, k0, k1, blocks, BITS_STREAM, words):
        # 23 random bits under the exponent of 1.0 make a float in [1, 2); subtract 1.
        for w in pass_words[:2]:
            xp.right_shift(w, shift, w)
            xp.bitwise_or(w, exponent, w)
            f = w.view(xp.float32)
            xp.subtract(f, one, f)
    floats = words.view(xp.float32)[..., :n]
    if dtype == np.float16:
        floats = xp.minimum(floats.astype(xp.float16), np.float16(1 - 2**-11))
    return floats


def uniform(
    key: Any,
    shape: Shape = (),
    dtype: Any = np.float32,
    minval: Any = 0.0,
    maxval: Any = 1.0,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Floats uniform on [minval, maxval) (bounds broadcast against ``shape``).

    ``backend`` chooses where the numbers are made: a backend's name or an array to place
    them beside (default: where the key lives); the values do not depend on it.
    """
    shape = as_shape(shape, "uniform")
    dtype = _float_dtype(dtype, "uniform")
    if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)) and not minval < maxval:
        raise ValueError(f"fnzero.random.uniform: need minval < maxval, got [{minval}, {maxval})")
    minval = _untraced(minval, "minval", "uniform")
    maxval = _untraced(maxval, "maxval", "uniform")
    return draw(key, "uniform", _uniform, backend, shape=shape, dtype=dtype, minval=minval, maxval=maxval)


def _uniform(
    target: Backend, k0: Word, k1: Word, shape: tuple[int, ...], dtype: np.dtype, minval: Any, maxval: Any
) -> Any:
    u = unit_floats(target, k0, k1, _size(shape), dtype).reshape(rows_of(k0) + shape)
    scalars = isinstance(minval, (int, float)) and isinstance(maxval, (int, float))
    if scalars and (minval, maxval) == (0, 1):
        return u
    xp = target.xp
    lo = _on(target, minval, dtype)
    hi = _on(target, maxval, dtype)
    _check_broadcast(shape, lo, hi, "uniform")
    # Bounds given as numbers were checked above; arrays on a GPU only on request (no device sync).
    if reads_values_cheaply(lo) and bool(xp.any(hi <= lo)):
        raise ValueError("fnzero.random.uniform: need minval < maxval everywhere")
    out = u * (hi - lo) + lo
    # Rounding in the affine map can reach maxval; keep the interval half-open.
    return xp.clip(out, lo, xp.nextafter(hi, lo)).astype(dtype, copy=False)


def normal(
    key: Any, shape: Shape = (), dtype: Any = np.float32, *, backend: str | Backend | None = None
) -> Any:
    """Standard normal floats (Box-Muller: each counter's two words give two samples)."""
    shape = as_shape(shape, "normal")
    dtype = _float_dtype(dtype, "normal")
    return draw(key, "normal", _normal, backend, shape=shape, dtype=dtype)


def _normal(target: Backend, k0: Word, k1: Word, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    xp = target.xp
    n = _size(shape)
    pairs = (n + 1) // 2
    if dtype == np.float64:
        wide = wide_words(target, k0, k1, 2 * pairs) >> np.uint64(11)
        u = wide.astype(xp.float64) * 2.0**-53  # 53 random bits
        radius_u, angle_u = u[..., :pairs] + 2.0**-54, u[..., pairs:]
    else:
        words = counter_words(xp, target.name, k0, k1, pairs, BITS_STREAM).astype(xp.float32)
        u = words * np.float32(2.0**-32)
        radius_u, angle_u = u[..., :pairs] + np.float32(2.0**-33), u[..., pairs:]
    # radius_u is in (0, 1]: log never sees 0, and the tails reach 6.7 (float32) or 8.6 sigma.
    radius = xp.sqrt(-2 * xp.log(xp.minimum(radius_u, 1)))
    angle = (2 * math.pi) * angle_u
    z = xp.concatenate([radius * xp.cos(angle), radius * xp.sin(angle)], axis=-1)[..., :n]
    return z.astype(dtype, copy=False).reshape(rows_of(k0) + shape)


def truncated_normal(
    key: Any,
    lower: Any,
    upper: Any,
    shape: Shape | None = None,
    dtype: Any = np.float32,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Standard normal floats conditioned on [lower, upper] (bounds broadcast; -inf/inf allowed).

    Inverse-CDF sampling in float64, reflected so that it always works in the lower tail,
    where float64 keeps its precision even for bounds like [8, 9].
    """
    dtype = _float_dtype(dtype, "truncated_normal")
    lo = _host(_untraced(lower, "lower", "truncated_normal"))
    hi = _host(_untraced(upper, "upper", "truncated_normal"))
    if np.any(np.isnan(lo)) or np.any(np.isnan(hi)) or not np.all(lo < hi):
        raise ValueError(f"fnzero.random.truncated_normal: need lower < upper, got {lower!r} and {upper!r}")
    bounds_shape = np.broadcast_shapes(lo.shape, hi.shape)
    shape = bounds_shape if shape is None else as_shape(shape, "truncated_normal")
    try:
        np.broadcast_shapes(bounds_shape, shape)
    except ValueError:
        raise ValueError(
            f"fnzero.random.truncated_normal: bounds of shape {bounds_shape} do not broadcast to {shape}"
        ) from None
    return draw(key, "truncated_normal", _truncated_normal, backend, lo=lo, hi=hi, shape=shape, dtype=dtype)


# Elements a streamed truncated_normal transforms at once. On the host, one threefry pass
# (64K counters; 16K and 32K blocks measured the same within noise, and a block cannot outgrow a
# pass). A device makes all its words in one pass, and takes 4M-element blocks: few kernel
# launches, 160 MiB of float64 buffers.
_TRUNCATED_BLOCK = {True: 1 << 16, False: 1 << 22}


def _truncated_normal(
    target: Backend,
    k0: Word,
    k1: Word,
    lo: np.ndarray,
    hi: np.ndarray,
    shape: tuple[int, ...],
    dtype: np.dtype,
) -> Any:
    if rows_of(k0) or lo.size != 1 or hi.size != 1:
        return _truncated_normal_whole(target, k0, k1, lo, hi, shape, dtype)
    return _truncated_normal_streamed(target, k0, k1, lo.reshape(()), hi.reshape(()), shape, dtype)


def _truncated_normal_streamed(
    target: Backend,
    k0: Word,
    k1: Word,
    lo: np.ndarray,
    hi: np.ndarray,
    shape: tuple[int, ...],
    dtype: np.dtype,
) -> Any:
    """One key and scalar bounds (every initializer's case): the same numbers as
    ``_truncated_normal_whole``, made one block of counters at a time straight into the
    output, in five reused float64 buffers: memory stays near the output's size, and no
    array operation allocates."""
    xp = target.xp
    reflect = bool(lo > 0)
    a, b = (-hi, -lo) if reflect else (lo, hi)
    pa, pb = normal_cdf(a), normal_cdf(b)
    base, width, lo64, hi64, tiny, one, half_ulp = (
        _constant(target, v, np.float64)
        for v in (pa, pb - pa, lo, hi, np.finfo(np.float64).tiny, 1.0, 2.0**-54)
    )
    shift, exponent = _constant(target, 12, np.uint32), _constant(target, 0x3FF00000, np.uint32)
    high, low = (1, 0) if sys.byteorder == "little" else (0, 1)
    n = _size(shape)
    out = xp.empty(n, dtype=dtype)
    block = _TRUNCATED_BLOCK[target.on_host]
    buffers = xp.empty((5, min(block, n)), dtype=xp.float64)
    for x0, x1, start, stop in passes(xp, target.name, k0, k1, n, BITS_STREAM):
        # The doubles of unit_floats: 20 bits of the first word under 1.0's exponent, the
        # second word as the low half, minus 1.
        xp.right_shift(x0, shift, x0)
        xp.bitwise_or(x0, exponent, x0)
        for first in range(0, stop - start, block):
            last = min(first + block, stop - start)
            p, x, *work = (buf[: last - first] for buf in buffers)
            halves = p.view(xp.uint32).reshape(last - first, 2)
            halves[:, high] = x0[first:last]
            halves[:, low] = x1[first:last]
            xp.subtract(p, one, p)
            xp.add(p, half_ulp, p)
            xp.multiply(p, width, p)
            xp.add(p, base, p)
            xp.maximum(p, tiny, out=p)
            normal_quantile_(p, x, work)
            if reflect:
                xp.negative(x, x)
            xp.clip(x, lo64, hi64, out=x)
            out[start + first : start + last] = x
    return out.reshape(shape)


def _truncated_normal_whole(
    target: Backend,
    k0: Word,
    k1: Word,
    lo: np.ndarray,
    hi: np.ndarray,
    shape: tuple[int, ...],
    dtype: np.dtype,
) -> Any:
    reflect = lo > 0  # sample -x on [-upper, -lower], whose probabilities are small and exact
    a, b = np.where(reflect, -hi, lo), np.where(reflect, -lo, hi)
    pa, pb = normal_cdf(a), normal_cdf(b)
    xp = target.xp
    u = unit_floats(target, k0, k1, _size(shape), np.dtype(np.float64)).reshape(rows_of(k0) + shape)
    u += 2.0**-54
    p = _on(target, pa, xp.float64) + u * _on(target, pb - pa, xp.float64)
    x = normal_quantile(xp.maximum(p, np.finfo(np.float64).tiny))
    x = xp.where(_on(target, reflect, bool), -x, x)
    return xp.clip(x, _on(target, lo, xp.float64), _on(target, hi, xp.float64)).astype(dtype)


def _host(x: Any) -> np.ndarray:
    source = backend_of(x)
    return np.asarray(source.to_host(x) if source is not None else x, dtype=np.float64)


def bernoulli(
    key: Any, p: Any = 0.5, shape: Shape | None = None, *, backend: str | Backend | None = None
) -> Any:
    """Booleans that are True with probability ``p`` (broadcast against ``shape``)."""
    p = _untraced(p, "p", "bernoulli")
    shape = None if shape is None else as_shape(shape, "bernoulli")
    return draw(key, "bernoulli", _bernoulli, backend, p=p, shape=shape)


def _bernoulli(target: Backend, k0: Word, k1: Word, p: Any, shape: tuple[int, ...] | None) -> Any:
    xp = target.xp
    dtype = np.float64 if getattr(p, "dtype", None) == np.float64 else np.float32
    prob = _on(target, p, dtype)
    # A number is checked on the host; an array on a GPU only on request (no device sync).
    bad = (
        not 0 <= p <= 1
        if isinstance(p, (int, float))
        else reads_values_cheaply(prob) and bool(xp.any((prob < 0) | (prob > 1) | xp.isnan(prob)))
    )
    if bad:
        raise ValueError(f"fnzero.random.bernoulli: p must lie in [0, 1], got {p!r:.80}")
    shape = prob.shape if shape is None else shape
    u = unit_floats(target, k0, k1, _size(shape), np.dtype(dtype)).reshape(rows_of(k0) + shape)
    return u < prob


def randint(
    key: Any,
    shape: Shape,
    minval: Any,
    maxval: Any,
    dtype: Any = np.int32,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """Integers uniform on [minval, maxval) (bounds broadcast against ``shape``).

    Each sample is a 64-bit random word modulo the range, so the bias is below
    range / 2**64 (under 1e-9 for any range that fits in 32 bits).
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"fnzero.random.randint: dtype must be an integer type, got {dtype}")
    shape = as_shape(shape, "randint")
    minval = _untraced(minval, "minval", "randint")
    maxval = _untraced(maxval, "maxval", "randint")
    return draw(key, "randint", _randint, backend, shape=shape, minval=minval, maxval=maxval, dtype=dtype)


def _randint(
    target: Backend, k0: Word, k1: Word, shape: tuple[int, ...], minval: Any, maxval: Any, dtype: np.dtype
) -> Any:
    xp = target.xp
    lo = _on(target, minval, xp.int64)
    hi = _on(target, maxval, xp.int64)
    _check_broadcast(shape, lo, hi, "randint")
    info = np.iinfo(dtype)
    if bool(xp.any(hi <= lo)):
        raise ValueError(f"fnzero.random.randint: need minval < maxval, got [{minval!r}, {maxval!r})")
    if bool(xp.any(lo < info.min)) or bool(xp.any(hi - 1 > info.max)):
        raise ValueError(
            f"fnzero.random.randint: [{minval!r}, {maxval!r}) does not fit in {dtype} "
            f"([{info.min}, {info.max}])"
        )
    words = wide_words(target, k0, k1, _size(shape)).reshape(rows_of(k0) + shape)
    offsets = words % (hi - lo).astype(xp.uint64)
    return (lo + offsets.astype(xp.int64)).astype(dtype)
