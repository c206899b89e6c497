"""Module: a layer or model as an immutable value, registered as a pytree.

Subclasses are attrs frozen classes: annotated fields holding arrays (or sub-modules) are
the pytree's children, fields made with ``static_field()`` (sizes, strides, rates,
activation functions) are part of its structure. A custom ``__init__`` may assign fields
(``self.W = ...``) while it runs; after that the module is frozen, and ``replace`` or
``tree_at`` make changed copies. ``grad(loss)(model, ...)`` returns a model-shaped gradient.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from fnzero import tree
from fnzero.tree import static_field

__all__ = ["Module", "static_field", "tree_at", "count_params"]

# Modules whose custom __init__ is running (by id, with a depth for super().__init__ chains).
_initializing: dict[int, int] = {}


def _wrap_init(init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        key = id(self)
        _initializing[key] = _initializing.get(key, 0) + 1
        try:
            init(self, *args, **kwargs)
        finally:
            _initializing[key] -= 1
            if not _initializing[key]:
                del _initializing[key]
        if key not in _initializing:
            missing = [f.name for f in attrs.fields(type(self)) if f.name not in self.__dict__]
            if missing:
                raise TypeError(f"{type(self).__name__}.__init__ did not set the field(s) {missing}")

    return __init__


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    if id(self) in _initializing:
        object.__setattr__(self, name, value)
        return
    raise AttributeError(
        f"{type(self).__name__} is immutable: use module.replace({name}=...) or "
        f"fnzero.nn.tree_at(lambda m: m.{name}, module, new_value) to get a changed copy"
    )


class Module:
    """Base class of layers and models: frozen, a pytree, called as a pure function."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        custom_init = cls.__dict__.get("__init__")
        attrs.define(
            cls,
            frozen=True,
            slots=False,
            eq=False,
            repr=False,
            init=custom_init is None,
            kw_only=custom_init is not None,
        )
        if custom_init is not None:
            cls.__init__ = _wrap_init(custom_init)
        cls.__setattr__ = _frozen_setattr
        tree.register_attrs(cls)

    def replace(self, **changes: Any) -> Module:
        """A copy with the named fields changed."""
        names = {f.name for f in attrs.fields(type(self))}
        unknown = set(changes) - names
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.replace: no field(s) {sorted(unknown)}; fields: {sorted(names)}"
            )
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def __repr__(self) -> str:
        return _show(self, "")


def _show(x: Any, indent: str) -> str:
    inner = indent + "  "
    if isinstance(x, Module):
        fields = [f"{inner}{f.name}={_show(getattr(x, f.name), inner)}," for f in attrs.fields(type(x))]
        return f"{type(x).__name__}(\n" + "\n".join(fields) + f"\n{indent})"
    if isinstance(x, (list, tuple)) and any(isinstance(v, Module) for v in x):
        open_, close = ("[", "]") if isinstance(x, list) else ("(", ")")
        return open_ + "\n" + "\n".join(f"{inner}{_show(v, inner)}," for v in x) + f"\n{indent}{close}"
    shape = getattr(x, "shape", None)
    if shape is not None and hasattr(x, "dtype"):
        return f"{x.dtype}{list(shape)}"
    if callable(x):
        return getattr(x, "__name__", repr(x))
    return repr(x)


def count_params(model: Any) -> int:
    """The number of array elements among the pytree's leaves."""
    return sum(int(getattr(leaf, "size", 0)) for leaf in tree.leaves(model))


class _Marker:
    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def tree_at(
    where: Callable[[Any], Any],
    pytree: Any,
    replace: Any | Sequence[Any] = None,
    replace_fn: Callable[[Any], Any] | None = None,
) -> Any:
    """A copy of ``pytree`` with the leaf (or leaves) chosen by ``where`` replaced.

    ``where(pytree)`` returns one leaf or a tuple/list of leaves; they are replaced by
    ``replace`` (one value, or one per leaf) or by ``replace_fn(old_leaf)``.
    """
    leaves, treedef = tree.flatten(pytree)
    marked = tree.unflatten(treedef, [_Marker(i) for i in range(len(leaves))])
    chosen = where(marked)
    many = isinstance(chosen, (tuple, list))
    chosen = list(chosen) if many else [chosen]
    if not all(isinstance(c, _Marker) for c in chosen):
        raise ValueError("tree_at: `where` must select leaves of the tree (arrays), not sub-trees or None")
    if replace_fn is None:
        values = list(replace) if many else [replace]
        if len(values) != len(chosen):
            raise ValueError(f"tree_at: {len(chosen)} leaves selected but {len(values)} replacements given")
    else:
        values = [replace_fn(leaves[c.index]) for c in chosen]
    new = list(leaves)
    for c, v in zip(chosen, values):
        new[c.index] = v
    return tree.unflatten(treedef, new)
