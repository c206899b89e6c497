"""Array behaviour for traced values: operators, methods, ``.at[]`` and the NumPy protocols.

Attached to the Tracer base class here (above the core) so that every transform's tracers
behave like arrays. NumPy functions called on a tracer dispatch to fnzero.numpy, or raise a
TypeError naming what to use: they never silently drop the derivative.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from fnzero.core.tracer import Tracer, concrete


def attach(fnp: Any) -> None:
    """Give :class:`Tracer` its operators and methods, taken from the ``fnzero.numpy`` module."""
    _attach_operators(fnp)
    _attach_methods(fnp)
    _attach_numpy_protocols(fnp)


def _attach_operators(fnp: Any) -> None:
    """Python's operators (arithmetic, comparisons, indexing, iteration) and ``.T``, ``.mT``, ``.at``."""

    def swap(f):
        return lambda self, other: f(other, self)

    binary = {
        "add": fnp.add,
        "sub": fnp.subtract,
        "mul": fnp.multiply,
        "truediv": fnp.divide,
        "pow": fnp.power,
        "matmul": fnp.matmul,
        "mod": fnp.remainder,
        "floordiv": fnp.floor_divide,
        "and": fnp.bitwise_and,
        "or": fnp.bitwise_or,
        "xor": fnp.bitwise_xor,
        "lshift": fnp.left_shift,
        "rshift": fnp.right_shift,
    }
    for name, f in binary.items():
        setattr(Tracer, f"__{name}__", lambda self, other, f=f: f(self, other))
        setattr(Tracer, f"__r{name}__", swap(f))
    for name, f in {
        "lt": fnp.less,
        "le": fnp.less_equal,
        "gt": fnp.greater,
        "ge": fnp.greater_equal,
        "eq": fnp.equal,
        "ne": fnp.not_equal,
    }.items():
        setattr(Tracer, f"__{name}__", lambda self, other, f=f: f(self, other))
    Tracer.__hash__ = object.__hash__  # identity, as for any mutable-looking value
    Tracer.__neg__ = lambda self: fnp.negative(self)
    Tracer.__pos__ = lambda self: self
    Tracer.__abs__ = lambda self: fnp.abs(self)
    Tracer.__invert__ = lambda self: fnp.invert(self)
    Tracer.__divmod__ = lambda self, other: (fnp.floor_divide(self, other), fnp.remainder(self, other))
    Tracer.__rdivmod__ = lambda self, other: (fnp.floor_divide(other, self), fnp.remainder(other, self))
    Tracer.__getitem__ = lambda self, idx: fnp.index(self, idx)
    Tracer.__iter__ = lambda self: (self[i] for i in range(len(self)))
    Tracer.T = property(lambda self: fnp.transpose(self))
    Tracer.mT = property(lambda self: fnp.swapaxes(self, -1, -2))
    Tracer.at = property(lambda self: fnp.at(self))


def _attach_methods(fnp: Any) -> None:
    """The ndarray methods: ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``, ``x.sum()``, ``x.astype()``..."""

    def reshape(self, *shape):
        return fnp.reshape(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)

    def transpose(self, *axes):
        if not axes:
            return fnp.transpose(self)
        return fnp.transpose(self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes)

    Tracer.reshape = reshape
    Tracer.transpose = transpose
    for name in (
        "sum",
        "mean",
        "max",
        "min",
        "prod",
        "var",
        "std",
        "argmax",
        "argmin",
        "cumsum",
        "astype",
        "swapaxes",
        "squeeze",
        "ravel",
        "clip",
        "dot",
        "flatten",
    ):
        setattr(Tracer, name, getattr(fnp, name))


def _attach_numpy_protocols(fnp: Any) -> None:
    """NumPy's protocols: its ufuncs and functions run fnzero.numpy's (or raise), ``numpy.asarray``
    reads the value where the transform allows it."""
    ufuncs = {"absolute": fnp.abs, "true_divide": fnp.divide, "positive": lambda x: x}

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _apply_ufunc(fnp, ufuncs, ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _apply_function(fnp, func, args, kwargs)

    Tracer.__array_ufunc__ = __array_ufunc__
    Tracer.__array_function__ = __array_function__
    Tracer.__array__ = _tracer_array


def _apply_ufunc(fnp: Any, ufuncs: dict, ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """A NumPy ufunc called on a tracer: fnzero.numpy's function of that name, or a TypeError."""
    name = ufunc.__name__
    f = ufuncs.get(name) or (getattr(fnp, name) if name in fnp.__all__ else None)
    if method != "__call__" or f is None or kwargs:
        call = f"numpy.{name}{'' if method == '__call__' else '.' + method}"
        if f is None:
            hint = f"fnzero.numpy has no {name}: compute it with fnzero.numpy operations"
        elif method != "__call__":
            hint = f"ufunc methods such as .{method} are not traced: use fnzero.numpy functions"
        else:
            hint = (
                f"fnzero.numpy.{name} takes no {', '.join(sorted(kwargs))} argument: call it "
                f"without (it always returns a new array)"
            )
        raise TypeError(f"{call} applied to a traced value would drop its derivative; {hint}")
    return f(*inputs)


def _apply_function(fnp: Any, func: Any, args: tuple, kwargs: dict) -> Any:
    """A NumPy function called on a tracer: fnzero's function of that module and name (its
    arguments checked against its signature first), or a TypeError."""
    where, f = _fnzero_function(fnp, func)
    call = f"{func.__module__}.{func.__name__}"
    if f is None:
        raise TypeError(
            f"{call} applied to a traced value would drop its derivative, and {where} has no "
            f"{func.__name__}; compute it with fnzero.numpy operations"
        )
    try:
        inspect.signature(f).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(
            f"{call} applied to a traced value runs {where}.{func.__name__}{inspect.signature(f)}, "
            f"which does not accept these arguments ({e}); pass only the arguments it takes"
        ) from None
    except ValueError:  # no signature to check (a builtin): let the call say
        pass
    return f(*args, **kwargs)


def _tracer_array(self: Tracer, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
    """``numpy.asarray(tracer)``: its value, where the transform allows reading it."""
    value = concrete(
        self,
        "conversion to a NumPy array or scalar (numpy.asarray(x), numpy.float64(x), buffer[...] = x)",
    )
    if copy:
        return np.array(value, dtype=dtype, copy=True)
    return np.asarray(value, dtype=dtype)


def _fnzero_function(fnp: Any, func: Any) -> tuple[str, Any]:
    """The module of fnzero.numpy matching ``func``'s NumPy module (numpy.linalg ->
    fnzero.numpy.linalg) and its public function of the same name, or None."""
    where = "fnzero." + func.__module__
    module = fnp
    for part in func.__module__.split(".")[1:]:
        module = getattr(module, part, None)
        if module is None:
            return where, None
    if func.__name__ not in getattr(module, "__all__", ()):
        return where, None
    return where, getattr(module, func.__name__)
