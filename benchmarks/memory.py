"""Peak memory of one training step, fnzero against the NumPy floor: the mlp, cnn and lstm
workloads of benchmarks/workloads/, measured with tracemalloc (NumPy reports its array buffers
to it) after a warm-up call, so the peak counts what one step allocates on top of its inputs.

    python -m benchmarks.memory
"""

from __future__ import annotations

import sys
import tracemalloc

from benchmarks import workloads
from benchmarks._harness import Case
from benchmarks.workloads import _common

WORKLOADS = ("mlp", "cnn", "lstm")


def peak_mib(case: Case) -> float:
    """The largest memory traced during one call of ``case.run`` after a warm-up call."""
    case.run()
    tracemalloc.start()
    case.run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    dev = _common.cpu()
    print(f"{'workload':<10}{'floor MiB':>12}{'fnzero MiB':>12}{'fnzero/floor':>14}")
    for name in WORKLOADS:
        module = workloads.load(name)
        base, mine = peak_mib(module.floor(dev)), peak_mib(module.fnzero(dev, jit=False))
        print(f"{name:<10}{base:>12.2f}{mine:>12.2f}{mine / base:>14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
