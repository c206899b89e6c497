"""Peers for vmap_bench.py: the same per-example gradients in JAX (jitted and eager) and in
PyTorch's torch.func, on the same float32 data. A peer whose library is not importable raises
:class:`Skipped`; the benchmark prints why and goes on without it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchmarks._compare_workloads import per_example_loss
from benchmarks._harness import Skipped, numpy_threads


def jax_per_example(params: dict, xs: np.ndarray, ts: np.ndarray) -> dict[str, Callable[[], object]]:
    """``jax.jit(jax.vmap(jax.grad(loss)))`` and the same without jit (eager vmap)."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as e:
        raise Skipped(f"jax is not importable here ({e})") from e
    p = {k: jnp.asarray(v) for k, v in params.items()}
    x, t = jnp.asarray(xs), jnp.asarray(ts)
    loss = lambda p, x, t: per_example_loss(p, x, t, jax.nn.relu, jax.nn.logsumexp)  # noqa: E731
    per_example = jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))
    jitted = jax.jit(per_example)
    return {
        f"jax {jax.__version__} jit(vmap(grad))": lambda: jax.block_until_ready(jitted(p, x, t)),
        f"jax {jax.__version__} vmap(grad), eager": lambda: jax.block_until_ready(per_example(p, x, t)),
    }


def torch_per_example(params: dict, xs: np.ndarray, ts: np.ndarray) -> dict[str, Callable[[], object]]:
    """``torch.func.vmap(torch.func.grad(loss))`` on CPU, with NumPy's BLAS thread count."""
    try:
        import torch
        from torch.func import grad, vmap
    except ImportError as e:
        raise Skipped(f"torch.func is not importable here ({e})") from e
    torch.set_num_threads(numpy_threads()[0])
    p = {k: torch.from_numpy(v) for k, v in params.items()}
    x, t = torch.from_numpy(xs), torch.from_numpy(ts)

    def loss(p, x, t):
        return per_example_loss(p, x, t, torch.relu, lambda z: torch.logsumexp(z, 0), _gather)

    per_example = vmap(grad(loss), in_dims=(None, 0, 0))
    return {f"torch {torch.__version__} func.vmap(grad)": lambda: per_example(p, x, t)}


def _gather(logits, t):
    """``logits[t]`` for a label that vmap batches (torch.func cannot index with it)."""
    import torch

    return torch.gather(logits, 0, t.reshape(1))[0]
