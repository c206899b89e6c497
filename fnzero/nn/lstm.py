"""One LSTM step, its shapes checked: fnzero.lax.lstm_step, written with fnzero operations,
which a reverse-mode tape records as one node with one rule (see lax/fused_layers.py)."""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero import lax


def lstm_cell(x: Any, h: Any, c: Any, W_x: Any, W_h: Any, b: Any) -> tuple[Any, Any]:
    """One LSTM step: ``(h, c) -> (h', c')`` for inputs ``x`` (N, D).

    ``W_x`` (D, 4H), ``W_h`` (H, 4H) and ``b`` (4H,) hold the input, forget and output gates
    and the candidate, in that order; ``c' = f c + i tanh(u)``, ``h' = o tanh(c')``.
    """
    four = W_h.shape[-1]
    if four % 4 or W_h.shape[-2] * 4 != four or h.shape[-1] * 4 != four or c.shape[-1] * 4 != four:
        raise ValueError(
            f"fnzero.nn.lstm_cell: W_h must be (H, 4H) with h and c (N, H); got W_h {W_h.shape}, "
            f"h {h.shape}, c {c.shape}"
        )
    if len(W_x.shape) < 2 or W_x.shape[-1] != four or x.shape[-1] != W_x.shape[-2]:
        raise ValueError(
            f"fnzero.nn.lstm_cell: W_x must be (D, 4H) for x (N, D) and 4H = {four}; got "
            f"W_x {W_x.shape}, x {x.shape}"
        )
    if fnp.shape(b)[-1:] != (four,):
        raise ValueError(f"fnzero.nn.lstm_cell: b must be (4H,) = ({four},); got {fnp.shape(b)}")
    single = x.ndim == h.ndim == c.ndim == 1
    if x.ndim == 1:  # one example: a batch of one, as the primitives' rules need matrices
        x = fnp.reshape(x, (1,) + x.shape)
    if h.ndim == 1:
        h = fnp.reshape(h, (1,) + h.shape)
    h, c = lax.lstm_step(x, h, c, W_x, W_h, b)
    if single:
        return fnp.reshape(h, h.shape[-1:]), fnp.reshape(c, c.shape[-1:])
    return h, c
