"""fnzero.onnx.export: exported models run in onnxruntime and agree with fnzero to float32
tolerance; unsupported primitives and a missing onnx package give clear errors."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnzero as fz
import fnzero.numpy as fnp
from fnzero import nn
from fnzero import onnx as fonnx

needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None,
    reason="the ONNX round trips need onnx and onnxruntime: pip install -e '.[onnx]'",
)


def _session(model):
    import onnxruntime

    return onnxruntime.InferenceSession(model.SerializeToString())


def _round_trip(fun, shape, seed=0, tolerance=1e-5, path=None, name="x"):
    """Export ``fun`` traced on one input, run the model on another in onnxruntime, compare;
    the model's input is named after ``fun``'s parameter (``name``)."""
    rng = np.random.default_rng(seed)
    model = fonnx.export(fun, (rng.normal(size=shape).astype(np.float32),), path)
    x = rng.normal(size=shape).astype(np.float32)  # other values than the traced example's
    (out,) = _session(model).run(None, {name: x})
    want = fun(x)
    assert out.shape == want.shape and out.dtype == want.dtype == np.float32
    np.testing.assert_allclose(out, want, rtol=tolerance, atol=tolerance)


@needs_onnx
@given(seed=st.integers(0, 2**16), batch=st.integers(1, 6), sigmoid=st.booleans())
def test_the_examples_mlp_round_trips_through_onnxruntime(seed, batch, sigmoid, tmp_path_factory):
    """digits_mlp's nn.MLP (relu) and spiral_mlp's (sigmoid), written to a file and read back."""
    activation = {"activation": nn.sigmoid} if sigmoid else {}
    mlp = nn.MLP([64, 32, 16, 10], key=fz.random.key(seed), **activation)
    path = tmp_path_factory.mktemp("onnx") / "mlp.onnx"
    _round_trip(mlp, (batch, 64), seed, path=path)
    assert path.stat().st_size > 4 * (64 * 32 + 32 * 16 + 16 * 10)  # the weights are in the file


@needs_onnx
def test_the_examples_cnn_round_trips_through_onnxruntime():
    """digits_cnn's network (conv, batch norm in inference mode, residual block, max pool,
    dropout, linear layers) with its running statistics as constants."""
    from fnzero.examples.digits_cnn import cnn

    net = cnn(8, key=fz.random.key(1))
    state = net.init_state()
    _round_trip(lambda x: net(x, state)[0], (3, 1, 8, 8))


@needs_onnx
def test_the_examples_lstm_round_trips_through_onnxruntime():
    """sine_rnn's BetterRNN: an LSTM unrolled over the time steps and a linear read-out."""
    from fnzero.examples.sine_rnn import BetterRNN

    model = BetterRNN(5, key=fz.random.key(2))
    _round_trip(lambda xs: model(xs)[0], (7, 2, 1), name="xs")


def test_the_examples_lstm_is_one_scan_under_jit_and_its_steps_in_onnx():
    """The recurrent layers run lax.scan: one loop equation in a jitted program; the export
    records the steps instead (ONNX has no such loop)."""
    from fnzero.examples.sine_rnn import BetterRNN

    model = BetterRNN(5, key=fz.random.key(2))
    xs = np.zeros((7, 2, 1), np.float32)
    jitted = [eq.primitive for eq in fz.jit(lambda xs: model(xs)[0]).lower(xs).equations]
    assert jitted.count("lax_scan") == 1 and "matmul" not in jitted[: jitted.index("lax_scan")]
    with fz.lax.unrolled_scans():
        unrolled = [eq.primitive for eq in fz.jit(lambda xs: model(xs)[0]).lower(xs).equations]
    assert "lax_scan" not in unrolled and unrolled.count("matmul") >= 2 * 7


def _many_ops(x, y):
    a = fnp.where(x > 0, fnp.sqrt(fnp.abs(x) + 1), fnp.exp(x)) * fnp.maximum(y, 0.5)
    b = fnp.sum(a**2, axis=0, keepdims=True) - fnp.max(a, axis=1, keepdims=True)
    c = fnp.transpose(fnp.reshape(b, (-1, 1)) / fnp.mean(fnp.minimum(a, 1.0)))
    d = fnp.broadcast_to(fnp.sin(x[0]) + fnp.cos(y[-1, ::-1]), (2, x.shape[1]))
    e = x[..., 1::2] * y[:, :1]
    return c, fnp.astype(-fnp.log(fnp.abs(d) + 1), np.float64), fnp.tanh(x @ fnp.transpose(y)), e


@needs_onnx
@given(shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4), seed=st.integers(0, 2**16))
def test_supported_primitives_agree_with_fnzero(shape, seed):
    rng = np.random.default_rng(seed)
    x, y = (rng.uniform(-2, 2, shape).astype(np.float32) for _ in range(2))
    session = _session(fonnx.export(_many_ops, (x, y)))
    x, y = (rng.uniform(-2, 2, shape).astype(np.float32) for _ in range(2))
    for got, want in zip(session.run(None, {"x": x, "y": y}), _many_ops(x, y)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


@needs_onnx
def test_a_gradient_of_activations_round_trips_through_onnxruntime():
    """The derivatives of tanh, sigmoid and relu are primitives with converters of their own."""
    x = np.linspace(-2, 2, 7).astype(np.float32) + 0.01
    model = fonnx.export(fz.grad(lambda x: fnp.sum(fnp.tanh(x) + nn.sigmoid(x) + nn.relu(x))), (x,))
    (got,) = _session(model).run(None, {"x": x})
    t, s = np.tanh(x), 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(got, (1 - t * t) + s * (1 - s) + (x > 0), rtol=1e-5, atol=1e-6)


@needs_onnx
def test_unsupported_primitives_are_named():
    with pytest.raises(NotImplementedError, match="cumsum, pad"):
        fonnx.export(
            lambda x: fnp.cumsum(x, axis=0) + fnp.pad(x, 1)[1:-1, 1:-1], (np.ones((2, 2), np.float32),)
        )


@needs_onnx
def test_constant_outputs_are_refused():
    with pytest.raises(ValueError, match="do not depend on the inputs"):
        fonnx.export(lambda x: (x * 2, fnp.zeros(3)), (np.ones(2, np.float32),))


def test_without_the_onnx_package_the_error_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match="pip install onnx"):
        fonnx.export(lambda x: x * 2, (np.ones(2, np.float32),))


@needs_onnx
@pytest.mark.parametrize("model", ["NetWidth", "NetDepth"])
def test_cifar_nets_round_trip_through_onnxruntime(model):
    """cifar2_comparison's networks on 32x32 colour images."""
    from fnzero.nn import models

    _round_trip(getattr(models, model)(key=fz.random.key(0)), (2, 3, 32, 32), tolerance=1e-4)


@needs_onnx
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mean_squared_error_round_trips_through_onnxruntime(reduction):
    target = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    _round_trip(lambda x: nn.mean_squared_error(x, target, reduction=reduction), (4, 3), tolerance=1e-4)
