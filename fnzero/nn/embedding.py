"""Embedding lookup (DeZero's embed_id): rows of a weight matrix picked by integer ids."""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero._checks import ids_in_range, int_values, is_traced


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
