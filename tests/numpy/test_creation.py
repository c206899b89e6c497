"""Creation functions, constructors, dtypes and constants.

Against JAX (the oracle), as JAX names them: triangles, diagonals, traces and grids
differentiate as JAX's (values, grad, jvp, vmap, jit(grad), second derivatives); the
creation functions give NumPy's values; the dtype rules are NumPy's with weak scalars. These
skip where JAX is missing.

Against NumPy on each backend: the creation functions; astype (its vjp casts back) and
stop_gradient."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import FLOAT_DTYPES, arrays, assert_matches, check_float32_and_grads, host, on, with_backend

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.core.tracer import TRACER_TYPES
from tests.optional_jax import check_against_jax, jnp, needs_jax

EXAMPLES = settings(max_examples=3, deadline=None)
ELEMENTS = st.floats(-3.0, 3.0, allow_nan=False, allow_subnormal=False)


def matrices(shape) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=ELEMENTS)


@needs_jax
@EXAMPLES
@given(m=matrices((2, 3, 4)), k=st.sampled_from([-1, 0, 2]))
def test_triangles_agree_with_jax(m, k):
    for name in ("tril", "triu"):
        ours, theirs = getattr(fnp, name), getattr(jnp, name)
        # Squared so that the second derivative is not zero.
        check_against_jax(lambda a: ours(a, k) ** 2, lambda a: theirs(a, k) ** 2, m, order=2, jit=True)
        assert ours(m.astype(np.float32), k).dtype == np.float32
    b = np.arange(12).reshape(3, 4) % 2 == 0
    np.testing.assert_array_equal(fnp.tril(b, k), np.tril(b, k))  # booleans stay booleans


@needs_jax
@EXAMPLES
@given(
    a=matrices((3, 2, 4)),
    offset=st.sampled_from([-1, 0, 2]),
    axes=st.sampled_from([(0, 1), (1, 0), (0, 2), (2, 1), (-1, 0)]),
)
def test_diagonals_and_traces_agree_with_jax(a, offset, axes):
    check_against_jax(
        lambda x: fnp.diagonal(x, offset, *axes) ** 2,
        lambda x: jnp.diagonal(x, offset, *axes) ** 2,
        a,
        order=2,
        jit=True,
    )
    check_against_jax(
        lambda x: fnp.trace(x**2, offset, *axes),
        lambda x: jnp.trace(x**2, offset, *axes),
        a,
        order=2,
        jit=True,
    )
    assert fnp.trace(a.astype(np.float32), offset, *axes).dtype == np.float32


@needs_jax
@EXAMPLES
@given(v=matrices((3,)), m=matrices((3, 4)), k=st.sampled_from([-1, 0, 2]))
def test_diag_builds_and_reads_diagonals_as_jax(v, m, k):
    check_against_jax(lambda x: fnp.diag(x, k) ** 2, lambda x: jnp.diag(x, k) ** 2, v, order=2, jit=True)
    check_against_jax(lambda x: fnp.diag(x, k) ** 2, lambda x: jnp.diag(x, k) ** 2, m, order=2, jit=True)
    assert fnp.diag(v.astype(np.float32), k).dtype == np.float32


@needs_jax
@EXAMPLES
@given(x=matrices((3,)), y=matrices((2,)), indexing=st.sampled_from(["xy", "ij"]), sparse=st.booleans())
def test_meshgrid_agrees_with_jax(x, y, indexing, sparse):
    z = x[:2] * 0.5

    # One output (the oracle weighs one array): the grids, weighted, broadcast together.
    def ours(a, b, c):
        g = fnp.meshgrid(a, b, c, indexing=indexing, sparse=sparse)
        return g[0] ** 2 + 2 * g[1] * g[0] + 3 * g[2] ** 3

    def theirs(a, b, c):
        g = jnp.meshgrid(a, b, c, indexing=indexing, sparse=sparse)
        return g[0] ** 2 + 2 * g[1] * g[0] + 3 * g[2] ** 3

    check_against_jax(ours, theirs, x, y, z, order=2, jit=True)
    for g, expected in zip(fnp.meshgrid(x, y, indexing=indexing), np.meshgrid(x, y, indexing=indexing)):
        np.testing.assert_array_equal(g, expected)


@needs_jax
@EXAMPLES
@given(x=matrices((3,)))
def test_array_of_traced_values_stacks_them(x):
    def ours(a):
        return fnp.array([[a[0], 2.0 * a[1]], [a[2] ** 2, 1.5]])

    def theirs(a):
        return jnp.array([[a[0], 2.0 * a[1]], [a[2] ** 2, 1.5]])

    check_against_jax(ours, theirs, x, order=2, jit=True)
    check_against_jax(lambda a: fnp.asarray([a, -a]), lambda a: jnp.asarray([a, -a]), x, order=2)
    # Python scalars are weak: a float32 traced value keeps the stack float32.
    assert fz.jit(ours)(x.astype(np.float32)).dtype == np.float32
    assert fz.jit(lambda a: fnp.array(a, ndmin=3))(x).shape == (1, 1, 3)


@needs_jax
def test_array_and_asarray_copy_as_asked():
    x = np.arange(3.0)
    assert fnp.array(x) is not x and not np.shares_memory(fnp.array(x), x)
    assert fnp.asarray(x) is x
    assert not np.shares_memory(fnp.asarray(x, copy=True), x)
    assert fnp.array([1, 2], dtype=np.float32).dtype == np.float32
    assert fnp.array(2.0, ndmin=2).shape == (1, 1)
    np.testing.assert_array_equal(fnp.array([[1, 2], [3, 4]]), [[1, 2], [3, 4]])


@needs_jax
def test_creation_functions_give_numpy_s_values():
    np.testing.assert_array_equal(fnp.empty((2, 3)), np.zeros((2, 3)))
    assert fnp.empty(3, np.int32).dtype == np.int32
    proto = np.ones((2, 2), np.float32)
    e = fnp.empty_like(proto)
    assert e.shape == (2, 2) and e.dtype == np.float32 and not e.any()
    assert fnp.empty_like(proto, shape=(3,)).shape == (3,)
    assert fnp.zeros_like(proto, shape=(1, 4)).shape == (1, 4)
    np.testing.assert_array_equal(fnp.full_like(proto, 7, shape=(3,)), np.full(3, 7, np.float32))
    np.testing.assert_array_equal(fnp.identity(3), np.identity(3))
    np.testing.assert_array_equal(fnp.tri(3, 4, 1), np.tri(3, 4, 1))
    assert fnp.tri(2, dtype=bool).dtype == bool
    np.testing.assert_allclose(fnp.logspace(0, 2, 5), np.logspace(0, 2, 5))
    np.testing.assert_allclose(fnp.logspace(0, 3, 4, base=2.0), [1.0, 2.0, 4.0, 8.0])
    np.testing.assert_allclose(fnp.geomspace(1, 1000, 4), [1.0, 10.0, 100.0, 1000.0])
    np.testing.assert_array_equal(fnp.indices((2, 3)), np.indices((2, 3)))
    for ours, expected in zip(fnp.indices((2, 3), sparse=True), np.indices((2, 3), sparse=True)):
        np.testing.assert_array_equal(ours, expected)


@needs_jax
def test_zeros_like_of_a_traced_value_is_constant():
    g = fz.grad(lambda x: fnp.sum(x * fnp.ones_like(x, shape=(2, 3))))(np.ones(3))
    np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])


@needs_jax
def test_spacing_functions_refuse_traced_endpoints():
    for name in ("linspace", "logspace", "geomspace"):
        with pytest.raises(TypeError, match=f"fnzero.numpy.{name}: stop is a traced value"):
            fz.grad(lambda s, name=name: fnp.sum(getattr(fnp, name)(1.0, s, 3)))(2.0)


@needs_jax
def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="tril: m must have at least 2 dimensions"):
        fnp.tril(np.ones(3))
    with pytest.raises(ValueError, match="diag: v must be 1-d or 2-d"):
        fnp.diag(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="axis1 and axis2 must differ, both are 1"):
        fnp.diagonal(np.ones((2, 2)), 0, 1, -1)
    with pytest.raises(ValueError, match="indexing must be 'xy' or 'ij'"):
        fnp.meshgrid(np.ones(2), indexing="ji")
    with pytest.raises(ValueError, match="matrix_transpose: x must have at least 2"):
        fnp.matrix_transpose(np.ones(3))


@needs_jax
def test_array_api_shape_aliases_agree_with_jax():
    a = np.arange(24.0).reshape(2, 3, 4)
    check_against_jax(
        lambda x: fnp.matrix_transpose(x) ** 2, lambda x: jnp.matrix_transpose(x) ** 2, a, order=2
    )
    check_against_jax(
        lambda x: fnp.permute_dims(x, (2, 0, 1)) ** 2, lambda x: jnp.permute_dims(x, (2, 0, 1)) ** 2, a
    )
    check_against_jax(lambda x: fnp.concat([x, -x], axis=1), lambda x: jnp.concat([x, -x], axis=1), a)
    check_against_jax(
        lambda x: fnp.concat([x, x[0]], axis=None), lambda x: jnp.concat([x, x[0]], axis=None), a
    )


@needs_jax
def test_dtypes_are_numpy_s():
    for name in (
        "float16 float32 float64 int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool_ complex64 complex128"
    ).split():
        assert getattr(fnp, name) is getattr(np, name)
        assert np.dtype(getattr(fnp, name)) == np.dtype(getattr(jnp, name))
    assert fnp.dtype("float32") == np.float32
    assert fnp.finfo(fnp.float32).eps == np.finfo(np.float32).eps == jnp.finfo(jnp.float32).eps
    assert fnp.finfo(np.ones(2, np.float32)).bits == 32
    assert fnp.iinfo(fnp.int8).max == 127 and fnp.iinfo(np.arange(2, dtype=np.uint16)).max == 65535
    assert fnp.promote_types(fnp.int8, fnp.uint8) == np.int16
    assert fnp.can_cast(fnp.float32, fnp.float64) and not fnp.can_cast(fnp.float64, fnp.float32)
    assert fnp.can_cast(fnp.float64, fnp.float32, casting="same_kind")
    assert fnp.issubdtype(fnp.float32, fnp.floating) and not fnp.issubdtype(fnp.int32, fnp.inexact)


@needs_jax
def test_result_type_reads_traced_dtypes_and_keeps_scalars_weak():
    x32 = np.ones(2, np.float32)
    assert fnp.result_type(x32, 2.0) == np.float32
    assert fnp.result_type(x32, np.ones(2)) == np.float64
    assert fnp.result_type(np.int32, np.float32) == np.float64  # NumPy's rule (fnzero's kernels)

    def f(x):
        assert fnp.result_type(x, 1.0) == np.float32
        assert fnp.can_cast(x, np.float64)
        return fnp.sum(x)

    fz.grad(f)(x32)
    fz.jit(f)(x32)
    with pytest.raises(ValueError, match="result_type: give at least one"):
        fnp.result_type()


@needs_jax
def test_constants():
    assert fnp.pi == np.pi and fnp.e == np.e and fnp.euler_gamma == np.euler_gamma
    assert fnp.inf == np.inf and np.isnan(fnp.nan) and fnp.newaxis is None
    assert (np.float32(1) * fnp.pi).dtype == np.float32 or isinstance(np.float32(1) * fnp.pi, float)
    assert (np.ones(2, np.float32) * fnp.pi).dtype == np.float32


CONSTRUCTORS = (
    "array asarray empty empty_like identity tri tril triu diag diagonal trace meshgrid logspace geomspace "
    "indices full full_like zeros_like ones_like result_type promote_types can_cast issubdtype finfo iinfo "
    "concat permute_dims matrix_transpose"
).split()
NOT_OURS = {"out", "device", "order", "out_sharding", "args"}


@needs_jax
@pytest.mark.parametrize("name", CONSTRUCTORS)
def test_argument_names_are_jax_s(name):
    def names(f):
        params = inspect.signature(f).parameters.values()
        return [(p.name, p.kind) for p in params if p.name not in NOT_OURS and p.name != "backend"]

    ours, theirs = names(getattr(fnp, name)), names(getattr(jnp, name))
    if name == "asarray":  # JAX's order sits between dtype and copy; its copy is keyword-only, as ours
        theirs = [p for p in theirs if p[0] != "order"]
    assert ours == theirs


CREATION = [
    ("zeros", lambda f, **kw: f(3, **kw), {}),
    ("zeros", lambda f, **kw: f((2, 3), np.float32, **kw), {}),
    ("ones", lambda f, **kw: f((2, 1), **kw), {}),
    ("ones", lambda f, **kw: f((), np.int32, **kw), {}),
    ("full", lambda f, **kw: f((2, 2), 1.5, **kw), {}),
    ("full", lambda f, **kw: f(3, 7, np.float32, **kw), {}),
    ("arange", lambda f, **kw: f(5, **kw), {}),
    ("arange", lambda f, **kw: f(1.0, 2.0, 0.25, **kw), {}),
    ("arange", lambda f, **kw: f(2, 11, 3, dtype=np.float32, **kw), {}),
    ("linspace", lambda f, **kw: f(-1.0, 1.0, 5, **kw), {}),
    ("linspace", lambda f, **kw: f(0.0, 1.0, 4, endpoint=False, dtype=np.float32, **kw), {}),
    ("eye", lambda f, **kw: f(3, **kw), {}),
    ("eye", lambda f, **kw: f(2, 4, 1, dtype=np.float32, **kw), {}),
    ("eye", lambda f, **kw: f(3, k=-1, **kw), {}),
]


@pytest.mark.parametrize("name, call, _", CREATION, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CREATION)])
def test_creation_matches_numpy(backend, name, call, _):
    got = call(getattr(fnp, name), backend=backend.name)
    assert isinstance(got, backend.array_types)
    assert_matches(backend, got, call(getattr(np, name)))


def test_creation_defaults_to_numpy():
    assert isinstance(fnp.zeros(2), np.ndarray) and fnp.zeros(2).dtype == np.float64
    assert fnp.ones((1,)).dtype == np.float64 and fnp.eye(2).dtype == np.float64


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "full_like"])
@pytest.mark.parametrize("dtype", [None, np.float32, np.int64])
def test_like_functions_follow_their_argument_and_ignore_tracing(backend, name, dtype):
    x = backend.xp.asarray([[1.0, 2.0, 3.0]])
    extra = (2.5,) if name == "full_like" else ()
    expected = getattr(np, name)(np.array([[1.0, 2.0, 3.0]]), *extra, dtype=dtype)
    assert_matches(backend, getattr(fnp, name)(x, *extra, dtype=dtype), expected)

    def f(v):
        made = getattr(fnp, name)(v, *extra, dtype=dtype)
        assert type(made) not in TRACER_TYPES  # a constant: no derivative flows through it
        assert_matches(backend, made, expected)
        return fnp.sum(v * made)

    g = fz.grad(f)(x)
    assert_matches(backend, g, np.broadcast_to(expected, (1, 3)).astype(np.float64))


def test_asarray(backend):
    assert_matches(backend, fnp.asarray([[1, 2], [3, 4]], backend=backend.name), np.asarray([[1, 2], [3, 4]]))
    assert_matches(backend, fnp.asarray([1.0, 2.0], np.float32, backend=backend.name), np.float32([1.0, 2.0]))
    x = backend.xp.asarray([1.0, 2.0])
    assert isinstance(fnp.asarray(x), backend.array_types)
    assert_matches(backend, fnp.asarray(np.array([3.0]), backend=backend.name), [3.0])

    def f(v):
        assert fnp.asarray(v) is v  # traced values stay traced
        w = fnp.asarray(v, np.float32)
        assert type(w) in TRACER_TYPES and w.dtype == np.float32
        return fnp.sum(w * 2.0)

    g = fz.grad(f)(x)
    assert g.dtype == np.float64
    np.testing.assert_array_equal(host(backend, g), [2.0, 2.0])


@with_backend
@given(data=st.data(), source=st.sampled_from(FLOAT_DTYPES), target=st.sampled_from(FLOAT_DTYPES))
def test_astype_vjp_casts_back(backend, data, source, target):
    x = data.draw(arrays(), label="x")
    xs = on(backend, x.astype(source))
    assert_matches(backend, fnp.astype(xs, target), x.astype(source).astype(target))
    w = on(backend, data.draw(arrays(x.shape), label="w"))
    g = fz.grad(lambda v: fnp.sum(fnp.astype(v, target) * fnp.astype(w, target)))(xs)
    assert g.dtype == source and g.shape == x.shape
    np.testing.assert_allclose(host(backend, g), host(backend, w).astype(target).astype(source), rtol=1e-6)
    check_float32_and_grads(lambda v: fnp.astype(v, np.float64) ** 2, [on(backend, x)], order=2)
    assert fz.grad(lambda v: fnp.sum(v.astype(target)) * 1.0)(xs).dtype == source


@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool])
def test_astype_to_int_or_bool_has_zero_derivative(backend, dtype):
    host_x = np.array([1.7, -2.2, 0.0])
    x = backend.xp.asarray(host_x)
    assert_matches(backend, fnp.astype(x, dtype), host_x.astype(dtype))
    g = fz.grad(lambda v: fnp.sum(fnp.astype(fnp.astype(v, dtype), np.float64) * 2.5 + v * 0.5))(x)
    np.testing.assert_array_equal(host(backend, g), [0.5, 0.5, 0.5])


@with_backend
@given(x=arrays())
def test_stop_gradient(backend, x):
    xb = on(backend, x)
    assert_matches(backend, fnp.stop_gradient(xb), x)
    g = fz.grad(lambda v: fnp.sum(v * fnp.stop_gradient(v)))(xb)
    np.testing.assert_allclose(host(backend, g), x, rtol=1e-15)  # d/dv [v * const(v)] = v
    tree = fz.grad(lambda p: fnp.sum(fnp.stop_gradient(p)["a"]) + fnp.sum(p["b"] ** 2))({"a": xb, "b": xb})
    assert_matches(backend, tree["a"], np.zeros_like(x))
    assert_matches(backend, tree["b"], 2 * x)
    # Zero at every order.
    assert fz.grad(fz.grad(lambda v: fnp.stop_gradient(v) ** 3 + v))(1.5) == 0.0
