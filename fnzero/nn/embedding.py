"""Embedding lookup (DeZero's embed_id): rows of a weight matrix picked by integer ids."""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero.backends import array_module, reads_values_cheaply
from fnzero.core.tracer import TRACER_TYPES, concrete


def embedding(ids: Any, W: Any) -> Any:
    """``W[ids]``: an array of shape ``ids.shape + (W.shape[1],)``; the gradient adds into the
    rows that were picked (repeated ids accumulate).

    Ids are checked to be in range on the host; on a device backend only with
    FNZERO_CHECK_DEVICE_VALUES=1 (see :func:`fnzero.nn.losses.checked_int_labels`)."""
    if type(ids) in TRACER_TYPES and ids.dtype.kind in "iu" and len(W.shape) == 2:
        return fnp.index(W, ids)  # ids that differ across a vmapped batch: not checked here
    ids = concrete(ids)
    xp = array_module(ids)
    ids = xp.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"fnzero.nn.embedding: ids must be integers, got dtype {ids.dtype}")
    if len(W.shape) != 2:
        raise ValueError(f"fnzero.nn.embedding: W must be (vocabulary, features), got shape {tuple(W.shape)}")
    vocabulary = W.shape[0]
    if ids.size and reads_values_cheaply(ids) and (int(ids.min()) < 0 or int(ids.max()) >= vocabulary):
        bad = int(ids.min()) if int(ids.min()) < 0 else int(ids.max())
        raise ValueError(
            f"fnzero.nn.embedding: id {bad} is out of range for a vocabulary of {vocabulary} "
            f"(0..{vocabulary - 1})"
        )
    return fnp.index(W, ids.astype(np.intp, copy=False))
