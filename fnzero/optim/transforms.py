"""The links optimizers are chained from: scaling rules, momentum, weight decay, clipping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero import tree
from fnzero.optim.base import GradientTransformation, stateless
from fnzero.optim.schedules import Schedule

LearningRate = float | Schedule


def _zeros(params):
    return tree.map(fnp.zeros_like, params)


def _count() -> np.ndarray:
    return np.zeros((), np.int64)


def scale(factor: float) -> GradientTransformation:
    return stateless(lambda u, p: tree.map(lambda x: x * factor, u))


def scale_by_learning_rate(learning_rate: LearningRate) -> GradientTransformation:
    """Multiply by ``-learning_rate`` (a number, or a schedule of the step count)."""
    if not callable(learning_rate):
        return scale(-learning_rate)

    def update(updates, count, params=None):
        lr = learning_rate(int(count))
        return tree.map(lambda u: u * -lr, updates), count + 1

    return GradientTransformation(lambda params: _count(), update)


def trace(decay: float, nesterov: bool = False) -> GradientTransformation:
    """Momentum: ``t = g + decay * t``; the update is ``t`` (or ``g + decay * t`` with Nesterov)."""

    def update(updates, state, params=None):
        new = tree.map(lambda g, t: g + decay * t, updates, state)
        out = tree.map(lambda g, t: g + decay * t, updates, new) if nesterov else new
        return out, new

    return GradientTransformation(_zeros, update)


def scale_by_adagrad(eps: float = 1e-8) -> GradientTransformation:
    """``g / (sqrt(h) + eps)`` with ``h`` the running sum of squared gradients."""

    def update(updates, h, params=None):
        h = tree.map(lambda g, s: s + g * g, updates, h)
        return tree.map(lambda g, s: g / (fnp.sqrt(s) + eps), updates, h), h

    return GradientTransformation(_zeros, update)


def scale_by_adadelta(rho: float = 0.95, eps: float = 1e-6) -> GradientTransformation:
    """Zeiler's AdaDelta: steps scaled by the ratio of running RMS of steps and gradients."""

    def init(params):
        return {"msg": _zeros(params), "msdx": _zeros(params)}

    def update(updates, state, params=None):
        msg = tree.map(lambda g, m: rho * m + (1 - rho) * g * g, updates, state["msg"])
        dx = tree.map(lambda g, m, d: fnp.sqrt((d + eps) / (m + eps)) * g, updates, msg, state["msdx"])
        msdx = tree.map(lambda d, s: rho * s + (1 - rho) * d * d, dx, state["msdx"])
        return dx, {"msg": msg, "msdx": msdx}

    return GradientTransformation(init, update)


def scale_by_rms(decay: float = 0.99, eps: float = 1e-8) -> GradientTransformation:
    """RMSprop: ``g / (sqrt(v) + eps)`` with ``v`` a running mean of squared gradients."""

    def update(updates, v, params=None):
        v = tree.map(lambda g, s: decay * s + (1 - decay) * g * g, updates, v)
        return tree.map(lambda g, s: g / (fnp.sqrt(s) + eps), updates, v), v

    return GradientTransformation(_zeros, update)


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    """Adam's bias-corrected ``m_hat / (sqrt(v_hat) + eps)``."""

    def init(params):
        return {"count": _count(), "m": _zeros(params), "v": _zeros(params)}

    def update(updates, state, params=None):
        count = state["count"] + 1
        m = tree.map(lambda g, m: b1 * m + (1 - b1) * g, updates, state["m"])
        v = tree.map(lambda g, v: b2 * v + (1 - b2) * g * g, updates, state["v"])
        # bias corrections as arrays (not Python floats) so that fnzero.jit can trace them
        c1 = 1 - fnp.power(b1, count)
        c2 = 1 - fnp.power(b2, count)
        out = tree.map(
            lambda m, v: (m / fnp.astype(c1, m.dtype)) / (fnp.sqrt(v / fnp.astype(c2, v.dtype)) + eps), m, v
        )
        return out, {"count": count, "m": m, "v": v}

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay: float) -> GradientTransformation:
    """Add ``weight_decay * params`` (L2 weight decay; decoupled when placed after Adam)."""

    def fn(updates, params):
        if params is None:
            raise ValueError("add_decayed_weights needs params: call opt.update(grads, state, params)")
        return tree.map(lambda u, p: u + weight_decay * p, updates, params)

    return stateless(fn)


def clip(max_delta: float) -> GradientTransformation:
    """Clip every element to ``[-max_delta, max_delta]``."""
    return stateless(lambda u, p: tree.map(lambda x: fnp.clip(x, -max_delta, max_delta), u))


def global_norm(updates: Any) -> Any:
    """The L2 norm of all leaves together (an array: no host synchronization)."""
    return fnp.sqrt(sum(fnp.sum(fnp.square(x)) for x in tree.leaves(updates)))


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """Scale all updates by ``min(1, max_norm / norm)`` (the book's ClipGrad hook)."""

    def fn(updates, params):
        factor = fnp.minimum(1.0, max_norm / (global_norm(updates) + 1e-6))
        return tree.map(lambda x: x * factor.astype(x.dtype), updates)

    return stateless(fn)


def masked(inner: GradientTransformation, mask: Any | Callable[[Any], Any]) -> GradientTransformation:
    """Apply ``inner`` only where ``mask`` (a pytree of bools like params, or a function of
    params giving one) is True; elsewhere updates pass through unchanged."""

    def resolve(params):
        return mask(params) if callable(mask) else mask

    def select(values, m):
        return tree.map(lambda v, keep: v if keep else None, values, m)

    def init(params):
        return inner.init(select(params, resolve(params)))

    def update(updates, state, params=None):
        m = resolve(params if params is not None else updates)
        chosen, state = inner.update(select(updates, m), state, None if params is None else select(params, m))
        return tree.map(
            lambda u, c, keep: c if keep else u, updates, chosen, m, is_leaf=lambda x: x is None
        ), state

    return GradientTransformation(init, update)


def freeze(mask: Any | Callable[[Any], Any]) -> GradientTransformation:
    """Zero the updates where ``mask`` is True: those parameters do not move."""

    def fn(updates, params):
        m = mask(params if params is not None else updates) if callable(mask) else mask
        return tree.map(lambda u, frozen: fnp.zeros_like(u) if frozen else u, updates, m)

    return stateless(fn)
