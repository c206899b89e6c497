"""The affine map of a fully connected layer."""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp


def linear(x: Any, W: Any, b: Any = None) -> Any:
    """``x @ W + b`` with ``W`` of shape (in_features, out_features), as in DeZero (and flax)."""
    y = fnp.matmul(x, W)
    return y if b is None else y + b
