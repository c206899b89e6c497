"""Gradients through linear algebra: fnzero against JAX (op by op and jitted) and autograd,
in one process, on the same data (float64), for n = 64 and 256.

- solve:    loss(A) = sum(solve(A, B)^2), A (n, n) well conditioned, B (n, 8);
- cholesky: loss(X) = sum(cholesky(X X^T / n + I) * W);
- svd:      loss(A) = sum(S * w) + sum((U @ Vh) * W) (the polar factor: sign-free), reduced SVD.

Each row is the median wall-clock time of one call of the gradient after warm-up, its ratio
to JAX's jitted gradient (to fnzero's when JAX is missing), and the largest relative difference
from fnzero's gradient (so the rows are seen to compute the same thing); ``numpy forward`` is
the loss alone in NumPy (the kernels' floor). A peer that cannot be imported is skipped with a
note.

Every timing goes through ``benchmarks._harness.measure``. Run from the repository root:
``python -m benchmarks.linalg_grads`` (``--quick`` for a smoke run at n = 16, ``--no-jax`` to leave JAX out).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

import fnzero as fz
import fnzero.numpy as fnp
from benchmarks._harness import Case, Settings, measure


def _data(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(n)
    return {
        "A": rng.standard_normal((n, n)) + np.sqrt(n) * np.eye(n),
        "X": rng.standard_normal((n, n)),
        "B": rng.standard_normal((n, 8)),
        "W": rng.standard_normal((n, n)),
        "w": rng.standard_normal(n),
    }


def losses(m, d: dict[str, np.ndarray]) -> dict[str, Callable]:
    """The three losses written against the NumPy-like module ``m`` (``linalg`` its submodule)."""
    n = d["A"].shape[0]
    eye = np.eye(n)

    def solve(a):
        return m.sum(m.linalg.solve(a, d["B"]) ** 2)

    def cholesky(x):
        return m.sum(m.linalg.cholesky(x @ x.T / n + eye) * d["W"])

    def svd(a):
        u, s, vh = m.linalg.svd(a, full_matrices=False)
        return m.sum(s * d["w"]) + m.sum((u @ vh) * d["W"])

    return {"solve": solve, "cholesky": cholesky, "svd": svd}


def _autograd_cholesky(anp, d):
    # autograd's cholesky reads the lower triangle; symmetric input, so the same function.
    n = d["A"].shape[0]
    return lambda x: anp.sum(anp.linalg.cholesky(anp.dot(x, x.T) / n + np.eye(n)) * d["W"])


def _median(fn: Callable[[], object], budget_s: float) -> float:
    """Median seconds of ``fn()`` after 2 warm-up calls (3 to 20 timed calls, ``budget_s``)."""
    settings = Settings(warmup=2, repeats=20, min_repeats=3, budget_s=budget_s)
    return measure("", Case(fn, lambda out: 0.0), settings).median_ms / 1e3


def _rel(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def peers(d: dict[str, np.ndarray], jax: bool = True) -> dict[str, dict[str, Callable] | str]:
    """name -> {workload: () -> gradient}, or a string saying why the peer is skipped (JAX's
    rows only with ``jax``)."""
    arg = {"solve": d["A"], "cholesky": d["X"], "svd": d["X"]}
    out: dict[str, dict[str, Callable] | str] = {}
    fnz = losses(fnp, d)
    out["fnzero"] = {k: (lambda f=fnz[k], x=arg[k]: fz.grad(f)(x)) for k in fnz}
    jitted = {k: fz.jit(fz.grad(f)) for k, f in fnz.items()}
    out["fnzero jit"] = {k: (lambda g=jitted[k], x=arg[k]: g(x)) for k in fnz}
    try:
        if not jax:
            raise ImportError("--no-jax")
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        jl = losses(jnp, d)
        jargs = {k: jnp.asarray(v) for k, v in arg.items()}
        out[f"jax {jax.__version__} eager"] = {
            k: (lambda f=jl[k], x=jargs[k]: jax.grad(f)(x).block_until_ready()) for k in jl
        }
        jj = {k: jax.jit(jax.grad(f)) for k, f in jl.items()}
        out[f"jax {jax.__version__} jit"] = {
            k: (lambda g=jj[k], x=jargs[k]: g(x).block_until_ready()) for k in jl
        }
    except ImportError as e:
        out["jax"] = f"skipped: {e}"
    try:
        import autograd
        import autograd.numpy as anp

        al = losses(anp, d)
        al["cholesky"] = _autograd_cholesky(anp, d)
        out["autograd"] = {k: (lambda f=al[k], x=arg[k]: autograd.grad(f)(x)) for k in al}
    except ImportError as e:
        out["autograd"] = f"skipped: {e}"
    floor = losses(np, d)
    out["numpy forward"] = {k: (lambda f=floor[k], x=arg[k]: f(x)) for k in floor}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small size, short budget (a smoke run)")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of timed calls per row")
    parser.add_argument(
        "--no-jax", action="store_true", help="leave JAX out (its import and compiles take seconds)"
    )
    args = parser.parse_args(argv)
    sizes = (16,) if args.quick else (64, 256)
    budget = 0.05 if args.quick else args.budget
    for n in sizes:
        d = _data(n)
        table = peers(d, jax=not args.no_jax)
        reference = {k: np.asarray(f()) for k, f in table["fnzero"].items()}
        times: dict[str, dict[str, float]] = {}
        diffs: dict[str, dict[str, str]] = {}
        for name, cases in table.items():
            if isinstance(cases, str):
                continue
            times[name] = {w: _median(fn, budget) * 1e3 for w, fn in cases.items()}
            diffs[name] = {
                w: "" if name == "numpy forward" else f"[{_rel(fn(), reference[w]):.0e}]"
                for w, fn in cases.items()
            }
        base = next((k for k in times if k.startswith("jax") and k.endswith("jit")), "fnzero")
        print(
            f"\nn = {n} (float64): median ms per gradient call, (its ratio to {base}), "
            f"[max rel. diff from fnzero's gradient]"
        )
        print(f"{'':24s}" + "".join(f"{w:>30s}" for w in reference))
        for name, cases in table.items():
            if isinstance(cases, str):
                print(f"{name:24s}{cases}")
                continue
            cells = [
                f"{times[name][w]:9.3f} ({times[name][w] / times[base][w]:6.2f}x) {diffs[name][w]:>7s}"
                for w in cases
            ]
            print(f"{name:24s}" + "".join(f"{c:>30s}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
