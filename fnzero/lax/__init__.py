"""fnzero.lax: JAX's control flow (scan, map, fori_loop, while_loop, cond, switch), and the
primitives under fnzero.nn (convolution, im2col, pooling windows, activations, fused layers, logsumexp).

The loops run step by step in Python on fnzero's primitives, so grad, jvp, vmap and jit go
through them; what JAX requires of them (a carry that keeps its structure, shapes and dtypes,
branches that agree) is checked with errors that name the leaf and both types.

The layer primitives take their arguments as fnzero.nn has checked them (geometry as pairs
of ints); each is declared once, its kernel and rules side by side, in its family's module:
lax/convolution.py, lax/windows.py, lax/activations.py and lax/fused_layers.py.
"""

from fnzero.lax._jit import unrolled_scans
from fnzero.lax.activations import logistic_p as logistic
from fnzero.lax.activations import relu_p as relu
from fnzero.lax.cond import cond, switch
from fnzero.lax.convolution import col2im_p as col2im
from fnzero.lax.convolution import conv2d
from fnzero.lax.convolution import conv_transpose2d_p as conv_transpose2d
from fnzero.lax.convolution import im2col_p as im2col
from fnzero.lax.fused_layers import lstm_step
from fnzero.lax.fused_layers import squared_error_p as squared_error
from fnzero.lax.loops import fori_loop, while_loop
from fnzero.lax.reductions import logsumexp
from fnzero.lax.scan import map, scan
from fnzero.lax.windows import max_pool2d_p as max_pool2d
from fnzero.lax.windows import window_sum_p as window_sum

__all__ = [
    "scan",
    "map",
    "fori_loop",
    "while_loop",
    "cond",
    "switch",
    "unrolled_scans",
    "col2im",
    "conv2d",
    "conv_transpose2d",
    "im2col",
    "logistic",
    "logsumexp",
    "lstm_step",
    "max_pool2d",
    "relu",
    "squared_error",
    "window_sum",
]
