"""How containers call their layers: who takes a key, a train flag, or a state.

A layer class says so with class attributes (not fields): ``uses_key``, ``uses_train`` and
``stateful``. A stateful layer is called ``layer(x, state, ...) -> (y, state)`` and has
``init_state()``; others ``layer(x, ...) -> y``.
"""

from __future__ import annotations

from typing import Any


def apply_layer(layer: Any, x: Any, state: Any, *, key: Any, train: bool) -> tuple[Any, Any]:
    """Call ``layer`` with what it takes; returns ``(y, new_state)`` (state None if stateless)."""
    kwargs = {}
    if getattr(layer, "uses_key", False):
        kwargs["key"] = key
    if getattr(layer, "uses_train", False):
        kwargs["train"] = train
    if getattr(layer, "stateful", False):
        return layer(x, state, **kwargs)
    return layer(x, **kwargs), None


def init_state(layer: Any) -> Any:
    return layer.init_state() if getattr(layer, "stateful", False) else None
