"""The tracer base class: a value being watched by one transform level.

Each transform (reverse mode here, later forward mode and batching) subclasses Tracer and
gives it a ``_trace`` whose ``level`` orders nested transforms and whose ``process``
handles a primitive applied to its tracers. Array behaviour (operators, methods) is
attached by :mod:`fnzero.numpy.tracer_methods`, which sits above this module.
"""

from __future__ import annotations

import operator
from typing import Any, ClassVar

import numpy as np

# Every concrete tracer class; primitives test membership by exact type (fast).
TRACER_TYPES: set[type] = set()


class UnexpectedTracerError(RuntimeError):
    """A traced value was used after the transform that traced it returned."""


class ConcretizationTypeError(TypeError):
    """Python asked for the value of a traced array where that would be wrong (JAX's name):
    inside jit (where values are not known), or under a transform that differentiates, where
    a Python number or a NumPy array would drop the derivative."""


# Conversions that take no derivative along: Python control flow on values keeps working.
_KEEPS_NO_DERIVATIVE = frozenset({"bool()"})


class Tracer:
    """A value seen by one transform level; ``_value`` is what the level below sees."""

    __slots__ = ("_trace", "_value")
    __array_priority__ = 1000  # NumPy defers binary operators to us
    # Whether the level carries a derivative along its float values (reverse and forward
    # mode): then a conversion to a Python number or a NumPy array is refused.
    carries_derivative: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        TRACER_TYPES.add(cls)

    @property
    def primal_value(self) -> Any:
        """The concrete array under every level of tracing."""
        v = self._value
        while type(v) in TRACER_TYPES:
            v = v._value
        return v

    @property
    def shape(self) -> tuple[int, ...]:
        return self._value.shape

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return len(self._value.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self._value.shape:
            n *= d
        return n

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d traced value")
        return self.shape[0]

    def _concrete(self) -> Any:
        """What the level below sees, when a Python value may be taken from it (a batch
        level refuses: one Python value cannot stand for the whole batch)."""
        return self._value

    # NumPy's ``buffer[i] = x`` calls float() (int(), complex()) of x, and reports a failure as
    # its own "setting an array element with a sequence", with ours as the cause.
    def __float__(self) -> float:
        return float(concrete(self, "float() (NumPy's buffer[i] = x calls it too)"))

    def __int__(self) -> int:
        return int(concrete(self, "int() (NumPy's buffer[i] = x calls it too)"))

    def __index__(self) -> int:
        """An integer from a 0-d integer value (``range(x)``, a shape, a list index), where a
        Python int may be taken from it; jit and a batch level refuse, as for int()."""
        return operator.index(concrete(self, "int() as an index (range(x), a shape, a list index)"))

    def __bool__(self) -> bool:
        return bool(concrete(self, "bool()"))

    def __complex__(self) -> complex:
        return complex(concrete(self, "complex() (NumPy's buffer[i] = x calls it too)"))

    def item(self, *args: Any) -> Any:
        """The value as a Python scalar (NumPy's ``item``), where no derivative is dropped."""
        return _array_method(concrete(self, ".item()"), "item", args)

    def tolist(self) -> Any:
        """The value as nested Python lists (NumPy's ``tolist``), where no derivative is dropped."""
        return _array_method(concrete(self, ".tolist()"), "tolist", ())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(level={self._trace.level}, value={self.primal_value!r})"

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            "traced values are immutable: instead of x[idx] = v use "
            "x = x.at[idx].set(v) (or .add(v)), which returns a new array"
        )


def _array_method(value: Any, name: str, args: tuple) -> Any:
    """``value.name(*args)``, a Python scalar taken as a 0-d NumPy array."""
    method = getattr(value, name, None)
    if method is None:
        method = getattr(np.asarray(value), name)
    return method(*args)


def top_trace(values: Any) -> Any:
    """The trace of the highest level among the tracers in ``values`` (None if there are none)."""
    top = None
    for v in values:
        if type(v) in TRACER_TYPES:
            trace = v._trace
            if top is None or trace.level > top.level:
                top = trace
    return top


def concrete(x: Any, why: str | None = None) -> Any:
    """``x`` with every level of tracing removed (no derivative flows through it).

    ``why`` names a conversion the user asked for (``"float()"``, ``"numpy.asarray()"``);
    None is the library reading values it never differentiates (labels, ids, keys, indices,
    metrics). A level whose trace has ``on_concrete(tracer, why)`` is told first: jit's trace
    refuses (Python branching on a traced value) or notes that an input's values were read.
    A level that carries derivatives refuses a conversion of a float value other than
    ``bool()``: the number would silently have no derivative. A trace that has returned
    refuses any conversion of its leaked values.
    """
    while type(x) in TRACER_TYPES:
        trace = x._trace
        note = getattr(trace, "on_concrete", None)
        if note is not None:
            note(x, why)
        elif why is not None and getattr(trace, "closed", False):
            raise UnexpectedTracerError(
                f"{why} of a value traced by a transform that has already returned; return it "
                f"from the transformed function instead of keeping it"
            )
        elif why is not None and x.carries_derivative and why not in _KEEPS_NO_DERIVATIVE:
            _refuse_dropping_the_derivative(x, why)
        x = x._concrete()
    return x


def _refuse_dropping_the_derivative(x: Tracer, why: str) -> None:
    dtype = getattr(x._value, "dtype", None)
    if getattr(dtype, "kind", "f") not in "fc":
        return  # integers and booleans have no derivative to drop
    what = f"{dtype}{list(x.shape)}"
    raise ConcretizationTypeError(
        f"{why} of a traced value ({what}) under a transform that differentiates (grad, vjp, jvp, "
        f"jacfwd, ...) would drop its derivative: the result is a plain number or array that "
        f"the transform cannot follow. Compute with fnzero.numpy functions on the traced "
        f"value instead (fnzero.numpy.exp(x), not math.exp(x) or float(x)), or write "
        f"fnzero.stop_gradient(x) first where dropping the derivative is meant"
    )


def refuse_derivative(x: Any, why: str) -> None:
    """Raise ``ConcretizationTypeError`` when grad or jvp follows the float value ``x``.

    For a primitive with no derivative rule (roots, sort_complex): applied to ``x`` it would
    silently drop the derivative. The message points at ``fnzero.stop_gradient``, which says
    that dropping it is meant. Integers, booleans and untraced values pass.
    """
    while type(x) in TRACER_TYPES:
        if x.carries_derivative:
            _refuse_dropping_the_derivative(x, why)
        x = x._value


def shape_source(x: Any) -> Any:
    """``x`` with every level of tracing removed, to read its shape, dtype and backend only."""
    while type(x) in TRACER_TYPES:
        x = x._concrete()
    return x
