"""Dense layers as functions: flattening a batch into rows, the affine map of a fully
connected layer, and the embedding lookup (DeZero's embed_id)."""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero._checks import ids_in_range, int_values, is_traced
from fnzero.numpy.batching import shape_of


def flatten(x: Any) -> Any:
    """``x`` of shape (N, ...) as (N, everything else)."""
    if len(x.shape) < 1:
        raise ValueError("fnzero.nn.flatten: expected an array with a batch axis, got a scalar")
    return fnp.reshape(x, (x.shape[0], -1))


def linear(x: Any, W: Any, b: Any = None) -> Any:
    """``x @ W + b`` with ``W`` of shape (in_features, out_features), as in DeZero (and flax).

    ``b`` has shape (out_features,) (or ones before it): a bias that would broadcast the output
    into another shape, such as (N, 1) for N examples, is refused."""
    w_shape = shape_of(W)
    if len(w_shape) != 2:
        raise ValueError(f"fnzero.nn.linear: W must be (in_features, out_features), got shape {w_shape}")
    if b is not None:
        b_shape = shape_of(b)
        if not b_shape or b_shape[-1] != w_shape[1] or any(d != 1 for d in b_shape[:-1]):
            raise ValueError(
                f"fnzero.nn.linear: b has shape {b_shape}, expected ({w_shape[1]},) for W of shape {w_shape}"
            )
    y = fnp.matmul(x, W)
    return y if b is None else y + b


def embedding(ids: Any, W: Any) -> Any:
    """``W[ids]``: an array of shape ``ids.shape + (W.shape[1],)``; the gradient adds into the
    rows that were picked (repeated ids accumulate).

    Ids are checked to be in range on the host; on a device backend only with
    FNZERO_CHECK_DEVICE_VALUES=1 (as the labels of :func:`fnzero.nn.softmax_cross_entropy`)."""
    if is_traced(ids) and ids.dtype.kind in "iu" and len(W.shape) == 2:
        return fnp.index(W, ids)  # ids that differ across a vmapped batch: not checked here
    ids = int_values(ids, "ids", "fnzero.nn.embedding")
    if len(W.shape) != 2:
        raise ValueError(f"fnzero.nn.embedding: W must be (vocabulary, features), got shape {tuple(W.shape)}")
    return fnp.index(W, ids_in_range(ids, W.shape[0], "fnzero.nn.embedding"))
