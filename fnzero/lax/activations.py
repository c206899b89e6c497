"""The activation primitives: relu and the logistic sigmoid, each with its derivative as one
primitive of its own.

They are primitives for speed: one node instead of the four or five of their compositions, and
a derivative from the output. fnzero.nn's relu and sigmoid call them.
"""

from __future__ import annotations

import numpy as np

from fnzero.backends import array_module
from fnzero.core.primitive import Primitive
from fnzero.numpy.batching import same_axis_rule
from fnzero.numpy.elementwise import expression_primitive


def _relu_impl(x):
    """max(x, 0), with derivative 0 at 0 (as JAX and PyTorch)."""
    return array_module(x).maximum(x, 0)


# relu's derivative ``g * (x > 0)`` as one primitive (a NaN or infinite g stays NaN where
# x <= 0); linear in g, and piecewise constant in x.
def _onnx_relu_derivative(b, eq, ops, out):
    g, x = (b.tensor(o, eq.output) for o in ops)
    positive = b.node("Greater", [x, b.constant(0, eq.output.dtype)])
    to = b.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(eq.output.dtype))
    return b.node("Mul", [g, b.node("Cast", [positive], to=to)], out)


relu_derivative_p = expression_primitive(
    "relu_derivative", lambda g, x: g * (x > 0), "{1} > (T)0 ? {0} : {0} * (T)0", onnx=_onnx_relu_derivative
)
relu_derivative_p.defvjp(lambda ct, ans, g, x: relu_derivative_p(ct, x), None)
relu_derivative_p.defjvp(lambda t, ans, g, x: relu_derivative_p(t, x), None)


def _relu_vjp(g, ans, x):
    return relu_derivative_p(g, x)


# A primitive (not where(x > 0, x, 0)) because xp.where branches on every entry and is ten
# times slower than max and a multiply on the random signs a network produces.
relu_p = Primitive("relu", _relu_impl, onnx="Relu").defvjp(_relu_vjp)
relu_p.defjvp(_relu_vjp)
relu_p.defbatch(same_axis_rule(relu_p))


def _logistic_impl(x):
    """1 / (1 + exp(-x)), computed as ``(1 + tanh(x / 2)) / 2`` (no overflow for any x)."""
    y = array_module(x).tanh(x * 0.5)
    y += 1  # in place: the fresh result of tanh is ours (a NumPy scalar just rebinds)
    y *= 0.5
    return y


# The logistic's derivative from its output, ``g * (y * (1 - y))``, as one primitive.
def _onnx_logistic_derivative(b, eq, ops, out):
    g, y = (b.tensor(o, eq.output) for o in ops)
    one = b.constant(1, eq.output.dtype)
    return b.node("Mul", [g, b.node("Mul", [y, b.node("Sub", [one, y])])], out)


logistic_derivative_p = expression_primitive(
    "sigmoid_derivative",
    lambda g, y: g * (y * (1 - y)),
    "{0} * ({1} * ((T)1 - {1}))",
    onnx=_onnx_logistic_derivative,
)
logistic_derivative_p.defvjp(
    lambda ct, ans, g, y: logistic_derivative_p(ct, y),
    lambda ct, ans, g, y: ct * g * (1 - y * 2),
)
logistic_derivative_p.defjvp(
    lambda t, ans, g, y: logistic_derivative_p(t, y),
    lambda t, ans, g, y: t * g * (1 - y * 2),
)


def _logistic_vjp(g, ans, x):
    return logistic_derivative_p(g, ans)


# A primitive (JAX's logistic): one node instead of four, and a derivative from the output.
logistic_p = Primitive("sigmoid", _logistic_impl, onnx="Sigmoid").defvjp(_logistic_vjp)
logistic_p.defjvp(_logistic_vjp)
logistic_p.defbatch(same_axis_rule(logistic_p))
