"""Sliding windows over NCHW images: the raw kernels under im2col, conv and pooling, the
batching rules the image primitives share, and the pooling primitives.

A window geometry is pairs of ints: the kernel size, the stride, the zero padding added on each
side, and the dilation (gap between taps). The entry points (``max_pool2d``, ``window_sum``)
take it checked: fnzero.nn's pooling functions parse and check the user's arguments.

Max pooling picks one entry per window (the first maximum, as PyTorch), so its derivative is
a fixed selection S: the vjp scatters with S^T, and the vjp of that scatter gathers with S
again. Both are primitives here that take ``x`` and the pooled maxima only to find S (no
derivative flows into them), which makes max pooling differentiable to any order. A window sum
(average pooling times a constant) is linear: it and its transpose are each the other's vjp.

Image primitives already take a batch of N images, so a vmap batch folds into N (one call on
B * N images): the batch is never a loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fnzero.backends import array_module, own_kernel
from fnzero.core.primitive import Primitive
from fnzero.numpy import reshape
from fnzero.numpy.batching import batch_size, shape_of, to_front

Pair = tuple[int, int]
_UNIT = (1, 1)


def get_conv_outsize(input_size: int, kernel_size: int, stride: int, pad: int, dilation: int = 1) -> int:
    """The number of window positions along one axis (DeZero's get_conv_outsize)."""
    return (input_size + 2 * pad - dilation * (kernel_size - 1) - 1) // stride + 1


def out_hw(hw: Sequence[int], kernel: Pair, stride: Pair, padding: Pair, dilation: Pair) -> Pair:
    """The number of window positions along height and width: the output's (OH, OW)."""
    return (
        get_conv_outsize(hw[0], kernel[0], stride[0], padding[0], dilation[0]),
        get_conv_outsize(hw[1], kernel[1], stride[1], padding[1], dilation[1]),
    )


def pad_hw(x: Any, padding: Pair, value: float = 0.0) -> Any:
    """The raw array ``x`` with ``padding`` rows/columns of ``value`` added on each side of its
    last two axes."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    xp = array_module(x)
    widths = ((0, 0),) * (x.ndim - 2) + ((ph, ph), (pw, pw))
    return xp.pad(x, widths, mode="constant", constant_values=value)


def tap(xpad: Any, i: int, j: int, out: Pair, stride: Pair, dilation: Pair) -> Any:
    """The view of the raw array ``xpad`` seen by kernel tap ``(i, j)`` at every window
    position: (..., OH, OW)."""
    top, left = i * dilation[0], j * dilation[1]
    return xpad[
        ...,
        top : top + stride[0] * (out[0] - 1) + 1 : stride[0],
        left : left + stride[1] * (out[1] - 1) + 1 : stride[1],
    ]


def im2col_kernel(x: Any, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair) -> Any:
    """Every window of the raw array ``x`` (N, C, H, W) copied out: a contiguous
    (N, C, KH, KW, OH, OW) array."""
    xp = array_module(x)
    xpad = xp.ascontiguousarray(pad_hw(x, padding))
    oh, ow = out_hw(x.shape[2:], kernel, stride, padding, dilation)
    n, c = x.shape[:2]
    sn, sc, sh, sw = xpad.strides
    view = xp.lib.stride_tricks.as_strided(
        xpad,
        shape=(n, c, kernel[0], kernel[1], oh, ow),
        strides=(sn, sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1]),
    )
    return xp.ascontiguousarray(view)


def col2im_kernel(
    cols: Any, hw: Sequence[int], kernel: Pair, stride: Pair, padding: Pair, dilation: Pair
) -> Any:
    """The adjoint of im2col_kernel: each window's entries of the raw array ``cols`` added back
    into an (N, C, H, W) image."""
    xp = array_module(cols)
    n, c, kh, kw, oh, ow = cols.shape
    ph, pw = padding
    out = xp.zeros((n, c, hw[0] + 2 * ph, hw[1] + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            view = tap(out, i, j, (oh, ow), stride, dilation)
            view += cols[:, :, i, j]
    return out[:, :, ph : ph + hw[0], pw : pw + hw[1]]


def fold(x: Any, d: int | None, size: int) -> Any:
    """``x`` with the batch folded into its first axis: (B, N, ...) -> (B * N, ...)."""
    x = to_front(x, d, size)
    s = shape_of(x)
    return reshape(x, (s[0] * s[1],) + s[2:])


def unfold(x: Any, size: int) -> Any:
    """The inverse of :func:`fold`: (B * N, ...) -> (B, N, ...)."""
    s = shape_of(x)
    return reshape(x, (size, s[0] // size) + s[1:])


def folding_rule(prim: Any) -> Any:
    """The batching rule of a primitive over a batch of images (all array arguments share their
    first axis): the vmap batch folds into that axis."""

    def rule(args, dims, **params):
        size = batch_size(args, dims)
        return unfold(prim(*(fold(a, d, size) for a, d in zip(args, dims)), **params), size), 0

    return rule


def _taps(kernel: Pair):
    return [(i, j) for i in range(kernel[0]) for j in range(kernel[1])]


def _max_pool_impl(x, kernel, stride, padding):
    """``max_pool2d(x, kernel=, stride=, padding=)`` (pairs of ints): the maximum of each window of
    ``x`` (N, C, H, W); padding counts as -inf."""
    xp = array_module(x)
    xpad = pad_hw(x, padding, -xp.inf)
    out = out_hw(x.shape[2:], kernel, stride, padding, _UNIT)
    taps = _taps(kernel)
    result = tap(xpad, *taps[0], out, stride, _UNIT).copy()
    for i, j in taps[1:]:
        xp.maximum(result, tap(xpad, i, j, out, stride, _UNIT), out=result)
    return result


def _first_max_masks(x, m, kernel, stride, padding):
    """For each kernel tap, where that tap holds its window's first maximum (``m`` is the max)."""
    xp = array_module(x)
    xpad = pad_hw(x, padding, -xp.inf)
    remaining = xp.ones(m.shape, dtype=bool)
    for i, j in _taps(kernel):
        hit = tap(xpad, i, j, m.shape[2:], stride, _UNIT) == m
        hit &= remaining
        remaining ^= hit
        yield (i, j), hit


def _max_pool_scatter_impl(g, x, m, kernel, stride, padding):
    """S^T g: each window's cotangent added at the position of its (first) maximum."""
    own = own_kernel("max_pool2d_scatter", g, x, m, kernel=kernel, stride=stride, padding=padding)
    if own is not None:
        return own
    xp = array_module(g)
    ph, pw = padding
    h, w = x.shape[2:]
    gx = xp.zeros(x.shape[:2] + (h + 2 * ph, w + 2 * pw), dtype=g.dtype)
    # Multiplying by the mask (not xp.where) keeps the loop free of unpredictable branches.
    for (i, j), hit in _first_max_masks(x, m, kernel, stride, padding):
        view = tap(gx, i, j, m.shape[2:], stride, _UNIT)
        view += g * hit
    return gx[:, :, ph : ph + h, pw : pw + w]


def _max_pool_gather_impl(v, x, m, kernel, stride, padding):
    """S v: from each window of ``v``, the entry where ``x``'s window has its (first) maximum."""
    xp = array_module(v)
    vpad = pad_hw(v, padding)
    result = xp.zeros(m.shape, dtype=v.dtype)
    for (i, j), hit in _first_max_masks(x, m, kernel, stride, padding):
        result += tap(vpad, i, j, m.shape[2:], stride, _UNIT) * hit
    return result


def _onnx_max_pool(b, eq, ops, out):
    (ph, pw), p = eq.params["padding"], eq.params
    pads = [ph, pw, ph, pw]
    return b.node(
        "MaxPool", [ops[0]], out, kernel_shape=list(p["kernel"]), strides=list(p["stride"]), pads=pads
    )


max_pool2d_p = Primitive("max_pool2d", _max_pool_impl, onnx=_onnx_max_pool)
max_pool2d_scatter_p = Primitive("max_pool2d_scatter", _max_pool_scatter_impl)
max_pool2d_gather_p = Primitive("max_pool2d_gather", _max_pool_gather_impl)
max_pool2d_p.defvjp(lambda g, ans, x, **geo: max_pool2d_scatter_p(g, x, ans, **geo))
max_pool2d_scatter_p.defvjp(lambda g, ans, h, x, m, **geo: max_pool2d_gather_p(g, x, m, **geo), None, None)
max_pool2d_gather_p.defvjp(lambda g, ans, v, x, m, **geo: max_pool2d_scatter_p(g, x, m, **geo), None, None)
# The maximum moves with the tangent of the entry that attains it; the other two are linear.
max_pool2d_p.defjvp(lambda t, ans, x, **geo: max_pool2d_gather_p(t, x, ans, **geo))
max_pool2d_scatter_p.defjvp(lambda t, ans, h, x, m, **geo: max_pool2d_scatter_p(t, x, m, **geo), None, None)
max_pool2d_gather_p.defjvp(lambda t, ans, v, x, m, **geo: max_pool2d_gather_p(t, x, m, **geo), None, None)
for _prim in (max_pool2d_p, max_pool2d_scatter_p, max_pool2d_gather_p):
    _prim.defbatch(folding_rule(_prim))


def _window_sum_impl(x, kernel, stride, padding):
    """``window_sum(x, kernel=, stride=, padding=)`` (pairs of ints): the sum of each window of ``x``
    (N, C, H, W), with zero padding."""
    xpad = pad_hw(x, padding)
    out = out_hw(x.shape[2:], kernel, stride, padding, _UNIT)
    taps = _taps(kernel)
    result = tap(xpad, *taps[0], out, stride, _UNIT).copy()
    for i, j in taps[1:]:
        result += tap(xpad, i, j, out, stride, _UNIT)
    return result


def _window_sum_transpose_impl(g, hw, kernel, stride, padding):
    """The adjoint of a window sum: each window's value added to all its entries of an image
    of height and width ``hw``."""
    xp = array_module(g)
    ph, pw = padding
    gx = xp.zeros(g.shape[:2] + (hw[0] + 2 * ph, hw[1] + 2 * pw), dtype=g.dtype)
    for i, j in _taps(kernel):
        view = tap(gx, i, j, g.shape[2:], stride, _UNIT)
        view += g
    return gx[:, :, ph : ph + hw[0], pw : pw + hw[1]]


window_sum_p = Primitive("window_sum", _window_sum_impl)
window_sum_transpose_p = Primitive("window_sum_transpose", _window_sum_transpose_impl)
window_sum_p.defvjp(lambda g, ans, x, **geo: window_sum_transpose_p(g, hw=tuple(x.shape[2:]), **geo))
window_sum_transpose_p.defvjp(lambda g, ans, h, hw, **geo: window_sum_p(g, **geo))
window_sum_p.defjvp(lambda t, ans, x, **geo: window_sum_p(t, **geo))  # linear
window_sum_transpose_p.defjvp(lambda t, ans, h, hw, **geo: window_sum_transpose_p(t, hw=hw, **geo))
window_sum_p.defbatch(folding_rule(window_sum_p))
window_sum_transpose_p.defbatch(folding_rule(window_sum_transpose_p))
