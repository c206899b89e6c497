"""custom_vjp: a function whose reverse-mode derivative is given by the user (JAX's API)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import fnzero.numpy as fnp
from fnzero import tree
from fnzero.core.batching import BatchTrace
from fnzero.core.primitive import JointVJP, Primitive
from fnzero.core.reverse import Tape
from fnzero.core.trace import Trace
from fnzero.core.tracer import top_trace
from fnzero.numpy import asarray, zeros_like
from fnzero.transforms._batched_calls import rebatch, unbatch_args
from fnzero.transforms._calls import check_no_escape, merge_args, split_nondiff
from fnzero.transforms._inputs import as_int_tuple, check_callable
from fnzero.transforms.vmap import vmap


class custom_vjp:
    """``fun`` with a vjp of your own: ``f.defvjp(fwd, bwd)``.

    ``fwd(*args) -> (output, residuals)`` runs instead of ``fun`` when ``f`` is differentiated;
    ``bwd(*nondiff_args, residuals, cotangent) -> tuple`` gives one cotangent (or None) per
    argument not in ``nondiff_argnums``. The rule is used by every reverse-mode level that
    sees the call; higher orders differentiate ``fwd`` and ``bwd`` (call ``f`` inside ``fwd``
    to keep the rule there too). Forward mode (jvp, jacfwd) cannot go through a custom_vjp:
    define a custom_jvp instead.
    """

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()):
        check_callable(fun, "custom_vjp")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = as_int_tuple(nondiff_argnums, "nondiff_argnums", "fnzero.custom_vjp")
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        """Set the forward pass (output and residuals) and the backward pass."""
        self.fwd, self.bwd = fwd, bwd

    @property
    def name(self) -> str:
        return f"custom_vjp({getattr(self.fun, '__name__', 'function')})"

    def __call__(self, *args: Any) -> Any:
        if self.fwd is None:
            raise AttributeError(f"{self.name}: no vjp defined; call defvjp(fwd, bwd) first")
        _, diff = split_nondiff(args, self.nondiff_argnums, self.name)
        top = top_trace(tree.leaves(diff))
        if top is None:
            return self.fun(*args)
        return top.process_custom_vjp(self, args)

    def forward(self, trace: Trace, args: tuple) -> Any:
        """Under forward mode: refused (a vjp rule cannot push tangents)."""
        _no_jvp(self.name)

    def reverse(self, top: Tape, args: tuple) -> Any:
        """Under reverse mode: ``fwd`` runs now, the call is one node whose vjp is ``bwd``."""
        name = self.name
        nums, diff = split_nondiff(args, self.nondiff_argnums, name)
        leaves, in_def = tree.flatten(diff)
        vals = [top.value_of(x) for x in leaves]
        result = self.fwd(*merge_args(args, nums, tree.unflatten(in_def, vals)))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError(f"{name}: fwd must return a pair (output, residuals)")
        out, residuals = result
        out_leaves, out_def = tree.flatten(out)
        check_no_escape(out_leaves, top, name)
        nondiff = [args[n] for n in nums]
        positions = [i for i in range(len(args)) if i not in nums]
        bwd = self.bwd

        def vjp_rule(gs: list, ans: tuple, *vals: Any) -> list:
            ct = tree.unflatten(out_def, [zeros_like(a) if g is None else g for g, a in zip(gs, ans)])
            cts = bwd(*nondiff, residuals, ct)
            if not isinstance(cts, (tuple, list)) or len(cts) != len(diff):
                raise TypeError(
                    f"{name}: bwd must return a tuple with one cotangent per differentiable argument "
                    f"({len(diff)}), got {type(cts).__name__}"
                    + (f" of length {len(cts)}" if isinstance(cts, (tuple, list)) else "")
                )
            flat = []
            for n, (pos, arg, c) in enumerate(zip(positions, diff, cts)):
                if c is None:
                    flat.extend([None] * len(tree.leaves(arg)))
                    continue
                c_leaves, c_def = tree.flatten(c)
                if c_def != tree.structure(arg):
                    raise ValueError(
                        f"{name}: bwd's cotangent {n} (for argument {pos}) has structure {c_def}, "
                        f"its argument {tree.structure(arg)}"
                    )
                for (path, leaf), x in zip(tree.flatten_with_path(arg), c_leaves):
                    x = asarray(x)
                    expected = tuple(getattr(leaf, "shape", ()))
                    if tuple(x.shape) != expected:
                        where = f"argument {pos}" + (f" at {path}" if path else "")
                        raise ValueError(
                            f"{name}: bwd's cotangent for {where} has shape {tuple(x.shape)}, "
                            f"the argument has shape {expected}; return one cotangent of the "
                            f"argument's shape (nothing is broadcast or summed for you)"
                        )
                    flat.append(x)
            return flat

        prim = Primitive(name, None)
        prim.defvjp(JointVJP(vjp_rule))
        prim.jvp = functools.partial(_no_jvp, name)
        return tree.unflatten(out_def, top.record_group(prim, leaves, vals, out_leaves))

    def batched(self, trace: BatchTrace, args: tuple) -> Any:
        """The call one level down, with ``fun``, ``fwd`` and ``bwd`` vmapped; an argument that
        is the same for every example gets the sum of the examples' cotangents."""
        nums, _ = split_nondiff(args, self.nondiff_argnums, self.name)
        vals, axes = unbatch_args(trace, args)
        diff_axes = [a for i, a in enumerate(axes) if i not in nums]
        bwd = self.bwd
        f = custom_vjp(vmap(self.fun, in_axes=axes), nondiff_argnums=nums)

        def batched_bwd(*a: Any) -> tuple:
            nondiff, residuals, ct = a[:-2], a[-2], a[-1]
            cts = vmap(bwd, in_axes=(None,) * len(nondiff) + (0, 0))(*nondiff, residuals, ct)
            return tuple(None if c is None else _to_axes(c, ax) for c, ax in zip(cts, diff_axes))

        f.defvjp(vmap(self.fwd, in_axes=axes), batched_bwd)
        return rebatch(trace, f(*vals))


def _to_axes(ct: Any, axes: Any) -> Any:
    """Cotangents with the batch on axis 0 moved to ``axes`` (summed where that is None)."""
    leaves, treedef = tree.flatten(ct)
    per_leaf = (
        [axes] * len(leaves)
        if axes is None or isinstance(axes, int)
        else tree.leaves(axes, is_leaf=lambda x: x is None)
    )
    out = [fnp.sum(c, axis=0) if a is None else fnp.moveaxis(c, 0, a) for c, a in zip(leaves, per_leaf)]
    return tree.unflatten(treedef, out)


def _no_jvp(name: str, *args: Any, **params: Any) -> Any:
    raise TypeError(
        f"{name}: forward mode (jvp, linearize, jacfwd, hessian) cannot differentiate a "
        f"custom_vjp function; define its derivative with custom_jvp instead (it serves both modes)"
    )
