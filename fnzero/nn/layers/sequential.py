"""Sequential: layers applied in order, with keys and state threaded to those that need them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fnzero import random
from fnzero.nn.layers.protocol import apply_layer, init_state
from fnzero.nn.module import Module, static_field


class Lambda(Module):
    """A parameter-free function as a layer (activations inside Sequential)."""

    fn: Callable[[Any], Any] = static_field()

    def __call__(self, x: Any) -> Any:
        return self.fn(x)


class Sequential(Module):
    """``Sequential(layer, ..., fn, ...)``: plain functions become :class:`Lambda` layers.

    Called as ``model(x, state=None, *, key=None, train=False)``. With stateful layers
    (BatchNorm) it returns ``(y, new_state)`` with ``state = model.init_state()``; otherwise
    ``y``. ``key`` is split among the layers that draw randomness (Dropout).
    """

    layers: tuple

    def __init__(self, *layers: Any):
        for i, layer in enumerate(layers):
            if not (isinstance(layer, Module) or callable(layer)):
                raise TypeError(
                    f"fnzero.nn.Sequential: layers[{i}] must be a layer or a function, got "
                    f"{layer!r:.60} ({type(layer).__name__})"
                )
        self.layers = tuple(layer if isinstance(layer, Module) else Lambda(layer) for layer in layers)

    @property
    def stateful(self) -> bool:
        return any(getattr(layer, "stateful", False) for layer in self.layers)

    @property
    def uses_key(self) -> bool:
        return any(getattr(layer, "uses_key", False) for layer in self.layers)

    @property
    def uses_train(self) -> bool:
        return any(getattr(layer, "uses_train", False) for layer in self.layers)

    def init_state(self) -> tuple:
        return tuple(init_state(layer) for layer in self.layers)

    def __call__(self, x: Any, state: Any = None, *, key: Any = None, train: bool = False) -> Any:
        stateful = self.stateful
        if stateful and state is None:
            raise ValueError(
                "this Sequential holds stateful layers (BatchNorm): pass state=model.init_state()"
            )
        keys = random.split(key, len(self.layers)) if key is not None else [None] * len(self.layers)
        states = state if stateful else (None,) * len(self.layers)
        new_states = []
        for layer, s, k in zip(self.layers, states, keys):
            x, s = apply_layer(layer, x, s, key=k, train=train)
            new_states.append(s)
        return (x, tuple(new_states)) if stateful else x
