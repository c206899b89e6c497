"""Data parallelism on CPU: one MLP epoch in 2 MPI processes (one BLAS thread each) against 1.

    python -m benchmarks.distributed_bench [--examples 10000] [--repeats 3]

Reports the epoch time of each, the speed-up, the time per step spent in the gradient
``pmean`` (one flat buffer), and the same reduction done leaf by leaf (one message each).
The MLP is 784-1000-10 on synthetic MNIST-shaped data, global batch 100, plain SGD. Both
runs see the same global batches; epochs (after one warm-up epoch) and reductions are timed
by ``benchmarks._harness.measure``, the same number of calls on every rank. Needs
``pip install -e ".[distributed]"``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if not __package__:  # run as a script (the workers are): the repository root holds fnzero
    sys.path.insert(0, str(ROOT))

from benchmarks._harness import Case, Settings, measure  # noqa: E402

BATCH = 100
REDUCTIONS = 50  # reductions timed in the flat-versus-per-leaf comparison


def worker(examples: int, repeats: int) -> None:
    """One process's share of the epoch; rank 0 prints the timings as JSON."""
    import fnzero as fz
    import fnzero.distributed as dist
    import fnzero.nn as nn
    from fnzero import data, optim, random

    dist.init()
    rng = np.random.default_rng(0)
    train_set = data.ArrayDataset(
        rng.random((examples, 784), dtype=np.float32), rng.integers(0, 10, examples)
    )
    model = nn.MLP([784, 1000, 10], key=random.key(0))
    opt = optim.sgd(0.1)
    opt_state = opt.init(model)
    step = fz.value_and_grad(lambda m, x, t: nn.softmax_cross_entropy(m(x), t))
    loader = data.DataLoader(train_set, BATCH, key=random.key(1), rank=dist.rank(), size=dist.size())
    state = {"model": model, "opt": opt_state}
    collective, compute = [], []

    def epoch():
        in_collective, in_compute = 0.0, 0.0
        model, opt_state = state["model"], state["opt"]
        for x, t in loader:
            g = time.perf_counter()
            _, grads = step(model, x, t)
            c = time.perf_counter()
            in_compute += c - g
            grads = dist.pmean(grads)
            in_collective += time.perf_counter() - c
            updates, opt_state = opt.update(grads, opt_state, model)
            model = optim.apply_updates(model, updates)
        state.update(model=model, opt=opt_state, grads=grads)
        collective.append(in_collective / len(loader))
        compute.append(in_compute / len(loader))

    # The same number of calls on every rank (no time budget): each call is a collective.
    epochs = measure("epoch", Case(epoch, _no_checksum), _exactly(repeats))
    model, grads = state["model"], state["grads"]
    flat, per_leaf = _reduction_times(dist, grads, fz.tree.leaves(grads))
    if dist.rank() == 0:
        result = {
            "processes": dist.size(),
            "steps": len(loader),
            "epoch_s": epochs.median_ms / 1e3,
            "collective_ms_per_step": 1e3 * float(np.median(collective[1:])),
            "gradient_ms_per_step": 1e3 * float(np.median(compute[1:])),
            "flat_ms": flat,
            "per_leaf_ms": per_leaf,
            "checksum": float(sum(np.abs(leaf).sum() for leaf in fz.tree.leaves(model))),
        }
        print(json.dumps(result), flush=True)


def _no_checksum(out) -> float:
    return 0.0


def _exactly(calls: int) -> Settings:
    """One warm-up call, then exactly ``calls`` timed calls."""
    return Settings(warmup=1, repeats=calls, min_repeats=calls, budget_s=0.0)


def _reduction_times(dist, grads, leaves) -> tuple[float, float]:
    """Median ms of one gradient psum as one flat buffer and as one call per leaf."""
    flat = measure("flat", Case(lambda: dist.psum(grads), _no_checksum), _exactly(REDUCTIONS))
    per_leaf = measure(
        "per leaf", Case(lambda: [dist.psum(leaf) for leaf in leaves], _no_checksum), _exactly(REDUCTIONS)
    )
    return flat.median_ms, per_leaf.median_ms


def launch(processes: int, examples: int, repeats: int) -> dict:
    script = [sys.executable, __file__, "--worker", "--examples", str(examples), "--repeats", str(repeats)]
    if processes > 1:
        mpiexec = Path(sys.executable).parent / "mpiexec"
        mpiexec = str(mpiexec) if mpiexec.exists() else shutil.which("mpiexec")
        if mpiexec is None:
            raise SystemExit("no mpiexec beside this Python or on PATH (pip install -e '.[distributed]')")
        script = [
            mpiexec,
            "-n",
            str(processes),
            *script,
        ]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run(script, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.examples, args.repeats)
        return
    one, two = launch(1, args.examples, args.repeats), launch(2, args.examples, args.repeats)
    step_ms = 1e3 * two["epoch_s"] / two["steps"]
    print(f"MLP 784-1000-10, {args.examples} examples, global batch {BATCH}, {two['steps']} steps per epoch")
    print(f"1 process  x 1 thread : epoch {one['epoch_s']:.3f} s")
    print(
        f"2 processes x 1 thread: epoch {two['epoch_s']:.3f} s   "
        f"speed-up {one['epoch_s'] / two['epoch_s']:.2f}x"
    )
    print(
        f"pmean of the gradients: {two['collective_ms_per_step']:.2f} ms per step "
        f"({100 * two['collective_ms_per_step'] / step_ms:.1f}% of a {step_ms:.1f} ms step)"
    )
    print(
        f"one gradient psum: flat buffer {two['flat_ms']:.2f} ms, "
        f"one call per leaf {two['per_leaf_ms']:.2f} ms "
        f"(ratio {two['per_leaf_ms'] / two['flat_ms']:.2f})"
    )
    print(
        f"forward + backward per step: 1 process {one['gradient_ms_per_step']:.2f} ms (whole batch), "
        f"2 processes {two['gradient_ms_per_step']:.2f} ms (half batch, rank 0)"
    )
    print(
        f"parameter checksums (same global batches): 1 process {one['checksum']:.4f}, 2 {two['checksum']:.4f}"
    )


if __name__ == "__main__":
    main()
