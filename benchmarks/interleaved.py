"""One workload, its implementations called in turn, call by call: each one's time against
the first's (the floor by default), taken from the same seconds of machine time.

``benchmarks.run`` times each implementation's calls as one block, so on a machine whose
speed drifts (a shared virtual machine's can move by up to 50% within minutes) a ratio can
move between blocks. Here every round calls each implementation once, so a drift hits all of
them alike: the tool for an A/B of a change (run it in both checkouts, alternating) and for
the ratios of fnzero's targets. CPU workloads only.

    python -m benchmarks.interleaved lstm [--only floor,fnzero] [--rounds 60]
"""

from __future__ import annotations

import os

THREADS = os.environ.get("BENCH_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, THREADS)  # before NumPy loads its BLAS

import argparse  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from benchmarks import workloads  # noqa: E402
from benchmarks._harness import (  # noqa: E402
    Skipped,
    allocator_option,
    close,
    load_average,
    minor_faults,
    parse_choices,
    set_allocator,
)
from benchmarks.workloads import _common  # noqa: E402

WARMUP = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workload", help=f"one of {', '.join(workloads.DEFAULT['cpu'])}")
    parser.add_argument(
        "--only", default="floor,fnzero", help="comma-separated implementations, the first the reference"
    )
    parser.add_argument(
        "--rounds", type=int, default=60, help="timed rounds (each calls every implementation once)"
    )
    allocator_option(parser)
    args = parse_choices(parser, argv, only=workloads.IMPLEMENTATIONS)
    if args.workload not in workloads.DEFAULT["cpu"]:
        parser.error(f"unknown workload {args.workload}; choose from {', '.join(workloads.DEFAULT['cpu'])}")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    module, dev = workloads.load(args.workload), _common.cpu()
    title, rtol = module.title(dev), module.RTOL["cpu"]
    notes: list[str] = []
    allocator = set_allocator(args)
    cases = {}
    for name in args.only:
        make = workloads.factory(module, name)
        if make is None:
            notes.append(f"none written for {name}")
            continue
        try:
            cases[name] = make(dev)
        except Skipped as e:
            notes.append(f"skipped {name}: {e}")
    if len(cases) < 2:
        print(f"{args.workload}: fewer than two implementations to compare here ({'; '.join(notes)})")
        return 1
    resets = {name: case.reset or (lambda: None) for name, case in cases.items()}
    checksums = {}
    for name, case in cases.items():
        resets[name]()
        checksums[name] = float(case.digest(case.run()))
    for _ in range(WARMUP - 1):
        for name, case in cases.items():
            resets[name]()
            case.run()
    gc.collect()
    times: dict[str, list[float]] = {name: [] for name in cases}
    faults: dict[str, int] = dict.fromkeys(cases, 0)
    counted = minor_faults() is not None
    for _ in range(args.rounds):
        for name, case in cases.items():
            resets[name]()
            f0, t0 = minor_faults(), time.perf_counter()
            case.run()
            times[name].append((time.perf_counter() - t0) * 1e3)
            if counted:
                faults[name] += minor_faults() - f0
    ref = next(iter(cases))
    ref_median, ref_min = statistics.median(times[ref]), min(times[ref])
    print(f"{title}\n{args.rounds} rounds, each calling every implementation once in turn; {allocator}")
    print(
        f"{'implementation':<16}{'median ms':>11}{'min ms':>10}{f'x {ref} (med)':>17}{'(min)':>8}"
        f"{'faults':>8}"
    )
    for name, ts in times.items():
        flag = "" if close(checksums[name], checksums[ref], rtol) else "  checksum DIFFERS"
        per_call = f"{faults[name] / args.rounds:.0f}" if counted else "-"
        print(
            f"{name:<16}{statistics.median(ts):>11.3f}{min(ts):>10.3f}"
            f"{statistics.median(ts) / ref_median:>17.3f}{min(ts) / ref_min:>8.3f}{per_call:>8}{flag}"
        )
    print(load_average())
    return 0


if __name__ == "__main__":
    sys.exit(main())
