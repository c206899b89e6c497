"""Bitwise and integer arithmetic: integer results, no derivative (as in JAX)."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero.numpy._axes import normalize_axis
from fnzero.numpy.creation import asarray, astype, ndim, shape
from fnzero.numpy.logic import nondifferentiable_binary, nondifferentiable_unary
from fnzero.numpy.reductions import sum
from fnzero.numpy.shapes import moveaxis, pad, ravel, reshape

bitwise_and = nondifferentiable_binary("bitwise_and")
bitwise_or = nondifferentiable_binary("bitwise_or")
bitwise_xor = nondifferentiable_binary("bitwise_xor")
invert = nondifferentiable_unary("invert")
left_shift = nondifferentiable_binary("left_shift")
right_shift = nondifferentiable_binary("right_shift")
gcd = nondifferentiable_binary("gcd")
lcm = nondifferentiable_binary("lcm")

# The Array API's spellings, which jax.numpy also offers.
bitwise_not = bitwise_invert = invert
bitwise_left_shift = left_shift
bitwise_right_shift = right_shift


def _bits_axis(a: Any, axis: int | None, name: str) -> tuple[Any, int]:
    a = asarray(a)
    if a.dtype.kind not in "iub":
        raise TypeError(f"fnzero.numpy.{name}: a must be integers or booleans, got dtype {a.dtype}")
    if axis is None:
        return ravel(a), 0
    (axis,) = normalize_axis(axis, ndim(a), name)
    return a, axis


def _bitorder(bitorder: str, name: str) -> Any:
    if bitorder not in ("big", "little"):
        raise ValueError(f"fnzero.numpy.{name}: bitorder must be 'big' or 'little', got {bitorder!r}")
    shifts = np.arange(8, dtype=np.uint8)
    return shifts[::-1].copy() if bitorder == "big" else shifts


def packbits(a: Any, axis: int | None = None, bitorder: str = "big") -> Any:
    """Each run of 8 entries along ``axis`` (the flattened array when None), read as bits
    (nonzero: 1), packed into one uint8; the last run is padded with zeros."""
    a, axis = _bits_axis(a, axis, "packbits")
    bits = astype(moveaxis(a, axis, -1) != 0, np.uint8)
    n = shape(bits)[-1]
    bits = pad(bits, [(0, 0)] * (ndim(bits) - 1) + [(0, -n % 8)])
    groups = reshape(bits, shape(bits)[:-1] + (-1, 8))
    packed = sum(left_shift(groups, _bitorder(bitorder, "packbits")), axis=-1)
    return moveaxis(astype(packed, np.uint8), -1, axis)


def unpackbits(a: Any, axis: int | None = None, count: int | None = None, bitorder: str = "big") -> Any:
    """The bits of each uint8 along ``axis`` (the flattened array when None), 8 entries per
    byte; ``count`` keeps the first ``count`` of them (or drops ``-count`` from the end)."""
    a, axis = _bits_axis(a, axis, "unpackbits")
    if a.dtype != np.uint8:
        raise TypeError(f"fnzero.numpy.unpackbits: a must be uint8, got dtype {a.dtype}")
    moved = moveaxis(a, axis, -1)
    bits = bitwise_and(right_shift(moved[..., None], _bitorder(bitorder, "unpackbits")), np.uint8(1))
    bits = reshape(bits, shape(moved)[:-1] + (-1,))
    if count is not None:
        if not isinstance(count, (int, np.integer)) or isinstance(count, bool):
            raise TypeError(f"fnzero.numpy.unpackbits: count must be an int or None, got {count!r}")
        n = shape(bits)[-1]
        if count < -n:
            raise ValueError(f"fnzero.numpy.unpackbits: count {count} drops more than the {n} bits there are")
        keep = count if count >= 0 else n + count
        bits = (
            bits[..., : min(keep, n)]
            if keep <= n
            else pad(bits, [(0, 0)] * (ndim(bits) - 1) + [(0, keep - n)])
        )
    return moveaxis(bits, -1, axis)
