"""JAX as an optional oracle, for test files that mix tests against JAX with tests that need
only NumPy: without JAX, the names are None and ``needs_jax`` skips the tests that use them,
while the others still run."""

from __future__ import annotations

import pytest

try:
    from tests.jax_oracle import check_against_jax, jax, jnp
except pytest.skip.Exception:
    check_against_jax = jax = jnp = None

needs_jax = pytest.mark.skipif(jax is None, reason="JAX, the oracle, is not installed")

__all__ = ["check_against_jax", "jax", "jnp", "needs_jax"]
