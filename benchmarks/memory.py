"""Peak memory of one training step, fnzero against the NumPy floor: the MLP, CNN and LSTM
steps of compare.py, measured with tracemalloc (NumPy reports its array buffers to it) after a warm-up
call, so the peak counts what one step allocates on top of the inputs.

    PYTHONPATH=. python benchmarks/memory.py
"""

from __future__ import annotations

import sys
import tracemalloc

from benchmarks import _compare_workloads as extra
from benchmarks._compare_peers import fnzero_cases
from benchmarks.core import floor, fnzero_impl


def peak_mib(make_case) -> float:
    case = make_case()
    case.run()
    tracemalloc.start()
    case.run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    factories = {
        "mlp": (floor().cases["mlp"], fnzero_impl().cases["mlp"]),
        "cnn": (extra.FLOOR["cnn"], fnzero_cases()["cnn"]),
        "lstm": (extra.FLOOR["lstm"], fnzero_cases()["lstm"]),
    }
    print(f"{'workload':<10}{'floor MiB':>12}{'fnzero MiB':>12}{'fnzero/floor':>14}")
    for name, (floor_case, ours) in factories.items():
        base, mine = peak_mib(floor_case), peak_mib(ours)
        print(f"{name:<10}{base:>12.2f}{mine:>12.2f}{mine / base:>14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
