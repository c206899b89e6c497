"""One LSTM step: the pre-activations as fnzero operations, the rest as one fused node.

``z = x @ W_x + h @ W_h + b`` (columns: input, forget, output gates, then the candidate) is
written with fnzero's matmul and add. From z and the old cell, ``_pointwise`` computes the
activations, the new cell and the new output, also with fnzero operations. A reverse-mode tape
records that part as one node (``lstm_state``, see ``core.reverse.fused``): it keeps the
activations and tanh(c') the forward made, and its one rule turns the new cell's and output's
cotangents into z's and the old cell's, each computed once. Under jit, vmap, jvp or no
transform the operations are seen one by one, so they batch, fuse and export as any others.
"""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero.core.primitive import JointVJP, Primitive
from fnzero.core.reverse import fused


def _gates(s, H: int):
    """The input, forget and output gates: the three quarters of the sigmoid block ``s``."""
    return s[..., :H], s[..., H : 2 * H], s[..., 2 * H :]


def _pointwise(z, c):
    """``(c', h', s, u, tanh(c'))`` from the pre-activations ``z`` and the old cell ``c``:
    ``s`` the sigmoid gates, ``u`` the candidate, kept for the rule."""
    H = z.shape[-1] // 4
    s = fnp.tanh(z[..., : 3 * H] * 0.5) * 0.5 + 0.5  # sigmoid as (1 + tanh(z / 2)) / 2: no overflow
    u = fnp.tanh(z[..., 3 * H :])
    i, f, o = _gates(s, H)
    c2 = f * c + i * u
    t = fnp.tanh(c2)
    return c2, o * t, s, u, t


def _state_vjp(gs, ans, z, c):
    """The cotangents of ``z`` and ``c`` from those of the new cell and output (the kept
    activations get none: only this module reads them). The slopes of sigmoid and tanh come
    from their outputs."""
    g_c, g_h = gs[0], gs[1]
    _, _, s, u, t = ans
    i, f, o = _gates(s, u.shape[-1])
    dc2 = g_c
    if g_h is not None:
        through_h = g_h * o * (1 - t * t)
        dc2 = through_h if dc2 is None else dc2 + through_h
    ds = s - s * s
    di, df, do = _gates(ds, u.shape[-1])
    d_out = fnp.zeros_like(dc2) if g_h is None else g_h * t * do
    dz = fnp.concatenate([dc2 * u * di, dc2 * c * df, d_out, dc2 * i * (1 - u * u)], axis=-1)
    return [dz, dc2 * f]


def _state_jvp(tangents, ans, z, c):
    tz, tc = tangents
    c2, _, s, u, t = ans
    H = u.shape[-1]
    i, f, o = _gates(s, H)
    ts = tu = None
    tc2 = None if tc is None else f * tc
    if tz is not None:
        ts = (s - s * s) * tz[..., : 3 * H]
        tu = (1 - u * u) * tz[..., 3 * H :]
        ti, tf, _ = _gates(ts, H)
        moved = tf * c + ti * u + i * tu
        tc2 = moved if tc2 is None else tc2 + moved
    if tc2 is None:
        return None, None, None, None, None
    tt = (1 - t * t) * tc2
    th = o * tt if ts is None else o * tt + _gates(ts, H)[2] * t
    return tc2, th, ts, tu, tt


# The new cell and output as reverse mode records them: one node, one rule for both.
lstm_state = Primitive("lstm_state", None).defvjp(JointVJP(_state_vjp))
lstm_state.jvp = _state_jvp


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
    z = x @ W_x + h @ W_h + b
    c, h = fused(lstm_state, _pointwise, z, c)[:2]
    if single:
        return fnp.reshape(h, h.shape[-1:]), fnp.reshape(c, c.shape[-1:])
    return h, c
