"""pool: ``max_pool2d`` of a (32, 16, 32, 32) float32 batch, 2x2 windows, stride 2, forward and
backward for a fixed cotangent (``vjp``).

Checksum: the sum and the L1 norm of the input's gradient. Floor: the maximum of the four
strided taps, the cotangent written back where each tap equals it (random normal inputs
have no ties). Target: fnzero within 2x of PyTorch.
"""

from __future__ import annotations

import functools

import numpy as np

from benchmarks._harness import Case, Row, target_line
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import Device

RTOL = {"cpu": 1e-6, "gpu": 1e-6}
_TAPS = ((0, 0), (0, 1), (1, 0), (1, 1))


def title(dev: Device) -> str:
    return "pool: max_pool2d (32,16,32,32), 2x2 windows, stride 2, forward and vjp, float32"


@functools.cache
def data() -> tuple[np.ndarray, np.ndarray]:
    """The input and the cotangent, from seed 1."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 16, 32, 32)).astype(np.float32)
    return x, rng.standard_normal((32, 16, 16, 16)).astype(np.float32)


digest = c.sum_and_l1


def floor(dev: Device) -> Case:
    xp = dev.xp
    x, gy = dev.put(data())

    def run():
        taps = [x[:, :, i::2, j::2] for i, j in _TAPS]
        y = xp.maximum(xp.maximum(taps[0], taps[1]), xp.maximum(taps[2], taps[3]))
        dx = xp.empty_like(x)
        for (i, j), tap in zip(_TAPS, taps):
            xp.multiply(gy, tap == y, out=dx[:, :, i::2, j::2])
        return dx

    return Case(c.synced(dev, run), digest)


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz
    import fnzero.nn as nn

    x, gy = fz.device_put(data(), dev.backend)

    def grad(x, gy):
        _, pullback = fz.vjp(lambda x: nn.max_pool2d(x, 2), x)
        return pullback(gy)

    grad = fz.jit(grad) if jit else grad
    return Case(c.synced(dev, lambda: grad(x, gy)), digest)


def torch(dev: Device) -> Case:
    tc = c.torch(dev)
    x, gy = (tc.as_tensor(a, device=dev.torch_device) for a in data())
    sync = c.torch_sync(dev)

    def run():
        xg = x.clone().requires_grad_()
        out = tc.autograd.grad(tc.nn.functional.max_pool2d(xg, 2), (xg,), gy)
        sync()
        return list(out)

    return Case(run, digest)


def dezero(dev: Device) -> Case:
    dz, F = c.dezero()
    x, gy = dev.put(data())

    def run():
        xv = dz.Variable(x)
        y = F.pooling(xv, 2, stride=2)
        y.grad = dz.Variable(gy)
        y.backward()
        return xv.grad.data

    return Case(c.synced(dev, run), digest)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp

    from benchmarks.workloads.cnn import reshape_pool

    def grad(x, gy):
        return j.vjp(reshape_pool, x)[1](gy)

    return c.jax_case(j, j.jit(grad) if jit else grad, *map(jnp.asarray, data()), digest=digest)


PEERS = {
    "dezero": dezero,
    "torch": torch,
    **c.jax_peers(_jax),
}


def targets(rows: dict[str, Row], dev: Device) -> list[str]:
    return [target_line("max_pool2d vjp", c.ratio(rows, "fnzero", "torch"), 2, "x torch", inclusive=True)]
