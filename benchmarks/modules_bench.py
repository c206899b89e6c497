"""Training steps of fnzero's modules and optimizers against PyTorch CPU eager and DeZero.

Workloads (float32, one process, the same initial weights and batch for every library):

- mlp_adam: one Adam step of the MLP 784-1000-1000-10 (ReLU, softmax cross-entropy, batch 100);
- resnet: one SGD step of the CNN chapter's NetResDeep (width 32, 10 residual blocks of
  conv-batchnorm-relu plus skip) on a (32, 3, 32, 32) batch, batch norm in training mode.

The checksum is the loss after the step's update, evaluated again (so it depends on the
gradient and the optimizer). Peers that cannot be imported are skipped with a note; DeZero
runs the MLP only (it has no batch-norm training step matching PyTorch's here).
Threads: BENCH_THREADS (default 1) for every library.

    PYTHONPATH=. /work/bench-venv/bin/python benchmarks/modules_bench.py [--quick]
"""

from __future__ import annotations

import os

THREADS = int(os.environ.get("BENCH_THREADS", "1"))
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))  # before NumPy loads its BLAS

import argparse  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as h  # noqa: E402

import fnzero as fz  # noqa: E402
import fnzero.nn as nn  # noqa: E402
from fnzero.nn.models import NetResDeep  # noqa: E402

LR = 1e-3


def _mlp_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 784)).astype(np.float32)
    t = rng.integers(0, 10, size=100)
    model = nn.MLP([784, 1000, 1000, 10], key=fz.random.key(0))
    return x, t, model


def _resnet_data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 3, 32, 32)).astype(np.float32)
    t = rng.integers(0, 2, size=32)
    model = NetResDeep(key=fz.random.key(1), width=32, n_blocks=10)
    return x, t, model


def fnzero_cases() -> dict:
    def mlp():
        x, t, model = _mlp_data()
        opt = fz.optim.adam(LR)
        state = opt.init(model)
        loss = lambda m: nn.softmax_cross_entropy(m(x), t)
        step = fz.grad(loss)

        def run():
            updates, _ = opt.update(step(model), state, model)
            return fz.optim.apply_updates(model, updates)

        return h.Case(run, lambda m: float(loss(m)))

    def resnet():
        x, t, model = _resnet_data()
        bn = model.init_state()

        def loss(m):
            y, _ = m(x, bn, train=True)
            return nn.softmax_cross_entropy(y, t)

        step = fz.grad(loss)

        def run():
            g = step(model)
            return fz.tree.map(lambda p, d: p - LR * d, model, g)

        return h.Case(run, lambda m: float(loss(m)))

    return {"mlp_adam": mlp, "resnet": resnet}


def torch_cases() -> dict:
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        raise h.Skipped(f"torch not importable ({e})") from e
    torch.set_num_threads(THREADS)

    def mlp():
        x, t, model = _mlp_data()
        params = [torch.tensor(np.asarray(p), requires_grad=True) for p in fz.tree.leaves(model)]
        xt, tt = torch.tensor(x), torch.tensor(t)
        opt = torch.optim.Adam(params, lr=LR)

        def forward():
            w1, b1, w2, b2, w3, b3 = params
            hid = torch.relu(torch.relu(xt @ w1 + b1) @ w2 + b2)
            return F.cross_entropy(hid @ w3 + b3, tt)

        def run():
            opt.zero_grad()
            forward().backward()
            opt.step()
            return params

        return h.Case(run, lambda _: float(forward()))

    def resnet():
        x, t, model = _resnet_data()
        leaves = {
            p: torch.tensor(np.asarray(v), requires_grad=True) for p, v in fz.tree.flatten_with_path(model)
        }
        xt, tt = torch.tensor(x), torch.tensor(t)
        n_blocks = len(model.blocks)
        stats = [(torch.zeros(32), torch.ones(32)) for _ in range(n_blocks)]

        def forward():
            y = F.max_pool2d(torch.relu(F.conv2d(xt, leaves["conv1/W"], leaves["conv1/b"], padding=1)), 2)
            for i in range(n_blocks):
                z = F.conv2d(y, leaves[f"blocks/{i}/conv/W"], padding=1)
                mean, var = stats[i]
                z = F.batch_norm(
                    z,
                    mean.clone(),
                    var.clone(),
                    leaves[f"blocks/{i}/bn/gamma"],
                    leaves[f"blocks/{i}/bn/beta"],
                    training=True,
                    momentum=0.1,
                    eps=1e-5,
                )
                y = torch.relu(z) + y
            y = F.max_pool2d(y, 2).reshape(len(y), -1)
            y = torch.relu(y @ leaves["fc1/W"] + leaves["fc1/b"]) @ leaves["fc2/W"] + leaves["fc2/b"]
            return F.cross_entropy(y, tt)

        def run():
            for p in leaves.values():
                p.grad = None
            forward().backward()
            with torch.no_grad():
                for p in leaves.values():
                    p -= LR * p.grad
            return leaves

        return h.Case(run, lambda _: float(forward()))

    return {"mlp_adam": mlp, "resnet": resnet}


def dezero_cases() -> dict:
    np.int = int  # DeZero still spells int as np.int, which NumPy 2 removed
    try:
        import dezero
        import dezero.functions as F
        import dezero.optimizers as O
    except ImportError as e:
        raise h.Skipped(f"dezero not importable ({e})") from e

    def mlp():
        x, t, model = _mlp_data()
        params = [dezero.Parameter(np.array(p)) for p in fz.tree.leaves(model)]

        class Holder(dezero.Model):
            pass

        holder = Holder()
        for i, p in enumerate(params):
            setattr(holder, f"p{i}", p)
        opt = O.Adam(alpha=LR).setup(holder)

        def forward():
            w1, b1, w2, b2, w3, b3 = params
            hid = F.relu(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2))
            return F.softmax_cross_entropy(F.linear(hid, w3, b3), t)

        def run():
            holder.cleargrads()
            forward().backward()
            opt.update()
            return params

        return h.Case(run, lambda _: float(forward().data))

    return {"mlp_adam": mlp}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    settings = h.QUICK if args.quick else h.Settings(warmup=2, repeats=15, min_repeats=5, budget_s=5.0)
    print(h.describe_machine([f"threads for every library: {THREADS} (BENCH_THREADS)"]))
    libraries = {"fnzero": fnzero_cases, "torch": torch_cases, "dezero": dezero_cases}
    cases = {}
    for name, make in libraries.items():
        try:
            cases[name] = make()
        except h.Skipped as e:
            print(f"skipped {name}: {e}")
    titles = {
        "mlp_adam": "one Adam step, MLP 784-1000-1000-10, batch 100, float32",
        "resnet": "one SGD step, NetResDeep (width 32, 10 blocks), batch (32, 3, 32, 32), float32",
    }
    for workload, title in titles.items():
        rows = [h.measure(lib, c[workload](), settings) for lib, c in cases.items() if workload in c]
        h.print_table(title, rows, floor=None, subject="fnzero", rtol=1e-3)
    print(h.load_average())


if __name__ == "__main__":
    main()
