"""hessian: the (100, 100) Hessian of ``sum(softplus(A @ x))``, A (200, 100), float64: a
second-order transform on a vector (``hessian``, reverse over reverse or forward over reverse,
as each library does it).

Checksum: the sum and the L1 norm of the Hessian. Floor: the closed form
``A.T diag(s (1 - s)) A`` with ``s = sigmoid(A @ x)``. DeZero has no Hessian transform.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from benchmarks._harness import Case
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import Device

N, M = 100, 200
RTOL = {"cpu": 1e-9}


def title(dev: Device) -> str:
    return f"hessian: the ({N}, {N}) Hessian of sum(softplus(A @ x)), A ({M}, {N}), float64"


@functools.cache
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return rng.standard_normal((M, N)) * 0.1, rng.standard_normal(N)


def f(x: Any, A: Any, xnp: Any) -> Any:
    return xnp.sum(xnp.log(1 + xnp.exp(A @ x)))


digest = c.sum_and_l1


def floor(dev: Device) -> Case:
    A, x = data()

    def run():
        s = 0.5 * (np.tanh(0.5 * (A @ x)) + 1)
        return (A.T * (s * (1 - s))) @ A

    return Case(run, digest)


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz
    import fnzero.numpy as fnp

    A, x = data()
    hess = fz.hessian(lambda x: f(x, A, fnp))
    hess = fz.jit(hess) if jit else hess
    return Case(lambda: hess(x), digest)


def autograd(dev: Device) -> Case:
    ag = c.autograd()
    import autograd.numpy as anp

    A, x = data()
    hess = ag.hessian(lambda x: f(x, A, anp))
    return Case(lambda: hess(x), digest)


def torch(dev: Device) -> Case:
    tc = c.torch(dev)
    A, x = data()
    At, xt = tc.from_numpy(A), tc.from_numpy(x)
    return Case(lambda: tc.autograd.functional.hessian(lambda x: f(x, At, tc), xt, vectorize=True), digest)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp

    A, x = data()
    Aj = jnp.asarray(A)
    hess = j.hessian(lambda x: f(x, Aj, jnp))
    return c.jax_case(j, j.jit(hess) if jit else hess, jnp.asarray(x), digest=digest)


PEERS = {
    "autograd": autograd,
    "torch": torch,
    **c.jax_peers(_jax),
}
