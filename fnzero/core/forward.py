"""Forward mode: the JVPTrace that carries a tangent beside each value, and the forward sweep
of a recorded Tape (what linearize and jacfwd push tangents through).

Both apply each primitive's jvp rule, written with fnzero operations: an outer transform
watching the values or the tangents records that work (jvp-of-grad, grad-of-jvp, ...).
"""

from __future__ import annotations

from typing import Any

from fnzero.core.levels import new_level
from fnzero.core.primitive import Primitive
from fnzero.core.reverse import OUTPUT, Tape
from fnzero.core.trace import Trace
from fnzero.core.tracer import Tracer, UnexpectedTracerError
from fnzero.numpy import astype, broadcast_to


class JVPTracer(Tracer):
    """A value moving along ``_tangent`` (same shape and dtype) at one forward-mode level."""

    __slots__ = ("_tangent",)
    carries_derivative = True

    def __init__(self, value: Any, trace: JVPTrace, tangent: Any):
        self._value = value
        self._trace = trace
        self._tangent = tangent


def is_float(x: Any) -> bool:
    return getattr(getattr(x, "dtype", None), "kind", "") in "fc"


def no_jvp_rule(prim: Primitive) -> NotImplementedError:
    return NotImplementedError(f"fnzero: {prim.name} has no jvp rule, so forward mode cannot go through it")


def fit(t: Any, ans: Any) -> Any:
    """The tangent ``t`` given the shape and dtype of the value ``ans`` it goes with (None
    when ``ans`` is not a float: integers and booleans do not move)."""
    if not is_float(ans):
        return None
    if t.shape != ans.shape:
        t = broadcast_to(t, ans.shape)
    if t.dtype != ans.dtype:
        t = astype(t, ans.dtype)
    return t


class JVPTrace(Trace):
    """One forward-mode transform: primitives on its tracers compute value and tangent at once.

    Arguments that are not its tracers do not move (their tangent is a symbolic zero), so a
    rule runs only for the arguments that do.
    """

    __slots__ = ("level", "closed")

    def __init__(self) -> None:
        self.level = new_level()
        self.closed = False

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if self.closed:
            raise UnexpectedTracerError(
                f"a value traced by a jvp that has already returned was passed to {prim.name}; "
                f"return it from the transformed function instead of keeping it"
            )
        primals = list(args)
        tangents = [None] * len(args)
        for k, a in enumerate(args):
            if type(a) is JVPTracer and a._trace is self:
                primals[k] = a._value
                tangents[k] = a._tangent
        ans = prim(*primals, **params)
        if prim.jvp is None:
            if prim.vjps is None:
                return ans
            raise no_jvp_rule(prim)
        return self.wrap(ans, prim.jvp(tangents, ans, *primals, **params))

    def wrap(self, value: Any, tangent: Any) -> Any:
        """``value`` moving along ``tangent``; a value that cannot move is returned as it is."""
        if tangent is None:
            return value
        if tangent.shape != value.shape or tangent.dtype != value.dtype or tangent.dtype.kind not in "fc":
            tangent = fit(tangent, value)
            if tangent is None:
                return value
        return JVPTracer(value, self, tangent)

    def primal_tangent(self, x: Any) -> tuple[Any, Any]:
        """``(value, tangent)`` of ``x`` as the level below sees them (tangent None: not moving)."""
        if type(x) is JVPTracer and x._trace is self:
            return x._value, x._tangent
        return x, None

    def process_custom_vjp(self, call: Any, args: tuple) -> Any:
        return call.forward(self, args)  # refused: a vjp rule cannot push tangents

    def process_custom_jvp(self, call: Any, args: tuple) -> Any:
        return call.forward(self, args)  # the rule itself

    def process_checkpoint(self, call: Any, args: tuple) -> Any:
        return call.forward(self, args)


def push_forward(tape: Tape, seeds: dict[int, Any]) -> list:
    """Sweep a closed tape forwards from ``{node index: tangent}``; tangents by node index.

    Each recorded node applies its primitive's jvp rule to the values recorded with it, so
    the function is not run again: only the tangents move.
    """
    nodes = tape.nodes
    ts: list = [None] * (len(nodes) + 1)  # ts[-1] stays None: the tangent of a constant
    for i, t in seeds.items():
        ts[i] = t
    for i, node in enumerate(nodes):
        if node is None:
            continue
        prim, vals, params, ans, parents = node
        if prim is OUTPUT:
            group = ts[parents[0]]
            if group is not None and group[params] is not None:
                ts[i] = fit(group[params], ans)
            continue
        tangents = [ts[p] for p in parents]
        for t in tangents:
            if t is not None:
                break
        else:
            continue  # nothing moves here
        jvp = prim.jvp
        if jvp is None:
            raise no_jvp_rule(prim)
        t = jvp(tangents, ans, *vals, **params)
        if t is not None and type(ans) is not tuple:
            if t.shape != ans.shape or t.dtype != ans.dtype or t.dtype.kind not in "fc":
                t = fit(t, ans)
        ts[i] = t
    return ts
