"""Bad input is a clear exception: a bad axis is numpy's AxisError naming the axis, shape
mismatches name both shapes, with or without tracing."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp

X = np.ones((2, 3))

# Every function taking an axis, called with axis 5 on a 2-d array (or -5).
AXIS_CALLS = {
    "sum": lambda x, a: fnp.sum(x, axis=a),
    "sum tuple": lambda x, a: fnp.sum(x, axis=(0, a)),
    "mean": lambda x, a: fnp.mean(x, axis=a),
    "var": lambda x, a: fnp.var(x, axis=a),
    "std": lambda x, a: fnp.std(x, axis=a),
    "max": lambda x, a: fnp.max(x, axis=a),
    "min": lambda x, a: fnp.min(x, axis=a),
    "prod": lambda x, a: fnp.prod(x, axis=a),
    "logsumexp": lambda x, a: fnp.logsumexp(x, axis=a),
    "cumsum": lambda x, a: fnp.cumsum(x, axis=a),
    "argmax": lambda x, a: fnp.argmax(x, axis=a),
    "argmin": lambda x, a: fnp.argmin(x, axis=a),
    "flip": lambda x, a: fnp.flip(x, axis=a),
    "swapaxes": lambda x, a: fnp.swapaxes(x, 0, a),
    "moveaxis source": lambda x, a: fnp.moveaxis(x, a, 0),
    "moveaxis destination": lambda x, a: fnp.moveaxis(x, 0, a),
    "transpose": lambda x, a: fnp.transpose(x, (a, 0)),
    "expand_dims": lambda x, a: fnp.expand_dims(x, a),
    "squeeze": lambda x, a: fnp.squeeze(x, a),
    "concatenate": lambda x, a: fnp.concatenate([x, x], axis=a),
    "stack": lambda x, a: fnp.stack([x, x], axis=a),
    "split": lambda x, a: fnp.split(x, 1, axis=a),
    "repeat": lambda x, a: fnp.repeat(x, 2, axis=a),
    "take": lambda x, a: fnp.take(x, [0], axis=a),
    "tensordot": lambda x, a: fnp.tensordot(x, x, ([a], [0])),
}


@pytest.mark.parametrize("axis", [5, -5])
@pytest.mark.parametrize("name", sorted(AXIS_CALLS))
def test_bad_axis_is_an_axis_error_naming_it(backend, name, axis):
    x = backend.xp.asarray(X)
    call = AXIS_CALLS[name]
    with pytest.raises(
        np.exceptions.AxisError, match=rf"axis {axis}\b.*{name.split()[0]}|{name.split()[0]}.*axis {axis}\b"
    ):
        call(x, axis)
    with pytest.raises(np.exceptions.AxisError, match=rf"axis {axis}\b"):
        fz.grad(lambda v: fnp.sum(call(v, axis)))(x)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_takes_a_single_axis(name):
    with pytest.raises(TypeError, match="single int"):
        getattr(fnp, name)(X, axis=(0, 1))


BINARY = ["add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "equal", "less"]


@pytest.mark.parametrize("name", BINARY)
def test_broadcast_mismatch_names_both_shapes(backend, name):
    a, b = backend.xp.ones((3, 1)), backend.xp.ones((2, 4))
    f = getattr(fnp, name)
    for call in (lambda: f(a, b), lambda: fz.grad(lambda v: fnp.sum(f(v, b) * 1.0))(a)):
        with pytest.raises(ValueError, match=r"\(3, ?1\).*\(2, ?4\)"):
            call()


def test_where_mismatch_names_the_shapes(backend):
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        fnp.where(backend.xp.ones(3) > 0, backend.xp.ones(3), backend.xp.ones(4))


def test_operator_mismatch_on_traced_values_names_both_shapes(backend):
    with pytest.raises(ValueError, match=r"fnzero.numpy.add\(float64\[2\], float64\[3\]\)"):
        fz.grad(lambda v: fnp.sum(v + backend.xp.ones(3)))(backend.xp.ones(2))


@pytest.mark.parametrize("shape", [(2.5, 2), (2.0, 3), ("2", 3), "6"])
def test_reshape_refuses_dimensions_that_are_not_ints(shape):
    # int() would truncate 2.5 into a shape the caller did not ask for.
    for call in (
        lambda: fnp.reshape(np.ones(6), shape),
        lambda: fz.grad(lambda v: fnp.sum(v.reshape(shape)))(np.ones(6)),
    ):
        with pytest.raises(
            TypeError, match=r"fnzero.numpy.reshape: shape must be an int or a sequence of ints"
        ):
            call()
    assert fnp.reshape(np.ones(6), (np.int64(2), 3)).shape == (2, 3)


def test_moveaxis_refuses_an_axis_named_twice():
    with pytest.raises(ValueError, match=r"fnzero.numpy.moveaxis: source \(0, -2\) names an axis twice"):
        fnp.moveaxis(X, (0, -2), (0, 1))
    with pytest.raises(ValueError, match=r"moveaxis: destination \(1, 1\) names an axis twice"):
        fnp.moveaxis(X, (0, 1), (1, 1))


def test_arange_refuses_a_zero_step():
    with pytest.raises(ValueError, match=r"fnzero.numpy.arange: step must not be 0, got 0.0"):
        fnp.arange(0, 1, 0.0)
    np.testing.assert_array_equal(fnp.arange(0, 1, 0.5), [0.0, 0.5])


# Each takes an integer argument; int() of the float would truncate it into another answer.
INTEGER_CALLS = {
    "tril: k": lambda v: fnp.tril(np.ones((3, 3)), k=v),
    "triu: k": lambda v: fnp.triu(np.ones((3, 3)), k=v),
    "tri: k": lambda v: fnp.tri(3, k=v),
    "diag: k": lambda v: fnp.diag(np.ones(3), k=v),
    "diagonal: offset": lambda v: fnp.diagonal(np.ones((3, 3)), offset=v),
    "roll: shift": lambda v: fnp.roll(np.arange(3.0), v),
    "tile: reps": lambda v: fnp.tile(np.arange(3.0), (v,)),
}


@pytest.mark.parametrize("name", sorted(INTEGER_CALLS))
def test_integer_arguments_given_as_floats_are_refused(name):
    with pytest.raises(TypeError, match=rf"fnzero.numpy.{name} must be an int, got 0.5 \(float\)"):
        INTEGER_CALLS[name](0.5)
    INTEGER_CALLS[name](np.int64(1))


@pytest.mark.parametrize(
    "call, fragment",
    [
        (
            lambda: fnp.broadcast_to(np.ones(3), (2.5, 3)),
            r"broadcast_to: shape must be an int or a sequence of ints",
        ),
        (lambda: fnp.pad(np.ones(3), 1.5), r"pad: pad_width must be ints, got 1.5"),
        (lambda: fnp.expand_dims(np.ones(3), 1.0), r"expand_dims: axis must be None, an int or a tuple"),
        (lambda: fnp.moveaxis(np.ones((2, 3)), 1.0, 0), r"moveaxis: axis must be None, an int or a tuple"),
        (lambda: fnp.roll(np.ones((2, 3)), 1, axis=0.0), r"roll: axis must be None, an int or a tuple"),
    ],
)
def test_shapes_widths_and_axes_given_as_floats_are_refused(call, fragment):
    with pytest.raises(TypeError, match=fragment):
        call()
    np.testing.assert_array_equal(
        fnp.roll(np.arange(4.0).reshape(2, 2), np.array([1]), axis=np.array([1])), [[1, 0], [3, 2]]
    )
