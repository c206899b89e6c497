"""The tracer base class: a value being watched by one transform level.

Each transform (reverse mode here, later forward mode and batching) subclasses Tracer and
gives it a ``_trace`` whose ``level`` orders nested transforms and whose ``process``
handles a primitive applied to its tracers. Array behaviour (operators, methods) is
attached by :mod:`fnzero.numpy.tracer_methods`, which sits above this module.
"""

from __future__ import annotations

from typing import Any

# Every concrete tracer class; primitives test membership by exact type (fast).
TRACER_TYPES: set[type] = set()


class UnexpectedTracerError(RuntimeError):
    """A traced value was used after the transform that traced it returned."""


class Tracer:
    """A value seen by one transform level; ``_value`` is what the level below sees."""

    __slots__ = ("_trace", "_value")
    __array_priority__ = 1000  # NumPy defers binary operators to us

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

    def __float__(self) -> float:
        return float(concrete(self, "float()"))

    def __int__(self) -> int:
        return int(concrete(self, "int()"))

    def __bool__(self) -> bool:
        return bool(concrete(self, "bool()"))

    def __complex__(self) -> complex:
        return complex(concrete(self, "complex()"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(level={self._trace.level}, value={self.primal_value!r})"

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            "traced values are immutable: instead of x[idx] = v use "
            "x = x.at[idx].set(v) (or .add(v)), which returns a new array"
        )


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

    A level whose trace has ``on_concrete(tracer, why)`` is told first: jit's trace refuses
    (Python branching on a traced value, ``why`` naming the conversion) or notes that an
    input's values were read.
    """
    while type(x) in TRACER_TYPES:
        note = getattr(x._trace, "on_concrete", None)
        if note is not None:
            note(x, why)
        x = x._concrete()
    return x


def shape_source(x: Any) -> Any:
    """``x`` with every level of tracing removed, to read its shape, dtype and backend only."""
    while type(x) in TRACER_TYPES:
        x = x._concrete()
    return x
