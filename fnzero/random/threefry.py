"""Threefry-2x32 with 20 rounds: the counter-based block cipher under fnzero.random.

Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3" (SC 2011). A key
(two uint32 words) encrypts a counter (two uint32 words) into two words that look random. The
same key and counter give the same words in every process and on every backend, because the
cipher is nothing but uint32 additions, rotations and xors, written here in array operations
that NumPy and CuPy both provide.

A key is two Python ints, or, for a batch of keys (vmap), two uint32 arrays of shape (N, 1):
every operation then broadcasts, and row ``i`` of the words is exactly what key ``i`` gives
alone, from one kernel call for the whole batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from fnzero.backends import array_module, own_kernel

ROTATIONS = (13, 15, 26, 6, 17, 29, 16, 24)
ROUNDS = 20
_PARITY = 0x1BD11BDA
_MASK = 0xFFFFFFFF
# Counters encrypted per pass on NumPy: three uint32 arrays this long stay in the CPU's L2
# cache through all 20 rounds, which is most of the speed. Other backends take one pass.
_CACHE_BLOCKS = {"numpy": 1 << 16}
_MIN_STEP = 1 << 10


Word = Any  # a Python int, or a uint32 array of shape (N, 1): one word of N keys


def _rotl(x: Word, r: int) -> Word:
    return ((x << r) | (x >> (32 - r))) & _MASK


def _schedule(k0: Word, k1: Word) -> list[tuple[Word, Word]]:
    """The six key injections (one before the rounds, one after every fourth round); uint32
    arrays wrap around by themselves, Python ints by the mask."""
    ks = (k0, k1, k0 ^ k1 ^ _PARITY)
    return [(ks[s % 3], (ks[(s + 1) % 3] + s) & _MASK) for s in range(ROUNDS // 4 + 1)]


def _rounds(xp: Any, schedule: list, first: int, x0: Any, x1: Any, tmp: Any) -> None:
    """Rounds ``first`` to 19 in place, with the key injections after every fourth round.

    Constants are 0-d arrays and outputs positional: NumPy converts those fastest, and a
    pass makes about a hundred calls.
    """
    u32 = xp.uint32
    shifts = [(xp.asarray(r, u32), xp.asarray(32 - r, u32)) for r in ROTATIONS]
    injections = [(xp.asarray(a, u32), xp.asarray(b, u32)) for a, b in schedule]
    add, xor = xp.add, xp.bitwise_xor
    for r in range(first, ROUNDS):
        left, right = shifts[r % 8]
        add(x0, x1, x0)
        xp.left_shift(x1, left, tmp)
        xp.right_shift(x1, right, x1)
        xp.bitwise_or(x1, tmp, x1)
        xor(x1, x0, x1)
        if r % 4 == 3:
            a, b = injections[r // 4 + 1]
            add(x0, a, x0)
            add(x1, b, x1)


def encrypt_(xp: Any, k0: Word, k1: Word, x0: Any, x1: Any, tmp: Any) -> None:
    """Encrypt the counters ``(x0[i], x1[i])`` under the key ``(k0, k1)``, in place.

    ``x0``, ``x1`` and the scratch ``tmp`` are uint32 arrays of one shape (``(N, m)`` for N keys).
    """
    schedule = _schedule(k0, k1)
    a, b = schedule[0]
    xp.add(x0, xp.asarray(a, xp.uint32), x0)
    xp.add(x1, xp.asarray(b, xp.uint32), x1)
    _rounds(xp, schedule, 0, x0, x1, tmp)


def threefry2x32(k0: Word, k1: Word, c0: Any, c1: Any) -> tuple[Any, Any]:
    """The two output words for the key ``(k0, k1)`` and counters ``(c0, c1)`` (integer arrays
    of one shape, on any backend; with N keys, counters broadcast against shape (N, 1))."""
    xp = array_module(c0)
    shape = np.broadcast_shapes(np.shape(k0), c0.shape)
    x0 = xp.array(xp.broadcast_to(c0, shape), dtype=xp.uint32, copy=True)
    x1 = xp.array(xp.broadcast_to(c1, shape), dtype=xp.uint32, copy=True)
    encrypt_(xp, k0, k1, x0, x1, xp.empty_like(x0))
    return x0, x1


def _encrypt_range_(
    xp: Any, k0: Word, k1: Word, start: int, stream: int, iota: Any, x0: Any, x1: Any, tmp: Any
) -> None:
    """``encrypt_`` of the counters ``(start + iota[i], stream)`` into ``x0``, ``x1``.

    The second word is the same for every counter, so the first injection and round act on
    constants there: two array operations instead of seven. A backend with its own kernel
    (CuPy: all 20 rounds in one launch) fills ``x0`` and ``x1`` itself.
    """
    if own_kernel("threefry_range_", x0, x1, key=(k0, k1), start=start, stream=stream) is not None:
        return
    schedule = _schedule(k0, k1)
    a, b = schedule[0]
    c = (stream + b) & _MASK
    xp.add(iota, xp.asarray((start + a + c) & _MASK, xp.uint32), x0)
    xp.bitwise_xor(x0, xp.asarray(_rotl(c, ROTATIONS[0]), xp.uint32), x1)
    _rounds(xp, schedule, 1, x0, x1, tmp)


def rows_of(k0: Word) -> tuple[int, ...]:
    """The leading shape of words drawn with key word ``k0``: () for one key, (N,) for N."""
    return tuple(np.shape(k0)[:-1])


def passes(
    xp: Any, backend_name: str, k0: Word, k1: Word, blocks: int, stream: int, out: Any = None
) -> Iterator[tuple[Any, Any, int, int]]:
    """Encrypt the counters ``(i, stream)`` for ``i < blocks``, one cache-sized pass at a time.

    Yields ``(first_words, second_words, start, stop)`` for the counters ``start <= i < stop``
    (with N keys, each of shape ``(N, stop - start)``), to be used before the next pass. With
    ``out`` (``2 * blocks`` uint32 on the last axis), its two halves end up holding every first
    word and then every second word, as the caller left them; without it, the yielded arrays
    are scratch that the next pass overwrites.
    """
    if blocks >= 1 << 32:
        raise ValueError(f"fnzero.random: {2 * blocks} random words is more than one key can give (2**33)")
    rows = rows_of(k0)
    keys = int(np.prod(rows, dtype=np.int64))
    cache = _CACHE_BLOCKS.get(backend_name)
    # N keys share a pass's cache; fewer than _MIN_STEP counters a pass costs more in calls.
    step = blocks if cache is None else max(1, min(blocks, max(cache // max(keys, 1), _MIN_STEP)))
    iota = xp.arange(step, dtype=xp.uint32)
    # Contiguous scratch: NumPy runs the rounds on it as one flat loop. One key writes its
    # words straight into ``out``; N keys copy each pass's (N, m) block in after the caller.
    scratch = xp.empty((3, keys * step), dtype=xp.uint32)
    for start in range(0, blocks, step):
        stop = min(start + step, blocks)
        m = stop - start
        x0, x1, tmp = (buf[: keys * m].reshape(rows + (m,)) for buf in scratch)
        direct = out is not None and not rows
        if direct:
            x0, x1 = out[start:stop], out[blocks + start : blocks + stop]
        _encrypt_range_(xp, k0, k1, start, stream, iota[:m], x0, x1, tmp)
        yield x0, x1, start, stop
        if out is not None and not direct:
            out[..., start:stop] = x0
            out[..., blocks + start : blocks + stop] = x1


def counter_words(xp: Any, backend_name: str, k0: Word, k1: Word, blocks: int, stream: int) -> Any:
    """``2 * blocks`` uint32 words (on the last axis, after the keys' rows): the first words
    of the counters ``(i, stream)`` for ``i < blocks``, then their second words."""
    out = xp.empty(rows_of(k0) + (2 * blocks,), dtype=xp.uint32)
    for _ in passes(xp, backend_name, k0, k1, blocks, stream, out):
        pass
    return out
