"""cnn: one SGD step of a small CNN, softmax cross-entropy, float32: image -> conv 3x3 pad 1 ->
relu -> max-pool 2 -> conv 3x3 pad 1 -> relu -> max-pool 2 -> linear 10. On the CPU a
(32, 1, 28, 28) batch and 16 then 32 filters; on a GPU a (128, 3, 32, 32) batch (8 under
``--quick``) and 32 then 64 filters.

Checksum: the loss plus the L1 norm of the gradient, read back from the update. Floor: im2col
(a strided view and one copy) and a batched matmul forward; dW from the saved columns, dx as
the columns' gradient added back tap by tap; relu and pooling fused as four strided taps; no
dx for the input batch. autograd and JAX write the convolution as 9 shifted tensordots (JAX:
``lax.conv_general_dilated``) and the pooling as a reshape and max; the others use their own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._harness import Case, Row, Skipped, target_line
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import LR, Device

CLASSES = 10
RTOL = {"cpu": 1e-4, "gpu": 1e-3}
# DeZero's CNN step on an H100, measured elsewhere: stands in for a DeZero row on a GPU run
# where DeZero is not importable.
DEZERO_GPU_REFERENCE_MS = 5.1


def sizes(dev: Device) -> tuple[int, int, int, tuple[int, int, int], tuple[int, int]]:
    """(seed, batch, (channels, height, width), (filters 1, filters 2)) on ``dev``."""
    if dev.kind == "cpu":
        return 1, 32, (1, 28, 28), (16, 32)
    return 4, 8 if dev.quick else 128, (3, 32, 32), (32, 64)


def title(dev: Device) -> str:
    _, batch, shape, (f1, f2) = sizes(dev)
    return (
        f"cnn: one SGD step, ({batch},{','.join(map(str, shape))}) -> conv 3x3x{f1} pad 1 -> relu -> "
        f"pool 2 -> conv 3x3x{f2} pad 1 -> relu -> pool 2 -> linear {CLASSES}, softmax cross-entropy, float32"
    )


@functools.cache
def _data(seed: int, batch: int, shape: tuple[int, int, int], filters: tuple[int, int]) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.random((batch, *shape), dtype=np.float32)
    t = rng.integers(0, CLASSES, batch)

    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)

    (ch, hgt, wid), (f1, f2) = shape, filters
    flat = f2 * (hgt // 4) * (wid // 4)
    params = (
        he((f1, ch, 3, 3), ch * 9),
        np.full(f1, 0.01, np.float32),
        he((f2, f1, 3, 3), f1 * 9),
        np.full(f2, 0.01, np.float32),
        he((flat, CLASSES), flat),
        np.zeros(CLASSES, np.float32),
    )
    return x, t, params


def data(dev: Device) -> tuple:
    """The batch ``(x, t)`` and ``(W1, b1, W2, b2, W3, b3)`` (He initialization), host NumPy."""
    return _data(*sizes(dev))


def loss(params: Any, x: Any, t: Any, conv: Callable, relu: Callable, pool: Callable, xent: Callable) -> Any:
    """The CNN's loss, in any library's spelling of its layers."""
    W1, b1, W2, b2, W3, b3 = params
    y = pool(relu(conv(x, W1, b1)))
    y = pool(relu(conv(y, W2, b2)))
    return xent(y.reshape(len(y), -1) @ W3 + b3, t)


def tap_conv(xnp: Any) -> Callable:
    """3x3 convolution, padding 1, as the sum of 9 shifted tensordots (for libraries with
    NumPy's spelling and no convolution of their own)."""

    def conv(x, W, b):
        n, _, hgt, wid = x.shape
        xpad = xnp.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="constant")
        out = sum(
            xnp.tensordot(xpad[:, :, i : i + hgt, j : j + wid], W[:, :, i, j], axes=([1], [1]))
            for i in range(3)
            for j in range(3)
        )
        return xnp.transpose(out, (0, 3, 1, 2)) + b[:, None, None]

    return conv


def reshape_pool(y: Any) -> Any:
    n, ch, hgt, wid = y.shape
    return y.reshape(n, ch, hgt // 2, 2, wid // 2, 2).max(axis=(3, 5))


def xent_with(logsumexp: Callable, xnp: Any) -> Callable:
    def xent(z, t):
        return xnp.mean(logsumexp(z, axis=1) - z[np.arange(len(t)), t])

    return xent


# ---- the floor, for any array module --------------------------------------------------------


def _im2col(xp: Any, x: Any) -> Any:
    """(N, C, H, W) -> (N, C * 9, H * W): the 3x3 windows of x padded by 1, one column each."""
    n, ch, hgt, wid = x.shape
    xpad = xp.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    sn, sc, sh, sw = xpad.strides
    view = xp.lib.stride_tricks.as_strided(
        xpad, shape=(n, ch, 3, 3, hgt, wid), strides=(sn, sc, sh, sw, sh, sw)
    )
    return xp.ascontiguousarray(view).reshape(n, ch * 9, hgt * wid)


def _conv_forward(xp: Any, x: Any, W: Any, b: Any) -> tuple[Any, Any]:
    """im2col + one batched matmul; returns the output (N, F, H, W) and the columns."""
    n, _, hgt, wid = x.shape
    cols = _im2col(xp, x)
    out = W.reshape(len(W), -1) @ cols + b[:, None]
    return out.reshape(n, -1, hgt, wid), cols


def _conv_backward(xp: Any, gy: Any, cols: Any, W: Any, need_dx: bool) -> tuple[Any, Any, Any]:
    """dW and db from the saved columns; dx (when needed) as the columns' gradient, one batched
    matmul, added back into the padded image tap by tap (col2im)."""
    n, f, hgt, wid = gy.shape
    g = gy.reshape(n, f, hgt * wid)
    dW = xp.tensordot(g, cols, axes=([0, 2], [0, 2])).reshape(W.shape)
    db = g.sum(axis=(0, 2))
    if not need_dx:
        return None, dW, db
    ch = W.shape[1]
    dcols = (W.reshape(f, -1).T @ g).reshape(n, ch, 3, 3, hgt, wid)
    dxpad = xp.zeros((n, ch, hgt + 2, wid + 2), gy.dtype)
    for i in range(3):
        for j in range(3):
            dxpad[:, :, i : i + hgt, j : j + wid] += dcols[:, :, i, j]
    return dxpad[:, :, 1:-1, 1:-1], dW, db


_TAPS = ((0, 0), (0, 1), (1, 0), (1, 1))


def _relu_pool_forward(xp: Any, h: Any) -> tuple[Any, list]:
    """max_pool2d(relu(h), 2) as the maximum of the four strided taps, and per tap the mask
    of where the gradient goes back to h (ties between positive values have probability 0)."""
    taps = [h[:, :, i::2, j::2] for i, j in _TAPS]
    y = xp.maximum(xp.maximum(taps[0], taps[1]), xp.maximum(taps[2], taps[3]))
    xp.maximum(y, 0, out=y)
    positive = y > 0
    return y, [(tap == y) & positive for tap in taps]


def _relu_pool_backward(xp: Any, gy: Any, masks: list) -> Any:
    n, ch, hgt, wid = gy.shape
    dh = xp.empty((n, ch, 2 * hgt, 2 * wid), gy.dtype)
    for (i, j), mask in zip(_TAPS, masks):
        xp.multiply(gy, mask, out=dh[:, :, i::2, j::2])
    return dh


def step_by_hand(xp: Any, x: Any, t: Any, rows: Any, params: Any) -> tuple[Any, list]:
    """One SGD step of the CNN by hand in ``xp``: the loss and the new parameters."""
    W1, b1, W2, b2, W3, b3 = params
    h1, cols1 = _conv_forward(xp, x, W1, b1)
    p1, m1 = _relu_pool_forward(xp, h1)
    h2, cols2 = _conv_forward(xp, p1, W2, b2)
    p2, m2 = _relu_pool_forward(xp, h2)
    flat = p2.reshape(len(p2), -1)
    value, d = c.xent_by_hand(xp, flat @ W3 + b3, t, rows)
    dW3, db3 = flat.T @ d, d.sum(axis=0)
    dh2 = _relu_pool_backward(xp, (d @ W3.T).reshape(p2.shape), m2)
    dp1, dW2, db2 = _conv_backward(xp, dh2, cols2, W2, need_dx=True)
    dh1 = _relu_pool_backward(xp, dp1, m1)
    _, dW1, db1 = _conv_backward(xp, dh1, cols1, W1, need_dx=False)
    grads = (dW1, db1, dW2, db2, dW3, db3)
    return value, [p - LR * g for p, g in zip(params, grads)]


def floor(dev: Device) -> Case:
    x, t, init = data(dev)
    xd, td, params = dev.put((x, t, list(init)))
    rows = dev.xp.arange(len(t))
    return Case(c.synced(dev, lambda: step_by_hand(dev.xp, xd, td, rows, params)), c.step_digest(init))


# ---- fnzero and the peers -------------------------------------------------------------------


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz
    import fnzero.nn as nn

    x, t, init = data(dev)
    xd, td, params = fz.device_put((x, t, list(init)), dev.backend)

    def f(p):
        conv = lambda y, W, b: nn.conv2d(y, W, b, padding=1)  # noqa: E731
        return loss(p, xd, td, conv, nn.relu, lambda y: nn.max_pool2d(y, 2), nn.softmax_cross_entropy)

    value_and_grad = fz.value_and_grad(f)
    return c.functional_step(fz.jit(value_and_grad) if jit else value_and_grad, params, init, dev)


def autograd(dev: Device) -> Case:
    if dev.kind != "cpu":
        raise Skipped("autograd runs on NumPy only")
    ag = c.autograd()
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    x, t, init = data(dev)
    relu = lambda y: anp.maximum(y, 0.0)  # noqa: E731
    f = lambda p: loss(p, x, t, tap_conv(anp), relu, reshape_pool, xent_with(logsumexp, anp))  # noqa: E731
    return c.functional_step(ag.value_and_grad(f), init, init, dev)


def torch(dev: Device) -> Case:
    tc = c.torch(dev)
    F = tc.nn.functional
    x, t, init = data(dev)
    xt, tt = tc.as_tensor(x, device=dev.torch_device), tc.as_tensor(t, device=dev.torch_device)
    conv = lambda y, W, b: F.conv2d(y, W, b, padding=1)  # noqa: E731
    pool = lambda y: F.max_pool2d(y, 2)  # noqa: E731
    return c.torch_step(lambda p: loss(p, xt, tt, conv, tc.relu, pool, F.cross_entropy), init, dev)


def dezero(dev: Device) -> Case:
    _, F = c.dezero()
    x, t, init = data(dev)
    xd, td, start = dev.put((x, t, list(init)))

    def forward(params):
        W1, b1, W2, b2, W3, b3 = params
        y = F.pooling(F.relu(F.conv2d(xd, W1, b1, pad=1)), 2, 2)
        y = F.pooling(F.relu(F.conv2d(y, W2, b2, pad=1)), 2, 2)
        return F.softmax_cross_entropy(F.linear(F.reshape(y, (len(y), -1)), W3, b3), td)

    return c.dezero_step(forward, start, init, dev)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp
    from jax import lax

    def conv(x, W, b):
        return lax.conv_general_dilated(x, W, (1, 1), ((1, 1), (1, 1))) + b[:, None, None]

    x, t, init = data(dev)
    xj, tj = jnp.asarray(x), jnp.asarray(t)
    xent = xent_with(j.nn.logsumexp, jnp)
    f = lambda p: loss(p, xj, tj, conv, j.nn.relu, reshape_pool, xent)  # noqa: E731
    return c.jax_step(j, f, [jnp.asarray(p) for p in init], init, jit)


PEERS = {
    "autograd": autograd,
    "dezero": dezero,
    "torch": torch,
    **c.jax_peers(_jax),
}


def targets(rows: dict[str, Row], dev: Device) -> list[str]:
    """On a GPU, for fnzero and fnzero.jit: at most 2x PyTorch's step and at least 2.5x
    faster than DeZero's (its reference number where DeZero did not run)."""
    if dev.kind == "cpu":
        return []
    lines = []
    for name in ("fnzero", "fnzero-jit"):
        dezero_ms, source = c.median(rows, "dezero"), "measured here"
        if dezero_ms is None:
            dezero_ms, source = DEZERO_GPU_REFERENCE_MS, "an H100 reference"
        ours = c.median(rows, name)
        vs_dezero = None if ours is None else ours / dezero_ms
        lines += [
            target_line(f"{name} CNN step", c.ratio(rows, name, "torch"), 2, "x torch", inclusive=True),
            target_line(f"{name} CNN vs DeZero ({source})", vs_dezero, 0.4, "x dezero", inclusive=True),
        ]
    return lines
