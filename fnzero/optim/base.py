"""GradientTransformation: an optimizer is a pair of pure functions over pytrees.

``state = opt.init(params)``; ``updates, state = opt.update(grads, state, params)``;
``params = apply_updates(params, updates)``. Nothing is mutated; optimizers are built by
chaining small transformations (optax's design), so weight decay, clipping and freezing
(the book's hooks) are just more links.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from fnzero import tree

PyTree = Any


def _shape(x: Any) -> tuple:
    shape = getattr(x, "shape", None)
    return tuple(np.shape(x) if shape is None else shape)


def matching_leaves(
    where: str,
    name: str,
    value: PyTree,
    ref_name: str,
    ref: PyTree,
    is_leaf: Any = None,
    flat: tuple[list, tree.PyTreeDef] | None = None,
) -> tuple[list, list, tree.PyTreeDef]:
    """The leaves of ``value`` and of ``ref`` and their structure, after checking that the two
    trees have one structure and each pair of leaves one shape: an optimizer pairs leaves by
    position, so gradients of other parameters (or state of another model) must not be
    silently matched up or broadcast. ``None`` in ``value`` is refused where ``ref`` has
    leaves: an optimizer needs every gradient. ``flat``: ``value`` already flattened."""
    if value is None and ref is not None and is_leaf is None:
        raise TypeError(
            f"{where}: {name} is None; pass the gradients, a pytree like the parameters "
            f"(e.g. fnzero.grad(loss)(params, ...)), as in opt.update(grads, state, params)"
        )
    flat, treedef = tree.flatten(value, is_leaf) if flat is None else flat
    ref_flat, ref_def = tree.flatten(ref, is_leaf)
    if treedef != ref_def:
        raise ValueError(
            f"{where}: {name} and {ref_name} have different structures, and leaves are paired by "
            f"position:\n  {name}: {treedef}\n  {ref_name}: {ref_def}"
        )
    for i, (a, b) in enumerate(zip(flat, ref_flat)):
        if a is not None and b is not None and _shape(a) != _shape(b):
            path = tree.flatten_with_path(value, is_leaf)[i][0] or "(the root)"
            raise ValueError(
                f"{where}: leaf {path} of {name} has shape {_shape(a)} but that of {ref_name} has "
                f"shape {_shape(b)}; each leaf must have its parameter's shape (no broadcasting)"
            )
        if a is not None and b is None:
            path = tree.flatten_with_path(value, is_leaf)[i][0] or "(the root)"
            raise ValueError(f"{where}: leaf {path} of {name} has a value where {ref_name} has None")
    return flat, ref_flat, treedef


class GradientTransformation(NamedTuple):
    """``init(params) -> state`` and ``update(updates, state, params=None) -> (updates, state)``."""

    init: Callable[[PyTree], PyTree]
    update: Callable[..., tuple[PyTree, PyTree]]


def refuse_none(updates: PyTree) -> None:
    """A TypeError for ``opt.update(None, state)``: None is an empty tree, and an optimizer
    given it would return empty state (Adam's moments lost) instead of failing."""
    if updates is None:
        raise TypeError(
            "fnzero.optim: update(updates, state, params) got updates=None; pass the gradients, "
            "a pytree like the parameters (e.g. fnzero.grad(loss)(params, ...))"
        )


def apply_updates(params: PyTree, updates: PyTree) -> PyTree:
    """``params + updates`` leaf by leaf, keeping each parameter's dtype. The two trees must
    have one structure and each update its parameter's shape (None: that parameter stays)."""
    if updates is None and params is not None:
        raise TypeError("fnzero.optim.apply_updates: updates is None; pass the updates opt.update returned")
    u_flat, p_flat, treedef = matching_leaves(
        "fnzero.optim.apply_updates", "updates", updates, "params", params, is_leaf=lambda x: x is None
    )

    def add(p, u):
        if u is None:
            return p
        out = p + u
        return out.astype(p.dtype) if hasattr(p, "dtype") and out.dtype != p.dtype else out

    return tree.unflatten(treedef, [add(p, u) for p, u in zip(p_flat, u_flat)])


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply ``transforms`` one after another; the state is the tuple of their states."""
    for i, t in enumerate(transforms):
        if not (callable(getattr(t, "init", None)) and callable(getattr(t, "update", None))):
            raise TypeError(
                f"fnzero.optim.chain: transforms[{i}] must be a GradientTransformation (init and update), "
                f"got {t!r:.60} ({type(t).__name__})"
            )

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        refuse_none(updates)
        if not isinstance(state, tuple) or len(state) != len(transforms):
            got = f"a tuple of {len(state)}" if isinstance(state, tuple) else type(state).__name__
            raise ValueError(
                f"fnzero.optim: the state must be what this optimizer's init returned, a tuple of "
                f"{len(transforms)} (one per link of the chain), got {got}; was it made by another optimizer?"
            )
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    return GradientTransformation(init, update)


def stateless(fn: Callable[[PyTree, PyTree], PyTree]) -> GradientTransformation:
    """A transformation with no state: ``fn(updates, params) -> updates``."""

    def update(updates, state, params=None):
        refuse_none(updates)
        return fn(updates, params), state

    return GradientTransformation(lambda params: (), update)
