"""The Backend record: one array library and the few operations it spells its own way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import attrs


@attrs.frozen
class Backend:
    """An array library fnzero can run on.

    ``xp`` is the NumPy-compatible module; the callables cover what NumPy and CuPy
    spell differently, so primitives never test which library they run on.

    ``kernels``: the library's own versions of some primitive kernels and derivative rules
    (cuDNN convolution, fused elementwise rules), by name, each taking the same arguments as
    the portable code it replaces and returning None where it does not apply; see
    :func:`fnzero.backends.own_kernel`. ``on_host``: whether arrays live in host memory, so that
    reading their values in Python (``int(a.max())``) costs no device synchronization.
    """

    name: str
    xp: ModuleType
    array_types: tuple[type, ...]
    scatter_add: Callable[[Any, Any, Any], None]
    to_host: Callable[[Any], Any]
    from_host: Callable[[Any], Any]
    kernels: Mapping[str, Callable[..., Any]] = attrs.field(factory=dict, eq=False)
    on_host: bool = True

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        return self.xp.asarray(x, dtype=dtype)
