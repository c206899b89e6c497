"""What custom_vjp, custom_jvp and checkpoint share: a call seen by the trace of the highest
level among its arguments, which unwraps them, runs the call at the level below and
records the call as one node (a group, see Tape.record_group)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fnzero import tree
from fnzero.core.forward import is_float
from fnzero.core.tracer import TRACER_TYPES
from fnzero.transforms._inputs import check_argnums


def split_nondiff(args: tuple, nondiff_argnums: Sequence[int], name: str) -> tuple[tuple[int, ...], list]:
    """The positions of the non-differentiable arguments, and the other arguments."""
    nums = check_argnums(tuple(nondiff_argnums), len(args), name) if nondiff_argnums else ()
    for n in nums:
        if any(type(leaf) in TRACER_TYPES for leaf in tree.leaves(args[n])):
            raise TypeError(
                f"{name}: argument {n} is in nondiff_argnums but holds a traced value; pass "
                f"arrays to be differentiated as ordinary arguments"
            )
    return nums, [a for i, a in enumerate(args) if i not in nums]


def merge_args(args: tuple, nums: tuple[int, ...], diff: list) -> list:
    """``args`` with the differentiable ones replaced by ``diff`` (in order)."""
    it = iter(diff)
    return [a if i in nums else next(it) for i, a in enumerate(args)]


def moving(trace: Any, leaves: list) -> list[int]:
    """Positions of the float leaves that are tracers of ``trace``."""
    return [k for k, x in enumerate(leaves) if type(x) in TRACER_TYPES and x._trace is trace and is_float(x)]


def substitute(values: list, positions: list[int], new: Sequence[Any]) -> list:
    out = list(values)
    for k, v in zip(positions, new):
        out[k] = v
    return out


def check_no_escape(outs: list, trace: Any, name: str) -> None:
    """Refuse outputs traced at ``trace``'s level or above: the function closed over such a
    value instead of taking it as an argument, so the call could not be recorded as one."""
    for o in outs:
        if type(o) in TRACER_TYPES and o._trace.level >= trace.level:
            raise TypeError(
                f"{name}: the function uses a value traced by an enclosing transform without "
                f"taking it as an argument; pass that value as an argument instead of closing over it"
            )
