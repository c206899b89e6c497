"""mlp_epoch: an epoch of SGD steps of mlp's 784-1000-10 MLP (batch 100, float32) over
examples already on the device: 600 steps (60,000 examples) on a GPU, 60 on the CPU, 3 under
``--quick``. Every step's loss is kept, so nothing is left queued on the device.

Checksum: the mean of the losses plus the L1 norm of the total update over the learning rate.
Floor: mlp's step by hand, in the device's array module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks._harness import Case, Row, target_line
from benchmarks.workloads import _common as c
from benchmarks.workloads import mlp
from benchmarks.workloads._common import LR, Device

RTOL = {"cpu": 1e-3, "gpu": 1e-3}


def steps(dev: Device) -> int:
    return 3 if dev.quick else 600 if dev.kind == "gpu" else 60


def title(dev: Device) -> str:
    return (
        f"mlp_epoch: {steps(dev)} SGD steps (an epoch), MLP {mlp.N_IN}-{mlp.N_HIDDEN}-{mlp.N_OUT}, ReLU, "
        f"softmax cross-entropy, batch {mlp.BATCH}, float32; checksum: mean loss + L1 of the update"
    )


def data(dev: Device) -> tuple:
    return mlp.data(examples=steps(dev) * mlp.BATCH)


def batches(x: Any, t: Any, n: int) -> list[tuple[Any, Any]]:
    """The epoch's batches, in order (slices: views where the library has them)."""
    b = mlp.BATCH
    return [(x[i * b : (i + 1) * b], t[i * b : (i + 1) * b]) for i in range(n)]


def epoch(dev: Device, step: Callable, start: Any, xs: Any, ts: Any) -> Case:
    """``loss, params = step(params, x, t)`` over every batch, from ``start``."""
    _, _, init = data(dev)
    feed = batches(xs, ts, steps(dev))

    def run():
        params, losses = start, []
        for x, t in feed:
            value, params = step(params, x, t)
            losses.append(value)
        return losses, params

    return Case(c.synced(dev, run), c.step_digest(init))


def floor(dev: Device) -> Case:
    xs, ts, init = dev.put(data(dev))
    rows = dev.xp.arange(mlp.BATCH)
    return epoch(dev, lambda p, x, t: mlp.step_by_hand(dev.xp, x, t, rows, p), list(init), xs, ts)


def _functional(vg_step: Callable) -> Callable:
    """``(params, x, t) -> (loss, new params)`` from ``value_and_grad`` of loss(params, x, t)."""

    def step(params, x, t):
        value, grads = vg_step(params, x, t)
        return value, [p - LR * g for p, g in zip(params, grads)]

    return step


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz
    import fnzero.nn as nn

    def loss(params, x, t):
        return nn.softmax_cross_entropy(mlp.logits(params, x, nn.relu), t)

    step = _functional(fz.value_and_grad(loss))
    xs, ts, init = fz.device_put(data(dev), dev.backend)
    return epoch(dev, fz.jit(step) if jit else step, list(init), xs, ts)


def torch(dev: Device) -> Case:
    tc = c.torch(dev)
    F = tc.nn.functional
    x, t, init = data(dev)
    xs, ts = tc.as_tensor(x, device=dev.torch_device), tc.as_tensor(t, device=dev.torch_device)
    params = [tc.tensor(p, device=dev.torch_device, requires_grad=True) for p in init]

    def step(params, x, t):
        value = F.cross_entropy(mlp.logits(params, x, tc.relu), t)
        value.backward()
        with tc.no_grad():  # torch.optim.SGD's update
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return value.detach(), params

    case = epoch(dev, step, params, xs, ts)
    sync = c.torch_sync(dev)

    def run():
        out = case.run()
        sync()
        return out

    return Case(run, case.digest, c.put_back(params, init))


def dezero(dev: Device) -> Case:
    dz, F = c.dezero()
    xs, ts, init = dev.put(data(dev))
    params = [dz.Parameter(p.copy()) for p in init]

    def step(params, x, t):
        w1, b1, w2, b2 = params
        value = F.softmax_cross_entropy(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2), t)
        for p in params:
            p.cleargrad()
        value.backward()
        for p in params:  # dezero.optimizers.SGD's update
            p.data -= LR * p.grad.data
        return value.data, params

    case = epoch(dev, step, params, xs, ts)
    return Case(case.run, case.digest, c.put_back(params, init))


def jax_jit(dev: Device) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp

    def loss(p, x, t):
        z = mlp.logits(p, x, j.nn.relu)
        return jnp.mean(j.nn.logsumexp(z, axis=1) - z[jnp.arange(len(t)), t])

    step = j.jit(_functional(j.value_and_grad(loss)))
    xs, ts, init = data(dev)
    case = epoch(dev, step, [jnp.asarray(p) for p in init], jnp.asarray(xs), jnp.asarray(ts))
    return Case(lambda: j.block_until_ready(case.run()), case.digest)


PEERS = {"torch": torch, "jax-jit": jax_jit, "dezero": dezero}


def targets(rows: dict[str, Row], dev: Device) -> list[str]:
    return [
        target_line(f"{name} MLP epoch", c.ratio(rows, name, "floor"), 1.15, "x floor", inclusive=True)
        for name in ("fnzero", "fnzero-jit")
    ]
