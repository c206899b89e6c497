"""What the control-flow functions share: the carry's type check (JAX's rule: a loop's carry
keeps its structure, shapes and dtypes) and the question whether Python may read a value
(not when it differs across a vmap batch, nor inside jit)."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero import tree
from fnzero.core.batching import BatchTracer
from fnzero.core.tracer import TRACER_TYPES, ConcretizationTypeError
from fnzero.transforms.jit import JitTrace


def leaf_type(x: Any) -> tuple[tuple[int, ...], Any]:
    """``(shape, dtype)`` of a leaf; the dtype is None for a Python scalar (weakly typed)."""
    return tuple(getattr(x, "shape", ())), getattr(x, "dtype", None)


def show_type(shape: tuple[int, ...], dtype: Any) -> str:
    return "a Python scalar" if dtype is None else f"{dtype}{list(shape)}"


def where_of(what: str, path: str) -> str:
    return f"{what} at {path!r}" if path else what


class TypeKeeper:
    """The structure, shapes and dtypes a value must keep (a loop's carry from step to step,
    the outputs of a conditional's branches). A Python scalar leaf takes the dtype of the
    first array that stands in its place, as JAX's weak types do.

    ``what`` names the value, ``source`` where the first one came from ("in init_val"), and
    ``rule`` what JAX requires ("keep its structure, shapes and dtypes from step to step").
    """

    def __init__(self, value: Any, name: str, what: str, source: str, rule: str):
        self.name = name
        self.what = what
        self.source = source
        self.rule = rule
        paths = tree.flatten_with_path(value)
        self.treedef = tree.structure(value)
        self.paths = [p for p, _ in paths]
        self.types = [leaf_type(x) for _, x in paths]

    def check(self, value: Any, where: str) -> None:
        """Raise a TypeError naming the leaf and both types when ``value`` differs; ``where``
        says where ``value`` came from ("from body_fun at step 3")."""
        leaves, treedef = tree.flatten(value)
        head = f"fnzero.lax.{self.name}: the {self.what} must {self.rule} (as in JAX), but"
        if treedef != self.treedef:
            raise TypeError(
                f"{head} its pytree structure is {self.treedef} {self.source} and {treedef} {where}"
            )
        for k, (path, (shape, dtype), leaf) in enumerate(zip(self.paths, self.types, leaves)):
            new_shape, new_dtype = leaf_type(leaf)
            weak = dtype is None or new_dtype is None
            if new_shape != shape or not (weak or new_dtype == dtype):
                raise TypeError(
                    f"{head} {where_of(self.what, path)} is {show_type(shape, dtype)} {self.source} "
                    f"and {show_type(new_shape, new_dtype)} {where}"
                )
            if dtype is None and new_dtype is not None:
                self.types[k] = (shape, new_dtype)


def value_hidden(x: Any) -> bool:
    """Whether Python cannot take one value from ``x``: it differs across a vmap batch, or jit
    traces it (its value at trace time is not its value on later calls)."""
    while type(x) in TRACER_TYPES:
        if type(x) is BatchTracer or isinstance(x._trace, JitTrace):
            return True
        x = x._value
    return False


def any_example(pred: Any, name: str) -> bool:
    """Whether ``pred`` holds for any example of the batches it belongs to (outside jit)."""
    x = pred
    while type(x) in TRACER_TYPES:
        if isinstance(x._trace, JitTrace):
            raise jit_refusal(name, "its predicate")
        x = x._value
    return bool(x.any()) if hasattr(x, "any") else bool(x)


def traced_by_jit(x: Any) -> bool:
    """Whether jit traces ``x`` (at any level under other transforms' tracers)."""
    while type(x) in TRACER_TYPES:
        if isinstance(x._trace, JitTrace):
            return True
        x = x._value
    return False


def jit_refusal(name: str, what: str) -> TypeError:
    return ConcretizationTypeError(
        f"fnzero.lax.{name}: {what} depends on values traced by jit. fnzero's loops run step by step "
        f"in Python, so under jit the number of steps must be known when tracing: use lax.scan or "
        f"lax.fori_loop with Python-int bounds, make the argument that decides static "
        f"(jit(f, static_argnums=...)), or call the function without jit"
    )


def flag(value: Any, name: str, arg: str) -> bool:
    """``value`` as a bool; a TypeError naming ``arg`` for anything but True, False or a NumPy
    bool (the string ``"False"`` is truthy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"fnzero.lax.{name}: {arg} must be True or False, got {value!r:.40} ({type(value).__name__})"
        )
    return bool(value)


def scalar_check(x: Any, name: str, arg: str, kinds: str, accepted: str) -> None:
    """Refuse a ``x`` that is not a scalar whose dtype kind is in ``kinds``."""
    shape, dtype = leaf_type(x)
    kind = dtype.kind if dtype is not None else {bool: "b", int: "i", float: "f", complex: "c"}.get(type(x))
    if shape != () or kind is None or kind not in kinds:
        got = show_type(shape, dtype) if dtype is not None else type(x).__name__
        raise TypeError(f"fnzero.lax.{name}: {arg} must be {accepted}, got {got}")


def pair(out: Any, name: str) -> tuple[Any, Any]:
    """A scan body's ``(new carry, y)``, refused clearly when it is not a pair."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(
            f"fnzero.lax.{name}: f must return a pair (new carry, y), got {type(out).__name__}"
            + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
        )
    return out[0], out[1]
