"""vjp: a function's output and its vector-Jacobian product, for any pytree in and out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fnzero import tree
from fnzero.core.reverse import ReverseTracer, Tape, backward
from fnzero.numpy import asarray
from fnzero.transforms._inputs import cotangents, split_aux, unwrap_tree, watch


def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple:
    """``(fun(*primals), vjp_fn)`` where ``vjp_fn(ct)`` pulls an output cotangent back.

    ``ct`` has the structure of the output; ``vjp_fn`` returns a tuple with one cotangent per
    primal. With ``has_aux``, ``fun`` returns ``(output, aux)`` and vjp returns
    ``(output, vjp_fn, aux)``.
    """
    tape = Tape()
    watched_args, watched = [], []
    for n, p in enumerate(primals):
        arg, w = watch(tape, p, False, f"primal {n}")
        watched_args.append(arg)
        watched.append(w)
    try:
        result = fun(*watched_args)
    finally:
        tape.closed = True
    out, aux = split_aux(result, has_aux, "vjp")
    out_leaves, out_def = tree.flatten(out)
    out_shapes = [getattr(x, "shape", ()) for x in out_leaves]

    def vjp_fn(ct: Any) -> tuple:
        ct_leaves, ct_def = tree.flatten(ct)
        if ct_def != out_def:
            raise ValueError(
                f"vjp_fn: the cotangent's structure differs from the output's:\n"
                f"  output:    {out_def}\n  cotangent: {ct_def}"
            )
        seeds: dict[int, Any] = {}
        for y, g, shape in zip(out_leaves, ct_leaves, out_shapes):
            g = asarray(g)
            if g.shape != shape:
                raise ValueError(f"vjp_fn: a cotangent of shape {g.shape} for an output of shape {shape}")
            if type(y) is ReverseTracer and y._trace is tape:
                prev = seeds.get(y._index)
                seeds[y._index] = g if prev is None else prev + g
        cts = backward(tape, seeds) if seeds else []
        return tuple(cotangents(tape, a, w, cts) for a, w in zip(watched_args, watched))

    value = unwrap_tree(tape, out)
    if has_aux:
        return value, vjp_fn, unwrap_tree(tape, aux)
    return value, vjp_fn
