"""The backend registry: which array library an array belongs to, and how to reach it.

NumPy is the default and always present; CuPy is registered but imported only when first
asked for (by name, or because a CuPy array showed up).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from fnzero.backends import cupy_backend, numpy_backend
from fnzero.backends.base import Backend

__all__ = [
    "Backend",
    "register",
    "get",
    "available",
    "backend_of",
    "xp_of",
    "array_module",
    "default",
    "own_kernel",
    "reads_values_cheaply",
    "DEFAULT",
    "CHECK_DEVICE_VALUES",
]

DEFAULT = "numpy"
# Environment variable: set to 1 to have value checks (label ranges) run on device arrays too.
CHECK_DEVICE_VALUES = "FNZERO_CHECK_DEVICE_VALUES"

_factories: dict[str, Callable[[], Backend]] = {}
_loaded: dict[str, Backend] = {}
_by_type: dict[type, Backend] = {}
# Array types that are not a backend's arrays: Python scalars are weakly typed and join
# whichever backend the other operands have.
_SCALAR_TYPES = (bool, int, float, complex)
_PYTHON_SCALARS = frozenset(_SCALAR_TYPES)  # exactly these types: no backend to look for


def register(name: str, backend: Backend | Callable[[], Backend]) -> None:
    """Register a backend, or a zero-argument factory that builds it on first use."""
    _loaded.pop(name, None)
    # The type cache may point at the backend being replaced: rebuild it from the loaded ones.
    _by_type.clear()
    for loaded in _loaded.values():
        _by_type.update(dict.fromkeys(loaded.array_types, loaded))
    if isinstance(backend, Backend):
        _factories[name] = lambda: backend
        get(name)
    else:
        _factories[name] = backend


def get(name: str | Backend | Any) -> Backend:
    """The backend registered as ``name``, importing its library on first use. A Backend is
    itself, and an array (or a tracer) stands for the backend it lives on, so ``backend=x``
    anywhere places new arrays beside ``x``."""
    if isinstance(name, Backend):
        return name
    if not isinstance(name, str):
        found = backend_of(name)
        if found is None:
            raise TypeError(
                f"a backend is given by name ({sorted(_factories)}), as a Backend or as an array that "
                f"lives on it; got {name!r:.60} ({type(name).__name__})"
            )
        return found
    found = _loaded.get(name)
    if found is not None:
        return found
    if name not in _factories:
        raise ValueError(f"unknown backend {name!r}; registered backends: {sorted(_factories)}")
    backend = _factories[name]()
    _loaded[name] = backend
    for t in backend.array_types:
        _by_type[t] = backend
    return backend


def available() -> list[str]:
    """Names of the registered backends that can be used on this machine now."""
    names = []
    for name in _factories:
        try:
            get(name)
        except (ImportError, RuntimeError):
            continue
        names.append(name)
    return names


def default() -> Backend:
    """The backend new arrays go to when none is named: NumPy."""
    return get(DEFAULT)


def backend_of(x: Any) -> Backend | None:
    """The backend whose array ``x`` is, or None for a Python scalar (weakly typed)."""
    found = _by_type.get(type(x))
    if found is not None:
        return found
    if type(x) in _PYTHON_SCALARS:
        return None
    return _backend_of_new_type(x)


def _backend_of_new_type(x: Any) -> Backend | None:
    # Backends first: NumPy's float64 and complex128 scalars subclass Python's float/complex.
    for backend in _loaded.values():
        if isinstance(x, backend.array_types):
            _by_type[type(x)] = backend
            return backend
    if isinstance(x, _SCALAR_TYPES):
        return None
    if type(x).__module__.split(".")[0] == "cupy":
        return get("cupy")
    value = getattr(x, "primal_value", None)
    if value is not None:  # a tracer: the backend of the value it carries
        return backend_of(value)
    return None


def array_module(x: Any):
    """The array module of one operand (NumPy for a Python scalar); the hot path of kernels."""
    found = _by_type.get(type(x))
    if found is None:
        found = backend_of(x) or default()
    return found.xp


def own_kernel(name: str, *arrays: Any, **params: Any) -> Any:
    """The result of the arrays' backend's own kernel ``name``, or None.

    None when the backend has no such kernel (NumPy has none), when the arrays are not all
    plain arrays of one backend (a tracer among them: the caller's portable fnzero code then
    runs, and stays differentiable), or when the kernel declines these arguments.
    """
    backend = _by_type.get(type(arrays[0]))
    if backend is None or not backend.kernels:
        return None
    kernel = backend.kernels.get(name)
    if kernel is None or any(_by_type.get(type(a)) is not backend for a in arrays[1:]):
        return None
    return kernel(*arrays, **params)


def reads_values_cheaply(x: Any) -> bool:
    """Whether Python may read the values of array ``x`` (to check them) inside a training step:
    arrays in host memory, or any array when the environment variable
    ``FNZERO_CHECK_DEVICE_VALUES=1`` asks for checks (each one then waits for the device)."""
    backend = backend_of(x)
    return backend is None or backend.on_host or os.environ.get(CHECK_DEVICE_VALUES) == "1"


def xp_of(*xs: Any):
    """The array module shared by ``xs``; NumPy when all are scalars.

    Python and NumPy scalars join any backend's arrays (CuPy takes both as scalars).
    Raises TypeError naming both backends when arrays of two backends are mixed.
    """
    found = None
    for x in xs:
        b = backend_of(x)
        if b is None or b is found or isinstance(x, np.generic):
            continue
        if found is not None:
            raise TypeError(
                f"arrays from two backends in one call: {found.name} and {b.name}; "
                f"move them to one with fnzero.device_put(tree, {found.name!r})"
            )
        found = b
    return (found or default()).xp


register("numpy", numpy_backend.make)
register("cupy", cupy_backend.make)
get("numpy")
