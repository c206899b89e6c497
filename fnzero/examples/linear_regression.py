"""Linear regression by gradient descent on the book's toy data (step 42): 100 points with
y = 5 + 2x + uniform noise in [0, 1), a line fitted with learning rate 0.1 for 100 steps."""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.examples._common import (
    label_axes,
    make_parser,
    new_figure,
    positive_float,
    positive_int,
    save_figure,
)


def toy_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The book's data: ``np.random.seed(0); x = rand(100, 1); y = 5 + 2x + rand(100, 1)``."""
    rng = np.random.RandomState(seed)
    x = rng.rand(100, 1)
    y = 5 + 2 * x + rng.rand(100, 1)
    return x, y


def predict(params: dict, x):
    return x @ params["W"] + params["b"]


def mean_squared_error(params: dict, x, y):
    return fnp.mean((predict(params, x) - y) ** 2)


def fit(x: np.ndarray, y: np.ndarray, lr: float, iters: int) -> tuple[dict, list[float]]:
    """Plain gradient descent from W = 0, b = 0; returns the parameters and the losses."""
    params = {"W": np.zeros((1, 1)), "b": np.zeros(1)}
    losses = []
    for _ in range(iters):
        loss, g = fz.value_and_grad(mean_squared_error)(params, x, y)
        params = fz.tree.map(lambda p, d: p - lr * d, params, g)
        losses.append(float(loss))
    return params, losses


def plot(params: dict, x: np.ndarray, y: np.ndarray, out: str) -> Any:
    """The data and the fitted line, written to linear_regression.png; the Figure."""
    fig = new_figure()
    if fig is None:
        return None
    ax = fig.subplots()
    ax.scatter(x[:, 0], y[:, 0], s=10)
    line = np.array([[0.0], [1.0]])
    ax.plot(line[:, 0], predict(params, line)[:, 0], color="red", label="fitted line")
    w, b = float(np.ravel(params["W"])[0]), float(np.ravel(params["b"])[0])
    label_axes(ax, f"linear_regression: y = {w:.3f} x + {b:.3f}, fitted by gradient descent", "x", "y")
    ax.legend()
    save_figure(fig, out, "linear_regression.png")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser("linear_regression", __doc__)
    parser.add_argument("--lr", type=positive_float, default=0.1)
    parser.add_argument(
        "--iters", type=positive_int, default=100, help="(--fast runs them all: milliseconds)"
    )
    args = parser.parse_args(argv)
    x, y = toy_data()
    params, losses = fit(x, y, args.lr, args.iters)
    W, b = float(params["W"][0, 0]), float(params["b"][0])
    print(
        f"after {args.iters} steps: W = {W:.6f}, b = {b:.6f}, loss = {losses[-1]:.6f} (from {losses[0]:.4f})"
    )
    plot(params, x, y, args.out)
    return {"W": W, "b": b, "loss": losses[-1], "first_loss": losses[0]}


if __name__ == "__main__":
    main()
