"""Transforms: functions that take a function and return its derivative (or more)."""

from fnzero.transforms.checkpoint import checkpoint
from fnzero.transforms.custom_jvp import custom_jvp
from fnzero.transforms.custom_vjp import custom_vjp
from fnzero.transforms.grad import grad, value_and_grad
from fnzero.transforms.jacobians import hessian, jacfwd, jacrev
from fnzero.transforms.jit import jit
from fnzero.transforms.jvp import jvp
from fnzero.transforms.linearize import linearize
from fnzero.transforms.make_graph import Graph, make_graph
from fnzero.transforms.vjp import vjp
from fnzero.transforms.vmap import vmap

remat = checkpoint

__all__ = [
    "checkpoint",
    "custom_jvp",
    "custom_vjp",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "jit",
    "jvp",
    "linearize",
    "make_graph",
    "Graph",
    "remat",
    "value_and_grad",
    "vjp",
    "vmap",
]
