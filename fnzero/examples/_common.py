"""What every example shares: its command line, its output folder, and optional plots."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, NoReturn

PLOTS_HINT = "pip install fnzero[plots]"


def make_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """A parser with the options every example takes: ``--fast`` and ``--out``."""
    parser = argparse.ArgumentParser(
        prog=f"fnzero run {name}", description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fast", action="store_true", help="a short run (a few seconds), as the tests do")
    parser.add_argument(
        "--out",
        default=os.path.join("runs", name),
        help="folder for plots and files (default: %(default)s)",
    )
    return parser


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


def save_figure(fig: Any, out: str, filename: str) -> str:
    """Write ``fig`` to ``out/filename``; returns the path."""
    path = out_path(out, filename)
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")
    return path
