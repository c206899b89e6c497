"""Newton's method with grad-of-grad (the book's step 33): minimize x**4 - 2 x**2 from x = 2."""

from __future__ import annotations

import argparse

import fnzero as fz


def f(x):
    return x**4 - 2 * x**2


def newton(x0: float = 2.0, iters: int = 10) -> list[float]:
    """The iterates x_0 .. x_iters of x <- x - f'(x) / f''(x)."""
    xs = [x0]
    x = x0
    for _ in range(iters):
        x = x - fz.grad(f)(x) / fz.grad(fz.grad(f))(x)
        xs.append(float(x))
    return xs


def main(argv: list[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fast", action="store_true", help="same run (it already takes milliseconds)")
    parser.add_argument("--iters", type=int, default=10)
    args = parser.parse_args(argv)
    xs = newton(iters=args.iters)
    for i, x in enumerate(xs):
        print(i, x)
    return xs


if __name__ == "__main__":
    main()
