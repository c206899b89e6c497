"""The peers' versions of the core workloads: each library written the way its users write it.

A peer whose library cannot be imported raises :class:`Skipped`; the benchmark prints a note
and goes on. Libraries that update parameters in place (DeZero, PyTorch) work on copies of
the shared data, and their checksum is read right after the first call.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._core_workloads import (
    CHAIN_STEPS,
    CHAIN_X0,
    LR,
    NEWTON_ITERS,
    NEWTON_X0,
    chain,
    chain_digest,
    mlp_data,
    mlp_digest,
    mlp_loss,
    newton,
    newton_digest,
    newton_f,
)
from benchmarks._harness import Case, Implementation, Skipped, numpy_threads


def _unavailable(name: str, error: BaseException) -> Skipped:
    return Skipped(f"{name} is not usable here ({type(error).__name__}: {error})")


def autograd_impl() -> Implementation:
    try:
        import autograd
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp
    except ImportError as e:
        raise _unavailable("autograd", e) from e

    chain_vg = autograd.value_and_grad(lambda x: chain(x, anp.sin, anp.cos))

    def mlp_case():
        x, t, params = mlp_data()
        value_and_grad = autograd.value_and_grad(lambda p: mlp_loss(p, x, t, anp, logsumexp))

        def run():
            loss, grads = value_and_grad(params)
            return loss, [p - LR * g for p, g in zip(params, grads)]

        return Case(run, mlp_digest)

    df = autograd.grad(newton_f)
    d2f = autograd.grad(df)
    return Implementation(
        {
            "chain": lambda: Case(lambda: chain_vg(np.asarray(CHAIN_X0)), chain_digest),
            "mlp": mlp_case,
            "newton": lambda: Case(lambda: newton(np.asarray(NEWTON_X0), df, d2f), newton_digest),
        },
        f"autograd {_version('autograd')}",
    )


def import_dezero() -> tuple:
    """DeZero and its functions module, or Skipped saying why not."""
    if importlib.util.find_spec("dezero") is None:
        raise Skipped("dezero is not installed")
    if not hasattr(np, "int"):
        np.int = int  # DeZero still spells int as np.int, which NumPy 2 removed
    try:
        import dezero
        import dezero.functions as F
    except ImportError as e:
        raise _unavailable("dezero", e) from e
    return dezero, F


def put_back(params: list, init: tuple) -> Callable[[], None]:
    """A Case.reset for parameters updated in place: copy ``init`` back into them (DeZero's
    Parameters through ``.data``, PyTorch's tensors without recording)."""

    def reset() -> None:
        if hasattr(params[0], "copy_"):  # torch
            import torch

            with torch.no_grad():
                for p, p0 in zip(params, init):
                    p.copy_(torch.from_numpy(p0))
        else:
            for p, p0 in zip(params, init):
                p.data[...] = p0

    return reset


def dezero_step(dezero: Any, forward: Callable, init: tuple, digest: Callable) -> Case:
    """One DeZero SGD step as the book writes it: ``forward(params)`` gives the loss, then
    cleargrad, backward() and dezero.optimizers.SGD's in-place update, on copies of ``init``
    put back before every call."""
    params = [dezero.Parameter(p.copy()) for p in init]

    def run():
        loss = forward(params)
        for p in params:
            p.cleargrad()
        loss.backward()
        for p in params:  # dezero.optimizers.SGD's update
            p.data -= LR * p.grad.data
        return loss.data, [p.data for p in params]

    return Case(run, digest, put_back(params, init))


def dezero_impl() -> Implementation:
    dezero, F = import_dezero()

    def chain_run():
        x = dezero.Variable(np.asarray(CHAIN_X0))
        y = chain(x, F.sin, F.cos)
        y.backward()
        return y.data, x.grad.data

    def mlp_case():
        x, t, init = mlp_data()

        def forward(params):
            w1, b1, w2, b2 = params
            return F.softmax_cross_entropy(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2), t)

        return dezero_step(dezero, forward, init, mlp_digest)

    def newton_run():
        # The book's step 33: one forward pass, backward twice (create_graph for the second).
        x = dezero.Variable(np.asarray(NEWTON_X0))
        xs = []
        for _ in range(NEWTON_ITERS):
            y = newton_f(x)
            x.cleargrad()
            y.backward(create_graph=True)
            gx = x.grad
            x.cleargrad()
            gx.backward()
            x.data = x.data - gx.data / x.grad.data
            xs.append(x.data)
        return xs

    return Implementation(
        {
            "chain": lambda: Case(chain_run, chain_digest),
            "mlp": mlp_case,
            "newton": lambda: Case(newton_run, newton_digest),
        },
        f"dezero {_version('dezero')}: fused F.linear/F.relu/F.softmax_cross_entropy, in-place SGD",
    )


def torch_impl() -> Implementation:
    try:
        import torch
    except ImportError as e:
        raise _unavailable("torch", e) from e
    threads, _ = numpy_threads()
    torch.set_num_threads(threads)

    def chain_run():
        x = torch.tensor(CHAIN_X0, dtype=torch.float64, requires_grad=True)
        y = chain(x, torch.sin, torch.cos)
        (g,) = torch.autograd.grad(y, x)
        return y, g

    def mlp_case():
        return torch_mlp_step(*mlp_data())

    def newton_run():
        x = torch.tensor(NEWTON_X0, dtype=torch.float64)
        xs = []
        for _ in range(NEWTON_ITERS):
            xv = x.detach().requires_grad_(True)
            (gx,) = torch.autograd.grad(newton_f(xv), xv, create_graph=True)
            (gx2,) = torch.autograd.grad(gx, xv)
            x = (xv - gx / gx2).detach()
            xs.append(x)
        return xs

    return Implementation(
        {
            "chain": lambda: Case(chain_run, lambda out: chain_digest((out[0].item(), out[1].item()))),
            "mlp": mlp_case,
            "newton": lambda: Case(newton_run, newton_digest),
        },
        f"torch {torch.__version__}: CPU eager, torch.set_num_threads({threads}) to match numpy; "
        f"in-place SGD",
    )


def torch_mlp_step(x: np.ndarray, t: np.ndarray, init: tuple) -> Case:
    """PyTorch's MLP step (backward, in-place SGD as torch.optim.SGD) on copies of ``init``,
    put back before every call."""
    import torch

    xt, tt = torch.from_numpy(x), torch.from_numpy(t)
    params = [torch.tensor(p, requires_grad=True) for p in init]
    w1, b1, w2, b2 = params

    def run():
        logits = torch.relu(xt @ w1 + b1) @ w2 + b2
        loss = torch.nn.functional.cross_entropy(logits, tt)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss, params

    digest = lambda out: mlp_digest((out[0].item(), [p.detach().numpy() for p in out[1]]))  # noqa: E731
    return Case(run, digest, put_back(params, init))


def _jax():
    try:
        import jax
    except ImportError as e:
        raise _unavailable("jax", e) from e
    jax.config.update("jax_enable_x64", True)  # the chain and Newton run in float64
    return jax


def _jax_mlp_data():
    import jax.numpy as jnp

    x, t, params = mlp_data()
    return jnp.asarray(x), jnp.asarray(t), tuple(jnp.asarray(p) for p in params)


def _jax_mlp_step(jax, x, t):
    import jax.numpy as jnp

    value_and_grad = jax.value_and_grad(lambda p: mlp_loss(p, x, t, jnp, jax.nn.logsumexp))

    def step(params):
        loss, grads = value_and_grad(params)
        return loss, [p - LR * g for p, g in zip(params, grads)]

    return step


def jax_impl() -> Implementation:
    """JAX op by op: no jit, every primitive dispatched on its own as it is traced."""
    jax = _jax()
    import jax.numpy as jnp

    chain_vg = jax.value_and_grad(lambda x: chain(x, jnp.sin, jnp.cos))

    def mlp_case():
        x, t, params = _jax_mlp_data()
        step = _jax_mlp_step(jax, x, t)
        return Case(lambda: jax.block_until_ready(step(params)), mlp_digest)

    df = jax.grad(newton_f)
    d2f = jax.grad(df)
    return Implementation(
        {
            "chain": lambda: Case(
                lambda: jax.block_until_ready(chain_vg(jnp.asarray(CHAIN_X0))), chain_digest
            ),
            "mlp": mlp_case,
            "newton": lambda: Case(
                lambda: jax.block_until_ready(newton(jnp.asarray(NEWTON_X0), df, d2f)), newton_digest
            ),
        },
        f"jax {jax.__version__} on {jax.devices()[0].platform}: op by op (no jit); XLA's own CPU threads",
    )


def jax_jit_impl() -> Implementation:
    """JAX with the whole workload under one jit (compiled during warm-up)."""
    jax = _jax()
    import jax.numpy as jnp
    from jax import lax

    def chain_loop(x):
        return lax.fori_loop(0, CHAIN_STEPS, lambda i, x: jnp.sin(x) * 1.001 + 0.1 * jnp.cos(x), x)

    chain_vg = jax.jit(jax.value_and_grad(chain_loop))

    def mlp_case():
        x, t, params = _jax_mlp_data()
        step = jax.jit(_jax_mlp_step(jax, x, t))
        return Case(lambda: jax.block_until_ready(step(params)), mlp_digest)

    df = jax.grad(newton_f)
    d2f = jax.grad(df)
    newton_jit = jax.jit(lambda x: newton(x, df, d2f))
    x_chain, x_newton = jnp.asarray(CHAIN_X0), jnp.asarray(NEWTON_X0)
    return Implementation(
        {
            "chain": lambda: Case(lambda: jax.block_until_ready(chain_vg(x_chain)), chain_digest),
            "mlp": mlp_case,
            "newton": lambda: Case(lambda: jax.block_until_ready(newton_jit(x_newton)), newton_digest),
        },
        "jax-jit: one jax.jit over each whole workload (the chain as a lax.fori_loop)",
    )


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "(unknown version)"
