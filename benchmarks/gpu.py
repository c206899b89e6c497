"""The GPU run of ``benchmarks.run``, under the name the GPU guide uses: fnzero on CuPy against
the floor written by hand in CuPy, PyTorch eager (cuDNN), JAX jitted and DeZero, on the
workloads mlp_epoch, cnn and chain (see benchmarks/workloads/).

    python benchmarks/gpu.py [--quick] [--json PATH]     # = python -m benchmarks.run --device gpu
    python benchmarks/gpu.py --cpu --quick                # the same workloads on the CPU, to check them

Without CuPy or a GPU it says why and exits with status 0, having measured nothing.
"""

from __future__ import annotations

import os
import sys

if not __package__:  # run as a script: the repository root holds the benchmarks and fnzero
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import run  # noqa: E402
from benchmarks.workloads import DEFAULT  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--cpu" in args:
        args.remove("--cpu")
        return run.main(["--device", "cpu", "--workloads", ",".join(DEFAULT["gpu"]), *args])
    return run.main(["--device", "gpu", *args])


if __name__ == "__main__":
    sys.exit(main())
