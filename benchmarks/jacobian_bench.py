"""Jacobians and Hessians: fnzero against a hand-written NumPy floor, autograd and JAX op by op,
in one process, on the same data (float64).

- hessian: the Hessian of f(x) = rosenbrock(x) + sum(tanh(A x)), x in R^100 (A is 100 x 100);
- jacfwd:  the Jacobian of g(x) = tanh(W x) * (x . x), R^10 -> R^1000 (W is 1000 x 10).

Each row is the median wall-clock time of one call after warm-up, with a checksum (the sum
of the result's entries). autograd's rows are ``autograd.hessian`` (reverse over reverse),
``autograd.jacobian`` (reverse mode, one sweep per output) and its forward mode
(``make_jvp``, one column per call, as fnzero's jacfwd). JAX runs without ``jit``
(``jax.hessian``, ``jax.jacfwd``: vmap-batched, so few dispatches). A peer that cannot be
imported is skipped with a note.

Run from the repository root: ``PYTHONPATH=. python benchmarks/jacobian_bench.py``
(``--quick`` for a smoke run); peers come from a separate environment, e.g.
``PYTHONPATH=. /path/to/venv/bin/python benchmarks/jacobian_bench.py``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import numpy as np

import fnzero as fz
import fnzero.numpy as fnp

N_HESSIAN = 100
N_IN, N_OUT = 10, 1000

_rng = np.random.default_rng(0)
X_H = _rng.uniform(-1.0, 1.0, N_HESSIAN)
A = _rng.standard_normal((N_HESSIAN, N_HESSIAN)) / np.sqrt(N_HESSIAN)
X_J = _rng.standard_normal(N_IN)
W = _rng.standard_normal((N_OUT, N_IN)) / np.sqrt(N_IN)


def hessian_target(np_):
    """f(x) = rosenbrock(x) + sum(tanh(A x)), written against the NumPy-like module ``np_``."""

    def f(x):
        return np_.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2) + np_.sum(np_.tanh(A @ x))

    return f


def jacobian_target(np_):
    """g(x) = tanh(W x) * (x . x), R^10 -> R^1000."""

    def g(x):
        return np_.tanh(W @ x) * np_.sum(x * x)

    return g


def floor_hessian(x):
    """The Hessian in closed form: Rosenbrock's tridiagonal part plus A^T diag(tanh'') A."""
    h = np.zeros((x.size, x.size))
    i = np.arange(x.size - 1)
    h[i, i] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    h[i + 1, i + 1] += 200
    h[i, i + 1] = h[i + 1, i] = -400 * x[:-1]
    t = np.tanh(A @ x)
    return h + A.T @ ((-2 * t * (1 - t**2))[:, None] * A)


def floor_jacobian(x):
    t = np.tanh(W @ x)
    return ((1 - t**2) * (x @ x))[:, None] * W + np.outer(t, 2 * x)


def time_call(run: Callable[[], object], quick: bool) -> tuple[float, float, int]:
    """Median and fastest milliseconds of ``run()`` after warm-up, and the number of calls."""
    gc.collect()
    for _ in range(1 if quick else 3):
        run()
    times = []
    started = time.perf_counter()
    while len(times) < (3 if quick else 41):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
        if len(times) >= (3 if quick else 5) and time.perf_counter() - started > (0 if quick else 5):
            break
    return statistics.median(times), min(times), len(times)


def implementations() -> tuple[dict[str, dict[str, Callable[[], object]]], list[str]]:
    """Per workload, the callables to time; and notes on skipped peers."""
    rows: dict[str, dict[str, Callable[[], object]]] = {"hessian": {}, "jacfwd": {}}
    notes = []
    rows["hessian"]["floor"] = lambda: floor_hessian(X_H)
    rows["jacfwd"]["floor"] = lambda: floor_jacobian(X_J)
    f, g = hessian_target(fnp), jacobian_target(fnp)
    rows["hessian"]["fnzero"] = lambda: fz.hessian(f)(X_H)
    rows["hessian"]["fnzero jacrev(jacrev)"] = lambda: fz.jacrev(fz.jacrev(f))(X_H)
    rows["jacfwd"]["fnzero"] = lambda: fz.jacfwd(g)(X_J)
    rows["jacfwd"]["fnzero jacrev"] = lambda: fz.jacrev(g)(X_J)
    try:
        import autograd
        import autograd.numpy as anp
        from autograd.differential_operators import make_jvp

        def autograd_forward_columns():
            push = make_jvp(jacobian_target(anp))(X_J)
            return np.stack([push(e)[1] for e in np.eye(N_IN)], axis=-1)

        rows["hessian"]["autograd"] = lambda: autograd.hessian(hessian_target(anp))(X_H)
        rows["jacfwd"]["autograd jacobian"] = lambda: autograd.jacobian(jacobian_target(anp))(X_J)
        rows["jacfwd"]["autograd make_jvp"] = autograd_forward_columns
    except ImportError as e:
        notes.append(f"autograd skipped: {e}")
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        xh, xj = jnp.asarray(X_H), jnp.asarray(X_J)
        jax_h, jax_j = jax.hessian(hessian_target(jnp)), jax.jacfwd(jacobian_target(jnp))
        rows["hessian"]["jax op-by-op"] = lambda: jax_h(xh).block_until_ready()
        rows["jacfwd"]["jax op-by-op"] = lambda: jax_j(xj).block_until_ready()
        notes.append(f"jax {jax.__version__} without jit, float64, on {jax.devices()[0].platform}")
    except ImportError as e:
        notes.append(f"jax skipped: {e}")
    return rows, notes


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 warm-up call and 3 timed calls")
    args = parser.parse_args(argv)
    rows, notes = implementations()
    medians: dict[str, dict[str, float]] = {}
    titles = {
        "hessian": f"hessian of R^{N_HESSIAN} -> R (Rosenbrock + sum tanh(Ax))",
        "jacfwd": f"Jacobian of R^{N_IN} -> R^{N_OUT} (tanh(Wx) * x.x)",
    }
    for workload, impls in rows.items():
        reference = float(np.sum(impls["floor"]()))
        measured = {}
        for name, run in impls.items():
            measured[name] = (float(np.sum(np.asarray(run()))), *time_call(run, args.quick))
        medians[workload] = {name: m[1] for name, m in measured.items()}
        floor_ms, fnzero_ms = medians[workload]["floor"], medians[workload]["fnzero"]
        print(f"\n{titles[workload]}")
        print(f"{'implementation':<24}{'median ms':>11}{'min ms':>10}{'runs':>6}", end="")
        print(f"{'x floor':>9}{'fnzero/it':>11}  checksum")
        for name, (checksum, med, fastest, n) in measured.items():
            flag = "" if np.isclose(checksum, reference, rtol=1e-9) else "  DIFFERS"
            print(
                f"{name:<24}{med:>11.3f}{fastest:>10.3f}{n:>6}{med / floor_ms:>9.2f}{fnzero_ms / med:>11.2f}"
                f"  {checksum:.12g}{flag}"
            )
    for note in notes:
        print(f"note: {note}")
    targets = [("hessian", "autograd"), ("jacfwd", "autograd jacobian"), ("jacfwd", "autograd make_jvp")]
    for workload, peer in targets:
        if peer in medians[workload]:
            ratio = medians[workload]["fnzero"] / medians[workload][peer]
            print(f"target {workload}: fnzero / {peer} = {ratio:.3g} ({'PASS' if ratio < 1 else 'MISS'})")
    return medians


if __name__ == "__main__":
    main()
