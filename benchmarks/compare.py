"""Every workload against the NumPy floor and every peer, one table each.

Workloads: core.py's chain (2,000-op grad), newton (10 iterations) and mlp (784-1000-10 SGD
step), plus cnn (two conv-relu-pool stages and a linear layer), lstm (truncated BPTT over 30
steps) and hessian (100-dimensional); see benchmarks/README.md. Each table: median and fastest
ms, ratio to the floor, fnzero over each peer, and a checksum showing all computed the same.

Threads: BENCH_THREADS (default 1) for NumPy's BLAS and PyTorch, set before NumPy loads.

    PYTHONPATH=. /work/bench-venv/bin/python benchmarks/compare.py [--quick] [--only ...]
"""

from __future__ import annotations

import os

THREADS = os.environ.get("BENCH_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, THREADS)  # before NumPy loads its BLAS

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402

from benchmarks import _compare_workloads as extra  # noqa: E402
from benchmarks._compare_peers import PEERS  # noqa: E402
from benchmarks._core_workloads import WORKLOADS as CORE_WORKLOADS  # noqa: E402
from benchmarks._harness import (  # noqa: E402
    FULL,
    QUICK,
    Row,
    Skipped,
    allocator_option,
    describe_machine,
    load_average,
    measure,
    parse_choices,
    print_table,
    set_allocator,
    write_json,
)
from benchmarks.core import IMPLEMENTATIONS as CORE  # noqa: E402

WORKLOADS = {**CORE_WORKLOADS, **extra.WORKLOADS}
ORDER = ("chain", "newton", "mlp", "cnn", "lstm", "hessian", "per_example")


def cases_of(name: str, notes: list[str]) -> dict[str, Callable]:
    """All workloads ``name`` has here: core.py's and the extra ones; notes say what is missing."""
    cases: dict[str, Callable] = {}
    try:
        impl = CORE[name]()
        cases.update(impl.cases)
        if impl.note:
            notes.append(impl.note)
    except Skipped as e:
        notes.append(f"skipped {name}: {e}")
        return cases
    if name == "floor":
        cases.update(extra.FLOOR)
    elif name in PEERS:
        cases.update(PEERS[name]())
    missing = [w for w in extra.WORKLOADS if w not in cases]
    if missing:
        notes.append(f"{name}: no {', '.join(missing)} written for it")
    return cases


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 warm-up call, 3 timed calls")
    parser.add_argument("--only", default=",".join(CORE), help="comma-separated implementations")
    parser.add_argument("--workloads", default=",".join(ORDER), help="comma-separated workloads")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    allocator_option(parser)
    return parse_choices(parser, argv, only=CORE, workloads=WORKLOADS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    notes: list[str] = [f"threads: BENCH_THREADS={THREADS} for NumPy's BLAS and PyTorch"]
    notes.append(set_allocator(args))
    implementations = {name: cases_of(name, notes) for name in args.only}
    print(describe_machine(notes))
    print(
        f"settings: {settings.warmup} warm-up call(s), then up to {settings.repeats} timed calls "
        f"(at least {settings.min_repeats}, stopping after {settings.budget_s:g} s); medians"
    )
    tables: dict[str, list[Row]] = {}
    for workload in args.workloads:
        title, rtol = WORKLOADS[workload]
        rows = [measure(n, c[workload](), settings) for n, c in implementations.items() if workload in c]
        tables[workload] = rows
        print_table(title, rows, floor="floor", subject="fnzero", rtol=rtol)
        sys.stdout.flush()
    print(f"\n{load_average()}")
    if args.json:
        write_json(args.json, tables, [], notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
