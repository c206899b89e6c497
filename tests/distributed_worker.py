"""Programs the distributed tests run under mpiexec: ``python distributed_worker.py TASK OUT``.

Each rank writes what it computed to ``OUT/rank{r}.npz``; the tests compare those files
with results computed by hand.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import fnzero as fz
import fnzero.distributed as dist
from fnzero import data, optim, random
from fnzero import train as training

SEEDS = range(4)
ROOT = 1  # broadcast from a rank other than 0, so a broadcast that ignores root fails


def random_tree(seed: int, rank: int) -> dict:
    """A tree whose structure, shapes and dtypes depend on ``seed`` only, its values on ``rank`` too."""
    shapes = np.random.default_rng(seed)
    values = np.random.default_rng([seed, rank])
    dtypes = [np.float32, np.float64, np.int64]
    tree = {}
    for i in range(int(shapes.integers(1, 5))):
        shape = tuple(int(d) for d in shapes.integers(1, 5, size=int(shapes.integers(0, 3))))
        dtype = dtypes[int(shapes.integers(0, 3))]
        leaf = values.integers(-9, 10, size=shape) if dtype is np.int64 else values.normal(size=shape)
        tree[f"leaf{i}"] = [np.asarray(leaf, dtype)]
    return tree


def collectives(out: str) -> None:
    results = {}
    for seed in SEEDS:
        x = random_tree(seed, dist.rank())
        for name, value in (
            ("psum", dist.psum(x)),
            ("pmean", dist.pmean(x)),
            ("all_gather", dist.all_gather(x)),
            ("broadcast", dist.broadcast(x, root=ROOT)),
        ):
            for path, leaf in fz.tree.flatten_with_path(value):
                results[f"{seed}/{name}/{path}"] = leaf
    _save(out, results)


def mismatch(out: str) -> None:
    x = {"w": np.ones(3 + dist.rank(), np.float32)}
    try:
        dist.psum(x)
    except dist.TreeMismatchError as e:
        print(f"rank {dist.rank()} caught: {e}", flush=True)
    _save(out, {"after": dist.psum({"w": np.ones(2)})["w"]})


def hang(out: str) -> None:
    if dist.rank() == 1:
        time.sleep(120)
    dist.psum({"w": np.ones(2)})


def fail(out: str) -> None:
    with dist.abort_on_error(dist.world()):
        if dist.rank() == 1:
            raise RuntimeError("rank one cannot go on")
        dist.psum({"w": np.ones(2)})


def train(out: str, steps: int = 50, batch_size: int = 32) -> None:
    """The digits MLP for ``steps`` steps of global batch ``batch_size``; ranks compared every step."""
    config = training.Config(batch_size=batch_size)
    train_set, _, shape, classes = training.load_data(config)
    key = random.key(config.seed)
    model = training.build_model("mlp", shape, classes, random.fold_in(key, 0))
    opt = optim.adam(config.lr)
    opt_state, bn_state = opt.init(model), None
    step = fz.value_and_grad(training._loss, has_aux=True)
    loader = data.DataLoader(
        train_set, batch_size, key=random.fold_in(key, 1), rank=dist.rank(), size=dist.size()
    )
    done, differing = 0, 0
    while done < steps:
        for x, t in loader:
            model, opt_state, bn_state, *_ = training.train_step(
                step, opt, model, opt_state, bn_state, x, t, None
            )
            gathered = fz.tree.leaves(dist.all_gather(model))
            differing += sum(not all(np.array_equal(g[0], g[r]) for r in range(len(g))) for g in gathered)
            done += 1
            if done == steps:
                break
    _save(out, {"differing_steps": np.int64(differing), **dict(fz.tree.flatten_with_path(model))})


def _save(out: str, arrays: dict) -> None:
    np.savez(os.path.join(out, f"rank{dist.rank()}.npz"), **arrays)


if __name__ == "__main__":
    dist.init()
    {"collectives": collectives, "mismatch": mismatch, "hang": hang, "fail": fail, "train": train}[
        sys.argv[1]
    ](sys.argv[2])
