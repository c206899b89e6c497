"""An MLP classifying the three-armed spiral (the book's steps 48-50): one hidden layer of
10 sigmoid units, SGD with learning rate 1.0, batches of 30, 300 epochs; the decision
regions it learned are plotted over the data. With --book the data, shuffles and initial
weights come from NumPy's legacy generator as in the book, and its printed losses come out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

import fnzero as fz
import fnzero.nn as nn
from fnzero.examples._common import (
    fail,
    label_axes,
    make_parser,
    new_figure,
    positive_float,
    positive_int,
    save_figure,
    seed,
)
from fnzero.examples._training import predict, train_epoch

MARKERS = ("o", "x", "^")
# One colour per class, for its points and for the region where the model predicts it.
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")


def plot(model: nn.MLP, x: np.ndarray, t: np.ndarray, out: str, run: str = "") -> Any:
    """The classes' regions under the data, each in its class's colour, written to
    spiral_regions.png; the Figure. ``run`` describes the training run in the title."""
    fig = new_figure()
    if fig is None:
        return None
    ax = fig.subplots()
    (x_min, y_min), (x_max, y_max) = x.min(axis=0) - 0.1, x.max(axis=0) + 0.1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, 0.005), np.arange(y_min, y_max, 0.005))
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    regions = np.argmax(predict(model, grid), axis=1).reshape(xx.shape)
    ax.contourf(xx, yy, regions, alpha=0.3, levels=[-0.5, 0.5, 1.5, 2.5], colors=COLORS)
    for c, marker in enumerate(MARKERS):
        ax.scatter(x[t == c, 0], x[t == c, 1], s=30, marker=marker, color=COLORS[c], label=f"class {c}")
    sizes = [model.layers[0].in_features, *(layer.out_features for layer in model.layers)]
    label_axes(ax, f"spiral_mlp: decision regions of an MLP {sizes}{run}", "x0", "x1")
    ax.legend()
    save_figure(fig, out, "spiral_regions.png")
    return fig


def book_run(epochs: int, batch_size: int, hidden: int) -> tuple[Any, Iterator[Iterable]]:
    """The book's step 48 to the bit: one legacy NumPy stream (seed 1984) draws the spiral,
    then epoch 1's shuffle, then the weights (DeZero draws them at the first forward pass),
    then each later epoch's shuffle. Returns the model and the epochs' batches."""
    rng = np.random.RandomState(fz.data.toy.SPIRAL_SEEDS[True])
    train_set = fz.data.spiral(train=True, rng=rng)
    first = rng.permutation(len(train_set))
    model = nn.MLP([2, hidden, 3], init="dezero", rng=rng, activation=nn.sigmoid)

    def epoch_batches(order: np.ndarray) -> Iterator:
        for start in range(0, len(order), batch_size):
            yield train_set.batch(order[start : start + batch_size])

    orders = (first if e == 0 else rng.permutation(len(train_set)) for e in range(epochs))
    return model, (epoch_batches(order) for order in orders)


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser("spiral_mlp", __doc__)
    parser.add_argument(
        "--epochs", type=positive_int, default=300, help="(--fast runs them all: a few seconds)"
    )
    parser.add_argument("--batch-size", type=positive_int, default=30)
    parser.add_argument("--hidden", type=positive_int, default=10)
    parser.add_argument("--lr", type=positive_float, default=1.0)
    parser.add_argument("--seed", type=seed, default=None, help="fnzero's key (default 0)")
    parser.add_argument(
        "--book",
        action="store_true",
        help="draw data, shuffles and weights from NumPy's legacy generator as the book does: its losses",
    )
    args = parser.parse_args(argv)
    if args.book and args.seed is not None:
        fail("spiral_mlp", "--seed: the book's run (--book) draws everything from the book's seed 1984")

    train_set = fz.data.spiral(train=True)
    if args.book:
        model, epochs = book_run(args.epochs, args.batch_size, args.hidden)
    else:
        init_key, data_key = fz.random.split(fz.random.key(args.seed or 0))
        model = nn.MLP([2, args.hidden, 3], key=init_key, activation=nn.sigmoid)
        loader = fz.data.DataLoader(train_set, args.batch_size, key=data_key)
        epochs = (loader for _ in range(args.epochs))
    opt = fz.optim.sgd(args.lr)
    opt_state = opt.init(model)
    losses = []
    for epoch, batches in enumerate(epochs):
        model, _, opt_state, stats = train_epoch(model, None, opt, opt_state, batches, key=None)
        losses.append(stats["loss"])
        if (epoch + 1) % 30 == 0 or epoch == 0:
            print(f"epoch {epoch + 1:3d}: loss {stats['loss']:.4f}, accuracy {stats['accuracy']:.3f}")

    x, t = train_set.data, train_set.label
    train_accuracy = float(nn.accuracy(predict(model, x), t))
    test_set = fz.data.spiral(train=False)
    test_accuracy = float(nn.accuracy(predict(model, test_set.data), test_set.label))
    print(f"training accuracy {train_accuracy:.3f}, test accuracy {test_accuracy:.3f}")
    run = f", {args.epochs} epochs" + (" (the book's run)" if args.book else "")
    plot(model, x, t, args.out, run)
    return {
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "loss": losses[-1],
        "losses": losses,
    }


if __name__ == "__main__":
    main()
