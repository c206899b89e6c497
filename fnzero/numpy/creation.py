"""Creating arrays and changing dtypes. Creation is not differentiable; astype is."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from fnzero._checks import flag
from fnzero.backends import Backend, array_module, backend_of, get
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import TRACER_TYPES
from fnzero.numpy._axes import integer
from fnzero.numpy.batching import same_axis_rule


def _xp(backend: str | Backend | None):
    return get(backend).xp if backend is not None else get("numpy").xp


def _has_tracer(obj: Any) -> bool:
    if type(obj) in TRACER_TYPES:
        return True
    return isinstance(obj, (list, tuple)) and any(_has_tracer(o) for o in obj)


def _leaves(obj: Any) -> list:
    if isinstance(obj, (list, tuple)):
        return [leaf for o in obj for leaf in _leaves(o)]
    return [obj]


def _stack_nested(obj: Any, dtype: Any, xp: Any) -> Any:
    """Nested lists holding traced values, stacked (so the derivative flows into each)."""
    from fnzero.numpy.shapes import stack

    if isinstance(obj, (list, tuple)):
        return stack([_stack_nested(o, dtype, xp) for o in obj])
    if type(obj) in TRACER_TYPES:
        return obj if obj.dtype == dtype else astype(obj, dtype)
    return xp.asarray(obj, dtype=dtype)


def _from_nested(obj: Any, dtype: Any) -> Any:
    """An array from nested lists holding traced values: their common dtype (Python scalars
    weakly typed, as in arithmetic), or ``dtype``."""
    from fnzero.numpy.dtypes import result_type

    leaves = _leaves(obj)
    tracers = [leaf for leaf in leaves if type(leaf) in TRACER_TYPES]
    dtype = result_type(*leaves) if dtype is None else np.dtype(dtype)
    return _stack_nested(obj, dtype, _like_traced(tracers[0]))


def asarray(
    a: Any, dtype: Any = None, *, copy: bool | None = None, backend: str | Backend | None = None
) -> Any:
    """An array from ``a`` (an array, scalar or nested lists); traced values stay traced (cast
    with astype if ``dtype`` is given), and lists holding them are stacked. ``copy=True``
    always copies, ``False`` refuses to, None copies only when needed."""
    if type(a) in TRACER_TYPES:
        return a if dtype is None or a.dtype == dtype else astype(a, dtype)
    if _has_tracer(a):
        return _from_nested(a, dtype)
    if backend is None:
        xp = array_module(a)
    else:
        target, source = get(backend), backend_of(a)
        if source is not None and source is not target:
            a = source.to_host(a)
        xp = target.xp
    if copy is None:
        return xp.asarray(a, dtype=dtype)
    return xp.array(a, dtype=dtype, copy=copy)


def array(
    object: Any, dtype: Any = None, *, copy: bool = True, ndmin: int = 0, backend: str | Backend | None = None
) -> Any:
    """A new array from ``object`` (copied unless ``copy=False``), with at least ``ndmin``
    dimensions (1s in front); traced values and lists holding them stay differentiable."""
    out = asarray(object, dtype, copy=None if type(object) in TRACER_TYPES else copy, backend=backend)
    missing = ndmin - len(getattr(out, "shape", ()))
    if missing > 0:
        from fnzero.numpy.shapes import reshape

        out = reshape(out, (1,) * missing + tuple(out.shape))
    return out


def copy(a: Any, order: Any = None) -> Any:
    """A copy of ``a`` (a traced value is immutable, so it is its own copy)."""
    if order not in (None, "K", "C", "A"):
        raise ValueError(f"fnzero.numpy.copy: order must be None, 'K', 'C' or 'A', got {order!r}")
    return array(a, copy=True)


def _concrete_shape(shape: Any) -> Any:
    """``shape`` with traced entries read as ints (jit and vmap refuse, naming why); NumPy
    would hide that refusal behind "expected a sequence of integers"."""
    if not _has_tracer(shape):
        return shape
    if isinstance(shape, (list, tuple)):
        return tuple(operator.index(d) for d in shape)
    return operator.index(shape)


def zeros(shape: int | Sequence[int], dtype: Any = float, *, backend: str | Backend | None = None) -> Any:
    """An array of zeros (float64 unless ``dtype`` is given)."""
    return _xp(backend).zeros(_concrete_shape(shape), dtype)


def ones(shape: int | Sequence[int], dtype: Any = float, *, backend: str | Backend | None = None) -> Any:
    """An array of ones (float64 unless ``dtype`` is given)."""
    return _xp(backend).ones(_concrete_shape(shape), dtype)


def empty(shape: int | Sequence[int], dtype: Any = float, *, backend: str | Backend | None = None) -> Any:
    """An array of the shape: zeros, as JAX's (never uninitialised memory)."""
    return zeros(shape, dtype, backend=backend)


def full(
    shape: int | Sequence[int], fill_value: Any, dtype: Any = None, *, backend: str | Backend | None = None
) -> Any:
    """An array of ``fill_value`` (its dtype unless ``dtype`` is given)."""
    return _xp(backend).full(_concrete_shape(shape), fill_value, dtype)


def _like_traced(x: Any):
    """The array module of the arrays under the tracer ``x``."""
    return array_module(x.primal_value)


def _like(a: Any, fill: str, dtype: Any, shape: Any, fill_value: Any = None) -> Any:
    """zeros_like, ones_like, full_like: new arrays (never traced) like ``a``. For a traced
    ``a`` the shape is the one a transform sees (a batch level hides its axis)."""
    traced = type(a) in TRACER_TYPES
    if traced or shape is not None:
        xp = _like_traced(a) if traced else array_module(a)
        shape = a.shape if shape is None else shape
        dtype = (a.dtype if traced else xp.asarray(a).dtype) if dtype is None else dtype
        if fill == "full":
            return xp.full(shape, fill_value, dtype)
        return getattr(xp, fill)(shape, dtype)
    xp = array_module(a)
    if fill == "full":
        return xp.full_like(a, fill_value, dtype=dtype)
    return getattr(xp, f"{fill}_like")(a, dtype=dtype)


def zeros_like(a: Any, dtype: Any = None, shape: Any = None) -> Any:
    """Zeros of ``a``'s shape and dtype (or the ``dtype`` and ``shape`` given)."""
    return _like(a, "zeros", dtype, shape)


def ones_like(a: Any, dtype: Any = None, shape: Any = None) -> Any:
    """Ones of ``a``'s shape and dtype (or the ``dtype`` and ``shape`` given)."""
    return _like(a, "ones", dtype, shape)


def empty_like(prototype: Any, dtype: Any = None, shape: Any = None) -> Any:
    """An array like ``prototype``: zeros, as JAX's (never uninitialised memory)."""
    return _like(prototype, "zeros", dtype, shape)


def full_like(a: Any, fill_value: Any, dtype: Any = None, shape: Any = None) -> Any:
    """``fill_value`` in ``a``'s shape and dtype (or the ``dtype`` and ``shape`` given)."""
    return _like(a, "full", dtype, shape, fill_value)


def _concrete_numbers(name: str, **values: Any) -> None:
    """Spacing functions are not differentiable: refuse traced endpoints rather than
    return an array with no derivative."""
    for arg, v in values.items():
        if _has_tracer(v):
            raise TypeError(
                f"fnzero.numpy.{name}: {arg} is a traced value; {name} takes concrete numbers (it has "
                f"no derivative in fnzero): build the values with fnzero.numpy arithmetic instead"
            )


def arange(
    start: Any, stop: Any = None, step: Any = None, dtype: Any = None, *, backend: str | Backend | None = None
) -> Any:
    """Evenly spaced values in ``[start, stop)``, ``step`` apart (NumPy's rules)."""
    _concrete_numbers("arange", start=start, stop=stop, step=step)
    if step is not None and not isinstance(step, str) and np.ndim(step) == 0 and step == 0:
        raise ValueError(f"fnzero.numpy.arange: step must not be 0, got {step!r}")
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
    """``num`` evenly spaced values from ``start`` to ``stop`` (included if ``endpoint``)."""
    endpoint = flag(endpoint, "endpoint", "fnzero.numpy.linspace", integers=True)
    _concrete_numbers("linspace", start=start, stop=stop)
    return _xp(backend).linspace(start, stop, num, endpoint=endpoint, dtype=dtype)


def logspace(
    start: float,
    stop: float,
    num: int = 50,
    endpoint: bool = True,
    base: float = 10.0,
    dtype: Any = None,
    axis: int = 0,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """``base ** linspace(start, stop, num)``: values evenly spaced on a log scale."""
    endpoint = flag(endpoint, "endpoint", "fnzero.numpy.logspace", integers=True)
    _concrete_numbers("logspace", start=start, stop=stop, base=base)
    return _xp(backend).logspace(start, stop, num, endpoint=endpoint, base=base, dtype=dtype, axis=axis)


def geomspace(
    start: float,
    stop: float,
    num: int = 50,
    endpoint: bool = True,
    dtype: Any = None,
    axis: int = 0,
    *,
    backend: str | Backend | None = None,
) -> Any:
    """``num`` values from ``start`` to ``stop`` in a geometric progression."""
    endpoint = flag(endpoint, "endpoint", "fnzero.numpy.geomspace", integers=True)
    _concrete_numbers("geomspace", start=start, stop=stop)
    return _xp(backend).geomspace(start, stop, num, endpoint=endpoint, dtype=dtype, axis=axis)


def eye(
    N: int, M: int | None = None, k: int = 0, dtype: Any = float, *, backend: str | Backend | None = None
) -> Any:
    """A 2-d array with ones on the ``k``-th diagonal and zeros elsewhere."""
    return _xp(backend).eye(N, M, k, dtype=dtype)


def identity(n: int, dtype: Any = float, *, backend: str | Backend | None = None) -> Any:
    """The ``n`` x ``n`` identity matrix."""
    return _xp(backend).identity(n, dtype=dtype)


def tri(
    N: int, M: int | None = None, k: int = 0, dtype: Any = float, *, backend: str | Backend | None = None
) -> Any:
    """Ones at and below the ``k``-th diagonal of an ``N`` x ``M`` array, zeros above."""
    xp = _xp(backend)
    return xp.asarray(np.tri(N, M, integer(k, "k", "fnzero.numpy.tri"), dtype=dtype))


def indices(
    dimensions: Sequence[int], dtype: Any = int, sparse: bool = False, *, backend: str | Backend | None = None
) -> Any:
    """The index grid of an array of shape ``dimensions``: one array per axis (stacked, or a
    tuple of broadcastable arrays when ``sparse``)."""
    grids = np.indices(tuple(dimensions), dtype=dtype, sparse=sparse)
    xp = _xp(backend)
    return tuple(xp.asarray(g) for g in grids) if sparse else xp.asarray(grids)


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
    """The number of dimensions of ``x`` (0 for a scalar)."""
    return len(shape(x))


def size(x: Any) -> int:
    """The number of elements of ``x``."""
    n = 1
    for d in shape(x):
        n *= d
    return n
