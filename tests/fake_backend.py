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


class FakeArray(np.ndarray):
    """An array of the fake backend."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(type(x) is np.ndarray for x in inputs):
            raise TypeError(f"{ufunc.__name__}: a FakeArray cannot be combined with a numpy.ndarray")
        plain = [x.view(np.ndarray) if isinstance(x, FakeArray) else x for x in inputs]
        return np.asarray(getattr(ufunc, method)(*plain, **kwargs)).view(FakeArray)


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
