"""make_graph: listings, DOT text and pictures of what a function (or its derivative) computes.
Listings (jit's lower, make_graph) and ONNX inputs name a function's inputs after its
parameters: ``matmul(x, params/W1)``, not ``matmul(y, x/W1)``."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.transforms.make_graph import argument_names


def test_listing_names_every_operation_in_order():
    g = fz.make_graph(lambda x, y: fnp.sum(fnp.exp(x) * y))(np.ones(3), np.ones(3, np.float32))
    assert [eq.primitive for eq in g.equations] == ["exp", "multiply", "sum"]
    assert [v.name for v in g.inputs] == ["x", "y"]
    text = str(g)
    assert "v1:float64[3] = exp(x)" in text and "sum(v2" in text and "return v3" in text


def test_graph_of_a_second_derivative_contains_the_backward_sweeps():
    x = np.array(1.0)
    g = fz.make_graph(fz.grad(fz.grad(fnp.tanh)))(x)
    ops = [eq.primitive for eq in g.equations]
    assert ops.count("tanh") == 1 and len(ops) > 4
    assert g.outputs[0].shape == ()
    # the recorded program, replayed with NumPy, computes the second derivative
    env = {"x": x}
    kernels = {
        "tanh": np.tanh,
        "tanh_derivative": lambda g, y: g * (1 - y * y),
        "negative": np.negative,
        "multiply": np.multiply,
    }
    for eq in g.equations:
        args = [
            env[i.name] if isinstance(i, fz.core.graph.Var) else eval(i, {"array": np.array, "np": np})
            for i in eq.inputs
        ]
        env[eq.output.name] = kernels[eq.primitive](*args)
    t = np.tanh(1.0)
    assert env[g.outputs[0].name] == pytest.approx(-2 * t * (1 - t**2))


def test_dot_has_ellipses_for_values_and_boxes_for_ops():
    dot = fz.make_graph(lambda p: fnp.tanh(p["w"] @ p["x"]))({"w": np.ones((2, 3)), "x": np.ones(3)}).to_dot()
    assert re.search(r'"p/w" \[label="p/w\\n\[2, 3\] float64", shape=ellipse', dot)  # p: the parameter
    assert dot.count("shape=box") == 2 and 'label="matmul"' in dot and 'label="tanh"' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_dot_parses_and_renders(tmp_path):
    g = fz.make_graph(fz.grad(lambda x: fnp.sum(fnp.sin(x) ** 2)))(np.ones(2))
    out = subprocess.run(["dot", "-Tplain"], input=g.to_dot(), capture_output=True, text=True, check=True)
    for eq in g.equations:
        assert eq.primitive in out.stdout
    path = g.render(tmp_path / "graph.png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_render_without_graphviz_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    g = fz.make_graph(fnp.sin)(np.ones(2))
    with pytest.raises(RuntimeError, match="install graphviz"):
        g.render(tmp_path / "g.png")


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
