"""Parameter initializers, JAX's (jax.nn.initializers): ``init = glorot_uniform();
W = init(key, (fan_in, fan_out))``. Each draws from the key it is given and nothing else.

Fans come from the shape: ``in_axis`` and ``out_axis`` name the input and output axes and
every other axis is a receptive field (for an OIHW conv weight: ``in_axis=1, out_axis=0``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero import random

Initializer = Callable[..., Any]
# Standard deviation of a unit normal truncated to [-2, 2]: dividing by it restores unit variance.
_TRUNCATED_STD = 0.87962566103423978


def zeros(key: Any, shape: Sequence[int], dtype: Any = np.float32) -> Any:
    """Zeros, on the key's backend (the key itself is not used)."""
    return fnp.zeros(tuple(shape), dtype, backend=key)


def ones(key: Any, shape: Sequence[int], dtype: Any = np.float32) -> Any:
    """Ones, on the key's backend (the key itself is not used)."""
    return fnp.ones(tuple(shape), dtype, backend=key)


def _fans(shape: tuple[int, ...], in_axis: int, out_axis: int) -> tuple[int, int]:
    if len(shape) < 2:
        raise ValueError(
            f"fnzero.nn.initializers: fans need a weight with at least 2 axes, got shape {shape}"
        )
    receptive = math.prod(shape) // (shape[in_axis] * shape[out_axis]) if math.prod(shape) else 0
    return shape[in_axis] * receptive, shape[out_axis] * receptive


def variance_scaling(
    scale: float, mode: str, distribution: str, in_axis: int = -2, out_axis: int = -1, dtype: Any = np.float32
) -> Initializer:
    """Samples with variance ``scale / n``, n the fan in, fan out or their average (``mode``),
    from a ``"truncated_normal"``, ``"normal"`` or ``"uniform"`` distribution."""
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"fnzero.nn.initializers: mode must be fan_in, fan_out or fan_avg, got {mode!r}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(
            "fnzero.nn.initializers: distribution must be truncated_normal, normal or uniform, "
            f"got {distribution!r}"
        )

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        shape = tuple(int(d) for d in shape)
        fan_in, fan_out = _fans(shape, in_axis, out_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = scale / max(n, 1)
        if distribution == "truncated_normal":
            std = math.sqrt(variance) / _TRUNCATED_STD
            # Scaled in place: the sample is fresh, and a second array the size of VGG16's fc6
            # would be 400 MB more to allocate and touch.
            w = random.truncated_normal(key, -2.0, 2.0, shape, dtype)
            w *= np.asarray(std, dtype)
            return w
        if distribution == "normal":
            return random.normal(key, shape, dtype) * np.asarray(math.sqrt(variance), dtype)
        limit = math.sqrt(3 * variance)
        return random.uniform(key, shape, dtype, -limit, limit)

    return init


def glorot_uniform(in_axis: int = -2, out_axis: int = -1, dtype: Any = np.float32) -> Initializer:
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, dtype)


def glorot_normal(in_axis: int = -2, out_axis: int = -1, dtype: Any = np.float32) -> Initializer:
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, dtype)


def he_uniform(in_axis: int = -2, out_axis: int = -1, dtype: Any = np.float32) -> Initializer:
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, dtype)


def he_normal(in_axis: int = -2, out_axis: int = -1, dtype: Any = np.float32) -> Initializer:
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, dtype)


def lecun_normal(in_axis: int = -2, out_axis: int = -1, dtype: Any = np.float32) -> Initializer:
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, dtype)


def dezero_normal(rng: np.random.RandomState, shape: Sequence[int], dtype: Any = np.float32) -> Any:
    """DeZero's Linear weight, ``randn(*shape) * sqrt(1 / shape[0])``, from NumPy's legacy
    generator ``rng`` (advanced by the draw), rounded as the book's NumPy rounds it: the
    sample and the scale each in ``dtype``, then their product."""
    shape = tuple(int(d) for d in shape)
    if len(shape) != 2:
        raise ValueError(f"fnzero.nn.initializers.dezero_normal: shape must be (in, out), got {shape}")
    return rng.randn(*shape).astype(dtype) * np.asarray(math.sqrt(1 / max(shape[0], 1)), dtype)


xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal
