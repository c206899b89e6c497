"""The training job behind ``fnzero train``: a model, a dataset, an optimizer, a loop.

Everything a run needs to continue is in its checkpoint (model, optimizer state, batch-norm
state, epoch, metrics), and every random choice derives from one seed, so a run of 2
epochs resumed for 2 more gives the same numbers as a run of 4.

Under an MPI launcher (``mpiexec -n N fnzero train``) the run is data-parallel: each rank
takes its slice of every global batch (``--batch-size`` is the global batch), gradients are
averaged across ranks, and every rank applies the same update; rank 0 alone prints and
writes the checkpoint, which is the same whatever the number of processes.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

import fnzero as fz
import fnzero.nn as nn
from fnzero import data, distributed, optim, random
from fnzero.nn.layers.protocol import apply_layer, init_state
from fnzero.nn.models import NetResDeep

MODELS = ("mlp", "cnn", "resnet")
DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10", "spiral")
OPTIMIZERS = {
    "sgd": optim.sgd,
    "momentum": optim.momentum,
    "adagrad": optim.adagrad,
    "adadelta": optim.adadelta,
    "rmsprop": optim.rmsprop,
    "adam": optim.adam,
    "adamw": optim.adamw,
}


@attrs.frozen
class Config:
    model: str = "mlp"
    dataset: str = "digits"
    epochs: int = 20
    batch_size: int = 32
    optimizer: str = "adam"
    lr: float = 1e-3
    seed: int = 0
    backend: str = "numpy"
    out: str = "runs/latest"
    data_root: str = "~/.fnzero/data"
    resume: bool = False


def load_data(config: Config) -> tuple[data.ArrayDataset, data.ArrayDataset, tuple[int, ...], int]:
    """Train and test sets as float32 in [0, 1] (images N, C, H, W), their example shape, classes."""
    name, root = config.dataset, config.data_root
    if name == "digits":
        train, test, scale = data.digits(), data.digits(train=False), 16.0
    elif name == "spiral":
        train, test, scale = data.spiral(), data.spiral(train=False), 1.0
    elif name in ("mnist", "fashion-mnist"):
        cls = data.MNIST if name == "mnist" else data.FashionMNIST
        train, test, scale = cls(root), cls(root, train=False), 255.0
    else:
        train, test, scale = data.CIFAR10(root), data.CIFAR10(root, train=False), 255.0
    for ds in (train, test):
        ds.transform = data.Compose(data.AsType(np.float32), data.Normalize(0.0, scale))
    classes = int(max(train.label.max(), test.label.max())) + 1
    return train, test, tuple(train.data.shape[1:]), classes


def build_model(name: str, shape: tuple[int, ...], classes: int, key: Any) -> Any:
    """The model ``name`` for examples of ``shape`` (flat vectors or C, H, W images)."""
    size = int(np.prod(shape))
    if name == "mlp":
        return nn.Sequential(nn.flatten, nn.MLP([size, 256, classes], key=key))
    if len(shape) != 3:
        raise ValueError(f"model {name!r} needs images, but the dataset's examples have shape {shape}")
    channels, height, _ = shape
    k = random.split(key, 4)
    if name == "cnn":
        flat = 64 * (height // 2) ** 2
        return nn.Sequential(
            nn.Conv2d(channels, 32, 3, key=k[0], padding=1),
            nn.BatchNorm(32),
            nn.relu,
            nn.Conv2d(32, 64, 3, key=k[1], padding=1),
            nn.BatchNorm(64),
            nn.relu,
            nn.MaxPool2d(2),
            nn.flatten,
            nn.Dropout(0.3),
            nn.Linear(flat, 128, key=k[2]),
            nn.relu,
            nn.Dropout(0.3),
            nn.Linear(128, classes, key=k[3]),
        )
    return NetResDeep(
        key=key, width=32, n_blocks=3, in_channels=channels, image_size=height, num_classes=classes
    )


def _predict(model: Any, state: Any, x: Any) -> Any:
    return apply_layer(model, x, state, key=None, train=False)[0]


def evaluate(
    model: Any, state: Any, dataset: data.ArrayDataset, backend: str, batch_size: int = 500
) -> float:
    """Accuracy on ``dataset``; with several processes each scores its shard and they add up."""
    loader = data.DataLoader(dataset, batch_size, shuffle=False, backend=backend, shard=True)
    correct, seen = 0.0, 0  # a device value until the end: one read, not one per batch
    for x, t in loader:
        correct = correct + nn.accuracy(_predict(model, state, x), t) * len(t)
        seen += len(t)
    correct = float(correct)
    if distributed.size() > 1:
        correct, seen = distributed.psum((np.float64(correct), np.int64(seen)))
    return float(correct) / int(seen)


def train_step(
    step: Callable, opt: Any, model: Any, opt_state: Any, bn_state: Any, x: Any, t: Any, key: Any
) -> tuple[Any, Any, Any, Any, Any, int]:
    """One optimizer step on this rank's ``(x, t)``: model, opt state, bn state, loss, accuracy, count.

    With several processes the gradients, batch-norm statistics and metrics are averaged over
    the ranks weighted by their slice sizes (one ``psum`` of one tree), so the update is the
    one a single process would make on the whole global batch, identical on every rank.
    """
    (loss, (bn_state, logits)), grads = step(model, bn_state, x, t, key)
    accuracy, count = nn.accuracy(logits, t), len(t)
    if distributed.size() > 1:
        local = {"grads": grads, "bn": bn_state, "loss": loss, "accuracy": accuracy}
        xp = fz.backends.array_module(loss)  # every leaf on one backend: one NCCL or MPI call
        total = distributed.psum((fz.tree.map(lambda a: a * count, local), xp.asarray(count, xp.int64)))
        count = int(total[1])
        mean = fz.tree.map(lambda a: (a / count).astype(a.dtype), total[0])
        grads, bn_state, loss, accuracy = mean["grads"], mean["bn"], mean["loss"], mean["accuracy"]
    updates, opt_state = opt.update(grads, opt_state, model)
    return optim.apply_updates(model, updates), opt_state, bn_state, loss, accuracy, count


def _loss(model: Any, state: Any, x: Any, t: Any, key: Any) -> tuple[Any, tuple[Any, Any]]:
    logits, new_state = apply_layer(model, x, state, key=key, train=True)
    return nn.softmax_cross_entropy(logits, t), (new_state, logits)


def train(config: Config, progress: Callable[[str], None] | None = print) -> dict:
    """Run (or resume) training; returns the metrics and writes the checkpoint, CSV/JSON, plots."""
    world = distributed.init()
    if world.size > 1:
        # A killed rank cannot speak and the launcher names only its PID: this line maps the two.
        print(
            f"fnzero: rank {world.rank} of {world.size} is PID {os.getpid()} on {socket.gethostname()}",
            file=sys.stderr,
            flush=True,
        )
    with distributed.abort_on_error(world):
        return _train(config, progress if world.rank == 0 else None, world.rank == 0)


def _train(config: Config, progress: Callable[[str], None] | None, writer: bool) -> dict:
    say = progress or (lambda _: None)
    os.makedirs(config.out, exist_ok=True)
    if not os.access(config.out, os.W_OK):
        raise PermissionError(f"output folder {config.out!r} is not writable")
    fz.backends.get(config.backend)
    train_set, test_set, shape, classes = load_data(config)
    key = random.key(config.seed)
    model = fz.device_put(build_model(config.model, shape, classes, random.fold_in(key, 0)), config.backend)
    if distributed.size() > 1:
        model = distributed.broadcast(model)
    opt = OPTIMIZERS[config.optimizer](config.lr)
    opt_state = opt.init(model)
    bn_state = fz.device_put(init_state(model), config.backend)
    checkpoint = os.path.join(config.out, "checkpoint.npz")
    history: list[dict] = []
    epoch0 = 0
    if config.resume:
        if not os.path.exists(checkpoint):
            raise FileNotFoundError(f"--resume: no checkpoint at {checkpoint!r}")
        saved = fz.load(checkpoint, like={"model": model, "opt": opt_state, "bn": bn_state, "epoch": 0})
        model, opt_state, bn_state, epoch0 = saved["model"], saved["opt"], saved["bn"], saved["epoch"]
        with open(os.path.join(config.out, "metrics.json")) as f:
            history = json.load(f)["history"][:epoch0]
        say(f"resumed from {checkpoint} at epoch {epoch0}")
    loader = data.DataLoader(
        train_set, config.batch_size, key=random.fold_in(key, 1), backend=config.backend, shard=True
    )
    step = fz.value_and_grad(_loss, has_aux=True)
    processes = f", {distributed.size()} processes" if distributed.size() > 1 else ""
    say(
        f"fnzero: {config.model} on {config.dataset} ({len(train_set)} train / {len(test_set)} test), "
        f"{nn.count_params(model):,} parameters, {config.optimizer} lr={config.lr}, backend {config.backend}"
        + processes
    )
    for epoch in range(epoch0, config.epochs):
        loader.set_epoch(epoch)
        start = time.perf_counter()
        total_loss, total_correct, seen = 0.0, 0.0, 0  # device values: read once per epoch
        bar = _progress_bar(len(loader), f"epoch {epoch + 1}/{config.epochs}", enabled=progress is not None)
        for i, (x, t) in enumerate(loader):
            dropout_key = random.fold_in(random.fold_in(key, 2), epoch * len(loader) + i)
            if distributed.size() > 1:
                dropout_key = random.fold_in(dropout_key, distributed.rank())
            model, opt_state, bn_state, loss, accuracy, count = train_step(
                step, opt, model, opt_state, bn_state, x, t, dropout_key
            )
            total_loss = total_loss + loss * count
            total_correct = total_correct + accuracy * count
            seen += count
            bar.update(lambda: {"loss": float(total_loss) / seen, "acc": float(total_correct) / seen})
        bar.close()
        record = {
            "epoch": epoch + 1,
            "loss": float(total_loss) / seen,
            "train_accuracy": float(total_correct) / seen,
            "test_accuracy": evaluate(model, bn_state, test_set, config.backend),
            "seconds": time.perf_counter() - start,
        }
        history.append(record)
        r = record
        say(
            f"epoch {r['epoch']:3d}  loss {r['loss']:.4f}  train acc {r['train_accuracy']:.4f}  "
            f"test acc {r['test_accuracy']:.4f}  ({r['seconds']:.2f}s)"
        )
        if writer:
            fz.save(checkpoint, {"model": model, "opt": opt_state, "bn": bn_state, "epoch": epoch + 1})
            _write_metrics(config, history)
    summary = {
        "config": attrs.asdict(config),
        "history": history,
        "test_accuracy": history[-1]["test_accuracy"] if history else None,
    }
    if writer:
        _write_metrics(config, history)
        say(_summary(config, history, checkpoint, _plot(config.out, history)))
    return summary


def _write_metrics(config: Config, history: list[dict]) -> None:
    tmp = os.path.join(config.out, "metrics.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"config": attrs.asdict(config), "history": history}, f, indent=1)
    os.replace(tmp, os.path.join(config.out, "metrics.json"))
    with open(os.path.join(config.out, "metrics.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["epoch", "loss", "train_accuracy", "test_accuracy", "seconds"])
        writer.writeheader()
        writer.writerows(history)


def _plot(out: str, history: list[dict]) -> list[str] | str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: plots skipped (pip install fnzero[plots])"
    epochs = [h["epoch"] for h in history]
    paths = []
    for name, keys in (("loss", ["loss"]), ("accuracy", ["train_accuracy", "test_accuracy"])):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for k in keys:
            ax.plot(epochs, [h[k] for h in history], marker="o", label=k.replace("_", " "))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = os.path.join(out, f"{name}.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def _summary(config: Config, history: list[dict], checkpoint: str, plots: list[str] | str) -> str:
    if not history:
        return "nothing to train: the checkpoint already has all epochs"
    last = history[-1]
    best = max(h["test_accuracy"] for h in history)
    lines = [
        "-" * 60,
        f"{config.model} on {config.dataset}: test accuracy {last['test_accuracy']:.4f} "
        f"(best {best:.4f}) after {last['epoch']} epochs, {sum(h['seconds'] for h in history):.1f}s training",
        f"checkpoint: {checkpoint}",
        f"metrics:    {os.path.join(config.out, 'metrics.csv')}, metrics.json",
        f"plots:      {', '.join(plots) if isinstance(plots, list) else plots}",
    ]
    return "\n".join(lines)


class _progress_bar:
    """tqdm when installed and wanted; otherwise nothing (the epoch line is printed anyway)."""

    def __init__(self, total: int, desc: str, enabled: bool):
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True)

    def update(self, metrics: Callable[[], dict[str, float]]) -> None:
        """Advance one step; ``metrics`` is read (a device sync) only every 20 steps."""
        if self.bar is not None:
            if self.bar.n % 20 == 0:
                self.bar.set_postfix({k: f"{v:.4f}" for k, v in metrics().items()}, refresh=False)
            self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
