"""Metrics: numbers to report, not to differentiate."""

from __future__ import annotations

from typing import Any

from fnzero.backends import array_module
from fnzero.core.tracer import concrete
from fnzero.nn.losses import checked_int_labels


def accuracy(logits: Any, labels: Any) -> Any:
    """The fraction of rows whose largest logit is at the label (a 0-d float array)."""
    logits = concrete(logits)
    labels = checked_int_labels(labels, tuple(logits.shape), "accuracy")
    xp = array_module(logits)
    return xp.mean(xp.argmax(logits, axis=-1) == labels, dtype=xp.float64)
