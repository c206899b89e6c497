"""The links optimizers are chained from: scaling rules, momentum, weight decay, clipping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero import tree
from fnzero._checks import flag, real_number
from fnzero.backends import backend_of
from fnzero.optim.base import GradientTransformation, matching_leaves, refuse_none, stateless
from fnzero.optim.schedules import Schedule

LearningRate = float | Schedule


def _zeros(params):
    return tree.map(fnp.zeros_like, params)


def _fraction(value: Any, argument: str, where: str) -> Any:
    """A decay rate: a number in [0, 1) (1 would never forget; above, the average diverges)."""
    return real_number(value, argument, f"fnzero.optim.{where}", low=0, high=1, high_open=True)


def _positive(value: Any, argument: str, where: str, allow_inf: bool = False) -> Any:
    return real_number(value, argument, f"fnzero.optim.{where}", low=0, low_open=True, allow_inf=allow_inf)


def _like_updates(where: str, updates: Any, name: str, state: Any) -> None:
    matching_leaves(f"fnzero.optim.{where}", "updates", updates, name, state)


def _count() -> np.ndarray:
    return np.zeros((), np.int64)


def _count_like(params: Any) -> Any:
    """A zero step count on the parameters' backend: what is computed from it (Adam's bias
    corrections) then joins them on the device, eagerly and under fnzero.jit, with no transfer."""
    for leaf in tree.leaves(params):
        backend = backend_of(leaf)
        if backend is not None:
            return backend.from_host(_count())
    return _count()


def scale(factor: float) -> GradientTransformation:
    """Multiply every update by ``factor`` (a finite number)."""
    real_number(factor, "factor", "fnzero.optim.scale")
    return stateless(lambda u, p: tree.map(lambda x: x * factor, u))


def scale_by_learning_rate(learning_rate: LearningRate) -> GradientTransformation:
    """Multiply by ``-learning_rate`` (a number, or a schedule of the step count)."""
    where = "fnzero.optim.scale_by_learning_rate"
    if not callable(learning_rate):
        real_number(learning_rate, "learning_rate", where, low=0)
        return scale(-learning_rate)

    def update(updates, count, params=None):
        refuse_none(updates)
        lr = learning_rate(int(count))
        real_number(lr, f"learning_rate (the schedule's value at step {int(count)})", where, low=0)
        return tree.map(lambda u: u * -lr, updates), count + 1

    return GradientTransformation(lambda params: _count(), update)


def trace(decay: float, nesterov: bool = False) -> GradientTransformation:
    """Momentum: ``t = g + decay * t``; the update is ``t`` (or ``g + decay * t`` with Nesterov)."""
    _fraction(decay, "decay", "trace")
    nesterov = flag(nesterov, "nesterov", "fnzero.optim.trace")

    def update(updates, state, params=None):
        _like_updates("trace", updates, "the momentum state", state)
        new = tree.map(lambda g, t: g + decay * t, updates, state)
        out = tree.map(lambda g, t: g + decay * t, updates, new) if nesterov else new
        return out, new

    return GradientTransformation(_zeros, update)


def scale_by_adagrad(eps: float = 1e-8) -> GradientTransformation:
    """``g / (sqrt(h) + eps)`` with ``h`` the running sum of squared gradients."""
    _positive(eps, "eps", "scale_by_adagrad")

    def update(updates, h, params=None):
        _like_updates("scale_by_adagrad", updates, "the state", h)
        h = tree.map(lambda g, s: s + g * g, updates, h)
        return tree.map(lambda g, s: g / (fnp.sqrt(s) + eps), updates, h), h

    return GradientTransformation(_zeros, update)


def scale_by_adadelta(rho: float = 0.95, eps: float = 1e-6) -> GradientTransformation:
    """Zeiler's AdaDelta: steps scaled by the ratio of running RMS of steps and gradients."""
    _fraction(rho, "rho", "scale_by_adadelta")
    _positive(eps, "eps", "scale_by_adadelta")

    def init(params):
        return {"msg": _zeros(params), "msdx": _zeros(params)}

    def update(updates, state, params=None):
        _like_updates("scale_by_adadelta", updates, "state['msg']", state["msg"])
        _like_updates("scale_by_adadelta", updates, "state['msdx']", state["msdx"])
        msg = tree.map(lambda g, m: rho * m + (1 - rho) * g * g, updates, state["msg"])
        dx = tree.map(lambda g, m, d: fnp.sqrt((d + eps) / (m + eps)) * g, updates, msg, state["msdx"])
        msdx = tree.map(lambda d, s: rho * s + (1 - rho) * d * d, dx, state["msdx"])
        return dx, {"msg": msg, "msdx": msdx}

    return GradientTransformation(init, update)


def scale_by_rms(decay: float = 0.99, eps: float = 1e-8) -> GradientTransformation:
    """RMSprop: ``g / (sqrt(v) + eps)`` with ``v`` a running mean of squared gradients."""
    _fraction(decay, "decay", "scale_by_rms")
    _positive(eps, "eps", "scale_by_rms")

    def update(updates, v, params=None):
        _like_updates("scale_by_rms", updates, "the state", v)
        v = tree.map(lambda g, s: decay * s + (1 - decay) * g * g, updates, v)
        return tree.map(lambda g, s: g / (fnp.sqrt(s) + eps), updates, v), v

    return GradientTransformation(_zeros, update)


def _fused_ok(*arrays: Any) -> bool:
    """Whether the in-place kernels may run: concrete NumPy arrays (not traced, not 0-d) of
    one dtype. Anything else takes the fnzero.numpy formulas, which outer transforms can trace."""
    first = arrays[0]
    return first.dtype.kind == "f" and all(
        type(a) is np.ndarray and a.ndim > 0 and a.dtype == first.dtype for a in arrays
    )


# Elements per block of the fused kernels: small enough that a block's operands and
# scratch stay in cache, large enough that the per-call overhead of NumPy is negligible.
_BLOCK = 65536


def _adam_leaf(g, m, v, b1: float, b2: float, eps: float, c1: Any, c2: Any) -> tuple:
    """One leaf's new moments and bias-corrected step. On NumPy arrays: the textbook's
    operations in its order, block by block into three new arrays, so that each block's
    eleven operations run in cache (one pass over memory instead of eleven)."""
    if not _fused_ok(g, m, v):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        c1, c2 = (fnp.astype(c, m.dtype) if hasattr(c, "dtype") else c for c in (c1, c2))
        return m, v, (m / c1) / (fnp.sqrt(v / c2) + eps)
    shape = g.shape
    g, m, v = g.reshape(-1), m.reshape(-1), v.reshape(-1)
    c1, c2 = float(c1), float(c2)
    m_new, v_new, step = np.empty_like(m), np.empty_like(v), np.empty_like(g)
    scratch = np.empty(min(_BLOCK, g.size), g.dtype)
    for i in range(0, g.size, _BLOCK):
        j = min(i + _BLOCK, g.size)
        gs, mo, vo, so, s = g[i:j], m_new[i:j], v_new[i:j], step[i:j], scratch[: j - i]
        np.multiply(gs, 1 - b1, out=s)
        np.multiply(m[i:j], b1, out=mo)
        mo += s
        np.multiply(gs, 1 - b2, out=s)
        s *= gs
        np.multiply(v[i:j], b2, out=vo)
        vo += s
        np.divide(vo, c2, out=so)
        np.sqrt(so, out=so)
        so += eps
        np.divide(mo, c1, out=s)
        np.divide(s, so, out=so)
    return m_new.reshape(shape), v_new.reshape(shape), step.reshape(shape)


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    """Adam's bias-corrected ``m_hat / (sqrt(v_hat) + eps)``."""
    _fraction(b1, "b1", "scale_by_adam")
    _fraction(b2, "b2", "scale_by_adam")
    _positive(eps, "eps", "scale_by_adam")

    def init(params):
        return {"count": _count_like(params), "m": _zeros(params), "v": _zeros(params)}

    def update(updates, state, params=None):
        count = state["count"] + 1
        # bias corrections as arrays (not Python floats) so that fnzero.jit can trace them
        c1, c2 = 1 - fnp.power(b1, count), 1 - fnp.power(b2, count)
        where = "fnzero.optim.scale_by_adam"
        grads, ms, treedef = matching_leaves(where, "updates", updates, "state['m']", state["m"])
        vs = matching_leaves(where, "updates", updates, "state['v']", state["v"], flat=(grads, treedef))[1]
        new = [_adam_leaf(g, m, v, b1, b2, eps, c1, c2) for g, m, v in zip(grads, ms, vs)]
        m, v, out = (tree.unflatten(treedef, [leaf[k] for leaf in new]) for k in range(3))
        return out, {"count": count, "m": m, "v": v}

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay: float) -> GradientTransformation:
    """Add ``weight_decay * params`` (L2 weight decay; decoupled when placed after Adam)."""
    real_number(weight_decay, "weight_decay", "fnzero.optim.add_decayed_weights", low=0)

    def fn(updates, params):
        if params is None:
            raise ValueError("add_decayed_weights needs params: call opt.update(grads, state, params)")
        _like_updates("add_decayed_weights", updates, "params", params)
        return tree.map(lambda u, p: u + weight_decay * p, updates, params)

    return stateless(fn)


def clip(max_delta: float) -> GradientTransformation:
    """Clip every element to ``[-max_delta, max_delta]``."""
    _positive(max_delta, "max_delta", "clip", allow_inf=True)
    return stateless(lambda u, p: tree.map(lambda x: fnp.clip(x, -max_delta, max_delta), u))


def global_norm(updates: Any) -> Any:
    """The L2 norm of all leaves together (an array: no host synchronization)."""
    return fnp.sqrt(sum(fnp.sum(fnp.square(x)) for x in tree.leaves(updates)))


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """Scale all updates by ``min(1, max_norm / norm)`` (the book's ClipGrad hook)."""
    _positive(max_norm, "max_norm", "clip_by_global_norm", allow_inf=True)

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
        refuse_none(updates)
        m = resolve(params if params is not None else updates)
        picked = select(updates, m)
        if picked is None:  # one leaf, masked out: nothing for the inner transformation
            return updates, state
        chosen, state = inner.update(picked, state, None if params is None else select(params, m))
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
