"""fnzero.scipy.stats: JAX's ``jax.scipy.stats`` distributions, as modules of functions."""

from fnzero.scipy.stats import norm

__all__ = ["norm"]
