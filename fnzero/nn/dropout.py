"""Inverted dropout with an explicit key and train flag (no global Config.train)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero import random
from fnzero._checks import flag


def check_rate(rate: Any, where: str) -> None:
    """A dropout rate: a number in [0, 1] (1 drops everything), not None, a string or NaN."""
    number = isinstance(rate, numbers.Real) and not isinstance(rate, (bool, np.bool_))
    if not number or not 0 <= rate <= 1:
        raise (ValueError if number else TypeError)(
            f"fnzero.nn.{where}: rate must be in [0, 1] (a number: the probability of dropping each "
            f"entry), got {rate!r} ({type(rate).__name__})"
        )


def dropout(x: Any, rate: float, *, key: Any = None, train: bool) -> Any:
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 - rate)``, so the
    expected output is ``x``. ``train=False`` returns ``x`` unchanged; training needs a ``key``,
    and the same key drops the same entries.
    """
    check_rate(rate, "dropout")
    flag(train, "train", "fnzero.nn.dropout")
    if not train:
        return x
    if key is None:
        raise ValueError("fnzero.nn.dropout: train=True needs a key (e.g. key=fnzero.random.split(key)[1])")
    if rate == 0:
        return x
    keep = random.bernoulli(key, 1.0 - rate, tuple(x.shape), backend=x)
    return fnp.where(keep, x * (1.0 / (1.0 - rate)) if rate < 1 else x * 0.0, 0)
