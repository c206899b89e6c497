"""stop_gradient: the identity whose derivative is zero at every order."""

from __future__ import annotations

from typing import Any

from fnzero import tree
from fnzero.core.primitive import Primitive
from fnzero.numpy.batching import same_axis_rule

# No vjp rules: every transform passes the value through and records nothing.
_stop_gradient = Primitive("stop_gradient", lambda x: x, onnx="Identity")
_stop_gradient.defbatch(same_axis_rule(_stop_gradient))


def stop_gradient(x: Any) -> Any:
    """``x`` (any pytree) with no derivative flowing through it, for every transform."""
    return tree.map(_stop_gradient, x)
