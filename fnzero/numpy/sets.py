"""Set operations on arrays. Their results' sizes depend on the values, so they read the
values: fine on plain arrays and on integer arrays under any transform; a float array under
a transform that differentiates, or any traced array in jit, raises ConcretizationTypeError
(the result would have no derivative, or no shape)."""

from __future__ import annotations

from typing import Any

from fnzero.backends import array_module
from fnzero.core.tracer import concrete
from fnzero.numpy.logic import equal
from fnzero.numpy.reductions import sum as _sum
from fnzero.numpy.shapes import ravel, reshape


def _values(x: Any, where: str) -> Any:
    return concrete(x, f"fnzero.numpy.{where}()")


def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False) -> Any:
    """Whether each entry of ``element`` is among ``test_elements`` (a boolean array of
    ``element``'s shape); traceable, as it compares every pair."""
    del assume_unique  # the pairwise comparison needs no such promise
    pairs = equal(reshape(element, (*getattr(element, "shape", ()), 1)), ravel(test_elements))
    found = _sum(pairs, axis=-1) > 0
    return ~found if invert else found


def intersect1d(ar1: Any, ar2: Any, assume_unique: bool = False, return_indices: bool = False) -> Any:
    """The sorted unique values in both ``ar1`` and ``ar2`` (NumPy's, on the values)."""
    a, b = _values(ar1, "intersect1d"), _values(ar2, "intersect1d")
    return array_module(a).intersect1d(a, b, assume_unique=assume_unique, return_indices=return_indices)


def union1d(ar1: Any, ar2: Any) -> Any:
    """The sorted unique values in ``ar1`` or ``ar2``."""
    a, b = _values(ar1, "union1d"), _values(ar2, "union1d")
    return array_module(a).union1d(a, b)


def setdiff1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """The sorted unique values of ``ar1`` that are not in ``ar2``."""
    a, b = _values(ar1, "setdiff1d"), _values(ar2, "setdiff1d")
    return array_module(a).setdiff1d(a, b, assume_unique=assume_unique)


def setxor1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """The sorted unique values in exactly one of ``ar1`` and ``ar2``."""
    a, b = _values(ar1, "setxor1d"), _values(ar2, "setxor1d")
    return array_module(a).setxor1d(a, b, assume_unique=assume_unique)
