"""chain: value and gradient of 2,000 iterations of ``x = sin(x) * 1.001 + 0.1 * cos(x)`` on a
0-d float64 array from x = 0.5 (10,000 primitives on scalars: almost all of it is the cost of
one primitive call, and on a GPU of one kernel launch).

Checksum: x_2000 + dx_2000/dx_0. The map contracts (its derivative is about 0.65 near its
fixed point 0.766), so the gradient underflows to 0 or the smallest subnormal and the value
carries the check. Floor: the loop by hand, the derivative from the saved sin and cos.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._harness import Case, Row, Skipped, target_line
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import Device

STEPS = 2000
X0 = 0.5
RTOL = {"cpu": 1e-9, "gpu": 1e-7}


def title(dev: Device) -> str:
    where = "" if dev.kind == "cpu" else " on the GPU"
    return (
        f"chain: grad of {STEPS:,} x [x = sin(x) * 1.001 + 0.1 * cos(x)], 0-d float64{where} "
        f"({5 * STEPS:,} primitives); checksum: value + grad"
    )


def chain(x: Any, sin: Callable, cos: Callable, steps: int = STEPS) -> Any:
    """The 2,000 iterations (or ``steps``), in any library's spelling of sin and cos."""
    for _ in range(steps):
        x = sin(x) * 1.001 + 0.1 * cos(x)
    return x


def digest(out: tuple[Any, Any]) -> float:
    value, grad = out
    return float(c.host(value)) + float(c.host(grad))


def floor(dev: Device) -> Case:
    xp = dev.xp

    def run():
        x = xp.asarray(X0)
        saved = []
        for _ in range(STEPS):
            s, co = xp.sin(x), xp.cos(x)
            saved.append((s, co))
            x = s * 1.001 + 0.1 * co
        g = xp.ones_like(x)
        for s, co in reversed(saved):
            g = g * (co * 1.001 - 0.1 * s)
        return x, g

    return Case(c.synced(dev, run), digest)


def jit_program(steps: int = STEPS) -> tuple[Callable, tuple, Callable[[Any], float]]:
    """fnzero's value_and_grad of the chain (the function fnzero.jit compiles), its argument
    and its checksum (``steps`` iterations: fewer for a smoke run)."""
    import fnzero as fz
    import fnzero.numpy as fnp

    return fz.value_and_grad(lambda x: chain(x, fnp.sin, fnp.cos, steps)), (np.asarray(X0),), digest


def fnzero(dev: Device, jit: bool) -> Case:
    import fnzero as fz

    value_and_grad, _, _ = jit_program()
    value_and_grad = fz.jit(value_and_grad) if jit else value_and_grad
    x0 = dev.xp.asarray(X0)
    return Case(c.synced(dev, lambda: value_and_grad(x0)), digest)


def autograd(dev: Device) -> Case:
    if dev.kind != "cpu":
        raise Skipped("autograd runs on NumPy only")
    ag = c.autograd()
    import autograd.numpy as anp

    value_and_grad = ag.value_and_grad(lambda x: chain(x, anp.sin, anp.cos))
    return Case(lambda: value_and_grad(dev.xp.asarray(X0)), digest)


def dezero(dev: Device) -> Case:
    dz, F = c.dezero()

    def run():
        x = dz.Variable(dev.xp.asarray(X0))
        y = chain(x, F.sin, F.cos)
        y.backward()
        return y.data, x.grad.data

    return Case(c.synced(dev, run), digest)


def torch(dev: Device) -> Case:
    t = c.torch(dev)
    sync = c.torch_sync(dev)

    def run():
        x = t.tensor(X0, dtype=t.float64, device=dev.torch_device, requires_grad=True)
        y = chain(x, t.sin, t.cos)
        (g,) = t.autograd.grad(y, x)
        sync()
        return y, g

    return Case(run, digest)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp
    from jax import lax

    if jit:

        def loop(x):
            return lax.fori_loop(0, STEPS, lambda i, x: jnp.sin(x) * 1.001 + 0.1 * jnp.cos(x), x)

        value_and_grad = j.jit(j.value_and_grad(loop))
    else:
        value_and_grad = j.value_and_grad(lambda x: chain(x, jnp.sin, jnp.cos))
    return c.jax_case(j, value_and_grad, jnp.asarray(X0), digest=digest)


PEERS = {
    "autograd": autograd,
    "dezero": dezero,
    "torch": torch,
    **c.jax_peers(_jax),
}


def targets(rows: dict[str, Row], dev: Device) -> list[str]:
    """CPU: fnzero's chain under 60 ms. GPU: fnzero's and fnzero.jit's faster than PyTorch's."""
    if dev.kind == "cpu":
        return [target_line("chain", c.median(rows, "fnzero"), 60, " ms")]
    return [
        target_line(f"{name} chain grad", c.ratio(rows, name, "torch"), 1, "x torch")
        for name in ("fnzero", "fnzero-jit")
    ]
