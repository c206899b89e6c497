"""Pytrees: nested containers whose leaves are arrays.

Built-in nodes are dict (children in sorted-key order), list, tuple, namedtuple and None
(a node with no children). Other classes join with :func:`register`, attrs classes with
:func:`register_attrs` (fields made with :func:`static_field` are structure, not leaves).
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import attrs

__all__ = [
    "PyTreeDef",
    "flatten",
    "unflatten",
    "leaves",
    "structure",
    "map",
    "flatten_with_path",
    "register",
    "register_attrs",
    "static_field",
    "all_equal_structure",
    "node_children",
    "reduce",
    "all",
    "register_pytree_node",
    "tree_map",
    "tree_leaves",
    "tree_structure",
    "tree_flatten",
    "tree_unflatten",
    "tree_reduce",
    "tree_all",
    "treedef_children",
]


class _NodeType(NamedTuple):
    to_children: Callable[[Any], tuple[Iterable[Any], Any]]
    from_children: Callable[[Any, list[Any]], Any]
    keys: Callable[[Any], list[str]]


_registry: dict[type, _NodeType] = {}


def register(
    cls: type,
    flatten_fn: Callable[[Any], tuple[Iterable[Any], Any]],
    unflatten_fn: Callable[[Any, list[Any]], Any],
    keys_fn: Callable[[Any], list[str]] | None = None,
) -> None:
    """Make ``cls`` a pytree node.

    ``flatten_fn(x) -> (children, aux)``, ``unflatten_fn(aux, children) -> x``; ``aux`` is
    hashable static data that is part of the structure. ``keys_fn(aux)`` names the children
    for :func:`flatten_with_path` (their positions when omitted).
    """
    if not isinstance(cls, type):
        raise TypeError(f"fnzero.tree.register: cls must be a class, got {cls!r:.60} ({type(cls).__name__})")
    if keys_fn is None:
        _registry[cls] = _NodeType(flatten_fn, unflatten_fn, lambda aux: None)
    else:
        _registry[cls] = _NodeType(flatten_fn, unflatten_fn, keys_fn)


def static_field(**kwargs: Any) -> Any:
    """An attrs field that is configuration (part of the structure), never a leaf."""
    metadata = dict(kwargs.pop("metadata", {}))
    metadata["static"] = True
    return attrs.field(metadata=metadata, **kwargs)


def register_attrs(cls: type) -> type:
    """Register an attrs class: fields are children, static fields are structure."""
    fields = attrs.fields(cls)
    dynamic = tuple(f.name for f in fields if not f.metadata.get("static", False))
    static = tuple(f.name for f in fields if f.metadata.get("static", False))

    def flatten_fn(x):
        return [getattr(x, n) for n in dynamic], tuple(getattr(x, n) for n in static)

    def unflatten_fn(aux, children):
        obj = object.__new__(cls)
        for name, value in zip(dynamic, children):
            object.__setattr__(obj, name, value)
        for name, value in zip(static, aux):
            object.__setattr__(obj, name, value)
        return obj

    register(cls, flatten_fn, unflatten_fn, lambda aux: list(dynamic))
    return cls


def _dict_flatten(d):
    try:
        keys = sorted(d)
    except TypeError:
        raise TypeError(
            f"fnzero.tree: a dict's keys must be sortable against each other (a dict's children are in "
            f"sorted-key order), got keys {list(d)!r} of types {sorted({type(k).__name__ for k in d})}; "
            f"use keys of one type (e.g. all str)"
        ) from None
    return [d[k] for k in keys], tuple(keys)


register(dict, _dict_flatten, lambda keys, ch: dict(zip(keys, ch)), lambda keys: [str(k) for k in keys])
register(list, lambda x: (x, None), lambda _, ch: list(ch))
register(tuple, lambda x: (x, None), lambda _, ch: tuple(ch))
register(type(None), lambda x: ((), None), lambda _, ch: None)


def _node_type(cls: type) -> _NodeType | None:
    node = _registry.get(cls)
    if node is None and issubclass(cls, tuple) and hasattr(cls, "_fields"):
        node = _NodeType(
            lambda x: (x, None),
            lambda _, ch, cls=cls: cls(*ch),
            lambda _, cls=cls: list(cls._fields),
        )
        _registry[cls] = node
    return node


class PyTreeDef:
    """The structure of a pytree: node types, static data and where the leaves go."""

    __slots__ = ("node_class", "aux", "children", "num_leaves")

    def __init__(self, node_class: type | None, aux: Any, children: tuple[PyTreeDef, ...]):
        self.node_class = node_class
        self.aux = aux
        self.children = children
        self.num_leaves = 1 if node_class is None else sum(c.num_leaves for c in children)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PyTreeDef)
            and self.node_class is other.node_class
            and self.aux == other.aux
            and self.children == other.children
        )

    def __hash__(self) -> int:
        return hash((self.node_class, self.aux, self.children))

    def __repr__(self) -> str:
        return f"PyTreeDef({self._show()})"

    def _show(self) -> str:
        if self.node_class is None:
            return "*"
        inner = [c._show() for c in self.children]
        if self.node_class is dict:
            return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(self.aux, inner)) + "}"
        if self.node_class is list:
            return "[" + ", ".join(inner) + "]"
        if self.node_class is tuple:
            return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"
        if self.node_class is type(None):
            return "None"
        keys = _registry[self.node_class].keys(self.aux)
        if keys is not None:
            inner = [f"{k}={v}" for k, v in zip(keys, inner)]
        static = (
            "" if self.aux is None or (isinstance(self.aux, tuple) and not self.aux) else f"[{self.aux!r}]"
        )
        return f"{self.node_class.__name__}{static}({', '.join(inner)})"


LEAF = PyTreeDef(None, None, ())


def node_children(x: Any) -> tuple[Iterable[Any], Any] | None:
    """``(children, aux)`` of ``x`` when it is a pytree node (None is one, with no children);
    None when it is a leaf. For code walking trees without building a structure."""
    node = _node_type(type(x))
    return None if node is None else node.to_children(x)


def _flatten_into(tree: Any, out: list, is_leaf) -> PyTreeDef:
    if is_leaf is not None and is_leaf(tree):
        out.append(tree)
        return LEAF
    node = _node_type(type(tree))
    if node is None:
        out.append(tree)
        return LEAF
    children, aux = node.to_children(tree)
    return PyTreeDef(type(tree), aux, tuple(_flatten_into(c, out, is_leaf) for c in children))


def flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list, PyTreeDef]:
    """The leaves of ``tree`` in order, and its structure."""
    out: list = []
    treedef = _flatten_into(tree, out, is_leaf)
    return out, treedef


def _build(treedef: PyTreeDef, it) -> Any:
    if treedef.node_class is None:
        return next(it)
    children = [_build(c, it) for c in treedef.children]
    return _registry[treedef.node_class].from_children(treedef.aux, children)


def unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild a tree of structure ``treedef`` from ``leaves``."""
    if not isinstance(treedef, PyTreeDef):
        raise TypeError(
            f"fnzero.tree.unflatten: treedef must be a PyTreeDef (from flatten or structure), got "
            f"{treedef!r:.60} ({type(treedef).__name__})"
        )
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"unflatten: structure {treedef} has {treedef.num_leaves} leaves, got {len(leaves)}")
    return _build(treedef, iter(leaves))


def leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """The leaves of ``tree`` in order (dict children by sorted key)."""
    return flatten(tree, is_leaf)[0]


def structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """The structure of ``tree``: what :func:`unflatten` needs besides the leaves."""
    return flatten(tree, is_leaf)[1]


def map(f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None) -> Any:  # noqa: A001
    """Apply ``f`` leaf by leaf to ``tree`` and trees of the same structure."""
    flat, treedef = flatten(tree, is_leaf)
    others = []
    for i, other in enumerate(rest, start=1):
        other_flat, other_def = flatten(other, is_leaf)
        if other_def != treedef:
            raise ValueError(
                f"tree.map: tree {i} has a different structure from tree 0:\n"
                f"  tree 0: {treedef}\n  tree {i}: {other_def}"
            )
        others.append(other_flat)
    return unflatten(treedef, [f(*xs) for xs in zip(flat, *others)])


def all_equal_structure(*trees: Any) -> bool:
    """Whether every tree has the same structure (the same containers, keys and number of leaves)."""
    first = structure(trees[0])
    return builtins.all(structure(t) == first for t in trees[1:])


def _paths_into(tree: Any, prefix: str, out: list, is_leaf) -> None:
    node = None if (is_leaf is not None and is_leaf(tree)) else _node_type(type(tree))
    if node is None:
        out.append((prefix, tree))
        return
    children, aux = node.to_children(tree)
    children = list(children)
    keys = node.keys(aux) or [str(i) for i in range(len(children))]
    for key, child in zip(keys, children):
        _paths_into(child, f"{prefix}/{key}" if prefix else str(key), out, is_leaf)


def flatten_with_path(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[tuple[str, Any]]:
    """``[(path, leaf), ...]`` with paths such as ``"layers/0/W"``, in leaf order."""
    out: list = []
    _paths_into(tree, "", out, is_leaf)
    return out


_NO_INITIALIZER = object()


def reduce(  # noqa: A001
    function: Callable[[Any, Any], Any],
    tree: Any,
    initializer: Any = _NO_INITIALIZER,
    is_leaf: Callable[[Any], bool] | None = None,
) -> Any:
    """Fold ``function`` over the leaves of ``tree`` from the left (``functools.reduce``),
    starting from ``initializer`` when given."""
    flat = leaves(tree, is_leaf)
    if initializer is _NO_INITIALIZER:
        if not flat:
            raise TypeError("tree.reduce: the tree has no leaves and no initializer was given")
        return functools.reduce(function, flat)
    return functools.reduce(function, flat, initializer)


def all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:  # noqa: A001
    """Whether every leaf of ``tree`` is truthy (True for a tree without leaves)."""
    return builtins.all(leaves(tree, is_leaf))


def register_pytree_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Iterable[Any], Any]],
    unflatten_func: Callable[[Any, Any], Any],
    flatten_with_keys_func: None = None,
) -> None:
    """JAX's spelling of :func:`register`: ``flatten_func(x) -> (children, aux)``,
    ``unflatten_func(aux, children) -> x``. Keyed flattening is not supported (paths are
    positions)."""
    if flatten_with_keys_func is not None:
        raise NotImplementedError(
            "tree.register_pytree_node: flatten_with_keys_func is not supported; "
            "use tree.register(cls, flatten_fn, unflatten_fn, keys_fn) to name the children"
        )
    register(nodetype, flatten_func, unflatten_func)


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The structures of the children of the root node of ``treedef`` (none for a leaf)."""
    return list(treedef.children)


# JAX's jax.tree_util spellings.
tree_map = map
tree_leaves = leaves
tree_structure = structure
tree_flatten = flatten
tree_unflatten = unflatten
tree_reduce = reduce
tree_all = all
