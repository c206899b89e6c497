"""Convolution and max pooling, forward + backward, against PyTorch CPU eager and DeZero.

Workloads (float32, one process, same data for every library):

- conv: ``conv2d`` of a (32, 3, 32, 32) batch with 16 3x3 filters, padding 1, plus bias;
  the backward pass gives the gradients of input, weight and bias for a fixed cotangent;
- pool: ``max_pool2d`` of a (32, 16, 32, 32) batch, 2x2 windows, stride 2, and its backward.

Target (issue 4): fnzero within 2x of PyTorch. Peers that cannot be imported are skipped with
a note (PyTorch and DeZero live in /work/bench-venv). Each library runs in blocks of calls,
the blocks taking turns; times are medians over all calls. (Calls are not interleaved one by
one: the BLAS and OpenMP worker threads of one library spin for a while after it returns and
would slow whichever library runs next.)

Every library gets the same number of threads, BENCH_THREADS (default 1: on a small shared
machine, worker threads waiting for a busy core make multi-threaded timings meaningless).

    PYTHONPATH=. /work/bench-venv/bin/python benchmarks/conv_bench.py [--blocks 5 --calls 10]
"""

from __future__ import annotations

import os

THREADS = int(os.environ.get("BENCH_THREADS", "1"))
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))  # before NumPy loads its BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

import fnzero as fz  # noqa: E402
import fnzero.nn as nn  # noqa: E402

Run = Callable[[], object]


def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    f32 = np.float32
    return {
        "x": rng.standard_normal((32, 3, 32, 32)).astype(f32),
        "W": (rng.standard_normal((16, 3, 3, 3)) * 0.2).astype(f32),
        "b": rng.standard_normal(16).astype(f32),
        "gy": rng.standard_normal((32, 16, 32, 32)).astype(f32),
        "p": rng.standard_normal((32, 16, 32, 32)).astype(f32),
        "gp": rng.standard_normal((32, 16, 16, 16)).astype(f32),
    }


def fnzero_cases(d: dict) -> dict[str, Run]:
    def conv():
        _, pullback = fz.vjp(lambda x, w, b: nn.conv2d(x, w, b, padding=1), d["x"], d["W"], d["b"])
        return pullback(d["gy"])

    def pool():
        _, pullback = fz.vjp(lambda x: nn.max_pool2d(x, 2), d["p"])
        return pullback(d["gp"])

    return {"conv": conv, "pool": pool}


def torch_cases(d: dict) -> tuple[dict[str, Run], str]:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(THREADS)
    t = {k: torch.from_numpy(v) for k, v in d.items()}

    def conv():
        x, w, b = (t[k].clone().requires_grad_() for k in ("x", "W", "b"))
        y = F.conv2d(x, w, b, padding=1)
        return [g.numpy() for g in torch.autograd.grad(y, (x, w, b), t["gy"])]

    def pool():
        x = t["p"].clone().requires_grad_()
        y = F.max_pool2d(x, 2)
        return [g.numpy() for g in torch.autograd.grad(y, (x,), t["gp"])]

    return {"conv": conv, "pool": pool}, f"torch {torch.__version__}, {torch.get_num_threads()} threads"


def dezero_cases(d: dict) -> tuple[dict[str, Run], str]:
    if not hasattr(np, "int"):
        np.int = int  # DeZero still spells int as np.int, which NumPy 2 removed
    import dezero
    import dezero.functions as F

    def conv():
        x, w, b = (dezero.Variable(d[k]) for k in ("x", "W", "b"))
        y = F.conv2d(x, w, b, stride=1, pad=1)
        y.grad = dezero.Variable(d["gy"])
        y.backward()
        return [v.grad.data for v in (x, w, b)]

    def pool():
        x = dezero.Variable(d["p"])
        y = F.pooling(x, 2, stride=2)
        y.grad = dezero.Variable(d["gp"])
        y.backward()
        return [x.grad.data]

    return {"conv": conv, "pool": pool}, f"dezero {getattr(dezero, '__version__', '')}".strip()


def _checksum(grads) -> float:
    return float(sum(np.sum(np.asarray(g, dtype=np.float64) ** 2) for g in grads))


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--calls", type=int, default=10, help="calls per block")
    args = parser.parse_args(argv)
    d = data()
    libraries: dict[str, dict[str, Run]] = {"fnzero": fnzero_cases(d)}
    for name, make in (("pytorch", torch_cases), ("dezero", dezero_cases)):
        try:
            cases, note = make(d)
        except Exception as e:  # a missing or broken peer is skipped, with the reason
            print(f"skipping {name}: {type(e).__name__}: {e}")
            continue
        libraries[name] = cases
        print(f"{name}: {note}")
    print(f"numpy {np.__version__}, {THREADS} BLAS thread(s)")
    print(f"medians of {args.blocks} blocks x {args.calls} calls, after warm-up")
    medians: dict[str, dict[str, float]] = {}
    for workload in ("conv", "pool"):
        runs = {lib: cases[workload] for lib, cases in libraries.items()}
        sums = {lib: _checksum(run()) for lib, run in runs.items()}
        for run in runs.values():
            run()
        times: dict[str, list[float]] = {lib: [] for lib in runs}
        for _ in range(args.blocks):
            for lib, run in runs.items():
                for _ in range(args.calls):
                    start = time.perf_counter()
                    run()
                    times[lib].append((time.perf_counter() - start) * 1e3)
        medians[workload] = {lib: statistics.median(t) for lib, t in times.items()}
        print(f"\n{workload}: forward + backward")
        for lib, t in times.items():
            agree = np.isclose(sums[lib], sums["fnzero"], rtol=1e-3)
            print(
                f"  {lib:8s} {medians[workload][lib]:8.3f} ms  ({min(t):.3f}..{max(t):.3f})  "
                f"checksum {sums[lib]:.6g}{'' if agree else '  (DIFFERS from fnzero)'}"
            )
        for peer in runs:
            if peer != "fnzero":
                ratio = medians[workload]["fnzero"] / medians[workload][peer]
                print(f"  ratio fnzero / {peer}: {ratio:.2f}x")
        if "pytorch" in runs:
            ratio = medians[workload]["fnzero"] / medians[workload]["pytorch"]
            print(f"  target within 2x of PyTorch: {'met' if ratio <= 2 else 'NOT met'} ({ratio:.2f}x)")
    return medians


if __name__ == "__main__":
    main()
