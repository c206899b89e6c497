"""Moving whole pytrees between backends."""

from __future__ import annotations

from typing import Any

from fnzero import tree
from fnzero.backends import Backend, backend_of, get


def device_put(x: Any, backend: str | Backend = "numpy") -> Any:
    """Every array leaf of ``x`` moved to ``backend`` ("numpy" or "cupy"); other leaves unchanged."""
    target = get(backend)

    def move(leaf: Any) -> Any:
        source = backend_of(leaf)
        if source is None or source is target:
            return leaf
        return target.from_host(source.to_host(leaf))

    return tree.map(move, x)
