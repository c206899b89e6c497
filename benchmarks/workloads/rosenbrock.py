"""rosenbrock: the (100, 100) Hessian of ``f(x) = rosenbrock(x) + sum(tanh(A x))``, float64
(A is 100 x 100): ``hessian`` against autograd's (reverse over reverse) and JAX's; also
fnzero's ``jacrev(jacrev(f))``.

Checksum: the sum and the L1 norm of the Hessian. Floor: the closed form, Rosenbrock's
tridiagonal part plus ``A^T diag(tanh'') A``. Target: fnzero faster than autograd.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._harness import Case, Row, target_line
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import Device

N = 100
RTOL = {"cpu": 1e-9}


def title(dev: Device) -> str:
    return f"rosenbrock: the ({N}, {N}) Hessian of rosenbrock(x) + sum(tanh(A x)), float64"


@functools.cache
def data() -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``A`` from seed 0."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, N)
    return x, rng.standard_normal((N, N)) / np.sqrt(N)


def target(xnp: Any, A: Any) -> Callable:
    """f, written against the NumPy-like module ``xnp``."""

    def f(x):
        return xnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2) + xnp.sum(xnp.tanh(A @ x))

    return f


digest = c.sum_and_l1


def floor(dev: Device) -> Case:
    x, A = data()

    def run():
        h = np.zeros((N, N))
        i = np.arange(N - 1)
        h[i, i] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] = h[i + 1, i] = -400 * x[:-1]
        t = np.tanh(A @ x)
        return h + A.T @ ((-2 * t * (1 - t**2))[:, None] * A)

    return Case(run, digest)


def fnzero(dev: Device, jit: bool, nested: bool = False) -> Case:
    import fnzero as fz
    import fnzero.numpy as fnp

    x, A = data()
    f = target(fnp, A)
    hess = fz.jacrev(fz.jacrev(f)) if nested else fz.hessian(f)
    hess = fz.jit(hess) if jit else hess
    return Case(lambda: hess(x), digest)


def autograd(dev: Device) -> Case:
    ag = c.autograd()
    import autograd.numpy as anp

    x, A = data()
    hess = ag.hessian(target(anp, A))
    return Case(lambda: hess(x), digest)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp

    x, A = data()
    hess = j.hessian(target(jnp, jnp.asarray(A)))
    return c.jax_case(j, j.jit(hess) if jit else hess, jnp.asarray(x), digest=digest)


PEERS = {
    "fnzero jacrev(jacrev)": lambda dev: fnzero(dev, jit=False, nested=True),
    "autograd": autograd,
    **c.jax_peers(_jax),
}


def targets(rows: dict[str, Row], dev: Device) -> list[str]:
    return [target_line("rosenbrock Hessian", c.ratio(rows, "fnzero", "autograd"), 1, "x autograd")]
