"""Creating arrays and changing dtypes. Creation is not differentiable; astype is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fnzero.backends import Backend, array_module, backend_of, get
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import TRACER_TYPES
from fnzero.numpy._batching import same_axis_rule


def _xp(backend: str | Backend | None):
    return get(backend).xp if backend is not None else get("numpy").xp


def asarray(x: Any, dtype: Any = None, *, backend: str | Backend | None = None) -> Any:
    """An array from ``x``; traced values stay traced (cast with astype if ``dtype`` is given)."""
    if type(x) in TRACER_TYPES:
        return x if dtype is None or x.dtype == dtype else astype(x, dtype)
    if backend is None:
        return array_module(x).asarray(x, dtype=dtype)
    target, source = get(backend), backend_of(x)
    if source is not None and source is not target:
        x = source.to_host(x)
    return target.xp.asarray(x, dtype=dtype)


def zeros(shape: int | Sequence[int], dtype: Any = float, *, backend: str | Backend | None = None) -> Any:
    return _xp(backend).zeros(shape, dtype)


def ones(shape: int | Sequence[int], dtype: Any = float, *, backend: str | Backend | None = None) -> Any:
    return _xp(backend).ones(shape, dtype)


def full(
    shape: int | Sequence[int], fill_value: Any, dtype: Any = None, *, backend: str | Backend | None = None
) -> Any:
    return _xp(backend).full(shape, fill_value, dtype)


def _like_traced(x: Any):
    """The array module of the arrays under the tracer ``x``."""
    return array_module(x.primal_value)


def zeros_like(x: Any, dtype: Any = None) -> Any:
    if type(x) in TRACER_TYPES:  # the shape a transform sees (a batch level hides its axis)
        return _like_traced(x).zeros(x.shape, x.dtype if dtype is None else dtype)
    return array_module(x).zeros_like(x, dtype=dtype)


def ones_like(x: Any, dtype: Any = None) -> Any:
    if type(x) in TRACER_TYPES:  # the shape a transform sees (a batch level hides its axis)
        return _like_traced(x).ones(x.shape, x.dtype if dtype is None else dtype)
    return array_module(x).ones_like(x, dtype=dtype)


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Any:
    if type(x) in TRACER_TYPES:
        return _like_traced(x).full(x.shape, fill_value, x.dtype if dtype is None else dtype)
    return array_module(x).full_like(x, fill_value, dtype=dtype)


def arange(
    start: Any, stop: Any = None, step: Any = None, dtype: Any = None, *, backend: str | Backend | None = None
) -> Any:
    return _xp(backend).arange(start, stop, step, dtype=dtype)


def linspace(
    start: float,
    stop: float,
    num: int = 50,
    endpoint: bool = True,
    dtype: Any = None,
    *,
    backend: str | Backend | None = None,
) -> Any:
    return _xp(backend).linspace(start, stop, num, endpoint=endpoint, dtype=dtype)


def eye(
    n: int, m: int | None = None, k: int = 0, dtype: Any = float, *, backend: str | Backend | None = None
) -> Any:
    return _xp(backend).eye(n, m, k, dtype=dtype)


def _astype_impl(x, dtype):
    return array_module(x).asarray(x).astype(dtype)


def _onnx_cast(b, eq, ops, out):
    return b.node("Cast", [ops[0]], out, to=b.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(eq.output.dtype)))


_astype = Primitive("astype", _astype_impl, onnx=_onnx_cast)
_astype.defvjp(lambda g, ans, x, dtype: _astype(g, x.dtype))
_astype.defjvp(lambda t, ans, x, dtype: _astype(t, dtype))
_astype.defbatch(same_axis_rule(_astype))
# To integers or booleans: piecewise constant, so not differentiable (no vjp rule).
_astype_discrete = Primitive("astype_discrete", _astype_impl, onnx=_onnx_cast)
_astype_discrete.defbatch(same_axis_rule(_astype_discrete))


def astype(x: Any, dtype: Any) -> Any:
    """``x`` converted to ``dtype``; the cotangent is converted back to ``x``'s dtype.

    Conversion to an integer or boolean dtype has a zero derivative."""
    if np.dtype(dtype).kind not in "fc":
        return _astype_discrete(x, dtype)
    return _astype(x, dtype)


def shape(x: Any) -> tuple[int, ...]:
    """The shape of an array, traced or not (what ``numpy.shape`` dispatches to)."""
    return tuple(getattr(x, "shape", ()))


def ndim(x: Any) -> int:
    return len(shape(x))


def size(x: Any) -> int:
    n = 1
    for d in shape(x):
        n *= d
    return n
