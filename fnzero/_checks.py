"""Argument checks shared by the layers, optimizers and loaders: each raises an error naming
the argument, what was given and what is accepted, before a bad value turns into a silent
wrong answer (NaN statistics, a growing learning rate, an empty batch)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from fnzero.backends import array_module, reads_values_cheaply
from fnzero.core.tracer import TRACER_TYPES, concrete


def is_traced(value: Any) -> bool:
    """Whether a transform traces ``value``: its entries may be unknown yet (jit) or differ
    across a vmap batch, so a check cannot read them."""
    return type(value) in TRACER_TYPES


def host_values(x: Any) -> Any:
    """``x`` with every level of tracing removed: values the library reads and never
    differentiates (labels, ids, metrics)."""
    return concrete(x)


def is_int(value: Any) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _given(value: Any) -> str:
    return f"{value!r:.60} ({type(value).__name__})"


def flag(value: Any, argument: str, where: str, *, integers: bool = False) -> bool:
    """``value`` as a bool when it is one (Python or NumPy); a TypeError for anything else,
    such as the string ``"False"``, which is truthy. ``integers`` also takes ints, as NumPy's
    own flags (``keepdims=1``) do; the flags of training and transforms take bools only."""
    if isinstance(value, (bool, np.bool_)) or (integers and isinstance(value, (int, np.integer))):
        return bool(value)
    raise TypeError(f"{where}: {argument} must be True or False, got {_given(value)}")


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


def _read_on_host(values: Any) -> bool:
    """Whether a range check may read ``values``: on a GPU that would stall every training step
    until the device catches up, so on device backends (CuPy) only when the environment
    variable FNZERO_CHECK_DEVICE_VALUES=1 asks for it."""
    return bool(values.size) and reads_values_cheaply(values)


def int_labels(labels: Any, logits_shape: tuple, where: str) -> Any:
    """Integer labels checked against the logits: shape logits.shape[:-1], values in range.

    The range check runs where the values are cheap to read (see ``_read_on_host``).
    Unchecked, an out-of-range label on a device picks a wrong class (CuPy's indexing wraps
    around) instead of raising.
    """
    labels = concrete(labels)
    xp = array_module(labels)
    labels = xp.asarray(labels)
    classes = logits_shape[-1]
    if tuple(labels.shape) != tuple(logits_shape[:-1]):
        raise ValueError(
            f"{where}: integer labels of shape {tuple(labels.shape)} do not match logits of "
            f"shape {tuple(logits_shape)} (expected labels of shape {tuple(logits_shape[:-1])})"
        )
    if _read_on_host(labels):
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= classes:
            raise ValueError(
                f"{where}: label {low if low < 0 else high} is out of range for "
                f"{classes} classes (labels must be in 0..{classes - 1})"
            )
    return labels


def int_values(values: Any, argument: str, where: str) -> Any:
    """``values`` read as a raw integer array; a TypeError for any other dtype."""
    values = concrete(values)
    values = array_module(values).asarray(values)
    if values.dtype.kind not in "iu":
        raise TypeError(f"{where}: {argument} must be integers, got dtype {values.dtype}")
    return values


def ids_in_range(ids: Any, vocabulary: int, where: str) -> Any:
    """Integer ids as an intp array, checked to lie in 0..vocabulary-1 where the values are
    cheap to read (see ``_read_on_host``)."""
    if _read_on_host(ids) and (int(ids.min()) < 0 or int(ids.max()) >= vocabulary):
        bad = int(ids.min()) if int(ids.min()) < 0 else int(ids.max())
        raise ValueError(
            f"{where}: id {bad} is out of range for a vocabulary of {vocabulary} (0..{vocabulary - 1})"
        )
    return ids.astype(np.intp, copy=False)
