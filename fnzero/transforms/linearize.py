"""linearize: run a function once, then push any number of tangents through what it did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fnzero import tree
from fnzero.core.forward import push_forward
from fnzero.numpy import asarray, zeros_like
from fnzero.transforms._inputs import Distinct, Recording, label_of, node_of, record, unwrap_tree
from fnzero.transforms.jvp import check_tangent


def tangents_out(rec: Recording, seeds: dict[int, Any]) -> Any:
    """The output's tangent (structure of the output) given ``{input node: tangent}``."""
    ts = push_forward(rec.tape, seeds) if seeds else []
    out = []
    # No output tangent shares memory with another, with the caller's or with a value.
    distinct = Distinct([*seeds.values(), *(rec.tape.value_of(y) for y in tree.leaves(rec.out))])
    for y in tree.leaves(rec.out):
        i = node_of(rec.tape, y)
        t = ts[i] if i >= 0 else None
        out.append(zeros_like(asarray(rec.tape.value_of(y))) if t is None else distinct(t))
    return tree.unflatten(tree.structure(rec.out), out)


def linearize(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple:
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the Jacobian-vector product at
    ``primals``: ``jvp(fun, primals, tangents)[1]`` without running ``fun`` again.

    ``fun`` runs once on a tape; each ``f_jvp`` call applies the recorded primitives' jvp
    rules to the recorded values. With ``has_aux`` the result is ``(output, f_jvp, aux)``.
    """
    rec = record(fun, primals, has_aux, "linearize")

    def f_jvp(*tangents: Any) -> Any:
        if len(tangents) != len(primals):
            raise TypeError(
                f"f_jvp: {len(primals)} primals were linearized but {len(tangents)} tangents given"
            )
        seeds = {}
        for n, (arg, watched, t) in enumerate(zip(rec.args, rec.watched, tangents)):
            t_leaves, t_def = tree.flatten(t)
            if t_def != tree.structure(arg):
                raise ValueError(
                    f"f_jvp: the tangent's structure differs from the primal's (argument {n}):\n"
                    f"  primal:  {tree.structure(arg)}\n  tangent: {t_def}"
                )
            paths = tree.flatten_with_path(arg)
            for (path, _), w, tl in zip(paths, watched, t_leaves):
                seeds[w._index] = check_tangent(w._value, tl, label_of(f"f_jvp: tangent {n}", path))
        return tangents_out(rec, seeds)

    value = unwrap_tree(rec.tape, rec.out)
    if has_aux:
        return value, f_jvp, unwrap_tree(rec.tape, rec.aux)
    return value, f_jvp
