"""mlp: one SGD training step of a 784-1000-10 MLP (ReLU, mean softmax cross-entropy), batch
100, float32: forward, backward and a plain SGD update with learning rate 0.1 (BLAS-sized
arrays, where a library's overhead should vanish).

Checksum: the loss plus the L1 norm of the gradient, read back from the update as
``sum(abs(new - old)) / lr``. Floor: the forward and backward by hand, with no gradient for the
input batch. DeZero uses its fused ``F.linear`` (which also computes the input's gradient).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._harness import Case, Row, target_line
from benchmarks.workloads import _common as c
from benchmarks.workloads._common import LR, Device

BATCH, N_IN, N_HIDDEN, N_OUT = 100, 784, 1000, 10
RTOL = {"cpu": 1e-4}


def title(dev: Device) -> str:
    return (
        f"mlp: one SGD step, MLP {N_IN}-{N_HIDDEN}-{N_OUT}, ReLU, softmax cross-entropy, "
        f"batch {BATCH}, float32"
    )


@functools.cache
def data(batch: int = BATCH, hidden: int = N_HIDDEN, examples: int | None = None) -> tuple:
    """Inputs ``x`` (``examples`` rows, default one batch), labels ``t`` and the initial
    parameters ``(w1, b1, w2, b2)``, from seed 0 (other sizes for the scaling sweep and the epoch).

    Every implementation reads these; one that updates in place works on its own copy.
    """
    rng = np.random.default_rng(0)
    n = batch if examples is None else examples
    x = rng.random((n, N_IN), dtype=np.float32)
    t = rng.integers(0, N_OUT, n)
    w1 = (rng.standard_normal((N_IN, hidden)) * np.sqrt(2 / N_IN)).astype(np.float32)
    w2 = (rng.standard_normal((hidden, N_OUT)) * np.sqrt(1 / hidden)).astype(np.float32)
    return x, t, (w1, np.zeros(hidden, np.float32), w2, np.zeros(N_OUT, np.float32))


def logits(params: Any, x: Any, relu: Callable) -> Any:
    w1, b1, w2, b2 = params
    return relu(x @ w1 + b1) @ w2 + b2


def loss(params: Any, x: Any, t: Any, xnp: Any, logsumexp: Callable) -> Any:
    """Mean softmax cross-entropy; ``xnp`` is the library's NumPy namespace."""
    z = logits(params, x, lambda h: xnp.maximum(h, 0.0))
    return xnp.mean(logsumexp(z, axis=1) - z[np.arange(len(t)), t])


def step_by_hand(xp: Any, x: Any, t: Any, rows: Any, params: Any) -> tuple[Any, list]:
    """One SGD step by hand in the array module ``xp`` (numpy or cupy): the loss and the new
    parameters (no gradient for the input batch; ``rows`` is ``arange(len(t))``)."""
    w1, b1, w2, b2 = params
    h = x @ w1 + b1
    a = xp.maximum(h, 0)
    value, d = c.xent_by_hand(xp, a @ w2 + b2, t, rows)
    dw2 = a.T @ d
    db2 = d.sum(axis=0)
    dh = (d @ w2.T) * (h > 0)
    dw1 = x.T @ dh
    db1 = dh.sum(axis=0)
    return value, [w1 - LR * dw1, b1 - LR * db1, w2 - LR * dw2, b2 - LR * db2]


# Each implementation on given data (the scaling sweep calls these at other sizes).


def floor_case(x: np.ndarray, t: np.ndarray, init: tuple) -> Case:
    rows = np.arange(len(t))
    return Case(lambda: step_by_hand(np, x, t, rows, init), c.step_digest(init))


def fnzero_step(x: Any, t: Any) -> Callable:
    """fnzero's step ``params -> (loss, new params)``, value_and_grad built once."""
    import fnzero as fz
    import fnzero.numpy as fnp

    value_and_grad = fz.value_and_grad(lambda p: loss(p, x, t, fnp, fnp.logsumexp))

    def step(params):
        value, grads = value_and_grad(params)
        return value, [p - LR * g for p, g in zip(params, grads)]

    return step


def fnzero_case(x: np.ndarray, t: np.ndarray, init: tuple, jit: bool = False) -> Case:
    import fnzero as fz

    step = fnzero_step(x, t)
    step = fz.jit(step) if jit else step
    return Case(lambda: step(init), c.step_digest(init))


def torch_case(x: np.ndarray, t: np.ndarray, init: tuple, dev: Device) -> Case:
    tc = c.torch(dev)
    xt, tt = tc.from_numpy(x), tc.from_numpy(t)
    forward = lambda p: tc.nn.functional.cross_entropy(logits(p, xt, tc.relu), tt)  # noqa: E731
    return c.torch_step(forward, init, dev)


# The interface every workload has.


def floor(dev: Device) -> Case:
    return floor_case(*data())


def fnzero(dev: Device, jit: bool) -> Case:
    return fnzero_case(*data(), jit=jit)


def jit_program() -> tuple[Callable, tuple, Callable[[Any], float]]:
    """The whole step as one function for fnzero.jit, its arguments and its checksum."""
    x, t, init = data()
    return fnzero_step(x, t), (init,), c.step_digest(init)


def autograd(dev: Device) -> Case:
    ag = c.autograd()
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    x, t, init = data()
    return c.functional_step(ag.value_and_grad(lambda p: loss(p, x, t, anp, logsumexp)), init, init, dev)


def dezero(dev: Device) -> Case:
    _, F = c.dezero()
    x, t, init = data()

    def forward(params):
        w1, b1, w2, b2 = params
        return F.softmax_cross_entropy(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2), t)

    return c.dezero_step(forward, init, init, dev)


def torch(dev: Device) -> Case:
    return torch_case(*data(), dev)


def _jax(dev: Device, jit: bool) -> Case:
    j = c.jax(dev)
    import jax.numpy as jnp

    x, t, init = data()
    xj, tj = jnp.asarray(x), jnp.asarray(t)
    params = tuple(jnp.asarray(p) for p in init)
    return c.jax_step(j, lambda p: loss(p, xj, tj, jnp, j.nn.logsumexp), params, init, jit)


PEERS = {
    "autograd": autograd,
    "dezero": dezero,
    "torch": torch,
    **c.jax_peers(_jax),
}


def targets(rows: dict[str, Row], dev: Device) -> list[str]:
    return [target_line("MLP step", c.ratio(rows, "fnzero", "floor"), 1.15, "x floor", inclusive=True)]
