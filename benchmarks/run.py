"""Every workload in ``benchmarks/workloads/`` against the hand-written floor and every peer,
one table each, every timing through ``benchmarks._harness.measure``.

Each table: median and fastest ms, runs, the ratio to the floor (of medians and of the
fastest calls), fnzero's median over each row's, minor page faults per call, and a checksum
showing every implementation computed the same numbers (``DIFFERS`` where one does not);
then fnzero's speed targets, PASS or MISS. Implementations whose library is not importable
are skipped with a note.

Threads: ``BENCH_THREADS`` (default 1) for NumPy's BLAS and PyTorch, set before NumPy loads;
XLA keeps its own pool. Freed memory is kept by glibc unless ``--default-allocator``.

    python -m benchmarks.run                                # every CPU workload and peer
    python -m benchmarks.run --quick --only floor,fnzero     # smoke run: 1 warm-up, 3 timed calls
    python -m benchmarks.run --device gpu --json gpu.json    # CuPy on a GPU

(``python benchmarks/run.py`` works too.) Without CuPy or a GPU, ``--device gpu`` says why and
exits with status 0, having measured nothing.
"""

from __future__ import annotations

import os
import sys

if not __package__:  # run as a script: the repository root holds the benchmarks and fnzero
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

THREADS = os.environ.get("BENCH_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, THREADS)  # before NumPy loads its BLAS
# JAX takes 75% of the GPU's memory on import unless told not to; CuPy and PyTorch share it.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

import argparse  # noqa: E402

from benchmarks import workloads  # noqa: E402
from benchmarks._harness import (  # noqa: E402
    FULL,
    QUICK,
    Row,
    allocator_option,
    describe_machine,
    load_average,
    parse_choices,
    print_table,
    set_allocator,
    write_json,
)
from benchmarks.workloads import _common  # noqa: E402
from benchmarks.workloads._common import Device  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 warm-up call, 3 timed calls")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="where to run (default cpu)")
    parser.add_argument(
        "--only",
        default=",".join(workloads.IMPLEMENTATIONS),
        help=f"comma-separated implementations (default: all of {','.join(workloads.IMPLEMENTATIONS)})",
    )
    parser.add_argument(
        "--workloads",
        default="",
        help=f"comma-separated subset of {','.join(workloads.NAMES)} (default: the device's usual ones)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    allocator_option(parser)
    args = parse_choices(parser, argv, only=workloads.IMPLEMENTATIONS, workloads=workloads.NAMES)
    args.workloads = args.workloads or list(workloads.DEFAULT[args.device])
    wrong = [w for w in args.workloads if args.device not in workloads.load(w).RTOL]
    if wrong:
        parser.error(f"--workloads: {', '.join(wrong)} not written for --device {args.device}")
    return args


def describe_device(dev: Device) -> str:
    if dev.kind == "cpu":
        return "device: CPU (NumPy)"
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    return f"device: {name}, CuPy {cupy.__version__}, CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.device == "gpu":
        reason = _common.why_no_gpu()
        if reason is not None:
            print(f"benchmarks.run --device gpu: no GPU run here: {reason}. Nothing was measured.")
            return 0
    dev = (_common.gpu if args.device == "gpu" else _common.cpu)(quick=args.quick)
    settings = QUICK if args.quick else FULL
    notes = [describe_device(dev), f"threads: BENCH_THREADS={THREADS} for NumPy's BLAS and PyTorch"]
    notes.append(set_allocator(args))
    impls = workloads.usable(args.only, dev, notes)
    print(describe_machine(notes))
    print(
        f"settings: {settings.warmup} warm-up call(s), then up to {settings.repeats} timed calls "
        f"(at least {settings.min_repeats}, stopping after {settings.budget_s:g} s); medians"
    )
    tables: dict[str, list[Row]] = {}
    targets: list[str] = []
    skipped_before = len(notes)
    for name in args.workloads:
        module = workloads.load(name)
        rows = workloads.measure_all(name, impls, dev, settings, notes)
        tables[name] = rows
        print_table(module.title(dev), rows, floor="floor", subject="fnzero", rtol=module.RTOL[dev.kind])
        if hasattr(module, "targets"):
            targets += module.targets({r.name: r for r in rows}, dev)
        sys.stdout.flush()
    print(f"\n{load_average()}")
    print("\n".join(notes[skipped_before:] + targets))
    if args.json:
        write_json(args.json, tables, targets, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
