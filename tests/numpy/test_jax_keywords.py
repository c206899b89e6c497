"""JAX-only keywords: take_along_axis's out-of-bounds modes, unique's ``sorted``, and the
``precision`` / ``preferred_element_type`` of vdot, convolve and correlate, against jax.numpy."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
from tests.jax_oracle import check_against_jax

jnp = pytest.importorskip("jax.numpy")

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
OUT_OF_BOUNDS = np.array([[0, 5], [-1, -4]])


@pytest.mark.parametrize("mode", ["fill", "drop", "clip"])
@pytest.mark.parametrize("fill_value", [None, -7.0])
@pytest.mark.parametrize("wrap", [None, False])
def test_take_along_axis_modes_agree_with_jax(mode, fill_value, wrap):
    kw = dict(mode=mode, fill_value=fill_value, wrap_negative_indices=wrap)
    ours = fnp.take_along_axis(X, OUT_OF_BOUNDS, 1, **kw)
    theirs = jnp.take_along_axis(X, OUT_OF_BOUNDS, 1, **kw)
    np.testing.assert_array_equal(ours, theirs)


def test_take_along_axis_fill_derivatives_and_dtypes():
    i = OUT_OF_BOUNDS
    check_against_jax(
        lambda x: fnp.take_along_axis(x, i, 1, mode="fill", fill_value=0.5),
        lambda x: jnp.take_along_axis(x, i, 1, mode="fill", fill_value=0.5),
        X,
        vmap=False,
    )
    for arr in (np.arange(6).reshape(2, 3), X > 2, np.arange(6, dtype=np.uint8).reshape(2, 3)):
        ours = fnp.take_along_axis(arr, i, 1, mode="fill")
        theirs = np.asarray(jnp.take_along_axis(arr, i, 1, mode="fill"))
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    # traced indices: under vmap and jit
    got = fz.vmap(lambda x, j: fnp.take_along_axis(x, j, 0, mode="fill"))(X, i)
    np.testing.assert_array_equal(got, [[1.0, np.nan], [6.0, np.nan]])
    got = fz.jit(lambda x, j: fnp.take_along_axis(x, j, 1, mode="clip"))(X, i)
    np.testing.assert_array_equal(got, [[1.0, 3.0], [6.0, 4.0]])


def test_take_along_axis_out_of_bounds_without_a_mode_raises():
    with pytest.raises(IndexError, match=r"index 5 is out of bounds for axis 1 with size 3; pass mode="):
        fnp.take_along_axis(X, OUT_OF_BOUNDS, 1)
    with pytest.raises(ValueError, match="mode must be one of"):
        fnp.take_along_axis(X, OUT_OF_BOUNDS, 1, mode="wrap")
    np.testing.assert_array_equal(fnp.take_along_axis(X, np.array([[-1], [-3]]), 1), [[3.0], [4.0]])


def test_unique_accepts_sorted_false():
    x = np.array([3.0, 1.0, 3.0, 2.0])
    np.testing.assert_array_equal(fnp.unique(x, sorted=False), jnp.unique(x, sorted=False))
    with pytest.raises(TypeError, match="sorted must be True or False"):
        fnp.unique(x, sorted="no")


@pytest.mark.parametrize("name", ["vdot", "convolve", "correlate"])
def test_precision_and_preferred_element_type(name):
    ours, theirs = getattr(fnp, name), getattr(jnp, name)
    a, v = np.array([1.0, -2.0, 0.5, 3.0], dtype=np.float32), np.array([0.25, 4.0, -1.0], dtype=np.float32)
    if name == "vdot":
        v = np.array([0.25, 4.0, -1.0, 2.0], dtype=np.float32)
    np.testing.assert_array_equal(ours(a, v, precision="highest"), ours(a, v))
    out = ours(a, v, preferred_element_type=np.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, theirs(a, v, preferred_element_type=np.float64), rtol=1e-12)
    g = fz.grad(lambda a: fnp.sum(ours(a, v, preferred_element_type=np.float64)))(a)
    assert g.dtype == np.float32
    big = np.full(4, 100, dtype=np.int8)
    wide = ours(big, big[: len(v)], preferred_element_type=np.int32)  # summed in int32: no int8 overflow
    assert wide.dtype == np.int32
    np.testing.assert_array_equal(wide, theirs(big, big[: len(v)], preferred_element_type=np.int32))
    with pytest.raises(TypeError, match="preferred_element_type int64 would truncate the float32 inputs"):
        ours(a, v, preferred_element_type=np.int64)


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("mode", ["fill", "clip", "wrap"])
def test_take_modes_agree_with_jax(axis, mode):
    x = np.arange(12.0).reshape(3, 4)
    i = np.array([[0, 5], [-1, -6]])
    for fill_value in (None, -3.0):
        ours = fnp.take(x, i, axis=axis, mode=mode, fill_value=fill_value)
        np.testing.assert_array_equal(ours, jnp.take(x, i, axis=axis, mode=mode, fill_value=fill_value))


def test_take_keywords_derivatives_and_errors():
    theirs = [(p.name, p.kind) for p in inspect.signature(jnp.take).parameters.values()]
    assert [(p.name, p.kind) for p in inspect.signature(fnp.take).parameters.values()] == theirs
    i = np.array([1, 7, -1])
    g = fz.grad(lambda x: fnp.sum(fnp.take(x, i, 1, mode="fill", fill_value=0.0) ** 2))(X)
    np.testing.assert_array_equal(g, [[0.0, 4.0, 6.0], [0.0, 10.0, 12.0]])
    got = fz.jit(lambda x, j: fnp.take(x, j, 1, mode="wrap", unique_indices=True))(X, i)
    np.testing.assert_array_equal(got, [[2.0, 2.0, 3.0], [5.0, 5.0, 6.0]])
    with pytest.raises(IndexError, match="out of bounds"):
        fnp.take(X, i, 1)
    with pytest.raises(ValueError, match="mode must be one of"):
        fnp.take(X, i, 1, mode="raise")
    with pytest.raises(ValueError, match="out must be None"):
        fnp.take(X, i, 1, out=np.zeros(3))
