"""Creation functions against NumPy on each backend; astype (its vjp casts back) and
stop_gradient."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FLOAT_DTYPES, arrays, assert_matches, check_float32_and_grads, host, on, with_backend

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.core.tracer import TRACER_TYPES

CREATION = [
    ("zeros", lambda f, **kw: f(3, **kw), {}),
    ("zeros", lambda f, **kw: f((2, 3), np.float32, **kw), {}),
    ("ones", lambda f, **kw: f((2, 1), **kw), {}),
    ("ones", lambda f, **kw: f((), np.int32, **kw), {}),
    ("full", lambda f, **kw: f((2, 2), 1.5, **kw), {}),
    ("full", lambda f, **kw: f(3, 7, np.float32, **kw), {}),
    ("arange", lambda f, **kw: f(5, **kw), {}),
    ("arange", lambda f, **kw: f(1.0, 2.0, 0.25, **kw), {}),
    ("arange", lambda f, **kw: f(2, 11, 3, dtype=np.float32, **kw), {}),
    ("linspace", lambda f, **kw: f(-1.0, 1.0, 5, **kw), {}),
    ("linspace", lambda f, **kw: f(0.0, 1.0, 4, endpoint=False, dtype=np.float32, **kw), {}),
    ("eye", lambda f, **kw: f(3, **kw), {}),
    ("eye", lambda f, **kw: f(2, 4, 1, dtype=np.float32, **kw), {}),
    ("eye", lambda f, **kw: f(3, k=-1, **kw), {}),
]


@pytest.mark.parametrize("name, call, _", CREATION, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CREATION)])
def test_creation_matches_numpy(backend, name, call, _):
    got = call(getattr(fnp, name), backend=backend.name)
    assert isinstance(got, backend.array_types)
    assert_matches(backend, got, call(getattr(np, name)))


def test_creation_defaults_to_numpy():
    assert isinstance(fnp.zeros(2), np.ndarray) and fnp.zeros(2).dtype == np.float64
    assert fnp.ones((1,)).dtype == np.float64 and fnp.eye(2).dtype == np.float64


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "full_like"])
@pytest.mark.parametrize("dtype", [None, np.float32, np.int64])
def test_like_functions_follow_their_argument_and_ignore_tracing(backend, name, dtype):
    x = backend.xp.asarray([[1.0, 2.0, 3.0]])
    extra = (2.5,) if name == "full_like" else ()
    expected = getattr(np, name)(np.array([[1.0, 2.0, 3.0]]), *extra, dtype=dtype)
    assert_matches(backend, getattr(fnp, name)(x, *extra, dtype=dtype), expected)

    def f(v):
        made = getattr(fnp, name)(v, *extra, dtype=dtype)
        assert type(made) not in TRACER_TYPES  # a constant: no derivative flows through it
        assert_matches(backend, made, expected)
        return fnp.sum(v * made)

    g = fz.grad(f)(x)
    assert_matches(backend, g, np.broadcast_to(expected, (1, 3)).astype(np.float64))


def test_asarray(backend):
    assert_matches(backend, fnp.asarray([[1, 2], [3, 4]], backend=backend.name), np.asarray([[1, 2], [3, 4]]))
    assert_matches(backend, fnp.asarray([1.0, 2.0], np.float32, backend=backend.name), np.float32([1.0, 2.0]))
    x = backend.xp.asarray([1.0, 2.0])
    assert isinstance(fnp.asarray(x), backend.array_types)
    assert_matches(backend, fnp.asarray(np.array([3.0]), backend=backend.name), [3.0])

    def f(v):
        assert fnp.asarray(v) is v  # traced values stay traced
        w = fnp.asarray(v, np.float32)
        assert type(w) in TRACER_TYPES and w.dtype == np.float32
        return fnp.sum(w * 2.0)

    g = fz.grad(f)(x)
    assert g.dtype == np.float64
    np.testing.assert_array_equal(host(backend, g), [2.0, 2.0])


@with_backend
@given(data=st.data(), source=st.sampled_from(FLOAT_DTYPES), target=st.sampled_from(FLOAT_DTYPES))
def test_astype_vjp_casts_back(backend, data, source, target):
    x = data.draw(arrays(), label="x")
    xs = on(backend, x.astype(source))
    assert_matches(backend, fnp.astype(xs, target), x.astype(source).astype(target))
    w = on(backend, data.draw(arrays(x.shape), label="w"))
    g = fz.grad(lambda v: fnp.sum(fnp.astype(v, target) * fnp.astype(w, target)))(xs)
    assert g.dtype == source and g.shape == x.shape
    np.testing.assert_allclose(host(backend, g), host(backend, w).astype(target).astype(source), rtol=1e-6)
    check_float32_and_grads(lambda v: fnp.astype(v, np.float64) ** 2, [on(backend, x)], order=2)
    assert fz.grad(lambda v: fnp.sum(v.astype(target)) * 1.0)(xs).dtype == source


@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool])
def test_astype_to_int_or_bool_has_zero_derivative(backend, dtype):
    host_x = np.array([1.7, -2.2, 0.0])
    x = backend.xp.asarray(host_x)
    assert_matches(backend, fnp.astype(x, dtype), host_x.astype(dtype))
    g = fz.grad(lambda v: fnp.sum(fnp.astype(fnp.astype(v, dtype), np.float64) * 2.5 + v * 0.5))(x)
    np.testing.assert_array_equal(host(backend, g), [0.5, 0.5, 0.5])


@with_backend
@given(x=arrays())
def test_stop_gradient(backend, x):
    xb = on(backend, x)
    assert_matches(backend, fnp.stop_gradient(xb), x)
    g = fz.grad(lambda v: fnp.sum(v * fnp.stop_gradient(v)))(xb)
    np.testing.assert_allclose(host(backend, g), x, rtol=1e-15)  # d/dv [v * const(v)] = v
    tree = fz.grad(lambda p: fnp.sum(fnp.stop_gradient(p)["a"]) + fnp.sum(p["b"] ** 2))({"a": xb, "b": xb})
    assert_matches(backend, tree["a"], np.zeros_like(x))
    assert_matches(backend, tree["b"], 2 * x)
    # Zero at every order.
    assert fz.grad(fz.grad(lambda v: fnp.stop_gradient(v) ** 3 + v))(1.5) == 0.0
