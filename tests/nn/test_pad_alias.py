"""DeZero's ``pad=`` and PyTorch/JAX's ``padding=`` name one argument of conv2d,
conv_transpose2d, the poolings, im2col and col2im: either is accepted, both at once is an
error naming both, and the default is no padding."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero.nn as nn
from fnzero.nn.convolution import conv_transpose2d
from fnzero.nn.im2col import col2im, im2col
from tests.jax_oracle import jax

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 3, 6, 5))
W = RNG.normal(size=(4, 3, 3, 3))
B = RNG.normal(size=(4,))


def test_conv2d_with_the_books_pad_agrees_with_jax():
    # Values only: the derivatives are those of padding=, the same code (checked below).
    theirs = jax.lax.conv_general_dilated(X, W, (1, 1), [(1, 1), (2, 2)]) + B[None, :, None, None]
    np.testing.assert_allclose(nn.conv2d(X, W, B, pad=(1, 2)), np.asarray(theirs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda **kw: nn.conv2d(X, W, B, stride=2, **kw),
        lambda **kw: conv_transpose2d(X, W.transpose(1, 0, 2, 3), stride=2, **kw),
        lambda **kw: nn.max_pool2d(X, 3, 1, **kw),
        lambda **kw: nn.avg_pool2d(X, 3, 2, **kw),
        lambda **kw: im2col(X, 3, 1, **kw),
    ],
    ids=["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "im2col"],
)
def test_pad_and_padding_are_one_argument(call):
    np.testing.assert_array_equal(call(pad=1), call(padding=1))
    assert call(pad=1).shape != call().shape  # the default is 0, not 1
    np.testing.assert_array_equal(call(), call(padding=0))
    with pytest.raises(TypeError, match=r"both padding=1 and pad=1"):
        call(pad=1, padding=1)
    with pytest.raises(TypeError, match=r"both padding=0 and pad=0"):
        call(pad=0, padding=0)


def test_col2im_takes_either_name():
    padded, unpadded = im2col(X, 3, 1, pad=1), im2col(X, 3, 1)
    np.testing.assert_array_equal(col2im(padded, X.shape, 3, 1, pad=1), col2im(padded, X.shape, 3, padding=1))
    np.testing.assert_array_equal(col2im(unpadded, X.shape, 3), col2im(unpadded, X.shape, 3, padding=0))
    with pytest.raises(TypeError, match=r"col2im: got both padding=1 and pad=1"):
        col2im(padded, X.shape, 3, 1, pad=1, padding=1)


def test_im2col_keeps_pad_positional_as_dezero_has_it():
    np.testing.assert_array_equal(im2col(X, 3, 1, 1), im2col(X, 3, padding=1))
    assert im2col(X, 3, 1, 1).shape == (2 * 6 * 5, 3 * 9)
