"""Batch and layer normalization. Batch norm's running statistics are passed in and the new
ones returned: nothing is stored between calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import fnzero.numpy as fnp
from fnzero._checks import flag, is_int, real_number


def _check_param(p: Any, shape: tuple, name: str, where: str, x_shape: tuple) -> None:
    if p is not None and tuple(p.shape) != shape:
        raise ValueError(
            f"fnzero.nn.{where}: {name} has shape {tuple(p.shape)}, expected {shape} for an input of "
            f"shape {x_shape}"
        )


def batch_norm(
    x: Any,
    gamma: Any,
    beta: Any,
    running_mean: Any,
    running_var: Any,
    *,
    train: bool,
    momentum: float = 0.9,
    eps: float = 1e-5,
) -> tuple[Any, tuple[Any, Any]]:
    """Normalize each channel of ``x`` ((N, C) or (N, C, H, W)), then scale by ``gamma`` and
    shift by ``beta`` (all statistics and parameters of shape (C,)).

    Training uses the batch's mean and (biased) variance and returns the running statistics
    moved toward them: ``momentum * old + (1 - momentum) * batch`` (the variance unbiased, as
    DeZero and PyTorch do). Inference uses the running statistics and returns them unchanged.
    Returns ``(y, (new_running_mean, new_running_var))``.
    """
    flag(train, "train", "fnzero.nn.batch_norm")
    shape = tuple(x.shape)
    if len(shape) not in (2, 4):
        raise ValueError(f"fnzero.nn.batch_norm: expected an (N, C) or (N, C, H, W) input, got shape {shape}")
    if shape[1] == 0:
        raise ValueError(f"fnzero.nn.batch_norm: the input of shape {shape} has no channels (axis 1 is 0)")
    if train and 0 in shape:
        raise ValueError(
            f"fnzero.nn.batch_norm: train=True on an empty batch (input of shape {shape}) has no "
            f"statistics: its mean and variance would be NaN, and so the running statistics"
        )
    real_number(momentum, "momentum", "fnzero.nn.batch_norm", low=0, high=1)
    real_number(eps, "eps", "fnzero.nn.batch_norm", low=0)
    channels = (shape[1],)
    params = {"gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var}
    for name, p in params.items():
        _check_param(p, channels, name, "batch_norm", shape)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    spread = (1, -1) if len(shape) == 2 else (1, -1, 1, 1)
    if train:
        mean = fnp.mean(x, axis=axes)
        var = fnp.var(x, axis=axes)
        m = x.size // shape[1]
        unbiased = fnp.stop_gradient(var) * (m / max(m - 1, 1))
        new_mean = momentum * running_mean + (1 - momentum) * fnp.stop_gradient(mean)
        new_var = momentum * running_var + (1 - momentum) * unbiased
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean, running_var
    scale = gamma / fnp.sqrt(var + eps)
    y = (x - fnp.reshape(mean, spread)) * fnp.reshape(scale, spread) + fnp.reshape(beta, spread)
    return y, (new_mean, new_var)


def layer_norm(
    x: Any, gamma: Any = None, beta: Any = None, axis: int | Sequence[int] = -1, eps: float = 1e-5
) -> Any:
    """Normalize ``x`` over ``axis`` (each example on its own), then ``* gamma + beta``, whose
    shape is that of the normalized axes (None: no scale or shift)."""
    ndim = len(x.shape)
    if is_int(axis):
        axes = (axis,)
    elif isinstance(axis, (tuple, list)) and all(is_int(a) for a in axis):
        axes = tuple(axis)
    else:
        raise TypeError(
            f"fnzero.nn.layer_norm: axis must be an int or a tuple of ints, "
            f"got {axis!r} ({type(axis).__name__})"
        )
    if not axes or any(not -ndim <= a < ndim for a in axes):
        raise ValueError(f"fnzero.nn.layer_norm: axis {axis} is out of range for an input of shape {x.shape}")
    axes = tuple(sorted(a % ndim for a in axes))
    mean = fnp.mean(x, axis=axes, keepdims=True)
    var = fnp.var(x, axis=axes, keepdims=True)
    y = (x - mean) / fnp.sqrt(var + eps)
    normalized = tuple(x.shape[a] for a in axes)
    spread = tuple(x.shape[a] if a in axes else 1 for a in range(ndim))
    _check_param(gamma, normalized, "gamma", "layer_norm", tuple(x.shape))
    _check_param(beta, normalized, "beta", "layer_norm", tuple(x.shape))
    if gamma is not None:
        y = y * fnp.reshape(gamma, spread)
    if beta is not None:
        y = y + fnp.reshape(beta, spread)
    return y
