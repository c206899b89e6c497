"""jacfwd: the (1000, 10) Jacobian of ``g(x) = tanh(W x) * (x . x)``, R^10 -> R^1000, float64:
forward mode (``jacfwd``, one column per input) against autograd's reverse-mode
``jacobian`` (one sweep per output) and its forward mode (``make_jvp``, one column per call),
and JAX's ``jacfwd``; also fnzero's ``jacrev``.

Checksum: the sum and the L1 norm of the Jacobian. Floor: the closed form
``diag(tanh'(W x)) (x . x) W + tanh(W x) 2 x^T``. Target: fnzero faster than both of
autograd's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._harness import Case, Row, target_line
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import Device

N_IN, N_OUT = 10, 1000
RTOL = {"cpu": 1e-9}


def title(dev: Device) -> str:
    return f"jacfwd: the ({N_OUT}, {N_IN}) Jacobian of tanh(W x) * (x . x), float64"


@functools.cache
def data() -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``W`` from seed 5."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(N_IN)
    return x, rng.standard_normal((N_OUT, N_IN)) / np.sqrt(N_IN)


def target(xnp: Any, W: Any) -> Callable:
    def g(x):
        return xnp.tanh(W @ x) * xnp.sum(x * x)

    return g


digest = c.sum_and_l1


def floor(dev: Device) -> Case:
    x, W = data()

    def run():
        t = np.tanh(W @ x)
        return ((1 - t**2) * (x @ x))[:, None] * W + np.outer(t, 2 * x)

    return Case(run, digest)


def fnzero(dev: Device, jit: bool, reverse: bool = False) -> Case:
    import fnzero as fz
    import fnzero.numpy as fnp

    x, W = data()
    g = target(fnp, W)
    jac = fz.jacrev(g) if reverse else fz.jacfwd(g)
    jac = fz.jit(jac) if jit else jac
    return Case(lambda: jac(x), digest)


def autograd(dev: Device, forward: bool = False) -> Case:
    ag = c.autograd()
    import autograd.numpy as anp
    from autograd.differential_operators import make_jvp

    x, W = data()
    g = target(anp, W)
    if not forward:
        jac = ag.jacobian(g)
        return Case(lambda: jac(x), digest)

    def columns():
        push = make_jvp(g)(x)
        return np.stack([push(e)[1] for e in np.eye(N_IN)], axis=-1)

    return Case(columns, digest)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp

    x, W = data()
    jac = j.jacfwd(target(jnp, jnp.asarray(W)))
    return c.jax_case(j, j.jit(jac) if jit else jac, jnp.asarray(x), digest=digest)


PEERS = {
    "fnzero jacrev": lambda dev: fnzero(dev, jit=False, reverse=True),
    "autograd": autograd,
    "autograd make_jvp": lambda dev: autograd(dev, forward=True),
    **c.jax_peers(_jax),
}


def targets(rows: dict[str, Row], dev: Device) -> list[str]:
    return [
        target_line(f"jacfwd vs {peer}", c.ratio(rows, "fnzero", peer), 1, f"x {peer}")
        for peer in ("autograd", "autograd make_jvp")
    ]
