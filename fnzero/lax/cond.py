"""cond and switch (JAX's lax conditionals).

A predicate (or index) Python can read runs one branch. Under jit alone, one traced by jit
makes one equation that runs only the chosen branch. One that differs across a vmap batch
(or that jit traces under another transform) runs every branch and selects each example's
result with ``where`` (what JAX does under vmap), so the branches' outputs must agree in
structure, shapes and dtypes. Note that a selected-away branch still runs: a NaN it makes does not
reach the value, but can reach a gradient through ``where`` (as in JAX).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import fnzero.numpy as fnp
from fnzero import tree
from fnzero.core.tracer import top_trace
from fnzero.lax._common import TypeKeeper, leaf_type, scalar_check, value_hidden
from fnzero.lax._jit import jit_switch
from fnzero.transforms.jit import JitTrace


def _check_callable(f: Any, name: str, arg: str) -> None:
    if not callable(f):
        raise TypeError(f"fnzero.lax.{name}: {arg} must be callable, got {type(f).__name__}")


def _agree(outs: list, name: str, labels: list[str]) -> None:
    keeper = TypeKeeper(outs[0], name, "output", labels[0], "be the same for every branch")
    for out, label in zip(outs[1:], labels[1:]):
        keeper.check(out, label)


def _one_branch(index: Any, branches: list, operands: tuple, name: str, labels: list[str]) -> Any:
    """Under jit alone: one equation that runs only the chosen branch (None: not lowered)."""
    if not isinstance(top_trace([index, *tree.leaves(operands)]), JitTrace):
        return None
    return jit_switch(index, branches, operands, lambda outs: _agree(outs, name, labels))


def _select(name: str, choose: list, outs: list, labels: list[str]) -> Any:
    """``outs[k]`` where ``choose[k]`` holds (the last one elsewhere), leaf by leaf."""
    _agree(outs, name, labels)
    result = outs[-1]
    for mask, out in zip(choose[-2::-1], outs[-2::-1]):
        result = tree.map(lambda a, b, mask=mask: fnp.where(mask, a, b), out, result)
    return result


def cond(pred: Any, true_fun: Callable[..., Any], false_fun: Callable[..., Any], *operands: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)`` (JAX's lax.cond).

    ``pred`` is a boolean or integer scalar (an integer is true when nonzero). Under vmap with
    a batched ``pred`` (or inside jit) both branches run and ``where`` picks each result.
    """
    _check_callable(true_fun, "cond", "true_fun")
    _check_callable(false_fun, "cond", "false_fun")
    scalar_check(pred, "cond", "pred", "biu", "a boolean or integer scalar")
    if not value_hidden(pred):
        return true_fun(*operands) if bool(pred) else false_fun(*operands)
    if leaf_type(pred)[1].kind != "b":
        pred = fnp.not_equal(pred, 0)
    labels = ["from true_fun", "from false_fun"]
    out = _one_branch(pred, [false_fun, true_fun], operands, "cond", labels[::-1])
    if out is not None:
        return out
    outs = [true_fun(*operands), false_fun(*operands)]
    return _select("cond", [pred, None], outs, labels)


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``branches[index](*operands)`` (JAX's lax.switch), ``index`` an integer scalar clamped
    to ``[0, len(branches) - 1]`` as JAX does. Under vmap with a batched ``index`` (or inside
    jit) every branch runs and ``where`` picks each result.
    """
    if callable(branches) or not isinstance(branches, Sequence) or not branches:
        raise TypeError(
            f"fnzero.lax.switch: branches must be a non-empty sequence of callables, got {branches!r}"
        )
    for k, b in enumerate(branches):
        _check_callable(b, "switch", f"branches[{k}]")
    scalar_check(index, "switch", "index", "iu", "an integer scalar")
    n = len(branches)
    if not value_hidden(index):
        return branches[min(max(int(index), 0), n - 1)](*operands)
    labels = [f"from branches[{k}]" for k in range(n)]
    out = _one_branch(index, list(branches), operands, "switch", labels)
    if out is not None:
        return out
    index = fnp.clip(index, 0, n - 1)
    outs = [b(*operands) for b in branches]
    choose = [fnp.equal(index, k) for k in range(n)]
    return _select("switch", choose, outs, labels)
