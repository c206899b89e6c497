"""lstm: one truncated-BPTT SGD step of an LSTM with hidden size 100 over 30 time steps
(batch 30, noisy cosine windows, the next value as target), linear read-out, summed mean
squared error, float32.

Checksum: the loss plus the L1 norm of the gradient, read back from the update. Floor: the
forward saving the gates, backpropagation through time by hand. fnzero uses
``nn.lstm_cell`` (what its ``LSTMCell`` runs) and ``nn.mean_squared_error``, PyTorch
``F.mse_loss`` and DeZero ``F.mean_squared_error``; the other peers write the cell one
operation per gate and the mean of the squares.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._harness import Case
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import LR, Device

SEQ_LEN, BATCH, HIDDEN = 30, 30, 100
H0 = (BATCH, HIDDEN)
RTOL = {"cpu": 1e-4}


def title(dev: Device) -> str:
    return (
        f"lstm: one truncated-BPTT SGD step, LSTM hidden {HIDDEN} over {SEQ_LEN} time steps, "
        f"batch {BATCH}, linear read-out, summed mean squared error, float32"
    )


@functools.cache
def data() -> tuple:
    """Inputs ``xs`` (T, B, 1) and targets ``ys`` (T, B, 1) from seed 2; parameters
    ``(Wx, Wh, b, Wy, by)`` with the gates in the order i, f, o, g."""
    rng = np.random.default_rng(2)
    start = rng.uniform(0, 2 * np.pi, BATCH)
    steps = start[None, :] + 0.1 * np.arange(SEQ_LEN + 1)[:, None]
    seq = (np.cos(steps) + 0.05 * rng.standard_normal(steps.shape)).astype(np.float32)
    scale = 1 / np.sqrt(HIDDEN)
    params = (
        (rng.standard_normal((1, 4 * HIDDEN)) * scale).astype(np.float32),
        (rng.standard_normal((HIDDEN, 4 * HIDDEN)) * scale).astype(np.float32),
        np.zeros(4 * HIDDEN, np.float32),
        (rng.standard_normal((HIDDEN, 1)) * scale).astype(np.float32),
        np.zeros(1, np.float32),
    )
    return seq[:-1, :, None], seq[1:, :, None], params


def loss(
    params: Any,
    xs: Any,
    ys: Any,
    xnp: Any,
    sigmoid: Callable,
    h0: Any,
    cell: Callable | None = None,
    mse: Callable | None = None,
) -> Any:
    """``h0``: the zero state as the library's array; ``cell``: the library's own LSTM step
    ``(x, h, c, Wx, Wh, b) -> (h, c)``, else one operation per gate; ``mse``: the library's own
    mean squared error ``(y, t)``, else the mean of the squares."""
    Wx, Wh, b, Wy, by = params
    H = HIDDEN
    h = cs = h0
    total = 0.0
    for x, target in zip(xs, ys):
        if cell is not None:
            h, cs = cell(x, h, cs, Wx, Wh, b)
        else:
            z = x @ Wx + h @ Wh + b
            i, f, o = sigmoid(z[:, :H]), sigmoid(z[:, H : 2 * H]), sigmoid(z[:, 2 * H : 3 * H])
            cs = f * cs + i * xnp.tanh(z[:, 3 * H :])
            h = o * xnp.tanh(cs)
        y = h @ Wy + by
        total = total + (xnp.mean((y - target) ** 2) if mse is None else mse(y, target))
    return total


def _sigmoid(z):
    return 0.5 * (np.tanh(0.5 * z) + 1)


def floor(dev: Device) -> Case:
    xs, ys, params = data()
    H = HIDDEN

    def run():
        Wx, Wh, b, Wy, by = params
        h = cs = np.zeros(H0, np.float32)
        saved, total = [], 0.0
        for x, target in zip(xs, ys):
            z = x @ Wx + h @ Wh + b
            gates = np.concatenate([_sigmoid(z[:, : 3 * H]), np.tanh(z[:, 3 * H :])], axis=1)
            i, f, o, g = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
            c_prev, h_prev = cs, h
            cs = f * cs + i * g
            tc = np.tanh(cs)
            h = o * tc
            diff = h @ Wy + by - target
            total += np.mean(diff**2)
            saved.append((x, h_prev, c_prev, gates, tc, h, diff))
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        dWy, dby = np.zeros_like(Wy), np.zeros_like(by)
        dh_next, dc_next = np.zeros_like(h), np.zeros_like(cs)
        dz = np.empty((BATCH, 4 * H), np.float32)
        for x, h_prev, c_prev, gates, tc, h, diff in reversed(saved):
            dy = diff * np.float32(2 / diff.size)
            dWy += h.T @ dy
            dby += dy.sum(axis=0)
            dh = dy @ Wy.T + dh_next
            i, f, o, g = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
            dc = dh * o * (1 - tc * tc) + dc_next
            dz[:, :H] = dc * g
            dz[:, H : 2 * H] = dc * c_prev
            dz[:, 2 * H : 3 * H] = dh * tc
            dz[:, : 3 * H] *= gates[:, : 3 * H] * (1 - gates[:, : 3 * H])
            dz[:, 3 * H :] = dc * i * (1 - g * g)
            dWx += x.T @ dz
            dWh += h_prev.T @ dz
            db += dz.sum(axis=0)
            dh_next, dc_next = dz @ Wh.T, dc * f
        grads = (dWx, dWh, db, dWy, dby)
        return total, [p - LR * d for p, d in zip(params, grads)]

    return Case(run, c.step_digest(params))


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz
    import fnzero.nn as nn
    import fnzero.numpy as fnp

    xs, ys, params = data()
    zeros = np.zeros(H0, np.float32)
    f = lambda p: loss(p, xs, ys, fnp, nn.sigmoid, zeros, nn.lstm_cell, nn.mean_squared_error)  # noqa: E731
    value_and_grad = fz.value_and_grad(f)
    return c.functional_step(fz.jit(value_and_grad) if jit else value_and_grad, params, params, dev)


def autograd(dev: Device) -> Case:
    ag = c.autograd()
    import autograd.numpy as anp

    xs, ys, params = data()
    sigmoid = lambda z: 0.5 * (anp.tanh(0.5 * z) + 1)  # noqa: E731
    f = lambda p: loss(p, xs, ys, anp, sigmoid, np.zeros(H0, np.float32))  # noqa: E731
    return c.functional_step(ag.value_and_grad(f), params, params, dev)


def torch(dev: Device) -> Case:
    tc = c.torch(dev)
    xs, ys, init = data()
    xt, yt = tc.from_numpy(xs), tc.from_numpy(ys)
    mse = tc.nn.functional.mse_loss
    return c.torch_step(lambda p: loss(p, xt, yt, tc, tc.sigmoid, tc.zeros(H0), mse=mse), init, dev)


def dezero(dev: Device) -> Case:
    _, F = c.dezero()
    xs, ys, init = data()
    H = HIDDEN

    def forward(params):  # DeZero's Variable has no @: F.linear and F.matmul
        Wx, Wh, b, Wy, by = params
        h = cs = np.zeros(H0, np.float32)
        total = 0.0
        for x, target in zip(xs, ys):
            z = F.linear(x, Wx, b) + F.matmul(h, Wh)
            i, f, o = F.sigmoid(z[:, :H]), F.sigmoid(z[:, H : 2 * H]), F.sigmoid(z[:, 2 * H : 3 * H])
            cs = f * cs + i * F.tanh(z[:, 3 * H :])
            h = o * F.tanh(cs)
            total = total + F.mean_squared_error(F.linear(h, Wy, by), target)
        return total

    return c.dezero_step(forward, init, init, dev)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp

    xs, ys, init = data()
    xj, yj = jnp.asarray(xs), jnp.asarray(ys)
    f = lambda p: loss(p, xj, yj, jnp, j.nn.sigmoid, jnp.zeros(H0, jnp.float32))  # noqa: E731
    return c.jax_step(j, f, tuple(jnp.asarray(p) for p in init), init, jit)


PEERS = {
    "autograd": autograd,
    "dezero": dezero,
    "torch": torch,
    **c.jax_peers(_jax),
}
