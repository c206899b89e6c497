"""custom_vjp and custom_jvp: JAX's calling conventions, numerically stable softplus, rules used
at every order, pytrees, nondiff_argnums and clear errors; a bwd rule's cotangent of the wrong
shape is refused with the argument, the expected and the given shape."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.test_util import check_grads


def _stable_softplus(x):
    return fnp.log1p(fnp.exp(-fnp.abs(x))) + fnp.maximum(x, 0.0)


def _sigmoid(x):
    return 0.5 * (fnp.tanh(x / 2) + 1)  # no overflow anywhere


@fz.custom_vjp
def softplus_vjp(x):
    return _stable_softplus(x)


softplus_vjp.defvjp(lambda x: (softplus_vjp(x), x), lambda x, g: (g * _sigmoid(x),))


@fz.custom_jvp
def softplus_jvp(x):
    return _stable_softplus(x)


@softplus_jvp.defjvp
def _softplus_jvp_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus_jvp(x), t * _sigmoid(x)


def naive_softplus(x):
    return fnp.log(1 + fnp.exp(x))


def test_naive_softplus_gradient_is_nan_at_1000():
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(fz.grad(naive_softplus)(1000.0))
        assert np.isnan(fz.jvp(naive_softplus, (1000.0,), (1.0,))[1])


@pytest.mark.parametrize("f", [softplus_vjp, softplus_jvp], ids=["custom_vjp", "custom_jvp"])
def test_custom_softplus_is_finite_at_1000(f):
    with np.errstate(over="raise", invalid="raise"):
        assert float(f(1000.0)) == 1000.0
        assert float(fz.grad(f)(1000.0)) == 1.0
        assert float(fz.grad(fz.grad(f))(1000.0)) == 0.0
        assert float(fz.grad(f)(-1000.0)) == 0.0


def test_custom_jvp_softplus_is_finite_in_forward_mode():
    with np.errstate(over="raise", invalid="raise"):
        out, t = fz.jvp(softplus_jvp, (1000.0,), (2.0,))
        assert (float(out), float(t)) == (1000.0, 2.0)
        assert float(fz.hessian(softplus_jvp)(1000.0)) == 0.0


@pytest.mark.parametrize("f", [softplus_vjp, softplus_jvp], ids=["custom_vjp", "custom_jvp"])
@given(x=st.floats(-5, 5))
def test_custom_softplus_derivatives_match_finite_differences(f, x):
    modes = ("rev",) if f is softplus_vjp else ("fwd", "rev")
    check_grads(f, [np.array([x, -x / 2])], order=2, modes=modes)


@fz.custom_jvp
def square_says_three(x):
    """x**2 with a deliberately different rule (3x): shows which rule each order uses."""
    return x**2


@square_says_three.defjvp
def _three_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return square_says_three(x), 3.0 * x * t


@fz.custom_vjp
def square_says_three_vjp(x):
    return x**2


square_says_three_vjp.defvjp(lambda x: (square_says_three_vjp(x), x), lambda x, g: (3.0 * x * g,))


def test_custom_jvp_rule_is_used_at_every_order():
    f, x = square_says_three, 2.0
    assert float(fz.jvp(f, (x,), (1.0,))[1]) == 6.0
    assert float(fz.grad(f)(x)) == 6.0
    assert float(fz.linearize(f, x)[1](1.0)) == 6.0
    assert float(fz.jacfwd(f)(x)) == float(fz.jacrev(f)(x)) == 6.0
    for second in (fz.grad(fz.grad(f)), fz.hessian(f), lambda x: fz.jvp(fz.grad(f), (x,), (1.0,))[1]):
        assert float(second(x)) == 3.0
    # The outer level sees f's primal through the rule's own call of f: d/dx [f'(x) f(x)]
    # is 3 x^2 + 3x * 3x with the custom rule at both levels (9 x^2 without it outside).
    assert float(fz.grad(lambda x: fz.grad(f)(x) * f(x))(1.0)) == 12.0


def test_custom_vjp_rule_is_used_at_every_reverse_order():
    f = square_says_three_vjp
    assert float(fz.grad(f)(2.0)) == 6.0
    assert float(fz.vjp(f, 2.0)[1](1.0)[0]) == 6.0
    assert float(fz.jacrev(f)(2.0)) == 6.0
    assert float(fz.grad(fz.grad(f))(2.0)) == 3.0
    assert float(fz.grad(lambda x: fz.grad(f)(x) * f(x))(1.0)) == 12.0


def test_without_a_transform_the_function_itself_runs():
    calls = []

    @fz.custom_vjp
    def f(x):
        calls.append("f")
        return x * 2

    f.defvjp(lambda x: (calls.append("fwd") or x * 2, None), lambda res, g: (g * 2,))
    f(np.ones(2))
    assert calls == ["f"]
    fz.grad(lambda x: fnp.sum(f(x)))(np.ones(2))
    assert calls == ["f", "fwd"]


def test_pytrees_in_and_out():
    @fz.custom_vjp
    def f(p, y):
        return {"prod": p["a"] * y, "sum": (p["a"] + p["b"],)}

    def fwd(p, y):
        return f(p, y), (p, y)

    def bwd(res, ct):
        p, y = res
        da = ct["prod"] * y + ct["sum"][0]
        return {"a": da, "b": ct["sum"][0]}, fnp.sum(ct["prod"] * p["a"])

    f.defvjp(fwd, bwd)
    p, y = {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}, np.array(3.0)
    loss = lambda p, y: fnp.sum(f(p, y)["prod"] ** 2) + fnp.sum(f(p, y)["sum"][0])
    plain = lambda p, y: fnp.sum((p["a"] * y) ** 2) + fnp.sum(p["a"] + p["b"])
    got = fz.grad(loss, argnums=(0, 1))(p, y)
    want = fz.grad(plain, argnums=(0, 1))(p, y)
    for a, b in zip(fz.tree.leaves(got), fz.tree.leaves(want)):
        np.testing.assert_allclose(a, b)


def test_custom_jvp_of_several_arguments_transposes_in_reverse_mode():
    @fz.custom_jvp
    def mul(x, y):
        return x * y

    mul.defjvp(lambda p, t: (mul(*p), t[0] * p[1] + p[0] * t[1]))
    x, y = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    gx, gy = fz.grad(lambda x, y: fnp.sum(mul(x, y)), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, y)
    np.testing.assert_allclose(gy, x)
    np.testing.assert_allclose(fz.grad(lambda x: fnp.sum(mul(x, y)))(x), y)  # y not moving


def test_nondiff_argnums_follow_jax():
    @functools.partial(fz.custom_vjp, nondiff_argnums=(0,))
    def apply(fn, x):
        return fn(x)

    apply.defvjp(lambda fn, x: (fn(x), x), lambda fn, x, g: (g * 10.0,))
    assert float(fz.grad(lambda x: apply(fnp.sin, x))(0.0)) == 10.0

    def power(n, x):
        return x**n

    power = fz.custom_jvp(power, nondiff_argnums=(0,))
    power.defjvp(lambda n, p, t: (power(n, p[0]), n * p[0] ** (n - 1) * t[0]))
    assert float(fz.grad(lambda x: power(3, x))(2.0)) == 12.0
    assert float(fz.jvp(lambda x: power(3, x), (2.0,), (1.0,))[1]) == 12.0


def test_bwd_returning_none_means_zero():
    @fz.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (f(x, y), x), lambda x, g: (g * 2.0, None))
    gx, gy = fz.grad(f, argnums=(0, 1))(1.0, 3.0)
    assert (float(gx), float(gy)) == (2.0, 0.0)


def test_custom_vjp_under_forward_mode_is_a_clear_error():
    for forward in (
        lambda: fz.jvp(softplus_vjp, (1.0,), (1.0,)),
        lambda: fz.linearize(softplus_vjp, 1.0)[1](1.0),
        lambda: fz.jacfwd(softplus_vjp)(1.0),
        lambda: fz.hessian(softplus_vjp)(1.0),
    ):
        with pytest.raises(TypeError, match="custom_vjp.*custom_jvp"):
            forward()


def test_mistakes_are_named():
    @fz.custom_vjp
    def undefined(x):
        return x

    with pytest.raises(AttributeError, match="defvjp"):
        fz.grad(undefined)(1.0)

    @fz.custom_vjp
    def too_many(x):
        return x

    too_many.defvjp(lambda x: (x, None), lambda res, g: (g, g))
    with pytest.raises(TypeError, match="one cotangent per differentiable argument"):
        fz.grad(too_many)(1.0)

    @fz.custom_jvp
    def bad_shape(x):
        return x

    bad_shape.defjvp(lambda p, t: (p[0], fnp.sum(t[0])))
    with pytest.raises(ValueError, match="shape"):
        fz.jvp(bad_shape, (np.ones(3),), (np.ones(3),))

    def closes_over(y):
        f = fz.custom_jvp(lambda x: x * y)
        f.defjvp(lambda p, t: (p[0] * y, t[0] * y))
        return f(y)

    with pytest.raises(TypeError, match="without taking it as an argument"):
        fz.grad(closes_over)(2.0)
    with pytest.raises(TypeError, match="nondiff_argnums"):
        apply = fz.custom_vjp(lambda n, x: x * n, nondiff_argnums=(0,))
        apply.defvjp(lambda n, x: (x * n, None), lambda n, res, g: (g * n,))
        fz.grad(lambda x: apply(x, x))(1.0)


def _scaled(bwd):
    @fz.custom_vjp
    def f(x, p):
        return x * p["w"]

    f.defvjp(lambda x, p: (f(x, p), (x, p)), bwd)
    return f


def test_a_cotangent_of_the_wrong_shape_is_refused():
    f = _scaled(lambda r, g: (g, {"w": fnp.sum(g * r[0])}))  # () for a (3,) argument
    loss = lambda x, w: fnp.sum(f(x, {"w": w}))
    with pytest.raises(ValueError, match=r"argument 1 at w has shape \(\), the argument has shape \(3,\)"):
        fz.grad(loss, argnums=1)(np.ones(3), np.ones(3))


def test_a_broadcastable_cotangent_is_refused_too():
    f = _scaled(lambda r, g: (g[None], {"w": g * r[0]}))  # (1, 3) for a (3,) argument
    with pytest.raises(ValueError, match=r"argument 0 has shape \(1, 3\), the argument has shape \(3,\)"):
        fz.grad(lambda x: fnp.sum(f(x, {"w": np.ones(3)})))(np.ones(3))


def test_right_shapes_pass():
    f = _scaled(lambda r, g: (g * r[1]["w"], {"w": g * r[0]}))
    x, w = np.arange(3.0), np.full(3, 2.0)
    gx, gw = fz.grad(lambda x, w: fnp.sum(f(x, {"w": w})), argnums=(0, 1))(x, w)
    np.testing.assert_array_equal(gx, w)
    np.testing.assert_array_equal(gw, x)


def test_a_wrong_structure_names_the_argument():
    f = _scaled(lambda r, g: (g, (g,)))
    with pytest.raises(ValueError, match="cotangent 1 \\(for argument 1\\) has structure"):
        fz.grad(lambda x, w: fnp.sum(f(x, {"w": w})), argnums=1)(np.ones(3), np.ones(3))
