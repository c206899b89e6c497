"""Bad arguments to the transforms and the reductions: clear errors naming the argument,
what was given and what is accepted; grad of a complex output refuses."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp


@pytest.mark.parametrize("transform", [fz.grad, fz.value_and_grad, fz.jacrev, fz.jacfwd])
@pytest.mark.parametrize("argnums", [1.0, "0", True, (0, 1.0), None])
def test_argnums_that_are_not_ints_are_refused(transform, argnums):
    with pytest.raises(TypeError, match=r"argnums must be an int or a tuple of ints, got") as e:
        transform(lambda a, b: a * b, argnums=argnums)(1.0, 2.0)
    assert repr(argnums) in str(e.value)


@pytest.mark.parametrize("name", ["static_argnums", "donate_argnums"])
@pytest.mark.parametrize("nums", [1.5, "0", (0, None)])
def test_jit_argnums_that_are_not_ints_are_refused(name, nums):
    with pytest.raises(TypeError, match=rf"fnzero.jit: {name} must be an int or a tuple of ints, got"):
        fz.jit(lambda a, b: a * b, **{name: nums})


def test_argnums_out_of_range_still_say_so():
    with pytest.raises(ValueError, match="out of range"):
        fz.grad(lambda a: a, argnums=3)(1.0)


@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min", "prod", "var", "std", "argmax"])
@pytest.mark.parametrize("axis", [1.5, "0", True, (0, 1.0), [None]])
def test_axis_that_is_not_an_int_is_refused(reduction, axis):
    with pytest.raises(
        TypeError, match=rf"fnzero.numpy.{reduction}: axis must be None(, an int or a tuple| or a single int)"
    ):
        getattr(fnp, reduction)(np.ones((2, 3)), axis=axis)


def test_axis_is_checked_on_traced_values_too():
    with pytest.raises(TypeError, match=r"axis must be None.*got 1.5 \(float\)"):
        fz.grad(lambda x: x.sum(axis=1.5))(np.ones((2, 2)))


def test_valid_axes_still_work():
    x = np.arange(6.0).reshape(2, 3)
    for axis in (1, -1, np.int64(0), (0, 1), [1]):
        np.testing.assert_array_equal(fnp.sum(x, axis=axis), np.sum(x, axis=tuple(np.ravel(axis))))


def test_grad_of_a_complex_output_refuses():
    with pytest.raises(TypeError, match="real-valued output, got dtype complex128") as e:
        fz.grad(lambda x: fnp.sum(x * (1 + 1j)))(np.ones(3))
    assert "fnzero.vjp" in str(e.value)
    with pytest.raises(TypeError, match="real-valued"):
        fz.value_and_grad(lambda x: x * (2 + 0j))(1.0)
