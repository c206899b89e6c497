"""Module: frozen attrs classes that are pytrees, with replace / tree_at / count_params."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.nn.module import Module, count_params, static_field, tree_at


class Affine(Module):
    W: object
    b: object
    features: int = static_field()

    def __init__(self, n_in: int, n_out: int):
        self.W = np.linspace(-1, 1, n_in * n_out, dtype=np.float32).reshape(n_in, n_out)
        self.b = np.zeros(n_out, np.float32)
        self.features = n_out

    def __call__(self, x):
        return x @ self.W + self.b


class Stack(Module):
    layers: list

    def __init__(self, sizes):
        self.layers = [Affine(a, b) for a, b in zip(sizes[:-1], sizes[1:])]

    def __call__(self, x):
        for layer in self.layers:
            x = fnp.tanh(layer(x))
        return x


class Scaled(Affine):
    """A subclass whose __init__ calls super().__init__ before setting its own field."""

    scale: float = static_field()

    def __init__(self, n_in: int, n_out: int, scale: float):
        super().__init__(n_in, n_out)
        self.scale = scale


def test_gradient_is_model_shaped():
    model = Stack([2, 3, 1])
    x = np.ones((4, 2), np.float32)
    g = fz.grad(lambda m: fnp.sum(m(x)))(model)
    assert type(g) is Stack and type(g.layers[1]) is Affine
    assert g.layers[0].W.shape == (2, 3) and g.layers[0].W.dtype == np.float32
    assert g.layers[1].features == 1  # static fields are structure, copied as they are
    # check one entry against a finite difference
    eps = 1e-3
    bumped = tree_at(lambda m: m.layers[0].b, model, model.layers[0].b + np.array([eps, 0, 0], np.float32))
    numeric = (fnp.sum(bumped(x)) - fnp.sum(model(x))) / eps
    assert g.layers[0].b[0] == pytest.approx(float(numeric), rel=1e-2)


def test_static_fields_are_part_of_the_structure():
    a, b = Affine(2, 3), Affine(2, 3).replace(features=5)
    assert fz.tree.structure(a) != fz.tree.structure(b)
    assert len(fz.tree.leaves(a)) == 2


def test_modules_are_immutable():
    model = Stack([2, 3])
    with pytest.raises(AttributeError, match="replace"):
        model.layers = []
    with pytest.raises(AttributeError):
        model.layers[0].W = None


def test_replace_and_tree_at_make_copies():
    model = Stack([2, 3, 1])
    new = tree_at(lambda m: (m.layers[0].b, m.layers[1].b), model, (np.ones(3), np.ones(1)))
    assert new.layers[0].b.sum() == 3 and model.layers[0].b.sum() == 0
    doubled = tree_at(lambda m: m.layers[1].W, model, replace_fn=lambda w: 2 * w)
    np.testing.assert_array_equal(doubled.layers[1].W, 2 * model.layers[1].W)
    with pytest.raises(TypeError, match="no field"):
        model.replace(nope=1)
    with pytest.raises(ValueError, match="leaves"):
        tree_at(lambda m: m.layers, model, [])


def test_subclass_init_chain_and_missing_fields():
    s = Scaled(2, 2, 0.5)
    assert s.scale == 0.5 and s.W.shape == (2, 2)
    with pytest.raises(AttributeError):
        s.scale = 1.0

    class Forgetful(Module):
        W: object

        def __init__(self):
            pass

    with pytest.raises(TypeError, match="W"):
        Forgetful()


def test_count_params_and_repr():
    model = Stack([784, 10, 10])
    assert count_params(model) == 784 * 10 + 10 + 10 * 10 + 10
    text = repr(model)
    assert "Affine(" in text and "float32[784, 10]" in text and "features=10" in text
