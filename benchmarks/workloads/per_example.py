"""per_example: per-example gradients of an MLP 784-256-10 cross-entropy, batch 128, float32:
``vmap(grad(loss), in_axes=(None, 0, 0))`` (``torch.func``, ``jax.vmap``; autograd and DeZero
have no vmap). The 128 gradients of W1 alone are 103 MB: the memory any implementation that
returns them must write.

Checksum: the sum and the L1 norm of every example's gradient. Floor: the batched forward, then
each example's weight gradients as outer products (``x[:, :, None] * dh[:, None, :]``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._harness import Case
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import Device

BATCH, N_IN, N_HIDDEN, N_OUT = 128, 784, 256, 10
RTOL = {"cpu": 1e-4}


def title(dev: Device) -> str:
    return (
        f"per_example: per-example gradients (vmap of grad) of an MLP {N_IN}-{N_HIDDEN}-{N_OUT} "
        f"cross-entropy, batch {BATCH}, float32 (dW1 alone: {BATCH * N_IN * N_HIDDEN * 4e-6:.0f} MB)"
    )


@functools.cache
def data() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Parameters ``{W1, b1, W2, b2}``, inputs (B, 784) and labels (B,) from seed 4."""
    rng = np.random.default_rng(4)
    params = {
        "W1": (rng.standard_normal((N_IN, N_HIDDEN)) / np.sqrt(N_IN)).astype(np.float32),
        "b1": np.full(N_HIDDEN, 0.01, np.float32),
        "W2": (rng.standard_normal((N_HIDDEN, N_OUT)) / np.sqrt(N_HIDDEN)).astype(np.float32),
        "b2": np.zeros(N_OUT, np.float32),
    }
    xs = rng.standard_normal((BATCH, N_IN)).astype(np.float32)
    return params, xs, rng.integers(0, N_OUT, BATCH)


def loss(
    params: dict, x: Any, t: Any, relu: Callable, logsumexp: Callable, pick: Callable | None = None
) -> Any:
    """One example's cross-entropy; ``pick(logits, t)`` reads the label's logit (``logits[t]``)."""
    h = relu(x @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    return logsumexp(logits) - (logits[t] if pick is None else pick(logits, t))


digest = c.sum_and_l1


def floor(dev: Device) -> Case:
    params, xs, ts = data()
    rows = np.arange(BATCH)

    def run():
        pre = xs @ params["W1"] + params["b1"]
        h = np.maximum(pre, 0)
        logits = h @ params["W2"] + params["b2"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        d = e / e.sum(axis=1, keepdims=True)  # each example's d loss / d logits
        d[rows, ts] -= 1
        dh = (d @ params["W2"].T) * (pre > 0)
        return {"W1": xs[:, :, None] * dh[:, None, :], "b1": dh, "W2": h[:, :, None] * d[:, None, :], "b2": d}

    return Case(run, digest)


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz
    import fnzero.nn as nn
    import fnzero.numpy as fnp

    params, xs, ts = data()
    grads = fz.vmap(fz.grad(lambda p, x, t: loss(p, x, t, nn.relu, fnp.logsumexp)), in_axes=(None, 0, 0))
    grads = fz.jit(grads) if jit else grads
    return Case(lambda: grads(params, xs, ts), digest)


def torch_run(dev: Device) -> Callable[[], Any]:
    """``torch.func.vmap(torch.func.grad(loss))``, as a call of nothing."""
    tc = c.torch(dev)
    from torch.func import grad, vmap

    params, xs, ts = data()
    p = {k: tc.from_numpy(v) for k, v in params.items()}
    x, t = tc.from_numpy(xs), tc.from_numpy(ts)

    def pick(logits, t):  # logits[t] for a label that vmap batches (torch.func cannot index with it)
        return tc.gather(logits, 0, t.reshape(1))[0]

    f = lambda p, x, t: loss(p, x, t, tc.relu, lambda z: tc.logsumexp(z, 0), pick)  # noqa: E731
    per_example = vmap(grad(f), in_dims=(None, 0, 0))
    return lambda: per_example(p, x, t)


def jax_run(dev: Device, jit: bool) -> Callable[[], Any]:
    """``jax.vmap(jax.grad(loss))`` (under one jax.jit with ``jit``), waited for."""
    j = c.jax(dev)
    import jax.numpy as jnp

    params, xs, ts = data()
    p = {k: jnp.asarray(v) for k, v in params.items()}
    x, t = jnp.asarray(xs), jnp.asarray(ts)
    per_example = j.vmap(
        j.grad(lambda p, x, t: loss(p, x, t, j.nn.relu, j.nn.logsumexp)), in_axes=(None, 0, 0)
    )
    per_example = j.jit(per_example) if jit else per_example
    return lambda: j.block_until_ready(per_example(p, x, t))


PEERS = {
    "torch": lambda dev: Case(torch_run(dev), digest),
    "jax": lambda dev: Case(jax_run(dev, jit=False), digest),
    "jax-jit": lambda dev: Case(jax_run(dev, jit=True), digest),
}
