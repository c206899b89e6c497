"""fnzero.onnx.export: exported models run in onnxruntime and agree with fnzero to float32
tolerance; unsupported primitives and a missing onnx package give clear errors."""

from __future__ import annotations

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


def _session(model):
    ort = pytest.importorskip("onnxruntime")
    return ort.InferenceSession(model.SerializeToString())


def _mlp(seed: int):
    rng = np.random.default_rng(seed)
    p = [
        rng.normal(size=(8, 16)).astype(np.float32),
        rng.normal(size=16).astype(np.float32),
        rng.normal(size=(16, 4)).astype(np.float32),
        rng.normal(size=4).astype(np.float32),
    ]

    def mlp(x):
        h = nn.relu(x @ p[0] + p[1])
        return nn.log_softmax(nn.tanh(h) @ p[2] + p[3])

    return mlp


@given(seed=st.integers(0, 2**16), batch=st.integers(1, 6))
def test_mlp_round_trip_through_onnxruntime(seed, batch, tmp_path_factory):
    pytest.importorskip("onnx")
    mlp = _mlp(seed)
    rng = np.random.default_rng(seed + 1)
    path = tmp_path_factory.mktemp("onnx") / "mlp.onnx"
    fonnx.export(mlp, (rng.normal(size=(batch, 8)).astype(np.float32),), path)
    ort = pytest.importorskip("onnxruntime")
    x = rng.normal(size=(batch, 8)).astype(np.float32)  # other values than the example's
    (out,) = ort.InferenceSession(str(path)).run(None, {"x": x})
    np.testing.assert_allclose(out, mlp(x), rtol=1e-5, atol=1e-5)


def _many_ops(x, y):
    a = fnp.where(x > 0, fnp.sqrt(fnp.abs(x) + 1), fnp.exp(x)) * fnp.maximum(y, 0.5)
    b = fnp.sum(a**2, axis=0, keepdims=True) - fnp.max(a, axis=1, keepdims=True)
    c = fnp.transpose(fnp.reshape(b, (-1, 1)) / fnp.mean(fnp.minimum(a, 1.0)))
    d = fnp.broadcast_to(fnp.sin(x[0]) + fnp.cos(y[-1, ::-1]), (2, x.shape[1]))
    e = x[..., 1::2] * y[:, :1]
    return c, fnp.astype(-fnp.log(fnp.abs(d) + 1), np.float64), fnp.tanh(x @ fnp.transpose(y)), e


@given(shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4), seed=st.integers(0, 2**16))
def test_supported_primitives_agree_with_fnzero(shape, seed):
    pytest.importorskip("onnx")
    rng = np.random.default_rng(seed)
    x, y = (rng.uniform(-2, 2, shape).astype(np.float32) for _ in range(2))
    session = _session(fonnx.export(_many_ops, (x, y)))
    x, y = (rng.uniform(-2, 2, shape).astype(np.float32) for _ in range(2))
    for got, want in zip(session.run(None, {"x": x, "y": y}), _many_ops(x, y)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


def test_unsupported_primitives_are_named():
    pytest.importorskip("onnx")
    with pytest.raises(NotImplementedError, match="cumsum, pad"):
        fonnx.export(
            lambda x: fnp.cumsum(x, axis=0) + fnp.pad(x, 1)[1:-1, 1:-1], (np.ones((2, 2), np.float32),)
        )


def test_constant_outputs_are_refused():
    pytest.importorskip("onnx")
    with pytest.raises(ValueError, match="do not depend on the inputs"):
        fonnx.export(lambda x: (x * 2, fnp.zeros(3)), (np.ones(2, np.float32),))


def test_without_the_onnx_package_the_error_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match="pip install onnx"):
        fonnx.export(lambda x: x * 2, (np.ones(2, np.float32),))


def test_lstm_round_trip_through_onnxruntime():
    pytest.importorskip("onnx")
    from fnzero.nn.layers.recurrent import LSTM

    lstm = LSTM(3, 5, key=fz.random.key(0))
    rng = np.random.default_rng(0)
    forward = lambda xs: lstm(xs)[0]  # noqa: E731
    session = _session(fonnx.export(forward, (rng.normal(size=(6, 2, 3)).astype(np.float32),)))
    xs = rng.normal(size=(6, 2, 3)).astype(np.float32)
    (out,) = session.run(None, {"x": xs})
    np.testing.assert_allclose(out, forward(xs), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model", ["NetWidth", "NetDepth"])
def test_cnn_round_trip_through_onnxruntime(model):
    pytest.importorskip("onnx")
    from fnzero.nn import models

    net = getattr(models, model)(key=fz.random.key(0))
    rng = np.random.default_rng(0)
    session = _session(fonnx.export(net, (rng.normal(size=(2, 3, 32, 32)).astype(np.float32),)))
    x = rng.normal(size=(2, 3, 32, 32)).astype(np.float32)
    (out,) = session.run(None, {"x": x})
    np.testing.assert_allclose(out, net(x), rtol=1e-4, atol=1e-5)
