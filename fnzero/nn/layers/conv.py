"""Convolution and pooling layers (NCHW)."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero.nn import initializers
from fnzero.nn.convolution import conv2d, conv_transpose2d
from fnzero.nn.module import Module, static_field
from fnzero.nn.pooling import avg_pool2d, max_pool2d


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


class Conv2d(Module):
    """``conv2d(x, W, b)`` with ``W`` (out_channels, in_channels / groups, KH, KW), LeCun-normal."""

    W: Any
    b: Any
    stride: tuple = static_field()
    padding: tuple = static_field()
    dilation: tuple = static_field()
    groups: int = static_field()

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        *,
        key: Any,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        dtype: Any = np.float32,
    ):
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"Conv2d: channels {in_channels} -> {out_channels} are not divisible by groups={groups}"
            )
        kh, kw = _pair(kernel_size)
        self.W = initializers.lecun_normal(in_axis=1, out_axis=0, dtype=dtype)(
            key, (out_channels, in_channels // groups, kh, kw)
        )
        self.b = initializers.zeros(key, (out_channels,), dtype) if bias else None
        self.stride, self.padding, self.dilation = _pair(stride), _pair(padding), _pair(dilation)
        self.groups = groups

    def __call__(self, x: Any) -> Any:
        """(N, C, H, W) -> (N, out_channels, OH, OW)."""
        return conv2d(
            x,
            self.W,
            self.b,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            groups=self.groups,
        )


class ConvTranspose2d(Module):
    """``conv_transpose2d(x, W, b)`` with ``W`` (in_channels, out_channels / groups, KH, KW)."""

    W: Any
    b: Any
    stride: tuple = static_field()
    padding: tuple = static_field()
    output_padding: tuple = static_field()
    dilation: tuple = static_field()
    groups: int = static_field()

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        *,
        key: Any,
        stride: int = 1,
        padding: int = 0,
        output_padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        dtype: Any = np.float32,
    ):
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"ConvTranspose2d: channels {in_channels} -> {out_channels} "
                f"are not divisible by groups={groups}"
            )
        kh, kw = _pair(kernel_size)
        self.W = initializers.lecun_normal(in_axis=0, out_axis=1, dtype=dtype)(
            key, (in_channels, out_channels // groups, kh, kw)
        )
        self.b = initializers.zeros(key, (out_channels,), dtype) if bias else None
        self.stride, self.padding, self.dilation = _pair(stride), _pair(padding), _pair(dilation)
        self.output_padding = _pair(output_padding)
        self.groups = groups

    def __call__(self, x: Any) -> Any:
        return conv_transpose2d(
            x,
            self.W,
            self.b,
            stride=self.stride,
            padding=self.padding,
            output_padding=self.output_padding,
            dilation=self.dilation,
            groups=self.groups,
        )


class MaxPool2d(Module):
    kernel_size: Any = static_field()
    stride: Any = static_field(default=None)
    padding: Any = static_field(default=0)

    def __call__(self, x: Any) -> Any:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(Module):
    kernel_size: Any = static_field()
    stride: Any = static_field(default=None)
    padding: Any = static_field(default=0)

    def __call__(self, x: Any) -> Any:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)
