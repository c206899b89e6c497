"""fnzero.onnx: the program fnzero.jit runs for a function, written as an ONNX model.

The function is traced on example arguments (as ``fnzero.jit(fun).lower`` does): its array
arguments become the model's inputs, the arrays it closes over (a model's parameters)
become initializers. Each primitive maps to ONNX operators; a program using a primitive
with no mapping here is refused with an error naming every such primitive. Needs the
``onnx`` package, which fnzero does not depend on (``pip install onnx``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fnzero.core.graph import Equation, Var
from fnzero.transforms.jit import jit

OPSET = 17

_UNARY = {
    "exp": "Exp",
    "log": "Log",
    "tanh": "Tanh",
    "sin": "Sin",
    "cos": "Cos",
    "sqrt": "Sqrt",
    "abs": "Abs",
    "negative": "Neg",
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "stop_gradient": "Identity",
}
_BINARY = {
    "add": "Add",
    "subtract": "Sub",
    "multiply": "Mul",
    "divide": "Div",
    "power": "Pow",
    "maximum": "Max",
    "minimum": "Min",
    "matmul": "MatMul",
    "greater": "Greater",
    "less": "Less",
    "equal": "Equal",
}
_LSTM = ("lstm_gates", "lstm_cell_state", "lstm_hidden")
_REDUCTIONS = {
    "sum": "ReduceSum",
    "mean": "ReduceMean",
    "max": "ReduceMax",
    "min": "ReduceMin",
    "logsumexp": "ReduceLogSumExp",
}
SUPPORTED = frozenset(
    [
        *_UNARY,
        *_BINARY,
        *_REDUCTIONS,
        "square",
        "where",
        "reshape",
        "transpose",
        "broadcast_to",
        "astype",
        "astype_discrete",
        "isfinite",
        "getitem",
        "concatenate",
        "conv2d",
        "max_pool2d",
        "squared_error",
        *_LSTM,
    ]
)


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


def _operands(b: _Builder, eq: Equation, names: dict[Var, str]) -> list[Any]:
    """The equation's inputs: ONNX names for Vars, raw values for constants."""
    known = dict(eq.constants)
    return [names[i] if isinstance(i, Var) else known[k] for k, i in enumerate(eq.inputs)]


def _as_tensor(b: _Builder, x: Any, like: Var) -> str:
    """An operand as an ONNX name; constants get the dtype of the equation's array operand
    (ONNX does not promote)."""
    if isinstance(x, str):
        return x
    dtype = np.dtype(like.dtype) if like.dtype != "bool" else None
    if isinstance(x, np.ndarray) and x.dtype.kind not in "fc":
        dtype = None
    return b.constant(x, dtype)


def _axes(axis: Any, ndim: int) -> list[int]:
    if axis is None:
        return list(range(ndim))
    return [a % ndim for a in ((axis,) if isinstance(axis, int) else axis)]


def _convert(b: _Builder, eq: Equation, names: dict[Var, str]) -> str:
    ops = _operands(b, eq, names)
    name, out = eq.primitive, names[eq.output]
    like = next((i for i in eq.inputs if isinstance(i, Var)), eq.output)
    if name in _UNARY:
        return b.node(_UNARY[name], [ops[0]], out)
    if name == "square":
        return b.node("Mul", [ops[0], ops[0]], out)
    if name == "isfinite":
        bad = b.node("Or", [b.node("IsInf", [ops[0]]), b.node("IsNaN", [ops[0]])])
        return b.node("Not", [bad], out)
    if name in _BINARY:
        return b.node(_BINARY[name], [_as_tensor(b, o, like) for o in ops], out)
    if name == "where":
        values_like = next((i for i in eq.inputs[1:] if isinstance(i, Var)), eq.output)
        cond = _as_tensor(b, ops[0], like)
        return b.node("Where", [cond, *(_as_tensor(b, o, values_like) for o in ops[1:])], out)
    if name in _REDUCTIONS:
        x, axis, keepdims = ops
        axes = _axes(axis, len(like.shape))
        if name == "sum":
            return b.node("ReduceSum", [x, b.constant(axes, np.int64)], out, keepdims=int(keepdims))
        return b.node(_REDUCTIONS[name], [x], out, axes=axes, keepdims=int(keepdims))
    if name == "squared_error":
        d = b.node("Sub", [_as_tensor(b, o, like) for o in ops[:2]])
        reduce = "ReduceMean" if eq.params["mean"] else "ReduceSum"
        return b.node(reduce, [b.node("Mul", [d, d])], out, keepdims=0)
    if name == "reshape":
        return b.node("Reshape", [ops[0], b.constant(eq.output.shape, np.int64)], out)
    if name == "broadcast_to":
        return b.node("Expand", [ops[0], b.constant(eq.output.shape, np.int64)], out)
    if name == "transpose":
        axes = ops[1] if ops[1] is not None else tuple(reversed(range(len(like.shape))))
        return b.node("Transpose", [ops[0]], out, perm=list(axes))
    if name in ("astype", "astype_discrete"):
        to = b.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(eq.output.dtype))
        return b.node("Cast", [ops[0]], out, to=to)
    if name == "conv2d":
        (ph, pw), p = eq.params["padding"], eq.params
        attributes = {"strides": list(p["stride"]), "dilations": list(p["dilation"]), "group": p["groups"]}
        w = _as_tensor(b, ops[1], eq.output)
        return b.node("Conv", [_as_tensor(b, ops[0], eq.output), w], out, pads=[ph, pw, ph, pw], **attributes)
    if name == "max_pool2d":
        (ph, pw), p = eq.params["padding"], eq.params
        return b.node(
            "MaxPool",
            [ops[0]],
            out,
            kernel_shape=list(p["kernel"]),
            strides=list(p["stride"]),
            pads=[ph, pw, ph, pw],
        )
    if name == "concatenate":
        axis = eq.params["axis"] % len(eq.output.shape)
        return b.node("Concat", [_as_tensor(b, o, eq.output) for o in ops], out, axis=axis)
    if name == "getitem":
        return _getitem(b, ops[0], eq.params["index"], like, out)
    if name in _LSTM:
        return _lstm(b, name, [_as_tensor(b, o, eq.output) for o in ops], eq.output, out)
    raise AssertionError(name)


def _lstm(b: _Builder, name: str, ops: list[str], output: Var, out: str) -> str:
    """fnzero.nn.lstm_cell's primitives: gates (input, forget, output, candidate) are quarters
    of the last axis."""
    H = output.shape[-1] // 4 if name == "lstm_gates" else output.shape[-1]
    axis = len(output.shape) - 1

    def gate(x: str, k: int, n: int = 1) -> str:
        const = lambda v: b.constant([v], np.int64)  # noqa: E731
        return b.node("Slice", [x, const(k * H), const((k + n) * H), const(axis)])

    if name == "lstm_gates":
        x, h, w_x, w_h, bias = ops
        products = b.node("Add", [b.node("MatMul", [x, w_x]), b.node("MatMul", [h, w_h])])
        z = b.node("Add", [products, bias])
        sig = b.node("Sigmoid", [gate(z, 0, 3)])
        return b.node("Concat", [sig, b.node("Tanh", [gate(z, 3)])], out, axis=axis)
    a, c = ops
    if name == "lstm_cell_state":
        kept = b.node("Mul", [gate(a, 1), c])
        return b.node("Add", [kept, b.node("Mul", [gate(a, 0), gate(a, 3)])], out)
    return b.node("Mul", [gate(a, 2), b.node("Tanh", [c])], out)


def _getitem(b: _Builder, x: str, index: tuple, like: Var, out: str) -> str:
    """Basic indexing (integers, slices, an Ellipsis) as Slice, then Squeeze for the integers."""
    shape = like.shape
    if Ellipsis in index:
        k = index.index(Ellipsis)
        index = index[:k] + (slice(None),) * (len(shape) - len(index) + 1) + index[k + 1 :]
    starts, ends, steps, squeeze = [], [], [], []
    for axis, i in enumerate(index):
        if isinstance(i, (int, np.integer)):
            i = int(i) % shape[axis]
            starts.append(i), ends.append(i + 1), steps.append(1), squeeze.append(axis)
        elif isinstance(i, slice):
            start, stop, step = i.indices(shape[axis])
            starts.append(start), steps.append(step)
            ends.append(stop if stop >= 0 else -(2**63))  # a negative step running past 0
        else:
            raise NotImplementedError(
                f"fnzero.onnx.export: getitem with index {i!r}: only integers, slices and ... are supported"
            )
    axes = list(range(len(index)))
    const = lambda v: b.constant(v, np.int64)  # noqa: E731
    sliced = b.node(
        "Slice", [x, const(starts), const(ends), const(axes), const(steps)], None if squeeze else out
    )
    if squeeze:
        return b.node("Squeeze", [sliced, const(squeeze)], out)
    return sliced


def _value_info(onnx: Any, name: str, v: Var) -> Any:
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(v.dtype))
    return onnx.helper.make_tensor_value_info(name, elem, list(v.shape))


def export(
    fun: Callable[..., Any], example_args: Sequence[Any], path: str | os.PathLike | None = None
) -> Any:
    """The ONNX model (an ``onnx.ModelProto``) of ``fun`` traced on ``example_args``; also
    saved to ``path`` when given. Inputs are named after the arguments (x, y, x/w, ...)."""
    onnx = _onnx()
    graph = jit(fun).lower(*example_args)
    missing = sorted({eq.primitive for eq in graph.equations} - SUPPORTED)
    if missing:
        raise NotImplementedError(
            f"fnzero.onnx.export: no ONNX mapping for the primitive{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (supported: {', '.join(sorted(SUPPORTED))})"
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
