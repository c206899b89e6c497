"""fnzero.onnx: the program fnzero.jit runs for a function, written as an ONNX model.

The function is traced on example arguments (as ``fnzero.jit(fun).lower`` does): its array
arguments become the model's inputs, the arrays it closes over (a model's parameters)
become initializers. Each primitive declares its ONNX operators (``Primitive.onnx``: an
operator's name or a converter taking this module's builder); a program using a primitive
with none is refused with an error naming every such primitive. Needs the
``onnx`` package, which fnzero does not depend on (``pip install onnx``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero.core.graph import Equation, Var
from fnzero.core.primitive import Primitive
from fnzero.lax import unrolled_scans
from fnzero.transforms.jit import jit

OPSET = 17


def supported() -> list[str]:
    """The names of the primitives that have an ONNX mapping (``Primitive.onnx``)."""
    return sorted(name for name, prim in Primitive.registry.items() if prim.onnx is not None)


def _onnx():
    try:
        import onnx
    except ImportError as e:
        raise ImportError(
            "fnzero.onnx.export needs the onnx package, which fnzero does not depend on: pip install onnx"
        ) from e
    return onnx


class _Builder:
    """The nodes and initializers of one ONNX graph, with fresh names."""

    def __init__(self, onnx: Any):
        self.onnx = onnx
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def fresh(self, base: str) -> str:
        self._count += 1
        return f"{base}_{self._count}"

    def constant(self, value: Any, dtype: Any = None) -> str:
        array = np.asarray(value, dtype=dtype)
        name = self.fresh("const")
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], output: str | None = None, **attributes: Any) -> str:
        output = output or self.fresh(op)
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [output], **attributes))
        return output

    def tensor(self, x: Any, like: Var) -> str:
        """An operand as an ONNX name; constants get the dtype of ``like`` (ONNX does not promote)."""
        if isinstance(x, str):
            return x
        dtype = np.dtype(like.dtype) if like.dtype != "bool" else None
        if isinstance(x, np.ndarray) and x.dtype.kind not in "fc":
            dtype = None
        return self.constant(x, dtype)

    @staticmethod
    def first_var(eq: Equation, start: int = 0) -> Var:
        """The first array input of ``eq`` from position ``start`` (its output if none)."""
        return next((i for i in eq.inputs[start:] if isinstance(i, Var)), eq.output)


def _operands(b: _Builder, eq: Equation, names: dict[Var, str]) -> list[Any]:
    """The equation's inputs: ONNX names for Vars, raw values for constants."""
    known = dict(eq.constants)
    return [names[i] if isinstance(i, Var) else known[k] for k, i in enumerate(eq.inputs)]


def _convert(b: _Builder, eq: Equation, names: dict[Var, str]) -> str:
    """The nodes of one equation, by its primitive's declaration: an operator's name (the
    operands as its inputs) or a converter ``convert(builder, eq, operands, out)``."""
    ops = _operands(b, eq, names)
    out, how = names[eq.output], eq.prim.onnx
    if isinstance(how, str):
        like = b.first_var(eq)
        return b.node(how, [b.tensor(o, like) for o in ops], out)
    return how(b, eq, ops, out)


def _value_info(onnx: Any, name: str, v: Var) -> Any:
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(v.dtype))
    return onnx.helper.make_tensor_value_info(name, elem, list(v.shape))


def export(
    fun: Callable[..., Any], example_args: Sequence[Any], path: str | os.PathLike | None = None
) -> Any:
    """The ONNX model (an ``onnx.ModelProto``) of ``fun`` traced on ``example_args``; also
    saved to ``path`` when given. Inputs are named after the arguments (x, y, x/w, ...)."""
    if not callable(fun):
        raise TypeError(f"fnzero.onnx.export: fun must be a callable, got {fun!r:.60} ({type(fun).__name__})")
    if not isinstance(example_args, (tuple, list)):
        raise TypeError(
            f"fnzero.onnx.export: example_args must be a tuple of the arguments (one per parameter of fun), "
            f"got {type(example_args).__name__}; for one argument x pass (x,)"
        )
    onnx = _onnx()
    with unrolled_scans():  # ONNX gets a scan's body once per step
        graph = jit(fun).lower(*example_args)
    missing = sorted({eq.primitive for eq in graph.equations if eq.prim.onnx is None})
    if missing:
        raise NotImplementedError(
            f"fnzero.onnx.export: no ONNX mapping for the primitive{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (supported: {', '.join(supported())})"
        )
    constant_outputs = [k for k, o in enumerate(graph.outputs) if not isinstance(o, Var)]
    if constant_outputs:
        raise ValueError(
            f"fnzero.onnx.export: output{'s' if len(constant_outputs) > 1 else ''} {constant_outputs} "
            f"do not depend on the inputs; an ONNX model's outputs must be computed from its inputs"
        )
    b = _Builder(onnx)
    names = {v: v.name for v in graph.inputs}
    for eq in graph.equations:
        names[eq.output] = eq.output.name
        _convert(b, eq, names)
    outputs = []
    for k, o in enumerate(graph.outputs):
        if o in graph.inputs or o in graph.outputs[:k]:  # ONNX outputs need names of their own
            o_name = b.node("Identity", [names[o]], f"out{k}")
        else:
            o_name = names[o]
        outputs.append(_value_info(onnx, o_name, o))
    model = onnx.helper.make_model(
        onnx.helper.make_graph(
            b.nodes,
            getattr(fun, "__name__", "fnzero"),
            [_value_info(onnx, names[v], v) for v in graph.inputs],
            outputs,
            b.initializers,
        ),
        opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        producer_name="fnzero",
    )
    onnx.checker.check_model(model)
    if path is not None:
        onnx.save(model, os.fspath(path))
    return model
