"""Flattening an image batch into rows for a fully connected layer."""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp


def flatten(x: Any) -> Any:
    """``x`` of shape (N, ...) as (N, everything else)."""
    if len(x.shape) < 1:
        raise ValueError("fnzero.nn.flatten: expected an array with a batch axis, got a scalar")
    return fnp.reshape(x, (x.shape[0], -1))
