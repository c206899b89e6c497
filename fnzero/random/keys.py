"""Keys: where every random number in fnzero comes from.

A key is a uint32 array of shape (2,). ``key(seed)`` makes one; ``split`` and ``fold_in``
derive new keys from it by encrypting counters, so a program that passes keys explicitly
draws the same numbers every time it runs. The three uses of a key (drawing bits, splitting,
folding in) encrypt counters in separate streams, so they never hand out the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fnzero.backends import Backend, backend_of, get
from fnzero.core.tracer import concrete
from fnzero.random.threefry import counter_words, threefry2x32

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
    try:
        k = concrete(k)
    except TypeError:  # a key batched by vmap: one Threefry kernel call takes one key
        raise NotImplementedError(
            f"fnzero.random.{where}: a key batched by vmap (one key per example) is not supported: "
            f"the Threefry kernel takes one key per call. Draw the batch's random numbers outside "
            f"vmap and pass them in batched, or pass one key with in_axes=None"
        ) from None
    backend = backend_of(k)
    dtype = getattr(k, "dtype", None)
    if backend is None or dtype != np.uint32:
        what = f"{dtype}{list(k.shape)}" if dtype is not None else type(k).__name__
        raise TypeError(
            f"fnzero.random.{where}: expected a key (a uint32 array of shape (2,) from "
            f"fnzero.random.key(seed)), got {what}"
        )
    if k.shape != (2,):
        hint = f"; it looks like {k.shape[0]} keys: pick one, e.g. keys[0]" if k.shape[1:] == (2,) else ""
        raise ValueError(f"fnzero.random.{where}: a key has shape (2,), got shape {k.shape}{hint}")
    words = backend.to_host(k)
    return int(words[0]), int(words[1]), backend


def target_backend(key_backend: Backend, backend: str | Backend | None) -> Backend:
    """Where numbers are generated: ``backend`` if given, else the key's backend."""
    return key_backend if backend is None else get(backend)


def as_shape(shape: Shape, where: str) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(not isinstance(d, (int, np.integer)) or d < 0 for d in shape):
        raise ValueError(f"fnzero.random.{where}: shape {shape} must be non-negative ints")
    return tuple(int(d) for d in shape)


def split(key: Any, num: int = 2) -> Any:
    """``num`` new independent keys, as an array of shape (num, 2)."""
    if not isinstance(num, (int, np.integer)) or num < 0:
        raise ValueError(f"fnzero.random.split: num must be a non-negative int, got {num!r}")
    k0, k1, backend = unpack(key, "split")
    words = counter_words(backend.xp, backend.name, k0, k1, int(num), SPLIT_STREAM)
    return backend.xp.ascontiguousarray(words.reshape(2, int(num)).T)


def fold_in(key: Any, data: int) -> Any:
    """A new key determined by ``key`` and the integer ``data`` (read as a uint32)."""
    if isinstance(data, (bool, np.bool_)) or not isinstance(data, (int, np.integer)):
        raise TypeError(f"fnzero.random.fold_in: data must be an int, got {type(data).__name__}")
    if not -(1 << 31) <= int(data) < 1 << 32:
        raise ValueError(f"fnzero.random.fold_in: data {int(data)} does not fit in 32 bits")
    k0, k1, backend = unpack(key, "fold_in")
    xp = backend.xp
    w0, w1 = threefry2x32(k0, k1, xp.asarray([int(data) & _MASK]), xp.asarray([FOLD_STREAM]))
    return xp.concatenate([w0, w1])


def bits(key: Any, shape: Shape = (), dtype: Any = np.uint32, *, backend: str | Backend | None = None) -> Any:
    """Uniformly random unsigned integers of ``dtype`` (uint32 or uint64) and ``shape``."""
    k0, k1, key_backend = unpack(key, "bits")
    target = target_backend(key_backend, backend)
    shape = as_shape(shape, "bits")
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    if dtype == np.uint32:
        words = counter_words(target.xp, target.name, k0, k1, (n + 1) // 2, BITS_STREAM)
        return words[:n].reshape(shape)
    if dtype == np.uint64:
        return wide_words(target, k0, k1, n).reshape(shape)
    raise TypeError(f"fnzero.random.bits: dtype must be uint32 or uint64, got {dtype}")


def wide_words(target: Backend, k0: int, k1: int, n: int) -> Any:
    """``n`` uniformly random uint64 words, each from the two words of one counter."""
    xp = target.xp
    words = counter_words(xp, target.name, k0, k1, n, BITS_STREAM)
    high = words[:n].astype(xp.uint64)
    xp.left_shift(high, np.uint64(32), out=high)
    xp.bitwise_or(high, words[n:], out=high)
    return high
