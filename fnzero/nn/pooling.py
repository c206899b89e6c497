"""2-d pooling over NCHW images: max, average and global average.

Max pooling picks one entry per window (the first maximum, as PyTorch), so its derivative is
a fixed selection S: the vjp scatters with S^T, and the vjp of that scatter gathers with S
again. Both are primitives here that take ``x`` and the pooled maxima only to find S (no
derivative flows into them), which makes max pooling differentiable to any order. Average
pooling is linear: a window sum and its transpose, each the other's vjp.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fnzero.backends import array_module, own_kernel
from fnzero.core.primitive import Primitive
from fnzero.nn._batching import folding_rule
from fnzero.nn._windows import Pair, out_hw, pad_hw, padding_argument, pair, tap
from fnzero.numpy import mean

_UNIT = (1, 1)


def _taps(kernel: Pair):
    return [(i, j) for i in range(kernel[0]) for j in range(kernel[1])]


def _max_pool_impl(x, kernel, stride, padding):
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


max_pool_p = Primitive("max_pool2d", _max_pool_impl, onnx=_onnx_max_pool)
max_pool_scatter_p = Primitive("max_pool2d_scatter", _max_pool_scatter_impl)
max_pool_gather_p = Primitive("max_pool2d_gather", _max_pool_gather_impl)
max_pool_p.defvjp(lambda g, ans, x, **geo: max_pool_scatter_p(g, x, ans, **geo))
max_pool_scatter_p.defvjp(lambda g, ans, h, x, m, **geo: max_pool_gather_p(g, x, m, **geo), None, None)
max_pool_gather_p.defvjp(lambda g, ans, v, x, m, **geo: max_pool_scatter_p(g, x, m, **geo), None, None)
# The maximum moves with the tangent of the entry that attains it; the other two are linear.
max_pool_p.defjvp(lambda t, ans, x, **geo: max_pool_gather_p(t, x, ans, **geo))
max_pool_scatter_p.defjvp(lambda t, ans, h, x, m, **geo: max_pool_scatter_p(t, x, m, **geo), None, None)
max_pool_gather_p.defjvp(lambda t, ans, v, x, m, **geo: max_pool_gather_p(t, x, m, **geo), None, None)
for _prim in (max_pool_p, max_pool_scatter_p, max_pool_gather_p):
    _prim.defbatch(folding_rule(_prim))


def _window_sum_impl(x, kernel, stride, padding):
    xpad = pad_hw(x, padding)
    out = out_hw(x.shape[2:], kernel, stride, padding, _UNIT)
    taps = _taps(kernel)
    result = tap(xpad, *taps[0], out, stride, _UNIT).copy()
    for i, j in taps[1:]:
        result += tap(xpad, i, j, out, stride, _UNIT)
    return result


def _window_sum_transpose_impl(g, hw, kernel, stride, padding):
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


def _geometry(x, kernel_size, stride, padding, where: str) -> dict[str, Pair]:
    if len(x.shape) != 4:
        raise ValueError(f"fnzero.nn.{where}: expected an (N, C, H, W) input, got shape {tuple(x.shape)}")
    kernel = pair(kernel_size, "kernel_size", where, 1)
    geo = {
        "kernel": kernel,
        "stride": kernel if stride is None else pair(stride, "stride", where, 1),
        "padding": pair(padding, "padding", where, 0),
    }
    if any(p > k // 2 for p, k in zip(geo["padding"], kernel)):
        raise ValueError(f"fnzero.nn.{where}: padding {geo['padding']} is more than half the {kernel} window")
    oh, ow = out_hw(x.shape[2:], kernel, geo["stride"], geo["padding"], _UNIT)
    if oh < 1 or ow < 1:
        raise ValueError(
            f"fnzero.nn.{where}: a {kernel} window does not fit in an input of shape {tuple(x.shape)} "
            f"padded by {geo['padding']}"
        )
    return geo


IntOrPair = int | Sequence[int]


def max_pool2d(
    x: Any,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair | None = None,
    *,
    pad: IntOrPair | None = None,
) -> Any:
    """The maximum of each window of ``x`` (N, C, H, W); ``stride`` defaults to ``kernel_size``.

    Padding (default 0; ``pad=`` is DeZero's name for it) counts as -inf (it is never the
    maximum) and is at most half the window.
    """
    padding = padding_argument("max_pool2d", padding, pad)
    return max_pool_p(x, **_geometry(x, kernel_size, stride, padding, "max_pool2d"))


def avg_pool2d(
    x: Any,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair | None = None,
    *,
    pad: IntOrPair | None = None,
) -> Any:
    """The mean of each window of ``x`` (N, C, H, W); zero padding (default 0; ``pad=`` is
    DeZero's name for it) counts in the mean (PyTorch's default ``count_include_pad=True``)."""
    padding = padding_argument("avg_pool2d", padding, pad)
    geo = _geometry(x, kernel_size, stride, padding, "avg_pool2d")
    kh, kw = geo["kernel"]
    return window_sum_p(x, **geo) * (1.0 / (kh * kw))


def global_avg_pool2d(x: Any) -> Any:
    """The mean over each channel's whole image: (N, C, H, W) -> (N, C)."""
    if len(x.shape) != 4:
        raise ValueError(
            f"fnzero.nn.global_avg_pool2d: expected an (N, C, H, W) input, got shape {tuple(x.shape)}"
        )
    return mean(x, axis=(2, 3))
