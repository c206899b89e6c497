"""Loss functions: scalars to minimize, stable for logits of any size (finite values and
gradients at +-1000), reduced over examples by ``reduction`` ("mean", "sum" or "none")."""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero import lax
from fnzero._checks import int_labels, is_traced, real_number
from fnzero.nn.activations import log_softmax


def _reduce(losses: Any, reduction: str, where: str) -> Any:
    if reduction == "mean":
        return fnp.mean(losses)
    if reduction == "sum":
        return fnp.sum(losses)
    if reduction == "none":
        return losses
    raise ValueError(f"fnzero.nn.{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_broadcast(predictions: Any, targets: Any, where: str) -> None:
    """Refuse shapes that broadcast against each other into a third shape: predictions
    (N, 1) and targets (N,) would silently average an (N, N) table of every pair. One side
    broadcasting into the other's shape (one target row for every example) is allowed."""
    p, t = (tuple(getattr(x, "shape", None) or np.shape(x)) for x in (predictions, targets))
    if p == t:
        return
    try:
        both = np.broadcast_shapes(p, t)
    except ValueError:
        both = None
    if both not in (p, t):
        raise ValueError(
            f"fnzero.nn.{where}: predictions of shape {p} and targets of shape {t} do not match: the "
            f"targets must have the predictions' shape or broadcast to it (or the other way round), "
            f"not both broadcast to {both or 'a third shape'}; reshape one of them"
        )


def softmax_cross_entropy(logits: Any, labels: Any, *, reduction: str = "mean") -> Any:
    """Cross-entropy between softmax(logits) (classes on the last axis) and the labels.

    ``labels`` are class indices (integer array of shape ``logits.shape[:-1]``) or target
    probabilities (float array of the logits' shape, e.g. one-hot rows).
    """
    logp = log_softmax(logits, axis=-1)
    if getattr(labels, "dtype", None) is None:  # a list or a scalar
        labels = np.asarray(labels)
    if labels.dtype.kind in "iu" and is_traced(labels):
        # Labels that differ across a vmapped batch: select by comparison, not by index.
        if tuple(labels.shape) != tuple(logits.shape[:-1]):
            raise ValueError(
                f"fnzero.nn.softmax_cross_entropy: integer labels of shape {tuple(labels.shape)} do not "
                f"match logits of shape {tuple(logits.shape)}"
            )
        classes = fnp.arange(logits.shape[-1], backend=logp)
        hot = fnp.equal(fnp.reshape(labels, tuple(labels.shape) + (1,)), classes)
        losses = -fnp.sum(fnp.where(hot, logp, 0), axis=-1)
    elif labels.dtype.kind in "iu":
        labels = int_labels(labels, tuple(logits.shape), "fnzero.nn.softmax_cross_entropy")
        flat = fnp.reshape(logp, (-1, logits.shape[-1]))
        rows = fnp.arange(flat.shape[0], backend=labels)
        picked = fnp.index(flat, (rows, labels.reshape(-1)))
        losses = -fnp.reshape(picked, tuple(logits.shape[:-1]))
    else:
        if tuple(getattr(labels, "shape", ())) != tuple(logits.shape):
            raise ValueError(
                f"fnzero.nn.softmax_cross_entropy: target probabilities of shape "
                f"{tuple(getattr(labels, 'shape', ()))} do not match logits of shape {tuple(logits.shape)}"
            )
        losses = -fnp.sum(labels * logp, axis=-1)
    return _reduce(losses, reduction, "softmax_cross_entropy")


def sigmoid_binary_cross_entropy(logits: Any, labels: Any, *, reduction: str = "mean") -> Any:
    """Cross-entropy between sigmoid(logits) and targets in [0, 1], elementwise, as
    ``max(x, 0) - x t + log1p(exp(-|x|))``."""
    if tuple(getattr(labels, "shape", ())) != tuple(logits.shape):
        raise ValueError(
            f"fnzero.nn.sigmoid_binary_cross_entropy: labels of shape {tuple(getattr(labels, 'shape', ()))} "
            f"do not match logits of shape {tuple(logits.shape)}"
        )
    losses = fnp.maximum(logits, 0) - logits * labels + fnp.log1p(fnp.exp(-fnp.abs(logits)))
    return _reduce(losses, reduction, "sigmoid_binary_cross_entropy")


def mean_squared_error(predictions: Any, targets: Any, *, reduction: str = "mean") -> Any:
    """Squared differences, averaged over every element by default (PyTorch's MSELoss)."""
    _check_broadcast(predictions, targets, "mean_squared_error")
    if reduction in ("mean", "sum"):
        return lax.squared_error(predictions, targets, mean=reduction == "mean")
    return _reduce(fnp.square(predictions - targets), reduction, "mean_squared_error")


def huber_loss(predictions: Any, targets: Any, delta: float = 1.0, *, reduction: str = "mean") -> Any:
    """Quadratic for errors up to ``delta``, linear beyond: ``0.5 e^2`` or ``delta (|e| - delta/2)``."""
    real_number(delta, "delta", "fnzero.nn.huber_loss", low=0, low_open=True)
    _check_broadcast(predictions, targets, "huber_loss")
    error = predictions - targets
    size = fnp.abs(error)
    losses = fnp.where(fnp.less_equal(size, delta), 0.5 * fnp.square(error), delta * (size - 0.5 * delta))
    return _reduce(losses, reduction, "huber_loss")
