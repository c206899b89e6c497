"""MLP step time against batch size and hidden width: where per-op overhead dominates and
where BLAS does. fnzero, the NumPy floor and PyTorch (when importable), one thread each.

Two sweeps of the 784-H-10 MLP SGD step of benchmarks/workloads/mlp.py (float32): batch
1..1024 at H = 1000, and width H = 64..4096 at batch 100. Prints the medians and ratios, and
draws docs/scaling.png (needs matplotlib; without it only the table).

    python -m benchmarks.scaling [--quick] [--png PATH]
"""

from __future__ import annotations

import os

THREADS = os.environ.get("BENCH_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, THREADS)  # before NumPy loads its BLAS

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402

from benchmarks._harness import Settings, Skipped, describe_machine, load_average, measure  # noqa: E402
from benchmarks.workloads import _common, mlp  # noqa: E402
from benchmarks.workloads.mlp import BATCH, N_HIDDEN  # noqa: E402

BATCHES = (1, 4, 16, 64, 256, 1024)
WIDTHS = (64, 256, 1024, 4096)
SETTINGS = Settings(warmup=2, repeats=21, min_repeats=5, budget_s=1.5)
QUICK = Settings(warmup=1, repeats=2, min_repeats=2, budget_s=0.0)


def _unchecked(out) -> float:
    return 0.0


def steps() -> dict[str, Callable]:
    """name -> make(x, t, params) -> Case (checksums off: every size has its own numbers)."""
    dev = _common.cpu()
    makers = {"floor": mlp.floor_case, "fnzero": mlp.fnzero_case}
    try:
        _common.torch(dev)
        makers["torch"] = lambda x, t, p: mlp.torch_case(x, t, p, dev)
    except Skipped as e:
        print(f"skipped torch: {e}")
    return {name: _no_checksum(make) for name, make in makers.items()}


def _no_checksum(make: Callable) -> Callable:
    return lambda *data: dataclasses.replace(make(*data), digest=_unchecked)


def sweep(label: str, sizes, data_of, makers, settings) -> dict[str, list[tuple[float, float]]]:
    """Per implementation, (median, min) ms at each size; the table shows medians."""
    print(f"\n{label:>8}" + "".join(f"{n:>12}" for n in makers) + "   fnzero/floor  fnzero/torch")
    times: dict[str, list[tuple[float, float]]] = {n: [] for n in makers}
    for size in sizes:
        data = data_of(size)
        rows = {n: measure(n, make(*data), settings) for n, make in makers.items()}
        row = {n: r.median_ms for n, r in rows.items()}
        for n, r in rows.items():
            times[n].append((r.median_ms, min(r.times_ms)))
        ratios = f"{row['fnzero'] / row['floor']:>15.2f}"
        ratios += f"{row['fnzero'] / row['torch']:>14.2f}" if "torch" in row else ""
        print(f"{size:>8}" + "".join(f"{row[n]:>12.3f}" for n in makers) + ratios)
        sys.stdout.flush()
    return times


def draw(path: str, batch: dict, width: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, sizes, medians, xlabel in (
        (axes[0], BATCHES, batch, f"batch size (hidden width {N_HIDDEN})"),
        (axes[1], WIDTHS, width, f"hidden width (batch {BATCH})"),
    ):
        for name, ms in medians.items():
            line = ax.loglog(sizes, [m for m, _ in ms], marker="o", label=name)[0]
            ax.loglog(sizes, [f for _, f in ms], ls="--", color=line.get_color(), alpha=0.6, label="_")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("ms per SGD step (median; dashed: min)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"MLP 784-H-10 SGD step, float32, {THREADS} thread(s)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 warm-up, 2 timed calls per point")
    parser.add_argument("--png", default="docs/scaling.png", help="where to draw (default docs/scaling.png)")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else SETTINGS
    print(describe_machine([f"threads: BENCH_THREADS={THREADS} for NumPy's BLAS and PyTorch"]))
    makers = steps()
    batch = sweep("batch", BATCHES, lambda b: mlp.data(batch=b), makers, settings)
    width = sweep("width", WIDTHS, lambda w: mlp.data(hidden=w), makers, settings)
    print(load_average())
    try:
        draw(args.png, batch, width)
    except ImportError:
        print("matplotlib is not importable: no PNG")
    return 0


if __name__ == "__main__":
    sys.exit(main())
