"""What the batching rules of fnzero.nn's image primitives share.

Image primitives already take a batch of N images, so a vmap batch folds into N (one call on
B * N images): the batch is never a loop.
"""

from __future__ import annotations

from typing import Any

from fnzero.numpy import reshape
from fnzero.numpy.batching import batch_size, shape_of, to_front


def fold(x: Any, d: int | None, size: int) -> Any:
    """``x`` with the batch folded into its first axis: (B, N, ...) -> (B * N, ...)."""
    x = to_front(x, d, size)
    s = shape_of(x)
    return reshape(x, (s[0] * s[1],) + s[2:])


def unfold(x: Any, size: int) -> Any:
    s = shape_of(x)
    return reshape(x, (size, s[0] // size) + s[1:])


def folding_rule(prim: Any) -> Any:
    """Rule of a primitive over a batch of images (all array arguments share their first axis)."""

    def rule(args, dims, **params):
        size = batch_size(args, dims)
        return unfold(prim(*(fold(a, d, size) for a, d in zip(args, dims)), **params), size), 0

    return rule


def front_rule(prim: Any) -> Any:
    """Rule of a primitive acting on the last axis of arrays that broadcast together."""

    def rule(args, dims, **params):
        size = batch_size(args, dims)
        return prim(*(to_front(a, d, size) for a, d in zip(args, dims)), **params), 0

    return rule
