"""The book's higher-order derivatives: Newton's method, n-th derivatives of sin and tanh,
and nested transforms without perturbation confusion."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.polynomial import polynomial as P

import fnzero as fz
import fnzero.numpy as fnp

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
