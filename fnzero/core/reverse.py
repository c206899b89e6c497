"""Reverse mode: the Tape that records primitives at one level, and the backward sweep.

The sweep calls each primitive's vjp rules, which are written with fnzero operations: if an
outer transform is watching, that work is itself recorded (higher-order derivatives come for
free); if not, the rules run on raw arrays and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fnzero.core.levels import new_level
from fnzero.core.primitive import Primitive
from fnzero.core.trace import Trace
from fnzero.core.tracer import TRACER_TYPES, Tracer, UnexpectedTracerError, top_trace
from fnzero.numpy import astype, sum_to


class ReverseTracer(Tracer):
    """A value recorded on a Tape: ``_index`` is the node that produced it."""

    __slots__ = ("_index",)
    carries_derivative = True

    def __init__(self, value: Any, tape: Tape, index: int):
        self._value = value
        self._trace = tape
        self._index = index


# The node of one output of a group (see Tape.record_group); its params are the slot number.
OUTPUT = Primitive("output", None)


class Tape(Trace):
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

    def _check_open(self, what: str) -> None:
        if self.closed:
            raise UnexpectedTracerError(
                f"a value traced by a transform that has already returned was passed to "
                f"{what}; return it from the transformed function instead of keeping it"
            )

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if self.closed:
            self._check_open(prim.name)
        vals = []
        parents = []
        nested = False  # does the level below still see a tracer among the values?
        for a in args:
            if type(a) is ReverseTracer and a._trace is self:
                parents.append(a._index)
                a = a._value
            else:
                parents.append(-1)
            nested = nested or type(a) in TRACER_TYPES
            vals.append(a)
        ans = prim(*vals, **params) if nested else prim.run(vals, params)
        if prim.vjps is None and prim.jvp is None:
            return ans
        nodes = self.nodes
        nodes.append((prim, vals, params, ans, parents))
        return ReverseTracer(ans, self, len(nodes) - 1)

    def record_group(
        self, prim: Primitive, args: list, vals: list, outs: list, params: dict | None = None
    ) -> list:
        """Record a call with several outputs as one node, ``prim`` holding a JointVJP (or a
        SharedVJP), called with ``params``.

        ``args`` are the call's inputs as this level sees them, ``vals`` as the level below
        does, ``outs`` the outputs computed from ``vals``. Each float output gets a node of
        its own (OUTPUT, its slot) and is returned as a tracer; the others are returned as
        they are.
        """
        self._check_open(prim.name)
        nodes = self.nodes
        parents = [a._index if type(a) is ReverseTracer and a._trace is self else -1 for a in args]
        nodes.append((prim, vals, params or {}, tuple(outs), parents))
        group = len(nodes) - 1
        result = []
        for slot, out in enumerate(outs):
            if getattr(getattr(out, "dtype", None), "kind", "") not in "fc":
                result.append(out)
                continue
            nodes.append((OUTPUT, None, slot, out, (group,)))
            result.append(ReverseTracer(out, self, len(nodes) - 1))
        return result

    def value_of(self, x: Any) -> Any:
        """What the level below sees of ``x``."""
        if type(x) is ReverseTracer and x._trace is self:
            return x._value
        return x

    def process_custom_vjp(self, call: Any, args: tuple) -> Any:
        return call.reverse(self, args)  # fwd runs now, bwd in the sweep

    def process_custom_jvp(self, call: Any, args: tuple) -> Any:
        return call.reverse(self, args)  # the rule, transposed

    def process_checkpoint(self, call: Any, args: tuple) -> Any:
        return call.reverse(self, args)  # recomputed in the sweep


def one_node(prim: Primitive, compute: Callable[..., tuple], *args: Any, **params: Any) -> tuple:
    """``compute(*args, **params)``, a tuple of outputs, that a reverse-mode tape on top
    records as one node: ``prim.vjps`` (a JointVJP, or a SharedVJP told which arguments need
    a cotangent) gives every argument's cotangent from all the outputs' at once, and
    ``prim.jvp`` their tangents for linearize. Under any other trace, or none, ``compute``
    runs as written and its primitives are seen one by one.

    For a layer whose outputs share work backwards (an LSTM's new cell and output), or whose
    forward builds what its backward needs (a convolution's im2col columns, returned as an
    extra output that the tape keeps): one rule call, and nothing computed twice.
    """
    trace = top_trace(args)
    if type(trace) is not Tape:
        return compute(*args, **params)
    vals = [trace.value_of(a) for a in args]
    return tuple(trace.record_group(prim, list(args), vals, list(compute(*vals, **params)), params))


def backward(tape: Tape, seeds: dict[int, Any]) -> list:
    """Sweep the tape backwards from ``{node index: cotangent}``; cotangents by node index.

    Only nodes that lead to a seed are visited, each calling its primitive's rules once for
    the arguments that need a cotangent. The outputs of a group pass their cotangents to the
    group node, which is reached after all of them and gets one cotangent per output.
    """
    nodes = tape.nodes
    cts: list = [None] * (max(seeds) + 1)
    owned = bytearray(len(cts))  # cts[i] is a sum this sweep made, so it may add in place
    for i, g in seeds.items():
        cts[i] = g
    for i in range(len(cts) - 1, -1, -1):
        g, node = cts[i], nodes[i]
        if g is None or node is None:
            continue
        cts[i] = None  # intermediate cotangents die as soon as they are used
        prim, vals, params, ans, parents = node
        if prim is OUTPUT:
            group = parents[0]
            if cts[group] is None:
                cts[group] = [None] * len(nodes[group][3])
            cts[group][params] = g
            continue
        rules = prim.vjps
        joint = (
            None
            if type(rules) is tuple and len(rules) >= len(vals)
            else _joint(prim, g, ans, vals, params, parents)
        )
        for k, p in enumerate(parents):
            if p < 0:
                continue
            if joint is None:  # one rule per argument, called only where a cotangent is needed
                gk = None if rules[k] is None else rules[k](g, ans, *vals, **params)
            else:
                gk = joint[k]
            if gk is None:
                continue
            v = vals[k]
            if gk.shape != v.shape or gk.dtype != v.dtype:
                gk = _fit(gk, v)
            if cts[p] is None:
                cts[p] = gk
            else:
                _accumulate(cts, owned, p, gk)
    return cts


def _joint(prim: Primitive, g: Any, ans: Any, vals: list, params: dict, parents: list) -> Any:
    """Every argument's cotangent from one call of a primitive's rules (Shared, Joint or
    Variadic rules, through ``Primitive.cotangents``)."""
    if prim.cotangents is None:
        raise NotImplementedError(
            f"fnzero: {prim.name} has no vjp rule, so reverse mode cannot go through it"
        )
    return prim.cotangents(g, ans, vals, params, [p >= 0 for p in parents])


def _fit(ct: Any, operand: Any) -> Any:
    """A cotangent summed down to its operand's shape (broadcasting) and cast to its dtype."""
    if ct.shape != operand.shape:
        ct = sum_to(ct, operand.shape)
    if ct.dtype != operand.dtype:
        ct = astype(ct, operand.dtype)
    return ct


def _accumulate(cts: list, owned: bytearray, p: int, ct: Any) -> None:
    """Add ``ct`` to node ``p``'s cotangent. Rules may hand one array to several operands, so
    only a sum made here on raw arrays may take the next term in place."""
    prev = cts[p]
    if owned[p] and type(ct) not in TRACER_TYPES:
        prev += ct
        cts[p] = prev  # the same array, or a new NumPy scalar
    else:
        cts[p] = prev + ct
        owned[p] = type(cts[p]) not in TRACER_TYPES
