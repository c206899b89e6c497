"""Primitive: one differentiable operation, its kernel and its derivative rules.

Calling a primitive finds the tracers among its arguments. With none it runs the kernel on
the raw arrays at once (the fast path). Otherwise the trace of the highest level handles
the call: it unwraps its own tracers, calls the primitive again on what is underneath
(where lower-level tracers are handled the same way), and records what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from fnzero.backends import backend_of
from fnzero.core.tracer import TRACER_TYPES

# A vjp rule for argument k: ``rule(g, ans, *args, **params)`` -> cotangent of ``args[k]``,
# written with fnzero primitives so that an outer transform can differentiate it.
VJPRule = Callable[..., Any]


class Primitive:
    """An operation with a kernel (``impl``) and one vjp rule per argument.

    A primitive without vjp rules (``vjps is None``) is not differentiable: transforms pass
    its arguments' values through and record nothing (comparisons, argmax, stop_gradient).
    """

    __slots__ = ("name", "impl", "vjps", "jvp")

    def __init__(self, name: str, impl: Callable[..., Any]):
        self.name = name
        self.impl = impl
        self.vjps: tuple[VJPRule | None, ...] | VariadicVJP | None = None
        self.jvp: Callable[..., Any] | None = None

    def defvjp(self, *rules: VJPRule | None) -> Primitive:
        """Set the vjp rules, one per positional argument (None: not differentiable there),
        or a single :class:`VariadicVJP` for a primitive taking any number of arrays."""
        self.vjps = rules[0] if len(rules) == 1 and isinstance(rules[0], VariadicVJP) else rules
        return self

    def __call__(self, *args: Any, **params: Any) -> Any:
        top = None
        for a in args:
            if type(a) in TRACER_TYPES:
                trace = a._trace
                if top is None or trace.level > top.level:
                    top = trace
        if top is None:
            try:
                return self.impl(*args, **params)
            except (TypeError, ValueError) as e:
                if getattr(e, "fnzero_explained", False) or str(e).startswith("fnzero"):
                    raise
                raise explain(self, args, e) from e
        return top.process(self, args, params)

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


def _describe(x: Any) -> str:
    shape = getattr(x, "shape", None)
    if shape is None:
        return type(x).__name__
    backend = backend_of(x)
    where = f" on {backend.name}" if backend is not None and backend.name != "numpy" else ""
    return f"{x.dtype}{list(shape)}{where}"


def explain(prim: Primitive, args: tuple, error: Exception) -> Exception:
    """An exception naming the primitive and its operands' shapes, dtypes and backends."""
    # NumPy scalars mix with any backend's arrays (as Python scalars do), so they don't count.
    arrays = [a for a in args if not isinstance(a, np.generic)]
    backends = {b.name for b in map(backend_of, arrays) if b is not None}
    if len(backends) > 1:
        a, b = sorted(backends)
        new: Exception = TypeError(
            f"fnzero.numpy.{prim.name}: arrays from two backends in one call: {a} and {b}; "
            f"move them to one with fnzero.device_put(tree, {a!r})"
        )
    else:
        operands = ", ".join(_describe(a) for a in args)
        message = f"fnzero.numpy.{prim.name}({operands}): {error}"
        try:
            new = type(error)(message)
        except Exception:
            new = ValueError(message)
    new.fnzero_explained = True  # type: ignore[attr-defined]
    return new


class VariadicVJP:
    """The vjp rules of a primitive taking any number of arrays (concatenate, einsum).

    ``rule(k, g, ans, *args, **params)`` gives the cotangent of ``args[k]``.
    """

    __slots__ = ("rule",)

    def __init__(self, rule: Callable[..., Any]):
        self.rule = rule

    def __getitem__(self, k: int) -> VJPRule:
        rule = self.rule
        return lambda *a, **p: rule(k, *a, **p)
