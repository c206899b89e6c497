"""conv2d, conv_transpose2d, im2col and col2im against plain nested-loop references, the
book's worked example, derivatives to second order, and bad input.

conv_transpose2d's two kernels (a correlation with the flipped kernel at stride 1 when the
input has no more channels than the output, im2col columns scattered back otherwise) give
the nested-loop reference's numbers, on either side of every condition that picks the kernel.

DeZero's ``pad=`` and PyTorch/JAX's ``padding=`` name one argument: either is accepted, both
at once is an error naming both, and the default is no padding; the comparison with JAX
skips where JAX is missing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero.nn.convolution import conv_transpose2d
from fnzero.nn.im2col import col2im, im2col
from fnzero.test_util import check_grads
from tests.optional_jax import jax, needs_jax


def reference_conv2d(x, w, b, stride, padding, dilation, groups):
    """The definition, one output entry at a time."""
    n_, c_, h, wd = x.shape
    o_, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n_, o_, oh, ow))
    per_group = o_ // groups
    for n in range(n_):
        for o in range(o_):
            g = o // per_group
            for i in range(oh):
                for j in range(ow):
                    total = 0.0 if b is None else b[o]
                    for c in range(cg):
                        for ki in range(kh):
                            for kj in range(kw):
                                total += (
                                    xp[n, g * cg + c, i * sh + ki * dh, j * sw + kj * dw] * w[o, c, ki, kj]
                                )
                    out[n, o, i, j] = total
    return out


def reference_conv_transpose2d(x, w, stride, padding, output_padding, dilation, groups):
    """The definition: every input entry spreads its kernel-weighted copy over the output."""
    n_, cin, h, wd = x.shape
    _, og, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw), (eh, ew) = stride, padding, dilation, output_padding
    oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + eh + 1
    ow = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ew + 1
    out = np.zeros((n_, og * groups, oh + 2 * ph, ow + 2 * pw))
    per_group = cin // groups
    for n in range(n_):
        for c in range(cin):
            g = c // per_group
            for i in range(h):
                for j in range(wd):
                    for o in range(og):
                        for ki in range(kh):
                            for kj in range(kw):
                                out[n, g * og + o, i * sh + ki * dh, j * sw + kj * dw] += (
                                    x[n, c, i, j] * w[c, o, ki, kj]
                                )
    return out[:, :, ph : ph + oh, pw : pw + ow]


@st.composite
def conv_cases(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = []
    for k, d, p in zip(kernel, dilation, padding):
        smallest = max(1, d * (k - 1) + 1 - 2 * p)
        size.append(draw(st.integers(smallest, smallest + 4)))
    n = draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((n, cg * groups, *size))
    w = rng.standard_normal((og * groups, cg, *kernel))
    b = rng.standard_normal(og * groups) if draw(st.booleans()) else None
    return x, w, b, {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


@given(conv_cases())
def test_conv2d_equals_the_nested_loop_reference(case):
    x, w, b, geo = case
    np.testing.assert_allclose(nn.conv2d(x, w, b, **geo), reference_conv2d(x, w, b, **geo), atol=1e-12)


def _recovering_padding(x, w, geo):
    """The output_padding that makes conv_transpose2d map conv2d's output back to x's size."""
    return tuple(
        (size + 2 * p - d * (k - 1) - 1) % s
        for size, k, s, p, d in zip(x.shape[2:], w.shape[2:], geo["stride"], geo["padding"], geo["dilation"])
    )


@given(conv_cases())
def test_conv_transpose2d_equals_the_nested_loop_reference(case):
    x, w, _, geo = case
    extra = _recovering_padding(x, w, geo)
    # conv_transpose2d's weight maps its input channels (w.shape[0]) to w.shape[1] * groups.
    y = nn.conv2d(x, w, **geo)
    got = nn.conv_transpose2d(y, w, output_padding=extra, **geo)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, reference_conv_transpose2d(y, w, output_padding=extra, **geo), atol=1e-12)


def test_book_worked_example():
    x = np.array([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]], np.float32).reshape(1, 1, 4, 4)
    w = np.array([[2, 0, 1], [0, 1, 2], [1, 0, 2]], np.float32).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(nn.conv2d(x, w)[0, 0], [[15, 16], [6, 15]])
    np.testing.assert_array_equal(
        nn.conv2d(x, w, padding=1)[0, 0],
        [[7, 12, 10, 2], [4, 15, 16, 10], [10, 6, 15, 6], [8, 10, 4, 3]],
    )
    assert nn.conv2d(x, w).dtype == np.float32


def test_conv2d_on_each_backend(backend):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 2, 3, 2)), rng.standard_normal(6)
    geo = {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "groups": 2}
    got = nn.conv2d(*fz.device_put((x, w, b), backend.name), **geo)
    np.testing.assert_allclose(
        backend.to_host(got), reference_conv2d(x, w, b, (2, 1), (1, 1), (1, 2), 2), atol=1e-12
    )


@settings(max_examples=8)
@given(conv_cases())
def test_conv2d_derivatives_to_second_order(case):
    x, w, b, geo = case
    if b is None:
        check_grads(lambda x, w: nn.conv2d(x, w, **geo), (x, w), order=2)
    else:
        check_grads(lambda x, w, b: nn.conv2d(x, w, b, **geo), (x, w, b), order=2)


@settings(max_examples=8)
@given(conv_cases())
def test_conv_transpose2d_derivatives_to_second_order(case):
    x, w, b, geo = case
    y = nn.conv2d(x, w, **geo)
    extra = _recovering_padding(x, w, geo)
    check_grads(lambda y, w: nn.conv_transpose2d(y, w, output_padding=extra, **geo), (y, w), order=2)


def test_third_order_through_a_nonlinearity():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    check_grads(lambda x, w: fnp.tanh(nn.conv2d(x, w, stride=2, padding=1)), (x, w), order=3)


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
    geo = {"stride": (2, 3), "padding": (1, 0), "dilation": (2, 1)}
    y = nn.conv2d(x, w, **geo)
    u = rng.standard_normal(y.shape)
    extra = (0, 1)  # y is 3 x 2; going back to 7 x 6 takes one extra column
    back = nn.conv_transpose2d(u, w, output_padding=extra, **geo)
    assert back.shape == x.shape
    assert np.sum(y * u) == pytest.approx(np.sum(x * back), rel=1e-12)


def test_gradient_of_conv2d_input_is_conv_transpose2d():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    g = rng.standard_normal((1, 3, 3, 3))
    _, vjp = fz.vjp(lambda x: nn.conv2d(x, w, stride=2, padding=1), x)
    (gx,) = vjp(g)
    np.testing.assert_allclose(
        gx, nn.conv_transpose2d(g, w, stride=2, padding=1, output_padding=1), atol=1e-12
    )


def test_float32_stays_float32_through_grad():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = np.zeros(4, np.float32)
    gw, gb = fz.grad(lambda w, b: fnp.sum(nn.conv2d(x, w, b, padding=1) ** 2), argnums=(0, 1))(w, b)
    assert gw.dtype == np.float32 and gw.shape == w.shape and gb.dtype == np.float32


def reference_im2col(x, k, s, p):
    """DeZero's layout: one row per window position (n, i, j), columns ordered (c, ki, kj)."""
    n_, c_, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    rows = []
    for n in range(n_):
        for i in range(oh):
            for j in range(ow):
                rows.append(
                    [xp[n, c, i * s + a, j * s + b] for c in range(c_) for a in range(k) for b in range(k)]
                )
    return np.array(rows)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.integers(3, 6), st.integers(0, 2**32 - 1))
def test_im2col_matches_dezero_layout_and_col2im_is_its_adjoint(k, s, p, size, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2, size, size + 1))
    cols = nn.im2col(x, k, s, p)
    np.testing.assert_array_equal(cols, reference_im2col(x, k, s, p))
    u = rng.standard_normal(cols.shape)
    assert np.sum(cols * u) == pytest.approx(np.sum(x * nn.col2im(u, x.shape, k, s, p)), rel=1e-12)
    six = nn.im2col(x, k, s, p, to_matrix=False)
    assert six.shape == (
        2,
        2,
        k,
        k,
        nn.get_conv_outsize(size, k, s, p),
        nn.get_conv_outsize(size + 1, k, s, p),
    )


def test_im2col_and_col2im_differentiate_to_second_order():
    x = np.random.default_rng(5).standard_normal((1, 2, 5, 4))
    check_grads(lambda x: fnp.sin(nn.im2col(x, 3, 2, 1)), (x,), order=2)
    cols = nn.im2col(x, 2, 1, 0)
    check_grads(lambda c: fnp.sin(nn.col2im(c, x.shape, 2, 1, 0)), (cols,), order=2)


def test_get_conv_outsize_is_dezeros_formula():
    assert nn.get_conv_outsize(4, 3, 1, 0) == 2
    assert nn.get_conv_outsize(4, 3, 1, 1) == 4
    assert nn.get_conv_outsize(7, 3, 2, 1) == 4


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda: nn.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 2, 3, 3))),
            r"\(1, 3, 5, 5\) has 3 channels.*\(2, 2, 3, 3\)",
        ),
        (lambda: nn.conv2d(np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3)), groups=2), "divide by groups"),
        (
            lambda: nn.conv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))),
            r"larger than the input \(1, 1, 2, 2\)",
        ),
        (
            lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=0),
            "stride must be at least 1",
        ),
        (
            lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding=-1),
            "padding must be at least 0",
        ),
        (lambda: nn.conv2d(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3))), r"\(N, C, H, W\) input"),
        (
            lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), np.ones(3)),
            r"bias of shape \(3,\)",
        ),
        (lambda: nn.conv_transpose2d(np.ones((1, 2, 3, 3)), np.ones((3, 1, 3, 3))), r"has 2 channels"),
        (
            lambda: nn.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), output_padding=1),
            "output_padding",
        ),
        (lambda: nn.im2col(np.ones((1, 1, 2, 2)), 3), "does not fit"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_shapes(call, words):
    with pytest.raises(ValueError, match=words):
        call()


@given(conv_cases(), st.lists(st.booleans(), min_size=3, max_size=3))
def test_conv2d_tape_node_reuses_the_forward_columns_exactly(case, needed):
    """A tape records conv2d (and its bias) as one node that keeps the im2col columns: its
    rule's weight gradient from them equals the conv2d_weight_grad primitive's, for every
    geometry, and it computes only the cotangents asked for."""
    from fnzero.lax import convolution

    x, w, b, geo = case
    args = (x, w) if b is None else (x, w, b)
    needed = needed[: len(args)]
    out, cols = convolution._conv_forward(*args, **geo)
    assert cols is not None
    np.testing.assert_allclose(out, reference_conv2d(x, w, b, **geo), atol=1e-12)
    g = np.random.default_rng(0).standard_normal(out.shape)
    with_cols = convolution._conv_vjp([g, None], (out, cols), *args, needed=needed, **geo)
    without = convolution._conv_vjp([g, None], (out, None), *args, needed=needed, **geo)
    for k, (got, want) in enumerate(zip(with_cols, without)):
        assert (got is None) == (not needed[k])
        if got is not None:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_conv2d_gradient_for_the_weights_only_never_builds_the_inputs(monkeypatch):
    from fnzero.lax import convolution

    calls = []
    transpose = convolution.conv_transpose2d_p
    spy = lambda *a, **k: calls.append(1) or transpose(*a, **k)  # noqa: E731
    monkeypatch.setattr(convolution, "conv_transpose2d_p", spy)
    x, w = np.ones((2, 1, 5, 5)), np.ones((3, 1, 3, 3))
    g = fz.grad(lambda w: fnp.sum(nn.conv2d(x, w, padding=1) ** 2))(w)
    assert g.shape == w.shape and not calls
    fz.grad(lambda x: fnp.sum(nn.conv2d(x, w, padding=1) ** 2))(x)
    assert calls


def test_conv2d_linearized_equals_its_jvp():
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    tangents = [rng.standard_normal(a.shape) for a in (x, w, b)]
    f = lambda x, w, b: nn.conv2d(x, w, b, padding=1, stride=2)  # noqa: E731
    _, f_lin = fz.linearize(f, x, w, b)
    _, want = fz.jvp(f, (x, w, b), tuple(tangents))
    np.testing.assert_allclose(f_lin(*tangents), want, rtol=1e-12, atol=1e-12)


def test_weight_grad_from_columns_has_the_weight_grads_value_and_derivatives():
    """The primitive the tape's rule calls with the forward's columns is conv2d_weight_grad
    with a cache: same value, vjp, jvp and vmap in both the image and the cotangent."""
    from fnzero.lax import convolution

    rng = np.random.default_rng(3)
    x, gy = rng.standard_normal((2, 4, 5, 5)), rng.standard_normal((2, 6, 3, 3))
    geo = {"kernel": (3, 3), "stride": (2, 2), "padding": (1, 1), "dilation": (1, 1), "groups": 2}
    cols, _ = convolution._grouped_cols(x, (3, 3), (2, 2), (1, 1), (1, 1), 2)

    def cached(x, gy):
        return convolution.conv2d_weight_grad_from_columns_p(x, gy, cols, **geo)

    def plain(x, gy):
        return convolution.conv2d_weight_grad_p(x, gy, **geo)

    np.testing.assert_allclose(cached(x, gy), plain(x, gy), rtol=1e-12, atol=1e-12)
    u = rng.standard_normal((6, 2, 3, 3))
    tangents = (rng.standard_normal(x.shape), rng.standard_normal(gy.shape))
    for got, want in [
        (fz.vjp(cached, x, gy)[1](u), fz.vjp(plain, x, gy)[1](u)),
        (fz.jvp(cached, (x, gy), tangents)[1], fz.jvp(plain, (x, gy), tangents)[1]),
        (fz.vmap(cached, (None, 0))(x, np.stack([gy, -gy])), np.stack([plain(x, gy), plain(x, -gy)])),
    ]:
        for a, b in zip(fz.tree.leaves(got), fz.tree.leaves(want)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# (in channels, out channels per group, groups, stride, padding, dilation, output_padding)
CASES = [
    (4, 4, 1, (1, 1), (1, 1), (1, 1), (0, 0)),  # flipped kernel
    (2, 6, 1, (1, 1), (0, 1), (2, 1), (0, 0)),  # flipped kernel, dilation, uneven padding
    (4, 3, 2, (1, 1), (1, 0), (1, 2), (0, 0)),  # flipped kernel, groups
    (3, 3, 1, (1, 1), (3, 1), (1, 1), (0, 0)),  # padding beyond the kernel: scattered back
    (6, 2, 1, (1, 1), (1, 1), (1, 1), (0, 0)),  # more input channels: scattered back
    (2, 2, 1, (2, 1), (1, 1), (1, 1), (1, 0)),  # stride 2: scattered back
]


@pytest.mark.parametrize("cin, og, groups, stride, padding, dilation, extra", CASES)
def test_conv_transpose2d_kernels_equal_the_reference(cin, og, groups, stride, padding, dilation, extra):
    rng = np.random.default_rng(cin * 100 + og * 10 + groups)
    y = rng.standard_normal((2, cin, 5, 6))
    w = rng.standard_normal((cin, og, 3, 3))
    geo = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    got = nn.conv_transpose2d(y, w, output_padding=extra, **geo)
    want = reference_conv_transpose2d(y, w, output_padding=extra, **geo)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-12)


# DeZero's ``pad=`` and PyTorch/JAX's ``padding=`` name one argument of conv2d,
# conv_transpose2d, im2col and col2im (and of the poolings, tests/nn/test_pooling.py).
RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 3, 6, 5))
W = RNG.normal(size=(4, 3, 3, 3))
B = RNG.normal(size=(4,))


@needs_jax
def test_conv2d_with_the_books_pad_agrees_with_jax():
    # Values only: the derivatives are those of padding=, the same code (checked below).
    theirs = jax.lax.conv_general_dilated(X, W, (1, 1), [(1, 1), (2, 2)]) + B[None, :, None, None]
    np.testing.assert_allclose(nn.conv2d(X, W, B, pad=(1, 2)), np.asarray(theirs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda **kw: nn.conv2d(X, W, B, stride=2, **kw),
        lambda **kw: conv_transpose2d(X, W.transpose(1, 0, 2, 3), stride=2, **kw),
        lambda **kw: im2col(X, 3, 1, **kw),
    ],
    ids=["conv2d", "conv_transpose2d", "im2col"],
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
