"""gpu.py's implementations: fnzero eager and jitted, PyTorch eager, JAX jitted and DeZero, each
written the way its users write it, on the device of the run. Each returns
``{workload: case factory}``, or raises :class:`Skipped` when its library cannot run here.

Every ``run`` waits for its device before returning (the harness times wall clock).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks._core_peers import _unavailable, import_dezero
from benchmarks._core_workloads import CHAIN_STEPS, CHAIN_X0, chain
from benchmarks._gpu_workloads import (
    LR,
    Device,
    batches,
    chain_digest,
    cnn_data,
    mlp_epoch_data,
    step_digest,
)
from benchmarks._harness import Case, Skipped


def _mlp_logits(params, x, relu) -> Any:
    w1, b1, w2, b2 = params
    return relu(x @ w1 + b1) @ w2 + b2


def _cnn_logits(params, x, conv, relu, pool) -> Any:
    W1, b1, W2, b2, W3, b3 = params
    y = pool(relu(conv(x, W1, b1)))
    y = pool(relu(conv(y, W2, b2)))
    return y.reshape(len(y), -1) @ W3 + b3


# ---- fnzero --------------------------------------------------------------------------------


def _fnzero(dev: Device, jit: bool) -> dict:
    import fnzero as fz
    import fnzero.nn as nn
    import fnzero.numpy as fnp

    wrap = fz.jit if jit else (lambda f: f)

    def conv(x, W, b):
        return nn.conv2d(x, W, b, padding=1)

    def pool(y):
        return nn.max_pool2d(y, 2)

    def mlp_loss(params, x, t):
        return nn.softmax_cross_entropy(_mlp_logits(params, x, nn.relu), t)

    def cnn_loss(params, x, t):
        return nn.softmax_cross_entropy(_cnn_logits(params, x, conv, nn.relu, pool), t)

    def sgd_step(loss):
        value_and_grad = fz.value_and_grad(loss)

        def step(params, x, t):
            value, grads = value_and_grad(params, x, t)
            return value, [p - LR * g for p, g in zip(params, grads)]

        return wrap(step)

    def mlp_epoch():
        xs, ts, init = mlp_epoch_data(dev.mlp_steps)
        data = batches(*fz.device_put((xs, ts), dev.backend), dev.mlp_steps)
        start = fz.device_put(list(init), dev.backend)
        step = sgd_step(mlp_loss)

        def run():
            params, losses = start, []
            for x, t in data:
                loss, params = step(params, x, t)
                losses.append(loss)
            dev.sync()
            return losses, params

        return Case(run, step_digest(init))

    def cnn():
        x, t, init = cnn_data(dev.cnn_batch)
        xd, td, params = fz.device_put((x, t, list(init)), dev.backend)
        step = sgd_step(cnn_loss)

        def run():
            out = step(params, xd, td)
            dev.sync()
            return out

        return Case(run, step_digest(init))

    def chain_case():
        value_and_grad = wrap(fz.value_and_grad(lambda x: chain(x, fnp.sin, fnp.cos)))
        x0 = fz.device_put(np.asarray(CHAIN_X0), dev.backend)

        def run():
            out = value_and_grad(x0)
            dev.sync()
            return out

        return Case(run, chain_digest)

    return {"mlp_epoch": mlp_epoch, "cnn": cnn, "chain": chain_case}


def fnzero_cases(dev: Device) -> dict:
    return _fnzero(dev, jit=False)


def fnzero_jit_cases(dev: Device) -> dict:
    return _fnzero(dev, jit=True)


# ---- PyTorch -------------------------------------------------------------------------------


def torch_cases(dev: Device) -> dict:
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        raise _unavailable("torch", e) from e
    if dev.torch_device == "cuda" and not torch.cuda.is_available():
        raise Skipped("torch sees no CUDA device")
    # Full float32 arithmetic, as CuPy and fnzero: no TF32 in matrix products or cuDNN.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device(dev.torch_device)
    sync = torch.cuda.synchronize if dev.torch_device == "cuda" else (lambda: None)

    def tensors(arrays, grad=False):
        return [torch.tensor(a, device=device, requires_grad=grad) for a in arrays]

    def sgd(params):  # torch.optim.SGD's update
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None

    def mlp_epoch():
        xs, ts, init = mlp_epoch_data(dev.mlp_steps)
        data = batches(*tensors((xs, ts)), dev.mlp_steps)
        start = tensors(init)

        def run():
            params, losses = [p.clone().requires_grad_(True) for p in start], []
            for x, t in data:
                loss = F.cross_entropy(_mlp_logits(params, x, torch.relu), t)
                loss.backward()
                sgd(params)
                losses.append(loss.detach())
            sync()
            return losses, params

        return Case(run, step_digest(init))

    def cnn():
        x, t, init = cnn_data(dev.cnn_batch)
        xd, td = tensors((x, t))
        params = tensors(init, grad=True)
        conv = lambda y, W, b: F.conv2d(y, W, b, padding=1)
        pool = lambda y: F.max_pool2d(y, 2)

        def run():
            loss = F.cross_entropy(_cnn_logits(params, xd, conv, torch.relu, pool), td)
            loss.backward()
            grads = [p.grad for p in params]
            for p in params:
                p.grad = None
            sync()
            return loss.detach(), [p.detach() - LR * g for p, g in zip(params, grads)]

        return Case(run, step_digest(init))

    def chain_case():
        def run():
            x = torch.tensor(CHAIN_X0, dtype=torch.float64, device=device, requires_grad=True)
            y = chain(x, torch.sin, torch.cos)
            (g,) = torch.autograd.grad(y, x)
            sync()
            return y, g

        return Case(run, chain_digest)

    note = (
        f"torch {torch.__version__} eager on {dev.torch_device}"
        + (f", cuDNN {torch.backends.cudnn.version()}" if dev.torch_device == "cuda" else "")
        + ", TF32 off, in-place SGD (the CNN step's update out of place, to keep its parameters fixed)"
    )
    return {"mlp_epoch": mlp_epoch, "cnn": cnn, "chain": chain_case, "_note": note}


# ---- JAX -----------------------------------------------------------------------------------


def jax_jit_cases(dev: Device) -> dict:
    try:
        import jax
        import jax.numpy as jnp
        from jax import lax
    except ImportError as e:
        raise _unavailable("jax", e) from e
    jax.config.update("jax_enable_x64", True)  # the chain runs in float64
    jax.config.update("jax_default_matmul_precision", "highest")  # full float32, no TF32
    platform = jax.devices()[0].platform
    if dev.backend == "cupy" and platform != "gpu":
        raise Skipped(f"jax runs on {platform}, not on the GPU")

    def xent(logits, t):
        return jnp.mean(jax.nn.logsumexp(logits, axis=1) - logits[jnp.arange(len(t)), t])

    def conv(x, W, b):
        return lax.conv_general_dilated(x, W, (1, 1), ((1, 1), (1, 1))) + b[:, None, None]

    def pool(y):
        return lax.reduce_window(y, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def sgd_step(loss):
        value_and_grad = jax.value_and_grad(loss)

        def step(params, x, t):
            value, grads = value_and_grad(params, x, t)
            return value, [p - LR * g for p, g in zip(params, grads)]

        return jax.jit(step)

    def mlp_epoch():
        xs, ts, init = mlp_epoch_data(dev.mlp_steps)
        data = [(jnp.asarray(x), jnp.asarray(t)) for x, t in batches(xs, ts, dev.mlp_steps)]
        start = [jnp.asarray(p) for p in init]
        step = sgd_step(lambda p, x, t: xent(_mlp_logits(p, x, jax.nn.relu), t))

        def run():
            params, losses = start, []
            for x, t in data:
                loss, params = step(params, x, t)
                losses.append(loss)
            return jax.block_until_ready((losses, params))

        return Case(run, step_digest(init))

    def cnn():
        x, t, init = cnn_data(dev.cnn_batch)
        xd, td, params = jnp.asarray(x), jnp.asarray(t), [jnp.asarray(p) for p in init]
        step = sgd_step(lambda p, x, t: xent(_cnn_logits(p, x, conv, jax.nn.relu, pool), t))
        return Case(lambda: jax.block_until_ready(step(params, xd, td)), step_digest(init))

    def chain_case():
        def loop(x):
            return lax.fori_loop(0, CHAIN_STEPS, lambda i, x: jnp.sin(x) * 1.001 + 0.1 * jnp.cos(x), x)

        value_and_grad = jax.jit(jax.value_and_grad(loop))
        x0 = jnp.asarray(CHAIN_X0)
        return Case(lambda: jax.block_until_ready(value_and_grad(x0)), chain_digest)

    note = (
        f"jax {jax.__version__} on {platform}: one jax.jit per training step (compiled in warm-up), "
        "the chain as a lax.fori_loop; matmul precision 'highest' (no TF32)"
    )
    return {"mlp_epoch": mlp_epoch, "cnn": cnn, "chain": chain_case, "_note": note}


# ---- DeZero --------------------------------------------------------------------------------


def dezero_cases(dev: Device) -> dict:
    dezero, F = import_dezero()
    xp = dev.xp

    def params_of(arrays):
        return [dezero.Parameter(p.copy()) for p in arrays]

    def sgd(loss, params):  # dezero.optimizers.SGD's update
        for p in params:
            p.cleargrad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data

    def mlp_epoch():
        xs, ts, init = mlp_epoch_data(dev.mlp_steps)
        data = batches(xp.asarray(xs), xp.asarray(ts), dev.mlp_steps)
        start = [xp.asarray(p) for p in init]

        def run():
            params, losses = params_of(start), []
            w1, b1, w2, b2 = params
            for x, t in data:
                logits = F.linear(F.relu(F.linear(x, w1, b1)), w2, b2)
                loss = F.softmax_cross_entropy(logits, t)
                sgd(loss, params)
                losses.append(loss.data)
            dev.sync()
            return losses, [p.data for p in params]

        return Case(run, step_digest(init))

    def cnn():
        x, t, init = cnn_data(dev.cnn_batch)
        xd, td = xp.asarray(x), xp.asarray(t)
        params = params_of([xp.asarray(p) for p in init])
        W1, b1, W2, b2, W3, b3 = params

        def run():
            y = F.pooling(F.relu(F.conv2d(xd, W1, b1, stride=1, pad=1)), 2, 2)
            y = F.pooling(F.relu(F.conv2d(y, W2, b2, stride=1, pad=1)), 2, 2)
            loss = F.softmax_cross_entropy(F.linear(F.reshape(y, (len(xd), -1)), W3, b3), td)
            for p in params:
                p.cleargrad()
            loss.backward()
            dev.sync()
            return loss.data, [p.data - LR * p.grad.data for p in params]

        return Case(run, step_digest(init))

    def chain_case():
        def run():
            x = dezero.Variable(xp.asarray(CHAIN_X0))
            y = chain(x, F.sin, F.cos)
            y.backward()
            dev.sync()
            return y.data, x.grad.data

        return Case(run, chain_digest)

    return {
        "mlp_epoch": mlp_epoch,
        "cnn": cnn,
        "chain": chain_case,
        "_note": f"dezero: the book's code on {xp.__name__} arrays (F.conv2d: im2col), in-place SGD",
    }


IMPLEMENTATIONS = {
    "fnzero": fnzero_cases,
    "fnzero-jit": fnzero_jit_cases,
    "torch": torch_cases,
    "jax-jit": jax_jit_cases,
    "dezero": dezero_cases,
}
