"""Keys: where every random number in fnzero comes from.

A key is a uint32 array of shape (2,). ``key(seed)`` makes one; ``split`` and ``fold_in``
derive new keys from it by encrypting counters, so a program that passes keys explicitly
draws the same numbers every time it runs. The three uses of a key (drawing bits, splitting,
folding in) encrypt counters in separate streams, so they never hand out the same words.

Every function of a key is a kernel of the key's two words (see :mod:`fnzero.random.threefry`)
called by :func:`draw`. A key batched by vmap (one key per example, e.g. from ``split(key, B)``)
goes through the primitive ``random_p``, whose batching rule gives the kernel all B keys in
one call: row b of the result is bit for bit what key b gives alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero.backends import Backend, backend_of, get
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import TRACER_TYPES, concrete
from fnzero.numpy import moveaxis
from fnzero.numpy.batching import batch_size, to_front
from fnzero.random.threefry import Word, counter_words, rows_of, threefry2x32

_MASK = 0xFFFFFFFF
# The second counter word says what the words are for.
BITS_STREAM, SPLIT_STREAM, FOLD_STREAM = 0, 1, 2

Shape = int | Sequence[int]


def key(seed: int, *, backend: str | Backend | None = None) -> Any:
    """A key from an integer seed in [-2**63, 2**64): a uint32 array ``[high word, low word]``."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"fnzero.random.key: the seed must be an int, got {type(seed).__name__} {seed!r:.40}")
    seed = int(seed)
    if not -(1 << 63) <= seed < 1 << 64:
        raise ValueError(f"fnzero.random.key: seed {seed} does not fit in 64 bits")
    seed &= (1 << 64) - 1
    words = np.array([seed >> 32, seed & _MASK], dtype=np.uint32)
    return get(backend).from_host(words) if backend is not None else words


def unpack(k: Any, where: str) -> tuple[int, int, Backend]:
    """The two words of a key as Python ints, and the backend the key lives on."""
    k = concrete(k)
    backend = backend_of(k)
    _check_key(backend, getattr(k, "dtype", None), k, where)
    words = backend.to_host(k)
    return int(words[0]), int(words[1]), backend


def _check_key(backend: Backend | None, dtype: Any, k: Any, where: str) -> None:
    """A clear error unless ``k`` (one example's key under vmap) is a uint32 array of shape (2,)."""
    if backend is None or dtype != np.uint32:
        what = f"{dtype}{list(k.shape)}" if dtype is not None else type(k).__name__
        raise TypeError(
            f"fnzero.random.{where}: expected a key (a uint32 array of shape (2,) from "
            f"fnzero.random.key(seed)), got {what}"
        )
    if tuple(k.shape) != (2,):
        hint = f"; it looks like {k.shape[0]} keys: pick one, e.g. keys[0]" if k.shape[1:] == (2,) else ""
        if hint and type(k) in TRACER_TYPES:
            hint = f"; it looks like {k.shape[0]} keys per example: vmap over them or pick one"
        raise ValueError(f"fnzero.random.{where}: a key has shape (2,), got shape {tuple(k.shape)}{hint}")


def _check_traced_key(k: Any, where: str) -> None:
    """``_check_key`` for a traced key: its shape per example, its arrays' backend and dtype."""
    inner = k
    while type(inner) in TRACER_TYPES:
        inner = inner._value
    _check_key(backend_of(inner), getattr(inner, "dtype", None), k, where)


def _batched(k: Any) -> bool:
    """Whether ``k`` differs across a vmap's batch (some level refuses to give one value)."""
    while type(k) in TRACER_TYPES:
        try:
            k = k._concrete()
        except TypeError:
            return True
    return False


Kernel = Callable[..., Any]  # kernel(target, k0, k1, **params) -> array with the keys' rows first


def draw(key: Any, where: str, kernel: Kernel, backend: str | Backend | None, **params: Any) -> Any:
    """``kernel`` run on the words of ``key``, on ``backend`` (default: where the key lives).

    A key batched by vmap goes through ``random_p``, so the kernel runs once on every key.
    ``backend`` may be an array, traced or not: it is resolved here, so no tracer becomes a
    parameter of ``random_p``.
    """
    backend = None if backend is None else get(backend)
    if _batched(key):
        _check_traced_key(key, where)
        return random_p(key, where=where, kernel=kernel, backend=backend, **params)
    k0, k1, key_backend = unpack(key, where)
    return kernel(target_backend(key_backend, backend), k0, k1, **params)


def _draw_batch(
    keys: Any, *, where: str, kernel: Kernel, backend: str | Backend | None, **params: Any
) -> Any:
    """``kernel`` on keys of shape ``(..., 2)``: the result has the keys' leading axes first."""
    key_backend = backend_of(keys)
    target = target_backend(key_backend, backend)
    lead = tuple(keys.shape[:-1])
    words = keys.reshape(-1, 2)
    if target is not key_backend:
        words = target.from_host(key_backend.to_host(words))
    out = kernel(target, words[:, :1], words[:, 1:], **params)
    return out.reshape(lead + tuple(out.shape[1:]))


def _random_batch_rule(args: Any, dims: Any, **params: Any) -> tuple[Any, int]:
    return random_p(moveaxis(args[0], dims[0], 0), **params), 0


# Not differentiable (keys are integers); its only rule is batching.
random_p = Primitive("random", _draw_batch)
random_p.defbatch(_random_batch_rule)


def target_backend(key_backend: Backend, backend: str | Backend | None) -> Backend:
    """Where numbers are generated: ``backend`` if given, else the key's backend."""
    return key_backend if backend is None else get(backend)


def as_shape(shape: Shape, where: str) -> tuple[int, ...]:
    if not isinstance(shape, (int, np.integer, tuple, list)):
        raise TypeError(
            f"fnzero.random.{where}: shape must be an int or a tuple of ints, got {shape!r:.60} "
            f"({type(shape).__name__})"
        )
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(not isinstance(d, (int, np.integer)) or d < 0 for d in shape):
        raise ValueError(f"fnzero.random.{where}: shape {shape} must be non-negative ints")
    return tuple(int(d) for d in shape)


def split(key: Any, num: int = 2) -> Any:
    """``num`` new independent keys, as an array of shape (num, 2)."""
    if not isinstance(num, (int, np.integer)) or num < 0:
        raise ValueError(f"fnzero.random.split: num must be a non-negative int, got {num!r}")
    return draw(key, "split", _split, None, num=int(num))


def _split(target: Backend, k0: Word, k1: Word, num: int) -> Any:
    words = counter_words(target.xp, target.name, k0, k1, num, SPLIT_STREAM)
    rows = rows_of(k0)
    return target.xp.ascontiguousarray(target.xp.swapaxes(words.reshape(rows + (2, num)), -1, -2))


def fold_in(key: Any, data: int) -> Any:
    """A new key determined by ``key`` and the integer ``data`` (read as a uint32).

    Under vmap ``data`` may differ across the batch (e.g. an example's index).
    """
    if type(data) in TRACER_TYPES:
        if tuple(data.shape) != () or np.dtype(data.dtype).kind not in "iu":
            raise TypeError(f"fnzero.random.fold_in: data must be an integer scalar, got {data!r:.80}")
        if type(key) in TRACER_TYPES:
            _check_traced_key(key, "fold_in")
        else:
            unpack(key, "fold_in")
        return fold_in_p(key, data)
    if isinstance(data, (bool, np.bool_)) or not isinstance(data, (int, np.integer)):
        raise TypeError(f"fnzero.random.fold_in: data must be an int, got {type(data).__name__}")
    if not -(1 << 31) <= int(data) < 1 << 32:
        raise ValueError(f"fnzero.random.fold_in: data {int(data)} does not fit in 32 bits")
    return draw(key, "fold_in", _fold_in, None, data=int(data) & _MASK)


def _fold_in(target: Backend, k0: Word, k1: Word, data: int) -> Any:
    xp = target.xp
    w0, w1 = threefry2x32(k0, k1, xp.asarray([data]), xp.asarray([FOLD_STREAM]))
    return xp.concatenate([w0, w1], axis=-1)


def _fold_in_batch(keys: Any, data: Any) -> Any:
    """``fold_in`` of keys ``(..., 2)`` and integers ``data`` whose shapes broadcast."""
    xp = backend_of(keys).xp
    lead = np.broadcast_shapes(tuple(keys.shape[:-1]), tuple(data.shape))
    words = xp.broadcast_to(keys, lead + (2,)).reshape(-1, 2)
    counters = xp.broadcast_to(xp.asarray(data), lead).reshape(-1, 1).astype(xp.uint32)
    stream = xp.full_like(counters, FOLD_STREAM)
    w0, w1 = threefry2x32(words[:, :1], words[:, 1:], counters, stream)
    return xp.concatenate([w0, w1], axis=-1).reshape(lead + (2,))


def _fold_in_batch_rule(args: Any, dims: Any) -> tuple[Any, int]:
    size = batch_size(args, dims)
    return fold_in_p(*(to_front(a, d, size) for a, d in zip(args, dims))), 0


fold_in_p = Primitive("random_fold_in", _fold_in_batch)
fold_in_p.defbatch(_fold_in_batch_rule)


def bits(key: Any, shape: Shape = (), dtype: Any = np.uint32, *, backend: str | Backend | None = None) -> Any:
    """Uniformly random unsigned integers of ``dtype`` (uint32 or uint64) and ``shape``."""
    shape = as_shape(shape, "bits")
    dtype = np.dtype(dtype)
    if dtype not in (np.uint32, np.uint64):
        raise TypeError(f"fnzero.random.bits: dtype must be uint32 or uint64, got {dtype}")
    return draw(key, "bits", _bits, backend, shape=shape, dtype=dtype)


def _bits(target: Backend, k0: Word, k1: Word, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    n = int(np.prod(shape, dtype=np.int64))
    rows = rows_of(k0)
    if dtype == np.uint32:
        words = counter_words(target.xp, target.name, k0, k1, (n + 1) // 2, BITS_STREAM)
        return words[..., :n].reshape(rows + shape)
    return wide_words(target, k0, k1, n).reshape(rows + shape)


def wide_words(target: Backend, k0: Word, k1: Word, n: int) -> Any:
    """``n`` uniformly random uint64 words (after the keys' rows), each from the two words of
    one counter."""
    xp = target.xp
    words = counter_words(xp, target.name, k0, k1, n, BITS_STREAM)
    high = words[..., :n].astype(xp.uint64)
    xp.left_shift(high, np.uint64(32), out=high)
    xp.bitwise_or(high, words[..., n:], out=high)
    return high
