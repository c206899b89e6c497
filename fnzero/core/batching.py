"""Batching: the BatchTrace that carries a whole batch of values under each tracer, and the
helpers the batching rules share.

A BatchTracer looks like one example to the function being vmapped (its ``shape`` leaves out
the batch axis); underneath, ``_value`` holds every example with the batch along ``bdim``.
Each primitive's batching rule calls the primitive once on the whole batch.
"""

from __future__ import annotations

from typing import Any

from fnzero.core.levels import new_level
from fnzero.core.primitive import Primitive
from fnzero.core.trace import Trace
from fnzero.core.tracer import Tracer, UnexpectedTracerError
from fnzero.numpy import moveaxis
from fnzero.numpy.batching import broadcast_axis


class BatchTracer(Tracer):
    """One example as the vmapped function sees it; ``_value`` holds the batch on axis ``bdim``."""

    __slots__ = ("bdim",)

    def __init__(self, value: Any, trace: BatchTrace, bdim: int):
        self._value = value
        self._trace = trace
        self.bdim = bdim

    @property
    def shape(self) -> tuple[int, ...]:
        s = self._value.shape
        return s[: self.bdim] + s[self.bdim + 1 :]

    @property
    def ndim(self) -> int:
        return len(self._value.shape) - 1

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def _concrete(self) -> Any:
        raise TypeError(
            "fnzero.vmap: a Python value (bool, int, float, a concrete array) was asked of a value "
            "that differs across the batch; branch with fnzero.numpy.where(condition, x, y) instead "
            "of if/while, and keep batched values out of shapes and indices"
        )


def no_batch_rule(prim: Primitive) -> NotImplementedError:
    return NotImplementedError(f"fnzero.vmap: {prim.name} has no batching rule, so vmap cannot go through it")


class BatchTrace(Trace):
    """One vmap: primitives on its tracers run once on the whole batch, by their batching rules."""

    __slots__ = ("level", "size", "closed")

    def __init__(self, size: int) -> None:
        self.level = new_level()
        self.size = size
        self.closed = False

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if self.closed:
            raise UnexpectedTracerError(
                f"a value batched by a vmap that has already returned was passed to {prim.name}; "
                f"return it from the vmapped function instead of keeping it"
            )
        vals = list(args)
        dims: list = [None] * len(args)
        for k, a in enumerate(args):
            if type(a) is BatchTracer and a._trace is self:
                vals[k] = a._value
                dims[k] = a.bdim
        rule = prim.batch
        if rule is None:
            raise no_batch_rule(prim)
        out, out_dim = rule(vals, dims, **params)
        if out_dim is None:
            return out
        return BatchTracer(out, self, out_dim)

    def with_batch_at(self, x: Any, axis: int | None) -> Any:
        """``x`` as the level below sees it with the batch on ``axis`` (None: ``x`` is the same
        for every example, which is an error when it is batched)."""
        if type(x) is BatchTracer and x._trace is self:
            if axis is None:
                raise ValueError(
                    "fnzero.vmap: an output that differs across the batch has out_axes None; "
                    "give it an axis to put the batch on"
                )
            return moveaxis(x._value, x.bdim, axis)
        if axis is None:
            return x
        return broadcast_axis(x, self.size, axis)

    def process_custom_vjp(self, call: Any, args: tuple) -> Any:
        return call.batched(self, args)  # the call one level down, its functions vmapped

    def process_custom_jvp(self, call: Any, args: tuple) -> Any:
        return call.batched(self, args)

    def process_checkpoint(self, call: Any, args: tuple) -> Any:
        return call.batched(self, args)
