"""An MLP on the handwritten digits shipped with fnzero (the book's steps 51-53, whose MNIST
it reads instead when --data-root holds the IDX files): ReLU layers, Adam with weight decay;
after every epoch the model, the optimizer state and the metrics are saved, and --resume
continues from there exactly as if the run had not stopped."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

import fnzero as fz
import fnzero.nn as nn
from fnzero.data import AsType, Compose, Flatten, Normalize
from fnzero.examples._common import (
    epoch_curves,
    fail,
    float_range,
    label_axes,
    make_parser,
    new_figure,
    out_path,
    positive_float,
    positive_int,
    save_figure,
    seed,
)
from fnzero.examples._training import evaluate, train_epoch

NAME = "digits_mlp"


def datasets(data_root: str | None) -> tuple[str, object, object]:
    """(name, train set, test set): MNIST from ``data_root`` when given, else the digits."""
    if data_root is None:
        transform = Compose(AsType(np.float32), Normalize(0.0, 16.0), Flatten())
        return "digits", fz.data.digits(True, transform), fz.data.digits(False, transform)
    transform = Compose(AsType(np.float32), Normalize(0.0, 255.0), Flatten())
    try:
        return (
            "mnist",
            fz.data.MNIST(data_root, True, transform=transform),
            fz.data.MNIST(data_root, False, transform=transform),
        )
    except (FileNotFoundError, ValueError) as e:
        fail(NAME, str(e))


def optimizer(lr: float, weight_decay: float) -> fz.optim.GradientTransformation:
    """Adam on the gradient plus ``weight_decay * p`` (the book's WeightDecay hook)."""
    return fz.optim.chain(fz.optim.add_decayed_weights(weight_decay), fz.optim.adam(lr))


def plot(history: list[dict], out: str, run: str = "digits_mlp") -> dict[str, Any]:
    """Training and test loss (loss.png) and accuracy (accuracy.png) by epoch; the Figures by
    file name (none without matplotlib). ``run`` names the model and data in the titles."""
    figures = {}
    for filename, metric, ylabel in (
        ("loss.png", "loss", "cross-entropy loss"),
        ("accuracy.png", "accuracy", "accuracy"),
    ):
        fig = new_figure()
        if fig is None:
            return {}
        ax = fig.subplots()
        epoch_curves(ax, history, metric)
        label_axes(ax, f"{run}: {ylabel}", "epoch", ylabel, integer_x=True)
        save_figure(fig, out, filename)
        figures[filename] = fig
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser(NAME, __doc__)
    parser.add_argument(
        "--epochs", type=positive_int, default=None, help="total epochs (default 20; 6 with --fast)"
    )
    parser.add_argument("--batch-size", type=positive_int, default=100)
    parser.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=None,
        help="hidden sizes (default 1000 1000; 100 with --fast)",
    )
    parser.add_argument(
        "--lr", type=positive_float, default=None, help="Adam's step (default 1e-3; 1e-2 with --fast)"
    )
    parser.add_argument("--weight-decay", type=float_range(0.0, low_open=False), default=1e-4)
    parser.add_argument("--seed", type=seed, default=0)
    parser.add_argument("--data-root", default=None, help="a folder with MNIST's IDX .gz files")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    args = parser.parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (6 if args.fast else 20)
    hidden = args.hidden if args.hidden is not None else ([100] if args.fast else [1000, 1000])
    lr = args.lr if args.lr is not None else (1e-2 if args.fast else 1e-3)

    name, train_set, test_set = datasets(args.data_root)
    init_key, data_key = fz.random.split(fz.random.key(args.seed))
    inputs = train_set.batch(np.arange(1))[0].shape[1]
    model = nn.MLP([inputs, *hidden, 10], key=init_key)
    opt = optimizer(lr, args.weight_decay)
    opt_state = opt.init(model)
    checkpoint, metrics = out_path(args.out, "checkpoint.npz"), out_path(args.out, "metrics.json")
    history: list[dict] = []
    if args.resume:
        if not (os.path.exists(checkpoint) and os.path.exists(metrics)):
            fail(NAME, f"--resume: no checkpoint and metrics in {args.out!r} (run without --resume first)")
        try:
            saved = fz.load(checkpoint, like={"model": model, "opt_state": opt_state, "epoch": 0})
        except ValueError as e:
            fail(NAME, f"--resume: {e} (were --hidden or --data-root different?)".replace("\n", " "))
        model, opt_state = saved["model"], saved["opt_state"]
        with open(metrics) as f:
            history = json.load(f)[: saved["epoch"]]
        print(f"resumed from {checkpoint} after epoch {saved['epoch']}")

    train_loader = fz.data.DataLoader(train_set, args.batch_size, key=data_key)
    test_loader = fz.data.DataLoader(test_set, 500, shuffle=False)
    print(f"{name}: {len(train_set)} training and {len(test_set)} test images, MLP {[inputs, *hidden, 10]}")
    for epoch in range(len(history), epochs):
        train_loader.set_epoch(epoch)
        model, _, opt_state, train = train_epoch(model, None, opt, opt_state, train_loader, key=None)
        test = evaluate(model, None, test_loader)
        history.append(
            {
                "epoch": epoch + 1,
                "train_loss": train["loss"],
                "train_accuracy": train["accuracy"],
                "test_loss": test["loss"],
                "test_accuracy": test["accuracy"],
            }
        )
        print(
            f"epoch {epoch + 1:2d}: train loss {train['loss']:.4f}, accuracy {train['accuracy']:.4f}; "
            f"test loss {test['loss']:.4f}, accuracy {test['accuracy']:.4f}"
        )
        fz.save(checkpoint, {"model": model, "opt_state": opt_state, "epoch": epoch + 1})
        with open(metrics, "w") as f:
            json.dump(history, f, indent=1)
    print(f"wrote {checkpoint} and {metrics}")
    plot(history, args.out, f"digits_mlp: MLP {[inputs, *hidden, 10]} on {name}")
    return {"dataset": name, "checkpoint": checkpoint, "history": history, **history[-1]}


if __name__ == "__main__":
    main()
