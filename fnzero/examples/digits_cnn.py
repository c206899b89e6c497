"""A small CNN on the shipped handwritten digits, with the three tricks of modern CNNs in one
network: batch normalization (its running statistics an explicit state), a residual block,
and dropout (its randomness an explicit key)."""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero as fz
import fnzero.nn as nn
from fnzero.data import AsType, Compose, Normalize
from fnzero.examples._common import (
    epoch_curves,
    label_axes,
    make_parser,
    new_figure,
    positive_float,
    positive_int,
    save_figure,
    seed,
)
from fnzero.examples._training import evaluate, initial_state, train_epoch
from fnzero.nn.models import ResBlock


def cnn(width: int, *, key) -> nn.Sequential:
    """conv 3x3 -> batch norm -> relu -> residual block -> 2x2 max pool -> dropout -> fc -> relu
    -> fc, for 1x8x8 images and 10 classes."""
    k = fz.random.split(key, 4)
    return nn.Sequential(
        nn.Conv2d(1, width, 3, key=k[0], padding=1, bias=False),
        nn.BatchNorm(width),
        nn.relu,
        ResBlock(width, key=k[1]),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.flatten,
        nn.Linear(width * 4 * 4, 64, key=k[2]),
        nn.relu,
        nn.Linear(64, 10, key=k[3]),
    )


def plot(history: list[dict], out: str, run: str = "digits_cnn") -> Any:
    """Training and test loss by epoch, written to loss.png; the Figure. ``run`` names the
    model in the title."""
    fig = new_figure()
    if fig is None:
        return None
    ax = fig.subplots()
    epoch_curves(ax, history, "loss")
    label_axes(ax, f"{run}: cross-entropy loss", "epoch", "cross-entropy loss", integer_x=True)
    save_figure(fig, out, "loss.png")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser("digits_cnn", __doc__)
    parser.add_argument("--epochs", type=positive_int, default=None, help="default 15 (3 with --fast)")
    parser.add_argument(
        "--width", type=positive_int, default=None, help="channels (default 32; 16 with --fast)"
    )
    parser.add_argument("--batch-size", type=positive_int, default=32)
    parser.add_argument("--lr", type=positive_float, default=1e-3)
    parser.add_argument("--seed", type=seed, default=0)
    args = parser.parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (3 if args.fast else 15)
    width = args.width if args.width is not None else (16 if args.fast else 32)

    transform = Compose(AsType(np.float32), Normalize(0.0, 16.0))
    train_set, test_set = fz.data.digits(True, transform), fz.data.digits(False, transform)
    init_key, data_key, dropout_key = fz.random.split(fz.random.key(args.seed), 3)
    model = cnn(width, key=init_key)
    state = initial_state(model)
    opt = fz.optim.adam(args.lr)
    opt_state = opt.init(model)
    train_loader = fz.data.DataLoader(train_set, args.batch_size, key=data_key)
    test_loader = fz.data.DataLoader(test_set, 360, shuffle=False)
    print(f"digits CNN: {nn.count_params(model)} parameters")
    history = []
    for epoch in range(epochs):
        model, state, opt_state, train = train_epoch(
            model, state, opt, opt_state, train_loader, fz.random.fold_in(dropout_key, epoch)
        )
        test = evaluate(model, state, test_loader)
        history.append({"epoch": epoch + 1, **{f"train_{k}": v for k, v in train.items()}})
        history[-1].update({f"test_{k}": v for k, v in test.items()})
        print(
            f"epoch {epoch + 1:2d}: train loss {train['loss']:.4f}, accuracy {train['accuracy']:.4f}; "
            f"test loss {test['loss']:.4f}, accuracy {test['accuracy']:.4f}"
        )
    plot(
        history, args.out, f"digits_cnn: CNN of width {width} on digits, {nn.count_params(model)} parameters"
    )
    return {"params": nn.count_params(model), "history": history, **history[-1]}


if __name__ == "__main__":
    main()
