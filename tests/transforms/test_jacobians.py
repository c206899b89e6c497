"""jacfwd, jacrev and hessian: JAX's layout on pytrees, agreement between the two modes and
with finite differences, and a Hessian-vector product that never builds the Hessian."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnzero as fz
import fnzero.numpy as fnp

SHAPES = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)


def _pytree_function(p):
    a, b = p["a"], p["b"][0]
    return {
        "mixed": fnp.tanh(a) * fnp.sum(b**2),
        "pair": (fnp.sum(fnp.sin(a)), b * 2.0 + fnp.mean(a)),
    }


@given(shape_a=SHAPES, shape_b=SHAPES, seed=st.integers(0, 1000))
def test_jacfwd_equals_jacrev_on_pytrees_with_jax_layout(shape_a, shape_b, seed):
    rng = np.random.default_rng(seed)
    p = {"a": rng.standard_normal(shape_a), "b": [rng.standard_normal(shape_b)]}
    out = _pytree_function(p)
    jf = fz.jacfwd(_pytree_function)(p)
    jr = fz.jacrev(_pytree_function)(p)
    # Output structure outside, input structure inside; leaf shape out.shape + in.shape.
    expected = fz.tree.map(lambda y: fz.tree.map(lambda x: np.shape(y) + np.shape(x), p), out)
    assert fz.tree.map(np.shape, jf) == expected
    assert fz.tree.map(np.shape, jr) == expected
    for a, b in zip(fz.tree.leaves(jf), fz.tree.leaves(jr)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _numeric_jacobian(f, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))).ravel() / (2 * eps))
    y = np.asarray(f(x))
    return np.stack(cols, axis=-1).reshape(y.shape + x.shape)


@pytest.mark.parametrize("jac", [fz.jacfwd, fz.jacrev])
def test_jacobian_matches_central_differences(jac, backend):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    f = lambda x: fnp.tanh(x @ w) * fnp.sum(x)
    x = rng.standard_normal((2, 3))
    got = backend.to_host(jac(f)(backend.xp.asarray(x)))
    np.testing.assert_allclose(got, _numeric_jacobian(f, x), rtol=1e-7, atol=1e-8)


def test_argnums_tuple_and_has_aux():
    f = lambda x, y, z: (x * y[0] + z, "aux")
    x, y, z = np.array([1.0, 2.0]), (np.array(3.0),), 1.0
    for jac in (fz.jacfwd, fz.jacrev):
        (jx, jy), aux = jac(f, argnums=(0, 1), has_aux=True)(x, y, z)
        assert aux == "aux"
        np.testing.assert_allclose(jx, 3.0 * np.eye(2))
        assert isinstance(jy, tuple) and jy[0].shape == (2,)
        np.testing.assert_allclose(jy[0], x)


def test_scalar_in_scalar_out():
    for jac in (fz.jacfwd, fz.jacrev):
        assert float(jac(lambda x: x**3)(2.0)) == 12.0


@pytest.mark.parametrize("jac", [fz.jacfwd, fz.jacrev])
def test_bad_input_is_named(jac):
    with pytest.raises(TypeError, match="floating-point outputs"):
        jac(lambda x: fnp.argmax(x))(np.ones(3))
    with pytest.raises(ValueError, match="argnums"):
        jac(lambda x: x, argnums=2)(np.ones(3))
    with pytest.raises(TypeError, match="floating-point"):
        jac(lambda x: x * 1.0)(np.arange(3))


def rosenbrock(x):
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hvp(x, v):
    """H v for the Rosenbrock function, from its tridiagonal Hessian (closed form)."""
    diag = np.zeros_like(x)
    diag[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    off = -400 * x[:-1]
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


def _mlp_loss(theta):
    """A 3-4-2 tanh MLP's squared error on fixed data, as a function of a flat vector."""
    w1 = fnp.reshape(theta[:12], (3, 4))
    b1 = theta[12:16]
    w2 = fnp.reshape(theta[16:24], (4, 2))
    x = np.linspace(-1, 1, 15).reshape(5, 3)
    t = np.cos(np.arange(10.0)).reshape(5, 2)
    return fnp.mean((fnp.tanh(x @ w1 + b1) @ w2 - t) ** 2)


def _hessian_by_differences_of_grad(f, x, eps=1e-6):
    g = fz.grad(f)
    cols = [(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(x.size)]
    return np.stack(cols, axis=1)


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (rosenbrock, np.array([-1.2, 1.0, 0.3, 0.8, 1.1])),
        (_mlp_loss, np.random.default_rng(3).standard_normal(24) * 0.7),
    ],
    ids=["rosenbrock", "mlp"],
)
def test_hessian_is_symmetric_and_matches_differences_of_grad(f, x):
    h = fz.hessian(f)(x)
    assert h.shape == (x.size, x.size)
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h, _hessian_by_differences_of_grad(f, x), rtol=1e-6, atol=1e-6)


def test_rosenbrock_hessian_matches_closed_form():
    x = np.array([-1.2, 1.0, 0.3, 0.8])
    h = fz.hessian(rosenbrock)(x)
    np.testing.assert_allclose(h, np.stack([rosenbrock_hvp(x, e) for e in np.eye(4)], axis=1), rtol=1e-12)


def test_hessian_of_a_pytree_has_nested_blocks():
    rng = np.random.default_rng(1)
    p = {"w": rng.standard_normal((2, 3)), "b": rng.standard_normal(3)}
    loss = lambda p: fnp.sum(fnp.tanh(np.ones(2) @ p["w"] + p["b"]) ** 2)
    h = fz.hessian(loss)(p)
    assert h["w"]["b"].shape == (2, 3, 3) and h["b"]["w"].shape == (3, 2, 3)
    np.testing.assert_allclose(h["w"]["b"], np.transpose(h["b"]["w"], (1, 2, 0)), rtol=1e-12)


def hvp(f, x, v):
    """The Hessian-vector product recipe from hessian's docstring."""
    return fz.jvp(fz.grad(f), (x,), (v,))[1]


def test_hessian_vector_product_never_builds_the_hessian():
    n = 4000  # the Hessian would take n * n * 8 bytes = 128 MB
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal(n), rng.standard_normal(n)
    gc.collect()
    tracemalloc.start()
    try:
        got = hvp(rosenbrock, x, v)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(got, rosenbrock_hvp(x, v), rtol=1e-10)
    assert peak < 100 * n * 8, f"peak {peak} bytes: something of size n^2 was built"
