"""fnzero.jit against eager fnzero, the NumPy floor and JAX's jit, on the core workloads.

The chain (grad of 2,000 scalar iterations, 10,000 primitives: Python overhead per primitive)
and the MLP step (784-1000-10, batch 100, float32: BLAS-sized arrays), plus Newton's method
(grad of grad on scalars). ``fnzero-jit`` compiles each workload's whole call with
``fnzero.jit`` (traced during warm-up) and replays it. The passes lines give each program's size and
replay time without passes, with dead-code elimination, and with CSE before DCE.

Run ``OPENBLAS_NUM_THREADS=1 python -m benchmarks.jit_bench`` from the repository root
(``--quick`` for a smoke run); with JAX importable, jax-jit is measured too.
"""

from __future__ import annotations

import argparse
import importlib
import sys

import numpy as np

from benchmarks import _core_peers as peers
from benchmarks._core_workloads import (
    CHAIN_X0,
    LR,
    NEWTON_X0,
    WORKLOADS,
    chain,
    chain_digest,
    mlp_data,
    mlp_digest,
    mlp_loss,
    newton,
    newton_digest,
    newton_f,
)
from benchmarks._harness import (
    FULL,
    QUICK,
    Case,
    Implementation,
    Skipped,
    describe_machine,
    measure,
    print_table,
)
from benchmarks.core import floor, fnzero_impl


def _programs():
    """The three workloads as jitted fnzero functions, with their arguments."""
    import fnzero as fz
    import fnzero.numpy as fnp

    x, t, params = mlp_data()
    mlp_vg = fz.value_and_grad(lambda p: mlp_loss(p, x, t, fnp, fnp.logsumexp))

    def mlp_step(params):
        loss, grads = mlp_vg(params)
        return loss, [p - LR * g for p, g in zip(params, grads)]

    df = fz.grad(newton_f)
    d2f = fz.grad(df)
    return {
        "chain": (
            fz.value_and_grad(lambda x: chain(x, fnp.sin, fnp.cos)),
            (np.asarray(CHAIN_X0),),
            chain_digest,
        ),
        "mlp": (mlp_step, (params,), mlp_digest),
        "newton": (lambda x: newton(x, df, d2f), (np.asarray(NEWTON_X0),), newton_digest),
    }


def fnzero_jit_impl() -> Implementation:
    import fnzero as fz

    def case(workload):
        def make():
            fun, args, digest = _programs()[workload]
            jitted = fz.jit(fun)
            return Case(lambda: jitted(*args), digest)

        return make

    return Implementation({w: case(w) for w in WORKLOADS}, "fnzero-jit: the whole call under fnzero.jit")


def passes_report(quick: bool) -> list[str]:
    """Equations per program and the replay's median time without passes, with DCE, with CSE + DCE."""
    import fnzero as fz

    jit_module = importlib.import_module("fnzero.transforms.jit")
    settings = QUICK if quick else FULL
    keep_all = {
        "live_equations": lambda equations, outputs: list(equations),
        "eliminate_common_subexpressions": lambda equations, outputs: (list(equations), list(outputs)),
    }
    lines = []
    for workload, (fun, args, digest) in _programs().items():
        results = []
        for label, disabled in (
            ("none", keep_all),
            ("DCE", ["eliminate_common_subexpressions"]),
            ("CSE+DCE", []),
        ):
            saved = {name: getattr(jit_module, name) for name in disabled}
            for name in disabled:
                setattr(jit_module, name, keep_all[name])
            try:
                jitted = fz.jit(fun)
                size = len(jitted.lower(*args).equations)
            finally:
                for name, f in saved.items():
                    setattr(jit_module, name, f)
            ms = measure(label, Case(lambda: jitted(*args), digest), settings).median_ms
            results.append(f"{label} {size} eqs {ms:.3f} ms")
        lines.append(f"passes, {workload}: " + "; ".join(results))
    return lines


IMPLEMENTATIONS = {
    "floor": floor,
    "fnzero": fnzero_impl,
    "fnzero-jit": fnzero_jit_impl,
    "jax-jit": peers.jax_jit_impl,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 warm-up call and 3 timed calls")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    impls, notes = {}, []
    for name, make in IMPLEMENTATIONS.items():
        try:
            impls[name] = make()
        except Skipped as e:
            notes.append(f"skipped {name}: {e}")
            continue
        notes.append(impls[name].note)
    print(describe_machine(notes))
    for workload, (title, rtol) in WORKLOADS.items():
        rows = [measure(name, impl.cases[workload](), settings) for name, impl in impls.items()]
        print_table(title, rows, floor="floor", subject="fnzero-jit", rtol=rtol)
        sys.stdout.flush()
    print()
    print("\n".join(passes_report(args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
