"""fnzero.jit against eager fnzero, the NumPy floor and JAX's jit, on the core workloads.

The chain (grad of 2,000 scalar iterations, 10,000 primitives: Python overhead per primitive)
and the MLP step (784-1000-10, batch 100, float32: BLAS-sized arrays), plus Newton's method
(grad of grad on scalars). ``fnzero-jit`` compiles each workload's whole call with
``fnzero.jit`` (traced during warm-up) and replays it. The passes lines give each program's size and
replay time with the passes switched on one after another (and the updated
argument donated); the gelu program (elementwise kernels on a 1000 x 1000 array) is measured
there only.

Run ``OPENBLAS_NUM_THREADS=1 python -m benchmarks.jit_bench`` from the repository root
(``--quick`` for a smoke run); with JAX importable, jax-jit is measured too. The workloads
are benchmarks/workloads/chain.py, mlp.py and newton.py.
"""

from __future__ import annotations

import argparse
import importlib
import sys

import numpy as np

from benchmarks import workloads
from benchmarks._harness import FULL, QUICK, Case, describe_machine, measure, print_table
from benchmarks.workloads import _common

WORKLOADS = ("chain", "mlp", "newton")
IMPLEMENTATIONS = ["floor", "fnzero", "fnzero-jit", "jax-jit"]


def jit_programs() -> dict:
    """Each workload's function for fnzero.jit, with its arguments and checksum."""
    return {name: workloads.load(name).jit_program() for name in WORKLOADS}


def _elementwise_program():
    """grad of sum(gelu(x)) on a 1000 x 1000 float32 array: only elementwise kernels on
    arrays bigger than the caches, where writing into dead buffers should show."""
    import fnzero as fz
    import fnzero.numpy as fnp
    from fnzero import nn

    x = np.random.default_rng(0).normal(size=(1000, 1000)).astype(np.float32)
    return fz.grad(lambda x: fnp.sum(nn.gelu(x))), (x,), lambda g: float(np.sum(g, dtype=np.float64))


# name -> (passes, donate the first argument)
PASS_SETTINGS = {
    "none": ((), False),
    "CSE+DCE": (("cse", "dce"), False),
    "+fold": (("cse", "fold", "dce"), False),
    "+reuse": (("cse", "fold", "dce", "reuse"), False),
    "+donate": (("cse", "fold", "dce", "reuse"), True),
}


def _feeding(jitted, args, updated):
    """A call of ``jitted`` whose first argument is its last result's (a training loop),
    when ``updated`` picks that from the result; else a call on ``args``."""
    if updated is None:
        return lambda: jitted(*args)
    state = [args[0]]

    def run():
        out = jitted(state[0], *args[1:])
        state[0] = updated(out)
        return out

    return run


def passes_report(quick: bool) -> list[str]:
    """Equations per program, in-place equations, and the replay's median time with more and
    more passes (and with the first argument donated, where it is an array to update)."""
    import fnzero as fz

    jit_module = importlib.import_module("fnzero.transforms.jit")
    settings = QUICK if quick else FULL
    programs = {**jit_programs(), "gelu": _elementwise_program()}
    if quick:  # a smoke run: tracing 10,000 primitives five times would be most of it
        programs["chain"] = workloads.load("chain").jit_program(steps=200)
    # How the updated first argument comes out of the result, for the programs fed back.
    updated = {"mlp": lambda out: out[1], "gelu": lambda out: out}
    lines = []
    for workload, (fun, args, digest) in programs.items():
        results = []
        for label, (passes, donate) in PASS_SETTINGS.items():
            if donate and workload not in updated:
                continue
            saved = jit_module.PASSES
            jit_module.PASSES = frozenset(passes)
            try:
                jitted = fz.jit(fun, donate_argnums=0 if donate else ())
                program = jitted.lower(*args)
            finally:
                jit_module.PASSES = saved
            copies = fz.tree.map(np.copy, args[0])
            run = _feeding(jitted, (copies, *args[1:]), updated.get(workload))
            ms = measure(label, Case(run, digest), settings).median_ms
            results.append(
                f"{label} {len(program.equations)} eqs ({len(jitted.in_place(*args))} in place) {ms:.3f} ms"
            )
        lines.append(f"passes, {workload}: " + "; ".join(results))
    return lines


def dispatch_report(quick: bool) -> str:
    """Microseconds per call of a tiny jitted function (one add) on one array and on a pytree
    of 8 small arrays, beside the eager add: the cost of the signature and cache lookup."""
    import timeit

    import fnzero as fz

    x = np.ones(3)
    params = {"w": [np.ones((3, 3)) for _ in range(4)], "b": [np.ones(3) for _ in range(4)]}
    one = fz.jit(lambda x: x + 1.0)
    tree_arg = fz.jit(lambda p, x: x + p["b"][0])
    number = 200 if quick else 20000

    def us(call) -> float:
        call()
        return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6

    return (
        f"dispatch: jit(x + 1.0)(x) {us(lambda: one(x)):.2f} us; with a pytree of 8 arrays "
        f"{us(lambda: tree_arg(params, x)):.2f} us; eager x + 1.0 {us(lambda: x + 1.0):.2f} us"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 warm-up call and 3 timed calls")
    subset = ", ".join(IMPLEMENTATIONS)
    parser.add_argument("--only", default=",".join(IMPLEMENTATIONS), help=f"a subset of {subset}")
    args = parser.parse_args(argv)
    chosen = [name for name in args.only.split(",") if name]
    unknown = sorted(set(chosen) - set(IMPLEMENTATIONS))
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)}; choose from {', '.join(IMPLEMENTATIONS)}")
    settings = QUICK if args.quick else FULL
    dev, notes = _common.cpu(args.quick), []
    impls = workloads.usable(chosen, dev, notes)
    print(describe_machine(notes))
    for name in WORKLOADS:
        module = workloads.load(name)
        rows = workloads.measure_all(name, impls, dev, settings, notes)
        print_table(module.title(dev), rows, floor="floor", subject="fnzero-jit", rtol=module.RTOL["cpu"])
        sys.stdout.flush()
    print()
    print("\n".join(passes_report(args.quick)))
    print(dispatch_report(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
