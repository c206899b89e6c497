"""sin as its Taylor series, built from fnzero operations (the book's step 27):
sin x = sum_i (-1)^i x^(2i+1) / (2i+1)!, summed until a term falls below a threshold.
Its value and derivative (which grad finds through the loop) are compared with fnzero.numpy.sin."""

from __future__ import annotations

import math
import shutil
from typing import Any

import numpy as np

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.examples._common import (
    fail,
    float_range,
    label_axes,
    make_parser,
    new_figure,
    out_path,
    save_figure,
)


def taylor_term(x, i: int):
    """The i-th term of the series, (-1)^i x^(2i+1) / (2i+1)!."""
    return (-1) ** i / math.factorial(2 * i + 1) * x ** (2 * i + 1)


# More terms than any float64 |x| <= 10 needs before its terms underflow to zero.
MAX_TERMS = 200


def my_sin(x, threshold: float = 1e-4):
    """sin(x) from its Taylor series, stopping after the first term smaller than ``threshold``
    (everywhere in ``x``); good for |x| up to about pi. ValueError when ``threshold`` is not
    positive or the series does not get there in ``MAX_TERMS`` terms."""
    if not threshold > 0:
        raise ValueError(f"my_sin: threshold must be > 0, got {threshold!r}")
    y = 0.0
    for i in range(MAX_TERMS):
        t = taylor_term(x, i)
        y = y + t
        if fnp.max(fnp.abs(t)) < threshold:  # bool() of a traced comparison: no derivative dropped
            return y
    raise ValueError(f"my_sin: no term fell below {threshold!r} in {MAX_TERMS} terms")


def write_graph(x: np.ndarray, threshold: float, out: str) -> None:
    """The book's figure of my_sin's computation: DOT text, and a PNG when Graphviz is installed."""
    graph = fz.make_graph(lambda v: my_sin(v, threshold))(x)
    dot_path = out_path(out, "my_sin.dot")
    with open(dot_path, "w") as f:
        f.write(graph.to_dot())
    print(f"wrote {dot_path}")
    if shutil.which("dot") is None:
        print("graph picture skipped: Graphviz's `dot` is not installed (apt-get install graphviz)")
        return
    print(f"wrote {graph.render(out_path(out, 'my_sin.png'))}")


def plot(out: str) -> Any:
    """sin and its first Taylor partial sums, written to taylor_sin.png; the Figure."""
    fig = new_figure()
    if fig is None:
        return None
    ax = fig.subplots()
    grid = np.linspace(-2 * np.pi, 2 * np.pi, 400)
    ax.plot(grid, np.sin(grid), color="black", linewidth=2, label="sin x")
    partial = np.zeros_like(grid)
    for i in range(6):
        partial = partial + taylor_term(grid, i)
        ax.plot(grid, partial, label=f"{i + 1} term{'s' if i else ''}")
    ax.set_ylim(-2, 2)
    label_axes(ax, "taylor_sin: sin x and the partial sums of its Taylor series at 0", "x", "y")
    ax.legend(fontsize="small")
    save_figure(fig, out, "taylor_sin.png")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser("taylor_sin", __doc__)
    parser.add_argument(
        "--x",
        type=float_range(-10.0, 10.0, low_open=False),
        default=np.pi / 4,
        help="the point (default: pi/4)",
    )
    parser.add_argument(
        "--threshold", type=float_range(0.0, 1.0), default=1e-4, help="stop below this term (default 1e-4)"
    )
    args = parser.parse_args(argv)
    x = np.float64(args.x)
    first_small = next((i for i in range(MAX_TERMS) if abs(taylor_term(x, i)) < args.threshold), None)
    if first_small is None:
        fail("taylor_sin", f"--threshold: no term fell below {args.threshold!r} in {MAX_TERMS} terms")
    terms = 1 + first_small
    value, slope = fz.value_and_grad(lambda v: my_sin(v, args.threshold))(x)
    exact, exact_slope = fz.value_and_grad(fnp.sin)(x)
    print(f"sin({args.x:.6g}):    {float(exact):.16f}   derivative {float(exact_slope):.16f}")
    print(f"my_sin({args.x:.6g}): {float(value):.16f}   derivative {float(slope):.16f}   ({terms} terms)")
    write_graph(x, args.threshold, args.out)
    plot(args.out)
    return {
        "value": float(value),
        "grad": float(slope),
        "terms": terms,
        "error": abs(float(value) - float(exact)),
        "grad_error": abs(float(slope) - float(exact_slope)),
    }


if __name__ == "__main__":
    main()
