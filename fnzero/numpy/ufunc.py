"""NumPy's ufunc objects, as JAX has them: an elementwise function with ``reduce``,
``accumulate``, ``reduceat``, ``outer`` and ``at`` methods, and ``frompyfunc`` to make one.

The methods are written with fnzero operations, so they differentiate, jit and vmap like any
fnzero code. A ufunc made from a scalar function calls it once per element (``vectorize``'s
semantics; about 70x slower than NumPy's frompyfunc on a 100 x 100 reduce); ``reduce`` and
``accumulate`` fold left along the axis, so a function need not be associative. Arrays are
immutable: ``at`` returns the updated array and needs ``inplace=False``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from fnzero.core.tracer import TRACER_TYPES
from fnzero.numpy import arithmetic, bitwise, logic, reductions
from fnzero.numpy._axes import normalize_axis
from fnzero.numpy.arithmetic import where
from fnzero.numpy.creation import arange, asarray, astype, ndim, shape
from fnzero.numpy.elementwise import negative as _negative
from fnzero.numpy.indexing import at as _at
from fnzero.numpy.indexing import index
from fnzero.numpy.shapes import broadcast_to, expand_dims, moveaxis, ravel, reshape, stack
from fnzero.numpy.vectorize import vectorize

__all__ = [
    "add",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "frompyfunc",
    "logaddexp",
    "logaddexp2",
    "logical_and",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "subtract",
    "ufunc",
]


class ufunc:  # noqa: N801  (NumPy's and JAX's name)
    """An elementwise function of ``nin`` arrays giving ``nout``, with NumPy's ufunc methods.

    ``func`` is called as ``vectorize(func)`` unless ``call`` gives a whole-array version;
    ``reduce``, ``accumulate``, ``at`` and ``reduceat`` may likewise give faster versions of
    the methods (``add`` reduces with ``sum``). ``identity`` is the value a reduction of no
    elements gives (None: such a reduction raises).
    """

    def __init__(
        self,
        func: Callable[..., Any],
        /,
        nin: int,
        nout: int,
        *,
        name: str | None = None,
        nargs: int | None = None,
        identity: Any = None,
        call: Callable[..., Any] | None = None,
        reduce: Callable[..., Any] | None = None,
        accumulate: Callable[..., Any] | None = None,
        at: Callable[..., Any] | None = None,
        reduceat: Callable[..., Any] | None = None,
    ):
        if not callable(func):
            raise TypeError(f"fnzero.numpy.ufunc: func must be callable, got {type(func).__name__}")
        for arg, value in (("nin", nin), ("nout", nout)):
            if type(value) is not int or value < 1:
                raise ValueError(f"fnzero.numpy.ufunc: {arg} must be a positive int, got {value!r}")
        self._func = func
        self.nin, self.nout = nin, nout
        self.nargs = nin if nargs is None else nargs
        self.identity = identity
        self.__name__ = name if name is not None else getattr(func, "__name__", "ufunc")
        self.__doc__ = getattr(func, "__doc__", None) or ufunc.__doc__
        self._call = call if call is not None else vectorize(func)
        self._reduce, self._accumulate, self._at, self._reduceat = reduce, accumulate, at, reduceat

    def __repr__(self) -> str:
        return f"<fnzero.numpy.ufunc {self.__name__!r}>"

    def _where(self, method: str) -> str:
        return f"fnzero.numpy.{self.__name__}.{method}"

    def _binary(self, method: str) -> None:
        if self.nin != 2:
            raise ValueError(
                f"{self._where(method)}: only binary ufuncs have {method}, this one has nin={self.nin}"
            )
        if self.nout != 1 and method != "outer":
            raise ValueError(
                f"{self._where(method)}: only ufuncs with one output have {method}, "
                f"this one has nout={self.nout}"
            )

    def _no_out(self, method: str, out: Any) -> None:
        if out is not None:
            raise NotImplementedError(
                f"{self._where(method)}: fnzero arrays are immutable, so out= is not supported; "
                f"use the returned array"
            )

    def __call__(self, *args: Any, out: None = None, where: None = None) -> Any:
        if len(args) != self.nin:
            raise TypeError(f"fnzero.numpy.{self.__name__}: takes {self.nin} arrays, got {len(args)}")
        self._no_out("__call__", out)
        if where is not None:
            raise NotImplementedError(
                f"fnzero.numpy.{self.__name__}: where= is not supported in a call; write "
                f"fnzero.numpy.where(mask, {self.__name__}(...), other)"
            )
        return self._call(*args)

    def outer(self, A: Any, B: Any, /) -> Any:  # noqa: N803  (NumPy's names)
        """``self(A[i, ...], B[j, ...])`` for every pair: shape ``A.shape + B.shape``."""
        self._binary("outer")
        A, B = asarray(A), asarray(B)
        return self(reshape(A, shape(A) + (1,) * ndim(B)), B)

    def reduce(
        self,
        a: Any,
        axis: int | None = 0,
        dtype: Any = None,
        out: None = None,
        keepdims: bool = False,
        initial: Any = None,
        where: Any = None,
    ) -> Any:
        """``a`` folded from the left along ``axis`` (None: every element):
        ``self(self(a[0], a[1]), a[2]) ...``, starting from ``initial`` when given; ``where``
        leaves out the elements where it is False."""
        self._binary("reduce")
        self._no_out("reduce", out)
        a = self._cast(a, dtype)
        if self._reduce is not None:
            return self._reduce(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)
        mask = None if where is None else broadcast_to(asarray(where), shape(a))
        full_shape = shape(a)
        if axis is None:
            a, mask, ax = ravel(a), None if mask is None else ravel(mask), 0
        else:
            ax = self._one_axis(axis, ndim(a), "reduce")
        rows = moveaxis(a, ax, 0)
        masks = None if mask is None else moveaxis(mask, ax, 0)
        result = self._fold(rows, masks, initial)
        if not keepdims:
            return result
        return reshape(result, (1,) * len(full_shape)) if axis is None else expand_dims(result, ax)

    def accumulate(self, a: Any, axis: int = 0, dtype: Any = None, out: None = None) -> Any:
        """Every partial fold of ``a`` along ``axis``: ``a[0]``, ``self(a[0], a[1])``, ..."""
        self._binary("accumulate")
        self._no_out("accumulate", out)
        a = self._cast(a, dtype)
        if self._accumulate is not None:
            return self._accumulate(a, axis=axis, dtype=dtype)
        ax = self._one_axis(axis, ndim(a), "accumulate")
        rows = moveaxis(a, ax, 0)
        if shape(rows)[0] == 0:
            return a
        partial = [rows[0]]
        for i in range(1, shape(rows)[0]):
            partial.append(self(partial[-1], rows[i]))
        return moveaxis(stack(partial), 0, ax)

    def reduceat(self, a: Any, indices: Any, axis: int = 0, dtype: Any = None, out: None = None) -> Any:
        """``reduce`` over each slice ``a[indices[i]:indices[i + 1]]`` along ``axis`` (the last
        one to the end); where ``indices[i] >= indices[i + 1]``, ``a[indices[i]]``."""
        self._binary("reduceat")
        self._no_out("reduceat", out)
        a = self._cast(a, dtype)
        if self._reduceat is not None:
            return self._reduceat(a, indices, axis=axis, dtype=dtype)
        ax = self._one_axis(axis, ndim(a), "reduceat")
        rows = moveaxis(a, ax, 0)
        n = shape(rows)[0]
        starts = self._concrete_indices(indices, "reduceat")
        if starts.ndim != 1:
            raise ValueError(f"{self._where('reduceat')}: indices must be 1-D, got shape {starts.shape}")
        bad = starts[(starts < 0) | (starts >= n)]
        if bad.size:
            raise IndexError(
                f"{self._where('reduceat')}: index {int(bad[0])} is out of bounds for axis {ax} of size {n}"
            )
        if starts.size == 0:
            return moveaxis(rows[:0], 0, ax)
        pieces = []
        for i, start in enumerate(starts.tolist()):
            stop = starts[i + 1] if i + 1 < len(starts) else n
            pieces.append(self._fold(rows[start:stop], None, None) if start < stop else rows[start])
        return moveaxis(stack(pieces), 0, ax)

    def at(self, a: Any, indices: Any, b: Any = None, /, *, inplace: bool = True) -> Any:
        """``a`` with ``self(a[indices], b)`` (``self(a[indices])`` for a unary ufunc) written at
        ``indices``; a repeated index applies the function once per occurrence, in order."""
        if inplace:
            raise NotImplementedError(
                f"{self._where('at')}: fnzero arrays are immutable, so at() cannot update in place "
                f"as numpy.ufunc.at does; pass inplace=False and use the result: "
                f"a = {self.__name__}.at(a, indices, b, inplace=False)"
            )
        if self.nout != 1:
            raise ValueError(
                f"{self._where('at')}: only ufuncs with one output have at, this one has nout={self.nout}"
            )
        if (b is None) != (self.nin == 1):
            raise TypeError(
                f"{self._where('at')}: a ufunc of {self.nin} arrays takes "
                f"{'no' if self.nin == 1 else 'one'} b argument"
            )
        if self._at is not None:
            return self._at(a, indices, b)
        a = asarray(a)
        positions = index(reshape(arange(int(np.prod(shape(a), dtype=np.int64))), shape(a)), indices)
        flat_positions = ravel(positions)
        flat = ravel(a)
        values = None if b is None else ravel(broadcast_to(asarray(b), shape(positions)))
        if type(flat_positions) in TRACER_TYPES:  # traced indices may repeat: one index at a time
            rounds = [np.array([k]) for k in range(shape(flat_positions)[0])]
        else:
            rounds = _occurrence_rounds(np.asarray(flat_positions))
        for picks in rounds:
            p = index(flat_positions, picks)
            args = (index(flat, p),) if values is None else (index(flat, p), index(values, picks))
            flat = _at(flat)[p].set(self(*args))
        return reshape(flat, shape(a))

    def _fold(self, rows: Any, masks: Any, initial: Any) -> Any:
        n = shape(rows)[0]
        start = initial if initial is not None else None if masks is None else self.identity
        if start is None and masks is not None:
            raise ValueError(
                f"{self._where('reduce')}: has no identity, so a where= mask needs initial= as well"
            )
        if start is None and n == 0:
            raise ValueError(
                f"{self._where('reduce')}: a reduction of zero elements needs an identity or initial="
            )
        if start is None:
            result, first = rows[0], 1
        else:
            result, first = broadcast_to(astype(asarray(start), rows.dtype), shape(rows)[1:]), 0
        for i in range(first, n):
            step = self(result, rows[i])
            result = step if masks is None else where(masks[i], step, result)
        return result

    def _cast(self, a: Any, dtype: Any) -> Any:
        a = asarray(a)
        return a if dtype is None else astype(a, dtype)

    def _one_axis(self, axis: Any, nd: int, method: str) -> int:
        axes = normalize_axis(axis, nd, f"{self.__name__}.{method}")
        if len(axes) != 1:
            raise ValueError(
                f"{self._where(method)}: the order of a fold over several axes is undefined for a "
                f"function that need not be associative; give one axis, got {axis!r}"
            )
        return axes[0]

    def _concrete_indices(self, indices: Any, method: str) -> np.ndarray:
        if type(indices) in TRACER_TYPES:
            raise TypeError(
                f"{self._where(method)}: indices fix the shape of the result, so they must be "
                f"concrete (a NumPy array or a list), not a traced value"
            )
        out = np.asarray(indices)
        if out.dtype.kind not in "iu":
            raise TypeError(f"{self._where(method)}: indices must be integers, got dtype {out.dtype}")
        return out


def _occurrence_rounds(positions: np.ndarray) -> list[np.ndarray]:
    """Picks into ``positions``: round r holds every position's r-th occurrence, in order, so
    no round repeats a position and the rounds apply the repeats one after another."""
    order = np.argsort(positions, kind="stable")
    sorted_positions = positions[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_positions)) + 1]
    rank = np.arange(len(positions)) - np.repeat(starts, np.diff(np.r_[starts, len(positions)]))
    occurrence = np.empty(len(positions), dtype=np.int64)
    occurrence[order] = rank
    return [np.flatnonzero(occurrence == r) for r in range(int(occurrence.max(initial=-1)) + 1)]


def frompyfunc(func: Callable[..., Any], /, nin: int, nout: int, *, identity: Any = None) -> ufunc:
    """A ufunc from a function of scalars written with fnzero operations (as ``jax.numpy``:
    the function is traced, never given Python numbers)."""
    return ufunc(func, nin, nout, identity=identity)


def _reducer(reduction: Callable[..., Any], combine: Callable[..., Any], identity: Any) -> Callable[..., Any]:
    """A ufunc's ``reduce`` through a whole-array reduction: ``where`` fills the left-out
    elements with the identity (or ``initial``), ``initial`` joins the result."""

    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        if where is not None:
            fill = identity if identity is not None else initial
            if fill is None:
                raise ValueError(
                    f"fnzero.numpy.{combine.name}.reduce: has no identity, so a where= mask needs "
                    f"initial= as well"
                )
            a = arithmetic.where(where, a, astype(asarray(fill), a.dtype))
        out = reduction(a, axis=axis, keepdims=keepdims)
        return out if initial is None else combine(out, astype(asarray(initial), out.dtype))

    return reduce


def _builtin(prim: Any, nin: int, doc: str, identity: Any = None, **methods: Any) -> ufunc:
    u = ufunc(prim, nin, 1, name=prim.name, identity=identity, call=prim, **methods)
    u.__doc__ = doc
    return u


add = _builtin(
    arithmetic.add,
    2,
    "``x + y`` elementwise; ``add.reduce`` is ``sum``, ``add.accumulate`` is ``cumsum`` and "
    "``add.at`` adds at indices (repeated ones accumulate).",
    identity=0,
    reduce=_reducer(reductions.sum, arithmetic.add, 0),
    accumulate=lambda a, axis=0, dtype=None: reductions.cumsum(a, axis=axis),
    at=lambda a, indices, b: _at(asarray(a))[indices].add(b),
)
multiply = _builtin(
    arithmetic.multiply,
    2,
    "``x * y`` elementwise; ``multiply.reduce`` is ``prod``, ``multiply.accumulate`` is ``cumprod``.",
    identity=1,
    reduce=_reducer(reductions.prod, arithmetic.multiply, 1),
    accumulate=lambda a, axis=0, dtype=None: reductions.cumprod(a, axis=axis),
)
subtract = _builtin(arithmetic.subtract, 2, "``x - y`` elementwise; ``subtract.reduce`` folds from the left.")
maximum = _builtin(
    arithmetic.maximum,
    2,
    "The larger of ``x`` and ``y`` elementwise (NaN if either is); ``maximum.reduce`` is ``max``.",
    reduce=_reducer(reductions.max, arithmetic.maximum, None),
)
minimum = _builtin(
    arithmetic.minimum,
    2,
    "The smaller of ``x`` and ``y`` elementwise (NaN if either is); ``minimum.reduce`` is ``min``.",
    reduce=_reducer(reductions.min, arithmetic.minimum, None),
)
logaddexp = _builtin(
    arithmetic.logaddexp, 2, "``log(exp(x) + exp(y))`` elementwise, without overflow.", identity=-np.inf
)
logaddexp2 = _builtin(
    arithmetic.logaddexp2, 2, "``log2(2**x + 2**y)`` elementwise, without overflow.", identity=-np.inf
)
logical_and = _builtin(
    logic.logical_and,
    2,
    "``x and y`` elementwise, as booleans; ``logical_and.reduce`` is ``all``.",
    identity=True,
    reduce=_reducer(reductions.all, logic.logical_and, True),
)
logical_or = _builtin(
    logic.logical_or,
    2,
    "``x or y`` elementwise, as booleans; ``logical_or.reduce`` is ``any``.",
    identity=False,
    reduce=_reducer(reductions.any, logic.logical_or, False),
)
logical_xor = _builtin(logic.logical_xor, 2, "``x != y`` elementwise, as booleans.", identity=False)
bitwise_and = _builtin(
    bitwise.bitwise_and, 2, "``x & y`` elementwise, on integers and booleans.", identity=-1
)
bitwise_or = _builtin(bitwise.bitwise_or, 2, "``x | y`` elementwise, on integers and booleans.", identity=0)
bitwise_xor = _builtin(bitwise.bitwise_xor, 2, "``x ^ y`` elementwise, on integers and booleans.", identity=0)
negative = _builtin(_negative, 1, "``-x`` elementwise.")
