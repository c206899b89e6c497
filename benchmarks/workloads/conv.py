"""conv: ``conv2d`` of a (32, 3, 32, 32) float32 batch with 16 3x3 filters, padding 1, plus
bias, forward and backward: the gradients of input, weight and bias for a fixed cotangent
(``vjp``, each library's own convolution).

Checksum: the sum and the L1 norm of the three gradients. Floor: cnn's im2col convolution
and its backward, dx included. Target: fnzero within 2x of PyTorch.
"""

from __future__ import annotations

import functools

import numpy as np

from benchmarks._harness import Case, Row, target_line
from benchmarks.workloads import _common as c
from benchmarks.workloads import cnn
from benchmarks.workloads._common import Device

RTOL = {"cpu": 1e-3, "gpu": 1e-3}


def title(dev: Device) -> str:
    return "conv: conv2d (32,3,32,32) * (16,3,3,3) pad 1 + bias, forward and vjp to x, W, b, float32"


@functools.cache
def data() -> tuple[np.ndarray, ...]:
    """``x``, ``W``, ``b`` and the cotangent ``gy`` from seed 0."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    return (
        rng.standard_normal((32, 3, 32, 32)).astype(f32),
        (rng.standard_normal((16, 3, 3, 3)) * 0.2).astype(f32),
        rng.standard_normal(16).astype(f32),
        rng.standard_normal((32, 16, 32, 32)).astype(f32),
    )


digest = c.sum_and_l1


def floor(dev: Device) -> Case:
    xp = dev.xp
    x, W, b, gy = dev.put(data())

    def run():
        _, cols = cnn._conv_forward(xp, x, W, b)
        return list(cnn._conv_backward(xp, gy, cols, W, need_dx=True))

    return Case(c.synced(dev, run), digest)


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz
    import fnzero.nn as nn

    x, W, b, gy = fz.device_put(data(), dev.backend)

    def grads(x, W, b, gy):
        _, pullback = fz.vjp(lambda x, W, b: nn.conv2d(x, W, b, padding=1), x, W, b)
        return pullback(gy)

    grads = fz.jit(grads) if jit else grads
    return Case(c.synced(dev, lambda: grads(x, W, b, gy)), digest)


def torch(dev: Device) -> Case:
    tc = c.torch(dev)
    F = tc.nn.functional
    x, W, b, gy = (tc.as_tensor(a, device=dev.torch_device) for a in data())
    sync = c.torch_sync(dev)

    def run():
        xs = [a.clone().requires_grad_() for a in (x, W, b)]
        out = tc.autograd.grad(F.conv2d(*xs, padding=1), xs, gy)
        sync()
        return list(out)

    return Case(run, digest)


def dezero(dev: Device) -> Case:
    dz, F = c.dezero()
    x, W, b, gy = dev.put(data())

    def run():
        xs = [dz.Variable(a) for a in (x, W, b)]
        y = F.conv2d(*xs, stride=1, pad=1)
        y.grad = dz.Variable(gy)
        y.backward()
        return [v.grad.data for v in xs]

    return Case(c.synced(dev, run), digest)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp
    from jax import lax

    def grads(x, W, b, gy):
        conv = lambda x, W, b: lax.conv_general_dilated(x, W, (1, 1), ((1, 1), (1, 1))) + b[:, None, None]  # noqa: E731
        return list(j.vjp(conv, x, W, b)[1](gy))

    return c.jax_case(j, j.jit(grads) if jit else grads, *map(jnp.asarray, data()), digest=digest)


PEERS = {
    "dezero": dezero,
    "torch": torch,
    **c.jax_peers(_jax),
}


def targets(rows: dict[str, Row], dev: Device) -> list[str]:
    return [target_line("conv2d vjp", c.ratio(rows, "fnzero", "torch"), 2, "x torch", inclusive=True)]
