"""A backend's own kernels (cuDNN convolution, fused derivatives on CuPy): when they are
used, that their results are taken, and that the portable path runs where they are absent,
decline, or a transform is watching. On a GPU the ``backend`` cases compare CuPy's kernels with
the NumPy path."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from fake_backend import DeviceArray, register_device_fake

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero import backends, random
from fnzero.backends.cupy_kernels import make_kernels
from fnzero.test_util import check_grads

GEO = {"stride": (1, 1), "padding": (1, 1), "dilation": (1, 1), "groups": 1}


class Spy:
    """A kernel that records its calls and returns ``result`` (None: declines)."""

    def __init__(self, result=None):
        self.result = result
        self.calls: list[tuple] = []

    def __call__(self, *args, **params):
        self.calls.append((args, params))
        return self.result


def register_with(monkeypatch, **kernels) -> backends.Backend:
    return register_device_fake(monkeypatch, kernels=kernels)


def on_fake(a):
    return np.asarray(a).view(DeviceArray)


def marker(shape, value=7.0):
    return np.full(shape, value, np.float32).view(DeviceArray)


def images(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2, 3, 6, 6)).astype(np.float32), rng.standard_normal((4, 3, 3, 3)).astype(
        np.float32
    )


# -- the lookup -------------------------------------------------------------------------------


def test_numpy_has_no_kernels_of_its_own():
    assert backends.get("numpy").kernels == {}
    x = np.ones((2, 2))
    assert backends.own_kernel("elementwise", x, x, expression="{0}", label="n") is None


def test_own_kernel_needs_every_array_on_its_backend(monkeypatch):
    spy = Spy(result="ran")
    register_with(monkeypatch, k=spy)
    a, b = on_fake([1.0]), on_fake([2.0])
    assert backends.own_kernel("k", a, b, p=3) == "ran"
    assert spy.calls[0][1] == {"p": 3} and spy.calls[0][0][0] is a
    assert backends.own_kernel("k", a, np.array([2.0])) is None  # mixed: the portable code says why
    assert backends.own_kernel("k", 1.0, a) is None  # a scalar first: no backend to ask
    assert backends.own_kernel("missing", a, b) is None
    assert len(spy.calls) == 1


# -- convolution and pooling --------------------------------------------------------------------


def test_conv2d_takes_the_kernels_result(monkeypatch):
    x, w = images()
    spy = Spy(marker((2, 4, 6, 6)))
    register_with(monkeypatch, conv2d=spy)
    out = nn.conv2d(on_fake(x), on_fake(w), padding=1)
    np.testing.assert_array_equal(np.asarray(out), 7.0)
    ((args, params),) = spy.calls
    assert params == GEO and args[0].shape == x.shape and args[1].shape == w.shape


@pytest.mark.parametrize("name", ["conv_transpose2d", "conv2d_weight_grad"])
def test_conv2d_gradients_take_the_kernels_results(monkeypatch, name):
    x, w = images()
    shape = x.shape if name == "conv_transpose2d" else w.shape
    spy = Spy(marker(shape))
    register_with(monkeypatch, **{name: spy})
    argnum = 0 if name == "conv_transpose2d" else 1
    g = fz.grad(lambda x, w: fnp.sum(nn.conv2d(x, w, padding=1)), argnums=argnum)(on_fake(x), on_fake(w))
    np.testing.assert_array_equal(np.asarray(g), 7.0)
    ((args, params),) = spy.calls
    expected = {"hw": (6, 6)} if name == "conv_transpose2d" else {"kernel": (3, 3)}
    assert params == {**expected, **GEO}


def test_conv_kernels_that_decline_leave_the_im2col_path(monkeypatch):
    x, w = images()
    names = ("conv2d", "conv_transpose2d", "conv2d_weight_grad")
    spies = {n: Spy() for n in names}
    register_with(monkeypatch, **spies)

    def loss(x, w):
        return fnp.sum(nn.conv2d(x, w, padding=1, stride=2) ** 2)

    want = fz.value_and_grad(loss, argnums=(0, 1))(x, w)
    got = fz.value_and_grad(loss, argnums=(0, 1))(on_fake(x), on_fake(w))
    for a, b in zip(fz.tree.leaves(got), fz.tree.leaves(want)):
        assert type(a) is DeviceArray
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-6)
    assert all(len(spies[n].calls) == 1 for n in names)


def test_max_pool_gradient_takes_the_kernels_result(monkeypatch):
    x, _ = images()
    spy = Spy(marker(x.shape))
    register_with(monkeypatch, max_pool2d_scatter=spy)
    g = fz.grad(lambda x: fnp.sum(nn.max_pool2d(x, 2)))(on_fake(x))
    np.testing.assert_array_equal(np.asarray(g), 7.0)
    ((args, params),) = spy.calls
    assert params == {"kernel": (2, 2), "stride": (2, 2), "padding": (0, 0)}
    assert [a.shape for a in args] == [(2, 3, 3, 3), x.shape, (2, 3, 3, 3)]


# -- fused derivatives ------------------------------------------------------------------------

DERIVATIVE_PRIMITIVES = [
    ("relu_derivative", nn.relu),
    ("tanh_derivative", fnp.tanh),
    ("sigmoid_derivative", nn.sigmoid),
]


@pytest.mark.parametrize("name, f", DERIVATIVE_PRIMITIVES)
def test_a_derivative_runs_as_one_kernel_of_its_expression(monkeypatch, name, f):
    x = np.linspace(-2, 2, 6).astype(np.float32)
    spy = Spy(marker(x.shape))
    register_with(monkeypatch, elementwise=spy)
    g = fz.grad(lambda x: fnp.sum(f(x)))(on_fake(x))
    np.testing.assert_array_equal(np.asarray(g), 7.0)
    ((args, params),) = spy.calls
    assert params["label"] == f"fnzero_{name}" and "{0}" in params["expression"]
    assert len(args) == 2


PORTABLE = {
    "relu_derivative": lambda g, x: g * (x > 0),
    "tanh_derivative": lambda g, y: g * (1 - y * y),
    "sigmoid_derivative": lambda g, y: g * (y * (1 - y)),
}


@pytest.mark.parametrize("name, f", DERIVATIVE_PRIMITIVES)
def test_a_derivative_kernel_sees_plain_arrays_and_higher_derivatives_hold(monkeypatch, name, f):
    """Under an outer grad the derivative primitive is recorded and differentiated by its own
    rules; its kernel only ever sees plain arrays."""
    x = np.linspace(-2, 2, 6)
    seen = []

    def kernel(*arrays, expression, label):
        seen.append(tuple(type(a) for a in arrays))
        return PORTABLE[label.removeprefix("fnzero_")](*arrays)

    register_with(monkeypatch, elementwise=kernel)
    d2 = fz.grad(lambda x: fnp.sum(fz.grad(lambda y: fnp.sum(f(y) * y))(x)))
    want = d2(x)
    got = d2(on_fake(x))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
    assert seen and all(types == (DeviceArray, DeviceArray) for types in seen)


# -- random bits ------------------------------------------------------------------------------


def test_a_threefry_kernel_fills_the_counters_start_plus_i_under_the_stream(monkeypatch):
    """The contract CuPy's one-launch Threefry kernel implements: the same numbers as NumPy."""
    calls = []

    def threefry_range_(x0, x1, key, start, stream):
        calls.append((len(x0), start))
        counters = np.arange(start, start + len(x0), dtype=np.uint32)
        y0, y1 = random.threefry2x32(*key, counters, np.full_like(counters, stream))
        x0[...], x1[...] = y0, y1
        return x0

    register_with(monkeypatch, threefry_range_=threefry_range_)
    key = random.key(3)
    for draw in (
        lambda b: random.uniform(key, (1001,), backend=b),
        lambda b: random.uniform(key, (7,), np.float64, backend=b),
        lambda b: random.bernoulli(key, 0.3, (64,), backend=b),
    ):
        got = draw("device")
        assert type(got) is DeviceArray
        np.testing.assert_array_equal(got.view(np.ndarray), draw("numpy"))
    assert calls and all(start == 0 for _, start in calls)


# -- the CuPy kernels' wrappers, against CuPy 13's cupyx.cudnn signatures (stubbed) ---------------


def _stub_cudnn(monkeypatch):
    """Stand-ins for cupyx.cudnn's three convolutions with CuPy 13's signatures, computing with
    fnzero's NumPy path into the preallocated output, as cuDNN writes into it."""

    def check(out, result):
        assert out.shape == result.shape and out.dtype == result.dtype
        out[...] = result

    def convolution_forward(x, W, b, y, pad, stride, dilation, groups, *, auto_tune, tensor_core):
        assert b is None and tensor_core == "never" and not auto_tune
        geo = {"stride": stride, "padding": pad, "dilation": dilation, "groups": groups}
        check(y, nn.conv2d(x, W, **geo))

    def convolution_backward_data(W, x, b, y, pad, stride, dilation, groups, **options):
        assert b is None and options == {"deterministic": True, "auto_tune": False, "tensor_core": "never"}
        geo = {"stride": stride, "padding": pad, "dilation": dilation, "groups": groups}
        _, vjp = fz.vjp(lambda image: nn.conv2d(image, W, **geo), np.zeros(y.shape, y.dtype))
        check(y, vjp(x)[0])

    def convolution_backward_filter(x, gy, gW, pad, stride, dilation, groups, **options):
        assert options == {"deterministic": True, "auto_tune": False, "tensor_core": "never"}
        geo = {"stride": stride, "padding": pad, "dilation": dilation, "groups": groups}
        _, vjp = fz.vjp(lambda w: nn.conv2d(x, w, **geo), np.zeros(gW.shape, gW.dtype))
        check(gW, vjp(gy)[0])

    cudnn = types.ModuleType("cupyx.cudnn")
    cudnn.convolution_forward = convolution_forward
    cudnn.convolution_backward_data = convolution_backward_data
    cudnn.convolution_backward_filter = convolution_backward_filter
    cupyx = types.ModuleType("cupyx")
    cupyx.cudnn = cudnn
    cuda = types.ModuleType("cupy.cuda")
    cuda.cudnn = types.SimpleNamespace(available=True)
    cupy = types.ModuleType("cupy")
    cupy.cuda = cuda
    cupy.empty = np.empty
    cupy.ElementwiseKernel = lambda *args: None
    for name, module in (("cupy", cupy), ("cupy.cuda", cuda), ("cupyx", cupyx), ("cupyx.cudnn", cudnn)):
        monkeypatch.setitem(sys.modules, name, module)
    return cupy


@pytest.mark.parametrize(
    "geo",
    [
        {"stride": (1, 1), "padding": (1, 1), "dilation": (1, 1), "groups": 1},
        {"stride": (2, 1), "padding": (0, 2), "dilation": (1, 2), "groups": 3},
    ],
)
def test_cudnn_wrappers_call_cupy_13s_signatures(monkeypatch, geo):
    kernels = make_kernels(_stub_cudnn(monkeypatch))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    w = rng.standard_normal((6, 3 // geo["groups"], 3, 2)).astype(np.float32)
    y = nn.conv2d(x, w, **geo)
    np.testing.assert_allclose(kernels["conv2d"](x, w, **geo), y, rtol=1e-6)
    _, vjp = fz.vjp(lambda x, w: nn.conv2d(x, w, **geo), x, w)
    gx, gw = vjp(y)
    np.testing.assert_allclose(kernels["conv_transpose2d"](y, w, hw=(7, 8), **geo), gx, rtol=1e-5)
    np.testing.assert_allclose(kernels["conv2d_weight_grad"](x, y, kernel=(3, 2), **geo), gw, rtol=1e-5)
    assert kernels["conv2d"](x.astype(np.float16), w.astype(np.float16), **geo) is None


def test_without_cudnn_only_the_fused_kernels_are_made(monkeypatch):
    cupy = _stub_cudnn(monkeypatch)
    monkeypatch.setitem(sys.modules, "cupyx.cudnn", None)  # as in CuPy 14, which removed cuDNN
    assert sorted(make_kernels(cupy)) == [
        "elementwise",
        "max_pool2d_scatter",
        "threefry_range_",
    ]


# -- every backend's kernels agree with NumPy (on a GPU: cuDNN and the fused kernels) ----------


@pytest.mark.parametrize(
    "geo",
    [
        {"stride": 1, "padding": 1, "dilation": 1, "groups": 1},
        {"stride": 2, "padding": (0, 1), "dilation": (2, 1), "groups": 2},
    ],
)
def test_conv2d_and_its_gradients_match_numpy(backend, geo):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 9, 8)).astype(np.float32)
    w = rng.standard_normal((6, 4 // geo["groups"], 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)

    def loss(x, w, b):
        return fnp.sum(nn.conv2d(x, w, b, **geo) ** 2)

    want = fz.value_and_grad(loss, argnums=(0, 1, 2))(x, w, b)
    got = fz.value_and_grad(loss, argnums=(0, 1, 2))(*fz.device_put((x, w, b), backend.name))
    for a, e in zip(fz.tree.leaves(got), fz.tree.leaves(want)):
        assert backends.backend_of(a) is backend and a.dtype == np.float32
        np.testing.assert_allclose(backend.to_host(a), e, rtol=2e-4, atol=2e-4)


def test_max_pool_gradient_matches_numpy_with_ties(backend):
    """After relu many windows are all zeros: the gradient goes to each window's first maximum."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    x[0, 0, :2, :2] = 0.5  # a tie of positive values

    weights = np.arange(1.0, 10.0, dtype=np.float32).reshape(3, 3)

    def loss(x, w):
        return fnp.sum(nn.max_pool2d(nn.relu(x), 2) * w)

    want = fz.grad(loss)(x, weights)
    got = fz.grad(loss)(*fz.device_put((x, weights), backend.name))
    np.testing.assert_array_equal(backend.to_host(got), want)
    assert want[0, 0, 0, 0] != 0 and want[0, 0, 0, 1] == 0


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1)


DERIVATIVES = [
    (nn.relu, lambda x: (x > 0).astype(x.dtype)),
    (fnp.tanh, lambda x: 1 - np.tanh(x) ** 2),
    (nn.sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
]


@pytest.mark.parametrize("f, derivative", DERIVATIVES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_gradients_are_g_times_the_derivative(backend, f, derivative, dtype):
    """Including a NaN cotangent and an infinite input, which the fused kernels must pass as NumPy."""
    x = np.array([-3.0, -0.5, 0.0, 0.25, 2.0, np.inf], dtype)
    g = np.array([1.0, -2.0, 3.0, np.nan, 0.5, 1.0], dtype)
    with np.errstate(invalid="ignore"):
        want = g * derivative(x)
    got = fz.vjp(f, fz.device_put(x, backend.name))[1](fz.device_put(g, backend.name))[0]
    assert got.dtype == dtype
    np.testing.assert_allclose(backend.to_host(got), want, rtol=1e-6, atol=1e-7)


def test_activation_second_derivatives_on_each_backend(backend):
    x = fz.device_put(np.array([-1.5, -0.2, 0.3, 1.1]), backend.name)
    check_grads(lambda x: fnp.tanh(x) * nn.relu(x), (x,), order=2)
