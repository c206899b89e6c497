"""fnzero.nn: modules (immutable pytrees) and the functional neural-network operations."""

from fnzero.nn.module import Module, count_params, static_field, tree_at

__all__ = ["Module", "count_params", "static_field", "tree_at"]
