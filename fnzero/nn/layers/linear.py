"""Linear and MLP."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero import random
from fnzero.nn import initializers
from fnzero.nn.activations import relu
from fnzero.nn.linear import linear
from fnzero.nn.module import Module, static_field


class Linear(Module):
    """``x @ W + b`` with ``W`` of shape (in_features, out_features), as DeZero's Linear.

    ``W`` is LeCun-normal initialized from ``key``; ``b`` starts at zero (None without bias).
    """

    W: Any
    b: Any
    in_features: int = static_field()
    out_features: int = static_field()

    def __init__(
        self, in_features: int, out_features: int, *, key: Any, bias: bool = True, dtype: Any = np.float32
    ):
        self.W = initializers.lecun_normal(dtype=dtype)(key, (in_features, out_features))
        self.b = initializers.zeros(key, (out_features,), dtype) if bias else None
        self.in_features = in_features
        self.out_features = out_features

    def __call__(self, x: Any) -> Any:
        """(..., in_features) -> (..., out_features)."""
        return linear(x, self.W, self.b)


class MLP(Module):
    """Linear layers of ``sizes`` (input first, output last) with ``activation`` between them."""

    layers: list
    activation: Callable[[Any], Any] = static_field()

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        key: Any,
        activation: Callable[[Any], Any] = relu,
        dtype: Any = np.float32,
    ):
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs an input and an output size, got {list(sizes)}")
        keys = random.split(key, len(sizes) - 1)
        self.layers = [Linear(a, b, key=k, dtype=dtype) for a, b, k in zip(sizes[:-1], sizes[1:], keys)]
        self.activation = activation

    def __call__(self, x: Any) -> Any:
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.layers[-1](x)
