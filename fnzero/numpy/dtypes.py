"""Dtypes and the rules that combine them, as JAX names them.

The scalar types are NumPy's own (``fnzero.numpy.float32 is numpy.float32``): fnzero's
arrays are NumPy or CuPy arrays, so their dtypes are NumPy's. Promotion is NumPy's too
(what fnzero's kernels compute), with Python scalars weakly typed: ``result_type(x, 2.0)``
is ``x``'s dtype for a float32 ``x``. Traced values count by their dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero.core.tracer import TRACER_TYPES

float16 = np.float16
float32 = np.float32
float64 = np.float64
int8 = np.int8
int16 = np.int16
int32 = np.int32
int64 = np.int64
uint8 = np.uint8
uint16 = np.uint16
uint32 = np.uint32
uint64 = np.uint64
bool_ = np.bool_
complex64 = np.complex64
complex128 = np.complex128
# The abstract kinds, for issubdtype(x.dtype, fnzero.numpy.floating).
generic = np.generic
number = np.number
inexact = np.inexact
floating = np.floating
complexfloating = np.complexfloating
integer = np.integer
signedinteger = np.signedinteger
unsignedinteger = np.unsignedinteger
flexible = np.flexible
character = np.character
object_ = np.object_
dtype = np.dtype

_KINDS = {
    "bool": "b",
    "signed integer": "i",
    "unsigned integer": "u",
    "integral": "iu",
    "real floating": "f",
    "complex floating": "c",
    "numeric": "iufc",
}


def isdtype(dtype: Any, kind: Any) -> bool:
    """Whether ``dtype`` is of ``kind``: a dtype, one of the array API's kind names
    (``"bool"``, ``"signed integer"``, ``"unsigned integer"``, ``"integral"``,
    ``"real floating"``, ``"complex floating"``, ``"numeric"``), or a tuple of those."""
    dt = np.dtype(dtype)
    if isinstance(kind, tuple):
        return any(isdtype(dt, k) for k in kind)
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise ValueError(
                f"fnzero.numpy.isdtype: kind must be a dtype or one of {sorted(_KINDS)}, got {kind!r}"
            )
        return dt.kind in _KINDS[kind]
    return dt == np.dtype(kind)


def _as_dtype_or_value(x: Any) -> Any:
    """A traced value as its dtype (its value would be read otherwise); anything else as given."""
    return x.dtype if type(x) in TRACER_TYPES else x


def result_type(*args: Any) -> np.dtype:
    """The dtype NumPy's promotion gives ``args`` (arrays, traced values, dtypes, Python
    scalars, which are weakly typed): the dtype of an elementwise operation on them."""
    if not args:
        raise ValueError("fnzero.numpy.result_type: give at least one array or dtype")
    return np.result_type(*map(_as_dtype_or_value, args))


def promote_types(a: Any, b: Any) -> np.dtype:
    """The smallest dtype both dtypes ``a`` and ``b`` convert to safely."""
    return np.promote_types(a, b)


def can_cast(from_: Any, to: Any, casting: str = "safe") -> bool:
    """Whether ``from_`` (a dtype, array or traced value) converts to ``to`` under ``casting``
    ('no', 'equiv', 'safe', 'same_kind' or 'unsafe')."""
    return bool(np.can_cast(_as_dtype_or_value(from_), to, casting=casting))


def issubdtype(arg1: Any, arg2: Any) -> bool:
    """Whether dtype ``arg1`` is of the kind ``arg2`` (``issubdtype(x.dtype, floating)``)."""
    return bool(np.issubdtype(arg1, arg2))


def _dtype_of(x: Any) -> Any:
    """An array's or traced value's dtype; a dtype or scalar type as it is."""
    return x if isinstance(x, (type, np.dtype, str)) else getattr(x, "dtype", x)


def finfo(dtype: Any) -> np.finfo:
    """Machine limits of a float dtype (``eps``, ``max``, ``tiny``); an array or traced value
    stands for its dtype."""
    return np.finfo(_dtype_of(dtype))


def iinfo(int_type: Any) -> np.iinfo:
    """Machine limits of an integer dtype (``min``, ``max``); an array or traced value stands
    for its dtype."""
    return np.iinfo(_dtype_of(int_type))


# NumPy's C-style names, at the 64-bit widths JAX gives them with x64 enabled; last in the
# module, as this `bool` would shadow the builtin in everything below it.
bool = np.bool_  # noqa: A001
int_ = np.int64
uint = np.uint64
float_ = double = np.float64
single = np.float32
complex_ = cdouble = np.complex128
csingle = np.complex64


def _complex_result(dtype: np.dtype) -> np.dtype:
    """The complex type JAX gives functions with complex results (roots, sort_complex) of
    ``dtype``: complex64 from float32 and narrower, complex128 from float64 and integers."""
    if dtype.kind == "c":
        return dtype
    return np.dtype(np.complex64) if dtype.kind == "f" and dtype.itemsize <= 4 else np.dtype(np.complex128)
