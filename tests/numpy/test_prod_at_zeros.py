"""prod's derivatives at zeros: one rule, the same answer eagerly and under jit and vmap,
exact to second order (against finite differences) with zeros among the entries."""

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.test_util import check_grads

ONE_ZERO = np.array([0.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "transform",
    [lambda f: f, fz.jit, lambda f: lambda x: fz.vmap(f)(x[None])[0]],
    ids=["eager", "jit", "vmap"],
)
def test_grad_of_prod_at_a_zero_under_every_transform(transform):
    g = transform(fz.grad(fnp.prod))(ONE_ZERO)
    np.testing.assert_array_equal(g, [6.0, 0.0, 0.0])


def test_forward_mode_of_prod_at_a_zero():
    np.testing.assert_array_equal(fz.jacfwd(fnp.prod)(ONE_ZERO), [6.0, 0.0, 0.0])


def test_hessian_of_prod_at_a_zero():
    # d2/dxi dxj of x0 x1 x2: the third entry (i != j), zero on the diagonal.
    np.testing.assert_array_equal(fz.hessian(fnp.prod)(ONE_ZERO), [[0, 3, 2], [3, 0, 0], [2, 0, 0]])


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_second_order_with_zeros(axis, keepdims):
    x = np.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0], [1.0, -2.0, 0.5]])
    check_grads(lambda a: fnp.prod(a, axis=axis, keepdims=keepdims), (x,), order=2)


def test_empty_and_zero_dimensional():
    assert fz.grad(fnp.prod)(np.zeros(0)).shape == (0,)
    assert fz.grad(fnp.prod)(np.array(5.0)) == 1.0
