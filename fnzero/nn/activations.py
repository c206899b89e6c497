"""Activation functions, composed from fnzero.numpy operations (relu and sigmoid are fnzero.lax's
primitives, for speed; the exact gelu takes the normal CDF of fnzero.scipy.special) so that every
derivative order comes for free; each form is chosen to stay finite for inputs of any size."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero import lax
from fnzero._checks import flag
from fnzero.lax import logsumexp as logsumexp
from fnzero.scipy.special import ndtr


def relu(x: Any) -> Any:
    """max(x, 0), with derivative 0 at 0 (as JAX and PyTorch)."""
    return lax.relu(x)


def _parameter(value: Any, argument: str, where: str) -> None:
    """A TypeError naming ``argument`` for a string or None, which would fail deep in NumPy."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(
            f"fnzero.nn.{where}: {argument} must be a number, got {value!r:.60} ({type(value).__name__})"
        )


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x for x >= 0, ``negative_slope * x`` otherwise (slope 1 at 0, as JAX)."""
    _parameter(negative_slope, "negative_slope", "leaky_relu")
    return fnp.where(fnp.greater_equal(x, 0), x, x * negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """x for x > 0, ``alpha * (exp(x) - 1)`` otherwise."""
    _parameter(alpha, "alpha", "elu")
    positive = fnp.greater(x, 0)
    # exp only ever sees non-positive values, so it cannot overflow on the unused side.
    return fnp.where(positive, x, alpha * fnp.expm1(fnp.where(positive, 0, x)))


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit: ``x * Phi(x)`` (``approximate=False``), or its tanh form
    ``x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` (the default, as JAX)."""
    approximate = flag(approximate, "approximate", "fnzero.nn.gelu")
    if not approximate:
        return x * ndtr(x)
    return 0.5 * x * (1 + fnp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)), computed as ``(1 + tanh(x / 2)) / 2`` (no overflow for any x)."""
    return lax.logistic(x)


def tanh(x: Any) -> Any:
    """The hyperbolic tangent."""
    return fnp.tanh(x)


def softplus(x: Any) -> Any:
    """log(1 + exp(x)), as ``[x if x > 0] + log1p(exp(-|x|))``: no overflow for any x, and the
    first and second derivatives at 0 are 1/2 and 1/4 (|x| is built with where, whose
    derivative has no hole at 0)."""
    positive = fnp.greater(x, 0)
    return fnp.where(positive, x, 0) + fnp.log1p(fnp.exp(fnp.where(positive, -x, x)))


def log_sigmoid(x: Any) -> Any:
    """log(sigmoid(x)) = ``-softplus(-x)``, finite for any finite x."""
    return -softplus(-x)


def silu(x: Any) -> Any:
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``."""
    return x * sigmoid(x)


swish = silu


def relu6(x: Any) -> Any:
    """min(max(x, 0), 6), with derivative 0 at both kinks (as JAX)."""
    inside = fnp.logical_and(fnp.greater(x, 0), fnp.less(x, 6))
    # Outside (0, 6) the value is a constant (or x's NaN, kept by clip), with no derivative.
    return fnp.where(inside, x, fnp.stop_gradient(fnp.clip(x, 0, 6)))


def hard_sigmoid(x: Any) -> Any:
    """``relu6(x + 3) / 6``: a piecewise-linear sigmoid."""
    return relu6(x + 3) / 6


def hard_silu(x: Any) -> Any:
    """``x * hard_sigmoid(x)`` (hard swish)."""
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def hard_tanh(x: Any) -> Any:
    """x clipped to [-1, 1], with derivative 1 at the kinks (as JAX)."""
    return fnp.where(fnp.greater(x, 1), 1, fnp.where(fnp.less(x, -1), -1, x))


def celu(x: Any, alpha: float = 1.0) -> Any:
    """Continuously differentiable ELU: ``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``."""
    _parameter(alpha, "alpha", "celu")
    return fnp.maximum(x, 0) + alpha * fnp.expm1(fnp.minimum(x, 0) / alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Any) -> Any:
    """Scaled ELU with the self-normalizing constants: ``scale * elu(x, alpha)``."""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: ``a * sigmoid(b)`` for the two halves ``a, b`` of ``x`` along ``axis``."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"fnzero.nn.glu: axis must be an int, got {axis!r:.40} ({type(axis).__name__})")
    size = fnp.shape(x)[axis]
    if size % 2:
        raise ValueError(f"fnzero.nn.glu: the size of axis {axis} must be even, got {size}")
    a, b = fnp.split(x, 2, axis=axis)
    return a * sigmoid(b)


def sparse_plus(x: Any) -> Any:
    """0 for x <= -1, ``(x + 1)^2 / 4`` on (-1, 1), x for x >= 1: a softplus with exact zeros."""
    return fnp.where(fnp.less_equal(x, -1), 0, fnp.where(fnp.greater_equal(x, 1), x, (x + 1) ** 2 / 4))


def sparse_sigmoid(x: Any) -> Any:
    """``clip(x + 1, 0, 2) / 2``, the derivative of sparse_plus."""
    return 0.5 * fnp.clip(x + 1, 0, 2)


def squareplus(x: Any, b: float = 4) -> Any:
    """``(x + sqrt(x^2 + b)) / 2``, a smooth relu made of algebraic operations."""
    _parameter(b, "b", "squareplus")
    return (x + fnp.sqrt(fnp.square(x) + b)) / 2


def mish(x: Any) -> Any:
    """``x * tanh(softplus(x))``."""
    return x * fnp.tanh(softplus(x))


def soft_sign(x: Any) -> Any:
    """``x / (|x| + 1)``; |x| has derivative 1 at 0 here, as JAX's abs."""
    return x / (fnp.where(fnp.greater_equal(x, 0), x, -x) + 1)


def _masked(x: Any, where: Any, fill: float) -> Any:
    return x if where is None else fnp.where(where, x, fill)


def softmax(x: Any, axis: Any = -1, where: Any = None) -> Any:
    """exp(x) normalized along ``axis``; the maximum is subtracted first (softmax ignores
    shifts). Entries where ``where`` is False take no part and come out 0."""
    shifted = _masked(x, where, -np.inf) - fnp.stop_gradient(fnp.max(_masked(x, where, -np.inf), axis, True))
    e = fnp.exp(shifted)
    return _masked(e / fnp.sum(e, axis=axis, keepdims=True), where, 0)


def log_softmax(x: Any, axis: Any = -1, where: Any = None) -> Any:
    """log(softmax(x)) along ``axis``, as ``x - logsumexp(x)`` (finite for any finite x).
    Entries where ``where`` is False take no part and come out -inf."""
    if where is None:
        return x - fnp.logsumexp(x, axis=axis, keepdims=True)
    safe = _masked(x, where, -np.inf)
    shifted = safe - fnp.stop_gradient(fnp.max(safe, axis, True))
    return _masked(shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True)), where, -np.inf)


def standardize(
    x: Any,
    axis: Any = -1,
    mean: Any = None,
    variance: Any = None,
    epsilon: float = 1e-5,
    where: Any = None,
    *,
    algorithm: str = "fast",
) -> Any:
    """``(x - mean) / sqrt(variance + epsilon)`` with the mean and variance over ``axis`` (of
    the entries where ``where`` is True) unless given. ``algorithm="fast"`` takes the variance
    as ``mean(x^2) - mean(x)^2`` clipped at 0, ``"stable"`` as ``mean((x - mean)^2)``."""
    if algorithm not in ("fast", "stable"):
        raise ValueError(f"fnzero.nn.standardize: algorithm must be 'fast' or 'stable', got {algorithm!r}")

    def average(v: Any) -> Any:
        if where is None:
            return fnp.mean(v, axis=axis, keepdims=True)
        count = fnp.sum(fnp.astype(fnp.broadcast_to(where, fnp.shape(v)), v.dtype), axis=axis, keepdims=True)
        return fnp.sum(fnp.where(where, v, 0), axis=axis, keepdims=True) / count

    if mean is None:
        mean = average(x)
    if variance is None:
        if algorithm == "fast":
            variance = fnp.maximum(average(fnp.square(x)) - fnp.square(mean), 0)
        else:
            variance = average(fnp.square(x - mean))
    return (x - mean) * (1 / fnp.sqrt(variance + epsilon))


def one_hot(x: Any, num_classes: int, *, dtype: Any = None, axis: int = -1) -> Any:
    """1 where ``x`` equals the class index along a new axis of size ``num_classes`` (at
    ``axis``), 0 elsewhere; indices outside [0, num_classes) give a row of zeros.
    ``dtype`` defaults to float32."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 0:
        raise ValueError(f"fnzero.nn.one_hot: num_classes must be a non-negative int, got {num_classes!r}")
    ndim = fnp.ndim(x) + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"fnzero.nn.one_hot: axis {axis} is out of range for a result with {ndim} axes")
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    classes = fnp.arange(int(num_classes)).reshape((-1,) + (1,) * (ndim - 1 - axis % ndim))
    return fnp.astype(fnp.equal(fnp.expand_dims(x, axis % ndim), classes), dtype)
