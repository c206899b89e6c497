"""Conversions of traced values to Python numbers and NumPy arrays never drop a derivative.

Under a transform that differentiates, ``float(x)``, ``math.exp(x)``, ``np.asarray(x)``,
``x.item()`` ... raise ConcretizationTypeError (the number would have no derivative);
``bool(x)`` keeps working, and so does converting ``stop_gradient(x)``. Levels that do not
differentiate (make_graph) give the concrete value; jit and vmap refuse as before. NumPy
functions on traced values dispatch to fnzero.numpy or refuse naming the function.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import away_from_zero

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.core.tracer import TRACER_TYPES
from fnzero.test_util import check_grads


def _into_buffer(t):
    buf = np.zeros(np.shape(t) or (1,))
    buf[...] = t
    return buf


# Each takes a traced float value and returns something without a derivative.
CONVERSIONS = {
    "float": float,
    "int": int,
    "complex": complex,
    "math.sin": math.sin,
    "math.exp": math.exp,
    "np.float64": np.float64,
    "np.asarray": np.asarray,
    "np.array": np.array,
    "buf[...] = x": _into_buffer,
    ".item()": lambda t: t.item(),
    ".tolist()": lambda t: t.tolist(),
}

# Each runs a scalar function of a scalar under one transform that differentiates.
DIFFERENTIATING = {
    "grad": lambda f, x: fz.grad(f)(x),
    "value_and_grad": lambda f, x: fz.value_and_grad(f)(x),
    "vjp": lambda f, x: fz.vjp(f, x),
    "jvp": lambda f, x: fz.jvp(f, (x,), (1.0,)),
    "linearize": lambda f, x: fz.linearize(f, x),
    "jacfwd": lambda f, x: fz.jacfwd(f)(x),
    "jacrev": lambda f, x: fz.jacrev(f)(x),
    "hessian": lambda f, x: fz.hessian(f)(x),
    "grad of grad": lambda f, x: fz.grad(fz.grad(f))(x),
    "jvp of grad": lambda f, x: fz.jvp(fz.grad(f), (x,), (1.0,)),
    "vmap of grad": lambda f, x: fz.vmap(fz.grad(f))(np.array([x, x])),
}


@pytest.mark.parametrize("transform", sorted(DIFFERENTIATING))
@pytest.mark.parametrize("conversion", sorted(CONVERSIONS))
def test_conversion_under_differentiation_refuses_and_says_what_to_use(transform, conversion):
    convert = CONVERSIONS[conversion]

    def f(x):
        y = x * 1.5
        return y * fnp.sum(fnp.asarray(convert(y)))

    with pytest.raises(fz.ConcretizationTypeError, match="drop its derivative") as e:
        DIFFERENTIATING[transform](f, 2.0)
    message = str(e.value)
    assert "fnzero.numpy" in message and "stop_gradient" in message
    assert isinstance(e.value, TypeError)


def test_the_reported_silent_answers_now_raise():
    with pytest.raises(fz.ConcretizationTypeError, match=r"float\(\)"):
        fz.grad(lambda x: x * float(x))(3.0)
    with pytest.raises(fz.ConcretizationTypeError, match=r"float\(\)"):
        fz.grad(math.exp)(1.0)


def test_writing_one_element_of_a_buffer_refuses_through_numpy():
    # NumPy turns any failure of float() on a sequence-like value into its own ValueError;
    # the refusal is its cause, shown in the traceback.
    def f(x):
        buf = np.zeros(2)
        buf[0] = x
        return x

    with pytest.raises(ValueError, match="sequence") as e:
        fz.grad(f)(2.0)
    assert isinstance(e.value.__cause__, fz.ConcretizationTypeError)
    assert "buffer[i] = x" in str(e.value.__cause__) and "drop its derivative" in str(e.value.__cause__)


def test_an_integer_taken_from_a_traced_value_is_refused_inside_jit_and_vmap():
    # range(n), a shape, a list index: Python asks for __index__; NumPy would hide the refusal.
    for f in (lambda n: sum(range(n)) * 1.0, lambda n: fnp.zeros(n), lambda n: fnp.ones((2, n))):
        with pytest.raises(fz.ConcretizationTypeError, match=r"fnzero.jit\(<lambda>\): int\(\) as an index"):
            fz.jit(f)(np.array(3))
        with pytest.raises(TypeError, match="fnzero.vmap: a Python value"):
            fz.vmap(f)(np.array([2, 3]))
    rows = [10.0, 20.0, 30.0]
    assert fz.grad(lambda x: x[fnp.argmax(x)] * rows[fnp.argmax(x)])(np.arange(3.0))[2] == 30.0


@pytest.mark.parametrize("transform", sorted(set(DIFFERENTIATING) - {"vmap of grad"}))
@pytest.mark.parametrize("conversion", sorted(CONVERSIONS))
def test_conversion_after_stop_gradient_works_and_the_rest_differentiates(transform, conversion):
    convert = CONVERSIONS[conversion]
    seen = []

    def f(x):
        kept = convert(fz.stop_gradient(x * 1.5))
        assert type(kept) not in TRACER_TYPES
        seen.append(kept)
        return x * x

    DIFFERENTIATING[transform](f, 2.0)
    want = convert(np.float64(3.0)) if conversion not in (".item()", ".tolist()") else 3.0
    np.testing.assert_array_equal(np.ravel(seen[0]), np.ravel(want))


def test_stop_gradient_then_float_gives_the_derivative_of_the_rest():
    # x * c with c = 3 held constant: derivative 3 (not 6)
    g = fz.grad(lambda x: x * float(fz.stop_gradient(x)))(3.0)
    np.testing.assert_allclose(g, 3.0)
    t = fz.jvp(lambda x: x * fz.stop_gradient(x).item(), (3.0,), (1.0,))[1]
    np.testing.assert_allclose(t, 3.0)


def test_bool_and_python_control_flow_keep_working():
    def f(x):
        if x > 0.0 and bool(x < 10.0):
            return x * x
        return -x

    np.testing.assert_allclose(fz.grad(f)(3.0), 6.0)
    np.testing.assert_allclose(fz.grad(f)(-3.0), -1.0)
    np.testing.assert_allclose(fz.jvp(f, (3.0,), (1.0,))[1], 6.0)
    np.testing.assert_allclose(fz.grad(fz.grad(f))(3.0), 2.0)


def test_a_graph_trace_does_not_differentiate_so_conversions_give_values():
    seen = {}

    def f(x):
        seen["float"] = float(x)
        seen["item"] = x.item()
        seen["tolist"] = (x * np.ones(2)).tolist()
        seen["asarray"] = np.asarray(x * 2.0)
        return x * 2.0

    fz.make_graph(f)(3.0)
    assert seen["float"] == 3.0 and type(seen["float"]) is float
    assert seen["item"] == 3.0 and type(seen["item"]) is float
    assert seen["tolist"] == [3.0, 3.0]
    assert type(seen["asarray"]) is np.ndarray and seen["asarray"] == 6.0


@pytest.mark.parametrize("conversion", sorted(CONVERSIONS))
def test_jit_refuses_every_conversion(conversion):
    convert = CONVERSIONS[conversion]
    with pytest.raises((fz.ConcretizationTypeError, ValueError)) as e:
        fz.jit(lambda x: x * fnp.sum(fnp.asarray(convert(x))))(np.float64(2.0))
    error = e.value if isinstance(e.value, TypeError) else e.value.__cause__
    assert isinstance(error, fz.ConcretizationTypeError) and "fnzero.jit" in str(error)


@pytest.mark.parametrize("conversion", sorted(CONVERSIONS))
def test_vmap_refuses_every_conversion_of_a_batched_value(conversion):
    convert = CONVERSIONS[conversion]
    with pytest.raises((TypeError, ValueError)) as e:
        fz.vmap(lambda x: x * fnp.sum(fnp.asarray(convert(x))))(np.array([1.0, 2.0]))
    error = e.value if isinstance(e.value, TypeError) else e.value.__cause__
    assert "fnzero.vmap" in str(error) and "differs across the batch" in str(error)


def test_item_and_tolist_match_numpy_on_values_without_a_derivative():
    x = np.array([[1.5, -2.0], [0.25, 4.0]])

    def f(t):
        kept = fz.stop_gradient(t)
        assert kept.tolist() == x.tolist()
        assert kept.item(1, 0) == x.item(1, 0) == 0.25
        labels = fnp.argmax(t, axis=1)  # integers: no derivative to drop
        assert labels.tolist() == [0, 1]
        return fnp.sum(t * t)

    np.testing.assert_allclose(fz.grad(f)(x), 2 * x)


def test_a_leaked_tracer_cannot_be_converted():
    kept = []
    fz.grad(lambda x: (kept.append(x * 2.0), x)[1])(1.0)
    for convert in (float, bool, np.asarray, lambda t: t.item()):
        with pytest.raises(fz.UnexpectedTracerError, match="already returned"):
            convert(kept[0])


# NumPy written code on traced values: ufuncs and array functions dispatch to fnzero.numpy.
def plain_numpy_model(x):
    h = np.tanh(np.matmul(np.reshape(x, (2, 3)), np.linspace(0.5, 1.5, 6).reshape(3, 2)))
    return np.sum(np.exp(-np.square(h)) * np.arange(1.0, 3.0)) + np.mean(np.sin(x) * x)


@settings(max_examples=10, deadline=None)
@given(x=away_from_zero((6,)))
def test_plain_numpy_code_is_differentiable(x):
    check_grads(plain_numpy_model, [x], order=2)


def test_numpy_ufuncs_dispatch_under_every_transform():
    x = np.array([0.3, 0.7, 1.1])
    v = np.array([1.0, -2.0, 0.5])
    _, t = fz.jvp(lambda a: np.sin(a) * np.arange(3.0), (x,), (v,))
    np.testing.assert_allclose(t, np.cos(x) * v * np.arange(3.0), rtol=1e-14)
    out = fz.vmap(lambda a: np.add(np.ones(3), np.sin(a)))(np.stack([x, 2 * x]))
    np.testing.assert_allclose(out, 1.0 + np.sin(np.stack([x, 2 * x])), rtol=1e-14)
    g = fz.grad(lambda a: np.sum(np.ones(3) * a * a))(x)  # ndarray * tracer stays traced
    np.testing.assert_allclose(g, 2 * x, rtol=1e-14)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda v: np.fix(v), "fnzero.numpy has no fix"),
        (lambda v: np.add(v, 1.0, out=np.empty(3)), "takes no out argument"),
        (lambda v: np.add(v, 1.0, where=v > 0), "takes no where argument"),
        (lambda v: np.multiply.reduce(v), "ufunc methods such as .reduce"),
        (lambda v: np.mean(v, dtype=np.float32), "does not accept these arguments"),
        (lambda v: np.fft.fft(v), "fnzero.numpy.fft has no fft"),
        (lambda v: np.real_if_close(v), "fnzero.numpy has no real_if_close"),
    ],
    ids=["fix", "out=", "where=", "reduce", "mean dtype=", "fft", "real_if_close"],
)
def test_numpy_calls_that_cannot_dispatch_name_the_function(call, fragment):
    for transform in (
        lambda f, x: fz.grad(lambda a: fnp.sum(fnp.asarray(f(a))))(x),
        lambda f, x: fz.jvp(f, (x,), (x,)),
    ):
        with pytest.raises(TypeError, match=fragment) as e:
            transform(call, np.array([1.0, 2.0, 3.0]))
        assert "drop its derivative" in str(e.value) or "does not accept" in str(e.value)


def test_numpy_linalg_dispatches_or_refuses_never_drops():
    x = np.array([[2.0, 0.5], [0.25, 3.0]])
    try:
        g = fz.grad(lambda a: np.linalg.norm(a))(x)
    except TypeError as e:
        assert "numpy.linalg.norm" in str(e) and "drop its derivative" in str(e)
    else:
        np.testing.assert_allclose(g, x / np.linalg.norm(x), rtol=1e-12)
