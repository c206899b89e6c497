"""CuPy's own kernels for the primitives that pay most on a GPU (see ``Backend.kernels``).

- Convolution through cuDNN (``cupyx.cudnn``, in CuPy 13 and earlier; CuPy 14 removed cuDNN,
  and then the portable im2col + matmul path runs): forward, data gradient (the transpose) and
  weight gradient, with deterministic algorithms and no tensor-core (reduced-precision) math.
- The max-pooling gradient for non-overlapping windows as one kernel (first maximum of each
  window, as the portable code) instead of five array operations per window tap.
- Any elementwise CUDA expression a primitive declares (``Primitive.fusion``: the
  derivatives of the activations) compiled into one kernel, once per expression.
- Threefry-2x32 (fnzero.random's cipher) over a range of counters: the 20 rounds in one
  kernel instead of about a hundred array operations.

Max pooling's forward stays portable: cuDNN's pooling (as CuPy sets it up) drops NaNs, where
NumPy's maximum propagates them. Every kernel returns None for arguments it does not cover.
Imported only when the CuPy backend is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

_FLOATS = "fd"  # float32 and float64: the dtypes these kernels are written and tested for


def _floats(*arrays: Any) -> bool:
    dtype = arrays[0].dtype
    return dtype.char in _FLOATS and all(a.dtype == dtype for a in arrays[1:])


def make_kernels(cupy: Any) -> dict[str, Callable[..., Any]]:
    """The kernels CuPy has here, by the names the primitives look up."""
    kernels = _fused_kernels(cupy)
    kernels.update(_cudnn_kernels(cupy))
    return kernels


def _fused_kernels(cupy: Any) -> dict[str, Callable[..., Any]]:
    compiled: dict[str, Any] = {}

    def elementwise(*arrays, expression, label):
        """``expression`` over operands ``{0}, {1}...`` of one float dtype, as one kernel."""
        if not _floats(*arrays):
            return None
        kernel = compiled.get(expression)
        if kernel is None:
            params = ", ".join(f"T x{k}" for k in range(len(arrays)))
            body = f"out = {expression.format(*(f'x{k}' for k in range(len(arrays))))};"
            kernel = compiled[expression] = cupy.ElementwiseKernel(params, "T out", body, label)
        return kernel(*arrays)

    # One thread per input entry: it receives its window's cotangent if it holds the window's
    # first maximum (row-major order over the window), else 0. Entries past the last whole
    # window get 0.
    max_pool_scatter = cupy.ElementwiseKernel(
        "raw T g, raw T x, raw T m, int32 H, int32 W, int32 OH, int32 OW, int32 KH, int32 KW",
        "T gx",
        """
        const int w = i % W, h = (i / W) % H, nc = i / (W * H);
        const int oh = h / KH, ow = w / KW;
        T out = (T)0;
        if (oh < OH && ow < OW) {
            const int o = (nc * OH + oh) * OW + ow;
            const T best = m[o];
            bool found = false;
            for (int a = 0; a < KH && !found; ++a) {
                for (int b = 0; b < KW && !found; ++b) {
                    const int hh = oh * KH + a, ww = ow * KW + b;
                    if (x[(nc * H + hh) * W + ww] == best) {
                        found = true;
                        if (hh == h && ww == w) out = g[o];
                    }
                }
            }
        }
        gx = out;
        """,
        "fnzero_max_pool2d_scatter",
    )

    def scatter(g, x, m, kernel, stride, padding):
        if tuple(stride) != tuple(kernel) or any(padding) or x.ndim != 4 or not _floats(g, x, m):
            return None
        h, w = x.shape[2:]
        oh, ow = m.shape[2:]
        gx = cupy.empty(x.shape, dtype=x.dtype)
        max_pool_scatter(g, x, m, h, w, oh, ow, kernel[0], kernel[1], gx)
        return gx

    # Counter (start + i, stream) encrypted under (key0, key1): fnzero/random/threefry.py's rounds,
    # rotations and key injections, in uint32 arithmetic (wrapping, as there).
    threefry = cupy.ElementwiseKernel(
        "uint32 key0, uint32 key1, uint32 start, uint32 stream",
        "uint32 y0, uint32 y1",
        """
        const unsigned int ks[3] = {key0, key1, key0 ^ key1 ^ 0x1BD11BDAu};
        const int rotations[8] = {13, 15, 26, 6, 17, 29, 16, 24};
        unsigned int x0 = start + (unsigned int)i + ks[0];
        unsigned int x1 = stream + ks[1];
        for (int r = 0; r < 20; ++r) {
            const int s = rotations[r & 7];
            x0 += x1;
            x1 = (x1 << s) | (x1 >> (32 - s));
            x1 ^= x0;
            if ((r & 3) == 3) {
                const int j = (r >> 2) + 1;
                x0 += ks[j % 3];
                x1 += ks[(j + 1) % 3] + (unsigned int)j;
            }
        }
        y0 = x0;
        y1 = x1;
        """,
        "fnzero_threefry2x32_range",
    )

    def threefry_range(x0, x1, key, start, stream):
        if not all(isinstance(k, (int, np.integer)) for k in key):
            return None  # the words of N keys (under vmap): the portable rounds broadcast them
        u32 = np.uint32
        threefry(u32(key[0]), u32(key[1]), u32(start), u32(stream), x0, x1)
        return x0

    return {
        "elementwise": elementwise,
        "max_pool2d_scatter": scatter,
        "threefry_range_": threefry_range,
    }


def _cudnn_kernels(cupy: Any) -> dict[str, Callable[..., Any]]:
    try:
        from cupy.cuda import cudnn as libcudnn
    except ImportError:  # CuPy 14 and later
        return {}
    if not getattr(libcudnn, "available", False):  # CuPy 13 and earlier without the cuDNN library
        return {}
    try:
        import cupyx.cudnn as cudnn
    except ImportError:
        return {}
    options = {"auto_tune": False, "tensor_core": "never"}
    exact = {**options, "deterministic": True}

    def geometry(stride, padding, dilation):
        return tuple(padding), tuple(stride), tuple(dilation)

    def conv2d(x, w, stride, padding, dilation, groups):
        if not _floats(x, w):
            return None
        n, o = x.shape[0], w.shape[0]
        oh, ow = (
            (size + 2 * p - d * (k - 1) - 1) // s + 1
            for size, k, s, p, d in zip(x.shape[2:], w.shape[2:], stride, padding, dilation)
        )
        y = cupy.empty((n, o, oh, ow), dtype=x.dtype)
        cudnn.convolution_forward(x, w, None, y, *geometry(stride, padding, dilation), groups, **options)
        return y

    def conv_transpose2d(y, w, hw, stride, padding, dilation, groups):
        if not _floats(y, w):
            return None
        x = cupy.empty((y.shape[0], w.shape[1] * groups, *hw), dtype=y.dtype)
        cudnn.convolution_backward_data(w, y, None, x, *geometry(stride, padding, dilation), groups, **exact)
        return x

    def conv2d_weight_grad(x, gy, kernel, stride, padding, dilation, groups):
        if not _floats(x, gy):
            return None
        gw = cupy.empty((gy.shape[1], x.shape[1] // groups, *kernel), dtype=x.dtype)
        cudnn.convolution_backward_filter(x, gy, gw, *geometry(stride, padding, dilation), groups, **exact)
        return gw

    return {
        "conv2d": conv2d,
        "conv_transpose2d": conv_transpose2d,
        "conv2d_weight_grad": conv2d_weight_grad,
    }
