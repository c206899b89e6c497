"""Convolution and pooling layers (NCHW)."""

from __future__ import annotations

from typing import Any

import numpy as np

from fnzero._checks import flag, is_int, positive_int
from fnzero.nn import initializers
from fnzero.nn.convolution import conv2d, conv_transpose2d
from fnzero.nn.module import Module, static_field
from fnzero.nn.pooling import avg_pool2d, max_pool2d


def _pair(v: Any, argument: str, where: str, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints, each >= ``minimum``, as a pair; a clear error otherwise."""
    if is_int(v):
        v = (v, v)
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise TypeError(
            f"{where}: {argument} must be an int or a pair of ints >= {minimum}, "
            f"got {v!r} ({type(v).__name__})"
        )
    return tuple(positive_int(n, argument, where, minimum=minimum) for n in v)


def _init_conv(
    layer: Any,
    c_in: int,
    c_out: int,
    kernel_size: Any,
    key: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    bias: bool,
    dtype: Any,
    transposed: bool,
) -> None:
    """Set the weight (LeCun-normal), bias and geometry shared by both convolution layers."""
    where = f"fnzero.nn.{type(layer).__name__}"
    bias = flag(bias, "bias", where)
    c_in = positive_int(c_in, "in_channels", where)
    c_out = positive_int(c_out, "out_channels", where)
    groups = positive_int(groups, "groups", where)
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"{type(layer).__name__}: channels {c_in} -> {c_out} are not divisible by groups={groups}"
        )
    kh, kw = _pair(kernel_size, "kernel_size", where)
    if transposed:
        init = initializers.lecun_normal(in_axis=0, out_axis=1, dtype=dtype)
        layer.W = init(key, (c_in, c_out // groups, kh, kw))
    else:
        init = initializers.lecun_normal(in_axis=1, out_axis=0, dtype=dtype)
        layer.W = init(key, (c_out, c_in // groups, kh, kw))
    layer.b = initializers.zeros(key, (c_out,), dtype) if bias else None
    layer.stride = _pair(stride, "stride", where)
    layer.padding = _pair(padding, "padding", where, minimum=0)
    layer.dilation = _pair(dilation, "dilation", where)
    layer.groups = groups


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
        _init_conv(
            self,
            in_channels,
            out_channels,
            kernel_size,
            key,
            stride,
            padding,
            dilation,
            groups,
            bias,
            dtype,
            transposed=False,
        )

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
        _init_conv(
            self,
            in_channels,
            out_channels,
            kernel_size,
            key,
            stride,
            padding,
            dilation,
            groups,
            bias,
            dtype,
            transposed=True,
        )
        self.output_padding = _pair(output_padding, "output_padding", "fnzero.nn.ConvTranspose2d", minimum=0)

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


def _window_field(minimum: int, **kwargs: Any) -> Any:
    """A pooling layer's geometry, checked when the layer is made: an int or a pair >= minimum."""

    def check(layer: Any, field: Any, value: Any) -> None:
        if value is not None:
            _pair(value, field.name, f"fnzero.nn.{type(layer).__name__}", minimum)

    return static_field(validator=check, **kwargs)


class MaxPool2d(Module):
    """``max_pool2d`` over windows of ``kernel_size`` (``stride`` defaults to it)."""

    kernel_size: Any = _window_field(1)
    stride: Any = _window_field(1, default=None)
    padding: Any = _window_field(0, default=0)

    def __call__(self, x: Any) -> Any:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(Module):
    """``avg_pool2d`` over windows of ``kernel_size`` (``stride`` defaults to it)."""

    kernel_size: Any = _window_field(1)
    stride: Any = _window_field(1, default=None)
    padding: Any = _window_field(0, default=0)

    def __call__(self, x: Any) -> Any:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)
