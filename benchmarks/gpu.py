"""fnzero on a GPU (the CuPy backend) against a hand-written CuPy training step (the floor),
PyTorch eager (cuDNN), JAX jitted and DeZero, in one process, on the same data (issue 7).

Workloads (see benchmarks/_gpu_workloads.py):

- mlp_epoch: an epoch of 600 SGD steps of a 784-1000-10 ReLU MLP, batch 100, float32;
- cnn:       one SGD step on a (128, 3, 32, 32) batch: conv 3x3x32 pad 1, relu, max-pool 2,
             conv 3x3x64 pad 1, relu, max-pool 2, linear 10, softmax cross-entropy;
- chain:     grad of 2,000 iterations of x = sin(x) * 1.001 + 0.1 * cos(x) on a 0-d float64
             array on the GPU (10,000 primitives: overhead per primitive and per kernel launch).

Every implementation waits for the device before its clock stops. All run full float32
arithmetic (TF32 off in PyTorch, 'highest' matmul precision in JAX). Each table: median and
fastest ms, the ratio to the CuPy floor, fnzero over each row, a checksum per row; then the
issue's targets with PASS or MISS, for fnzero eager and fnzero.jit.

On a GPU machine, from the repository root (the script finds fnzero there; an installed
fnzero, ``pip install --no-deps --no-build-isolation -e .`` on a machine with no network, works
too):

    python benchmarks/gpu.py [--quick] [--json PATH]

Without CuPy or without a GPU it says so and exits with status 0, having measured nothing.
``--cpu`` runs every implementation on the CPU instead (NumPy for CuPy) at small sizes: a check
of the script and its checksums on any machine; its timings mean nothing for the GPU.
"""

from __future__ import annotations

import os
import sys

if not __package__:  # run as a script: the repository root holds the benchmarks and fnzero
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# JAX takes 75% of the GPU's memory on import unless told not to; CuPy and PyTorch share it here.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

import argparse  # noqa: E402

from benchmarks._gpu_peers import IMPLEMENTATIONS  # noqa: E402
from benchmarks._gpu_workloads import FLOOR, Device, cpu_device, gpu_device, workload_titles  # noqa: E402
from benchmarks._harness import (  # noqa: E402
    FULL,
    QUICK,
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

ORDER = ("mlp_epoch", "cnn", "chain")
NAMES = ("floor", *IMPLEMENTATIONS)
# The reference numbers (H100, measured elsewhere); DeZero's CNN step stands in for a
# DeZero row when DeZero is not importable.
DEZERO_CNN_REFERENCE_MS = 5.1
REFERENCE = (
    "issue 7's reference numbers (H100, measured elsewhere): MLP epoch: CuPy by hand 517 ms, "
    "PyTorch 613 ms, JAX jit 292 ms, DeZero 1,436 ms; CNN step: PyTorch 1.38 ms, JAX jit 0.70 ms, "
    "DeZero 5.1 ms; chain grad: PyTorch 363 ms, DeZero 975 ms"
)


def why_no_gpu() -> str | None:
    """None when CuPy can run on a GPU here; otherwise why not, in one sentence."""
    try:
        import cupy
    except ImportError as e:
        return f"CuPy is not importable ({e}); install the cupy-cudaXXx wheel matching your CUDA"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDA driver missing or broken: CuPy raises its own types
        return f"CuPy found no usable GPU ({type(e).__name__}: {e})"
    return None if count > 0 else "CuPy found no GPU"


def describe_gpu(dev: Device) -> str:
    if dev.backend != "cupy":
        return "device: CPU (--cpu: a check of the script; these timings say nothing about a GPU)"
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    return f"device: {name}, CuPy {cupy.__version__}, CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}"


def targets(tables: dict[str, list[Row]], on_gpu: bool) -> list[str]:
    """The issue's targets, for fnzero eager and fnzero.jit: MLP epoch <= 1.15x the CuPy floor,
    CNN step <= 2x PyTorch and >= 2.5x faster than DeZero, chain grad faster than PyTorch."""

    def median(workload: str, name: str) -> float | None:
        row = next((r for r in tables.get(workload, []) if r.name == name), None)
        return None if row is None else row.median_ms

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else a / b

    lines = []
    for ours in ("fnzero", "fnzero-jit"):
        cnn = median("cnn", ours)
        dezero, source = median("cnn", "dezero"), "measured here"
        if dezero is None:
            dezero, source = (DEZERO_CNN_REFERENCE_MS, "the issue's reference") if on_gpu else (None, "-")
        mlp_vs_floor = ratio(median("mlp_epoch", ours), median("mlp_epoch", "floor"))
        chain_vs_torch = ratio(median("chain", ours), median("chain", "torch"))
        lines += [
            target_line(f"{ours} MLP epoch", mlp_vs_floor, 1.15, "x floor", inclusive=True),
            target_line(f"{ours} CNN step", ratio(cnn, median("cnn", "torch")), 2, "x torch", inclusive=True),
            target_line(
                f"{ours} CNN vs DeZero ({source})", ratio(cnn, dezero), 0.4, "x dezero", inclusive=True
            ),
            target_line(f"{ours} chain grad", chain_vs_torch, 1, "x torch"),
        ]
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 warm-up call, 3 timed calls")
    parser.add_argument("--cpu", action="store_true", help="CPU, small sizes: checks the script")
    parser.add_argument(
        "--only", default=",".join(NAMES), help=f"comma-separated subset of {','.join(NAMES)}"
    )
    parser.add_argument(
        "--workloads", default=",".join(ORDER), help=f"comma-separated subset of {','.join(ORDER)}"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    return parse_choices(parser, argv, only=NAMES, workloads=ORDER)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.cpu:
        reason = why_no_gpu()
        if reason is not None:
            print(f"benchmarks/gpu.py: no GPU run here: {reason}. Nothing was measured.")
            print("(--cpu runs the implementations on the CPU instead, to check the script.)")
            return 0
    dev = cpu_device() if args.cpu else gpu_device()
    settings = QUICK if args.quick else FULL
    notes: list[str] = [describe_gpu(dev), REFERENCE]
    implementations: dict[str, dict] = {}
    for name in args.only:
        try:
            cases = dict(FLOOR) if name == "floor" else IMPLEMENTATIONS[name](dev)
        except Skipped as e:
            notes.append(f"skipped {name}: {e}")
            continue
        note = cases.pop("_note", None)
        if note:
            notes.append(note)
        implementations[name] = cases
    print(describe_machine(notes))
    print(
        f"settings: {settings.warmup} warm-up call(s), then up to {settings.repeats} timed calls "
        f"(at least {settings.min_repeats}, stopping after {settings.budget_s:g} s); medians"
    )
    titles = workload_titles(dev)
    tables: dict[str, list[Row]] = {}
    for workload in args.workloads:
        title, rtol = titles[workload]
        rows = []
        for name, cases in implementations.items():
            factory = cases[workload]
            rows.append(measure(name, factory(dev) if name == "floor" else factory(), settings))
        tables[workload] = rows
        print_table(title, rows, floor="floor", subject="fnzero", rtol=rtol)
        jit = next((r for r in rows if r.name == "fnzero-jit"), None)
        if jit is not None:
            ratios = ", ".join(f"{r.name} {jit.median_ms / r.median_ms:.2f}" for r in rows if r is not jit)
            print(f"fnzero-jit/peer: {ratios}")
        sys.stdout.flush()
    lines = targets(tables, on_gpu=dev.backend == "cupy")
    print(f"\n{load_average()}")
    if dev.backend != "cupy":
        print("--cpu: the targets below are the GPU's; on the CPU they only show the script runs")
    print("\n".join(lines))
    if args.json:
        write_json(args.json, tables, lines, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
