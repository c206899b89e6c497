"""A second backend for tests on machines without a GPU.

Its arrays are NumPy memory in an ndarray subclass that, like CuPy's arrays, refuses to be
combined with plain NumPy arrays; its array module is a distinct module object that forwards
to NumPy, so tests can tell which module a kernel was given.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest

from fnzero import backends
from fnzero.backends import Backend

# What a ufunc may take besides arrays (ufunc.at takes an index); anything else is a tracer.
_OPERANDS = (np.ndarray, np.generic, bool, int, float, complex, tuple, list, slice)


class FakeArray(np.ndarray):
    """An array of the fake backend."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not all(isinstance(x, _OPERANDS) for x in inputs):
            return NotImplemented  # a tracer: its own operator takes over, as with CuPy arrays
        if any(type(x) is np.ndarray for x in inputs):
            raise TypeError(f"{ufunc.__name__}: a FakeArray cannot be combined with a numpy.ndarray")
        plain = [x.view(np.ndarray) if isinstance(x, FakeArray) else x for x in inputs]
        out = kwargs.get("out")
        if out is not None:  # in place: NumPy writes through plain views of the fake outputs
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, FakeArray) else o for o in out)
            getattr(ufunc, method)(*plain, **kwargs)
            return out[0] if len(out) == 1 else out
        return np.asarray(getattr(ufunc, method)(*plain, **kwargs)).view(type(self))


class _ForwardToNumpy(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)


fake_xp = _ForwardToNumpy("fake_xp")


def _to_host(x: Any) -> np.ndarray:
    return np.array(x).view(np.ndarray)


def _from_host(x: Any) -> FakeArray:
    return np.array(x).view(FakeArray)


def make_fake(name: str = "fake") -> Backend:
    return Backend(
        name=name,
        xp=fake_xp,
        array_types=(FakeArray,),
        scatter_add=lambda target, index, values: np.add.at(target.view(np.ndarray), index, values),
        to_host=_to_host,
        from_host=_from_host,
    )


def isolate_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the registry private copies of its tables; monkeypatch restores the originals."""
    for table in ("_factories", "_loaded", "_by_type"):
        monkeypatch.setattr(backends, table, dict(getattr(backends, table)))


def register_fake(monkeypatch: pytest.MonkeyPatch) -> Backend:
    """Register a fake backend for the duration of one test."""
    isolate_registry(monkeypatch)
    fake = make_fake()
    backends.register("fake", fake)
    return fake


class DeviceArray(FakeArray):
    """An array of the fake device backend. Like a GPU array, reading its values in Python
    (``float``, ``int``, ``bool``, ``.item()``) would wait for the device: each read is counted
    in ``DeviceArray.host_reads``, so tests can assert where a training step synchronizes."""

    host_reads = 0


def _counted(name: str):
    def read(self: DeviceArray, *args: Any) -> Any:
        DeviceArray.host_reads += 1
        return getattr(self.view(np.ndarray), name)(*args)

    return read


for _name in ("__float__", "__int__", "__bool__", "__index__", "__complex__", "item", "tolist"):
    setattr(DeviceArray, _name, _counted(_name))


def _plain(x: Any) -> Any:
    if isinstance(x, tuple):
        return tuple(_plain(i) for i in x)
    return x.view(np.ndarray) if isinstance(x, FakeArray) else x


def _on_device(out: Any) -> Any:
    if isinstance(out, (np.ndarray, np.generic)) and not isinstance(out, DeviceArray):
        return np.asarray(out).view(DeviceArray)
    if isinstance(out, tuple):
        return tuple(_on_device(o) for o in out)
    return out


class _DeviceModule(types.ModuleType):
    """NumPy's functions with their array results kept on the fake device (as CuPy's are)."""

    def __getattr__(self, name: str) -> Any:
        attr = getattr(np, name)
        if not callable(attr) or isinstance(attr, (type, np.ufunc)):
            return attr  # ufuncs keep device arrays through DeviceArray.__array_ufunc__

        def on_device(*args: Any, **kwargs: Any) -> Any:
            return _on_device(attr(*map(_plain, args), **kwargs))

        return on_device


device_xp = _DeviceModule("device_xp")


def make_device_fake(name: str = "device", kernels: dict | None = None) -> Backend:
    """A fake GPU: arrays off the host (``on_host=False``) that count host reads."""
    return Backend(
        name=name,
        xp=device_xp,
        array_types=(DeviceArray,),
        scatter_add=lambda target, index, values: np.add.at(_plain(target), _plain(index), _plain(values)),
        to_host=_to_host,
        from_host=lambda x: np.array(x).view(DeviceArray),
        kernels=kernels or {},
        on_host=False,
    )


def register_device_fake(monkeypatch: pytest.MonkeyPatch, kernels: dict | None = None) -> Backend:
    """Register a fake device backend for the duration of one test."""
    isolate_registry(monkeypatch)
    device = make_device_fake(kernels=kernels)
    backends.register(device.name, device)
    return device
