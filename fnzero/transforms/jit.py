"""jit: trace a function once per input signature into a Graph, then replay it on the kernels.

The first call for a signature (the arguments' pytree structure; the shapes, dtypes and
backends of their arrays; the values of the static arguments and of every non-array leaf)
runs the function under a graph trace opened below every transform the function opens
(grad, vjp, ...), so a derivative, or a whole optimizer step, becomes one program. The
passes of jit_passes.py run over it (common subexpressions merged, constants folded, dead
equations dropped, elementwise kernels writing into dead buffers; on CuPy, elementwise trees
fused into one kernel), and the rest becomes one generated Python function that calls each
primitive's kernel directly: later calls with the signature run it, with no tracer or tape.

The trace computes with the first call's values, so Python reading a traced value
(``if x > 0``, ``float(x)``) is refused with an error rather than baked in silently. Code
that reads the values of an input array in Python (integer labels, embedding ids, random
keys) makes those values part of the signature: a new value retraces (the last
VALUE_VARIANTS programs are kept). One-hot float targets are plain data and do not retrace.
A jitted function keeps its ``cache_size`` most recently used signatures (CACHE_SIZE, 64,
by default); a call with another one traces again.
Called with tracers of an enclosing transform (``grad(jit(f))``), a jitted function simply
calls ``f``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero import tree
from fnzero.backends import array_module, backend_of
from fnzero.core.graph import Equation, GraphTrace, GraphTracer, Var
from fnzero.core.tracer import TRACER_TYPES, ConcretizationTypeError, UnexpectedTracerError
from fnzero.transforms import jit_passes
from fnzero.transforms._inputs import as_int_tuple, check_callable
from fnzero.transforms.jit_fusion import fused_kernel
from fnzero.transforms.jit_passes import TracedProgram, ignores_input_values
from fnzero.transforms.make_graph import Graph, argument_names, trace_args

# Programs kept per signature for different values of inputs read in Python (labels, keys).
VALUE_VARIANTS = 8
# Signatures a jitted function keeps compiled by default (the least recently used goes first).
CACHE_SIZE = 64
# The passes run on new programs (jit_passes.ALL, in jit_passes.PIPELINE's order); fewer to
# compare, or to step through.
PASSES = jit_passes.ALL


def _label(v: Var) -> str:
    return f"{v.name}: {v.dtype}{list(v.shape)}"


class JitTrace(GraphTrace):
    """The graph trace of one jit compilation: refuses Python conversions of its values,
    notes which input leaves had their values read, and whether another transform's
    tracers reached it (then the program cannot be replayed)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.positions: dict[Var, int] = {}
        self.read: set[int] = set()
        self.foreign = False
        self.known: dict[Var, Any] = {}  # trace-time values of results that ignore their inputs
        self.closed = False  # the traced call has returned: its tracers must not be used

    def _check_open(self, what: str) -> None:
        if self.closed:
            raise UnexpectedTracerError(
                f"fnzero.jit({self.name}): a value traced inside the jitted function was used "
                f"({what}) after the function returned (kept in a global, a list or an "
                f"attribute); return it from the jitted function instead"
            )

    def on_concrete(self, x: GraphTracer, why: str | None) -> None:
        self._check_open(why or "its values read")
        if why is None:
            position = self.positions.get(x._var)
            if position is not None:
                self.read.add(position)
                return
            raise ConcretizationTypeError(
                f"fnzero.jit({self.name}): an operation reads in Python the values of an array "
                f"computed inside the jitted function ({_label(x._var)}), e.g. fnzero.nn.accuracy, "
                f"fnzero.random with a key made inside, or an index array computed inside; jit "
                f"cannot compile that: do it outside the jitted function or pass it the array"
            )
        raise ConcretizationTypeError(
            f"fnzero.jit({self.name}): {why} of a traced array ({_label(x._var)}): inside jit "
            f"Python sees only shapes and dtypes, not values, so it cannot branch on them or "
            f"convert them. Choose between arrays with fnzero.numpy.where(condition, a, b), "
            f"mark the argument that decides as static with jit(f, static_argnums=...), or "
            f"call the function without jit"
        )

    def process(self, prim: Any, args: tuple, params: dict) -> Any:
        if self.closed:
            self._check_open(f"passed to {prim.name}")
        for a in args:
            if type(a) in TRACER_TYPES and a._trace is not self:
                self.foreign = True
        out = super().process(prim, args, params)
        if ignores_input_values(self.equations[-1]):
            self.known[out._var] = out._value
        return out


def _own(x: Any) -> Any:
    """An output as eager fnzero gives it: an array of its own, not a NumPy scalar or a
    read-only broadcast view."""
    if type(x) is np.ndarray:
        return x if x.flags.writeable else x.copy()
    if isinstance(x, np.generic):
        return np.asarray(x)
    return x


def compile_graph(
    graph: Graph,
    constants: dict[int, Any],
    name: str,
    fix: set[int] = frozenset(),
    reuse: dict[int, int] | None = None,
    xp: Any = None,
    fused: dict[int, tuple[list[int], list[Var], Any]] | None = None,
) -> Callable[..., list]:
    """One Python function running ``graph``'s equations on their kernels, in order.

    It takes the input arrays positionally and returns the output leaves; ``constants``
    gives the value of each output that is not a Var, by position; the outputs in ``fix``
    (NumPy scalars or read-only views when traced) are made arrays of their own. Equation
    ``j`` in ``reuse`` runs the array module ``xp``'s ufunc writing into its input
    ``reuse[j]`` (see :func:`fnzero.transforms.jit_passes.plan_buffer_reuse`). ``fused`` maps
    the last equation of each fused group to the group's equations, inputs and kernel; the
    group's other equations are not run (see :mod:`fnzero.transforms.jit_fusion`).
    """
    reuse = reuse or {}
    fused = fused or {}
    inside = {m for members, _, _ in fused.values() for m in members}
    env: dict[str, Any] = {"_own": _own}
    names = {v: f"a{k}" for k, v in enumerate(graph.inputs)}
    lines = [f"def replay({', '.join(names.values())}):"]
    reads: list[list[str]] = [[]]  # the intermediate values each line reads
    for j, eq in enumerate(graph.equations):
        if j in fused:
            _, external, kernel = fused[j]
            env[f"k{j}"] = kernel
            names[eq.output] = f"v{j}"
            lines.append(f"    v{j} = k{j}({', '.join(names[v] for v in external)})  # fused")
            reads.append([names[v] for v in external])
            continue
        if j in inside:
            continue
        reads.append([names[i] for i in eq.inputs if isinstance(i, Var)])
        lines.append(_equation_line(j, eq, names, env, reuse.get(j), xp))
    outs = []
    for k, o in enumerate(graph.outputs):
        if isinstance(o, Var):
            outs.append(f"_own({names[o]})" if k in fix else names[o])
        else:
            env[f"out{k}"] = constants[k]
            outs.append(f"_own(out{k}.copy())" if _is_array(constants[k]) else f"out{k}")
    lines.append(f"    return [{', '.join(outs)}]")
    lines = _free_dead_values(lines, reads, {names[o] for o in graph.outputs if isinstance(o, Var)})
    exec(compile("\n".join(lines), f"<fnzero.jit {name}>", "exec"), env)
    return env["replay"]


def _equation_line(
    j: int, eq: Equation, names: dict[Var, str], env: dict[str, Any], reuse: int | None, xp: Any
) -> str:
    """The replay's line for equation ``j``: ``v{j} = k{j}(inputs, params)``, its kernel, constant
    inputs and params put in ``env``; with ``reuse`` (an input position), the array module
    ``xp``'s ufunc writing into that input (``out=``). Names its output in ``names``."""
    known = dict(eq.constants)
    parts = []
    for k, i in enumerate(eq.inputs):
        if isinstance(i, Var):
            parts.append(names[i])
        else:
            env[f"c{j}_{k}"] = known[k]
            parts.append(f"c{j}_{k}")
    for key, value in eq.params.items():
        env[f"p{j}_{key}"] = value
        parts.append(f"{key}=p{j}_{key}")
    if reuse is not None:
        env[f"k{j}"] = getattr(xp, jit_passes.UFUNCS[eq.prim])
        parts.append(f"out={parts[reuse]}")
    else:
        env[f"k{j}"] = eq.prim.impl
    names[eq.output] = f"v{j}"
    return f"    v{j} = k{j}({', '.join(parts)})  # {eq.primitive}"


def _free_dead_values(lines: list[str], reads: list[list[str]], kept: set[str]) -> list[str]:
    """``lines`` with ``del`` after the last read of each intermediate value (not an output).

    Without it every intermediate stays alive until the replay returns: a training step's
    whole backward pass in memory at once, where eager mode frees each cotangent once used.
    """
    last: dict[str, int] = {}
    for k, names in enumerate(reads):
        for n in names:
            if n.startswith("v") and n not in kept:
                last[n] = k
    dead_after: dict[int, list[str]] = {}
    for n, k in last.items():
        dead_after.setdefault(k, []).append(n)
    out = []
    for k, line in enumerate(lines):
        out.append(line)
        if k in dead_after:
            out.append(f"    del {', '.join(sorted(set(dead_after[k])))}")
    return out


class _Program:
    """A compiled signature: the Graph, its replay function, the outputs' structure, the
    buffer-reuse plan and the positions of the donated inputs whose buffers it overwrites."""

    __slots__ = ("graph", "replay", "out_def", "reuse", "overwrites")

    def __init__(
        self,
        graph: Graph,
        replay: Callable[..., list],
        out_def: Any,
        reuse: dict[int, int],
        overwrites: tuple[int, ...],
    ):
        self.graph = graph
        self.replay = replay
        self.out_def = out_def
        self.reuse = reuse
        self.overwrites = overwrites

    def run(self, arrays: list) -> Any:
        if self.overwrites:
            arrays = _writable(arrays, self.overwrites)
        return tree.unflatten(self.out_def, self.replay(*arrays))


def _writable(arrays: list, overwrites: tuple[int, ...]) -> list:
    """``arrays`` with a copy in place of each donated array that the replay may not
    overwrite: read-only, or sharing memory with another argument."""
    arrays = list(arrays)
    for i in overwrites:
        a = arrays[i]
        xp = array_module(a)
        if (type(a) is np.ndarray and not a.flags.writeable) or any(
            k != i and _is_array(b) and xp.may_share_memory(a, b) for k, b in enumerate(arrays)
        ):
            arrays[i] = a.copy()
    return arrays


def _host_bytes(x: Any) -> bytes:
    get = getattr(x, "get", None)  # CuPy arrays copy to the host with .get()
    return (get() if get is not None and not isinstance(x, np.ndarray) else np.asarray(x)).tobytes()


def _is_array(leaf: Any) -> bool:
    return hasattr(leaf, "shape") and hasattr(leaf, "dtype") and backend_of(leaf) is not None


def _add_signature(x: Any, key: list, arrays: list) -> bool:
    """Append the signature of the pytree ``x`` to ``key`` (its structure as the nodes' types,
    static data and child counts in preorder; shapes and dtypes of the arrays; other leaves
    as they are) and its arrays to ``arrays``: the structure without building a PyTreeDef,
    cheaper per call. False when a tracer is among the leaves."""
    cls = type(x)
    if cls is np.ndarray:
        key.append((x.shape, x.dtype))
        arrays.append(x)
        return True
    if cls is list or cls is tuple:
        key.append((cls, len(x)))
        return all([_add_signature(c, key, arrays) for c in x])
    node = tree.node_children(x)
    if node is not None:
        children, aux = node
        children = list(children)
        key.append((cls, aux, len(children)))
        return all([_add_signature(c, key, arrays) for c in children])
    if cls in TRACER_TYPES:
        return False
    if _is_array(x):
        key.append((cls, tuple(x.shape), x.dtype, backend_of(x).name))
        arrays.append(x)
    else:
        key.append((cls, x))
    return True


def _collect_outputs(trace: JitTrace, leaves: list) -> tuple[list, dict[int, Any], set[int], list]:
    """The traced call's output leaves as the program's outputs (a Var, or a constant's
    description), the constants' values by position, the positions to make arrays of their
    own (see :func:`_own`), and the call's result leaves; notes another transform's tracers."""
    outputs: list = []
    values: list = []
    constants: dict[int, Any] = {}
    fix: set[int] = set()
    for k, o in enumerate(leaves):
        if type(o) is GraphTracer and o._trace is trace:
            outputs.append(o._var)
            values.append(_own(o._value))
            if values[-1] is not o._value:
                fix.add(k)
        else:
            trace.foreign = trace.foreign or type(o) in TRACER_TYPES
            outputs.append(repr(o) if not hasattr(o, "shape") else f"const:{o.dtype}{list(o.shape)}")
            constants[k] = o
            values.append(_own(o.copy()) if _is_array(o) and type(o) not in TRACER_TYPES else o)
    return outputs, constants, fix, values


def _codegen(traced: TracedProgram, out_def: Any, name: str) -> _Program:
    """A traced program after its passes as a _Program: the fused kernels built, one replay
    function generated (:func:`compile_graph`), the donated inputs it overwrites noted."""
    equations, reuse = traced.equations, traced.reuse
    fused = {}
    for j, group in traced.groups.items():
        external, kernel = fused_kernel(traced.xp, equations, group, f"fnzero_fused_{j}")
        fused[j] = (group, external, kernel)
    written = {equations[j].inputs[k] for j, k in reuse.items()}
    overwrites = tuple(k for k, v in enumerate(traced.inputs) if v in written)
    graph = Graph(traced.inputs, tuple(equations), tuple(traced.outputs))
    replay = compile_graph(graph, traced.constants, name, traced.fix, reuse, traced.xp, fused)
    return _Program(graph, replay, out_def, reuse, overwrites)


class Jitted:
    """A function compiled per input signature; see :func:`jit`."""

    def __init__(
        self,
        fun: Callable[..., Any],
        static_argnums: tuple[int, ...],
        donate_argnums: tuple[int, ...],
        cache_size: int = CACHE_SIZE,
    ):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.static_argnums = static_argnums
        self.donate_argnums = donate_argnums
        self.cache_size = cache_size
        self.trace_count = 0
        # signature -> [positions of the inputs read in Python, {their values: program},
        # when it was last used (a count of lookups: the least recent is evicted first)]
        self._cache: dict[Any, list] = {}
        self._uses = 0
        self._name = getattr(fun, "__name__", "function")

    def _signature(self, args: tuple) -> tuple[tuple, list] | None:
        """The signature of a call and its array leaves; None when a tracer is among them."""
        key: list = []
        arrays: list = []
        static = self.static_argnums
        for n, arg in enumerate(args):
            if n in static:
                _check_hashable(arg, n, self._name)
                key.append(("static", arg))
            elif not _add_signature(arg, key, arrays):
                return None
        return tuple(key), arrays

    def _lookup(self, key: tuple, arrays: list) -> _Program | None:
        """The compiled program for a signature (and the values of the inputs it reads)."""
        try:
            entry = self._cache.get(key)
        except TypeError:
            raise TypeError(
                f"fnzero.jit({self._name}): a static argument or a non-array leaf of the arguments "
                f"is not hashable, so it cannot be part of the compilation cache's key; pass arrays, "
                f"or hashable values (numbers, strings, tuples) for static arguments"
            ) from None
        if entry is None:
            return None
        self._uses += 1
        entry[2] = self._uses
        read, variants = entry[0], entry[1]
        return variants.get(tuple(_host_bytes(arrays[i]) for i in read) if read else ())

    def _check_static(self, nargs: int) -> None:
        for n in self.static_argnums:
            if n >= nargs:
                raise ValueError(
                    f"fnzero.jit({self._name}): static_argnums={self.static_argnums} names argument "
                    f"{n}, but the call has {nargs} positional argument{'s' if nargs != 1 else ''}"
                )

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        """As a method, the instance is the first argument (like a function's binding)."""
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            return self._call(args + (kwargs,), True)
        return self._call(args, False)

    def _call(self, args: tuple, with_kwargs: bool) -> Any:
        self._check_static(len(args) - with_kwargs)
        found = self._signature(args)
        if found is None:  # called inside another transform: run the function itself
            return self._apply(args, with_kwargs)
        key, arrays = found
        program = self._lookup(key, arrays)
        if program is not None:
            return program.run(arrays)
        return self._trace(key, args, arrays, with_kwargs)

    def _apply(self, args: tuple, with_kwargs: bool) -> Any:
        if with_kwargs:
            return self.fun(*args[:-1], **args[-1])
        return self.fun(*args)

    def _trace(self, key: tuple, args: tuple, arrays: list, with_kwargs: bool) -> Any:
        """Trace a call, cache its program under the signature and return its result."""
        compiled, result = self._compile(args, with_kwargs)
        if compiled is None:
            return result
        program, read_now = compiled
        cache = self._cache
        read, variants, _ = cache.get(key, ((), None, 0))
        new_read = tuple(sorted(set(read) | read_now))
        if variants is None or new_read != read:
            if key not in cache and len(cache) >= self.cache_size:
                del cache[min(cache, key=lambda k: cache[k][2])]  # the least recently used
            variants = {}
            self._uses += 1
            cache[key] = [new_read, variants, self._uses]
        if len(variants) >= VALUE_VARIANTS:  # forget the oldest values of read inputs
            del variants[next(iter(variants))]
        variants[tuple(_host_bytes(arrays[i]) for i in new_read)] = program
        return result

    def _compile(self, args: tuple, with_kwargs: bool) -> tuple[Any, Any]:
        """Trace one call: ((program, read positions) or None, the call's result).

        Three stages: trace (the function on GraphTracers of the input leaves), the passes of
        jit_passes.PIPELINE named in PASSES, then codegen (one replay function, a _Program).
        """
        self.trace_count += 1
        trace = JitTrace(self._name)
        inputs, arg_of, xps, out = self._run_traced(trace, args, with_kwargs)
        leaves, out_def = tree.flatten(out)
        outputs, constants, fix, values = _collect_outputs(trace, leaves)
        result = tree.unflatten(out_def, values)
        if trace.foreign:  # the function closed over another transform's tracers: no replay
            return None, result
        traced = TracedProgram(
            inputs=tuple(inputs),
            equations=trace.equations,
            outputs=outputs,
            constants=constants,
            known=trace.known,
            fix=frozenset(fix),
            xp=xps[0] if len(set(xps)) == 1 else None,
            donated=tuple(v for v, n in zip(inputs, arg_of) if n in self.donate_argnums),
        )
        traced = jit_passes.run_passes(traced, PASSES)
        return (_codegen(traced, out_def, self._name), trace.read), result

    def _run_traced(self, trace: JitTrace, args: tuple, with_kwargs: bool) -> tuple[list, list, list, Any]:
        """Run the function on GraphTracers of the array leaves of the non-static arguments:
        their Vars, the argument each comes from, its array module, and the function's output."""
        static = self.static_argnums
        nargs = len(args) - with_kwargs
        arg_of: list[int] = []  # the argument each input leaf comes from
        xps: list = []  # the array module of each input leaf

        def traced_leaf(n: int, i: int, leaf: Any) -> bool:
            if (n >= nargs or n not in static) and _is_array(leaf):
                arg_of.append(n)
                xps.append(array_module(leaf))
                return True
            return False

        # Inputs named after the parameters; keyword arguments' leaves by their keyword (path).
        names = argument_names(self.fun, nargs) + [""] * with_kwargs
        traced, inputs = trace_args(trace, args, traced_leaf, names)
        trace.positions = {v: k for k, v in enumerate(inputs)}
        try:
            out = self._apply(tuple(traced), with_kwargs)
        finally:
            trace.closed = True
        return inputs, arg_of, xps, out

    def _program_for(self, args: tuple, kwargs: dict, what: str) -> _Program:
        with_kwargs = bool(kwargs)
        args = args + (kwargs,) if kwargs else args
        self._check_static(len(args) - with_kwargs)
        found = self._signature(args)
        if found is None:
            raise TypeError(
                f"fnzero.jit({self._name}).{what}: the arguments hold tracers of another transform"
            )
        key, arrays = found
        program = self._lookup(key, arrays)
        if program is None:
            self._trace(key, args, arrays, with_kwargs)
            program = self._lookup(key, arrays)
        if program is None:
            raise TypeError(
                f"fnzero.jit({self._name}).{what}: the function closes over values traced by another "
                f"transform, so it has no program of its own"
            )
        return program

    def lower(self, *args: Any, **kwargs: Any) -> Graph:
        """The program a call with these arguments runs (``str()`` of it is the listing);
        traces it if this signature has not been compiled yet."""
        return self._program_for(args, kwargs, "lower").graph

    def in_place(self, *args: Any, **kwargs: Any) -> dict[int, int]:
        """The equations of ``lower(*args)`` that write their result into the buffer of one of
        their inputs (buffer reuse), as {equation index: input position}."""
        return dict(self._program_for(args, kwargs, "in_place").reuse)


def _check_hashable(arg: Any, n: int, name: str) -> None:
    try:
        hash(arg)
    except TypeError:
        raise TypeError(
            f"fnzero.jit({name}): static argument {n} is a {type(arg).__name__} ({arg!r:.60}), which is "
            f"not hashable, so it cannot be part of the compilation cache's key; pass a hashable value "
            f"(a number, string or tuple) or make it a traced argument"
        ) from None


def _argnums(nums: int | Sequence[int], name: str) -> tuple[int, ...]:
    out = as_int_tuple(nums, name, "fnzero.jit")
    if any(n < 0 for n in out):
        raise ValueError(f"fnzero.jit: {name} must be non-negative ints, got {nums!r}")
    return out


def jit(
    fun: Callable[..., Any],
    static_argnums: int | Sequence[int] = (),
    donate_argnums: int | Sequence[int] = (),
    *,
    cache_size: int = CACHE_SIZE,
) -> Jitted:
    """``fun`` compiled once per input signature and replayed on the kernels (JAX's jit).

    ``static_argnums``: positional arguments passed as they are and made part of the
    signature (they must be hashable; a new value retraces): use them for what Python code
    branches on. ``donate_argnums``: positional arguments whose arrays the call may overwrite
    once it no longer needs them (JAX's donation: the caller gives them up, as with
    ``params = step(params)``); a donated array that is read-only or shares memory with
    another argument is copied first. ``jitted.trace_count`` counts the traces;
    ``jitted.lower(*args)`` returns the program (a Graph) a call runs, ``jitted.in_place(*args)``
    its equations that write into an input's buffer. ``cache_size`` (default 64): how many
    signatures stay compiled; a call with a new one past that evicts the least recently
    used (each signature keeps up to VALUE_VARIANTS programs for values read in Python).
    """
    check_callable(fun, "jit")
    if not isinstance(cache_size, (int, np.integer)) or isinstance(cache_size, bool) or cache_size < 1:
        raise ValueError(f"fnzero.jit: cache_size must be a positive int, got {cache_size!r}")
    return Jitted(
        fun,
        _argnums(static_argnums, "static_argnums"),
        _argnums(donate_argnums, "donate_argnums"),
        int(cache_size),
    )
