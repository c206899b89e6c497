"""Every example runs in --fast mode and reaches its result; references are computed here
independently (plain NumPy with hand-derived gradients, least squares, the book's numbers)."""

from __future__ import annotations

import importlib.util
import pkgutil

import pytest

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
