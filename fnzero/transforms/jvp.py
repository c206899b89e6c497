"""jvp: forward mode, a function's output and its Jacobian-vector product in one pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero import tree
from fnzero._checks import flag
from fnzero.core.forward import JVPTrace, JVPTracer
from fnzero.numpy import asarray, zeros_like
from fnzero.transforms._inputs import Distinct, as_differentiable, label_of, split_aux


def check_tangent(primal: Any, tangent: Any, label: str) -> Any:
    """``tangent`` as an array of the primal's shape and dtype (a Python scalar takes the dtype)."""
    if isinstance(tangent, (float, int)) and not isinstance(tangent, bool):
        tangent = np.asarray(tangent, dtype=primal.dtype)
    shape = getattr(tangent, "shape", None)
    if shape is None:
        raise TypeError(
            f"{label}: a tangent must be an array or a Python float, got {type(tangent).__name__}"
        )
    if shape != primal.shape:
        raise ValueError(f"{label}: tangent of shape {shape} for a primal of shape {primal.shape}")
    if tangent.dtype != primal.dtype:
        raise TypeError(
            f"{label}: tangent of dtype {tangent.dtype} for a primal of dtype {primal.dtype}; "
            f"a tangent must have its primal's dtype (convert it with .astype)"
        )
    return tangent


def _check_pair(primals: Any, tangents: Any, name: str) -> None:
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            f"{name}: primals and tangents must be tuples or lists (one entry per argument), got "
            f"{type(primals).__name__} and {type(tangents).__name__}"
        )
    if len(primals) != len(tangents):
        raise ValueError(f"{name}: {len(primals)} primals but {len(tangents)} tangents")


def moving_args(trace: JVPTrace, primals: Sequence[Any], tangents: Sequence[Any], name: str) -> list:
    """The primals as tracers of ``trace``, each leaf moving along its tangent."""
    _check_pair(primals, tangents, name)
    args = []
    for n, (p, t) in enumerate(zip(primals, tangents)):
        p_leaves, p_def = tree.flatten(p)
        t_leaves, t_def = tree.flatten(t)
        if p_def != t_def:
            raise ValueError(
                f"{name}: the tangent's structure differs from the primal's (argument {n}):\n"
                f"  primal:  {p_def}\n  tangent: {t_def}"
            )
        leaves = []
        for (path, _), pl, tl in zip(tree.flatten_with_path(p), p_leaves, t_leaves):
            label = label_of(f"{name}: primal {n}", path)
            pl, _ = as_differentiable(pl, False, label)
            leaves.append(JVPTracer(pl, trace, check_tangent(pl, tl, label)))
        args.append(tree.unflatten(p_def, leaves))
    return args


def jvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False
) -> tuple:
    """``(fun(*primals), J @ tangents)``: the output and how it moves when the primals move
    along ``tangents`` (one pytree per primal, same structure, shapes and dtypes).

    True forward mode: every primitive computes its value and tangent together, nothing is
    stored. With ``has_aux``, ``fun`` returns ``(output, aux)`` and jvp returns
    ``(output, tangent, aux)``.
    """
    has_aux = flag(has_aux, "has_aux", "fnzero.jvp")
    trace = JVPTrace()
    args = moving_args(trace, primals, tangents, "jvp")
    try:
        result = fun(*args)
    finally:
        trace.closed = True
    out, aux = split_aux(result, has_aux, "jvp")
    out_leaves, out_def = tree.flatten(out)
    pairs = [trace.primal_tangent(y) for y in out_leaves]
    values = [v for v, _ in pairs]
    # No output tangent shares memory with another, with the caller's or with a value.
    distinct = Distinct([*tree.leaves(tangents), *values])
    out_tangents = [zeros_like(asarray(v)) if t is None else distinct(t) for v, t in pairs]
    primal_out = tree.unflatten(out_def, values)
    tangent_out = tree.unflatten(out_def, out_tangents)
    if has_aux:
        return primal_out, tangent_out, tree.map(lambda x: trace.primal_tangent(x)[0], aux)
    return primal_out, tangent_out
