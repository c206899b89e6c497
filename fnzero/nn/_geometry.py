"""The window arguments of fnzero.nn's image functions, parsed and checked: an int or a
(height, width) pair for the kernel size, the stride, the zero padding added on each side and
the dilation (gap between taps), which fnzero.lax's image primitives take as pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

Pair = tuple[int, int]


def pair(value: int | Sequence[int], name: str, where: str, minimum: int) -> Pair:
    """``value`` as a pair of ints, each at least ``minimum``."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"fnzero.nn.{where}: {name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in values):
        raise ValueError(f"fnzero.nn.{where}: {name} must be at least {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


def padding_argument(where: str, padding: Any, pad: Any, default: Any = 0) -> Any:
    """The padding given as ``padding=`` (PyTorch's and JAX's name) or ``pad=`` (DeZero's), or
    ``default``; both at once is an error, so that neither silently wins."""
    if padding is not None and pad is not None:
        raise TypeError(
            f"fnzero.nn.{where}: got both padding={padding!r} and pad={pad!r}; they are one argument "
            "(pad is DeZero's name for padding): pass only one"
        )
    if padding is not None:
        return padding
    return default if pad is None else pad
