"""Layers whose reverse mode is one node: the squared-error loss and an LSTM step.

``squared_error_p(y, t, mean=)``: the mean (or sum) of ``(y - t)^2`` as one primitive (as
DeZero's MeanSquaredError): the tape keeps y and t only, and a step's backward is one rule
instead of those of a subtraction, a square and a mean.

``lstm_step(x, h, c, W_x, W_h, b)``: the pre-activations ``z = x W_x + h W_h + b`` (columns:
input, forget, output gates, then the candidate), then the new cell and output, written with
fnzero operations. A reverse-mode tape records the step as one node (``lstm_step``, see
``core.reverse.one_node``): it keeps the activations and tanh(c') the forward made (not z and
its partial sums), and its one rule finds z's cotangent once for all six inputs. Under jit,
vmap, jvp or no transform the operations are seen one by one, so they batch, fuse and export
as any others.
"""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero.backends import array_module
from fnzero.core.primitive import Primitive, SharedVJP
from fnzero.core.reverse import one_node
from fnzero.numpy.arithmetic import subtract
from fnzero.numpy.batching import shape_of, to_front


def _squared_error_impl(y, t, mean):
    """``squared_error(y, t, mean=)``: the mean (``mean=True``) or the sum of ``(y - t)^2`` over
    every element."""
    d = y - t
    sq = array_module(d).square(d)
    if mean and sq.dtype.itemsize < 4:  # float16: NumPy's mean accumulates it in float32
        return sq.mean()
    return sq.sum() / sq.size if mean else sq.sum()


def _squared_error_vjp(sign):
    """The cotangent of the predictions (sign 1) or the targets (-1): g 2 (y - t) / n."""

    def rule(g, ans, y, t, mean):
        d = y - t
        return d * (g * (sign * 2 / d.size if mean else sign * 2))

    return rule


def _squared_error_jvp(sign):
    def rule(t_, ans, y, t, mean):
        moved = (y - t) * t_
        return (fnp.mean(moved) if mean else fnp.sum(moved)) * (2 * sign)

    return rule


def _squared_error_batched(args, dims, mean: bool):
    """Each example's loss: the difference with the batch in front, reduced over the rest."""
    d, bdim = subtract.batch(args, dims)
    d = to_front(d, bdim)
    axes = tuple(range(1, len(shape_of(d))))
    reduce = fnp.mean if mean else fnp.sum
    return reduce(fnp.square(d), axis=axes), 0


def _onnx_squared_error(b, eq, ops, out):
    like = b.first_var(eq)
    d = b.node("Sub", [b.tensor(o, like) for o in ops[:2]])
    reduce = "ReduceMean" if eq.params["mean"] else "ReduceSum"
    return b.node(reduce, [b.node("Mul", [d, d])], out, keepdims=0)


squared_error_p = Primitive("squared_error", _squared_error_impl, onnx=_onnx_squared_error)
squared_error_p.defvjp(_squared_error_vjp(1), _squared_error_vjp(-1))
squared_error_p.defjvp(_squared_error_jvp(1), _squared_error_jvp(-1))
squared_error_p.defbatch(_squared_error_batched)


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


def _step(x, h, W_x, W_h, b, c):
    """``(c', h', s, u, tanh(c'))`` of one step (see ``_pointwise``)."""
    return _pointwise(x @ W_x + h @ W_h + b, c)


def _state_cotangents(gs, ans, c):
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
    return dz, dc2 * f


def _step_vjp(gs, ans, x, h, W_x, W_h, b, c, needed):
    dz, dc = _state_cotangents(gs, ans, c)
    return (
        dz @ fnp.matrix_transpose(W_x) if needed[0] else None,
        dz @ fnp.matrix_transpose(W_h) if needed[1] else None,
        fnp.matrix_transpose(x) @ dz if needed[2] else None,
        fnp.matrix_transpose(h) @ dz if needed[3] else None,
        dz if needed[4] else None,  # the sweep sums it down to b's shape
        dc if needed[5] else None,
    )


def _state_jvp(tangents, ans, c):
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


def _step_jvp(tangents, ans, x, h, W_x, W_h, b, c):
    tx, th, tW_x, tW_h, tb, tc = tangents
    tz = None
    for term in (
        None if tx is None else tx @ W_x,
        None if th is None else th @ W_h,
        None if tW_x is None else x @ tW_x,
        None if tW_h is None else h @ tW_h,
        tb,
    ):
        if term is not None:
            tz = term if tz is None else tz + term
    return _state_jvp([tz, tc], ans, c)


# One LSTM step as reverse mode records it: one node, one rule for all six inputs.
_lstm_step_node = Primitive("lstm_step", None).defvjp(SharedVJP(_step_vjp))
_lstm_step_node.jvp = _step_jvp


def lstm_step(x: Any, h: Any, c: Any, W_x: Any, W_h: Any, b: Any) -> tuple[Any, Any]:
    """One LSTM step ``(h', c')`` for inputs ``x`` (N, D), ``h`` and ``c`` (N, H), ``W_x``
    (D, 4H), ``W_h`` (H, 4H) and ``b`` (4H,) (input, forget and output gates, then the
    candidate): ``c' = f c + i tanh(u)``, ``h' = o tanh(c')``. A reverse-mode tape records it
    as one node. Shapes are taken as checked (fnzero.nn.lstm_cell checks them)."""
    c2, h2 = one_node(_lstm_step_node, _step, x, h, W_x, W_h, b, c)[:2]
    return h2, c2
