"""Every example runs in --fast mode and reaches its result; references are computed here
independently (plain NumPy with hand-derived gradients, least squares, the book's numbers)."""

from __future__ import annotations

import importlib.util
import math
import pkgutil

import numpy as np
import pytest

import fnzero as fz
import fnzero.examples as examples
from fnzero.examples import EXAMPLES, run

HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def fast(name, tmp_path, *extra):
    return run(name, ["--fast", "--out", str(tmp_path), *extra])


def test_the_registry_lists_every_example_module():
    modules = {m.name for m in pkgutil.iter_modules(examples.__path__) if not m.name.startswith("_")}
    assert set(EXAMPLES) == modules
    assert all(EXAMPLES[name] for name in EXAMPLES)


def test_an_unknown_example_is_named_with_the_choices():
    with pytest.raises(ValueError, match="unknown example 'nope'; the examples are: .*newton"):
        run("nope", [])


def test_newton_reaches_the_minimum(tmp_path):
    result = fast("newton", tmp_path)
    assert result["xs"][1] == pytest.approx(1.4545454545454546, abs=1e-15)
    assert result["x"] == 1.0


def test_rosenbrock_descends_towards_1_1_as_plain_numpy_does(tmp_path):
    result = fast("rosenbrock", tmp_path)
    x0, x1 = 0.0, 2.0
    for _ in range(result["iters"]):
        g0 = -400 * x0 * (x1 - x0**2) + 2 * (x0 - 1)
        g1 = 200 * (x1 - x0**2)
        x0, x1 = x0 - 0.001 * g0, x1 - 0.001 * g1
    assert (result["x0"], result["x1"]) == pytest.approx((x0, x1), abs=1e-9)
    assert result["iters"] == 10000
    assert result["distance"] < 0.02  # from sqrt(2) at the start
    assert result["value"] < 1e-4


def test_taylor_sin_matches_sin_and_its_derivative(tmp_path):
    x = math.pi / 4
    result = fast("taylor_sin", tmp_path)
    # Terms x^(2i+1)/(2i+1)! at pi/4: 0.785, 0.0807, 0.00249, 3.66e-5 < 1e-4: four terms.
    assert result["terms"] == 4
    assert result["value"] == pytest.approx(math.sin(x), abs=1e-6)
    assert result["grad"] == pytest.approx(math.cos(x), abs=1e-5)
    assert result["error"] > 1e-8  # a truncated series, not sin itself
    dot = (tmp_path / "my_sin.dot").read_text()
    assert dot.startswith("digraph") and dot.count('label="power"') == 4


def test_taylor_sin_with_a_tiny_threshold_is_sin_to_the_last_bits():
    from fnzero.examples.taylor_sin import my_sin

    x = np.float64(math.pi / 4)
    value, slope = fz.value_and_grad(lambda v: my_sin(v, threshold=1e-150))(x)
    assert float(value) == pytest.approx(math.sin(x), abs=1e-15)
    assert float(slope) == pytest.approx(math.cos(x), abs=1e-15)
    second = fz.grad(fz.grad(lambda v: my_sin(v, threshold=1e-150)))(x)
    assert float(second) == pytest.approx(-math.sin(x), abs=1e-14)


def test_linear_regression_fits_the_books_toy_data(tmp_path):
    result = fast("linear_regression", tmp_path)
    rng = np.random.RandomState(0)
    x = rng.rand(100, 1)[:, 0]
    y = 5 + 2 * x + rng.rand(100, 1)[:, 0]
    W = b = 0.0
    for _ in range(100):
        r = W * x + b - y
        W, b = W - 0.1 * np.mean(2 * r * x), b - 0.1 * np.mean(2 * r)
    assert (result["W"], result["b"]) == pytest.approx((W, b), abs=1e-10)
    # Within a few percent of the least-squares optimum after 100 steps (the book's 0.0791).
    A = np.stack([x, np.ones_like(x)], axis=1)
    best = np.mean((A @ np.linalg.lstsq(A, y, rcond=None)[0] - y) ** 2)
    assert best <= result["loss"] < 1.05 * best
    assert result["first_loss"] > 40
