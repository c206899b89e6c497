"""Elementwise fusion for CuPy: a tree of elementwise equations becomes one generated kernel.

On a GPU every primitive is a kernel launch and a trip through memory. When each intermediate
of a tree of elementwise equations is read once, by the next equation of the tree, the tree
can be computed as one ``cupy.ElementwiseKernel`` that keeps the intermediates in registers.
On NumPy there is no such kernel; buffer reuse (jit_passes) is what fusion would give there.

Each primitive declares its CUDA C expression over its operands ``{0}, {1}`` (of type ``T``)
as ``Primitive.fusion``. Only what matches CuPy's ufuncs exactly is fused: float32 or float64
operands and results of one shape (no broadcasting, no type promotion) and finite Python-number constants.
Written against CuPy's documented API; this machine has no GPU, so it has not run here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fnzero.core.graph import Equation, Var

_DTYPES = ("float32", "float64")


def _fusible(eq: Equation) -> bool:
    out = eq.output
    if eq.prim.fusion is None or out.dtype not in _DTYPES or not out.shape:
        return False
    constants = dict(eq.constants)
    for k, i in enumerate(eq.inputs):
        if isinstance(i, Var):
            if i.shape != out.shape or i.dtype != out.dtype:
                return False
        else:
            c = constants[k]
            if type(c) not in (int, float) or not math.isfinite(c):
                return False
    return True


def plan_fusion(equations: Sequence[Equation], outputs: Sequence[Any]) -> dict[int, list[int]]:
    """The groups to fuse, as {index of the group's last equation: its equations' indices}.

    An equation joins the group of the equation making one of its inputs when that input is
    read nowhere else (nor returned); so every value inside a group but its last is private
    to the group, and computing them all at the last equation's place changes nothing."""
    uses: dict[Var, int] = {}
    for eq in equations:
        for i in eq.inputs:
            if isinstance(i, Var):
                uses[i] = uses.get(i, 0) + 1
    for o in outputs:
        if isinstance(o, Var):
            uses[o] = uses.get(o, 0) + 2
    made_by = {eq.output: j for j, eq in enumerate(equations)}
    group_of: dict[int, list[int]] = {}
    for j, eq in enumerate(equations):
        if not _fusible(eq):
            continue
        members = []
        for i in dict.fromkeys(i for i in eq.inputs if isinstance(i, Var)):
            p = made_by.get(i)
            if p is not None and p in group_of and uses[i] == 1:
                members.extend(group_of.pop(p))
        group_of[j] = sorted([*members, j])
    return {j: g for j, g in group_of.items() if len(g) > 1}


def kernel_source(equations: Sequence[Equation], group: Sequence[int]) -> tuple[list[Var], str]:
    """The Vars a fused group reads from outside, in order (the kernel's inputs ``x0, x1...``)
    and the body of its ``cupy.ElementwiseKernel`` (output ``out``)."""
    names: dict[Var, str] = {}
    external: list[Var] = []
    lines = []
    for j in group:
        eq = equations[j]
        constants = dict(eq.constants)
        operands = []
        for k, i in enumerate(eq.inputs):
            if not isinstance(i, Var):
                operands.append(f"(T)({constants[k]!r})")
                continue
            if i not in names:
                names[i] = f"x{len(external)}"
                external.append(i)
            operands.append(names[i])
        names[eq.output] = f"t{j}"
        lines.append(f"T t{j} = {eq.prim.fusion.format(*operands)};")
    lines.append(f"out = t{group[-1]};")
    return external, "\n".join(lines)


def fused_kernel(
    xp: Any, equations: Sequence[Equation], group: Sequence[int], name: str
) -> tuple[list[Var], Any]:
    """The inputs of a fused group and its compiled ``cupy.ElementwiseKernel`` (``xp`` is cupy)."""
    external, body = kernel_source(equations, group)
    params = ", ".join(f"T x{n}" for n in range(len(external)))
    return external, xp.ElementwiseKernel(params, "T out", body, name)
