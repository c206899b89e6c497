"""A scan or while_loop called on jit's tracers becomes ONE equation of the jitted program.

The body (and a while_loop's condition) is traced once, on the first step's values, into a
program of its own (compiled as jit compiles any program); the values it reads from the
enclosing function (weights closed over) become extra inputs of that program. The loop's
equation runs the program once per step: tracing costs one step, not ``length``, and a
while_loop's trip count may depend on the traced values. Anything this cannot lower (a
body that reads a value in Python, or that closes over another transform's tracers) makes
the caller fall back to running the steps one by one, as outside jit.

Only loops whose operands are traced by jit itself take this path: under grad, vmap or jvp
inside jit the steps run one by one (their tapes and batches see each step).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import numpy as np

from fnzero import tree
from fnzero.backends import array_module
from fnzero.core.graph import GraphTracer, Var
from fnzero.core.primitive import Primitive
from fnzero.core.tracer import TRACER_TYPES, ConcretizationTypeError, top_trace
from fnzero.lax._common import pair
from fnzero.transforms.jit import JitTrace, compile_graph
from fnzero.transforms.jit_passes import eliminate_common_subexpressions, live_equations
from fnzero.transforms.make_graph import Graph


def all_arrays(leaves: list) -> bool:
    return all(getattr(x, "dtype", None) is not None and hasattr(x, "shape") for x in leaves)


def jit_top(leaves: list) -> JitTrace | None:
    """The jit trace that would record a primitive on ``leaves``, when every leaf is an array
    and the highest trace among them is a jit trace (None otherwise)."""
    if not leaves or not all_arrays(leaves):
        return None
    top = top_trace(leaves)
    return top if isinstance(top, JitTrace) else None


class Lowered:
    """A function traced into a compiled program: ``run(*inputs, *closure)`` gives its output
    leaves; ``closure`` holds the enclosing traces' values it reads; ``out`` its output
    as traced (tracers of the sub-trace, for checks of shapes and dtypes)."""

    __slots__ = ("run", "closure", "out")

    def __init__(self, run: Callable[..., list], closure: list, out: Any):
        self.run = run
        self.closure = closure
        self.out = out


def _fresh_inputs(sub: JitTrace, args: tuple) -> tuple[list[Var], list]:
    """The inputs of ``sub``'s program, one per array leaf of ``args``, and ``args`` with
    those leaves replaced by ``sub``'s tracers (other leaves stay: constants of the program)."""
    inputs: list[Var] = []
    traced_args = []
    for k, a in enumerate(args):
        flat, treedef = tree.flatten(a)
        tracers = []
        for i, leaf in enumerate(flat):
            if not all_arrays([leaf]):
                tracers.append(leaf)
                continue
            t = sub.new_var(leaf._value if type(leaf) is GraphTracer else leaf, f"in{k}_{i}")
            inputs.append(t._var)
            tracers.append(t)
        traced_args.append(tree.unflatten(treedef, tracers))
    return inputs, traced_args


class _Closure:
    """The enclosing jit traces' values that ``sub``'s program reads, each an extra input."""

    def __init__(self, sub: JitTrace):
        self.sub = sub
        self.tracers: list = []
        self.vars: dict[int, Var] = {}

    def var(self, t: GraphTracer) -> Var:
        if id(t) not in self.vars:
            self.vars[id(t)] = Var(f"closure{len(self.tracers)}", tuple(t.shape), str(t.dtype))
            self.tracers.append(t)
        return self.vars[id(t)]

    def outer(self, c: Any) -> bool:
        return type(c) is GraphTracer and isinstance(c._trace, JitTrace) and c._trace is not self.sub

    def rewrite(self, equations: Any) -> list | None:
        """``equations`` with constants that are outer tracers read as closure inputs; None if
        one is another transform's tracer (the body is then not a program of its own)."""
        out = []
        for eq in equations:
            if any(type(c) in TRACER_TYPES for _, c in eq.constants):
                new_inputs, kept = list(eq.inputs), []
                for pos, c in eq.constants:
                    if self.outer(c):
                        new_inputs[pos] = self.var(c)
                    elif type(c) in TRACER_TYPES:
                        return None
                    else:
                        kept.append((pos, c))
                eq = attrs.evolve(eq, inputs=tuple(new_inputs), constants=tuple(kept))
            out.append(eq)
        return out

    def outputs(self, out_leaves: list) -> tuple[list, dict[int, Any]] | None:
        """The program's outputs for ``out_leaves`` (its vars, closure inputs, or named
        constants) and the constants; None if a leaf is another transform's tracer."""
        outputs: list = []
        constants: dict[int, Any] = {}
        for k, o in enumerate(out_leaves):
            if type(o) is GraphTracer and o._trace is self.sub:
                outputs.append(o._var)
            elif self.outer(o):
                outputs.append(self.var(o))
            elif type(o) in TRACER_TYPES:
                return None
            else:
                outputs.append(f"const{k}")
                constants[k] = o
        return outputs, constants


def lower(fun: Callable[..., Any], args: tuple, name: str) -> Lowered | None:
    """``fun(*args)`` traced on fresh inputs holding the values of ``args``' array leaves
    (arrays or jit tracers; other leaves are constants of the program) and compiled; None
    where it cannot be (see the module docstring)."""
    sub = JitTrace(name)
    inputs, traced_args = _fresh_inputs(sub, args)
    try:
        out = fun(*traced_args)
    except ConcretizationTypeError:
        return None
    finally:
        sub.closed = True
    closure = _Closure(sub)
    equations = closure.rewrite(sub.equations)
    found = None if equations is None else closure.outputs(tree.leaves(out))
    if found is None:
        return None
    outputs, constants = found
    equations, outputs = eliminate_common_subexpressions(equations, outputs)
    equations = live_equations(equations, outputs)
    closure_inputs = tuple(closure.vars[id(t)] for t in closure.tracers)
    graph = Graph(tuple(inputs) + closure_inputs, tuple(equations), tuple(outputs))
    run = compile_graph(graph, constants, f"{name} body", fix=set(range(len(outputs))))
    return Lowered(run, closure.tracers, out)


def _fresh(values: list, inputs: tuple) -> list:
    """``values`` with a copy of each one that is one of the node's input arrays (a carry the
    body passed through, a weight a branch returns): results are arrays of their own."""
    return [v.copy() if any(v is a for a in inputs) else v for v in values]


def _scan_impl(*arrays: Any, body: Callable, n_carry: int, n_x: int, length: int, reverse: bool) -> tuple:
    carry = list(arrays[:n_carry])
    xs = arrays[n_carry : n_carry + n_x]
    closure = arrays[n_carry + n_x :]
    ys: list = [None] * length
    for i in range(length - 1, -1, -1) if reverse else range(length):
        out = body(*carry, *(x[i] for x in xs), *closure)
        carry = out[:n_carry]
        ys[i] = out[n_carry:]
    stacked = [array_module(ys[0][k]).stack([y[k] for y in ys]) for k in range(len(ys[0]))]
    return tuple(_fresh(carry, arrays) + stacked)


def _while_impl(*arrays: Any, cond: Callable, body: Callable, n_carry: int, n_cond: int) -> tuple:
    carry = list(arrays[:n_carry])
    cond_closure = arrays[n_carry : n_carry + n_cond]
    body_closure = arrays[n_carry + n_cond :]
    while bool(cond(*carry, *cond_closure)[0]):
        carry = body(*carry, *body_closure)
    return tuple(_fresh(carry, arrays))


def _not_transformable(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **params: Any) -> Any:
        raise NotImplementedError(
            f"fnzero: {name} is a loop or branch jit has compiled; "
            "transforms apply to the function before jit"
        )

    return refuse


def _switch_impl(index: Any, *arrays: Any, branches: tuple, n_ops: int, n_closure: tuple) -> tuple:
    k = min(max(int(index), 0), len(branches) - 1)
    start = n_ops + sum(n_closure[:k])
    return tuple(_fresh(branches[k](*arrays[:n_ops], *arrays[start : start + n_closure[k]]), arrays))


# The loop and branch equations of a jitted program (their results are tuples of the loop's outputs,
# which lax_item takes apart). Jit records them only where no transform watches the loop.
lax_scan = Primitive("lax_scan", _scan_impl)
lax_while = Primitive("lax_while", _while_impl)
lax_switch = Primitive("lax_switch", _switch_impl)
lax_item = Primitive("lax_item", lambda t, index: t[index])
JIT_ONLY = (lax_scan, lax_while, lax_switch, lax_item)
for _p in JIT_ONLY:  # never a silent pass-through under a transform
    _p.jvp = _not_transformable(_p.name)
    _p.batch = _not_transformable(_p.name)


_UNROLL_SCANS = contextvars.ContextVar("fnzero_unroll_scans", default=False)


@contextlib.contextmanager
def unrolled_scans() -> Iterator[None]:
    """Within this context a scan under jit is recorded step by step (its body once per step)
    instead of as one loop equation: for exporters whose format has no such loop (ONNX)."""
    token = _UNROLL_SCANS.set(True)
    try:
        yield
    finally:
        _UNROLL_SCANS.reset(token)


def jit_scan(f: Callable, init: Any, xs: Any, length: int, reverse: bool, check: Callable, name: str) -> Any:
    """The scan as one equation of the jit program, or None where it cannot be lowered (or
    where ``unrolled_scans`` asks for its steps). ``check(carry_out, y)`` checks the body's
    traced outputs (the carry's types)."""
    if _UNROLL_SCANS.get():
        return None
    c_leaves, c_def = tree.flatten(init)
    x_leaves, x_def = tree.flatten(xs)
    first = [x._value[0] if type(x) is GraphTracer else x[0] for x in x_leaves]
    lowered = lower(lambda c, x: pair(f(c, x), name), (init, tree.unflatten(x_def, first)), name)
    if lowered is None:
        return None
    carry_out, y = lowered.out
    check(carry_out, y)
    y_def = tree.structure(y)
    node = lax_scan(
        *c_leaves,
        *x_leaves,
        *lowered.closure,
        body=lowered.run,
        n_carry=len(c_leaves),
        n_x=len(x_leaves),
        length=length,
        reverse=bool(reverse),
    )
    items = [lax_item(node, index=k) for k in range(len(c_leaves) + y_def.num_leaves)]
    return tree.unflatten(c_def, items[: len(c_leaves)]), tree.unflatten(y_def, items[len(c_leaves) :])


def jit_while(cond_fun: Callable, body_fun: Callable, val: Any, check: Callable) -> Any:
    """The while_loop as one equation of the jit program, or None where it cannot be lowered.
    ``check(pred, carry_out)`` checks the traced predicate and the body's carry."""
    leaves, treedef = tree.flatten(val)
    cond = lower(lambda c: cond_fun(c), (val,), "while_loop cond_fun")
    body = lower(lambda c: body_fun(c), (val,), "while_loop body_fun")
    if cond is None or body is None:
        return None
    check(cond.out, body.out)
    node = lax_while(
        *leaves,
        *cond.closure,
        *body.closure,
        cond=cond.run,
        body=body.run,
        n_carry=len(leaves),
        n_cond=len(cond.closure),
    )
    return tree.unflatten(treedef, [lax_item(node, index=k) for k in range(len(leaves))])


def jit_switch(index: Any, branches: list, operands: tuple, check: Callable) -> Any:
    """``branches[index](*operands)`` as one equation of the jit program that runs only the
    chosen branch (``index`` clamped), or None where a branch cannot be lowered.
    ``check(outs)`` checks the branches' traced outputs agree."""
    with np.errstate(all="ignore"):  # the branches not taken run on the trace-time values too
        lowered = [lower(b, operands, "switch branch") for b in branches]
    if any(low is None for low in lowered):
        return None
    check([low.out for low in lowered])
    out_def = tree.structure(lowered[0].out)
    node = lax_switch(
        index,
        *[x for x in tree.leaves(operands) if all_arrays([x])],
        *[t for low in lowered for t in low.closure],
        branches=tuple(low.run for low in lowered),
        n_ops=sum(1 for x in tree.leaves(operands) if all_arrays([x])),
        n_closure=tuple(len(low.closure) for low in lowered),
    )
    return tree.unflatten(out_def, [lax_item(node, index=k) for k in range(out_def.num_leaves)])
