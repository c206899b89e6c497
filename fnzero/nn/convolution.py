"""2-d convolution and its transpose, NCHW images and OIHW weights, as in the book.

The user's arguments are parsed and checked here; the primitives (``conv2d``,
``conv_transpose2d`` and the weight gradient, each one's vjp written with the others, so
derivatives of any order come from the same kernels) are fnzero.lax's, in lax/convolution.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fnzero import lax
from fnzero.lax.windows import out_hw
from fnzero.nn._geometry import Pair, padding_argument, pair
from fnzero.numpy import reshape

IntOrPair = int | Sequence[int]


def _hw(x) -> Pair:
    return (int(x.shape[2]), int(x.shape[3]))


def _geometry(where, stride, padding, dilation, groups) -> dict:
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"fnzero.nn.{where}: groups must be a positive int, got {groups!r}")
    return {
        "stride": pair(stride, "stride", where, 1),
        "padding": pair(padding, "padding", where, 0),
        "dilation": pair(dilation, "dilation", where, 1),
        "groups": groups,
    }


def _check_weight(where: str, x, w, channels_axis: int, groups: int) -> None:
    """Both 4-d; the weight's axis ``channels_axis`` (scaled by groups) matches x's channels."""
    if len(x.shape) != 4 or len(w.shape) != 4:
        raise ValueError(
            f"fnzero.nn.{where}: expected an (N, C, H, W) input and a 4-d weight, got shapes "
            f"{tuple(x.shape)} and {tuple(w.shape)}"
        )
    channels = x.shape[1]
    expected = w.shape[channels_axis] * (groups if channels_axis == 1 else 1)
    if channels != expected or w.shape[0] % groups:
        layout = "(out, in/groups, kh, kw)" if channels_axis == 1 else "(in, out/groups, kh, kw)"
        raise ValueError(
            f"fnzero.nn.{where}: input of shape {tuple(x.shape)} has {channels} channels but the "
            f"weight of shape {tuple(w.shape)} {layout} with groups={groups} expects {expected}"
            + (" (and its first axis must divide by groups)" if w.shape[0] % groups else "")
        )


def _add_bias(out, b, where: str):
    if b is None:
        return out
    if tuple(b.shape) != (out.shape[1],):
        raise ValueError(f"fnzero.nn.{where}: bias of shape {tuple(b.shape)}, expected ({out.shape[1]},)")
    return out + reshape(b, (1, -1, 1, 1))


def conv2d(
    x: Any,
    W: Any,
    b: Any = None,
    *,
    stride: IntOrPair = 1,
    padding: IntOrPair | None = None,
    dilation: IntOrPair = 1,
    groups: int = 1,
    pad: IntOrPair | None = None,
) -> Any:
    """Cross-correlation of ``x`` (N, C, H, W) with ``W`` (O, C / groups, KH, KW), plus ``b`` (O,).

    ``stride``, ``padding`` (zeros on each side, default 0; ``pad=`` is DeZero's name for it)
    and ``dilation`` are ints or (height, width) pairs. The output is (N, O, OH, OW) with
    OH = (H + 2 p - d (KH - 1) - 1) // s + 1.
    """
    padding = padding_argument("conv2d", padding, pad)
    geo = _geometry("conv2d", stride, padding, dilation, groups)
    _check_weight("conv2d", x, W, 1, groups)
    oh, ow = out_hw(_hw(x), _hw(W), geo["stride"], geo["padding"], geo["dilation"])
    if oh < 1 or ow < 1:
        raise ValueError(
            f"fnzero.nn.conv2d: the kernel of weight {tuple(W.shape)} (dilation {geo['dilation']}) is "
            f"larger than the input {tuple(x.shape)} padded by {geo['padding']}"
        )
    if b is not None and tuple(b.shape) != (W.shape[0],):
        raise ValueError(f"fnzero.nn.conv2d: bias of shape {tuple(b.shape)}, expected ({W.shape[0]},)")
    return lax.conv2d(x, W, b, **geo)


def conv_transpose2d(
    x: Any,
    W: Any,
    b: Any = None,
    *,
    stride: IntOrPair = 1,
    padding: IntOrPair | None = None,
    output_padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    pad: IntOrPair | None = None,
) -> Any:
    """The transpose (adjoint) of :func:`conv2d` applied to ``x`` (N, C, H, W), plus ``b``.

    ``W`` has shape (C, O / groups, KH, KW): the weight of the conv2d that maps O channels to C,
    as in PyTorch and DeZero's deconv2d. The output is (N, O, OH, OW) with
    OH = (H - 1) s - 2 p + d (KH - 1) + output_padding + 1; ``output_padding`` (less than the
    stride) picks among the sizes a strided conv2d maps to H. ``padding`` defaults to 0 (``pad=``
    is DeZero's name for it).
    """
    padding = padding_argument("conv_transpose2d", padding, pad)
    geo = _geometry("conv_transpose2d", stride, padding, dilation, groups)
    _check_weight("conv_transpose2d", x, W, 0, groups)
    extra = pair(output_padding, "output_padding", "conv_transpose2d", 0)
    s, p, d = geo["stride"], geo["padding"], geo["dilation"]
    if any(e >= si for e, si in zip(extra, s)):
        raise ValueError(
            f"fnzero.nn.conv_transpose2d: output_padding {extra} must be smaller than the stride {s}"
        )
    hw = tuple(
        (h - 1) * si - 2 * pi + di * (k - 1) + e + 1
        for h, si, pi, di, k, e in zip(_hw(x), s, p, d, _hw(W), extra)
    )
    if min(hw) < 1:
        raise ValueError(
            f"fnzero.nn.conv_transpose2d: input {tuple(x.shape)} with weight {tuple(W.shape)} and "
            f"padding {p} gives an empty output ({hw})"
        )
    return _add_bias(lax.conv_transpose2d(x, W, hw=hw, **geo), b, "conv_transpose2d")
