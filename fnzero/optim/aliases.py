"""The optimizers of the book and of PyTorch, as chains of transformations."""

from __future__ import annotations

from fnzero._checks import real_number
from fnzero.optim.base import GradientTransformation, chain
from fnzero.optim.transforms import (
    LearningRate,
    add_decayed_weights,
    scale_by_adadelta,
    scale_by_adagrad,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    trace,
)


def sgd(
    learning_rate: LearningRate, momentum: float | None = None, nesterov: bool = False
) -> GradientTransformation:
    """``p -= lr * g``; with ``momentum`` PyTorch's heavy-ball (or Nesterov) buffer."""
    if momentum is None:
        return scale_by_learning_rate(learning_rate)
    real_number(momentum, "momentum", "fnzero.optim.sgd", low=0, high=1, high_open=True)
    return chain(trace(momentum, nesterov), scale_by_learning_rate(learning_rate))


def momentum(learning_rate: LearningRate = 0.01, momentum: float = 0.9) -> GradientTransformation:
    """The book's MomentumSGD: ``v = momentum * v - lr * g; p += v`` (for a constant lr)."""
    return sgd(learning_rate, momentum)


def adagrad(learning_rate: LearningRate = 0.001, eps: float = 1e-8) -> GradientTransformation:
    """AdaGrad: each parameter's step divided by the root of its summed squared gradients."""
    return chain(scale_by_adagrad(eps), scale_by_learning_rate(learning_rate))


def adadelta(
    learning_rate: LearningRate = 1.0, rho: float = 0.95, eps: float = 1e-6
) -> GradientTransformation:
    """AdaDelta: steps scaled by the ratio of the running RMS of updates to that of gradients
    (no learning rate to tune)."""
    return chain(scale_by_adadelta(rho, eps), scale_by_learning_rate(learning_rate))


def rmsprop(
    learning_rate: LearningRate = 0.01, decay: float = 0.99, eps: float = 1e-8
) -> GradientTransformation:
    """RMSProp: each step divided by the root of a running average of squared gradients."""
    return chain(scale_by_rms(decay, eps), scale_by_learning_rate(learning_rate))


def adam(
    learning_rate: LearningRate = 0.001, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> GradientTransformation:
    """Adam: bias-corrected running averages of the gradient and its square (Kingma and Ba)."""
    return chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(learning_rate))


def adamw(
    learning_rate: LearningRate = 0.001,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 1e-4,
) -> GradientTransformation:
    """Adam with decoupled weight decay: ``p -= lr * (adam_step + weight_decay * p)``."""
    return chain(
        scale_by_adam(b1, b2, eps), add_decayed_weights(weight_decay), scale_by_learning_rate(learning_rate)
    )
