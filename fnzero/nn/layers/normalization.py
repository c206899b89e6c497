"""BatchNorm (running statistics in an explicit state) and LayerNorm."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero._checks import is_int, positive_int, real_number
from fnzero.nn.module import Module, static_field
from fnzero.nn.normalization import batch_norm, layer_norm


class BatchNorm(Module):
    """Batch normalization over channel axis 1: ``y, state = bn(x, state, train=...)``.

    The running statistics are not parameters: they live in ``state = bn.init_state()``,
    passed in and returned, so the module itself never changes.
    """

    stateful = True
    uses_train = True

    gamma: Any
    beta: Any
    momentum: float = static_field()
    eps: float = static_field()

    def __init__(
        self, num_features: int, *, momentum: float = 0.9, eps: float = 1e-5, dtype: Any = np.float32
    ):
        num_features = positive_int(num_features, "num_features", "fnzero.nn.BatchNorm")
        real_number(momentum, "momentum", "fnzero.nn.BatchNorm", low=0, high=1)
        real_number(eps, "eps", "fnzero.nn.BatchNorm", low=0)
        self.gamma = np.ones(num_features, dtype)
        self.beta = np.zeros(num_features, dtype)
        self.momentum = momentum
        self.eps = eps

    def init_state(self) -> dict:
        """Running mean 0 and variance 1, on the parameters' backend."""
        return {"mean": fnp.zeros_like(self.gamma), "var": fnp.ones_like(self.gamma)}

    def __call__(self, x: Any, state: dict, *, train: bool) -> tuple[Any, dict]:
        if state is None:
            raise ValueError(
                "BatchNorm needs its state: pass state=bn.init_state() (or the state returned last)"
            )
        y, (mean, var) = batch_norm(
            x,
            self.gamma,
            self.beta,
            state["mean"],
            state["var"],
            train=train,
            momentum=self.momentum,
            eps=self.eps,
        )
        return y, {"mean": mean, "var": var}


class LayerNorm(Module):
    """Normalize over the trailing ``normalized_shape`` axes, then scale and shift."""

    gamma: Any
    beta: Any
    eps: float = static_field()

    def __init__(self, normalized_shape: int | Sequence[int], *, eps: float = 1e-5, dtype: Any = np.float32):
        where = "fnzero.nn.LayerNorm"
        if not is_int(normalized_shape) and not isinstance(normalized_shape, (tuple, list)):
            raise TypeError(
                f"{where}: normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}"
            )
        shape = (normalized_shape,) if is_int(normalized_shape) else tuple(normalized_shape)
        shape = tuple(positive_int(n, "normalized_shape", where) for n in shape)
        real_number(eps, "eps", where, low=0)
        self.gamma = np.ones(shape, dtype)
        self.beta = np.zeros(shape, dtype)
        self.eps = eps

    def __call__(self, x: Any) -> Any:
        axes = tuple(range(-len(self.gamma.shape), 0))
        return layer_norm(x, self.gamma, self.beta, axis=axes, eps=self.eps)
