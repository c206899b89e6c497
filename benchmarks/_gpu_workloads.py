"""gpu.py's workloads, written once: the device they run on, sizes, data from fixed seeds,
checksums, and the floor, the forward and backward written by hand in CuPy.

Every function here takes the array module ``xp`` (CuPy on a GPU; NumPy under ``--cpu``, the
check of the script itself on a machine with no GPU).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks._core_workloads import CHAIN_STEPS, CHAIN_X0, LR, N_HIDDEN, N_IN, N_OUT, mlp_step_by_hand
from benchmarks._harness import Case


@dataclass(frozen=True)
class Device:
    """Where the workloads run: ``xp`` (cupy or numpy), the fnzero backend's name, the PyTorch
    device, ``sync()`` (waits for every queued kernel), and the sizes to use there."""

    xp: Any
    backend: str
    torch_device: str
    sync: Callable[[], None]
    mlp_steps: int
    cnn_batch: int


def gpu_device() -> Device:
    import cupy

    return Device(cupy, "cupy", "cuda", cupy.cuda.Device().synchronize, mlp_steps=600, cnn_batch=128)


def cpu_device() -> Device:
    """NumPy on the host, small sizes: checks the script and its checksums, times nothing real."""
    return Device(np, "numpy", "cpu", lambda: None, mlp_steps=3, cnn_batch=8)


MLP_BATCH = 100
CNN_CLASSES, CNN_SHAPE = 10, (3, 32, 32)


def workload_titles(dev: Device) -> dict[str, tuple[str, float]]:
    """name -> (title, relative tolerance of its checksum)."""
    return {
        "mlp_epoch": (
            f"mlp_epoch: {dev.mlp_steps} SGD steps (an epoch), MLP {N_IN}-{N_HIDDEN}-{N_OUT}, ReLU, "
            f"softmax cross-entropy, batch {MLP_BATCH}, float32; checksum: mean loss + L1 of the update",
            1e-3,
        ),
        "cnn": (
            f"cnn: one SGD step, ({dev.cnn_batch},{','.join(map(str, CNN_SHAPE))}) -> conv 3x3x32 pad 1 -> "
            "relu -> pool 2 -> conv 3x3x64 pad 1 -> relu -> pool 2 -> linear 10, softmax "
            "cross-entropy, float32; checksum: loss + L1 of the gradient",
            1e-3,
        ),
        "chain": (
            f"chain: grad of {CHAIN_STEPS:,} x [x = sin(x) * 1.001 + 0.1 * cos(x)], 0-d float64 on "
            f"the device ({5 * CHAIN_STEPS:,} primitives); checksum: value + grad",
            1e-7,
        ),
    }


# ---- data (host NumPy, from seeds; each library copies it to its device) ------------------


@functools.cache
def mlp_epoch_data(steps: int) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """``steps`` batches of inputs (steps * 100, 784) and labels, and ``(w1, b1, w2, b2)``."""
    rng = np.random.default_rng(0)
    x = rng.random((steps * MLP_BATCH, N_IN), dtype=np.float32)
    t = rng.integers(0, N_OUT, steps * MLP_BATCH)
    w1 = (rng.standard_normal((N_IN, N_HIDDEN)) * np.sqrt(2 / N_IN)).astype(np.float32)
    w2 = (rng.standard_normal((N_HIDDEN, N_OUT)) * np.sqrt(1 / N_HIDDEN)).astype(np.float32)
    return x, t, (w1, np.zeros(N_HIDDEN, np.float32), w2, np.zeros(N_OUT, np.float32))


@functools.cache
def cnn_data(batch: int) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """The batch ``(x, t)`` and ``(W1, b1, W2, b2, W3, b3)`` from seed 4 (He initialization)."""
    rng = np.random.default_rng(4)
    x = rng.random((batch, *CNN_SHAPE), dtype=np.float32)
    t = rng.integers(0, CNN_CLASSES, batch)

    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)

    flat = 64 * (CNN_SHAPE[1] // 4) * (CNN_SHAPE[2] // 4)
    params = (
        he((32, 3, 3, 3), 27),
        np.full(32, 0.01, np.float32),
        he((64, 32, 3, 3), 288),
        np.full(64, 0.01, np.float32),
        he((flat, CNN_CLASSES), flat),
        np.zeros(CNN_CLASSES, np.float32),
    )
    return x, t, params


def batches(x: Any, t: Any, steps: int) -> list[tuple[Any, Any]]:
    """The epoch's batches, in order (slices: views where the library has them)."""
    return [
        (x[i * MLP_BATCH : (i + 1) * MLP_BATCH], t[i * MLP_BATCH : (i + 1) * MLP_BATCH]) for i in range(steps)
    ]


# ---- checksums ----------------------------------------------------------------------------


def host(a: Any) -> np.ndarray:
    """Any library's array as a float64 NumPy array (a copy from the device where needed)."""
    if hasattr(a, "detach"):  # torch
        a = a.detach().cpu().numpy()
    elif type(a).__module__.startswith("dezero"):
        a = a.data
    if hasattr(a, "get") and not isinstance(a, np.ndarray):  # cupy
        a = a.get()
    return np.asarray(a, np.float64)


def step_digest(init: tuple[np.ndarray, ...]):
    """The mean of the losses plus the L1 norm of the total update over the learning rate."""

    def digest(out: tuple[Any, Any]) -> float:
        losses, params = out
        losses = losses if isinstance(losses, (list, tuple)) else [losses]
        moved = sum(float(np.abs(host(p) - p0).sum()) for p, p0 in zip(params, init))
        return sum(float(host(v)) for v in losses) / len(losses) + moved / LR

    return digest


def chain_digest(out: tuple[Any, Any]) -> float:
    """x_2000 plus dx_2000/dx_0, as benchmarks/core.py."""
    value, grad = out
    return float(host(value)) + float(host(grad))


# ---- the floor: forward and backward by hand ----------------------------------------------


def floor_mlp_epoch(dev: Device) -> Case:
    xs, ts, init = mlp_epoch_data(dev.mlp_steps)
    xp = dev.xp
    data = batches(xp.asarray(xs), xp.asarray(ts), dev.mlp_steps)
    start = [xp.asarray(p) for p in init]
    rows = xp.arange(MLP_BATCH)

    def run():
        params, losses = start, []
        for x, t in data:
            loss, params = mlp_step_by_hand(xp, x, t, rows, params)
            losses.append(loss)
        dev.sync()
        return losses, params

    return Case(run, step_digest(init))


def _im2col(xp, x):
    """(N, C, H, W) -> (N, C * 9, H * W): the 3x3 windows of x padded by 1, one column each."""
    n, c, hgt, wid = x.shape
    xpad = xp.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    sn, sc, sh, sw = xpad.strides
    view = xp.lib.stride_tricks.as_strided(
        xpad, shape=(n, c, 3, 3, hgt, wid), strides=(sn, sc, sh, sw, sh, sw)
    )
    return xp.ascontiguousarray(view).reshape(n, c * 9, hgt * wid)


def _conv_forward(xp, x, W, b):
    n, _, hgt, wid = x.shape
    cols = _im2col(xp, x)
    out = W.reshape(len(W), -1) @ cols + b[:, None]
    return out.reshape(n, -1, hgt, wid), cols


def _conv_backward(xp, gy, cols, W, need_dx: bool):
    n, f, hgt, wid = gy.shape
    g = gy.reshape(n, f, hgt * wid)
    dW = xp.tensordot(g, cols, axes=([0, 2], [0, 2])).reshape(W.shape)
    db = g.sum(axis=(0, 2))
    if not need_dx:
        return None, dW, db
    c = W.shape[1]
    dcols = (W.reshape(f, -1).T @ g).reshape(n, c, 3, 3, hgt, wid)
    dxp = xp.zeros((n, c, hgt + 2, wid + 2), gy.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, :, i : i + hgt, j : j + wid] += dcols[:, :, i, j]
    return dxp[:, :, 1:-1, 1:-1], dW, db


_TAPS = ((0, 0), (0, 1), (1, 0), (1, 1))


def _relu_pool_forward(xp, h):
    taps = [h[:, :, i::2, j::2] for i, j in _TAPS]
    y = xp.maximum(xp.maximum(taps[0], taps[1]), xp.maximum(taps[2], taps[3]))
    xp.maximum(y, 0, out=y)
    positive = y > 0
    return y, [(tap == y) & positive for tap in taps]


def _relu_pool_backward(xp, gy, masks):
    n, c, hgt, wid = gy.shape
    dh = xp.empty((n, c, 2 * hgt, 2 * wid), gy.dtype)
    for (i, j), mask in zip(_TAPS, masks):
        xp.multiply(gy, mask, out=dh[:, :, i::2, j::2])
    return dh


def floor_cnn_step(xp, x, t, rows, params) -> tuple[Any, list]:
    """One SGD step of the CNN by hand: im2col + matmul convolutions, relu and pooling fused."""
    W1, b1, W2, b2, W3, b3 = params
    h1, cols1 = _conv_forward(xp, x, W1, b1)
    p1, m1 = _relu_pool_forward(xp, h1)
    h2, cols2 = _conv_forward(xp, p1, W2, b2)
    p2, m2 = _relu_pool_forward(xp, h2)
    flat = p2.reshape(len(p2), -1)
    logits = flat @ W3 + b3
    m = logits.max(axis=1, keepdims=True)
    e = xp.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    loss = xp.mean(m[:, 0] + xp.log(s[:, 0]) - logits[rows, t])
    d = e / s
    d[rows, t] -= 1
    d /= len(t)
    dW3, db3 = flat.T @ d, d.sum(axis=0)
    dh2 = _relu_pool_backward(xp, (d @ W3.T).reshape(p2.shape), m2)
    dp1, dW2, db2 = _conv_backward(xp, dh2, cols2, W2, need_dx=True)
    dh1 = _relu_pool_backward(xp, dp1, m1)
    _, dW1, db1 = _conv_backward(xp, dh1, cols1, W1, need_dx=False)
    grads = (dW1, db1, dW2, db2, dW3, db3)
    return loss, [p - LR * g for p, g in zip(params, grads)]


def floor_cnn(dev: Device) -> Case:
    x, t, init = cnn_data(dev.cnn_batch)
    xp = dev.xp
    xd, td, params = xp.asarray(x), xp.asarray(t), [xp.asarray(p) for p in init]
    rows = xp.arange(len(t))

    def run():
        out = floor_cnn_step(xp, xd, td, rows, params)
        dev.sync()
        return out

    return Case(run, step_digest(init))


def floor_chain(dev: Device) -> Case:
    """The chain and its derivative from the saved sin and cos, on 0-d device arrays."""
    xp = dev.xp

    def run():
        x = xp.asarray(CHAIN_X0)
        saved = []
        for _ in range(CHAIN_STEPS):
            s, c = xp.sin(x), xp.cos(x)
            saved.append((s, c))
            x = s * 1.001 + 0.1 * c
        g = xp.ones_like(x)
        for s, c in reversed(saved):
            g = g * (c * 1.001 - 0.1 * s)
        dev.sync()
        return x, g

    return Case(run, chain_digest)


FLOOR = {"mlp_epoch": floor_mlp_epoch, "cnn": floor_cnn, "chain": floor_chain}
