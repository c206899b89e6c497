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
import sys  # noqa: E402

from benchmarks import workloads  # noqa: E402
from benchmarks._harness import (  # noqa: E402
    Skipped,
    allocator_option,
    close,
    load_average,
    measure_interleaved,
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
    rows = measure_interleaved(cases, args.rounds, WARMUP)
    ref = rows[0]
    ref_median, ref_min = ref.median_ms, min(ref.times_ms)
    print(f"{title}\n{args.rounds} rounds, each calling every implementation once in turn; {allocator}")
    print(
        f"{'implementation':<16}{'median ms':>11}{'min ms':>10}{f'x {ref.name} (med)':>17}{'(min)':>8}"
        f"{'faults':>8}"
    )
    for r in rows:
        flag = "" if close(r.checksum, ref.checksum, rtol) else "  checksum DIFFERS"
        per_call = "-" if r.faults is None else f"{r.faults:.0f}"
        print(
            f"{r.name:<16}{r.median_ms:>11.3f}{min(r.times_ms):>10.3f}"
            f"{r.median_ms / ref_median:>17.3f}{min(r.times_ms) / ref_min:>8.3f}{per_call:>8}{flag}"
        )
    print("\n".join([*notes, load_average()]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
