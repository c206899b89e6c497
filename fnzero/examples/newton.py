"""Newton's method with grad-of-grad (the book's step 33): minimize x**4 - 2 x**2 from x = 2."""

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


def f(x):
    return x**4 - 2 * x**2


def newton(x0: float = 2.0, iters: int = 10) -> list[float]:
    """The iterates x_0 .. x_iters of x <- x - f'(x) / f''(x); ValueError where f''(x) = 0."""
    xs = [x0]
    x = x0
    for _ in range(iters):
        curvature = float(fz.grad(fz.grad(f))(x))
        if curvature == 0.0:
            raise ValueError(f"f''({float(x)!r}) = 0: Newton's step is undefined there")
        x = x - fz.grad(f)(x) / curvature
        xs.append(float(x))
    return xs


def plot(xs: list[float], out: str) -> Any:
    """f and Newton's iterates on it, written to newton.png; the Figure."""
    fig = new_figure()
    if fig is None:
        return None
    ax = fig.subplots()
    grid = np.linspace(-2.1, 2.1, 200)
    ax.plot(grid, f(grid), label="f(x) = x^4 - 2x^2")
    ax.plot(xs, [f(x) for x in xs], "o-", color="red", label="Newton iterates")
    title = f"newton: Newton's method on f(x) = x^4 - 2x^2 from x0 = {xs[0]:g}, {len(xs) - 1} steps"
    label_axes(ax, title, "x", "f(x)")
    ax.legend()
    save_figure(fig, out, "newton.png")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser("newton", __doc__)
    parser.add_argument("--iters", type=int_range(0, 1000), default=10)
    parser.add_argument(
        "--x0", type=float_range(-1e6, 1e6), default=2.0, help="starting point (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        xs = newton(args.x0, args.iters)
    except ValueError as e:
        fail("newton", f"--x0: {e}")
    for i, x in enumerate(xs):
        print(i, x)
    plot(xs, args.out)
    return {"xs": xs, "x": xs[-1]}


if __name__ == "__main__":
    main()
