"""The CNN chapter's comparison of network designs (Stevens, Antiga and Viehmann, "Deep
Learning with PyTorch", ch. 8): a baseline CNN made wider, regularized by dropout,
normalized by batch norm, deepened, given a skip connection, and turned into a deep
residual net, each trained the same way. On CIFAR-2 (birds against airplanes, from CIFAR-10
in --data-root) as in the chapter; on the shipped digits otherwise. Prints a table and draws
the accuracy bar chart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import fnzero as fz
import fnzero.nn as nn
from fnzero.data import ArrayDataset, AsType, Compose, Normalize
from fnzero.examples._common import (
    fail,
    float_range,
    int_range,
    label_axes,
    make_parser,
    new_figure,
    positive_float,
    positive_int,
    save_figure,
    seed,
)
from fnzero.examples._training import evaluate, initial_state, train_epoch
from fnzero.nn.models import NetBatchNorm, NetDepth, NetDropout, NetResDeep, NetWidth

NAME = "cifar2_comparison"
CIFAR2_CLASSES = (0, 2)  # CIFAR-10's airplane and bird, relabelled 0 and 1
# The chapter trains its deep residual net with a smaller step (3e-3 instead of 1e-2).
STEP_SCALE = {"res_deep": 0.3}


def models(width: int, n_blocks: int) -> dict[str, Callable[..., Any]]:
    """The designs compared, each a constructor taking the data's geometry."""
    return {
        "baseline": lambda **kw: NetWidth(width=width // 2, **kw),
        "width": lambda **kw: NetWidth(width=width, **kw),
        "dropout": lambda **kw: NetDropout(width=width, **kw),
        "batch_norm": lambda **kw: NetBatchNorm(width=width, **kw),
        "depth": lambda **kw: NetDepth(width=width, **kw),
        "residual": lambda **kw: NetDepth(width=width, residual=True, **kw),
        "res_deep": lambda **kw: NetResDeep(width=width, n_blocks=n_blocks, **kw),
    }


def _standardized(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]):
    """Datasets whose images are scaled by the training set's per-channel mean and std."""
    mean = train[0].mean(axis=(0, 2, 3), keepdims=True)[0].astype(np.float32)
    std = train[0].std(axis=(0, 2, 3), keepdims=True)[0].astype(np.float32)
    transform = Compose(AsType(np.float32), Normalize(mean, std))
    return ArrayDataset(*train, transform), ArrayDataset(*test, transform)


def cifar2(root: str) -> tuple[ArrayDataset, ArrayDataset]:
    sets = []
    for train in (True, False):
        try:
            full = fz.data.CIFAR10(root, train)
        except (FileNotFoundError, ValueError) as e:
            fail(NAME, f"--data-root: {e}")
        keep = np.isin(full.label, CIFAR2_CLASSES)
        labels = np.searchsorted(CIFAR2_CLASSES, full.label[keep])
        sets.append((full.data[keep], labels))
    return _standardized(*sets)


def digits() -> tuple[ArrayDataset, ArrayDataset]:
    train, test = fz.data.digits(True), fz.data.digits(False)
    return _standardized((train.data, train.label), (test.data, test.label))


def plot(results: dict[str, dict], dataset: str, out: str, epochs: int | None = None) -> Any:
    """Each design's training and test accuracy, written to accuracy_comparison.png; the Figure."""
    fig = new_figure(figsize=(8, 4.8))
    if fig is None:
        return None
    ax = fig.subplots()
    names = list(results)
    positions = np.arange(len(names))
    ax.bar(positions - 0.2, [results[n]["train_accuracy"] for n in names], 0.4, label="training")
    ax.bar(positions + 0.2, [results[n]["test_accuracy"] for n in names], 0.4, label="test")
    ax.set_xticks(positions, names)
    low = min(min(r["train_accuracy"], r["test_accuracy"]) for r in results.values())
    ax.set_ylim(max(0.0, low - 0.05), 1.0)
    trained = "" if epochs is None else f" after {epochs} epochs"
    label_axes(ax, f"cifar2_comparison: each design's accuracy on {dataset}{trained}", "design", "accuracy")
    ax.legend()
    save_figure(fig, out, "accuracy_comparison.png")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser(NAME, __doc__)
    parser.add_argument("--data-root", default=None, help="a folder with CIFAR-10's python batches")
    parser.add_argument("--epochs", type=positive_int, default=None, help="default 10 (6 with --fast)")
    parser.add_argument(
        "--width", type=int_range(4), default=None, help="channels (default 32; 16 with --fast)"
    )
    parser.add_argument(
        "--blocks", type=positive_int, default=None, help="res_deep's blocks (default 10; 2 with --fast)"
    )
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--lr", type=positive_float, default=1e-2)
    parser.add_argument("--momentum", type=float_range(0.0, 1.0, low_open=False), default=0.9)
    parser.add_argument("--seed", type=seed, default=0)
    parser.add_argument("--only", nargs="+", default=None, help="compare only these designs")
    args = parser.parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (6 if args.fast else 10)
    width = args.width if args.width is not None else (16 if args.fast else 32)
    n_blocks = args.blocks if args.blocks is not None else (2 if args.fast else 10)
    designs = models(width, n_blocks)
    unknown = sorted(set(args.only or ()) - set(designs))
    if unknown:
        fail(NAME, f"--only: unknown design(s) {unknown}; the designs are {list(designs)}")
    chosen = args.only or list(designs)

    if args.data_root is None:
        dataset, (train_set, test_set) = "digits", digits()
    else:
        dataset, (train_set, test_set) = "CIFAR-2 (airplane vs bird)", cifar2(args.data_root)
    channels, size = train_set.data.shape[1], train_set.data.shape[2]
    classes = int(train_set.label.max()) + 1
    print(f"{dataset}: {len(train_set)} training and {len(test_set)} test images, {epochs} epochs each\n")
    print(f"{'design':<12s}{'params':>9s}{'train':>9s}{'test':>9s}")

    key = fz.random.key(args.seed)
    results = {}
    for name in chosen:
        init_key, data_key, dropout_key = fz.random.split(fz.random.fold_in(key, len(results)), 3)
        model = designs[name](key=init_key, in_channels=channels, image_size=size, num_classes=classes)
        state = initial_state(model)
        opt = fz.optim.sgd(args.lr * STEP_SCALE.get(name, 1.0), momentum=args.momentum)
        opt_state = opt.init(model)
        loader = fz.data.DataLoader(train_set, args.batch_size, key=data_key)
        for epoch in range(epochs):
            model, state, opt_state, _ = train_epoch(
                model, state, opt, opt_state, loader, fz.random.fold_in(dropout_key, epoch)
            )
        train = evaluate(model, state, fz.data.DataLoader(train_set, 500, shuffle=False))
        test = evaluate(model, state, fz.data.DataLoader(test_set, 500, shuffle=False))
        results[name] = {
            "params": nn.count_params(model),
            "train_accuracy": train["accuracy"],
            "test_accuracy": test["accuracy"],
        }
        print(f"{name:<12s}{nn.count_params(model):>9d}{train['accuracy']:>9.4f}{test['accuracy']:>9.4f}")
    plot(results, dataset, args.out, epochs)
    return {"dataset": dataset, "results": results}


if __name__ == "__main__":
    main()
