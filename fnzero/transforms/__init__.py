"""Transforms: functions that take a function and return its derivative (or more)."""

from fnzero.transforms.grad import grad, value_and_grad
from fnzero.transforms.make_graph import Graph, make_graph
from fnzero.transforms.vjp import vjp

__all__ = ["grad", "value_and_grad", "vjp", "make_graph", "Graph"]
