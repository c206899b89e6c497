"""One LSTM step as three fused primitives: the gates, the new cell, the new output.

Written with one operation per gate, a step is seventeen primitives and its backward pass
zero-fills a (N, 4H) array for each of the four gate slices. Here ``lstm_gates`` computes
the pre-activations ``z = x @ W_x + h @ W_h + b`` (columns: input, forget, output gates,
then the candidate) and activates them in one primitive: the tape keeps the activated gates
only (not z and its partial sums), and one shared vjp rule finds z's cotangent once for all
five inputs. The rules of all three read the activated gates: the derivative of sigmoid and
tanh comes from their outputs. Every rule is written with fnzero operations, so higher
orders, jvp and vmap go through as for any primitive; raw-array twins of the rules serve
first-order gradients. A reverse-mode tape records the new cell and output together as one
node (``lstm_state``, see ``core.reverse.fused``), whose one rule finds the new cell's
cotangent once and writes the gates' into one buffer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero.backends import array_module
from fnzero.core.primitive import JointVJP, Primitive, SharedVJP
from fnzero.core.reverse import fused
from fnzero.core.tracer import TRACER_TYPES
from fnzero.nn._batching import front_rule
from fnzero.numpy.batching import broadcasting_rule


def _activate(z):
    H = z.shape[-1] // 4
    xp = array_module(z)
    sig = xp.tanh(z[..., : 3 * H] * 0.5)  # sigmoid as (1 + tanh(z / 2)) / 2: no overflow
    sig += 1
    sig *= 0.5
    return xp.concatenate([sig, xp.tanh(z[..., 3 * H :])], axis=-1)


def _gates_impl(x, h, W_x, W_h, b):
    z = x @ W_x + h @ W_h
    if getattr(b, "ndim", 0) == 1 and b.dtype == z.dtype:
        z += b
    else:
        z = z + b
    return _activate(z)


def _gates_slope(a):
    """d(activation)/dz from the activations: s (1 - s) for the sigmoid gates, 1 - t^2 for tanh."""
    H = a.shape[-1] // 4
    s, t = a[..., : 3 * H], a[..., 3 * H :]
    return fnp.concatenate([s * (1 - s), 1 - t * t], axis=-1)


def _gates_vjp(g, ans, x, h, W_x, W_h, b, needed):
    dz = g * _gates_slope(ans)
    mT = lambda m: fnp.swapaxes(m, -1, -2)  # noqa: E731
    return (
        dz @ mT(W_x) if needed[0] else None,
        dz @ mT(W_h) if needed[1] else None,
        mT(x) @ dz if needed[2] else None,
        mT(h) @ dz if needed[3] else None,
        dz if needed[4] else None,  # the sweep sums it down to b's shape
    )


def _gates_raw_vjp(g, ans, x, h, W_x, W_h, b, needed):
    H = ans.shape[-1] // 4
    xp = array_module(ans)
    dz = xp.empty(g.shape, g.dtype)
    s, t = ans[..., : 3 * H], ans[..., 3 * H :]
    ds, dt = dz[..., : 3 * H], dz[..., 3 * H :]
    xp.subtract(1, s, out=ds)
    ds *= s
    xp.multiply(t, t, out=dt)
    xp.subtract(1, dt, out=dt)
    dz *= g
    return (
        dz @ W_x.swapaxes(-1, -2) if needed[0] else None,
        dz @ W_h.swapaxes(-1, -2) if needed[1] else None,
        x.swapaxes(-1, -2) @ dz if needed[2] else None,
        h.swapaxes(-1, -2) @ dz if needed[3] else None,
        dz if needed[4] else None,
    )


def _gates_jvp(tangents, ans, x, h, W_x, W_h, b):
    tx, th, tW_x, tW_h, tb = tangents
    terms = [
        tx @ W_x if tx is not None else None,
        th @ W_h if th is not None else None,
        x @ tW_x if tW_x is not None else None,
        h @ tW_h if tW_h is not None else None,
        tb,
    ]
    tz = None
    for term in terms:
        if term is not None:
            tz = term if tz is None else tz + term
    return tz * _gates_slope(ans)


def _onnx_slice(b, x: str, output: Any, H: int, k: int, n: int = 1) -> str:
    """Quarters ``k`` to ``k + n`` of the last axis of ``x`` (quarters of width ``H``)."""
    const = lambda v: b.constant([v], np.int64)  # noqa: E731
    return b.node("Slice", [x, const(k * H), const((k + n) * H), const(len(output.shape) - 1)])


def _onnx_gates(b, eq, ops, out):
    x, h, w_x, w_h, bias = (b.tensor(o, eq.output) for o in ops)
    H = eq.output.shape[-1] // 4
    z = b.node("Add", [b.node("Add", [b.node("MatMul", [x, w_x]), b.node("MatMul", [h, w_h])]), bias])
    sig = b.node("Sigmoid", [_onnx_slice(b, z, eq.output, H, 0, 3)])
    activated = [sig, b.node("Tanh", [_onnx_slice(b, z, eq.output, H, 3)])]
    return b.node("Concat", activated, out, axis=len(eq.output.shape) - 1)


lstm_gates_p = Primitive("lstm_gates", _gates_impl, onnx=_onnx_gates).defvjp(SharedVJP(_gates_vjp))
lstm_gates_p.defvjp_raw(SharedVJP(_gates_raw_vjp))
lstm_gates_p.defjvp_joint(_gates_jvp)
# Matrix products and a bias add broadcast over leading axes: batch axes lined up in front.
lstm_gates_p.defbatch(broadcasting_rule(lstm_gates_p))


def _split(a):
    H = a.shape[-1] // 4
    return a[..., :H], a[..., H : 2 * H], a[..., 2 * H : 3 * H], a[..., 3 * H :]


def _cell_impl(a, c):
    i, f, _, u = _split(a)
    out = f * c
    out += i * u
    return out


def _cell_vjp_gates(g, ans, a, c):
    i, f, _, u = _split(a)
    return fnp.concatenate([g * u, g * c, fnp.zeros_like(g), g * i], axis=-1)


def _cell_jvp_gates(t, ans, a, c):
    i, f, _, u = _split(a)
    ti, tf, _, tu = _split(t)
    return tf * c + ti * u + i * tu


def _gates_buffer(g, a):
    """An uninitialized cotangent for the gates ``a``: the batch shape of ``g``, 4H columns."""
    return array_module(g).empty(g.shape[:-1] + a.shape[-1:], g.dtype)


def _cell_raw_vjp_gates(g, ans, a, c):
    xp = array_module(g)
    i, f, _, u = _split(a)
    out = _gates_buffer(g, a)
    di, df, do, du = _split(out)
    xp.multiply(g, u, out=di)
    xp.multiply(g, c, out=df)
    do[...] = 0
    xp.multiply(g, i, out=du)
    return out


def _onnx_cell(b, eq, ops, out):
    a, c = (b.tensor(o, eq.output) for o in ops)
    H = eq.output.shape[-1]
    gate = lambda k: _onnx_slice(b, a, eq.output, H, k)  # noqa: E731
    kept = b.node("Mul", [gate(1), c])
    return b.node("Add", [kept, b.node("Mul", [gate(0), gate(3)])], out)


lstm_cell_state_p = Primitive("lstm_cell_state", _cell_impl, onnx=_onnx_cell).defvjp(
    _cell_vjp_gates, lambda g, ans, a, c: g * _split(a)[1]
)
lstm_cell_state_p.defvjp_raw(_cell_raw_vjp_gates, lambda g, ans, a, c: g * _split(a)[1])
lstm_cell_state_p.defjvp(_cell_jvp_gates, lambda t, ans, a, c: t * _split(a)[1])
lstm_cell_state_p.defbatch(front_rule(lstm_cell_state_p))


def _hidden_impl(a, c):
    return _split(a)[2] * array_module(c).tanh(c)


def _hidden_vjp_gates(g, ans, a, c):
    z = fnp.zeros_like(g)
    return fnp.concatenate([z, z, g * fnp.tanh(c), z], axis=-1)


def _hidden_vjp_cell(g, ans, a, c):
    t = fnp.tanh(c)
    return g * _split(a)[2] * (1 - t * t)


def _hidden_raw_vjp_gates(g, ans, a, c):
    xp = array_module(g)
    out = _gates_buffer(g, a)
    H = out.shape[-1] // 4
    out[..., : 2 * H] = 0
    out[..., 3 * H :] = 0
    xp.multiply(g, xp.tanh(c), out=out[..., 2 * H : 3 * H])
    return out


def _hidden_raw_vjp_cell(g, ans, a, c):
    t = array_module(c).tanh(c)
    t *= t
    out = g * _split(a)[2]
    out -= out * t
    return out


def _onnx_hidden(b, eq, ops, out):
    a, c = (b.tensor(o, eq.output) for o in ops)
    output_gate = _onnx_slice(b, a, eq.output, eq.output.shape[-1], 2)
    return b.node("Mul", [output_gate, b.node("Tanh", [c])], out)


lstm_hidden_p = Primitive("lstm_hidden", _hidden_impl, onnx=_onnx_hidden)
lstm_hidden_p.defvjp(_hidden_vjp_gates, _hidden_vjp_cell)
lstm_hidden_p.defvjp_raw(_hidden_raw_vjp_gates, _hidden_raw_vjp_cell)
lstm_hidden_p.defjvp(lambda t, ans, a, c: _split(t)[2] * fnp.tanh(c), _hidden_vjp_cell)
lstm_hidden_p.defbatch(front_rule(lstm_hidden_p))


def _state_vjp_general(gs, ans, a, c):
    """The cotangents of the gates and the old cell from those of the new cell and output,
    with fnzero operations (an outer transform watches)."""
    g_c, g_h = gs
    i, f, o, u = _split(a)
    t = fnp.tanh(ans[0])
    dc2 = g_c
    if g_h is not None:
        through_h = g_h * o * (1 - t * t)
        dc2 = through_h if dc2 is None else dc2 + through_h
    do = fnp.zeros_like(dc2) if g_h is None else fnp.broadcast_to(g_h * t, fnp.shape(dc2))
    return [fnp.concatenate([dc2 * u, dc2 * c, do, dc2 * i], axis=-1), dc2 * f]


def _state_vjp_raw(gs, ans, a, c):
    """The same on raw arrays, the gates' cotangent written into one buffer (as the floor)."""
    g_c, g_h = gs
    xp = array_module(ans[0])
    i, f, o, u = _split(a)
    t = xp.tanh(ans[0])
    if g_h is None:
        dc2 = g_c
    else:
        dc2 = g_h * o
        dc2 -= dc2 * t * t
        if g_c is not None:
            dc2 += g_c
    da = _gates_buffer(dc2, a)
    di, df, do, du = _split(da)
    xp.multiply(dc2, u, out=di)
    xp.multiply(dc2, c, out=df)
    if g_h is None:
        do[...] = 0
    else:
        xp.multiply(g_h, t, out=do)
    xp.multiply(dc2, i, out=du)
    return [da, dc2 * f]


def _state_vjp(gs, ans, a, c):
    if any(type(v) in TRACER_TYPES for v in (*gs, *ans, a, c)):
        return _state_vjp_general(gs, ans, a, c)
    return _state_vjp_raw(gs, ans, a, c)


def _state_jvp(tangents, ans, a, c):
    ta, tc = tangents
    tc2 = lstm_cell_state_p.jvp([ta, tc], ans[0], a, c)
    return tc2, lstm_hidden_p.jvp([ta, tc2], ans[1], a, ans[0])


# The new cell and output as reverse mode records them: one node, one rule for both.
lstm_state = Primitive("lstm_state", None)
lstm_state.vjps = JointVJP(_state_vjp)
lstm_state.jvp = _state_jvp


def _new_state(a, c):
    c2 = lstm_cell_state_p(a, c)
    return c2, lstm_hidden_p(a, c2)


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
    a = lstm_gates_p(x, h, W_x, W_h, b)
    c, h = fused(lstm_state, _new_state, a, c)
    if single:
        return fnp.reshape(h, h.shape[-1:]), fnp.reshape(c, c.shape[-1:])
    return h, c
