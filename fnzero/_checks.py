"""Argument checks shared by the layers, optimizers and loaders: each raises an error naming
the argument, what was given and what is accepted, before a bad value turns into a silent
wrong answer (NaN statistics, a growing learning rate, an empty batch)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from fnzero.core.tracer import TRACER_TYPES


def is_int(value: Any) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _given(value: Any) -> str:
    return f"{value!r:.60} ({type(value).__name__})"


def flag(value: Any, argument: str, where: str) -> bool:
    """``value`` as a bool when it is one (Python or NumPy); a TypeError for anything else,
    such as the string ``"False"``, which is truthy."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {argument} must be True or False, got {_given(value)}")
    return bool(value)


def positive_int(value: Any, argument: str, where: str, *, minimum: int = 1) -> int:
    """``value`` as an int when it is an integer >= ``minimum``; a TypeError for floats,
    strings, bools and None, a ValueError for smaller integers."""
    accepted = f"an integer >= {minimum}"
    if not is_int(value):
        raise TypeError(f"{where}: {argument} must be {accepted}, got {_given(value)}")
    if value < minimum:
        raise ValueError(f"{where}: {argument} must be {accepted}, got {value!r}")
    return int(value)


def real_number(
    value: Any,
    argument: str,
    where: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> Any:
    """``value`` when it is a real number (Python, NumPy or a 0-d array) in the interval
    given, and not NaN (nor infinite unless ``allow_inf``). Traced values and 0-d device
    arrays pass unchecked: their values are not known yet, or cost a wait for the device.
    A TypeError for non-numbers, a ValueError outside."""
    if type(value) in TRACER_TYPES:
        return value
    parts = []
    if low is not None and high is not None:
        parts.append(f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}")
    elif low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    elif high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    accepted = "a finite real number" if not allow_inf else "a real number (not NaN)"
    accepted += f" {parts[0]}" if parts else ""
    number = value
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if getattr(value, "shape", None) == () and kind is not None and kind in "iuf":
        if not isinstance(value, (np.ndarray, np.generic)):
            return value  # a 0-d device array: reading it would wait for the device
        number = value.item()
    if isinstance(number, (bool, np.bool_)) or not isinstance(number, numbers.Real):
        raise TypeError(f"{where}: {argument} must be {accepted}, got {_given(value)}")
    number = float(number)
    bad = math.isnan(number) or (math.isinf(number) and not allow_inf)
    if low is not None:
        bad = bad or number < low or (low_open and number == low)
    if high is not None:
        bad = bad or number > high or (high_open and number == high)
    if bad:
        raise ValueError(f"{where}: {argument} must be {accepted}, got {value!r}")
    return value
