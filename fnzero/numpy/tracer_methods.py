"""Array behaviour for traced values: operators, methods, ``.at[]`` and the NumPy protocols.

Attached to the Tracer base class here (above the core) so that every transform's tracers
behave like arrays. NumPy functions called on a tracer dispatch to fnzero.numpy, or raise a
TypeError naming what to use: they never silently drop the derivative.
"""

from __future__ import annotations

from typing import Any

from fnzero.core.tracer import Tracer


def attach(fnp: Any) -> None:
    """Give :class:`Tracer` its operators and methods, taken from the ``fnzero.numpy`` module."""

    def swap(f):
        return lambda self, other: f(other, self)

    binary = {
        "add": fnp.add,
        "sub": fnp.subtract,
        "mul": fnp.multiply,
        "truediv": fnp.divide,
        "pow": fnp.power,
        "matmul": fnp.matmul,
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
    Tracer.__getitem__ = lambda self, idx: fnp.index(self, idx)
    Tracer.__iter__ = lambda self: (self[i] for i in range(len(self)))
    Tracer.T = property(lambda self: fnp.transpose(self))
    Tracer.mT = property(lambda self: fnp.swapaxes(self, -1, -2))
    Tracer.at = property(lambda self: fnp.at(self))

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

    ufuncs = {"absolute": fnp.abs, "true_divide": fnp.divide, "positive": lambda x: x}

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        f = ufuncs.get(ufunc.__name__) or getattr(fnp, ufunc.__name__, None)
        if method != "__call__" or f is None or kwargs:
            raise TypeError(
                f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method} applied to a "
                f"traced value would drop its derivative; "
                + (
                    f"use fnzero.numpy.{ufunc.__name__} (without extra keyword arguments)"
                    if f is not None
                    else "fnzero.numpy has no differentiable version of it"
                )
            )
        return f(*inputs)

    def __array_function__(self, func, types, args, kwargs):
        f = getattr(fnp, func.__name__, None)
        if f is None or func.__name__ not in fnp.__all__:
            raise TypeError(
                f"numpy.{func.__name__} applied to a traced value would drop its derivative, "
                f"and fnzero.numpy has no {func.__name__}; use fnzero.numpy operations"
            )
        return f(*args, **kwargs)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "converting a traced value to a NumPy array would drop its derivative; use "
            "fnzero.numpy operations, or fnzero.stop_gradient(x) where no derivative is wanted"
        )

    Tracer.__array_ufunc__ = __array_ufunc__
    Tracer.__array_function__ = __array_function__
    Tracer.__array__ = __array__
