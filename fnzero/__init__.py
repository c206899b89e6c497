"""fnzero: JAX's way of differentiating, on plain NumPy and CuPy.

import fnzero as fz
import fnzero.numpy as fnp

fz.grad(lambda x: fnp.sum(fnp.tanh(x) ** 2))(x)
"""

from fnzero import backends, data, nn, optim, random, tree
from fnzero import lax as lax
from fnzero import numpy as numpy
from fnzero import onnx as onnx
from fnzero import scipy as scipy
from fnzero import tree_util as tree_util
from fnzero.core.tracer import ConcretizationTypeError, UnexpectedTracerError
from fnzero.device import device_put
from fnzero.io import load, save
from fnzero.numpy import stop_gradient
from fnzero.transforms import (
    checkpoint,
    custom_jvp,
    custom_vjp,
    grad,
    hessian,
    jacfwd,
    jacrev,
    jit,
    jvp,
    linearize,
    make_graph,
    remat,
    value_and_grad,
    vjp,
    vmap,
)

__version__ = "0.1.0"

__all__ = [
    "backends",
    "tree",
    "tree_util",
    "random",
    "nn",
    "numpy",
    "lax",
    "scipy",
    "grad",
    "value_and_grad",
    "vjp",
    "vmap",
    "make_graph",
    "jit",
    "jvp",
    "linearize",
    "jacfwd",
    "jacrev",
    "hessian",
    "custom_vjp",
    "custom_jvp",
    "checkpoint",
    "remat",
    "stop_gradient",
    "device_put",
    "save",
    "load",
    "optim",
    "data",
    "UnexpectedTracerError",
    "ConcretizationTypeError",
]
