"""NumPy's host-side helpers under jax.numpy's names: files, buffers, printing, the abstract
scalar types used with ``issubdtype``, and the tests on Python objects. They touch no traced
value, so they are NumPy's own objects; ``ndarray`` is the exception, a type that also
recognises CuPy arrays and traced values, as ``jax.numpy.ndarray`` recognises JAX arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero import backends
from fnzero.core.tracer import TRACER_TYPES

_DLPACK_CPU = 1  # DLPack's device code for host memory

save = np.save
savez = np.savez
load = np.load
fromfile = np.fromfile
frombuffer = np.frombuffer
fromiter = np.fromiter
fromstring = np.fromstring
einsum_path = np.einsum_path
printoptions = np.printoptions
get_printoptions = np.get_printoptions
set_printoptions = np.set_printoptions
array_repr = np.array_repr
array_str = np.array_str
iterable = np.iterable
isscalar = np.isscalar
ComplexWarning = np.exceptions.ComplexWarning


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> Any:
    """An array sharing the memory of a DLPack producer (a PyTorch tensor, a CuPy or NumPy
    array): a NumPy array for a host buffer, a CuPy array for a GPU one."""
    on_host = not hasattr(x, "__dlpack_device__") or x.__dlpack_device__()[0] == _DLPACK_CPU
    if on_host:
        return np.from_dlpack(x, device=device, copy=copy)
    return backends.get("cupy").xp.from_dlpack(x)


class _ArrayType(type):
    def __instancecheck__(cls, value: Any) -> bool:
        if type(value) in TRACER_TYPES:
            return True
        backend = backends.backend_of(value)
        return backend is not None and not isinstance(value, np.generic)


class ndarray(metaclass=_ArrayType):  # noqa: N801 (NumPy's name)
    """The type of fnzero's arrays, for ``isinstance`` checks: NumPy and CuPy arrays and
    traced values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("fnzero.numpy.ndarray cannot be instantiated; use fnzero.numpy.array or asarray")
