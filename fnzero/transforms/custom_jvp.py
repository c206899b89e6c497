"""custom_jvp: a function whose forward-mode derivative is given by the user (JAX's API).

Reverse mode uses the same rule, transposed: the rule's tangent output is linear in the
tangents, so its vjp with respect to them is the function's vjp.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from fnzero import tree
from fnzero.core.batching import BatchTrace
from fnzero.core.forward import JVPTrace
from fnzero.core.primitive import JointVJP, Primitive
from fnzero.core.reverse import Tape
from fnzero.core.tracer import top_trace
from fnzero.numpy import zeros_like
from fnzero.transforms._batched_calls import rebatch, unbatch_args
from fnzero.transforms._calls import check_no_escape, moving, split_nondiff, substitute
from fnzero.transforms._inputs import as_int_tuple, check_callable
from fnzero.transforms.vjp import vjp
from fnzero.transforms.vmap import vmap


class custom_jvp:
    """``fun`` with a jvp of your own, set with ``f.defjvp(rule)`` (usable as a decorator).

    ``rule(*nondiff_args, primals, tangents) -> (output, tangent_out)`` with ``primals`` and
    ``tangents`` tuples over the arguments not in ``nondiff_argnums``; a tangent is zeros
    where an argument does not move. Forward mode calls the rule, reverse mode transposes it;
    every level that sees the call uses it (higher orders differentiate the rule).
    """

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()):
        check_callable(fun, "custom_jvp")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = as_int_tuple(nondiff_argnums, "nondiff_argnums", "fnzero.custom_jvp")
        self.jvp: Callable[..., Any] | None = None

    def defjvp(self, jvp: Callable[..., Any]) -> Callable[..., Any]:
        """Set the jvp rule; returns it, so that ``@f.defjvp`` works as a decorator."""
        self.jvp = jvp
        return jvp

    @property
    def name(self) -> str:
        return f"custom_jvp({getattr(self.fun, '__name__', 'function')})"

    def __call__(self, *args: Any) -> Any:
        if self.jvp is None:
            raise AttributeError(f"{self.name}: no jvp defined; call defjvp(rule) first")
        _, diff = split_nondiff(args, self.nondiff_argnums, self.name)
        top = top_trace(tree.leaves(diff))
        if top is None:
            return self.fun(*args)
        return top.process_custom_jvp(self, args)

    def _rule(self, args: tuple) -> tuple:
        """The differentiable leaves, and the rule on flat primals and tangents."""
        name = self.name
        nums, diff = split_nondiff(args, self.nondiff_argnums, name)
        leaves, in_def = tree.flatten(diff)
        nondiff = [args[n] for n in nums]

        def rule(primals: list, tangents: list) -> tuple[list, list, Any]:
            """Flat primals and tangents in, flat output and tangent out (and its structure)."""
            result = self.jvp(
                *nondiff, tuple(tree.unflatten(in_def, primals)), tuple(tree.unflatten(in_def, tangents))
            )
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise TypeError(f"{name}: the jvp rule must return a pair (output, tangent_out)")
            out_leaves, out_def = tree.flatten(result[0])
            t_leaves, t_def = tree.flatten(result[1])
            if t_def != out_def:
                raise ValueError(f"{name}: the rule's tangent has structure {t_def}, its output {out_def}")
            for o, t in zip(out_leaves, t_leaves):
                if getattr(t, "shape", ()) != getattr(o, "shape", ()):
                    raise ValueError(
                        f"{name}: the rule gives a tangent of shape {t.shape} for an output of "
                        f"shape {o.shape}"
                    )
            return out_leaves, t_leaves, out_def

        return leaves, rule

    def forward(self, top: JVPTrace, args: tuple) -> Any:
        """Under forward mode: the rule itself, not moving arguments given zero tangents."""
        leaves, rule = self._rule(args)
        pairs = [top.primal_tangent(x) for x in leaves]
        primals = [v for v, _ in pairs]
        tangents = [zeros_like(v) if t is None else t for v, t in pairs]
        out_leaves, t_leaves, out_def = rule(primals, tangents)
        check_no_escape(out_leaves, top, self.name)
        return tree.unflatten(out_def, [top.wrap(o, t) for o, t in zip(out_leaves, t_leaves)])

    def reverse(self, top: Tape, args: tuple) -> Any:
        """Under reverse mode: one node whose vjp is the rule's, transposed."""
        name = self.name
        leaves, rule = self._rule(args)
        vals = [top.value_of(x) for x in leaves]
        movers = moving(top, leaves)
        zeros = [zeros_like(v) for v in vals]
        structure = []

        def tangent_out(*ts: Any) -> tuple:
            out_leaves, t_leaves, out_def = rule(vals, substitute(zeros, movers, ts))
            structure.append(out_def)
            return t_leaves, out_leaves

        _, pullback, out_leaves = vjp(tangent_out, *(zeros[k] for k in movers), has_aux=True)
        check_no_escape(out_leaves, top, name)

        def vjp_rule(gs: list, ans: tuple, *vals: Any) -> list:
            cts = pullback([zeros_like(a) if g is None else g for g, a in zip(gs, ans)])
            return substitute([None] * len(vals), movers, cts)

        def jvp_rule(tangents: list, ans: tuple, *vals: Any) -> list:
            return rule(list(vals), [zeros_like(v) if t is None else t for v, t in zip(vals, tangents)])[1]

        prim = Primitive(name, None)
        prim.defvjp(JointVJP(vjp_rule))
        prim.jvp = jvp_rule
        return tree.unflatten(structure[0], top.record_group(prim, leaves, vals, out_leaves))

    def batched(self, trace: BatchTrace, args: tuple) -> Any:
        """The call one level down, with ``fun`` and the jvp rule vmapped (a tangent is
        batched as its primal is)."""
        nums, _ = split_nondiff(args, self.nondiff_argnums, self.name)
        vals, axes = unbatch_args(trace, args)
        diff_axes = tuple(a for i, a in enumerate(axes) if i not in nums)
        f = custom_jvp(vmap(self.fun, in_axes=axes), nondiff_argnums=nums)
        f.defjvp(vmap(self.jvp, in_axes=(None,) * len(nums) + (diff_axes, diff_axes)))
        return rebatch(trace, f(*vals))
