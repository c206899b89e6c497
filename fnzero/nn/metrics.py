"""Metrics: numbers to report, not to differentiate."""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero._checks import host_values, int_labels


def accuracy(logits: Any, labels: Any) -> Any:
    """The fraction of rows whose largest logit is at the label (a 0-d float array)."""
    logits = host_values(logits)
    labels = int_labels(labels, tuple(logits.shape), "fnzero.nn.accuracy")
    return fnp.mean(fnp.astype(fnp.argmax(logits, axis=-1) == labels, fnp.float64))
