"""checkpoint (remat): trade compute for memory by recomputing a function's intermediates
during the backward sweep instead of keeping them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fnzero import tree
from fnzero.core.batching import BatchTrace
from fnzero.core.forward import JVPTrace
from fnzero.core.primitive import JointVJP, Primitive
from fnzero.core.reverse import Tape
from fnzero.core.tracer import top_trace
from fnzero.numpy import zeros_like
from fnzero.transforms._batched_calls import rebatch, unbatch_args
from fnzero.transforms._calls import check_no_escape, moving, substitute
from fnzero.transforms._inputs import check_callable
from fnzero.transforms.jvp import jvp
from fnzero.transforms.vjp import vjp
from fnzero.transforms.vmap import vmap


def checkpoint(fun: Callable[..., Any]) -> Callable[..., Any]:
    """``fun``, recorded by reverse mode as one step that keeps only its inputs and outputs.

    The backward sweep runs ``fun`` again to get the intermediates it needs, so the
    gradients are the same and the memory held between the forward and backward sweeps is
    that of the inputs and outputs only. Values to differentiate must be arguments of
    ``fun``, not values it closes over.
    """
    check_callable(fun, "checkpoint")
    return Checkpointed(fun)


class Checkpointed:
    """A checkpointed function: what each kind of trace does with a call to it."""

    def __init__(self, fun: Callable[..., Any]):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.name = f"checkpoint({getattr(fun, '__name__', 'function')})"

    def __call__(self, *args: Any) -> Any:
        top = top_trace(tree.leaves(list(args)))
        if top is None:
            return self.fun(*args)
        return top.process_checkpoint(self, args)

    def _flat(self, args: tuple) -> tuple[list, Callable[[list], list], list]:
        """The argument leaves, ``fun`` on flat leaves, and where its output's structure lands."""
        leaves, in_def = tree.flatten(list(args))
        structure: list = []

        def flat_fun(values: list) -> list:
            out_leaves, out_def = tree.flatten(self.fun(*tree.unflatten(in_def, values)))
            structure.append(out_def)
            return out_leaves

        return leaves, flat_fun, structure

    def batched(self, top: BatchTrace, args: tuple) -> Any:
        """The checkpoint of the vmapped function, one level down."""
        vals, axes = unbatch_args(top, args)
        return rebatch(top, checkpoint(vmap(self.fun, in_axes=axes))(*vals))

    def forward(self, top: JVPTrace, args: tuple) -> Any:
        """Under forward mode: the jvp of ``fun``, itself checkpointed for a level below."""
        leaves, flat_fun, structure = self._flat(args)
        movers = moving(top, leaves)
        pairs = [top.primal_tangent(x) for x in leaves]
        primals = [v for v, _ in pairs]
        out, t_out = checkpoint(_jvp_at(flat_fun, movers))(primals, [pairs[k][1] for k in movers])
        check_no_escape(out, top, self.name)
        return tree.unflatten(structure[0], [top.wrap(o, t) for o, t in zip(out, t_out)])

    def reverse(self, top: Tape, args: tuple) -> Any:
        """Under reverse mode: one node keeping inputs and outputs; its vjp runs ``fun`` again."""
        leaves, flat_fun, _ = self._flat(args)
        movers = moving(top, leaves)
        vals = [top.value_of(x) for x in leaves]
        in_def = tree.structure(list(args))
        out = self(*tree.unflatten(in_def, vals))
        out_leaves, out_def = tree.flatten(out)
        check_no_escape(out_leaves, top, self.name)

        def vjp_rule(gs: list, ans: tuple, *vals: Any) -> list:
            _, pullback = vjp(
                lambda *m: flat_fun(substitute(list(vals), movers, m)), *(vals[k] for k in movers)
            )
            cts = pullback([zeros_like(a) if g is None else g for g, a in zip(gs, ans)])
            return substitute([None] * len(vals), movers, cts)

        def jvp_rule(tangents: list, ans: tuple, *vals: Any) -> list:
            return _jvp_at(flat_fun, movers)(list(vals), [tangents[k] for k in movers])[1]

        prim = Primitive(self.name, None)
        prim.defvjp(JointVJP(vjp_rule))
        prim.jvp = jvp_rule
        return tree.unflatten(out_def, top.record_group(prim, leaves, vals, out_leaves))


def _jvp_at(flat_fun: Callable[[list], list], movers: list[int]) -> Callable[[list, list], tuple]:
    """``(values, tangents) -> (output leaves, their tangents)``, the leaves at ``movers`` moving
    along ``tangents`` (None: not moving)."""

    def f(values: list, tangents: list) -> tuple:
        pos = [k for k, t in zip(movers, tangents) if t is not None]
        ts = [t for t in tangents if t is not None]
        return jvp(lambda *m: flat_fun(substitute(values, pos, m)), [values[k] for k in pos], ts)

    return f
