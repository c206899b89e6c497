"""What every example shares: its command line, its output folder, and optional plots."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

PLOTS_HINT = "pip install fnzero[plots]"


class ExampleParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line naming the flag (no usage block), exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def make_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """A parser with the options every example takes: ``--fast`` and ``--out``."""
    parser = ExampleParser(
        prog=f"fnzero run {name}", description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fast", action="store_true", help="a short run (a few seconds), as the tests do")
    parser.add_argument(
        "--out",
        type=folder,
        default=os.path.join("runs", name),
        help="folder for plots and files (default: %(default)s)",
    )
    return parser


def _number(kind: Callable[[str], Any], test: Callable[[Any], bool], accepted: str) -> Callable[[str], Any]:
    """An argparse ``type``: ``kind(text)`` when ``test`` holds, else an error saying what is accepted
    (argparse prefixes the flag's name)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not test(value):
            raise argparse.ArgumentTypeError(f"expected {accepted}, got {text!r}")
        return value

    parse.__name__ = accepted
    return parse


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An integer in [low, high] (no upper limit when ``high`` is None)."""
    accepted = f"an integer >= {low}" if high is None else f"an integer from {low} to {high}"
    return _number(int, lambda v: v >= low and (high is None or v <= high), accepted)


def float_range(low: float, high: float | None = None, *, low_open: bool = True) -> Callable[[str], float]:
    """A finite float above ``low`` (at least ``low`` when not ``low_open``), at most ``high``."""
    sign = ">" if low_open else ">="
    accepted = f"a number {sign} {low:g}" + ("" if high is None else f" and <= {high:g}")

    def test(v: float) -> bool:
        above = v > low if low_open else v >= low
        return math.isfinite(v) and above and (high is None or v <= high)

    return _number(float, test, accepted)


positive_int = int_range(1)
positive_float = float_range(0.0)
seed = int_range(0, 2**32 - 1)


def folder(text: str) -> str:
    """An argparse ``type`` for ``--out``: a folder that exists or can be made (not a file)."""
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a file, expected a folder")
    return text


def fail(name: str, message: str) -> NoReturn:
    """End the example with a one-line message on stderr and exit code 2 (a user's mistake)."""
    print(f"fnzero run {name}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def out_path(out: str, filename: str) -> str:
    """``out/filename``, creating the folder on first use."""
    os.makedirs(out, exist_ok=True)
    return os.path.join(out, filename)


def new_figure(*, figsize: tuple[float, float] = (6.4, 4.8)) -> Any:
    """A matplotlib Figure (no pyplot, no global state), or None with a one-line note when
    matplotlib is not installed."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print(f"plots skipped: matplotlib is not installed ({PLOTS_HINT})")
        return None
    return Figure(figsize=figsize, layout="constrained")


def label_axes(ax: Any, title: str, xlabel: str, ylabel: str, *, integer_x: bool = False) -> None:
    """Title and axis labels on ``ax``: every figure an example writes says which example and run
    it shows, and what its axes measure. ``integer_x``: whole-number ticks only (epochs)."""
    from matplotlib.ticker import MaxNLocator

    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if integer_x:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def epoch_curves(ax: Any, history: list[dict], metric: str) -> None:
    """``train_<metric>`` and, where the history has it, ``test_<metric>`` against the epoch."""
    epochs = [h["epoch"] for h in history]
    for split, name in (("train", "training"), ("test", "test")):
        key = f"{split}_{metric}"
        if all(key in h for h in history):
            ax.plot(epochs, [h[key] for h in history], "o-", label=f"{name} {metric}")
    ax.legend()
    ax.grid(alpha=0.3)


def save_figure(fig: Any, out: str, filename: str) -> str:
    """Write ``fig`` to ``out/filename``; returns the path."""
    path = out_path(out, filename)
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")
    return path
