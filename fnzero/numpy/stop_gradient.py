"""stop_gradient: the identity whose derivative is zero at every order."""

from __future__ import annotations

from typing import Any

from fnzero import tree
from fnzero.core.primitive import Primitive

# No vjp rules: every transform passes the value through and records nothing.
_stop_gradient = Primitive("stop_gradient", lambda x: x)


def stop_gradient(x: Any) -> Any:
    """``x`` (any pytree) with no derivative flowing through it, for every transform."""
    return tree.map(_stop_gradient, x)
