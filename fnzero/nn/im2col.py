"""im2col and col2im with DeZero's arguments: each the other's vjp (the primitives are
fnzero.lax's), so both differentiate to any order.

``im2col`` copies every kernel window of an (N, C, H, W) image into a column; a convolution is
then one matrix product. ``col2im`` adds columns back into an image (overlapping windows sum).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fnzero import lax
from fnzero.lax.windows import get_conv_outsize, out_hw
from fnzero.nn._geometry import Pair, padding_argument, pair
from fnzero.numpy import reshape, transpose

__all__ = ["im2col", "col2im", "get_conv_outsize"]


def _geometry(kernel_size, stride, pad, dilation, where: str) -> dict[str, Pair]:
    return {
        "kernel": pair(kernel_size, "kernel_size", where, 1),
        "stride": pair(stride, "stride", where, 1),
        "padding": pair(pad, "pad", where, 0),
        "dilation": pair(dilation, "dilation", where, 1),
    }


def _check_fits(hw: Sequence[int], geometry: dict[str, Pair], where: str, shape: tuple) -> None:
    oh, ow = out_hw(hw, **geometry)
    if oh < 1 or ow < 1:
        raise ValueError(
            f"fnzero.nn.{where}: a {geometry['kernel']} kernel (dilation {geometry['dilation']}) does "
            f"not fit in an input of shape {shape} padded by {geometry['padding']}"
        )


def im2col(
    x: Any,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    pad: int | Sequence[int] | None = None,
    to_matrix: bool = True,
    dilation: int | Sequence[int] = 1,
    *,
    padding: int | Sequence[int] | None = None,
) -> Any:
    """The windows of ``x`` (N, C, H, W) as columns.

    ``to_matrix``: a (N * OH * OW, C * KH * KW) matrix (DeZero's layout); otherwise the
    (N, C, KH, KW, OH, OW) array. ``pad`` (default 0) may also be given as ``padding=``, the
    name conv2d uses.
    """
    pad = padding_argument("im2col", padding, pad)
    if len(x.shape) != 4:
        raise ValueError(f"fnzero.nn.im2col: expected an (N, C, H, W) input, got shape {tuple(x.shape)}")
    geometry = _geometry(kernel_size, stride, pad, dilation, "im2col")
    _check_fits(x.shape[2:], geometry, "im2col", tuple(x.shape))
    cols = lax.im2col(x, **geometry)
    if not to_matrix:
        return cols
    n, c, kh, kw, oh, ow = cols.shape
    return reshape(transpose(cols, (0, 4, 5, 1, 2, 3)), (n * oh * ow, c * kh * kw))


def col2im(
    col: Any,
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    pad: int | Sequence[int] | None = None,
    to_matrix: bool = True,
    dilation: int | Sequence[int] = 1,
    *,
    padding: int | Sequence[int] | None = None,
) -> Any:
    """The adjoint of :func:`im2col`: columns summed back into an image of ``input_shape``
    (``pad``, default 0, may also be given as ``padding=``)."""
    pad = padding_argument("col2im", padding, pad)
    n, c, h, w = (int(d) for d in input_shape)
    geometry = _geometry(kernel_size, stride, pad, dilation, "col2im")
    _check_fits((h, w), geometry, "col2im", (n, c, h, w))
    oh, ow = out_hw((h, w), **geometry)
    kh, kw = geometry["kernel"]
    if to_matrix:
        expected = (n * oh * ow, c * kh * kw)
        if tuple(col.shape) != expected:
            raise ValueError(
                f"fnzero.nn.col2im: expected columns of shape {expected}, got {tuple(col.shape)}"
            )
        col = transpose(reshape(col, (n, oh, ow, c, kh, kw)), (0, 3, 4, 5, 1, 2))
    elif tuple(col.shape) != (n, c, kh, kw, oh, ow):
        raise ValueError(
            f"fnzero.nn.col2im: expected columns of shape {(n, c, kh, kw, oh, ow)}, got {tuple(col.shape)}"
        )
    return lax.col2im(col, hw=(h, w), **geometry)
