"""One LSTM step as three fused primitives: gate activations, the new cell, the new output.

Written with one operation per gate, a step is seventeen primitives and its backward pass
zero-fills a (N, 4H) array for each of the four gate slices. Here the pre-activations
``z = x @ W_x + h @ W_h + b`` (columns: input, forget, output gates, then the candidate)
stay ordinary operations, and the rest is three primitives whose rules read the activated
gates: the derivative of sigmoid and tanh comes from their outputs. Every rule is written
with fnzero operations, so higher orders, jvp and vmap go through as for any primitive.
"""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero.backends import array_module
from fnzero.core.primitive import Primitive


def _gates_impl(z):
    H = z.shape[-1] // 4
    xp = array_module(z)
    a = xp.empty_like(z)
    sig = a[..., : 3 * H]
    xp.tanh(z[..., : 3 * H] * 0.5, out=sig)  # sigmoid as (1 + tanh(z / 2)) / 2: no overflow
    sig += 1
    sig *= 0.5
    xp.tanh(z[..., 3 * H :], out=a[..., 3 * H :])
    return a


def _gates_slope(a):
    """d(activation)/dz from the activations: s (1 - s) for the sigmoid gates, 1 - t^2 for tanh."""
    H = a.shape[-1] // 4
    s, t = a[..., : 3 * H], a[..., 3 * H :]
    return fnp.concatenate([s * (1 - s), 1 - t * t], axis=-1)


lstm_gates_p = Primitive("lstm_gates", _gates_impl).defvjp(lambda g, ans, z: g * _gates_slope(ans))
lstm_gates_p.defjvp(lambda t, ans, z: t * _gates_slope(ans))


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


lstm_cell_state_p = Primitive("lstm_cell_state", _cell_impl).defvjp(
    _cell_vjp_gates, lambda g, ans, a, c: g * _split(a)[1]
)
lstm_cell_state_p.defjvp(_cell_jvp_gates, lambda t, ans, a, c: t * _split(a)[1])


def _hidden_impl(a, c):
    return _split(a)[2] * array_module(c).tanh(c)


def _hidden_vjp_gates(g, ans, a, c):
    z = fnp.zeros_like(g)
    return fnp.concatenate([z, z, g * fnp.tanh(c), z], axis=-1)


def _hidden_vjp_cell(g, ans, a, c):
    t = fnp.tanh(c)
    return g * _split(a)[2] * (1 - t * t)


lstm_hidden_p = Primitive("lstm_hidden", _hidden_impl).defvjp(_hidden_vjp_gates, _hidden_vjp_cell)
lstm_hidden_p.defjvp(lambda t, ans, a, c: _split(t)[2] * fnp.tanh(c), _hidden_vjp_cell)


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
    a = lstm_gates_p(x @ W_x + h @ W_h + b)
    c = lstm_cell_state_p(a, c)
    return lstm_hidden_p(a, c), c
