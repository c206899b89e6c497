"""Sliding windows over NCHW images: the raw array kernels under im2col, conv and pooling.

Nothing here is differentiable: these functions take and return plain NumPy/CuPy arrays and
are called from primitive kernels. A window geometry is four pairs of ints: the kernel size,
the stride, the zero padding added on each side, and the dilation (gap between taps).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fnzero.backends import array_module

Pair = tuple[int, int]


def pair(value: int | Sequence[int], name: str, where: str, minimum: int) -> Pair:
    """``value`` as a pair of ints, each at least ``minimum``."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"fnzero.nn.{where}: {name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in values):
        raise ValueError(f"fnzero.nn.{where}: {name} must be at least {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


def padding_argument(where: str, padding: Any, pad: Any, default: Any = 0) -> Any:
    """The padding given as ``padding=`` (PyTorch's and JAX's name) or ``pad=`` (DeZero's), or
    ``default``; both at once is an error, so that neither silently wins."""
    if padding is not None and pad is not None:
        raise TypeError(
            f"fnzero.nn.{where}: got both padding={padding!r} and pad={pad!r}; they are one argument "
            "(pad is DeZero's name for padding): pass only one"
        )
    if padding is not None:
        return padding
    return default if pad is None else pad


def get_conv_outsize(input_size: int, kernel_size: int, stride: int, pad: int, dilation: int = 1) -> int:
    """The number of window positions along one axis (DeZero's get_conv_outsize)."""
    return (input_size + 2 * pad - dilation * (kernel_size - 1) - 1) // stride + 1


def out_hw(hw: Sequence[int], kernel: Pair, stride: Pair, padding: Pair, dilation: Pair) -> Pair:
    return (
        get_conv_outsize(hw[0], kernel[0], stride[0], padding[0], dilation[0]),
        get_conv_outsize(hw[1], kernel[1], stride[1], padding[1], dilation[1]),
    )


def pad_hw(x: Any, padding: Pair, value: float = 0.0) -> Any:
    """``x`` with ``padding`` rows/columns of ``value`` added on each side of its last two axes."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    xp = array_module(x)
    widths = ((0, 0),) * (x.ndim - 2) + ((ph, ph), (pw, pw))
    return xp.pad(x, widths, mode="constant", constant_values=value)


def tap(xpad: Any, i: int, j: int, out: Pair, stride: Pair, dilation: Pair) -> Any:
    """The view of ``xpad`` seen by kernel tap ``(i, j)`` at every window position: (..., OH, OW)."""
    top, left = i * dilation[0], j * dilation[1]
    return xpad[
        ...,
        top : top + stride[0] * (out[0] - 1) + 1 : stride[0],
        left : left + stride[1] * (out[1] - 1) + 1 : stride[1],
    ]


def im2col_kernel(x: Any, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair) -> Any:
    """Every window of ``x`` (N, C, H, W) copied out: a contiguous (N, C, KH, KW, OH, OW) array."""
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
    """The adjoint of im2col_kernel: each window's entries added back into an (N, C, H, W) image."""
    xp = array_module(cols)
    n, c, kh, kw, oh, ow = cols.shape
    ph, pw = padding
    out = xp.zeros((n, c, hw[0] + 2 * ph, hw[1] + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            view = tap(out, i, j, (oh, ow), stride, dilation)
            view += cols[:, :, i, j]
    return out[:, :, ph : ph + hw[0], pw : pw + hw[1]]
