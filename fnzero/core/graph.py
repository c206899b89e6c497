"""The graph trace: records every primitive applied to its tracers, as a program listing.

Values are still computed eagerly (so Python control flow works); each primitive call on a
traced value becomes an equation ``out = prim(inputs; params)``. Transforms running inside
(grad, grad of grad) call their primitives on these tracers too, so the graph of a
derivative shows the whole computation, backward sweeps included (the book's step 35).
"""

from __future__ import annotations

from typing import Any

import attrs

from fnzero.core.levels import new_level
from fnzero.core.primitive import Primitive
from fnzero.core.trace import Trace
from fnzero.core.tracer import Tracer


@attrs.frozen
class Var:
    """A value in the graph: its name, shape and dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: str


@attrs.frozen
class Equation:
    """``output = primitive(inputs; params)``; an input is a Var or a constant's description.

    ``prim`` is the Primitive itself and ``constants`` the values of the inputs that are not
    Vars, as ``(position, value)`` pairs: what a replay (fnzero.jit) needs.
    """

    primitive: str
    inputs: tuple[Var | str, ...]
    params: dict
    output: Var
    prim: Primitive | None = attrs.field(default=None, eq=False, repr=False)
    constants: tuple[tuple[int, Any], ...] = attrs.field(default=(), eq=False, repr=False)


class GraphTracer(Tracer):
    __slots__ = ("_var",)

    def __init__(self, value: Any, trace: GraphTrace, var: Var):
        self._value = value
        self._trace = trace
        self._var = var


def _describe(x: Any) -> tuple[tuple[int, ...], str]:
    if isinstance(x, type):  # a dtype given as a class (astype(x, np.float32)): not an array
        return (), x.__name__
    shape = tuple(getattr(x, "shape", ()))
    dtype = getattr(x, "dtype", None)
    return shape, str(dtype) if dtype is not None else type(x).__name__


class GraphTrace(Trace):
    """Records equations at one level; ``new_var`` makes the inputs."""

    def __init__(self) -> None:
        self.level = new_level()
        self.equations: list[Equation] = []
        self._count = 0

    def _fresh(self, x: Any, name: str | None = None) -> Var:
        shape, dtype = _describe(x)
        if name is None:
            self._count += 1
            name = f"v{self._count}"
        return Var(name, shape, dtype)

    def new_var(self, value: Any, name: str) -> GraphTracer:
        return GraphTracer(value, self, self._fresh(value, name))

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        vals, inputs, constants = [], [], []
        for k, a in enumerate(args):
            if type(a) is GraphTracer and a._trace is self:
                vals.append(a._value)
                inputs.append(a._var)
            else:
                vals.append(a)
                constants.append((k, a))
                shape, dtype = _describe(a)
                inputs.append(
                    repr(a) if not shape and not hasattr(a, "_trace") else f"const:{dtype}{list(shape)}"
                )
        ans = prim(*vals, **params)
        out = self._fresh(ans)
        self.equations.append(Equation(prim.name, tuple(inputs), dict(params), out, prim, tuple(constants)))
        return GraphTracer(ans, self, out)

    # A graph records the primitives inside a call with its own rule: the function as written.
    def process_custom_vjp(self, call: Any, args: tuple) -> Any:
        return call.fun(*args)

    def process_custom_jvp(self, call: Any, args: tuple) -> Any:
        return call.fun(*args)

    def process_checkpoint(self, call: Any, args: tuple) -> Any:
        return call.fun(*args)
