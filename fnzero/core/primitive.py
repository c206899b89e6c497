"""Primitive: one operation, declared once: its kernel, its rules for each transform and
the facts that jit and ONNX export need.

Calling a primitive finds the tracers among its arguments. With none it runs the kernel on
the raw arrays at once (the fast path). Otherwise the trace of the highest level handles
the call: it unwraps its own tracers, calls the primitive again on what is underneath
(where lower-level tracers are handled the same way), and records what it needs.

One declaration per primitive, where its family is defined (as JAX's ``unop``):

- ``impl``: the kernel on raw arrays. A backend's own kernel (cuDNN, a fused CUDA
  expression) is chosen inside ``impl``; rules never call backend kernels.
- ``defvjp``, ``defjvp``: the derivative rules, written with fnzero primitives.
- ``defbatch``: the rule vmap applies. Family factories set it (``_unary`` in
  numpy/elementwise.py: the batch axis stays where it is; ``_binary`` in numpy/arithmetic.py:
  batch axes lined up; ``_reduction``: reduced axes shifted past the batch), from the
  helpers in numpy/batching.py.
- ``ufunc``: the name of the array module's ufunc that computes the kernel, so that jit may
  write the result into a dead input's buffer (``out=``); None where the kernel is not one.
- ``fusion``: a CUDA C expression over the operands ``{0}, {1}`` (of type ``T``), so that
  jit on CuPy may fuse a tree of elementwise equations into one kernel; None: not fusible.
- ``onnx``: how fnzero.onnx writes the primitive: an ONNX operator's name when the
  operands map one to one onto its inputs, or a converter
  ``convert(builder, eq, operands, out) -> name`` (see fnzero/onnx.py); None: not exportable.

jit_passes, jit_fusion and onnx read these fields; they keep no tables of primitives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from fnzero.backends import backend_of
from fnzero.core.tracer import TRACER_TYPES

# A vjp rule for argument k: ``rule(g, ans, *args, **params)`` -> cotangent of ``args[k]``,
# written with fnzero primitives so that an outer transform can differentiate it.
VJPRule = Callable[..., Any]
# A jvp rule for argument k: ``rule(t, ans, *args, **params)`` -> the output's tangent when
# ``args[k]`` moves along ``t`` (the others fixed); also written with fnzero primitives.
JVPRule = Callable[..., Any]
# A batching rule: ``rule(args, bdims, **params)`` -> ``(out, out_bdim)``, where ``bdims[k]`` is
# the batch axis of ``args[k]`` (None: not batched); also written with fnzero primitives.
BatchRule = Callable[..., Any]


class Primitive:
    """An operation with a kernel (``impl``), one vjp rule per argument and a jvp rule.

    A primitive without vjp rules (``vjps is None``) is not differentiable: transforms pass
    its arguments' values through and record nothing (comparisons, argmax, stop_gradient).
    ``jvp(tangents, ans, *args, **params)`` gives the output's tangent from the arguments'
    tangents (None where an argument is not moving). ``ufunc``, ``fusion`` and ``onnx`` are
    the facts jit and ONNX export read (see the module docstring). ``cotangents`` is the one
    form the backward sweep calls, made from the vjp rules by :meth:`defvjp`.
    """

    __slots__ = ("name", "impl", "vjps", "cotangents", "jvp", "batch", "ufunc", "fusion", "onnx")

    # Every primitive with a kernel, by name: what tests and tools enumerate. The nodes that
    # transforms make per call (custom rules, checkpoint) have no kernel and are not kept here.
    registry: ClassVar[dict[str, Primitive]] = {}

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any] | None,
        *,
        ufunc: str | None = None,
        fusion: str | None = None,
        onnx: str | Callable[..., str] | None = None,
    ):
        if impl is not None:
            if name in Primitive.registry:
                raise ValueError(f"fnzero: a primitive named {name!r} is already registered")
            Primitive.registry[name] = self
        self.name = name
        self.impl = impl
        self.vjps: tuple[VJPRule | None, ...] | VariadicVJP | SharedVJP | JointVJP | None = None
        self.cotangents: Callable[..., Any] | None = None
        self.jvp: Callable[..., Any] | None = None
        self.batch: BatchRule | None = None
        self.ufunc = ufunc
        self.fusion = fusion
        self.onnx = onnx

    def defvjp(self, *rules: VJPRule | None) -> Primitive:
        """Set the vjp rules, one per positional argument (None: not differentiable there),
        or a single :class:`VariadicVJP` (any number of arrays), :class:`SharedVJP` (one rule
        for all arguments) or :class:`JointVJP` (a node with several outputs)."""
        self.vjps = _rule_set(rules)
        self.cotangents = _sweep_form(self.vjps, self.name)
        return self

    def defjvp(self, *rules: JVPRule | None) -> Primitive:
        """Set the jvp rules, one per positional argument (None: not differentiable there);
        the output's tangent is the sum of the rules of the arguments that move."""

        name, n = self.name, len(rules)

        def jvp(tangents, ans, *args, **params):
            out = None
            for k, t in enumerate(tangents):
                if t is None:
                    continue
                if k >= n:
                    raise TypeError(f"fnzero.numpy.{name} is not differentiable in its argument {k}")
                rule = rules[k]
                if rule is not None:
                    dt = rule(t, ans, *args, **params)
                    out = dt if out is None else out + dt
            return out

        self.jvp = jvp
        return self

    def defjvp_joint(self, rule: Callable[..., Any]) -> Primitive:
        """Set one jvp rule for all arguments: ``rule(tangents, ans, *args, **params)``, with
        None for an argument that does not move (concatenate, einsum)."""
        self.jvp = rule
        return self

    def defbatch(self, rule: BatchRule) -> Primitive:
        """Set the batching rule that vmap applies: the primitive called once on the batch."""
        self.batch = rule
        return self

    def __call__(self, *args: Any, **params: Any) -> Any:
        top = None
        for a in args:
            if type(a) in TRACER_TYPES:
                trace = a._trace
                if top is None or trace.level > top.level:
                    top = trace
        if top is None:
            return self.run(args, params)
        return top.process(self, args, params)

    def run(self, args: Any, params: dict) -> Any:
        """The kernel on untraced arguments, with errors that name the primitive and operands."""
        try:
            return self.impl(*args, **params)
        except (TypeError, ValueError) as e:
            if getattr(e, "fnzero_explained", False) or str(e).startswith("fnzero"):
                raise
            raise explain(self, tuple(args), e) from e

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


class JointVJP:
    """The vjp of a call recorded as one node with several outputs (custom rules, checkpoint).

    ``rule(gs, ans, *args)`` takes one cotangent per output (None where none arrived) and
    returns one cotangent per argument (None for none).
    """

    __slots__ = ("rule",)

    def __init__(self, rule: Callable[..., Any]):
        self.rule = rule


class SharedVJP:
    """One vjp rule for all arguments of a primitive whose cotangents share work (a fused
    layer computes the pre-activation's cotangent once for every input).

    ``rule(g, ans, *args, needed, **params)`` returns one cotangent per argument, computing
    only those where ``needed[k]`` is true (None elsewhere): no gradient for the data batch.
    """

    __slots__ = ("rule",)

    def __init__(self, rule: Callable[..., Any]):
        self.rule = rule


def _rule_set(rules: tuple) -> Any:
    """The rules as stored: a lone Variadic, Shared or Joint rule as itself, else the tuple."""
    if len(rules) == 1 and isinstance(rules[0], (VariadicVJP, SharedVJP, JointVJP)):
        return rules[0]
    return rules


def _sweep_form(rules: Any, name: str) -> Callable[..., Any]:
    """The vjp rules as the backward sweep calls them, whatever their kind:
    ``cotangents(g, ans, args, params, needed)`` -> one cotangent (or None) per argument,
    computed only where ``needed[k]``."""
    if isinstance(rules, JointVJP):
        joint = rules.rule
        return lambda g, ans, args, params, needed: joint(g, ans, *args, **params)
    if isinstance(rules, SharedVJP):
        shared = rules.rule
        return lambda g, ans, args, params, needed: shared(g, ans, *args, needed=needed, **params)
    if isinstance(rules, VariadicVJP):
        variadic = rules.rule
        return lambda g, ans, args, params, needed: [
            variadic(k, g, ans, *args, **params) if n else None for k, n in enumerate(needed)
        ]

    def per_argument(g, ans, args, params, needed):
        if len(needed) > len(rules) and any(needed[len(rules) :]):
            raise TypeError(f"fnzero.numpy.{name} is not differentiable in its argument {len(rules)}")
        return [rule(g, ans, *args, **params) if need and rule else None for rule, need in zip(rules, needed)]

    return per_argument
