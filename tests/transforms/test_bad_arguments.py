"""Bad arguments to the transforms and the reductions: clear errors naming the argument,
what was given and what is accepted; grad of a complex output refuses."""

from __future__ import annotations

import re

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


@pytest.mark.parametrize("rule", [fz.custom_vjp, fz.custom_jvp])
@pytest.mark.parametrize("nums", [1.0, "1", (1.0,), None, True])
def test_nondiff_argnums_that_are_not_ints_are_refused(rule, nums):
    with pytest.raises(
        TypeError, match=rf"fnzero.{rule.__name__}: nondiff_argnums must be an int or a tuple of ints, got"
    ):
        rule(lambda a, b: a * b, nondiff_argnums=nums)


def test_nondiff_argnums_may_be_one_int():
    f = fz.custom_vjp(lambda a, n: a * n, nondiff_argnums=1)
    f.defvjp(lambda a, n: (a * n, None), lambda n, res, g: (g * n,))
    assert fz.grad(f)(2.0, 3.0) == 3.0


@pytest.mark.parametrize("transform", [fz.grad, fz.jacrev, fz.jacfwd])
def test_numpy_int_argnums_are_accepted_and_huge_ones_are_out_of_range(transform):
    np.testing.assert_allclose(transform(lambda a, b: a * b, argnums=np.int64(1))(2.0, 3.0), 2.0)
    for huge in (10**30, -(10**30), np.int64(2**62)):
        with pytest.raises(
            ValueError, match=rf"argnums={re.escape(repr(huge))} is out of range for a call with 2"
        ):
            transform(lambda a, b: a * b, argnums=huge)(2.0, 3.0)


@pytest.mark.parametrize(
    "in_axes, words",
    [
        (1.5, r"in_axes must be an int, None or a tuple \(one entry per argument\), got 1.5 \(float\)"),
        (True, r"in_axes must be an int, None or a tuple .*got True \(bool\)"),
        ("0", r"got '0' \(str\)"),
        ((1.5,), r"in_axes entries must be an int or None, got 1.5 \(float\) in in_axes=\(1.5,\)"),
        (({"w": 0.5},), r"in_axes entries must be an int or None, got 0.5"),
        ((np.bool_(True),), r"in_axes entries must be an int or None, got np.True_ \(bool\)"),
    ],
)
def test_vmap_in_axes_that_are_not_ints_are_refused(in_axes, words):
    with pytest.raises(TypeError, match=words):
        fz.vmap(lambda a: a.sum(), in_axes=in_axes)  # refused when the transform is made


@pytest.mark.parametrize("out_axes", [1.5, True, "0", (0.0,)])
def test_vmap_out_axes_that_are_not_ints_are_refused(out_axes):
    with pytest.raises(TypeError, match=r"fnzero.vmap: out_axes entries must be an int or None, got"):
        fz.vmap(lambda a: a * 2, out_axes=out_axes)


@pytest.mark.parametrize(
    "axis_size, error", [(2.5, TypeError), ("2", TypeError), (True, TypeError), (-1, ValueError)]
)
def test_vmap_axis_size_must_be_an_int(axis_size, error):
    with pytest.raises(error, match=rf"fnzero.vmap: axis_size must be an integer >= 0, got {axis_size!r}"):
        fz.vmap(lambda a: a, in_axes=None, axis_size=axis_size)


def test_vmap_axes_that_are_ints_still_work():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(fz.vmap(lambda a: a.sum(), in_axes=np.int64(1))(x), x.sum(axis=0))
    np.testing.assert_array_equal(fz.vmap(lambda a: a.sum(), in_axes=[0])(x), x.sum(axis=1))
    np.testing.assert_array_equal(fz.vmap(lambda a: a * 2, out_axes=np.int64(1))(x), (x * 2).T)
    with pytest.raises(
        ValueError, match="in_axes 1000000000000000000000000000000 is out of range for argument 0"
    ):
        fz.vmap(lambda a: a, in_axes=10**30)(x)


def test_huge_reduction_axes_say_out_of_bounds():
    with pytest.raises(
        np.exceptions.AxisError,
        match="fnzero.numpy.sum: axis 1000000000000000000000000000000 is out of bounds",
    ):
        fnp.sum(np.ones((2, 3)), axis=10**30)


@pytest.mark.parametrize(
    "transform",
    [
        fz.grad,
        fz.value_and_grad,
        fz.jacrev,
        fz.jacfwd,
        fz.hessian,
        fz.vmap,
        fz.checkpoint,
        fz.custom_vjp,
        fz.custom_jvp,
    ],
)
@pytest.mark.parametrize("fun", [3.0, None, "f"])
def test_a_transform_of_something_not_callable_refuses_at_once(transform, fun):
    # Not at the first call of the function it returns, which may come much later.
    with pytest.raises(TypeError, match=rf"fnzero.{transform.__name__}: fun must be a callable.*got {fun!r}"):
        transform(fun)


@pytest.mark.parametrize("shape", [2.5, (2, 2.5), "3", None])
def test_random_shapes_that_are_not_ints_are_refused(shape):
    with pytest.raises((TypeError, ValueError), match=r"fnzero.random.normal: shape"):
        fz.random.normal(fz.random.key(0), shape)


@pytest.mark.parametrize(
    "reduction", ["sum", "mean", "max", "min", "prod", "var", "std", "logsumexp", "argmax"]
)
@pytest.mark.parametrize("keepdims", ["no", None, 0.5])
def test_keepdims_that_is_not_a_bool_is_refused(reduction, keepdims):
    # The string "no" is truthy: it would keep the dimensions.
    with pytest.raises(TypeError, match=rf"fnzero.numpy.(var|{reduction}): keepdims must be True or False"):
        getattr(fnp, reduction)(np.ones((2, 3)), axis=0, keepdims=keepdims)
    assert getattr(fnp, reduction)(np.ones((2, 3)), axis=0, keepdims=np.True_).shape == (1, 3)


@pytest.mark.parametrize("name", ["has_aux", "allow_int"])
def test_grad_flags_that_are_not_bools_are_refused(name):
    with pytest.raises(
        TypeError, match=rf"fnzero.(value_and_)?grad: {name} must be True or False, got 'yes'"
    ):
        fz.grad(lambda x: fnp.sum(x**2), **{name: "yes"})(np.ones(3))


TRI = np.array([[2.0, 0.0], [1.0, 3.0]])


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: fz.scipy.linalg.solve_triangular(TRI, np.ones(2), lower="False"), "solve_triangular: lower"),
        (
            lambda: fz.scipy.linalg.solve_triangular(TRI, np.ones(2), unit_diagonal="no"),
            "solve_triangular: unit_diagonal",
        ),
        (lambda: fz.scipy.linalg.cho_factor(np.eye(2), lower="False"), "cho_factor: lower"),
        (lambda: fnp.linalg.cholesky(np.eye(2), upper="no"), "cholesky: upper"),
        (lambda: fnp.linalg.svd(np.ones((2, 3)), full_matrices="no"), "svd: full_matrices"),
        (lambda: fnp.linalg.eigh(np.eye(2), symmetrize_input=None), "eigh: symmetrize_input"),
        (lambda: fnp.linalg.norm(np.ones(3), keepdims="no"), "norm: keepdims"),
    ],
)
def test_linalg_flags_that_are_not_bools_are_refused(call, fragment):
    # "False" is truthy: it would solve with the other triangle, a silent wrong answer.
    with pytest.raises(TypeError, match=rf"{fragment} must be True or False, got"):
        call()
    upper = fz.scipy.linalg.solve_triangular(TRI.T, np.ones(2), lower=np.False_)
    np.testing.assert_allclose(TRI.T @ upper, np.ones(2))


def test_cho_solve_takes_only_the_pair_cho_factor_returns():
    with pytest.raises(TypeError, match=r"cho_solve: c_and_lower must be the pair \(c, lower\)"):
        fz.scipy.linalg.cho_solve(np.eye(2), np.ones(2))
    np.testing.assert_allclose(
        fz.scipy.linalg.cho_solve(fz.scipy.linalg.cho_factor(np.eye(2) * 4), np.ones(2)), 0.25
    )


def test_scipy_softmax_axis_that_is_not_an_int_is_refused():
    with pytest.raises(
        TypeError, match=r"fnzero.scipy.special.softmax: axis must be None, an int or a tuple"
    ):
        fz.scipy.special.softmax(np.ones((2, 3)), axis=1.5)


def test_onnx_export_needs_a_tuple_of_example_arguments():
    with pytest.raises(TypeError, match=r"fnzero.onnx.export: example_args must be a tuple .* pass \(x,\)"):
        fz.onnx.export(fnp.sin, np.ones(3))
    with pytest.raises(TypeError, match=r"fnzero.onnx.export: fun must be a callable, got 3 \(int\)"):
        fz.onnx.export(3, (np.ones(3),))


X23 = np.arange(6.0).reshape(2, 3)
KEY = fz.random.key(0)

# Each takes a flag; given the string "no" (truthy) it would act as True.
FLAG_CALLS = {
    "numpy.linspace: endpoint": lambda v: fnp.linspace(0.0, 1.0, 5, endpoint=v),
    "numpy.sort: descending": lambda v: fnp.sort(X23, descending=v),
    "numpy.argsort: stable": lambda v: fnp.argsort(X23, stable=v),
    "numpy.unique: return_counts": lambda v: fnp.unique(X23, return_counts=v),
    "numpy.isclose: equal_nan": lambda v: fnp.isclose(X23, X23, equal_nan=v),
    "numpy.average: returned": lambda v: fnp.average(X23, returned=v),
    "numpy.median: keepdims": lambda v: fnp.median(X23, axis=0, keepdims=v),
    "numpy.nanmean: keepdims": lambda v: fnp.nanmean(X23, axis=0, keepdims=v),
    "numpy.all: keepdims": lambda v: fnp.all(X23, axis=0, keepdims=v),
    "numpy.cumulative_sum: include_initial": lambda v: fnp.cumulative_sum(X23[0], include_initial=v),
    "numpy.meshgrid: sparse": lambda v: fnp.meshgrid(X23[0], X23[1], sparse=v),
    "lax.scan: reverse": lambda v: fz.lax.scan(lambda c, x: (c + x, c), 0.0, X23[0], reverse=v),
    "random.choice: replace": lambda v: fz.random.choice(KEY, 3, (3,), replace=v),
    "random.permutation: independent": lambda v: fz.random.permutation(KEY, X23, independent=v),
    "jvp: has_aux": lambda v: fz.jvp(lambda x: (x, 1), (1.0,), (1.0,), has_aux=v),
    "jacrev: has_aux": lambda v: fz.jacrev(lambda x: (x, 1), has_aux=v)(1.0),
    "vjp: has_aux": lambda v: fz.vjp(lambda x: (x, 1), 1.0, has_aux=v),
}


@pytest.mark.parametrize("name", sorted(FLAG_CALLS))
def test_flags_given_as_strings_are_refused(name):
    with pytest.raises(TypeError, match=rf"fnzero.{name} must be True or False, got 'no'"):
        FLAG_CALLS[name]("no")
    FLAG_CALLS[name](np.True_)


def test_jit_refuses_a_non_callable_and_names_an_unhashable_static_argument():
    with pytest.raises(TypeError, match=r"fnzero.jit: fun must be a callable .* got 42 \(int\)"):
        fz.jit(42)
    f = fz.jit(lambda x, n: x * len(n), static_argnums=1)
    with pytest.raises(TypeError, match=r"static argument 1 is a list \(\[1, 2\]\), which is not hashable"):
        f(1.0, [1, 2])
    assert f(2.0, (1, 2)) == 4.0
