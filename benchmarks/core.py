"""Core speed of fnzero against the NumPy floor and its peers, in one process, on the same data.

Three workloads, each timed per implementation (median after warm-up) with a checksum:

- chain:  grad of 2,000 iterations of ``x = sin(x) * 1.001 + 0.1 * cos(x)`` on a 0-d float64
          array from x = 0.5 (10,000 primitives): the overhead per primitive;
- mlp:    one SGD training step of a 784-1000-10 ReLU MLP with mean softmax cross-entropy,
          batch 100, float32 (forward + backward + update): BLAS-sized arrays;
- newton: Newton's method on x**4 - 2 x**2 from x = 2.0, 10 iterations with grad and
          grad-of-grad: higher order on scalars.

Run ``python -m benchmarks.core`` from the repository root (``--help`` for options); see
benchmarks/README.md for the peers and what each column means.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np

from benchmarks import _core_peers as peers
from benchmarks._core_workloads import (
    CHAIN_STEPS,
    CHAIN_X0,
    LR,
    NEWTON_X0,
    WORKLOADS,
    chain,
    chain_digest,
    mlp_data,
    mlp_digest,
    mlp_loss,
    mlp_step_by_hand,
    newton,
    newton_digest,
    newton_f,
)
from benchmarks._harness import (
    FULL,
    QUICK,
    Case,
    Implementation,
    Row,
    Skipped,
    describe_machine,
    load_average,
    measure,
    parse_choices,
    print_table,
    target_line,
    write_json,
)


def floor_mlp_step(x: np.ndarray, t: np.ndarray, params: tuple) -> tuple:
    """One SGD step of the MLP by hand in NumPy: the loss and the new parameters."""
    return mlp_step_by_hand(np, x, t, np.arange(len(t)), params)


def fnzero_mlp_step(x: np.ndarray, t: np.ndarray, params: tuple):
    """fnzero's MLP step as a function of nothing (value_and_grad built once)."""
    import fnzero as fz
    import fnzero.numpy as fnp

    value_and_grad = fz.value_and_grad(lambda p: mlp_loss(p, x, t, fnp, fnp.logsumexp))

    def run():
        loss, grads = value_and_grad(params)
        return loss, [p - LR * g for p, g in zip(params, grads)]

    return run


def floor() -> Implementation:
    """Hand-written forward and backward in NumPy, computing only the gradients needed."""

    def chain_run():
        x = np.asarray(CHAIN_X0)
        saved = []
        for _ in range(CHAIN_STEPS):
            s, c = np.sin(x), np.cos(x)
            saved.append((s, c))
            x = s * 1.001 + 0.1 * c
        g = np.ones_like(x)
        for s, c in reversed(saved):
            g = g * (c * 1.001 - 0.1 * s)
        return x, g

    def mlp_case():
        x, t, params = mlp_data()
        return Case(lambda: floor_mlp_step(x, t, params), mlp_digest)

    def newton_run():
        # f'(x) = 4x^3 - 4x and f''(x) = 12x^2 - 4, written out by hand.
        return newton(np.asarray(NEWTON_X0), lambda x: 4 * x**3 - 4 * x, lambda x: 12 * x**2 - 4)

    return Implementation(
        {
            "chain": lambda: Case(chain_run, chain_digest),
            "mlp": mlp_case,
            "newton": lambda: Case(newton_run, newton_digest),
        },
        "floor: hand-written NumPy forward and backward (Newton: the analytic f' and f'')",
    )


def fnzero_impl() -> Implementation:
    """fnzero as its users write it: value_and_grad, grad of grad, a functional SGD update."""
    import fnzero as fz
    import fnzero.numpy as fnp

    chain_vg = fz.value_and_grad(lambda x: chain(x, fnp.sin, fnp.cos))

    def mlp_case():
        return Case(fnzero_mlp_step(*mlp_data()), mlp_digest)

    df = fz.grad(newton_f)
    d2f = fz.grad(df)
    return Implementation(
        {
            "chain": lambda: Case(lambda: chain_vg(np.asarray(CHAIN_X0)), chain_digest),
            "mlp": mlp_case,
            "newton": lambda: Case(lambda: newton(np.asarray(NEWTON_X0), df, d2f), newton_digest),
        },
        f"fnzero {fz.__version__}: relu as fnzero.numpy.maximum(h, 0.0)",
    )


def jit_programs() -> dict:
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
    """fnzero with each whole workload under fnzero.jit (traced during warm-up)."""
    import fnzero as fz

    def case(workload):
        def make():
            fun, args, digest = jit_programs()[workload]
            jitted = fz.jit(fun)
            return Case(lambda: jitted(*args), digest)

        return make

    return Implementation(
        {w: case(w) for w in WORKLOADS},
        "fnzero-jit: one fnzero.jit over each whole workload (replayed NumPy kernels)",
    )


IMPLEMENTATIONS: dict[str, Callable[[], Implementation]] = {
    "floor": floor,
    "fnzero": fnzero_impl,
    "fnzero-jit": fnzero_jit_impl,
    "autograd": peers.autograd_impl,
    "dezero": peers.dezero_impl,
    "torch": peers.torch_impl,
    "jax": peers.jax_impl,
    "jax-jit": peers.jax_jit_impl,
}


def targets(tables: dict[str, list[Row]]) -> list[str]:
    """The issue's targets for fnzero: chain < 60 ms, MLP step <= 1.15x floor, Newton < 1.2 ms."""

    def median(workload: str, name: str) -> float | None:
        row = next((r for r in tables.get(workload, []) if r.name == name), None)
        return None if row is None else row.median_ms

    mlp, mlp_floor = median("mlp", "fnzero"), median("mlp", "floor")
    mlp_ratio = None if mlp is None or mlp_floor is None else mlp / mlp_floor
    return [
        target_line("chain", median("chain", "fnzero"), 60, " ms"),
        target_line("MLP step", mlp_ratio, 1.15, "x floor", inclusive=True),
        target_line("Newton", median("newton", "fnzero"), 1.2, " ms"),
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 warm-up call and 3 timed calls")
    parser.add_argument(
        "--only",
        default=",".join(IMPLEMENTATIONS),
        help=f"comma-separated implementations (default: all of {','.join(IMPLEMENTATIONS)})",
    )
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"comma-separated subset of {','.join(WORKLOADS)}"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    return parse_choices(parser, argv, only=IMPLEMENTATIONS, workloads=WORKLOADS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    implementations: dict[str, Implementation] = {}
    notes: list[str] = []
    for name in args.only:
        try:
            impl = IMPLEMENTATIONS[name]()
        except Skipped as e:
            notes.append(f"skipped {name}: {e}")
            continue
        implementations[name] = impl
        if impl.note:
            notes.append(impl.note)
    print(describe_machine(notes))
    print(
        f"settings: {settings.warmup} warm-up call(s), then up to {settings.repeats} timed calls "
        f"(at least {settings.min_repeats}, stopping after {settings.budget_s:g} s); medians"
    )
    tables: dict[str, list[Row]] = {}
    for workload in args.workloads:
        title, rtol = WORKLOADS[workload]
        rows = [measure(name, impl.cases[workload](), settings) for name, impl in implementations.items()]
        tables[workload] = rows
        print_table(title, rows, floor="floor", subject="fnzero", rtol=rtol)
        sys.stdout.flush()
    lines = targets(tables)
    print(f"\n{load_average()}")
    print("\n".join(lines))
    if args.json:
        write_json(args.json, tables, lines, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
