"""Reverse mode: the Tape that records primitives at one level, and the backward sweep.

The sweep calls each primitive's vjp rules, which are written with fnzero operations: if an
outer transform is watching, that work is itself recorded (higher-order derivatives come for
free); if not, the rules run on raw arrays and nothing is recorded.
"""

from __future__ import annotations

import itertools
from typing import Any

from fnzero.core.primitive import Primitive
from fnzero.core.tracer import Tracer, UnexpectedTracerError
from fnzero.numpy import astype, sum_to

_levels = itertools.count(1)


def new_level() -> int:
    """A level above every live one: transforms opened later nest inside earlier ones."""
    return next(_levels)


class ReverseTracer(Tracer):
    """A value recorded on a Tape: ``_index`` is the node that produced it."""

    __slots__ = ("_index",)

    def __init__(self, value: Any, tape: Tape, index: int):
        self._value = value
        self._trace = tape
        self._index = index


class Tape:
    """The record of one reverse-mode transform: one node per primitive applied to its tracers.

    A node is ``(primitive, args, params, ans, parents)`` with args and ans as the level below
    sees them and ``parents[k]`` the node index of argument k, or -1 for a constant here.
    """

    __slots__ = ("level", "nodes", "closed")

    def __init__(self) -> None:
        self.level = new_level()
        self.nodes: list = []
        self.closed = False

    def watch(self, value: Any) -> ReverseTracer:
        """A tracer for an input: a node with no parents."""
        self.nodes.append(None)
        return ReverseTracer(value, self, len(self.nodes) - 1)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if self.closed:
            raise UnexpectedTracerError(
                f"a value traced by a transform that has already returned was passed to "
                f"{prim.name}; return it from the transformed function instead of keeping it"
            )
        vals = []
        parents = []
        for a in args:
            if type(a) is ReverseTracer and a._trace is self:
                vals.append(a._value)
                parents.append(a._index)
            else:
                vals.append(a)
                parents.append(-1)
        ans = prim(*vals, **params)
        if prim.vjps is None:
            return ans
        nodes = self.nodes
        nodes.append((prim, vals, params, ans, parents))
        return ReverseTracer(ans, self, len(nodes) - 1)

    def unwrap(self, x: Any) -> Any:
        """What the level below sees of ``x``."""
        if type(x) is ReverseTracer and x._trace is self:
            return x._value
        return x


def backward(tape: Tape, seeds: dict[int, Any]) -> list:
    """Sweep the tape backwards from ``{node index: cotangent}``; cotangents by node index.

    Only nodes that lead to a seed are visited; a cotangent is summed only when a value has
    several consumers, and is fitted to its operand's shape and dtype when broadcasting or a
    dtype change made them differ.
    """
    nodes = tape.nodes
    cts: list = [None] * (max(seeds) + 1)
    for i, g in seeds.items():
        cts[i] = g
    for i in range(len(cts) - 1, -1, -1):
        node = nodes[i]
        g = cts[i]
        if g is None or node is None:
            continue
        cts[i] = None  # intermediate cotangents die as soon as they are used
        prim, vals, params, ans, parents = node
        rules = prim.vjps
        for k, p in enumerate(parents):
            if p < 0:
                continue
            rule = rules[k]
            if rule is None:
                continue
            gk = rule(g, ans, *vals, **params)
            v = vals[k]
            if gk.shape != v.shape:
                gk = sum_to(gk, v.shape)
            if gk.dtype != v.dtype:
                gk = astype(gk, v.dtype)
            prev = cts[p]
            cts[p] = gk if prev is None else prev + gk
    return cts
