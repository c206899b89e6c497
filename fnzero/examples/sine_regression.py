"""A two-layer network fitting a noisy sine (the book's step 43): 100 points with
y = sin(2 pi x) + uniform noise in [0, 1), a sigmoid hidden layer of 10 units whose weights
start at 0.01 * randn, plain gradient descent with learning rate 0.2 for 10,000 steps.
Data and weights come from NumPy's legacy generator seeded 0, in the book's order, so the
losses printed every 1,000 steps are the book's."""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero as fz
import fnzero.nn as nn
from fnzero.examples._common import (
    label_axes,
    make_parser,
    new_figure,
    positive_float,
    positive_int,
    save_figure,
)

NAME = "sine_regression"


def book_data_and_params(hidden: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """``np.random.seed(0)``; x = rand(100, 1); y = sin(2 pi x) + rand(100, 1); then
    W1 = 0.01 randn(1, H), W2 = 0.01 randn(H, 1) and zero biases, all float64."""
    rng = np.random.RandomState(0)
    x = rng.rand(100, 1)
    y = np.sin(2 * np.pi * x) + rng.rand(100, 1)
    params = {
        "W1": 0.01 * rng.randn(1, hidden),
        "b1": np.zeros(hidden),
        "W2": 0.01 * rng.randn(hidden, 1),
        "b2": np.zeros(1),
    }
    return x, y, params


def predict(params: dict, x):
    h = nn.sigmoid(nn.linear(x, params["W1"], params["b1"]))
    return nn.linear(h, params["W2"], params["b2"])


def loss_fn(params: dict, x, y):
    return nn.mean_squared_error(predict(params, x), y)


def fit(params: dict, x: np.ndarray, y: np.ndarray, lr: float, iters: int) -> tuple[dict, list[float]]:
    """Gradient descent; returns the parameters and every step's loss (before its update)."""
    step = fz.value_and_grad(loss_fn)
    losses = []
    for i in range(iters):
        loss, g = step(params, x, y)
        params = fz.tree.map(lambda p, d: p - lr * d, params, g)
        losses.append(float(loss))
        if i % 1000 == 0:
            print(f"step {i:5d}: loss {losses[-1]!r}")
    return params, losses


def plot(params: dict, x: np.ndarray, y: np.ndarray, iters: int, out: str) -> Any:
    """The data and the network's curve, written to sine_regression.png; the Figure."""
    fig = new_figure()
    if fig is None:
        return None
    ax = fig.subplots()
    ax.scatter(x[:, 0], y[:, 0], s=10, label="data: sin(2 pi x) + noise")
    grid = np.linspace(0, 1, 200)[:, None]
    ax.plot(grid[:, 0], np.asarray(predict(params, grid))[:, 0], color="red", label="network")
    label_axes(ax, f"sine_regression: a two-layer network fitting a noisy sine ({iters} steps)", "x", "y")
    ax.legend()
    save_figure(fig, out, "sine_regression.png")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser(NAME, __doc__)
    parser.add_argument("--lr", type=positive_float, default=0.2, help="(default: %(default)s)")
    parser.add_argument("--iters", type=positive_int, default=10000, help="(--fast runs them all: a second)")
    parser.add_argument("--hidden", type=positive_int, default=10, help="hidden units (default: %(default)s)")
    args = parser.parse_args(argv)
    x, y, params = book_data_and_params(args.hidden)
    params, losses = fit(params, x, y, args.lr, args.iters)
    print(f"after {args.iters} steps: loss {losses[-1]!r}")
    plot(params, x, y, args.iters, args.out)
    return {"losses": losses, "loss": losses[-1]}


if __name__ == "__main__":
    main()
