"""A returned gradient, cotangent or tangent is an array of its own: it shares memory with no
other returned leaf, with the caller's cotangent or tangent, or with an input."""

import numpy as np

import fnzero as fz
import fnzero.numpy as fnp


def _assert_apart(results, others=()):
    leaves = [r for r in results if isinstance(r, np.ndarray)]
    for i, a in enumerate(leaves):
        for b in leaves[i + 1 :]:
            assert not np.shares_memory(a, b)
        for o in others:
            assert not np.shares_memory(a, o)


def test_grad_of_a_sum_gives_two_arrays():
    a, b = np.ones(3), np.full(3, 2.0)
    ga, gb = fz.grad(lambda x, y: fnp.sum(x + y), argnums=(0, 1))(a, b)
    _assert_apart([ga, gb], [a, b])
    ga += 100
    np.testing.assert_array_equal(gb, np.ones(3))


def test_grad_of_scalars_passed_through():
    ga, gb = fz.grad(lambda x, y: x + y, argnums=(0, 1))(1.0, 2.0)
    _assert_apart([np.asarray(ga), np.asarray(gb)])
    assert ga == 1.0 and gb == 1.0


def test_value_and_grad_apart_from_the_value():
    x = np.array(3.0)
    value, g = fz.value_and_grad(lambda x: x)(x)
    _assert_apart([g], [x, value])
    assert g == 1.0


def test_vjp_does_not_hand_back_the_callers_cotangent():
    x, ct = np.ones(3), np.arange(3.0)
    (g,) = fz.vjp(lambda x: x + 1.0, x)[1](ct)
    assert g is not ct
    _assert_apart([g], [x, ct])
    np.testing.assert_array_equal(g, np.arange(3.0))


def test_vjp_of_two_outputs_from_one_input():
    x, ct = np.ones(3), (np.ones(3), np.ones(3))
    (g,) = fz.vjp(lambda x: (x, x), x)[1](ct)
    _assert_apart([g], [x, *ct])
    np.testing.assert_array_equal(g, np.full(3, 2.0))


def test_jacobians_apart():
    a, b = np.ones(2), np.ones(2)
    for jac in (fz.jacrev, fz.jacfwd):
        ja, jb = jac(lambda x, y: x + y, argnums=(0, 1))(a, b)
        _assert_apart([ja, jb], [a, b])
        np.testing.assert_array_equal(ja, np.eye(2))


def test_forward_mode_does_not_hand_back_the_callers_tangent():
    x, t = np.ones(3), np.arange(3.0)
    y, ty = fz.jvp(lambda x: x + 1.0, (x,), (t,))
    _assert_apart([ty], [x, t, y])
    _, f_jvp = fz.linearize(lambda x: (x + 1.0, x * 1.0), x)
    t1, t2 = f_jvp(t)
    _assert_apart([t1, t2], [x, t])
    np.testing.assert_array_equal(t1, t)


def test_vmap_of_grad_apart():
    a, b = np.ones((2, 3)), np.ones((2, 3))
    ga, gb = fz.vmap(fz.grad(lambda x, y: fnp.sum(x + y), argnums=(0, 1)))(a, b)
    _assert_apart([ga, gb], [a, b])
    ga, gb = fz.vmap(lambda x: (x * 2.0, x * 2.0))(a)
    _assert_apart([ga, gb])
