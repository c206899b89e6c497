"""The three core workloads, written once: sizes, data from fixed seeds, the math in NumPy's
spelling (each library passes its own functions in), and the checksum of each output."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

CHAIN_STEPS = 2000
CHAIN_X0 = 0.5
BATCH, N_IN, N_HIDDEN, N_OUT = 100, 784, 1000, 10
LR = 0.1
NEWTON_X0 = 2.0
NEWTON_ITERS = 10

# name -> (title, relative tolerance of its checksum)
WORKLOADS = {
    "chain": (
        f"chain: grad of {CHAIN_STEPS:,} x [x = sin(x) * 1.001 + 0.1 * cos(x)], 0-d float64 "
        f"({5 * CHAIN_STEPS:,} primitives); checksum: value + grad",
        1e-9,
    ),
    "mlp": (
        f"mlp: one SGD step, MLP {N_IN}-{N_HIDDEN}-{N_OUT}, ReLU, softmax cross-entropy, "
        f"batch {BATCH}, float32",
        1e-4,
    ),
    "newton": (
        f"newton: {NEWTON_ITERS} Newton iterations on x**4 - 2*x**2 from x = {NEWTON_X0} "
        f"(grad and grad-of-grad)",
        1e-9,
    ),
}

# The same math, written once for every library that has NumPy's spelling.


def chain(x: Any, sin: Callable, cos: Callable) -> Any:
    for _ in range(CHAIN_STEPS):
        x = sin(x) * 1.001 + 0.1 * cos(x)
    return x


def newton_f(x: Any) -> Any:
    return x**4 - 2 * x**2


def newton(x: Any, df: Callable, d2f: Callable) -> list:
    """The iterates x_1 .. x_10 of x <- x - f'(x) / f''(x)."""
    xs = []
    for _ in range(NEWTON_ITERS):
        x = x - df(x) / d2f(x)
        xs.append(x)
    return xs


def mlp_loss(params: tuple, x: Any, t: Any, xnp: Any, logsumexp: Callable) -> Any:
    """Mean softmax cross-entropy of a ReLU MLP; ``xnp`` is the library's NumPy namespace."""
    w1, b1, w2, b2 = params
    h = xnp.maximum(x @ w1 + b1, 0.0)
    logits = h @ w2 + b2
    return xnp.mean(logsumexp(logits, axis=1) - logits[np.arange(len(t)), t])


@functools.cache
def mlp_data(
    batch: int = BATCH, hidden: int = N_HIDDEN
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """The batch ``(x, t)`` and the initial parameters ``(w1, b1, w2, b2)``, from seed 0
    (other sizes for the scaling sweep).

    Every implementation reads these; one that updates in place works on its own copy.
    """
    rng = np.random.default_rng(0)
    x = rng.random((batch, N_IN), dtype=np.float32)
    t = rng.integers(0, N_OUT, batch)
    w1 = (rng.standard_normal((N_IN, hidden)) * np.sqrt(2 / N_IN)).astype(np.float32)
    w2 = (rng.standard_normal((hidden, N_OUT)) * np.sqrt(1 / hidden)).astype(np.float32)
    b1 = np.zeros(hidden, np.float32)
    b2 = np.zeros(N_OUT, np.float32)
    return x, t, (w1, b1, w2, b2)


def mlp_step_by_hand(xp: Any, x: Any, t: Any, rows: Any, params: tuple) -> tuple[Any, list]:
    """One SGD step of the MLP by hand in the array module ``xp``: the loss and the new
    parameters (no gradient for the input batch; ``rows`` is ``arange(len(t))``)."""
    w1, b1, w2, b2 = params
    h = x @ w1 + b1
    a = xp.maximum(h, 0)
    logits = a @ w2 + b2
    m = logits.max(axis=1, keepdims=True)
    e = xp.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    loss = xp.mean(m[:, 0] + xp.log(s[:, 0]) - logits[rows, t])
    d = e / s
    d[rows, t] -= 1
    d /= len(t)
    dw2 = a.T @ d
    db2 = d.sum(axis=0)
    dh = (d @ w2.T) * (h > 0)
    dw1 = x.T @ dh
    db1 = dh.sum(axis=0)
    return loss, [w1 - LR * dw1, b1 - LR * db1, w2 - LR * dw2, b2 - LR * db2]


def chain_digest(out: tuple[Any, Any]) -> float:
    """x_2000 plus dx_2000/dx_0. The map contracts (|derivative| ~ 0.65 near its fixed point 0.766),
    so the gradient underflows to 0 or the smallest subnormal: the value carries the check."""
    value, grad = out
    return float(value) + float(grad)


def mlp_digest(out: tuple[Any, list]) -> float:
    """The loss plus the L1 norm of the gradient, read back from the update."""
    loss, new_params = out
    init = mlp_data()[2]
    moved = sum(
        float(np.abs(np.asarray(p, np.float64) - np.asarray(p0, np.float64)).sum())
        for p, p0 in zip(new_params, init)
    )
    return float(loss) + moved / LR


def newton_digest(xs: list) -> float:
    return sum(float(x) for x in xs)
