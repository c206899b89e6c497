"""jvp and linearize: JAX's calling conventions, pytrees, dtypes, bad input, symbolic zeros,
nesting without perturbation confusion, and composition with reverse mode to any order."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.core.primitive import Primitive
from fnzero.test_util import check_grads


def test_jvp_of_pytrees_in_and_out(backend):
    xp = backend.xp
    Point = collections.namedtuple("Point", "a b")
    p = {"w": xp.asarray([1.0, 2.0]), "pt": Point(xp.asarray(3.0), xp.asarray([0.5, -1.0]))}
    t = {"w": xp.asarray([1.0, 0.0]), "pt": Point(xp.asarray(2.0), xp.asarray([0.0, 1.0]))}

    def f(p):
        return {"s": fnp.sum(p["w"] * p["pt"].b), "pair": (p["pt"].a * p["w"], fnp.sin(p["pt"].a))}

    out, tan = fz.jvp(f, (p,), (t,))
    assert fz.tree.structure(out) == fz.tree.structure(tan)
    assert isinstance(tan["pair"], tuple)
    host = backend.to_host
    # d(sum(w * b)) = sum(dw * b + w * db) = 1 * 0.5 + 2 * 1
    assert float(host(tan["s"])) == pytest.approx(2.5)
    np.testing.assert_allclose(host(tan["pair"][0]), 2.0 * np.array([1.0, 2.0]) + 3.0 * np.array([1.0, 0.0]))
    assert float(host(tan["pair"][1])) == pytest.approx(np.cos(3.0) * 2.0)


def test_jvp_with_several_primals_and_has_aux():
    def f(x, y):
        return x * y**2, {"x": x}

    out, tan, aux = fz.jvp(f, (3.0, 2.0), (1.0, 0.5), has_aux=True)
    assert float(out) == 12.0
    assert float(tan) == pytest.approx(4.0 * 1.0 + 12.0 * 0.5)
    assert type(aux["x"]) is np.ndarray and float(aux["x"]) == 3.0


def test_float32_stays_float32_and_python_scalar_tangents_take_the_primal_dtype():
    x = np.linspace(-1, 1, 4, dtype=np.float32)
    out, tan = fz.jvp(lambda x: fnp.tanh(x * 2.0), (x,), (np.ones(4, np.float32),))
    assert out.dtype == tan.dtype == np.float32
    _, tan0 = fz.jvp(lambda s: s * x, (np.float32(2.0),), (1.0,))
    assert tan0.dtype == np.float32
    np.testing.assert_array_equal(tan0, x)


def test_output_that_does_not_depend_on_the_input_has_zero_tangent():
    c = np.arange(3.0)
    out, tan = fz.jvp(lambda x: (c * 2, x), (np.ones(2),), (np.ones(2),))
    np.testing.assert_array_equal(tan[0], np.zeros(3))
    np.testing.assert_array_equal(tan[1], np.ones(2))


@pytest.mark.parametrize(
    ("primals", "tangents", "error", "match"),
    [
        (np.ones(2), np.ones(2), TypeError, "tuples or lists"),
        ((np.ones(2),), (np.ones(2), np.ones(2)), ValueError, "1 primals but 2 tangents"),
        ((np.ones(2),), (np.ones(3),), ValueError, "shape"),
        ((np.ones(2, np.float32),), (np.ones(2),), TypeError, "dtype float64 for a primal of dtype float32"),
        (({"a": np.ones(2)},), ([np.ones(2)],), ValueError, "structure"),
        ((np.arange(3),), (np.ones(3),), TypeError, "floating-point"),
        (("x",), (1.0,), TypeError, "cannot differentiate"),
    ],
)
def test_bad_primals_or_tangents_are_named(primals, tangents, error, match):
    with pytest.raises(error, match=match):
        fz.jvp(lambda *a: a, primals, tangents)


def test_a_leaked_jvp_tracer_is_an_error():
    kept = []
    fz.jvp(lambda x: kept.append(x) or x, (np.ones(2),), (np.ones(2),))
    with pytest.raises(fz.UnexpectedTracerError):
        fnp.sin(kept[0])


def test_arguments_that_do_not_move_never_run_their_rule():
    calls = []

    def loud(t, ans, x, y):
        calls.append("y")
        return t

    scale = Primitive("scale", lambda x, y: x * y).defvjp(lambda g, ans, x, y: g * y, None)
    scale.defjvp(lambda t, ans, x, y: t * y, loud)
    _, tan = fz.jvp(lambda x: scale(x, np.array([2.0, 3.0])), (np.ones(2),), (np.ones(2),))
    np.testing.assert_array_equal(tan, [2.0, 3.0])
    assert calls == []


def test_no_perturbation_confusion_between_nested_and_mixed_transforms():
    # d/dx [x * d/dy (x y)] = d/dx x^2 = 2x at x = 3
    inner_jvp = lambda x: fz.jvp(lambda y: x * y, (2.0,), (1.0,))[1]
    assert float(fz.jvp(lambda x: x * inner_jvp(x), (3.0,), (1.0,))[1]) == 6.0
    assert float(fz.grad(lambda x: x * inner_jvp(x))(3.0)) == 6.0
    inner_grad = lambda x: fz.grad(lambda y: x * y)(2.0)
    assert float(fz.jvp(lambda x: x * inner_grad(x), (3.0,), (1.0,))[1]) == 6.0
    # d/dx [x + d/dy (x + y)] = 1
    assert float(fz.jvp(lambda x: x + fz.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (1.0,), (1.0,))[1]) == 1.0


def _f(x):
    return fnp.sum(fnp.sin(x) * x**2) + fnp.prod(fnp.tanh(x) + 2)


@given(x=hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(-2, 2)), seed=st.integers(0, 100))
def test_forward_over_reverse_and_reverse_over_forward_agree_with_the_hessian(x, seed):
    v = np.random.default_rng(seed).standard_normal(x.shape)
    jvp_of_grad = fz.jvp(fz.grad(_f), (x,), (v,))[1]
    grad_of_jvp = fz.grad(lambda x: fz.jvp(_f, (x,), (v,))[1])(x)
    hess = fz.jacrev(fz.grad(_f))(x)
    np.testing.assert_allclose(jvp_of_grad, hess @ v, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad_of_jvp, hess @ v, rtol=1e-10, atol=1e-10)
    for jac in (fz.jacfwd(fz.jacrev(_f)), fz.jacrev(fz.jacfwd(_f)), fz.jacfwd(fz.jacfwd(_f)), fz.hessian(_f)):
        np.testing.assert_allclose(jac(x), hess, rtol=1e-10, atol=1e-10)


def test_third_derivatives_agree_in_every_mode():
    f = lambda x: fnp.sin(x) * x**3
    # (x^3 sin x)''' = (6 - 9x^2) sin x + (18x - x^3) cos x
    x = 0.7
    expected = (6 - 9 * x**2) * np.sin(x) + (18 * x - x**3) * np.cos(x)
    d = lambda g: lambda x: fz.jvp(g, (x,), (1.0,))[1]
    assert float(fz.grad(fz.grad(fz.grad(f)))(x)) == pytest.approx(expected, rel=1e-12)
    assert float(d(d(d(f)))(x)) == pytest.approx(expected, rel=1e-12)
    assert float(d(fz.grad(d(f)))(x)) == pytest.approx(expected, rel=1e-12)
    assert float(fz.grad(d(fz.grad(f)))(x)) == pytest.approx(expected, rel=1e-12)


def test_linearize_pushes_tangents_without_running_the_function_again():
    calls = []

    def f(x, p):
        calls.append(1)
        return {"y": fnp.tanh(x @ p["w"]) * p["b"], "s": fnp.sum(x**3)}

    rng = np.random.default_rng(0)
    x, p = rng.standard_normal((2, 3)), {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    out, f_jvp = fz.linearize(f, x, p)
    assert len(calls) == 1
    for _ in range(3):
        tx, tp = rng.standard_normal((2, 3)), {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
        got = f_jvp(tx, tp)
        _, expected = fz.jvp(f, (x, p), (tx, tp))
        for a, b in zip(fz.tree.leaves(got), fz.tree.leaves(expected)):
            np.testing.assert_allclose(a, b, rtol=1e-12)
    assert len(calls) == 1 + 3  # the three jvp calls, not f_jvp
    np.testing.assert_allclose(out["s"], np.sum(x**3))


def test_linearize_has_aux_and_rejects_bad_tangents():
    out, f_jvp, aux = fz.linearize(lambda x: (fnp.sin(x), "note"), np.zeros(2), has_aux=True)
    assert aux == "note"
    np.testing.assert_allclose(f_jvp(np.array([1.0, 2.0])), [1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        f_jvp(np.ones(3))
    with pytest.raises(TypeError, match="1 primals"):
        f_jvp(np.ones(2), np.ones(2))


def test_check_grads_forward_mode_catches_a_wrong_jvp_rule():
    cube = Primitive("cube", lambda x: x**3).defvjp(lambda g, ans, x: g * 3 * x**2)
    cube.defjvp(lambda t, ans, x: t * 3 * x)  # wrong on purpose
    x = [np.array([0.5, 1.5])]
    check_grads(cube, x, modes=("rev",))
    with pytest.raises(AssertionError, match="forward mode"):
        check_grads(cube, x, modes=("fwd",))
    with pytest.raises(ValueError, match="unknown modes"):
        check_grads(cube, x, modes=("sideways",))
