"""The JAX oracle itself: it passes on functions fnzero already has, and catches a wrong
derivative that a value check alone would miss."""

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
from tests.jax_oracle import check_against_jax, jnp


def test_agrees_on_existing_functions():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    check_against_jax(fnp.tanh, jnp.tanh, x, order=2, jit=True)
    check_against_jax(fnp.matmul, jnp.matmul, x, y, order=2)
    check_against_jax(lambda a: fnp.sum(a, axis=1), lambda a: jnp.sum(a, axis=1), x)


def test_catches_a_wrong_derivative():
    @fz.custom_jvp
    def wrong_sin(x):
        return fnp.sin(x)

    wrong_sin.defjvp(lambda primals, tangents: (fnp.sin(primals[0]), tangents[0]))
    with pytest.raises(AssertionError, match="grad"):
        check_against_jax(wrong_sin, jnp.sin, np.linspace(-1.0, 1.0, 5))
