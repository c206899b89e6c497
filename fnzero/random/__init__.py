"""fnzero.random: counter-based random numbers from explicit keys (JAX's model).

    key = fnzero.random.key(0)
    key, sub = fnzero.random.split(key)
    w = fnzero.random.normal(sub, (3, 4))

There is no global state: a function given a key draws only from that key, so the same key
gives the same numbers every time, in every process, on NumPy and on CuPy. Use a key once;
``split`` it (or ``fold_in`` a step number) to get fresh ones.
"""

from fnzero.random.distributions import bernoulli, normal, randint, truncated_normal, uniform
from fnzero.random.families import (
    beta,
    categorical,
    dirichlet,
    exponential,
    gamma,
    gumbel,
    laplace,
    logistic,
    multivariate_normal,
    poisson,
)
from fnzero.random.keys import bits, fold_in, key, split
from fnzero.random.permutations import choice, permutation
from fnzero.random.threefry import threefry2x32

PRNGKey = key  # JAX's older name for key

__all__ = [
    "PRNGKey",
    "beta",
    "categorical",
    "dirichlet",
    "exponential",
    "gamma",
    "gumbel",
    "laplace",
    "logistic",
    "multivariate_normal",
    "poisson",
    "bernoulli",
    "bits",
    "choice",
    "fold_in",
    "key",
    "normal",
    "permutation",
    "randint",
    "split",
    "threefry2x32",
    "truncated_normal",
    "uniform",
]
