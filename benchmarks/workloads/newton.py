"""newton: 10 iterations of Newton's method on ``f(x) = x**4 - 2*x**2`` from x = 2.0, with
``f'`` and ``f''`` from grad and grad-of-grad (higher order on scalars, float64).

Checksum: the sum of the iterates x_1 .. x_10. Floor: the analytic f' and f''. DeZero runs the
book's step 33 (one forward pass, ``backward(create_graph=True)``, then ``backward()`` again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._harness import Case, Row, target_line
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import Device

X0 = 2.0
ITERS = 10
RTOL = {"cpu": 1e-9}


def title(dev: Device) -> str:
    return f"newton: {ITERS} Newton iterations on x**4 - 2*x**2 from x = {X0} (grad and grad-of-grad)"


def f(x: Any) -> Any:
    return x**4 - 2 * x**2


def newton(x: Any, df: Callable, d2f: Callable) -> list:
    """The iterates x_1 .. x_10 of x <- x - f'(x) / f''(x)."""
    xs = []
    for _ in range(ITERS):
        x = x - df(x) / d2f(x)
        xs.append(x)
    return xs


def digest(xs: list) -> float:
    return sum(float(c.host(x)) for x in xs)


def floor(dev: Device) -> Case:
    return Case(lambda: newton(np.asarray(X0), lambda x: 4 * x**3 - 4 * x, lambda x: 12 * x**2 - 4), digest)


def jit_program() -> tuple[Callable, tuple, Callable[[Any], float]]:
    """The ten iterations with fnzero's grad and grad-of-grad as one function (what fnzero.jit
    compiles), its argument and its checksum."""
    import fnzero as fz

    df = fz.grad(f)
    d2f = fz.grad(df)
    return (lambda x: newton(x, df, d2f)), (np.asarray(X0),), digest


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz

    run, (x0,), _ = jit_program()
    run = fz.jit(run) if jit else run
    return Case(lambda: run(x0), digest)


def autograd(dev: Device) -> Case:
    ag = c.autograd()
    df = ag.grad(f)
    d2f = ag.grad(df)
    return Case(lambda: newton(np.asarray(X0), df, d2f), digest)


def dezero(dev: Device) -> Case:
    dz, _ = c.dezero()

    def run():
        x = dz.Variable(np.asarray(X0))
        xs = []
        for _ in range(ITERS):
            y = f(x)
            x.cleargrad()
            y.backward(create_graph=True)
            gx = x.grad
            x.cleargrad()
            gx.backward()
            x.data = x.data - gx.data / x.grad.data
            xs.append(x.data)
        return xs

    return Case(run, digest)


def torch(dev: Device) -> Case:
    t = c.torch(dev)

    def run():
        x = t.tensor(X0, dtype=t.float64)
        xs = []
        for _ in range(ITERS):
            xv = x.detach().requires_grad_(True)
            (gx,) = t.autograd.grad(f(xv), xv, create_graph=True)
            (gx2,) = t.autograd.grad(gx, xv)
            x = (xv - gx / gx2).detach()
            xs.append(x)
        return xs

    return Case(run, digest)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp

    df = j.grad(f)
    d2f = j.grad(df)
    run = lambda x: newton(x, df, d2f)  # noqa: E731
    return c.jax_case(j, j.jit(run) if jit else run, jnp.asarray(X0), digest=digest)


PEERS = {
    "autograd": autograd,
    "dezero": dezero,
    "torch": torch,
    **c.jax_peers(_jax),
}


def targets(rows: dict[str, Row], dev: Device) -> list[str]:
    return [target_line("Newton", c.median(rows, "fnzero"), 1.2, " ms")]
