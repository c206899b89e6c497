"""fnzero.scipy: JAX's ``jax.scipy`` on fnzero, differentiable, with no SciPy at run time."""

from fnzero.scipy import linalg, special, stats

__all__ = ["linalg", "special", "stats"]
