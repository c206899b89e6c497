"""max_pool2d, avg_pool2d and global_avg_pool2d against nested-loop references, their
derivatives to second order, ties, and bad input; DeZero's ``pad=`` and PyTorch/JAX's
``padding=`` name one argument of the poolings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero.test_util import check_grads


def reference_pool(x, kernel, stride, padding, reduce, fill):
    """Each window of the ``fill``-padded input reduced by ``reduce``, one output at a time."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    oh = (x.shape[2] + 2 * ph - kh) // sh + 1
    ow = (x.shape[3] + 2 * pw - kw) // sw + 1
    out = np.zeros(x.shape[:2] + (oh, ow))
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(oh):
                for j in range(ow):
                    window = [xp[n, c, i * sh + a, j * sw + b] for a in range(kh) for b in range(kw)]
                    out[n, c, i, j] = reduce(window)
    return out


@st.composite
def pool_cases(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    size = tuple(draw(st.integers(max(1, k - 2 * p), k + 5)) for k, p in zip(kernel, padding))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size))
    return x, kernel, stride, padding


@given(pool_cases())
def test_max_pool2d_equals_the_nested_loop_reference(case):
    x, kernel, stride, padding = case
    expected = reference_pool(x, kernel, stride or kernel, padding, max, -np.inf)
    np.testing.assert_array_equal(nn.max_pool2d(x, kernel, stride, padding), expected)


@given(pool_cases())
def test_avg_pool2d_equals_the_nested_loop_reference(case):
    x, kernel, stride, padding = case
    expected = reference_pool(x, kernel, stride or kernel, padding, lambda w: sum(w) / len(w), 0.0)
    np.testing.assert_allclose(nn.avg_pool2d(x, kernel, stride, padding), expected, atol=1e-12)


@settings(max_examples=10)
@given(pool_cases())
def test_pooling_derivatives_to_second_order(case):
    x, kernel, stride, padding = case
    check_grads(lambda x: fnp.sin(nn.max_pool2d(x, kernel, stride, padding)), (x,), order=2)
    check_grads(lambda x: fnp.sin(nn.avg_pool2d(x, kernel, stride, padding)), (x,), order=2)


def test_max_pool_gradient_goes_to_the_first_maximum_of_each_window():
    x = np.array([[0.0, 0.0, 1.0, 3.0], [0.0, 0.0, 3.0, 2.0]]).reshape(1, 1, 2, 4)
    g = fz.grad(lambda x: fnp.sum(nn.max_pool2d(x, 2) * np.array([[[[1.0, 2.0]]]])))(x)
    np.testing.assert_array_equal(g[0, 0], [[1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]])


def test_overlapping_windows_add_their_gradients():
    x = np.array([1.0, 5.0, 2.0, 0.0]).reshape(1, 1, 1, 4)
    g = fz.grad(lambda x: fnp.sum(nn.max_pool2d(x, (1, 3), stride=1)))(x)
    np.testing.assert_array_equal(g.ravel(), [0.0, 2.0, 0.0, 0.0])


def test_pooling_on_each_backend(backend):
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype(np.float32)
    xb = fz.device_put(x, backend.name)
    got = backend.to_host(nn.max_pool2d(xb, 3, 2, 1))
    np.testing.assert_array_equal(got, reference_pool(x, (3, 3), (2, 2), (1, 1), max, -np.inf))
    g = fz.grad(lambda x: fnp.sum(nn.avg_pool2d(x, 2) ** 2))(xb)
    assert g.dtype == np.float32 and g.shape == x.shape


def test_global_avg_pool2d_is_the_mean_over_each_image():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    np.testing.assert_allclose(nn.global_avg_pool2d(x), [[5.5, 17.5]])
    check_grads(lambda x: nn.global_avg_pool2d(x) ** 2, (x,), order=2)


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda: nn.max_pool2d(np.ones((1, 1, 2, 2)), 3),
            r"\(3, 3\) window does not fit in an input of shape \(1, 1, 2, 2\)",
        ),
        (lambda: nn.avg_pool2d(np.ones((1, 1, 4, 4)), 2, padding=2), "more than half"),
        (lambda: nn.max_pool2d(np.ones((1, 1, 4, 4)), 2, stride=0), "stride must be at least 1"),
        (lambda: nn.max_pool2d(np.ones((4, 4)), 2), r"\(N, C, H, W\) input, got shape \(4, 4\)"),
        (lambda: nn.global_avg_pool2d(np.ones((2, 3))), r"got shape \(2, 3\)"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_shapes(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# DeZero's ``pad=`` and PyTorch/JAX's ``padding=`` name one argument of the poolings (and of
# conv2d, conv_transpose2d, im2col and col2im, tests/nn/test_conv.py).
X = np.random.default_rng(0).normal(size=(2, 3, 6, 5))


@pytest.mark.parametrize(
    "call",
    [
        lambda **kw: nn.max_pool2d(X, 3, 1, **kw),
        lambda **kw: nn.avg_pool2d(X, 3, 2, **kw),
    ],
    ids=["max_pool2d", "avg_pool2d"],
)
def test_pad_and_padding_are_one_argument(call):
    np.testing.assert_array_equal(call(pad=1), call(padding=1))
    assert call(pad=1).shape != call().shape  # the default is 0, not 1
    np.testing.assert_array_equal(call(), call(padding=0))
    with pytest.raises(TypeError, match=r"both padding=1 and pad=1"):
        call(pad=1, padding=1)
    with pytest.raises(TypeError, match=r"both padding=0 and pad=0"):
        call(pad=0, padding=0)
