"""GradientTransformation: an optimizer is a pair of pure functions over pytrees.

``state = opt.init(params)``; ``updates, state = opt.update(grads, state, params)``;
``params = apply_updates(params, updates)``. Nothing is mutated; optimizers are built by
chaining small transformations (optax's design), so weight decay, clipping and freezing
(the book's hooks) are just more links.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from fnzero import tree

PyTree = Any


class GradientTransformation(NamedTuple):
    """``init(params) -> state`` and ``update(updates, state, params=None) -> (updates, state)``."""

    init: Callable[[PyTree], PyTree]
    update: Callable[..., tuple[PyTree, PyTree]]


def apply_updates(params: PyTree, updates: PyTree) -> PyTree:
    """``params + updates`` leaf by leaf, keeping each parameter's dtype."""

    def add(p, u):
        if u is None:
            return p
        out = p + u
        return out.astype(p.dtype) if hasattr(p, "dtype") and out.dtype != p.dtype else out

    return tree.map(add, params, updates, is_leaf=lambda x: x is None)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply ``transforms`` one after another; the state is the tuple of their states."""

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    return GradientTransformation(init, update)


def stateless(fn: Callable[[PyTree, PyTree], PyTree]) -> GradientTransformation:
    """A transformation with no state: ``fn(updates, params) -> updates``."""
    return GradientTransformation(lambda params: (), lambda u, s, p=None: (fn(u, p), s))
