"""Batching rules of fnzero.nn's primitives, for vmap.

Image primitives already take a batch of N images, so a vmap batch folds into N (one call on
B * N images). A batched convolution weight folds into the channels instead, as B groups of
the original convolution side by side: the batch is never a loop.
"""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero.nn import activations, convolution, losses, lstm, pooling
from fnzero.nn.im2col import col2im_p, im2col_p
from fnzero.numpy import moveaxis, reshape
from fnzero.numpy.batch_rules import batch_size, elementwise_rule, shape_of, to_front


def _fold(x: Any, d: int | None, size: int) -> Any:
    """``x`` with the batch folded into its first axis: (B, N, ...) -> (B * N, ...)."""
    x = to_front(x, d, size)
    s = shape_of(x)
    return reshape(x, (s[0] * s[1],) + s[2:])


def _unfold(x: Any, size: int) -> Any:
    s = shape_of(x)
    return reshape(x, (size, s[0] // size) + s[1:])


def _folding(prim: Any) -> Any:
    """Rule of a primitive over a batch of images (all array arguments share their first axis)."""

    def rule(args, dims, **params):
        size = batch_size(args, dims)
        return _unfold(prim(*(_fold(a, d, size) for a, d in zip(args, dims)), **params), size), 0

    return rule


for _prim in (
    im2col_p,
    col2im_p,
    pooling.max_pool_p,
    pooling.max_pool_scatter_p,
    pooling.max_pool_gather_p,
    pooling.window_sum_p,
    pooling.window_sum_transpose_p,
):
    _prim.defbatch(_folding(_prim))

activations._relu.defbatch(lambda args, dims: (activations._relu(*args), dims[0]))
activations._sigmoid.defbatch(lambda args, dims: (activations._sigmoid(*args), dims[0]))
# Matrix products and a bias add broadcast over leading axes: batch axes lined up in front.
lstm.lstm_gates_p.defbatch(elementwise_rule(lstm.lstm_gates_p))


def _both_to_front(prim: Any) -> Any:
    """Rule of a primitive acting on the last axis of two arrays that broadcast together."""

    def rule(args, dims, **params):
        size = batch_size(args, dims)
        return prim(*(to_front(a, d, size) for a, d in zip(args, dims)), **params), 0

    return rule


lstm.lstm_cell_state_p.defbatch(_both_to_front(lstm.lstm_cell_state_p))


def _squared_error_rule(args, dims, mean: bool):
    """Each example's loss: the difference with the batch in front, reduced over the rest."""
    d, bdim = elementwise_rule(fnp.subtract)(args, dims)
    d = to_front(d, bdim)
    axes = tuple(range(1, len(shape_of(d))))
    reduce = fnp.mean if mean else fnp.sum
    return reduce(fnp.square(d), axis=axes), 0


losses.squared_error_p.defbatch(_squared_error_rule)
lstm.lstm_hidden_p.defbatch(_both_to_front(lstm.lstm_hidden_p))


def _into_channels(x: Any, d: int | None, size: int, axis: int) -> Any:
    """``x`` with the batch folded into axis ``axis``: batch-major, so that example b's
    channels form the b-th block."""
    x = to_front(x, d, size)
    if axis:
        x = moveaxis(x, 0, axis)
    s = shape_of(x)
    return reshape(x, s[:axis] + (s[axis] * s[axis + 1],) + s[axis + 2 :])


def _out_of_channels(x: Any, size: int, axis: int) -> Any:
    s = shape_of(x)
    return reshape(x, s[:axis] + (size, s[axis] // size) + s[axis + 1 :])


def _conv_rule(prim: Any) -> Any:
    """Rule of conv2d / conv_transpose2d (image, weight): a batched weight becomes B groups."""

    def rule(args, dims, groups, **params):
        (x, w), (dx, dw) = args, dims
        size = batch_size(args, dims)
        if dw is None:
            return _unfold(prim(_fold(x, dx, size), w, groups=groups, **params), size), 0
        x = _into_channels(x, dx, size, 1)
        w = _into_channels(w, dw, size, 0)
        out = prim(x, w, groups=groups * size, **params)
        return _out_of_channels(out, size, 1), 1

    return rule


def _weight_grad_rule(args, dims, groups, **params):
    (x, gy), (dx, dgy) = args, dims
    size = batch_size(args, dims)
    x = _into_channels(x, dx, size, 1)
    gy = _into_channels(gy, dgy, size, 1)
    out = convolution.conv2d_weight_grad_p(x, gy, groups=groups * size, **params)
    return _out_of_channels(out, size, 0), 0


convolution.conv2d_p.defbatch(_conv_rule(convolution.conv2d_p))
convolution.conv_transpose2d_p.defbatch(_conv_rule(convolution.conv_transpose2d_p))
convolution.conv2d_weight_grad_p.defbatch(_weight_grad_rule)
