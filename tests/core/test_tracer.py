"""Traced values behave like arrays: attributes, len and iteration, methods, conversions on
concrete values, a readable repr; NumPy functions dispatch to fnzero or refuse loudly;
in-place assignment points to ``.at[]``.

Conversions never drop a derivative: under a transform that differentiates, ``float(x)``,
``math.exp(x)``, ``np.asarray(x)``, ``x.item()`` ... raise ConcretizationTypeError (the number
would have no derivative); ``bool(x)`` keeps working, and so does converting
``stop_gradient(x)``. Levels that do not differentiate (make_graph) give the concrete value;
jit and vmap refuse as before.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import arrays, assert_matches, away_from_zero, check_float32_and_grads, host, on, with_backend

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.core.tracer import TRACER_TYPES
from fnzero.test_util import check_grads


def _inside_grad(backend, x, body):
    """Run ``body(traced x)`` inside grad (it returns a scalar); give back the gradient."""
    return fz.grad(body)(on(backend, x))


@with_backend
@given(x=arrays(st.sampled_from([(2, 3), (4,), (), (1, 2, 2)])))
def test_attributes(backend, x):
    def body(t):
        assert type(t) in TRACER_TYPES
        assert (t.shape, t.ndim, t.size, t.dtype) == (x.shape, x.ndim, x.size, x.dtype)
        assert_matches(backend, t.T, x.T)
        if x.ndim >= 2:
            assert_matches(backend, t.mT, np.swapaxes(x, -1, -2))
        if x.ndim:
            assert len(t) == len(x)
            rows = list(t)
            assert len(rows) == len(x) and all(type(r) in TRACER_TYPES for r in rows)
            for r, want in zip(rows, x):
                assert_matches(backend, r, want)
        else:
            with pytest.raises(TypeError, match="0-d"):
                len(t)
        return fnp.sum(t.T * 2.0)

    g = _inside_grad(backend, x, body)
    assert_matches(backend, g, np.full(x.shape, 2.0))


def test_iteration_gives_rows_with_gradients(backend):
    x = backend.xp.asarray([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    g = fz.grad(lambda t: sum(fnp.sum(row) * k for k, row in enumerate(t)))(x)
    np.testing.assert_array_equal(host(backend, g), [[0, 0], [1, 1], [2, 2]])


# Method calls that read the same on a NumPy array and on a traced value.
# Distinct (max/min), non-zero (prod), away from the clip bounds: smooth at every entry.
METHOD_INPUT = [-0.95, -0.45, -0.2, 0.3, 0.7, 1.1]
METHODS = {
    "reshape(3, 2)": lambda v, xp: v.reshape(3, 2),
    "reshape((3, 2))": lambda v, xp: v.reshape((3, 2)),
    "reshape(-1)": lambda v, xp: v.reshape(-1),
    "transpose()": lambda v, xp: v.transpose(),
    "transpose(1, 0)": lambda v, xp: v.transpose(1, 0),
    "transpose((1, 0))": lambda v, xp: v.transpose((1, 0)),
    "sum()": lambda v, xp: v.sum(),
    "sum(axis=0)": lambda v, xp: v.sum(axis=0),
    "sum(1, keepdims=True)": lambda v, xp: v.sum(1, keepdims=True),
    "mean(axis=-1)": lambda v, xp: v.mean(axis=-1),
    "max(axis=1)": lambda v, xp: v.max(axis=1),
    "min()": lambda v, xp: v.min(),
    "prod(0)": lambda v, xp: v.prod(0),
    "var()": lambda v, xp: v.var(),
    "std(axis=1)": lambda v, xp: v.std(axis=1),
    "cumsum(axis=1)": lambda v, xp: v.cumsum(axis=1),
    "swapaxes(0, 1)": lambda v, xp: v.swapaxes(0, 1),
    "ravel()": lambda v, xp: v.ravel(),
    "flatten()": lambda v, xp: v.flatten(),
    "squeeze()": lambda v, xp: v[None].squeeze(),
    "clip(-0.6, 0.6)": lambda v, xp: v.clip(-0.6, 0.6),
    "dot(ones(3))": lambda v, xp: v.dot(xp.linspace(1.0, 2.0, 3)),
    "astype(float64)": lambda v, xp: v.astype(np.float64),
    "T @ v": lambda v, xp: v.T @ v,
}


@pytest.mark.parametrize("name", sorted(METHODS))
@with_backend
@given(x=st.permutations(METHOD_INPUT).map(lambda p: np.reshape(p, (2, 3))))
def test_methods_match_numpy_and_differentiate(backend, name, x):
    method = METHODS[name]

    def body(t):
        out = method(t, backend.xp)
        assert type(out) in TRACER_TYPES
        assert_matches(backend, out, method(x, np))
        return fnp.sum(out)

    _inside_grad(backend, x, body)
    check_float32_and_grads(lambda v: method(v, backend.xp), [on(backend, x)], order=2)


def test_argmax_argmin_methods(backend):
    x = backend.xp.asarray([[0.0, 3.0, 1.0], [4.0, -1.0, 2.0]])

    def body(t):
        assert_matches(backend, t.argmax(axis=1), [1, 0])
        assert_matches(backend, t.argmin(), np.int64(4))
        return fnp.sum(t)

    fz.grad(body)(x)


def test_conversions_and_control_flow_on_concrete_values(backend):
    def f(t):
        s = fnp.sum(t)
        kept = fz.stop_gradient(s)  # no derivative wanted: the number may be taken
        assert float(kept) == pytest.approx(3.0) and int(kept) == 3 and complex(kept) == 3.0
        with pytest.raises(fz.ConcretizationTypeError, match="drop its derivative"):
            float(s)
        assert bool(s) and not bool(s * 0.0)
        if s > 2.0:  # Python control flow on a traced value's value
            return s * s
        return s

    g = fz.grad(f)(backend.xp.asarray([1.0, 2.0]))
    np.testing.assert_array_equal(host(backend, g), [6.0, 6.0])


def test_repr_shows_the_level_and_the_value():
    seen = []
    fz.grad(lambda t: (seen.append(repr(t)), fnp.sum(t))[1])(np.array([1.5, 2.0]))
    assert seen[0].startswith("ReverseTracer(level=")
    assert "value=array([1.5, 2. ])" in seen[0]
    nested = []
    fz.grad(lambda a: fz.grad(lambda b: (nested.append(repr(b * a)), b * a)[1])(2.0))(3.0)
    assert "value=" in nested[0] and "6.0" in nested[0]


NUMPY_CALLS = {
    "np.sin": lambda v: np.sin(v),
    "np.exp(-v)": lambda v: np.exp(-v),
    "np.absolute": lambda v: np.absolute(v - 3.0),
    "np.add": lambda v: np.add(v, 1.0),
    "np.maximum": lambda v: np.maximum(v, 0.6),
    "np.divide": lambda v: np.divide(1.0, v),
    "np.power": lambda v: np.power(v, 3),
    "np.sum": lambda v: np.sum(v, axis=0),
    "np.mean": lambda v: np.mean(v),
    "np.max": lambda v: np.max(v, axis=1, keepdims=True),
    "np.reshape": lambda v: np.reshape(v, (3, 2)),
    "np.transpose": lambda v: np.transpose(v),
    "np.concatenate": lambda v: np.concatenate([v, v * 2.0], axis=1),
    "np.stack": lambda v: np.stack([v, v]),
    "np.where": lambda v: np.where(v > 0.8, v, 0.0),
    "np.clip": lambda v: np.clip(v, 0.5, 1.0),
    "np.matmul": lambda v: np.matmul(v, np.ones((3, 2))),
    "np.dot": lambda v: np.dot(v, np.ones(3)),
    "np.einsum": lambda v: np.einsum("ij,ij->i", v, v),
    "np.round": lambda v: np.round(v, 1) * v,
    "ndarray * v": lambda v: np.arange(3.0) * v,
    "ndarray - v": lambda v: np.arange(3.0) - v,
    "ndarray / v": lambda v: np.arange(3.0) / v,
    "ndarray ** v": lambda v: np.arange(1.0, 4.0) ** v,
    "ndarray @ v": lambda v: np.ones((4, 2)) @ v,
    "float64 * v": lambda v: np.float64(2.0) * v,
    "ndarray < v": lambda v: np.where(np.full(3, 1.0) < v, v, -v),
}


@pytest.mark.parametrize("name", sorted(NUMPY_CALLS))
def test_numpy_functions_on_traced_values_dispatch_to_fnzero(name):
    call = NUMPY_CALLS[name]
    x = np.array([[0.53, 1.32, 0.71], [1.46, 0.87, 1.12]])  # away from every kink below

    def body(t):
        out = call(t)
        assert type(out) in TRACER_TYPES, f"{name} dropped the trace"
        np.testing.assert_allclose(out.primal_value, call(t.primal_value), rtol=1e-14)
        return out

    check_float32_and_grads(lambda v: body(v) if type(v) in TRACER_TYPES else call(v), [x], order=2)


@pytest.mark.parametrize(
    "call",
    [
        lambda v: np.asarray(v),
        lambda v: np.array(v),
        lambda v: np.linalg.eig(v),
        lambda v: np.fft.ifft(v),
        lambda v: np.fft.fft(v),
        lambda v: np.fft.fftn(v),
        lambda v: np.add(v, 1.0, out=np.empty(3)),
        lambda v: np.add.reduce(v),
        lambda v: np.fft.irfft(v),
        lambda v: np.fft.rfft(v),
    ],
    ids=["asarray", "array", "linalg.eig", "ifft", "fft", "fftn", "out=", "ufunc.reduce", "irfft", "rfft"],
)
def test_numpy_functions_without_a_derivative_refuse_and_name_fnzero(call):
    with pytest.raises(TypeError, match="fnzero"):
        fz.grad(lambda v: fnp.sum(call(v)))(np.array([1.0, 2.0, 3.0]))


def test_in_place_assignment_is_refused_with_a_pointer_to_at(backend):
    def f(v):
        v[1:] = 0.0
        return fnp.sum(v)

    with pytest.raises(TypeError, match=r"x\.at\[idx\]\.set\(v\)"):
        fz.grad(f)(backend.xp.ones(3))


def test_augmented_assignment_rebinds_and_leaves_the_input_alone(backend):
    x = backend.xp.asarray([1.0, 2.0])

    def f(v):
        w = v
        w += 1.0
        w *= v
        assert w is not v
        return fnp.sum(w)

    g = fz.grad(f)(x)
    np.testing.assert_array_equal(host(backend, g), [3.0, 5.0])  # d/dv (v + 1) v = 2v + 1
    np.testing.assert_array_equal(host(backend, x), [1.0, 2.0])


_OPERATORS = {
    "mod": (lambda a, b: a % b, lambda a, b: b % a),
    "floordiv": (lambda a, b: a // b, lambda a, b: b // a),
    "divmod": (lambda a, b: divmod(a, b)[1], lambda a, b: divmod(b, a)[0]),
}


@pytest.mark.parametrize("name", sorted(_OPERATORS))
@given(st.lists(st.floats(0.5, 9.0), min_size=3, max_size=3), st.floats(0.5, 3.0))
def test_remainder_operators_on_tracers_match_numpy_and_differentiate(name, values, divisor):
    x = np.array(values)
    for op in _OPERATORS[name]:
        np.testing.assert_allclose(fz.jit(lambda v, op=op: op(v, divisor))(x), op(x, divisor))
        grad = fz.grad(lambda v, op=op: fnp.sum(op(v, divisor)))(x)
        h = 1e-6
        fd = (op(x + h, divisor) - op(x - h, divisor)) / (2 * h)
        near_a_jump = np.abs(fd) > 1e3
        np.testing.assert_allclose(grad[~near_a_jump], fd[~near_a_jump], atol=1e-6)


@given(st.lists(st.integers(0, 200), min_size=4, max_size=4))
def test_bitwise_operators_on_tracers_match_numpy(values):
    a = np.array(values)

    def ops(v):
        return (v & 6) | (v ^ 3), ~v, v << 2, v >> 1, (v > 2) & (v < 100) | ~(v == 7)

    for got, expected in zip(fz.jit(ops)(a), ops(a)):
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == expected.dtype


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
