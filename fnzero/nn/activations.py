"""Activation functions, composed from fnzero.numpy operations (relu and sigmoid are
primitives of their own, for speed) so that every derivative order comes for free; each
form is chosen to stay finite for inputs of any size."""

from __future__ import annotations

import math
from typing import Any

import fnzero.numpy as fnp
from fnzero.backends import array_module, own_kernel
from fnzero.core.primitive import Primitive


def _relu_impl(x):
    return array_module(x).maximum(x, 0)


def _relu_derivative(g, ans, x):
    """``g * (x > 0)``: one fused kernel where the backend has it and no transform watches."""
    fused = own_kernel("relu_vjp", g, x)
    return g * fnp.greater(x, 0) if fused is None else fused


# A primitive (not where(x > 0, x, 0)) because xp.where branches on every entry and is ten
# times slower than max and a multiply on the random signs a network produces.
_relu = Primitive("relu", _relu_impl).defvjp(_relu_derivative)
_relu.defjvp(_relu_derivative)


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


def _sigmoid_derivative(g, ans, x):
    """``g * ans * (1 - ans)``: one fused kernel where the backend has it and no transform watches."""
    fused = own_kernel("sigmoid_vjp", g, ans)
    return g * (ans * (1 - ans)) if fused is None else fused


# A primitive (JAX's logistic): one node instead of four, and a derivative from the output.
_sigmoid = Primitive("sigmoid", _sigmoid_impl).defvjp(_sigmoid_derivative)
_sigmoid.defjvp(_sigmoid_derivative)


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
