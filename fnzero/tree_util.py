"""fnzero.tree_util: JAX's ``jax.tree_util`` names for fnzero's pytrees (:mod:`fnzero.tree`).

import fnzero.tree_util as tu
leaves, treedef = tu.tree_flatten({"W": W, "b": b})
"""

from fnzero.tree import (
    PyTreeDef,
    register_pytree_node,
    tree_all,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_reduce,
    tree_structure,
    tree_unflatten,
    treedef_children,
)

__all__ = [
    "PyTreeDef",
    "register_pytree_node",
    "tree_all",
    "tree_flatten",
    "tree_leaves",
    "tree_map",
    "tree_reduce",
    "tree_structure",
    "tree_unflatten",
    "treedef_children",
]
