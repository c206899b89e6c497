"""``import fnzero as fz`` reaches fz.nn.models and fz.onnx, the latter without the onnx package."""

from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_models_and_onnx_are_attributes_and_onnx_is_not_imported():
    code = (
        "import sys, fnzero as fz; "
        "print(fz.nn.models.VGG16.__name__, fz.onnx.__name__, 'onnx' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": REPO}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["VGG16", "fnzero.onnx", "False"]
