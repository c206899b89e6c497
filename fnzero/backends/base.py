"""The Backend record: one array library and the few operations it spells its own way."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import attrs


@attrs.frozen
class Backend:
    """An array library fnzero can run on.

    ``xp`` is the NumPy-compatible module; the callables cover what NumPy and CuPy
    spell differently, so primitives never test which library they run on.
    """

    name: str
    xp: ModuleType
    array_types: tuple[type, ...]
    scatter_add: Callable[[Any, Any, Any], None]
    to_host: Callable[[Any], Any]
    from_host: Callable[[Any], Any]

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        return self.xp.asarray(x, dtype=dtype)
