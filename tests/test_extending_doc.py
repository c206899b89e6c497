"""docs/extending.md runs as written: its primitive passes check_grads, its gradient matches
central differences, and its agreement-test case passes tests/core/test_agreement.py's checks."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from fnzero.core.primitive import Primitive
from tests.core import test_agreement

DOC = Path(__file__).resolve().parent.parent / "docs" / "extending.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture
def doc(monkeypatch, capsys):
    """The namespace of the doc's first block, run with a private copy of the primitive registry
    (so that ``gd`` does not outlive this test and other tests' registry checks)."""
    monkeypatch.setattr(Primitive, "registry", dict(Primitive.registry))
    namespace: dict = {}
    exec(compile(_blocks()[0], str(DOC), "exec"), namespace)
    namespace["printed"] = capsys.readouterr().out
    return namespace


def test_the_docs_primitive_has_the_gradient_of_finite_differences(doc):
    gd, fz, fnp = doc["gd"], doc["fz"], doc["fnp"]
    x = np.linspace(-3.0, 3.0, 13)
    grad = fz.grad(lambda x: fnp.sum(gd(x)))(x)
    eps = 1e-6
    central = (2 * np.arctan(np.tanh((x + eps) / 2)) - 2 * np.arctan(np.tanh((x - eps) / 2))) / (2 * eps)
    np.testing.assert_allclose(grad, central, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(grad, 1 / np.cosh(x), rtol=1e-12)
    np.testing.assert_allclose(fz.vmap(fz.grad(gd))(x), grad, rtol=1e-12)
    assert gd(np.float32(1.0)).dtype == np.float32
    assert "gd" in Primitive.registry and doc["printed"].count("[") == 2


def test_the_docs_agreement_case_passes_the_agreement_checks(doc, monkeypatch):
    cases = dict(test_agreement.CASES)
    monkeypatch.setattr(test_agreement, "CASES", cases)
    with pytest.raises(AssertionError, match="'gd'"):
        test_agreement.test_cases_cover_every_differentiable_primitive()  # a primitive without a case
    exec(compile(_blocks()[1], str(DOC), "exec"), {"CASES": cases, "_unary": test_agreement._unary, **doc})
    test_agreement.test_cases_cover_every_differentiable_primitive()
    test_agreement.test_gradients_agree("gd")
