"""grad, value_and_grad and vjp: JAX's calling conventions, dtypes, pytrees and bad input;
returned gradients that share memory with nothing; the book's higher-order derivatives (Newton's
method, n-th derivatives of sin and tanh) and nested transforms without perturbation confusion."""

from __future__ import annotations

import collections
import gc
import tracemalloc

import numpy as np
import pytest
from numpy.polynomial import polynomial as P

import fnzero as fz
import fnzero.numpy as fnp


def test_float32_in_float32_out(backend):
    x = backend.xp.asarray(np.linspace(-1, 1, 5), dtype=np.float32)
    g = fz.grad(lambda x: fnp.sum(fnp.tanh(x * 2.0) ** 2 / 3))(x)
    assert g.dtype == np.float32 and g.shape == (5,)


def test_gradient_has_the_structure_of_the_params():
    Point = collections.namedtuple("Point", "a b")
    params = {"layers": [Point(np.ones((2, 3)), np.zeros(3)), None], "scale": 2.0}

    def loss(p, x):
        a, b = p["layers"][0]
        return fnp.sum((x @ a + b) ** 2) * p["scale"]

    g = fz.grad(loss)(params, np.ones((4, 2)))
    assert fz.tree.structure(g) == fz.tree.structure(params)
    assert isinstance(g["layers"][0], Point)
    assert g["layers"][0].a.shape == (2, 3)
    # d/dscale = sum((x@a+b)^2) = 4*3*(2^2)
    assert float(g["scale"]) == pytest.approx(48.0)


def test_argnums_tuple_and_has_aux():
    f = lambda x, y: (x * y**2, {"x": x})
    (value, aux), (gx, gy) = fz.value_and_grad(f, argnums=(0, 1), has_aux=True)(3.0, 2.0)
    assert value == 12.0 and aux["x"] == 3.0
    assert (gx, gy) == (4.0, 12.0)
    g, aux = fz.grad(f, argnums=1, has_aux=True)(3.0, 2.0)
    assert g == 12.0 and type(aux["x"]) is not fz.core.reverse.ReverseTracer


def test_vjp_of_pytree_output():
    x = np.array([1.0, 2.0, 3.0])
    out, vjp_fn = fz.vjp(lambda x: {"s": fnp.sum(x), "sq": x**2}, x)
    (ct,) = vjp_fn({"s": np.array(2.0), "sq": np.array([1.0, 0.0, -1.0])})
    np.testing.assert_allclose(ct, 2.0 + np.array([2.0, 0.0, -6.0]))
    np.testing.assert_allclose(out["sq"], x**2)


def test_vjp_rejects_wrong_cotangent_structure():
    _, vjp_fn = fz.vjp(lambda x: (x, x), np.ones(2))
    with pytest.raises(ValueError, match="structure"):
        vjp_fn(np.ones(2))


def test_stop_gradient_at_every_order():
    f = lambda x: x**2 * fz.stop_gradient(x**3)
    x = 2.0
    assert fz.grad(f)(x) == pytest.approx(2 * x * x**3)
    assert fz.grad(fz.grad(f))(x) == pytest.approx(2 * x**3)


def test_unused_input_gets_zeros_of_its_dtype():
    g = fz.grad(lambda x, y: fnp.sum(x), argnums=1)(np.ones(2), np.ones(3, np.float32))
    assert g.dtype == np.float32 and not g.any()


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: fz.grad(lambda x: x * 2)(np.ones(3)), TypeError, r"shape \(3,\)"),
        (lambda: fz.grad(lambda x: x)(np.arange(3)), TypeError, "allow_int"),
        (lambda: fz.grad(lambda x: x)(True), TypeError, "allow_int"),
        (lambda: fz.grad(lambda x: x, argnums=1)(1.0), ValueError, "argnums"),
        (lambda: fz.grad(lambda x: x, has_aux=True)(1.0), TypeError, "has_aux"),
        (lambda: fz.grad(lambda p: p["w"])({"w": 1.0, "name": "a"}), TypeError, "argument 0/name"),
        (lambda: fz.grad(lambda x: fnp.sum(x @ x))(np.ones((2, 3))), ValueError, r"\(2, 3\)"),
        (lambda: fz.grad(lambda x: fnp.sum(x + np.ones(4)))(np.ones(3)), ValueError, r"\(3,\) \(4,\)"),
        (lambda: fz.grad(lambda x: (x, x))(1.0), TypeError, "has_aux"),
    ],
)
def test_bad_input_names_the_problem(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_in_place_assignment_points_to_at():
    def f(x):
        x[0] = 1.0
        return fnp.sum(x)

    with pytest.raises(TypeError, match=r"\.at\["):
        fz.grad(f)(np.ones(3))


def test_allow_int_gives_zero_gradient():
    g = fz.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert g[0] == 3.0 and g[1] == 0


def test_leaked_tracer_is_an_error():
    kept = []

    def f(x):
        kept.append(x)
        return x * 2

    fz.grad(f)(1.0)
    with pytest.raises(fz.UnexpectedTracerError):
        fnp.sin(kept[0])


def test_numpy_functions_dispatch_or_refuse():
    g = fz.grad(lambda x: np.sum(np.sin(x) * np.float64(2.0)))(np.array([0.0, 1.0]))
    np.testing.assert_allclose(g, 2 * np.cos([0.0, 1.0]))
    with pytest.raises(TypeError, match="fnzero"):
        fz.grad(lambda x: np.asarray(x).sum())(np.ones(2))
    with pytest.raises(TypeError, match="fnzero"):
        fz.grad(lambda x: np.fft.fft(x).real.sum())(np.ones(2))


def test_ten_thousand_grad_calls_do_not_grow_memory():
    w = np.linspace(0, 1, 10)
    g = fz.grad(lambda w: fnp.sum(fnp.tanh(w * 3.0) ** 2))
    for _ in range(100):
        g(w)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10_000):
            g(w)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 64 * 1024, f"memory grew by {after - before} bytes"


def test_numpy_shape_queries_work_on_traced_values():
    seen = []

    def f(x):
        seen.append((np.shape(x), np.ndim(x), np.size(x)))
        return fnp.sum(x)

    fz.grad(f)(np.ones((2, 3)))
    assert seen == [((2, 3), 2, 6)]


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


# The book's step 33 sequence, printed by DeZero (float64).
BOOK_NEWTON = [
    2.0,
    1.4545454545454546,
    1.1510467893775467,
    1.0253259289766978,
    1.0009084519430513,
    1.0000012353089454,
    1.000000000002289,
    1.0,
]


def test_newton_reproduces_the_book_sequence():
    def f(x):
        return x**4 - 2 * x**2

    x = 2.0
    xs = [x]
    for _ in range(10):
        x = x - fz.grad(f)(x) / fz.grad(fz.grad(f))(x)
        xs.append(float(x))
    np.testing.assert_allclose(xs[: len(BOOK_NEWTON)], BOOK_NEWTON, rtol=1e-12, atol=0)
    assert xs[-1] == 1.0


def test_newton_example_script(tmp_path):
    from fnzero.examples.newton import main

    result = main(["--out", str(tmp_path)])
    np.testing.assert_allclose(result["xs"][: len(BOOK_NEWTON)], BOOK_NEWTON, rtol=1e-12, atol=0)
    assert result["x"] == 1.0


def _derivative(f):
    """Elementwise derivative of an elementwise function, as in the book (sum, then grad)."""
    return lambda x: fz.grad(lambda y: fnp.sum(f(y)))(x)


def test_nth_derivatives_of_sin_cycle(backend):
    x = backend.xp.linspace(-7, 7, 200)
    expected = [np.cos, lambda v: -np.sin(v), lambda v: -np.cos(v), np.sin]
    f = fnp.sin
    for order in range(4):
        f = _derivative(f)
        got = backend.to_host(f(x))
        np.testing.assert_allclose(got, expected[order](np.linspace(-7, 7, 200)), atol=1e-12)


def test_tanh_derivatives_to_fifth_order_match_closed_form(backend):
    # d^n tanh / dx^n is a polynomial p_n(t) in t = tanh(x): p_{n+1} = p_n'(t) * (1 - t^2).
    host = np.linspace(-3, 3, 101)
    t = np.tanh(host)
    poly = np.array([0.0, 1.0])
    f = fnp.tanh
    for _ in range(5):
        poly = P.polymul(P.polyder(poly), [1.0, 0.0, -1.0])
        f = _derivative(f)
        got = backend.to_host(f(backend.xp.asarray(host)))
        np.testing.assert_allclose(got, P.polyval(t, poly), rtol=1e-10, atol=1e-10)


def test_no_perturbation_confusion():
    assert fz.grad(lambda x: x * fz.grad(lambda y: x + y)(1.0))(1.0) == 1.0
    # d/dx [x * d/dy (x y)] = d/dx x^2 = 2x
    assert fz.grad(lambda x: x * fz.grad(lambda y: x * y)(2.0))(3.0) == 6.0


def test_third_order_of_a_polynomial():
    f = lambda x: x**5 - 3 * x**2
    x = 1.7
    assert fz.grad(fz.grad(fz.grad(f)))(x) == pytest.approx(60 * x**2, rel=1e-12)
    assert fz.grad(fz.grad(fz.grad(fz.grad(fz.grad(fz.grad(f))))))(x) == 0.0
