"""fnzero.numpy.roots against jax.numpy.roots and numpy.roots (sorted values, complex dtypes,
leading and trailing zeros), sort_complex against jax.numpy's, both under jit and vmap, and their
refusals under transforms."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.core.tracer import ConcretizationTypeError

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = pytest.importorskip("jax.numpy")

CASES = [
    [1.0, -3.0, 2.0],
    [2.0, 0.0, 1.0],  # a complex pair
    [1.0, -6.0, 11.0, -6.0, 0.0, 0.0],  # trailing zeros: exact roots 0
    [0.0, 0.0, 3.0, 1.0, -4.0, 2.5],  # leading zeros
    [4.0, -1.5, 0.25, 3.0, -2.0, 1.0, 0.5],
    [7.0],
    [0.0, 0.0],
    [0.0, 5.0],
]


def _sorted(r):
    r = np.asarray(r)
    return r[np.lexsort((np.round(r.imag, 8), np.round(r.real, 8)))]


@pytest.mark.parametrize("p", CASES, ids=range(len(CASES)))
@pytest.mark.parametrize("strip_zeros", [True, False])
def test_agrees_with_jax_and_numpy(p, strip_zeros):
    p = np.array(p)
    ours = fnp.roots(p, strip_zeros=strip_zeros)
    theirs = np.asarray(jnp.roots(jnp.asarray(p), strip_zeros=strip_zeros))
    assert ours.dtype == theirs.dtype == np.complex128 and ours.shape == theirs.shape
    np.testing.assert_allclose(_sorted(ours), _sorted(theirs), rtol=1e-9, atol=1e-9)
    if strip_zeros:
        np.testing.assert_allclose(_sorted(ours), _sorted(np.roots(p).astype(complex)), atol=1e-12)


def test_trailing_zeros_are_exact_roots_and_values_satisfy_the_polynomial():
    p = np.array([1.0, -6.0, 11.0, -6.0, 0.0, 0.0])
    r = np.asarray(fnp.roots(p))
    assert np.sum(r == 0) == 2
    np.testing.assert_allclose(np.polyval(p, r), 0, atol=1e-10)


def test_dtypes_and_signature():
    assert fnp.roots(np.array([1, 2, 3], dtype=np.float32)).dtype == np.complex64
    assert fnp.roots([1, 2, 3]).dtype == np.complex128
    assert fnp.roots(np.array([1j, 2.0, 1.0])).dtype == np.complex128
    assert list(inspect.signature(fnp.roots).parameters) == list(inspect.signature(jnp.roots).parameters)
    assert inspect.signature(fnp.roots).parameters["strip_zeros"].kind is inspect.Parameter.KEYWORD_ONLY


def test_refusals():
    p = np.array([1.0, -3.0, 2.0])
    with pytest.raises(ConcretizationTypeError, match=r"roots\(\) of a traced value .*stop_gradient"):
        fz.grad(lambda x: fnp.sum(fnp.real(fnp.roots(x))))(p)
    with pytest.raises(ValueError, match=r"p must be 1-D .*got shape \(2, 3\)"):
        fnp.roots(np.ones((2, 3)))
    with pytest.raises(TypeError, match="strip_zeros must be a bool"):
        fnp.roots(p, strip_zeros="yes")
    # stop_gradient says that dropping the derivative is meant.
    g = fz.grad(lambda x: fnp.sum(x) * fnp.max(fnp.real(fnp.roots(fz.stop_gradient(x)))))(p)
    np.testing.assert_allclose(g, [2.0, 2.0, 2.0])


def test_sort_complex_agrees_with_jax():
    a = np.array([[1 + 2j, 1 - 1j, 0, np.nan], [3, 2j, -1, np.nan * 1j]])
    np.testing.assert_array_equal(fnp.sort_complex(a), jnp.sort_complex(a))
    for x in (np.array([3.0, 1.0, 2.0], dtype=np.float32), np.array([3, 1, 2])):
        ours, theirs = fnp.sort_complex(x), jnp.sort_complex(x)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    assert list(inspect.signature(fnp.sort_complex).parameters) == ["a"]
    with pytest.raises(ConcretizationTypeError, match=r"sort_complex\(\) of a traced value"):
        fz.grad(lambda x: fnp.sum(fnp.real(fnp.sort_complex(x))))(np.array([2.0, 1.0]))
    with pytest.raises(ValueError, match="at least one axis"):
        fnp.sort_complex(2.0)


def _fixed_length(p):
    return fnp.roots(p, strip_zeros=False)


@pytest.mark.parametrize("p", CASES, ids=range(len(CASES)))
def test_jit_with_strip_zeros_false_equals_eager_and_jax(p):
    p = np.array(p)
    ours = fz.jit(_fixed_length)(p)
    theirs = np.asarray(jax.jit(lambda q: jnp.roots(q, strip_zeros=False))(p))
    np.testing.assert_array_equal(ours, _fixed_length(p))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape == (len(p) - 1,)
    np.testing.assert_allclose(_sorted(ours), _sorted(theirs), rtol=1e-9, atol=1e-9)
    assert fz.jit(_fixed_length)(p.astype(np.float32)).dtype == np.complex64


def test_vmap_over_polynomials_equals_jax():
    rows = np.array([[0.0] * (7 - len(p)) + p for p in CASES if len(p) > 1])
    ours = fz.vmap(_fixed_length)(rows)
    theirs = np.asarray(jax.vmap(lambda q: jnp.roots(q, strip_zeros=False))(rows))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape == (len(rows), 6)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(_sorted(o), _sorted(t), rtol=1e-9, atol=1e-9)


@given(
    rows=st.integers(1, 4).flatmap(
        lambda n: st.lists(st.lists(st.integers(-3, 3), min_size=n, max_size=n), min_size=1, max_size=4)
    ),
    transposed=st.booleans(),
)
def test_vmap_and_jit_equal_the_eager_loop(rows, transposed):
    p = np.array(rows, dtype=np.float64)  # small integers: leading, trailing and all-zero rows
    loop = np.stack([_fixed_length(q) for q in p])
    if transposed:
        got = fz.vmap(_fixed_length, in_axes=1, out_axes=1)(p.T).T
    else:
        got = fz.jit(fz.vmap(_fixed_length))(p)
    assert got.dtype == loop.dtype == np.complex128
    np.testing.assert_array_equal(got, loop)


def test_sort_complex_under_jit_and_vmap_agrees_with_jax():
    a = np.array([[1 + 2j, 1 - 1j, 0, np.nan], [3, 2j, -1, np.nan * 1j], [-1j, 2, 2 - 1j, 1]])
    np.testing.assert_array_equal(fz.jit(fnp.sort_complex)(a), jnp.sort_complex(a))
    np.testing.assert_array_equal(fz.vmap(fnp.sort_complex)(a), jax.vmap(jnp.sort_complex)(a))
    by_column = fz.vmap(fnp.sort_complex, in_axes=1, out_axes=1)(a.T)
    np.testing.assert_array_equal(by_column, jax.vmap(jnp.sort_complex, 1, 1)(a.T))
    x = np.array([[3.0, 1.0, 2.0], [0.5, -1.0, 4.0]], dtype=np.float32)
    ours, theirs = fz.jit(fz.vmap(fnp.sort_complex))(x), jax.jit(jax.vmap(jnp.sort_complex))(x)
    assert ours.dtype == theirs.dtype == np.complex64
    np.testing.assert_array_equal(ours, theirs)


def test_refusals_under_jit_vmap_and_derivatives():
    p = np.array([1.0, -3.0, 2.0])
    with pytest.raises(ConcretizationTypeError, match=r"roots: .*jit .*pass strip_zeros=False"):
        fz.jit(fnp.roots)(p)
    with pytest.raises(ConcretizationTypeError, match=r"roots: .*vmap batch.*pass strip_zeros=False"):
        fz.vmap(fnp.roots)(np.stack([p, p]))
    refused = r"\(\) of a traced value .*stop_gradient"
    with pytest.raises(ConcretizationTypeError, match="roots" + refused):
        fz.grad(lambda x: fnp.sum(fnp.real(_fixed_length(x))))(p)
    with pytest.raises(ConcretizationTypeError, match="roots" + refused):
        fz.vmap(fz.grad(lambda x: fnp.sum(fnp.real(_fixed_length(x)))))(np.stack([p, p]))
    with pytest.raises(ConcretizationTypeError, match="sort_complex" + refused):
        fz.jvp(lambda x: fnp.real(fnp.sort_complex(x)), (p,), (p,))
    with pytest.raises(ConcretizationTypeError, match="sort_complex" + refused):
        fz.jit(fz.grad(lambda x: fnp.sum(fnp.real(fnp.sort_complex(x)))))(p)
