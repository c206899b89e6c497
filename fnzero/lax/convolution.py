"""2-d convolution and its transpose (NCHW images, OIHW weights) and im2col / col2im.

Three convolution primitives, each one's vjp rules written with the others (the book's Conv2d,
Deconv2d and Conv2DGradW), so derivatives of any order come from the same three kernels:

- ``conv2d_p(x, W)``: correlate x with W;
- ``conv_transpose2d_p(y, W)``: the adjoint of ``x -> conv2d(x, W)``;
- ``conv2d_weight_grad_p(x, gy)``: the adjoint of ``W -> conv2d(x, W)``, the weight gradient.

Kernels: the backend's own where it has one (cuDNN on CuPy, see fnzero.backends.cupy_kernels),
else im2col, then one batched matrix product per group. A reverse-mode tape records
``conv2d`` and its bias as one node (``core.reverse.one_node``) that keeps the forward's im2col
columns; its rule hands them to ``conv2d_weight_grad_from_columns_p``, the weight gradient
whose kernel reads the columns instead of building them again from x (the book's Conv2d keeps
them too). ``im2col_p`` and ``col2im_p`` are each the other's vjp.

The entry points take their geometry checked (pairs of ints, shapes that fit): fnzero.nn's
conv2d, conv_transpose2d, im2col and col2im parse and check the user's arguments.
"""

from __future__ import annotations

from typing import Any

import fnzero.numpy as fnp
from fnzero.backends import array_module, own_kernel
from fnzero.core.primitive import Primitive, SharedVJP
from fnzero.core.reverse import one_node
from fnzero.core.tracer import TRACER_TYPES
from fnzero.lax.windows import Pair, col2im_kernel, fold, folding_rule, im2col_kernel, out_hw, unfold
from fnzero.numpy import reshape
from fnzero.numpy.batching import batch_size, shape_of, to_front


def _grouped_cols(x, kernel, stride, padding, dilation, groups):
    """im2col of ``x`` as (N, G, C/G * KH * KW, OH * OW)."""
    cols = im2col_kernel(x, kernel, stride, padding, dilation)
    n, c, kh, kw, oh, ow = cols.shape
    return cols.reshape(n, groups, (c // groups) * kh * kw, oh * ow), (oh, ow)


def _conv2d_impl(x, w, stride, padding, dilation, groups):
    """The correlation of ``x`` (N, C, H, W) with ``w`` (O, C / groups, KH, KW)."""
    own = own_kernel("conv2d", x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if own is not None:
        return own
    cols, (oh, ow) = _grouped_cols(x, tuple(w.shape[2:]), stride, padding, dilation, groups)
    o = w.shape[0]
    out = w.reshape(groups, o // groups, -1) @ cols  # (N, G, O/G, OH*OW)
    return out.reshape(x.shape[0], o, oh, ow)


def _flipped_transpose(w, groups):
    """The weight of the convolution that is the transpose of correlating with ``w`` at stride 1:
    in and out channels swapped within each group, taps reversed."""
    o, cg, kh, kw = w.shape
    wt = w.reshape(groups, o // groups, cg, kh, kw).swapaxes(1, 2).reshape(groups * cg, o // groups, kh, kw)
    return wt[:, :, ::-1, ::-1]


def _conv_transpose2d_impl(y, w, hw, stride, padding, dilation, groups):
    """``conv_transpose2d(y, w, hw=, stride=, padding=, dilation=, groups=)`` (pairs of ints): the
    adjoint of correlating an image of height and width ``hw`` with ``w``, applied to ``y``."""
    geo = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    own = own_kernel("conv_transpose2d", y, w, hw=hw, **geo)
    if own is not None:
        return own
    full = tuple(d * (k - 1) - p for d, k, p in zip(dilation, w.shape[2:], padding))
    if (
        stride == (1, 1)
        and w.shape[0] <= w.shape[1] * groups
        and min(full) >= 0
        and out_hw(y.shape[2:], w.shape[2:], stride, full, dilation) == tuple(hw)
    ):
        # At stride 1 the transpose is a correlation of y with the flipped kernel: im2col of y and
        # one matmul, instead of a matmul to every window's columns and nine strided adds back.
        # It copies y's channels (not x's) out per tap, so it pays when y has no more channels.
        return _conv2d_impl(y, _flipped_transpose(w, groups), (1, 1), full, dilation, groups)
    xp = array_module(y)
    n, o, oh, ow = y.shape
    kh, kw = w.shape[2:]
    wg = w.reshape(groups, o // groups, -1)
    cols = xp.swapaxes(wg, 1, 2) @ y.reshape(n, groups, o // groups, oh * ow)  # (N, G, K, OH*OW)
    c = w.shape[1] * groups
    return col2im_kernel(cols.reshape(n, c, kh, kw, oh, ow), hw, (kh, kw), stride, padding, dilation)


def _weight_grad_of_columns(cols, gy, kernel, groups):
    """The weight gradient from ``x``'s grouped im2col columns and the output's cotangent."""
    xp = array_module(cols)
    n, o, oh, ow = gy.shape
    gyg = gy.reshape(n, groups, o // groups, oh * ow)
    gw = (gyg @ xp.swapaxes(cols, 2, 3)).sum(axis=0)  # (G, O/G, C/G * KH * KW)
    return gw.reshape(o, -1, kernel[0], kernel[1])


def _conv2d_weight_grad_impl(x, gy, kernel, stride, padding, dilation, groups):
    """The gradient of ``sum(gy * conv2d(x, W))`` with respect to a ``kernel``-sized weight W."""
    geo = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    own = own_kernel("conv2d_weight_grad", x, gy, kernel=kernel, **geo)
    if own is not None:
        return own
    cols, _ = _grouped_cols(x, kernel, stride, padding, dilation, groups)
    return _weight_grad_of_columns(cols, gy, kernel, groups)


def _conv2d_weight_grad_from_columns_impl(x, gy, cols, kernel, stride, padding, dilation, groups):
    """conv2d_weight_grad(x, gy) with ``cols``, x's grouped im2col columns that the forward kept,
    in place of building them again (the backend's own kernel, where it has one, reads x)."""
    geo = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    own = own_kernel("conv2d_weight_grad", x, gy, kernel=kernel, **geo)
    if own is not None:
        return own
    return _weight_grad_of_columns(cols, gy, kernel, groups)


def _onnx_conv(b, eq, ops, out):
    (ph, pw), p = eq.params["padding"], eq.params
    attributes = {"strides": list(p["stride"]), "dilations": list(p["dilation"]), "group": p["groups"]}
    x, w = (b.tensor(o, eq.output) for o in ops)
    return b.node("Conv", [x, w], out, pads=[ph, pw, ph, pw], **attributes)


conv2d_p = Primitive("conv2d", _conv2d_impl, onnx=_onnx_conv)
conv_transpose2d_p = Primitive("conv_transpose2d", _conv_transpose2d_impl)
conv2d_weight_grad_p = Primitive("conv2d_weight_grad", _conv2d_weight_grad_impl)
# The columns are x's, read only to save work: no derivative flows into them (x's rule covers it).
conv2d_weight_grad_from_columns_p = Primitive(
    "conv2d_weight_grad_from_columns", _conv2d_weight_grad_from_columns_impl
)


# Batching: a batched image folds into N; a batched weight folds into the channels instead,
# as B groups of the original convolution side by side.


def _into_channels(x: Any, d: int | None, size: int, axis: int) -> Any:
    """``x`` with the batch folded into axis ``axis``: batch-major, so that example b's
    channels form the b-th block."""
    x = to_front(x, d, size)
    if axis:
        x = fnp.moveaxis(x, 0, axis)
    s = shape_of(x)
    return reshape(x, s[:axis] + (s[axis] * s[axis + 1],) + s[axis + 2 :])


def _out_of_channels(x: Any, size: int, axis: int) -> Any:
    s = shape_of(x)
    return reshape(x, s[:axis] + (size, s[axis] // size) + s[axis + 1 :])


def _conv_batched(prim: Any) -> Any:
    """Rule of conv2d / conv_transpose2d (image, weight): a batched weight becomes B groups."""

    def rule(args, dims, groups, **params):
        (x, w), (dx, dw) = args, dims
        size = batch_size(args, dims)
        if dw is None:
            return unfold(prim(fold(x, dx, size), w, groups=groups, **params), size), 0
        x = _into_channels(x, dx, size, 1)
        w = _into_channels(w, dw, size, 0)
        out = prim(x, w, groups=groups * size, **params)
        return _out_of_channels(out, size, 1), 1

    return rule


def _weight_grad_batched(args, dims, groups, **params):
    """Each example's weight gradient: the batch folded into the channels, as B groups. The
    columns a from_columns call carries are x's, so the rule reads x and leaves them."""
    (x, gy), (dx, dgy) = args[:2], dims[:2]
    size = batch_size(args, dims)
    x = _into_channels(x, dx, size, 1)
    gy = _into_channels(gy, dgy, size, 1)
    out = conv2d_weight_grad_p(x, gy, groups=groups * size, **params)
    return _out_of_channels(out, size, 0), 0


conv2d_p.defbatch(_conv_batched(conv2d_p))
conv_transpose2d_p.defbatch(_conv_batched(conv_transpose2d_p))
conv2d_weight_grad_p.defbatch(_weight_grad_batched)
conv2d_weight_grad_from_columns_p.defbatch(_weight_grad_batched)


def _hw(x) -> Pair:
    return (int(x.shape[2]), int(x.shape[3]))


conv2d_p.defvjp(
    lambda g, ans, x, w, **geo: conv_transpose2d_p(g, w, hw=_hw(x), **geo),
    lambda g, ans, x, w, **geo: conv2d_weight_grad_p(x, g, kernel=_hw(w), **geo),
)
conv_transpose2d_p.defvjp(
    lambda g, ans, y, w, hw, **geo: conv2d_p(g, w, **geo),
    lambda g, ans, y, w, hw, **geo: conv2d_weight_grad_p(g, y, kernel=_hw(w), **geo),
)
conv2d_weight_grad_p.defvjp(
    lambda g, ans, x, gy, kernel, **geo: conv_transpose2d_p(gy, g, hw=_hw(x), **geo),
    lambda g, ans, x, gy, kernel, **geo: conv2d_p(x, g, **geo),
)
conv2d_weight_grad_from_columns_p.defvjp(
    lambda g, ans, x, gy, cols, kernel, **geo: conv_transpose2d_p(gy, g, hw=_hw(x), **geo),
    lambda g, ans, x, gy, cols, kernel, **geo: conv2d_p(x, g, **geo),
    None,
)
# All four are bilinear: the tangent is the same operation with one argument moved.
conv2d_p.defjvp(
    lambda t, ans, x, w, **geo: conv2d_p(t, w, **geo),
    lambda t, ans, x, w, **geo: conv2d_p(x, t, **geo),
)
conv_transpose2d_p.defjvp(
    lambda t, ans, y, w, hw, **geo: conv_transpose2d_p(t, w, hw=hw, **geo),
    lambda t, ans, y, w, hw, **geo: conv_transpose2d_p(y, t, hw=hw, **geo),
)
conv2d_weight_grad_p.defjvp(
    lambda t, ans, x, gy, kernel, **geo: conv2d_weight_grad_p(t, gy, kernel=kernel, **geo),
    lambda t, ans, x, gy, kernel, **geo: conv2d_weight_grad_p(x, t, kernel=kernel, **geo),
)
conv2d_weight_grad_from_columns_p.defjvp(
    lambda t, ans, x, gy, cols, kernel, **geo: conv2d_weight_grad_p(t, gy, kernel=kernel, **geo),
    lambda t, ans, x, gy, cols, kernel, **geo: conv2d_weight_grad_from_columns_p(
        x, t, cols, kernel=kernel, **geo
    ),
    None,
)


def _conv_forward(x, w, *bias, stride, padding, dilation, groups):
    """conv2d plus the bias, and the im2col columns the weight gradient can reuse (None when
    a value is traced, so the primitives run, or when the backend's own kernel ran)."""
    geo = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    b = bias[0] if bias else None
    if any(type(v) in TRACER_TYPES for v in (x, w, b)):
        out = conv2d_p(x, w, **geo)
        return (out if b is None else out + reshape(b, (1, -1, 1, 1))), None
    out, cols = own_kernel("conv2d", x, w, **geo), None
    if out is None:
        cols, (oh, ow) = _grouped_cols(x, tuple(w.shape[2:]), stride, padding, dilation, groups)
        o = w.shape[0]
        out = (w.reshape(groups, o // groups, -1) @ cols).reshape(x.shape[0], o, oh, ow)
    if b is None:
        return out, cols
    b = b.reshape(1, -1, 1, 1)
    if cols is not None and b.dtype == out.dtype:
        out += b  # a fresh array of the matmul's
        return out, cols
    return out + b, cols


def _conv_vjp(gs, ans, x, w, *bias, needed, **geo):
    g, cols = gs[0], ans[1]  # nothing reads the columns, so only the output's cotangent arrives
    dx = conv_transpose2d_p(g, w, hw=_hw(x), **geo) if needed[0] else None
    dw = None
    if needed[1] and cols is None:
        dw = conv2d_weight_grad_p(x, g, kernel=_hw(w), **geo)
    elif needed[1]:  # the forward's columns, as the book's Conv2d keeps them
        dw = conv2d_weight_grad_from_columns_p(x, g, cols, kernel=_hw(w), **geo)
    db = fnp.sum(g, axis=(0, 2, 3)) if bias and needed[2] else None
    return (dx, dw, db)[: len(needed)]


def _conv_jvp(tangents, ans, x, w, *bias, **geo):
    tx, tw, *tb = tangents
    out = None
    for t in (
        conv2d_p(tx, w, **geo) if tx is not None else None,
        conv2d_p(x, tw, **geo) if tw is not None else None,
        reshape(tb[0], (1, -1, 1, 1)) if tb and tb[0] is not None else None,
    ):
        if t is not None:
            out = t if out is None else out + t
    return out, None


# conv2d (and its bias) as a reverse-mode tape records it: one node that keeps the im2col
# columns for the weight gradient instead of building them again from x.
_conv_node = Primitive("conv2d_with_columns", None)
_conv_node.defvjp(SharedVJP(_conv_vjp))
_conv_node.jvp = _conv_jvp


def conv2d(x: Any, w: Any, b: Any = None, *, stride: Pair, padding: Pair, dilation: Pair, groups: int) -> Any:
    """The correlation of ``x`` (N, C, H, W) with ``w`` (O, C / groups, KH, KW), plus the bias
    ``b`` (O,) when given; ``stride``, ``padding`` and ``dilation`` are (height, width) pairs.

    Under a reverse-mode tape one node records it, keeping the forward's im2col columns for the
    weight gradient. The arguments are taken as checked (fnzero.nn.conv2d checks them).
    """
    geo = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    args = (x, w) if b is None else (x, w, b)
    return one_node(_conv_node, _conv_forward, *args, **geo)[0]


def _im2col_impl(x, kernel, stride, padding, dilation):
    """``im2col(x, kernel=, stride=, padding=, dilation=)`` (pairs of ints): every window of ``x``
    (N, C, H, W) as a (N, C, KH, KW, OH, OW) array."""
    return im2col_kernel(x, kernel, stride, padding, dilation)


def _col2im_impl(cols, hw, kernel, stride, padding, dilation):
    """``col2im(cols, hw=, kernel=, stride=, padding=, dilation=)`` (pairs of ints): the adjoint of
    im2col, (N, C, KH, KW, OH, OW) columns summed back into an image of height and width ``hw``."""
    return col2im_kernel(cols, hw, kernel, stride, padding, dilation)


im2col_p = Primitive("im2col", _im2col_impl)
col2im_p = Primitive("col2im", _col2im_impl)
im2col_p.defbatch(folding_rule(im2col_p))
col2im_p.defbatch(folding_rule(col2im_p))
im2col_p.defvjp(lambda g, ans, x, **geometry: col2im_p(g, hw=tuple(x.shape[2:]), **geometry))
col2im_p.defvjp(lambda g, ans, cols, hw, **geometry: im2col_p(g, **geometry))
im2col_p.defjvp(lambda t, ans, x, **geometry: im2col_p(t, **geometry))  # linear
col2im_p.defjvp(lambda t, ans, cols, hw, **geometry: col2im_p(t, hw=hw, **geometry))
