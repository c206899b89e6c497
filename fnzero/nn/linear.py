"""The affine map of a fully connected layer."""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero.numpy._batching import shape_of


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
