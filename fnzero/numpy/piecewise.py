"""Piecewise functions: the value of the piece whose condition holds, differentiable within
each piece."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fnzero.numpy.arithmetic import where
from fnzero.numpy.creation import asarray, shape, zeros_like
from fnzero.numpy.logic import logical_not, logical_or


def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """At each place, ``funclist[k](x)`` for the last condition ``condlist[k]`` that holds
    there, or the extra last entry of ``funclist`` (zero when there is none) where none holds.
    An entry of ``funclist`` may be a constant. Every piece is computed on all of ``x`` and
    the rest discarded, so each must accept any value of ``x``."""
    x = asarray(x)
    if isinstance(condlist, (list, tuple)):
        conditions = list(condlist)
    else:
        conditions = [condlist] if shape(condlist) == shape(x) else [c for c in condlist]
    n = len(conditions)
    if len(funclist) not in (n, n + 1):
        raise ValueError(
            f"fnzero.numpy.piecewise: funclist must have {n} or {n + 1} entries for {n} conditions, "
            f"got {len(funclist)}"
        )

    def piece(f: Any) -> Any:
        return f(x, *args, **kw) if callable(f) else f

    out = zeros_like(x)
    if len(funclist) == n + 1:
        none_holds = logical_not(_any_of(conditions, x))
        out = where(none_holds, piece(funclist[-1]), out)
    for condition, f in zip(conditions, funclist):
        out = where(condition, piece(f), out)
    return out


def _any_of(conditions: list[Any], x: Any) -> Any:
    found = zeros_like(x, dtype=bool)
    for condition in conditions:
        found = logical_or(found, condition)
    return found
