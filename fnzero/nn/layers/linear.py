"""Linear and MLP."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero import random
from fnzero._checks import flag, positive_int
from fnzero.nn import initializers
from fnzero.nn.activations import relu
from fnzero.nn.dense import linear
from fnzero.nn.module import Module, static_field

INITS = ("lecun_normal", "dezero")


class Linear(Module):
    """``x @ W + b`` with ``W`` of shape (in_features, out_features), as DeZero's Linear.

    ``W`` is LeCun-normal initialized from ``key`` (``init="lecun_normal"``), or with
    ``init="dezero"`` drawn as DeZero draws it, ``rng.randn(in, out) * sqrt(1 / in)`` from a
    ``numpy.random.RandomState`` (or a seed) passed as ``rng``, so the book's numbers come out.
    ``b`` starts at zero (None without bias).
    """

    W: Any
    b: Any
    in_features: int = static_field()
    out_features: int = static_field()

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        key: Any = None,
        bias: bool = True,
        dtype: Any = np.float32,
        init: str = "lecun_normal",
        rng: np.random.RandomState | int | None = None,
    ):
        in_features = positive_int(in_features, "in_features", "fnzero.nn.Linear")
        bias = flag(bias, "bias", "fnzero.nn.Linear")
        out_features = positive_int(out_features, "out_features", "fnzero.nn.Linear")
        if init == "dezero":
            self.W = initializers.dezero_normal(
                _legacy_rng(rng, "Linear"), (in_features, out_features), dtype
            )
        elif init == "lecun_normal":
            if key is None:
                raise TypeError(
                    "Linear: key is required for init='lecun_normal' (or pass init='dezero', rng=...)"
                )
            self.W = initializers.lecun_normal(dtype=dtype)(key, (in_features, out_features))
        else:
            raise ValueError(f"Linear: init must be one of {INITS}, got {init!r}")
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
        key: Any = None,
        activation: Callable[[Any], Any] = relu,
        dtype: Any = np.float32,
        init: str = "lecun_normal",
        rng: np.random.RandomState | int | None = None,
    ):
        """``init`` and ``rng`` as for :class:`Linear`; with ``init="dezero"`` the layers draw
        from one ``rng`` in order, first layer first, as DeZero's MLP does."""
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"fnzero.nn.MLP: sizes must be a sequence of ints, got {sizes!r}")
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs an input and an output size, got {list(sizes)}")
        sizes = [positive_int(n, f"sizes[{i}]", "fnzero.nn.MLP") for i, n in enumerate(sizes)]
        if init not in INITS:
            raise ValueError(f"MLP: init must be one of {INITS}, got {init!r}")
        if init == "dezero":
            state, keys = _legacy_rng(rng, "MLP"), [None] * (len(sizes) - 1)
        elif key is None:
            raise TypeError("MLP: key is required for init='lecun_normal' (or pass init='dezero', rng=...)")
        else:
            state, keys = None, random.split(key, len(sizes) - 1)
        self.layers = [
            Linear(a, b, key=k, dtype=dtype, init=init, rng=state)
            for a, b, k in zip(sizes[:-1], sizes[1:], keys)
        ]
        self.activation = activation

    def __call__(self, x: Any) -> Any:
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.layers[-1](x)


def _legacy_rng(rng: np.random.RandomState | int | None, where: str) -> np.random.RandomState:
    if isinstance(rng, np.random.RandomState):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.RandomState(int(rng))
    raise TypeError(
        f"{where}: init='dezero' needs rng, a numpy.random.RandomState or an int seed, got {rng!r}"
    )
