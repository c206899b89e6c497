"""fnzero's and the peers' versions of compare.py's extra workloads (cnn, lstm, hessian), each
written the way the library's users write it. Functions return ``{workload: case factory}``;
a library that cannot be imported raises :class:`Skipped` (via _core_peers' helpers)."""

from __future__ import annotations

import numpy as np

from benchmarks._compare_workloads import (
    HIDDEN,
    LR,
    SEQ_BATCH,
    cnn_data,
    cnn_loss,
    hessian_data,
    hessian_digest,
    hessian_f,
    lstm_data,
    lstm_loss,
    per_example_data,
    per_example_digest,
    per_example_loss,
    reshape_pool,
    step_digest,
    tap_conv,
    xent_with,
)
from benchmarks._core_peers import _jax, _unavailable, dezero_step, import_dezero, put_back
from benchmarks._harness import Case, numpy_threads
from benchmarks._vmap_peers import torch_per_example

H0 = (SEQ_BATCH, HIDDEN)


def _functional_step(value_and_grad, params, digest_init, block=lambda out: out) -> Case:
    def run():
        loss, grads = value_and_grad(params)
        return block((loss, [p - LR * g for p, g in zip(params, grads)]))

    return Case(run, step_digest(digest_init))


def fnzero_cases(jit: bool = False) -> dict:
    """fnzero's cases; with ``jit``, the gradient (or the Hessian) under fnzero.jit."""
    import fnzero as fz
    import fnzero.nn as nn
    import fnzero.numpy as fnp

    wrap = fz.jit if jit else (lambda f: f)

    def conv(x, W, b):
        return nn.conv2d(x, W, b, padding=1)

    def cnn():
        x, t, params = cnn_data()
        loss = lambda p: cnn_loss(
            p, x, t, conv, nn.relu, lambda y: nn.max_pool2d(y, 2), nn.softmax_cross_entropy
        )
        return _functional_step(wrap(fz.value_and_grad(loss)), params, params)

    def lstm():
        xs, ys, params = lstm_data()
        zeros = np.zeros(H0, np.float32)
        loss = lambda p: lstm_loss(p, xs, ys, fnp, nn.sigmoid, zeros, nn.lstm_cell, nn.mean_squared_error)
        return _functional_step(wrap(fz.value_and_grad(loss)), params, params)

    def hessian():
        A, x = hessian_data()
        hess = wrap(fz.hessian(lambda x: hessian_f(x, A, fnp)))
        return Case(lambda: hess(x), hessian_digest)

    def per_example():
        params, xs, ts = per_example_data()
        loss = lambda p, x, t: per_example_loss(p, x, t, nn.relu, fnp.logsumexp)
        grads = wrap(fz.vmap(fz.grad(loss), in_axes=(None, 0, 0)))
        return Case(lambda: grads(params, xs, ts), per_example_digest)

    return {"cnn": cnn, "lstm": lstm, "hessian": hessian, "per_example": per_example}


def autograd_cases() -> dict:
    try:
        import autograd
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp
    except ImportError as e:
        raise _unavailable("autograd", e) from e

    def cnn():
        x, t, params = cnn_data()
        relu = lambda y: anp.maximum(y, 0.0)
        loss = lambda p: cnn_loss(p, x, t, tap_conv(anp), relu, reshape_pool, xent_with(logsumexp, anp))
        return _functional_step(autograd.value_and_grad(loss), params, params)

    def lstm():
        xs, ys, params = lstm_data()
        sigmoid = lambda z: 0.5 * (anp.tanh(0.5 * z) + 1)
        loss = lambda p: lstm_loss(p, xs, ys, anp, sigmoid, np.zeros(H0, np.float32))
        return _functional_step(autograd.value_and_grad(loss), params, params)

    def hessian():
        A, x = hessian_data()
        hess = autograd.hessian(lambda x: hessian_f(x, A, anp))
        return Case(lambda: hess(x), hessian_digest)

    return {"cnn": cnn, "lstm": lstm, "hessian": hessian}


def torch_cases() -> dict:
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        raise _unavailable("torch", e) from e
    torch.set_num_threads(numpy_threads()[0])

    def in_place_step(forward, init) -> Case:
        params = [torch.tensor(p, requires_grad=True) for p in init]

        def run():
            loss = forward(params)
            loss.backward()
            with torch.no_grad():  # torch.optim.SGD's update
                for p in params:
                    p -= LR * p.grad
                    p.grad = None
            return loss.item(), [p.detach().numpy() for p in params]

        return Case(run, step_digest(init), put_back(params, init))

    def cnn():
        x, t, init = cnn_data()
        xt, tt = torch.from_numpy(x), torch.from_numpy(t)
        conv = lambda y, W, b: F.conv2d(y, W, b, padding=1)
        pool = lambda y: F.max_pool2d(y, 2)
        return in_place_step(lambda p: cnn_loss(p, xt, tt, conv, torch.relu, pool, F.cross_entropy), init)

    def lstm():
        xs, ys, init = lstm_data()
        xt, yt = torch.from_numpy(xs), torch.from_numpy(ys)
        loss = lambda p: lstm_loss(p, xt, yt, torch, torch.sigmoid, torch.zeros(H0), mse=F.mse_loss)
        return in_place_step(loss, init)

    def hessian():
        A, x = hessian_data()
        At, xt = torch.from_numpy(A), torch.from_numpy(x)
        f = lambda x: hessian_f(x, At, torch)
        return Case(lambda: torch.autograd.functional.hessian(f, xt, vectorize=True), hessian_digest)

    def per_example():
        (run,) = torch_per_example(*per_example_data()).values()
        return Case(run, per_example_digest)

    return {"cnn": cnn, "lstm": lstm, "hessian": hessian, "per_example": per_example}


def dezero_cases() -> dict:
    """DeZero as the book writes it: Parameters, fused F.conv2d / F.pooling / F.linear /
    F.mean_squared_error, backward() and an in-place SGD update. It has no Hessian transform."""
    dezero, F = import_dezero()

    def step(forward, init) -> Case:
        return dezero_step(dezero, forward, init, step_digest(init))

    def cnn():
        x, t, init = cnn_data()

        def forward(params):
            W1, b1, W2, b2, W3, b3 = params
            y = F.pooling(F.relu(F.conv2d(x, W1, b1, pad=1)), 2, 2)
            y = F.pooling(F.relu(F.conv2d(y, W2, b2, pad=1)), 2, 2)
            return F.softmax_cross_entropy(F.linear(F.reshape(y, (len(y), -1)), W3, b3), t)

        return step(forward, init)

    def lstm():
        xs, ys, init = lstm_data()
        H = HIDDEN

        def forward(params):  # DeZero's Variable has no @: F.linear and F.matmul
            Wx, Wh, b, Wy, by = params
            h = c = np.zeros(H0, np.float32)
            loss = 0.0
            for x, target in zip(xs, ys):
                z = F.linear(x, Wx, b) + F.matmul(h, Wh)
                i, f, o = F.sigmoid(z[:, :H]), F.sigmoid(z[:, H : 2 * H]), F.sigmoid(z[:, 2 * H : 3 * H])
                c = f * c + i * F.tanh(z[:, 3 * H :])
                h = o * F.tanh(c)
                loss = loss + F.mean_squared_error(F.linear(h, Wy, by), target)
            return loss

        return step(forward, init)

    return {"cnn": cnn, "lstm": lstm}


def _jax_cases(jit: bool) -> dict:
    jax = _jax()
    import jax.numpy as jnp
    from jax import lax

    wrap = jax.jit if jit else (lambda f: f)

    def conv(x, W, b):
        return lax.conv_general_dilated(x, W, (1, 1), ((1, 1), (1, 1))) + b[:, None, None]

    def step_case(loss, data_params) -> Case:
        params = tuple(jnp.asarray(p) for p in data_params)
        value_and_grad = jax.value_and_grad(loss)
        step = wrap(lambda p: (lambda lg: (lg[0], [q - LR * g for q, g in zip(p, lg[1])]))(value_and_grad(p)))
        return Case(lambda: jax.block_until_ready(step(params)), step_digest(data_params))

    def cnn():
        x, t, params = cnn_data()
        xj, tj = jnp.asarray(x), jnp.asarray(t)
        xent = xent_with(jax.nn.logsumexp, jnp)
        return step_case(lambda p: cnn_loss(p, xj, tj, conv, jax.nn.relu, reshape_pool, xent), params)

    def lstm():
        xs, ys, params = lstm_data()
        xj, yj = jnp.asarray(xs), jnp.asarray(ys)
        return step_case(
            lambda p: lstm_loss(p, xj, yj, jnp, jax.nn.sigmoid, jnp.zeros(H0, jnp.float32)), params
        )

    def hessian():
        A, x = hessian_data()
        Aj, xj = jnp.asarray(A), jnp.asarray(x)
        hess = wrap(jax.hessian(lambda x: hessian_f(x, Aj, jnp)))
        return Case(lambda: jax.block_until_ready(hess(xj)), hessian_digest)

    def per_example():
        params, xs, ts = per_example_data()
        p = {k: jnp.asarray(v) for k, v in params.items()}
        x, t = jnp.asarray(xs), jnp.asarray(ts)
        loss = lambda p, x, t: per_example_loss(p, x, t, jax.nn.relu, jax.nn.logsumexp)
        grads = wrap(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))
        return Case(lambda: jax.block_until_ready(grads(p, x, t)), per_example_digest)

    return {"cnn": cnn, "lstm": lstm, "hessian": hessian, "per_example": per_example}


def jax_cases() -> dict:
    return _jax_cases(jit=False)


def jax_jit_cases() -> dict:
    return _jax_cases(jit=True)


PEERS = {
    "fnzero": fnzero_cases,
    "fnzero-jit": lambda: fnzero_cases(jit=True),
    "autograd": autograd_cases,
    "dezero": dezero_cases,
    "torch": torch_cases,
    "jax": jax_cases,
    "jax-jit": jax_jit_cases,
}
