"""make_graph: listings, DOT text and pictures of what a function (or its derivative) computes."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp


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
