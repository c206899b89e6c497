"""Listings (jit's lower, make_graph) and ONNX inputs name a function's inputs after its
parameters: ``matmul(x, params/W1)``, not ``matmul(y, x/W1)``."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.transforms.make_graph import argument_names

P = {"W1": np.ones((3, 2)), "b1": np.zeros(2)}
X = np.ones((4, 3))


def loss(params, x, *, scale=1.0):
    return fnp.sum(fnp.matmul(x, params["W1"]) + params["b1"]) * scale


def test_jit_listing_uses_parameter_names():
    text = str(fz.jit(loss).lower(P, X))
    assert text.splitlines()[0] == "graph(params/W1:float64[3, 2], params/b1:float64[2], x:float64[4, 3]) {"
    assert "= matmul(x, params/W1)" in text and "add(v1, params/b1)" in text


def test_keyword_arguments_are_named_by_their_keyword():
    g = fz.jit(loss).lower(P, X, scale=np.float64(2.0))
    assert [v.name for v in g.inputs] == ["params/W1", "params/b1", "x", "scale"]
    assert "multiply(v3, scale)" in str(g)


def test_make_graph_sees_through_transforms_to_the_parameters():
    g = fz.make_graph(fz.grad(loss))(P, X)
    assert [v.name for v in g.inputs] == ["params/W1", "params/b1", "x"]
    g = fz.make_graph(fz.jit(fz.vmap(lambda w, b: w * b)))(X, X)
    assert [v.name for v in g.inputs] == ["w", "b"]


def test_names_without_a_useful_signature_fall_back_to_letters():
    assert argument_names(fnp.tanh, 2) == ["x", "y"]  # a primitive: (*args, **params)
    assert argument_names(max, 2) == ["x", "y"]  # a builtin without a signature
    assert argument_names(lambda *xs: xs, 3) == ["xs0", "xs1", "xs2"]
    assert argument_names(functools.partial(loss, P), 1) == ["x"]
    # Names that would be read as intermediate values, or repeat another's, get a "_".
    assert argument_names(lambda v1, arg2, *rest: v1, 4) == ["v1_", "arg2", "rest0", "rest1"]
    assert argument_names(lambda a: a, 3) == ["a", "arg1", "arg2"]
    assert argument_names(lambda arg1: arg1, 2) == ["arg1", "arg1_"]
    g = fz.make_graph(lambda v1, v2: v1 * v2)(X, X)
    assert str(g).splitlines()[1] == "  v1:float64[4, 3] = multiply(v1_, v2_)"


def test_onnx_inputs_are_named_after_the_parameters():
    onnx = pytest.importorskip("onnx")
    model = fz.onnx.export(lambda image, weight: fnp.tanh(image @ weight), (X, P["W1"]))
    assert [i.name for i in model.graph.input] == ["image", "weight"]
    onnx.checker.check_model(model)
