"""fnzero.scipy: SciPy's API where JAX has it (jax.scipy), differentiable."""

from fnzero.scipy import linalg  # noqa: F401
