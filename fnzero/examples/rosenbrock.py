"""Gradient descent on the Rosenbrock function (the book's step 28): from (0, 2) with
learning rate 0.001 towards the minimum at (1, 1), along its long curved valley."""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero as fz
from fnzero.examples._common import (
    fail,
    float_range,
    int_range,
    label_axes,
    make_parser,
    new_figure,
    save_figure,
)

MINIMUM = (1.0, 1.0)


def rosenbrock(x0, x1):
    return 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2


def descend(start: tuple[float, float], lr: float, iters: int) -> np.ndarray:
    """The path of plain gradient descent, shape (iters + 1, 2)."""
    x0, x1 = np.float64(start[0]), np.float64(start[1])
    grad = fz.grad(rosenbrock, argnums=(0, 1))
    path = [(x0, x1)]
    for _ in range(iters):
        g0, g1 = grad(x0, x1)
        with np.errstate(over="ignore", invalid="ignore"):
            x0, x1 = x0 - lr * g0, x1 - lr * g1
        path.append((x0, x1))
        if not (np.isfinite(x0) and np.isfinite(x1) and abs(x0) < 1e100 and abs(x1) < 1e100):
            break  # diverged: the caller reports it
    return np.array(path, dtype=np.float64)


def plot(path: np.ndarray, out: str, lr: float) -> Any:
    """The descent's path over the function's contours, written to rosenbrock.png; the Figure."""
    fig = new_figure()
    if fig is None:
        return None
    ax = fig.subplots()
    a, b = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
    ax.contour(a, b, rosenbrock(a, b), levels=np.logspace(-1, 3.5, 15), cmap="viridis")
    ax.plot(path[:, 0], path[:, 1], ".-", color="red", markersize=2, label="gradient descent")
    ax.plot(*MINIMUM, "*", color="blue", markersize=12, label="minimum (1, 1)")
    start = ", ".join(f"{v:g}" for v in path[0])
    title = f"rosenbrock: gradient descent from ({start}), {len(path) - 1} steps of lr {lr:g}"
    label_axes(ax, title, "x0", "x1")
    ax.legend()
    save_figure(fig, out, "rosenbrock.png")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser("rosenbrock", __doc__)
    parser.add_argument("--lr", type=float_range(0.0, 1.0), default=0.001)
    parser.add_argument(
        "--iters", type=int_range(1, 10**6), default=10000, help="(--fast runs them all: under a second)"
    )
    args = parser.parse_args(argv)
    iters = args.iters
    path = descend((0.0, 2.0), args.lr, iters)
    if len(path) < iters + 1:
        fail("rosenbrock", f"--lr: gradient descent diverged after {len(path) - 1} steps with lr {args.lr:g}")
    for i in sorted({0, 1, 10, 100, 1000, iters} & set(range(iters + 1))):
        print(f"iter {i:5d}: x0 = {path[i, 0]:.6f}, x1 = {path[i, 1]:.6f}")
    x0, x1 = (float(v) for v in path[-1])
    distance = float(np.hypot(x0 - MINIMUM[0], x1 - MINIMUM[1]))
    print(f"distance to the minimum (1, 1): {distance:.4f} (from {np.hypot(1.0, 1.0):.4f})")
    plot(path, args.out, args.lr)
    return {
        "x0": x0,
        "x1": x1,
        "iters": iters,
        "distance": distance,
        "value": float(rosenbrock(x0, x1)),
    }


if __name__ == "__main__":
    main()
