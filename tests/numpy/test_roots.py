"""fnzero.numpy.roots against jax.numpy.roots and numpy.roots (sorted values, complex dtypes,
leading and trailing zeros), sort_complex against jax.numpy's, and their refusals under transforms."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

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
    with pytest.raises(ConcretizationTypeError, match="roots"):
        fz.jit(fnp.roots)(p)
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
