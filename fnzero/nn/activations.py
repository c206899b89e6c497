"""Activation functions, composed from fnzero.numpy operations (relu and sigmoid are
primitives of their own, for speed) so that every derivative order comes for free; each
form is chosen to stay finite for inputs of any size."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero.backends import array_module
from fnzero.core.primitive import Primitive
from fnzero.numpy._batching import same_axis_rule
from fnzero.numpy.elementwise import expression_primitive


def _relu_impl(x):
    return array_module(x).maximum(x, 0)


# relu's derivative ``g * (x > 0)`` as one primitive (a NaN or infinite g stays NaN where
# x <= 0); linear in g, and piecewise constant in x.
def _onnx_relu_derivative(b, eq, ops, out):
    g, x = (b.tensor(o, eq.output) for o in ops)
    positive = b.node("Greater", [x, b.constant(0, eq.output.dtype)])
    to = b.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(eq.output.dtype))
    return b.node("Mul", [g, b.node("Cast", [positive], to=to)], out)


_relu_derivative = expression_primitive(
    "relu_derivative", lambda g, x: g * (x > 0), "{1} > (T)0 ? {0} : {0} * (T)0", onnx=_onnx_relu_derivative
)
_relu_derivative.defvjp(lambda ct, ans, g, x: _relu_derivative(ct, x), None)
_relu_derivative.defjvp(lambda t, ans, g, x: _relu_derivative(t, x), None)


def _relu_vjp(g, ans, x):
    return _relu_derivative(g, x)


# A primitive (not where(x > 0, x, 0)) because xp.where branches on every entry and is ten
# times slower than max and a multiply on the random signs a network produces.
_relu = Primitive("relu", _relu_impl, onnx="Relu").defvjp(_relu_vjp)
_relu.defjvp(_relu_vjp)
_relu.defbatch(same_axis_rule(_relu))


def relu(x: Any) -> Any:
    """max(x, 0), with derivative 0 at 0 (as JAX and PyTorch)."""
    return _relu(x)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x for x > 0, ``negative_slope * x`` otherwise."""
    return fnp.where(fnp.greater(x, 0), x, x * negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """x for x > 0, ``alpha * (exp(x) - 1)`` otherwise."""
    positive = fnp.greater(x, 0)
    # exp only ever sees non-positive values, so it cannot overflow on the unused side.
    return fnp.where(positive, x, alpha * fnp.expm1(fnp.where(positive, 0, x)))


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit, tanh form: ``x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    if not approximate:
        raise NotImplementedError(
            "fnzero.nn.gelu: approximate=False needs erf, which fnzero.numpy does not have; "
            "use the tanh form (approximate=True, JAX's default)"
        )
    return 0.5 * x * (1 + fnp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _sigmoid_impl(x):
    y = array_module(x).tanh(x * 0.5)
    y += 1  # in place: the fresh result of tanh is ours (a NumPy scalar just rebinds)
    y *= 0.5
    return y


# sigmoid's derivative from its output, ``g * (y * (1 - y))``, as one primitive.
def _onnx_sigmoid_derivative(b, eq, ops, out):
    g, y = (b.tensor(o, eq.output) for o in ops)
    one = b.constant(1, eq.output.dtype)
    return b.node("Mul", [g, b.node("Mul", [y, b.node("Sub", [one, y])])], out)


_sigmoid_derivative = expression_primitive(
    "sigmoid_derivative",
    lambda g, y: g * (y * (1 - y)),
    "{0} * ({1} * ((T)1 - {1}))",
    onnx=_onnx_sigmoid_derivative,
)
_sigmoid_derivative.defvjp(
    lambda ct, ans, g, y: _sigmoid_derivative(ct, y),
    lambda ct, ans, g, y: ct * g * (1 - y * 2),
)
_sigmoid_derivative.defjvp(
    lambda t, ans, g, y: _sigmoid_derivative(t, y),
    lambda t, ans, g, y: t * g * (1 - y * 2),
)


def _sigmoid_vjp(g, ans, x):
    return _sigmoid_derivative(g, ans)


# A primitive (JAX's logistic): one node instead of four, and a derivative from the output.
_sigmoid = Primitive("sigmoid", _sigmoid_impl, onnx="Sigmoid").defvjp(_sigmoid_vjp)
_sigmoid.defjvp(_sigmoid_vjp)
_sigmoid.defbatch(same_axis_rule(_sigmoid))


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)), computed as ``(1 + tanh(x / 2)) / 2`` (no overflow for any x)."""
    return _sigmoid(x)


def tanh(x: Any) -> Any:
    return fnp.tanh(x)


def softplus(x: Any) -> Any:
    """log(1 + exp(x)), as ``max(x, 0) + log1p(exp(-|x|))`` (no overflow for any x)."""
    return fnp.maximum(x, 0) + fnp.log1p(fnp.exp(-fnp.abs(x)))


def softmax(x: Any, axis: int = -1) -> Any:
    """exp(x) normalized along ``axis``; the maximum is subtracted first (softmax ignores shifts)."""
    shifted = x - fnp.stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    e = fnp.exp(shifted)
    return e / fnp.sum(e, axis=axis, keepdims=True)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """log(softmax(x)) along ``axis``, as ``x - logsumexp(x)`` (finite for any finite x)."""
    return x - fnp.logsumexp(x, axis=axis, keepdims=True)
