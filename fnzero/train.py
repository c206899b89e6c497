"""The training job behind ``fnzero train``: a model, a dataset, an optimizer, a loop.

Everything a run needs to continue is in its checkpoint, written atomically after every
epoch: model, optimizer state, batch-norm state, epoch, and the run record (the flags it was
trained with and the history of every epoch). ``metrics.json``, ``metrics.csv`` and the plots
are views written from it afterwards, so a kill at any moment leaves a checkpoint that
resumes with its whole history. Every random choice derives from one seed, so a run of 2
epochs resumed for 2 more gives the same numbers as a run of 4.

Under an MPI launcher (``mpiexec -n N fnzero train``) the run is data-parallel: each rank
takes its slice of every global batch (``--batch-size`` is the global batch), gradients are
averaged across ranks, and every rank applies the same update; rank 0 alone prints and
writes the checkpoint, which is the same whatever the number of processes.
"""

from __future__ import annotations

import csv
import json
import math
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
    download: bool = False  # fetch missing dataset files (the only network access)


# The flags a resumed run must share with its checkpoint (the others may change: --epochs is
# the point of resuming; --backend, --out and --data-root do not change the numbers).
RUN_FLAGS = ("model", "dataset", "batch_size", "optimizer", "lr", "seed")
# Flags that may differ between the ranks of one job (each host has its own data folder).
PER_RANK_FLAGS = ("data_root", "download")


def flag(name: str) -> str:
    """The command-line spelling of a Config field: ``batch_size`` -> ``--batch-size``."""
    return "--" + name.replace("_", "-")


def validate(config: Config) -> None:
    """Refuse a configuration that cannot train, naming the flag, what it got and what it takes."""
    choices = {"model": MODELS, "dataset": DATASETS, "optimizer": tuple(OPTIMIZERS)}
    for name, allowed in choices.items():
        if getattr(config, name) not in allowed:
            raise ValueError(f"unknown {name} {getattr(config, name)!r}; choose from {', '.join(allowed)}")
    for name in ("epochs", "batch_size"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{flag(name)} must be an integer >= 1, got {value!r}")
    if isinstance(config.seed, bool) or not isinstance(config.seed, int) or config.seed < 0:
        raise ValueError(f"--seed must be an integer >= 0, got {config.seed!r}")
    for name in ("download",):
        if not isinstance(getattr(config, name), bool):
            raise TypeError(f"{name} must be True or False, got {getattr(config, name)!r}")
    lr = config.lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"--lr must be a finite number > 0, got {lr!r}")


def _run_record(config: Config, history: list[dict]) -> np.ndarray:
    """The flags and history as JSON bytes: a uint8 leaf of the checkpoint."""
    record = {"config": attrs.asdict(config), "history": history}
    return np.frombuffer(json.dumps(record).encode(), np.uint8).copy()


def read_run(checkpoint: str) -> dict:
    """The run record of a checkpoint: ``{"config": {...}, "history": [...], "epoch": n}``."""
    return _read_record(checkpoint)[0]


def _read_record(checkpoint: str) -> tuple[dict, np.ndarray]:
    saved = fz.load(checkpoint)
    if not isinstance(saved, dict) or "run" not in saved or "epoch" not in saved:
        raise ValueError(
            f"{checkpoint!r} holds no run record (it was not written by `fnzero train`, or by an "
            "older fnzero); train afresh into another --out"
        )
    raw = np.asarray(saved["run"])
    record = json.loads(bytes(raw.astype(np.uint8)).decode())
    record["epoch"] = int(saved["epoch"])
    return record, raw


def saved_config(checkpoint: str) -> Config:
    """The Config a checkpoint was trained with (unknown or missing fields take the defaults)."""
    fields = {f.name for f in attrs.fields(Config)}
    return Config(**{k: v for k, v in read_run(checkpoint)["config"].items() if k in fields})


def checkpoint_path(out: str) -> str:
    """The checkpoint of the run in folder ``out`` (or ``out`` itself when it names a file)."""
    return out if os.path.isfile(out) else os.path.join(out, "checkpoint.npz")


def load_data(config: Config) -> tuple[data.ArrayDataset, data.ArrayDataset, tuple[int, ...], int]:
    """Train and test sets as float32 in [0, 1] (images N, C, H, W), their example shape, classes."""
    name, root = config.dataset, config.data_root
    if name == "digits":
        train, test, scale = data.digits(), data.digits(train=False), 16.0
    elif name == "spiral":
        train, test, scale = data.spiral(), data.spiral(train=False), 1.0
    else:
        try:
            fetch = config.download
            if name == "cifar10":
                train = data.CIFAR10(root, download=fetch)
                test, scale = data.CIFAR10(root, train=False, download=fetch), 255.0
            else:
                cls = data.MNIST if name == "mnist" else data.FashionMNIST
                train, test, scale = cls(root, download=fetch), cls(root, train=False, download=fetch), 255.0
        except FileNotFoundError as e:
            # The library's hint names download=True; the command's flag is --download.
            what = str(e).split(" not found")[0]
            raise FileNotFoundError(
                f"{what} not found: put the {name} files in --data-root {root!r}, "
                "or pass --download to fetch them (checked against their published SHA-256)"
                if name != "cifar10"
                else f"{what} not found: extract cifar-10-python.tar.gz into --data-root {root!r}, "
                "or pass --download to fetch and extract it"
            ) from e
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


def score(
    model: Any, state: Any, dataset: data.ArrayDataset, backend: str, batch_size: int = 500
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy on ``dataset``; with several processes each scores its shard."""
    loader = data.DataLoader(
        dataset, batch_size, shuffle=False, backend=backend, rank=distributed.rank(), size=distributed.size()
    )
    loss, correct, seen = 0.0, 0.0, 0  # device values until the end: one read, not one per batch
    for x, t in loader:
        logits = _predict(model, state, x)
        loss = loss + nn.softmax_cross_entropy(logits, t) * len(t)
        correct = correct + nn.accuracy(logits, t) * len(t)
        seen += len(t)
    loss, correct = float(loss), float(correct)
    if distributed.size() > 1:
        loss, correct, seen = distributed.psum((np.float64(loss), np.float64(correct), np.int64(seen)))
    return float(loss) / int(seen), float(correct) / int(seen)


def evaluate(
    model: Any, state: Any, dataset: data.ArrayDataset, backend: str, batch_size: int = 500
) -> float:
    """Accuracy on ``dataset`` (see :func:`score`)."""
    return score(model, state, dataset, backend, batch_size)[1]


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


def train(
    config: Config,
    progress: Callable[[str], None] | None = print,
    report: Callable[[str], None] | None = print,
    bars: bool | None = None,
) -> dict:
    """Run (or resume) training; returns the metrics and writes the checkpoint, CSV/JSON, plots.

    ``progress`` receives a line per epoch, ``report`` the final summary (accuracy and file
    paths); ``bars`` draws tqdm bars on stderr (default: only when stderr is a terminal).
    """
    validate(config)
    world = distributed.init()
    if world.size > 1:
        # A killed rank cannot speak and the launcher names only its PID: this line maps the two.
        print(
            f"fnzero: rank {world.rank} of {world.size} is PID {os.getpid()} on {socket.gethostname()}",
            file=sys.stderr,
            flush=True,
        )
        # Every rank raises alike here, so no rank is left waiting for a collective.
        shared = {flag(k): v for k, v in attrs.asdict(config).items() if k not in PER_RANK_FLAGS}
        distributed.check_same_config(shared, "flags")
    if bars is None:
        bars = sys.stderr.isatty()
    lead = world.rank == 0
    with distributed.abort_on_error(world):
        return _train(config, progress if lead else None, report if lead else None, bars and lead, lead)


def _prepare_out(out: str) -> None:
    if os.path.exists(out) and not os.path.isdir(out):
        raise FileExistsError(f"--out {out!r} is a file, not a folder; name a folder for the run")
    parent = os.path.dirname(os.path.abspath(out))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise NotADirectoryError(f"--out {out!r}: {parent!r} is a file, not a folder")
    os.makedirs(out, exist_ok=True)
    if not os.access(out, os.W_OK):
        raise PermissionError(f"output folder {out!r} is not writable")


def _check_resumable(config: Config, record: dict, checkpoint: str) -> None:
    trained = record["config"]
    differing = [k for k in RUN_FLAGS if k in trained and trained[k] != getattr(config, k)]
    if differing:
        was = " ".join(f"{flag(k)} {trained[k]}" for k in differing)
        now = " ".join(f"{flag(k)} {getattr(config, k)}" for k in differing)
        raise ValueError(
            f"--resume: {checkpoint!r} was trained with different flags\n"
            f"  the checkpoint: {was}\n"
            f"  this run:       {now}\n"
            "  resume with the checkpoint's flags (or leave them out), or train into another --out"
        )
    if config.epochs < record["epoch"]:
        raise ValueError(
            f"--resume: {checkpoint!r} has {record['epoch']} epochs done, more than --epochs "
            f"{config.epochs}; pass --epochs {record['epoch'] + 1} or more to train further"
        )


@attrs.define
class _Run:
    """A training run between epochs: what its checkpoint holds, and what its loop needs."""

    config: Config
    checkpoint: str
    key: Any
    train_set: data.ArrayDataset
    test_set: data.ArrayDataset
    opt: Any
    model: Any
    opt_state: Any
    bn_state: Any
    history: list[dict] = attrs.field(factory=list)
    epoch0: int = 0
    loader: data.DataLoader | None = None
    step: Callable = attrs.field(factory=lambda: fz.value_and_grad(_loss, has_aux=True))


def _train(
    config: Config,
    progress: Callable[[str], None] | None,
    report: Callable[[str], None] | None,
    bars: bool,
    writer: bool,
) -> dict:
    say = progress or (lambda _: None)
    run = _start_run(config, say)
    if run.epoch0 < config.epochs:
        processes = f", {distributed.size()} processes" if distributed.size() > 1 else ""
        say(
            f"fnzero: {config.model} on {config.dataset} ({len(run.train_set)} train / "
            f"{len(run.test_set)} test), {nn.count_params(run.model):,} parameters, "
            f"{config.optimizer} lr={config.lr}, backend {config.backend}" + processes
        )
    for epoch in range(run.epoch0, config.epochs):
        r = _train_epoch(run, epoch, bars)
        say(
            f"epoch {r['epoch']:3d}  loss {r['loss']:.4f}  train acc {r['train_accuracy']:.4f}  "
            f"test loss {r['test_loss']:.4f}  test acc {r['test_accuracy']:.4f}  ({r['seconds']:.2f}s)"
        )
        if writer:
            state = {"model": run.model, "opt": run.opt_state, "bn": run.bn_state, "epoch": epoch + 1}
            fz.save(run.checkpoint, {**state, "run": _run_record(config, run.history)})
            _write_metrics(config, run.history)
    return _finish(run, report, writer)


def _start_run(config: Config, say: Callable[[str], None]) -> _Run:
    """A run's state at its first epoch to train: a fresh model and optimizer from the seed, or
    the checkpoint's with its history when resuming (its flags checked before the data loads)."""
    _prepare_out(config.out)
    fz.backends.get(config.backend)
    checkpoint = os.path.join(config.out, "checkpoint.npz")
    record, raw = None, None
    if config.resume:
        if not os.path.exists(checkpoint):
            raise FileNotFoundError(f"--resume: no checkpoint at {checkpoint!r}")
        record, raw = _read_record(checkpoint)
        _check_resumable(config, record, checkpoint)
    train_set, test_set, shape, classes = load_data(config)
    key = random.key(config.seed)
    model = fz.device_put(build_model(config.model, shape, classes, random.fold_in(key, 0)), config.backend)
    if distributed.size() > 1:
        model = distributed.broadcast(model)
    opt = OPTIMIZERS[config.optimizer](config.lr)
    opt_state = opt.init(model)
    bn_state = fz.device_put(init_state(model), config.backend)
    run = _Run(config, checkpoint, key, train_set, test_set, opt, model, opt_state, bn_state)
    if record is not None:
        _resume(run, record, raw)
        say(f"resumed from {checkpoint} at epoch {run.epoch0}")
    run.loader = data.DataLoader(
        train_set,
        config.batch_size,
        key=random.fold_in(key, 1),
        backend=config.backend,
        rank=distributed.rank(),
        size=distributed.size(),
    )
    return run


def _resume(run: _Run, record: dict, raw: np.ndarray) -> None:
    """Load the checkpoint's model, optimizer and batch-norm states, epoch and history into ``run``."""
    like = {
        "model": run.model,
        "opt": run.opt_state,
        "bn": run.bn_state,
        "epoch": 0,
        "run": np.zeros_like(raw),
    }
    saved = fz.load(run.checkpoint, like=like)
    run.model, run.opt_state, run.bn_state = saved["model"], saved["opt"], saved["bn"]
    run.epoch0 = epoch0 = saved["epoch"]
    run.history = record["history"][:epoch0]
    if len(run.history) != epoch0:
        raise ValueError(
            f"--resume: {run.checkpoint!r} has {len(run.history)} epochs of history, {epoch0} done"
        )


def _train_epoch(run: _Run, epoch: int, bars: bool) -> dict:
    """Train ``run`` one epoch, an optimizer step per batch of this rank's slice, then score it on
    the test set; the epoch's record (losses, accuracies, seconds) is appended to its history."""
    config, loader, key = run.config, run.loader, run.key
    loader.set_epoch(epoch)
    start = time.perf_counter()
    total_loss, total_correct, seen = 0.0, 0.0, 0  # device values: read once per epoch
    bar = _progress_bar(len(loader), f"epoch {epoch + 1}/{config.epochs}", enabled=bars)
    model, opt_state, bn_state = run.model, run.opt_state, run.bn_state
    for i, (x, t) in enumerate(loader):
        dropout_key = random.fold_in(random.fold_in(key, 2), epoch * len(loader) + i)
        if distributed.size() > 1:
            dropout_key = random.fold_in(dropout_key, distributed.rank())
        model, opt_state, bn_state, loss, accuracy, count = train_step(
            run.step, run.opt, model, opt_state, bn_state, x, t, dropout_key
        )
        total_loss = total_loss + loss * count
        total_correct = total_correct + accuracy * count
        seen += count
        bar.update(lambda: {"loss": float(total_loss) / seen, "acc": float(total_correct) / seen})
    bar.close()
    run.model, run.opt_state, run.bn_state = model, opt_state, bn_state
    test_loss, test_accuracy = score(model, bn_state, run.test_set, config.backend)
    r = {
        "epoch": epoch + 1,
        "loss": float(total_loss) / seen,
        "train_accuracy": float(total_correct) / seen,
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "seconds": time.perf_counter() - start,
    }
    run.history.append(r)
    return r


def _finish(run: _Run, report: Callable[[str], None] | None, writer: bool) -> dict:
    """The run's summary; the writer also writes the metrics and plots and reports the summary."""
    config, history = run.config, run.history
    summary = {
        "config": attrs.asdict(config),
        "history": history,
        "test_accuracy": history[-1]["test_accuracy"] if history else None,
    }
    if writer:
        _write_metrics(config, history)
        plots = _plot(config, history)
        if report is not None:
            trained = config.epochs - run.epoch0
            report(_summary(config, history, run.checkpoint, plots, trained=trained))
    return summary


def evaluate_checkpoint(
    path: str, backend: str | None = None, data_root: str | None = None, download: bool = False
) -> dict:
    """Test loss and accuracy of a saved run (a checkpoint file or a run's ``--out`` folder).

    The model is rebuilt from the flags recorded in the checkpoint; ``backend`` and
    ``data_root`` default to the ones it was trained with. ``download`` fetches a missing test
    set (whether the run was trained with ``--download`` does not matter: it is asked anew).
    """
    checkpoint = checkpoint_path(path)
    if not os.path.exists(checkpoint):
        raise FileNotFoundError(
            f"no checkpoint at {checkpoint!r}: name a checkpoint.npz or the --out folder of a run"
        )
    record, raw = _read_record(checkpoint)
    config = saved_config(checkpoint)
    config = attrs.evolve(
        config, backend=backend or config.backend, data_root=data_root or config.data_root, download=download
    )
    validate(config)
    fz.backends.get(config.backend)
    _, test_set, shape, classes = load_data(config)
    model = fz.device_put(build_model(config.model, shape, classes, random.key(0)), config.backend)
    opt_state = OPTIMIZERS[config.optimizer](config.lr).init(model)
    bn_state = fz.device_put(init_state(model), config.backend)
    like = {"model": model, "opt": opt_state, "bn": bn_state, "epoch": 0, "run": np.zeros_like(raw)}
    saved = fz.load(checkpoint, like=like)
    loss, accuracy = score(saved["model"], saved["bn"], test_set, config.backend)
    return {
        "checkpoint": checkpoint,
        "config": attrs.asdict(config),
        "epoch": record["epoch"],
        "test_loss": loss,
        "test_accuracy": accuracy,
        "examples": len(test_set),
    }


METRIC_FIELDS = ("epoch", "loss", "train_accuracy", "test_loss", "test_accuracy", "seconds")


def _write_atomically(path: str, write: Callable[[Any], None]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", newline="") as f:
        write(f)
    os.replace(tmp, path)


def _write_metrics(config: Config, history: list[dict]) -> None:
    """``metrics.json`` and ``metrics.csv``: views of the checkpoint's run record."""
    record = {"config": attrs.asdict(config), "history": history}
    _write_atomically(os.path.join(config.out, "metrics.json"), lambda f: json.dump(record, f, indent=1))

    def csv_rows(f: Any) -> None:
        writer = csv.DictWriter(f, fieldnames=METRIC_FIELDS, extrasaction="ignore", restval="")
        writer.writeheader()
        writer.writerows(history)

    _write_atomically(os.path.join(config.out, "metrics.csv"), csv_rows)


def plot_history(config: Config, history: list[dict]) -> dict[str, Any]:
    """The loss and accuracy curves of a run as matplotlib Figures (``{"loss": fig, "accuracy": fig}``)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    epochs = [h["epoch"] for h in history]
    run = os.path.basename(os.path.normpath(config.out)) or config.out
    subtitle = f"{config.optimizer} lr={config.lr:g}, batch {config.batch_size}, seed {config.seed}"
    panels = {
        "loss": (
            "cross-entropy loss",
            [("loss", "train (mean over the epoch)"), ("test_loss", "test (after the epoch)")],
        ),
        "accuracy": (
            "accuracy",
            [("train_accuracy", "train (mean over the epoch)"), ("test_accuracy", "test (after the epoch)")],
        ),
    }
    figures = {}
    for name, (ylabel, curves) in panels.items():
        fig = Figure(figsize=(6, 4), layout="constrained")
        ax = fig.add_subplot()
        for key, label in curves:
            points = [(e, h[key]) for e, h in zip(epochs, history) if key in h]
            if points:
                ax.plot(*zip(*points), marker="o", markersize=4, label=label)
        ax.set_title(f"{config.model} on {config.dataset} (run {run!r}): {ylabel}\n{subtitle}", fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if name == "accuracy":
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}" if v <= 1 else "")
        ax.legend()
        ax.grid(alpha=0.3)
        figures[name] = fig
    return figures


def _plot(config: Config, history: list[dict]) -> list[str] | str:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return 'matplotlib is not installed: plots skipped (pip install "fnzero[plots]")'
    if not history:
        return "no epochs: no plots"
    paths = []
    for name, fig in plot_history(config, history).items():
        path = os.path.join(config.out, f"{name}.png")
        fig.savefig(path, dpi=120)
        paths.append(path)
    return paths


def _summary(
    config: Config, history: list[dict], checkpoint: str, plots: list[str] | str, trained: int
) -> str:
    if not history:
        return "nothing trained"
    last = history[-1]
    best = max(h["test_accuracy"] for h in history)
    lines = ["-" * 60]
    if trained == 0:
        lines.append(f"nothing to train: {checkpoint} already has all {config.epochs} epochs")
    lines += [
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
