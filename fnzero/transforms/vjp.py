"""vjp: a function's output and its vector-Jacobian product, for any pytree in and out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fnzero import tree
from fnzero.core.reverse import backward
from fnzero.numpy import asarray
from fnzero.transforms._inputs import Distinct, cotangents, node_of, record, unwrap_tree


def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple:
    """``(fun(*primals), vjp_fn)`` where ``vjp_fn(ct)`` pulls an output cotangent back.

    ``ct`` has the structure of the output; ``vjp_fn`` returns a tuple with one cotangent per
    primal. With ``has_aux``, ``fun`` returns ``(output, aux)`` and vjp returns
    ``(output, vjp_fn, aux)``.
    """
    rec = record(fun, primals, has_aux, "vjp")
    tape = rec.tape
    out_leaves, out_def = tree.flatten(rec.out)
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
            i = node_of(tape, y)
            if i >= 0:
                prev = seeds.get(i)
                seeds[i] = g if prev is None else prev + g
        cts = backward(tape, seeds) if seeds else []
        # No cotangent shares memory with another, with the caller's or with a primal.
        distinct = Distinct([*ct_leaves, *(leaf for w in rec.watched for leaf in w.leaves)])
        return tuple(cotangents(w, cts, distinct) for w in rec.watched)

    value = unwrap_tree(tape, rec.out)
    if has_aux:
        return value, vjp_fn, unwrap_tree(tape, rec.aux)
    return value, vjp_fn
