"""2-d pooling over NCHW images: max, average and global average.

The arguments are parsed and checked here; the primitives (max pooling, differentiable to any
order, and the window sum under average pooling) are fnzero.lax's, in lax/windows.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fnzero import lax
from fnzero.lax.windows import out_hw
from fnzero.nn._geometry import Pair, padding_argument, pair
from fnzero.numpy import mean

_UNIT = (1, 1)


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
    return lax.max_pool2d(x, **_geometry(x, kernel_size, stride, padding, "max_pool2d"))


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
    return lax.window_sum(x, **geo) * (1.0 / (kh * kw))


def global_avg_pool2d(x: Any) -> Any:
    """The mean over each channel's whole image: (N, C, H, W) -> (N, C)."""
    if len(x.shape) != 4:
        raise ValueError(
            f"fnzero.nn.global_avg_pool2d: expected an (N, C, H, W) input, got shape {tuple(x.shape)}"
        )
    return mean(x, axis=(2, 3))
