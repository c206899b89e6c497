"""vmap: per-example gradients and Jacobians through batching, against the loops they replace.

- per-example gradients of a 784-256-10 MLP's cross-entropy for a batch of 128 (float32):
  ``vmap(grad(loss), in_axes=(None, 0, 0))``, a Python loop of ``grad`` over the examples, and
  one ordinary gradient of the batch's mean loss (same work, no per-example output), and the
  NumPy time of only writing the 128 per-example 784 x 256 weight gradients (a memory floor),
  with peers when importable (``jax.jit(jax.vmap(jax.grad))``, JAX's eager vmap, PyTorch's
  ``torch.func.vmap(grad)``, from benchmarks/workloads/per_example.py, whose data these are)
  and the floor analysis: bytes written and the effective write rate of each row;
- dropout on 128 examples of 1024 features with one key per example (``split(key, 128)``):
  vmap (one Threefry kernel call for every key) against the loop over examples;
- the Jacobian of x -> tanh(A x) * sum(x), R^100 -> R^100 (float64): ``jacrev`` (one backward
  sweep vmapped over the 100 basis vectors) against the per-row loop it replaced (one backward
  sweep of the same tape per row, reproduced here).

Each row is the median (and minimum) wall-clock time of one call after warm-up
(``benchmarks._harness.measure``). Run from the repository root with one BLAS thread:
``OPENBLAS_NUM_THREADS=1 python -m benchmarks.vmap_bench`` (``--quick`` for a smoke run,
``--no-peers`` to skip JAX and PyTorch).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from benchmarks._harness import FULL, QUICK, Case, Settings, Skipped, measure
from benchmarks.workloads import _common, per_example
from fnzero.core.reverse import backward
from fnzero.transforms._inputs import cotangent_of, record

BATCH, D_IN, D_HIDDEN, D_OUT = 128, 784, 256, 10
N_JAC = 100

PARAMS, XS, TS = per_example.data()
_rng = np.random.default_rng(0)
A = _rng.standard_normal((N_JAC, N_JAC)) / np.sqrt(N_JAC)
X_JAC = _rng.standard_normal(N_JAC)


def loss(params, x, t):
    h = nn.relu(x @ params["W1"] + params["b1"])
    return nn.softmax_cross_entropy(h @ params["W2"] + params["b2"], t)


def per_example_vmap():
    return fz.vmap(fz.grad(loss), in_axes=(None, 0, 0))(PARAMS, XS, TS)


def per_example_loop():
    grads = [fz.grad(loss)(PARAMS, x, t) for x, t in zip(XS, TS)]
    return {k: np.stack([g[k] for g in grads]) for k in PARAMS}


def batched_gradient():
    return fz.grad(loss)(PARAMS, XS, TS)


H_GRAD = _rng.standard_normal((BATCH, D_HIDDEN)).astype(np.float32)


def outer_products_floor():
    """Only writing the per-example weight gradients (NumPy outer products, no engine): the
    memory floor of any per-example gradient that materializes them (128 x 784 x 256 floats)."""
    return XS[:, :, None] * H_GRAD[:, None, :]


DW1_SHAPE = (BATCH, D_IN, D_HIDDEN)
PER_EXAMPLE_BYTES = 4 * BATCH * (D_IN * D_HIDDEN + D_HIDDEN + D_HIDDEN * D_OUT + D_OUT)
_REUSED = np.empty(DW1_SHAPE, np.float32)


def fresh_write_floor():
    """Filling 128 x 784 x 256 floats of new memory: what any library returning a new array
    pays at least (the kernel maps and zeroes fresh pages on first touch)."""
    out = np.empty(DW1_SHAPE, np.float32)
    out.fill(1.0)
    return out


def reused_write_floor():
    """Filling the same floats of memory written before (no page faults): the bandwidth floor."""
    _REUSED.fill(1.0)
    return _REUSED


KEYS = fz.random.split(fz.random.key(0), BATCH)
H_DROP = np.ones((BATCH, 4 * D_HIDDEN), np.float32)


def _drop(key, h):
    return nn.dropout(h, 0.5, key=key, train=True)


def dropout_vmap():
    """Dropout with one key per example: one Threefry call draws every example's mask."""
    return fz.vmap(_drop)(KEYS, H_DROP)


def dropout_loop():
    return np.stack([_drop(k, h) for k, h in zip(KEYS, H_DROP)])


def jac_target(x):
    return fnp.tanh(A @ x) * fnp.sum(x)


def jacrev_vmapped():
    return fz.jacrev(jac_target)(X_JAC)


def jacrev_row_loop():
    """The per-row jacrev that vmap replaced: one backward sweep of one tape per output."""
    rec = record(jac_target, [X_JAC], False, "jacrev")
    (w,) = rec.watched[0]
    i = rec.out._index
    rows = []
    for r in range(N_JAC):
        seed = np.zeros(N_JAC)
        seed[r] = 1.0
        rows.append(cotangent_of(w._value, w, backward(rec.tape, {i: seed})))
    return np.stack(rows)


SETTINGS = Settings(warmup=2, repeats=21, min_repeats=5, budget_s=FULL.budget_s)


def time_call(run: Callable[[], object], quick: bool) -> tuple[float, float, float]:
    """Median and minimum milliseconds of ``run()`` after warm-up, through the harness, and
    the checksum of its first call."""
    row = measure("", Case(run, _checksum), QUICK if quick else SETTINGS)
    return row.median_ms, min(row.times_ms), row.checksum


def _checksum(out) -> float:
    leaves = out.values() if isinstance(out, dict) else fz.tree.leaves(out)
    return float(sum(np.sum(np.asarray(leaf, dtype=np.float64)) for leaf in leaves))


def _peers() -> dict[str, Callable[[], object]]:
    """per_example's peers on the same data: JAX jitted and eager, PyTorch's torch.func."""
    dev, rows = _common.cpu(), {}
    makers = {
        "jax-jit: jit(vmap(grad))": lambda: per_example.jax_run(dev, jit=True),
        "jax: vmap(grad), eager": lambda: per_example.jax_run(dev, jit=False),
        "torch: func.vmap(grad)": lambda: per_example.torch_run(dev),
    }
    for name, make in makers.items():
        try:
            rows[name] = make()
        except Skipped as e:
            print(f"peer skipped: {name}: {e}")
    return rows


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 warm-up call and 3 timed calls")
    parser.add_argument("--no-peers", action="store_true", help="skip JAX and PyTorch")
    args = parser.parse_args(argv)
    same_grads = all(
        np.allclose(a, b, rtol=1e-4, atol=1e-6)
        for a, b in zip(fz.tree.leaves(per_example_vmap()), fz.tree.leaves(per_example_loop()))
    )
    same_jac = np.allclose(jacrev_vmapped(), jacrev_row_loop(), rtol=1e-12)
    same_masks = np.array_equal(dropout_vmap(), dropout_loop())
    peers = {} if args.no_peers else _peers()
    rows = {
        "per-example grads: vmap(grad)": per_example_vmap,
        "per-example grads: python loop": per_example_loop,
        **peers,
        "one batched gradient (floor)": batched_gradient,
        "writing per-example dW1 (numpy)": outer_products_floor,
        "filling fresh memory (numpy)": fresh_write_floor,
        "filling reused memory (numpy)": reused_write_floor,
        "dropout, 128 keys x 1024: vmap": dropout_vmap,
        "dropout, 128 keys x 1024: loop": dropout_loop,
        "jacrev R^100->R^100: vmapped": jacrev_vmapped,
        "jacrev R^100->R^100: row loop": jacrev_row_loop,
    }
    ms, best = {}, {}
    print(f"{'workload':<40}{'median ms':>10}{'min ms':>9}  checksum")
    for name, run in rows.items():
        ms[name], best[name], checksum = time_call(run, args.quick)
        print(f"{name:<40}{ms[name]:>10.3f}{best[name]:>9.3f}  {checksum:.8g}")
    print(f"per-example grads equal the loop: {same_grads}; jacrev equals the row loop: {same_jac}")
    print(f"dropout with batched keys equals the loop bit for bit: {same_masks}")
    _floor_analysis(ms, best, peers)
    speedup = ms["per-example grads: python loop"] / ms["per-example grads: vmap(grad)"]
    overhead = ms["per-example grads: vmap(grad)"] / ms["one batched gradient (floor)"]
    jac = ms["jacrev R^100->R^100: row loop"] / ms["jacrev R^100->R^100: vmapped"]
    print(f"target loop / vmap >= 10: {speedup:.3g} ({'PASS' if speedup >= 10 else 'MISS'})")
    print(f"target vmap / batched gradient <= 3: {overhead:.3g} ({'PASS' if overhead <= 3 else 'MISS'})")
    print(f"target jacrev row loop / vmapped >= 10: {jac:.3g} ({'PASS' if jac >= 10 else 'MISS'})")
    drop = ms["dropout, 128 keys x 1024: loop"] / ms["dropout, 128 keys x 1024: vmap"]
    print(f"dropout with batched keys, loop / vmap: {drop:.3g}")
    return ms


def _floor_analysis(ms: dict, best: dict, peers: dict) -> None:
    """Bytes every per-example gradient writes, and the rate each row writes them at."""
    dw1 = 4 * BATCH * D_IN * D_HIDDEN
    print(
        f"floor: per-example gradients are {PER_EXAMPLE_BYTES / 1e6:.1f} MB "
        f"({dw1 / 1e6:.1f} MB of them the 128 dW1); effective write rate (median / best):"
    )
    written = {name: PER_EXAMPLE_BYTES for name in ["per-example grads: vmap(grad)", *peers]}
    for name in ("writing per-example dW1", "filling fresh memory", "filling reused memory"):
        written[f"{name} (numpy)"] = dw1
    for name, nbytes in written.items():
        print(f"  {name:<40}{nbytes / ms[name] / 1e6:>7.1f} / {nbytes / best[name] / 1e6:.1f} GB/s")
    fastest = min(peers, key=ms.get, default=None)
    if fastest is not None:
        ratio = ms["per-example grads: vmap(grad)"] / ms[fastest]
        print(f"  fnzero vmap(grad) / fastest peer ({fastest}): {ratio:.2f}x")
    floor = ms["filling fresh memory (numpy)"]
    print(f"  fnzero vmap(grad) / filling fresh memory: {ms['per-example grads: vmap(grad)'] / floor:.2f}x")


if __name__ == "__main__":
    main()
