"""The passes fnzero.jit runs over a traced program before compiling it.

Each rewrite takes the equations and the output leaves (a Var, or a constant's description)
and returns them rewritten; ``plan_buffer_reuse`` and ``plan_fusion`` only annotate.
``PIPELINE`` runs them in this order, each as a function from one :class:`TracedProgram` to
the next, named as in ``ALL`` (the names jit's ``PASSES`` setting switches on):

- ``cse``, common-subexpression elimination: the same primitive, params and inputs computed twice;
- ``fold``, constant folding: equations whose result is known at trace time, evaluated once there;
- ``dce``, dead-code elimination: equations no output depends on;
- ``fuse``, on CuPy, elementwise fusion (jit_fusion.py): trees of elementwise equations, one kernel;
- ``reuse``, buffer reuse: elementwise kernels that write into an input buffer dead afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from fnzero.core.graph import Equation, Var
from fnzero.core.primitive import Primitive
from fnzero.numpy import arithmetic, products
from fnzero.transforms.jit_fusion import kernel_source, plan_fusion


def live_equations(equations: Sequence[Equation], outputs: Sequence[Any]) -> list[Equation]:
    """Dead-code elimination: the equations that some output depends on, in order."""
    needed = {o for o in outputs if isinstance(o, Var)}
    kept = []
    for eq in reversed(equations):
        if eq.output in needed:
            kept.append(eq)
            needed.update(i for i in eq.inputs if isinstance(i, Var))
    kept.reverse()
    return kept


def _static_key(x: Any) -> Any:
    """A key equal only for interchangeable values: types count (1 is not True or 1.0), repr
    tells -0.0 from 0.0, arrays count by identity; TypeError for what cannot be a key."""
    if isinstance(x, tuple):
        return (tuple, tuple(_static_key(i) for i in x))
    if isinstance(x, slice):
        return (slice, _static_key(x.start), _static_key(x.stop), _static_key(x.step))
    if isinstance(x, (bool, int, float, complex, str, np.generic)) or x is None:
        return (type(x), repr(x))
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return (type(x), id(x))
    hash(x)
    return (type(x), x)


def _replace_outputs(outputs: Sequence[Any], same: dict[Var, Any]) -> list[Any]:
    return [same.get(o, o) if isinstance(o, Var) else o for o in outputs]


def eliminate_common_subexpressions(
    equations: Sequence[Equation], outputs: Sequence[Any]
) -> tuple[list[Equation], list[Any]]:
    """Common-subexpression elimination: an equation applying the same primitive with the same
    params to the same inputs as an earlier one is dropped and its output replaced by the
    earlier one's (primitives are pure). Equations with unhashable params are kept as they are."""
    same: dict[Var, Var] = {}
    seen: dict[Any, Var] = {}
    kept = []
    for eq in equations:
        if any(isinstance(i, Var) and i in same for i in eq.inputs):
            eq = attrs.evolve(
                eq, inputs=tuple(same.get(i, i) if isinstance(i, Var) else i for i in eq.inputs)
            )
        constants = dict(eq.constants)
        try:
            key = (
                id(eq.prim),
                tuple(
                    i if isinstance(i, Var) else _static_key(constants[k]) for k, i in enumerate(eq.inputs)
                ),
                tuple(sorted((k, _static_key(v)) for k, v in eq.params.items())),
            )
            earlier = seen.get(key)
        except TypeError:  # params that cannot be compared
            kept.append(eq)
            continue
        if earlier is not None and earlier.shape == eq.output.shape and earlier.dtype == eq.output.dtype:
            same[eq.output] = earlier
            continue
        seen[key] = eq.output
        kept.append(eq)
    return kept, _replace_outputs(outputs, same)


def ignores_input_values(eq: Equation) -> bool:
    """Whether ``eq``'s result depends only on its inputs' shapes and dtypes: ``x ** 0`` (which
    the derivatives of powers make), so its value at trace time is its value on every call."""
    if eq.prim is not arithmetic.power or len(eq.constants) != 1:
        return False
    position, exponent = eq.constants[0]
    return position == 1 and isinstance(exponent, (int, np.integer)) and exponent == 0


def _describe_constant(x: Any) -> str:
    shape = getattr(x, "shape", ())
    return repr(x) if not shape else f"const:{getattr(x, 'dtype', type(x).__name__)}{list(shape)}"


def fold_constants(
    equations: Sequence[Equation], outputs: Sequence[Any], known: dict[Var, Any]
) -> tuple[list[Equation], list[Any], dict[int, Any]]:
    """Constant folding: every equation whose inputs are all constants (its Var inputs folded
    already) is evaluated once, here, and its output becomes a constant; ``known`` gives the
    trace-time values of the equations that ignore their inputs' values.

    Returns the remaining equations (folded values as constant inputs), the outputs, and the
    values of the outputs that became constants, by position."""
    folded: dict[Var, Any] = {}
    kept = []
    for eq in equations:
        if not any(isinstance(i, Var) and i in folded for i in eq.inputs):
            if eq.output in known:
                folded[eq.output] = known[eq.output]
            else:
                kept.append(eq)
            continue
        values = dict(eq.constants)
        for k, i in enumerate(eq.inputs):
            if isinstance(i, Var) and i in folded:
                values[k] = folded[i]
        if len(values) == len(eq.inputs):
            folded[eq.output] = eq.prim.impl(*(values[k] for k in range(len(eq.inputs))), **eq.params)
            continue
        inputs = tuple(
            _describe_constant(folded[i]) if isinstance(i, Var) and i in folded else i for i in eq.inputs
        )
        kept.append(attrs.evolve(eq, inputs=inputs, constants=tuple(sorted(values.items()))))
    constants = {k: folded[o] for k, o in enumerate(outputs) if isinstance(o, Var) and o in folded}
    return (
        kept,
        [_describe_constant(constants[k]) if k in constants else o for k, o in enumerate(outputs)],
        constants,
    )


class _UfuncNames(Mapping):
    """The primitives whose kernel is the array module's ufunc ``prim.ufunc``, so that it can
    write its result into a given buffer (``out=``): each primitive declares it."""

    def __getitem__(self, prim: Any) -> str:
        name = getattr(prim, "ufunc", None)
        if name is None:
            raise KeyError(prim)
        return name

    def __contains__(self, prim: Any) -> bool:
        return getattr(prim, "ufunc", None) is not None

    def __iter__(self):
        return (p for p in Primitive.registry.values() if p.ufunc is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


UFUNCS: Mapping[Primitive, str] = _UfuncNames()


def _always_fresh(prim: Any) -> bool:
    """Whether the primitive's result is always a new array (never a view of, or the same
    object as, an input)."""
    return prim in UFUNCS or prim is products.matmul


def _last_uses(
    equations: Sequence[Equation], outputs: Sequence[Any], read_at: dict[Var, int] | None
) -> dict[Var, float]:
    """The index of the last equation reading each Var (infinity for an output)."""
    last_use: dict[Var, float] = {}
    for j, eq in enumerate(equations):
        for i in eq.inputs:
            if isinstance(i, Var):
                last_use[i] = j
    for v, j in (read_at or {}).items():
        last_use[v] = max(last_use.get(v, -1), j)
    for o in outputs:
        if isinstance(o, Var):
            last_use[o] = float("inf")
    return last_use


@attrs.define
class _Buffers:
    """Each Var's buffer, named by the Var that allocated it, and the last equation reading
    any Var that may share the buffer (one number per buffer: the pass stays linear)."""

    last_use: dict[Var, float]
    buffer: dict[Var, Var] = attrs.Factory(dict)
    read_until: dict[Var, float] = attrs.Factory(dict)
    writable: set[Var] = attrs.Factory(set)
    whole: set[Var] = attrs.Factory(set)  # the Vars that are their buffer, not a view into it

    def allocate(self, v: Var) -> None:
        self.buffer[v] = v
        self.read_until[v] = self.last_use.get(v, -1)
        self.writable.add(v)
        self.whole.add(v)

    def share(self, v: Var, b: Var) -> None:
        self.buffer[v] = b
        self.read_until[b] = max(self.read_until[b], self.last_use.get(v, -1))

    def overwritable(self, eq: Equation, j: int) -> int | None:
        """The position of an input of equation ``j`` whose buffer its result may take."""
        out = eq.output
        for k, i in enumerate(eq.inputs):
            if not (isinstance(i, Var) and i.shape == out.shape and i.dtype == out.dtype):
                continue
            b = self.buffer.get(i)
            if (
                i in self.whole
                and b in self.writable
                and self.read_until[b] <= j
                # CuPy does not guard against another view of ``out`` among the inputs
                and all(self.buffer.get(o) is not b for o in eq.inputs if isinstance(o, Var) and o != i)
            ):
                return k
        return None


def plan_buffer_reuse(
    equations: Sequence[Equation],
    outputs: Sequence[Any],
    donated: Sequence[Var] = (),
    read_at: dict[Var, int] | None = None,
) -> dict[int, int]:
    """Buffer reuse: for equation ``j`` of a UFUNCS primitive, the position of an input whose
    buffer the kernel may overwrite (``out=``): {j: position}.

    An input qualifies when the result has its shape and dtype (not 0-d: NumPy gives scalars
    there), it is a whole buffer (not a view into one) made inside the program by a primitive
    that always allocates (or a donated input), and neither it nor any view of it (a reshape,
    a broadcast, the same array passed through) is read after equation ``j`` or returned.
    ``read_at`` gives later reads than the equations show (a fused kernel's inputs).
    """
    buffers = _Buffers(_last_uses(equations, outputs, read_at))
    for v in donated:
        buffers.allocate(v)
    plan: dict[int, int] = {}
    for j, eq in enumerate(equations):
        out = eq.output
        k = buffers.overwritable(eq, j) if eq.prim in UFUNCS and out.shape else None
        if k is not None:
            plan[j] = k
            buffers.share(out, buffers.buffer[eq.inputs[k]])
            buffers.whole.add(out)
        elif _always_fresh(eq.prim):
            buffers.allocate(out)
        else:
            # Maybe a view of its inputs: it shares their buffers, which nothing may overwrite
            # while it lives; when they are several, or a constant's, none is overwritten again.
            bases = {buffers.buffer[i] for i in eq.inputs if isinstance(i, Var) and i in buffers.buffer}
            if len(bases) == 1 and not any(hasattr(c, "shape") for _, c in eq.constants):
                buffers.share(out, next(iter(bases)))
            else:
                buffers.writable.difference_update(bases)
    return plan


@attrs.frozen
class TracedProgram:
    """A traced program between its trace and its code: what each pass reads and rewrites.

    ``inputs``: the Vars of the input leaves, in order; ``outputs``: the output leaves (a Var,
    or a constant's description), with ``constants`` the values of those that are not Vars,
    by position; ``known``: trace-time values of the equations that ignore their inputs'
    values; ``fix``: the outputs to be made arrays of their own; ``xp``: the array module of
    every input (None when they mix modules, or there are none); ``donated``: the inputs whose
    buffers the program may overwrite; ``groups`` and ``reuse``: the fusion and buffer-reuse
    plans (see :func:`plan_fusion` and :func:`plan_buffer_reuse`).
    """

    inputs: tuple[Var, ...]
    equations: Sequence[Equation]
    outputs: Sequence[Any]
    constants: dict[int, Any]
    known: dict[Var, Any]
    fix: frozenset[int]
    xp: Any
    donated: tuple[Var, ...] = ()
    groups: dict[int, list[int]] = attrs.field(factory=dict)
    reuse: dict[int, int] = attrs.field(factory=dict)


def cse_pass(program: TracedProgram) -> TracedProgram:
    """Merge the equations that compute the same thing (:func:`eliminate_common_subexpressions`)."""
    equations, outputs = eliminate_common_subexpressions(program.equations, program.outputs)
    return attrs.evolve(program, equations=equations, outputs=outputs)


def fold_pass(program: TracedProgram) -> TracedProgram:
    """Evaluate once, at trace time, what depends on constants only (:func:`fold_constants`)."""
    equations, outputs, folded = fold_constants(program.equations, program.outputs, program.known)
    constants = {**program.constants, **folded}
    return attrs.evolve(program, equations=equations, outputs=outputs, constants=constants)


def dce_pass(program: TracedProgram) -> TracedProgram:
    """Drop the equations no output depends on (:func:`live_equations`)."""
    return attrs.evolve(program, equations=live_equations(program.equations, program.outputs))


def fuse_pass(program: TracedProgram) -> TracedProgram:
    """Plan the fused elementwise kernels, when every input is on one module that has them (CuPy)."""
    if program.xp is None or not hasattr(program.xp, "ElementwiseKernel"):
        return program
    return attrs.evolve(program, groups=plan_fusion(program.equations, program.outputs))


def reuse_pass(program: TracedProgram) -> TracedProgram:
    """Plan which kernels write into a dead input buffer (:func:`plan_buffer_reuse`), when every
    input is on one module; the equations inside a fused group are not run, so plan none there."""
    if program.xp is None:
        return program
    equations, groups = program.equations, program.groups
    # A fused kernel reads its inputs where its group's last equation was.
    read_at = {v: j for j, g in groups.items() for v in kernel_source(equations, g)[0]}
    plan = plan_buffer_reuse(equations, program.outputs, program.donated, read_at)
    inside = {m for g in groups.values() for m in g}
    return attrs.evolve(program, reuse={j: k for j, k in plan.items() if j not in inside})


# The passes in the order jit runs them, by name.
PIPELINE: tuple[tuple[str, Callable[[TracedProgram], TracedProgram]], ...] = (
    ("cse", cse_pass),
    ("fold", fold_pass),
    ("dce", dce_pass),
    ("fuse", fuse_pass),
    ("reuse", reuse_pass),
)
# The passes jit runs; tests and benchmarks switch some off to compare.
# "fuse" (jit_fusion) acts on CuPy programs only.
ALL = frozenset(name for name, _ in PIPELINE)


def run_passes(program: TracedProgram, enabled: frozenset[str] | set[str] = ALL) -> TracedProgram:
    """``program`` after the passes of ``PIPELINE`` named in ``enabled``, in order."""
    for name, run in PIPELINE:
        if name in enabled:
            program = run(program)
    return program
