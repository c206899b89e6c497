"""fnzero.numpy.ufunc and frompyfunc against jax.numpy's: call, reduce (axis, keepdims, initial,
where), accumulate, reduceat, outer and at, for a user's function and for NumPy's own ufuncs
(add, multiply, maximum, ...): values, grad, jvp, vmap and jit equal to JAX's, derivatives
against central differences, and the refusals of what an immutable array cannot do."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.test_util import check_grads
from tests.optional_jax import check_against_jax, jnp, needs_jax


def _left_heavy(x, y):
    return x - 2.0 * y  # not associative: a fold in any other order gives another answer


def _smooth(x, y):
    return x * fnp.tanh(y) + 0.5 * y


def _smooth_jax(x, y):
    return x * jnp.tanh(y) + 0.5 * y


OURS = {"left_heavy": fnp.frompyfunc(_left_heavy, 2, 1), "smooth": fnp.frompyfunc(_smooth, 2, 1)}
SEED = st.integers(0, 2**16)
FEW = settings(max_examples=3)  # each example compiles JAX's side afresh


def _theirs(name):
    return jnp.frompyfunc(_left_heavy if name == "left_heavy" else _smooth_jax, 2, 1)


def _matrix(seed, shape=(3, 4)):
    return np.random.default_rng(seed).standard_normal(shape)


@needs_jax
@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("axis", [0, 1, -1, None])
@FEW
@given(seed=SEED, keepdims=st.booleans())
def test_reduce_folds_from_the_left_as_jax(name, axis, seed, keepdims):
    ours, theirs = OURS[name], _theirs(name)
    check_against_jax(
        lambda a: ours.reduce(a, axis=axis, keepdims=keepdims),
        lambda a: theirs.reduce(a, axis=axis, keepdims=keepdims),
        _matrix(seed),
        jit=True,
    )


@needs_jax
@pytest.mark.parametrize("name", sorted(OURS))
@FEW
@given(seed=SEED)
def test_reduce_with_initial_and_where_as_jax(name, seed):
    mask = np.random.default_rng(seed + 1).random((3, 4)) < 0.6
    ours, theirs = OURS[name], _theirs(name)
    check_against_jax(
        lambda a: ours.reduce(a, axis=1, initial=0.5, where=mask),
        lambda a: theirs.reduce(a, axis=1, initial=0.5, where=mask),
        _matrix(seed),
        jit=True,
    )


@needs_jax
@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("axis", [0, 1])
@FEW
@given(seed=SEED)
def test_accumulate_outer_and_reduceat_as_jax(name, axis, seed):
    ours, theirs = OURS[name], _theirs(name)
    a = _matrix(seed)
    check_against_jax(lambda x: ours.accumulate(x, axis=axis), lambda x: theirs.accumulate(x, axis=axis), a)
    check_against_jax(ours.outer, theirs.outer, a[0], a[1, :3])
    indices = np.array([0, 2, 1, 2]) if axis == 0 else np.array([0, 3, 1, 3])
    check_against_jax(
        lambda x: ours.reduceat(x, indices, axis=axis), lambda x: theirs.reduceat(x, indices, axis=axis), a
    )


@needs_jax
@pytest.mark.parametrize("name", sorted(OURS))
@FEW
@given(seed=SEED, picks=st.lists(st.integers(0, 5), min_size=1, max_size=8))
def test_at_applies_a_repeated_index_once_per_occurrence_as_jax(name, seed, picks):
    ours, theirs = OURS[name], _theirs(name)
    idx = np.array(picks)
    b = _matrix(seed, (len(picks),))
    check_against_jax(
        lambda a, v: ours.at(a, idx, v, inplace=False),
        lambda a, v: theirs.at(a, idx, v, inplace=False),
        _matrix(seed + 1, (6,)),
        b,
        jit=True,
    )


@given(seed=SEED)
def test_the_methods_differentiate_to_second_order(seed):
    u = OURS["smooth"]
    a = _matrix(seed)
    check_grads(lambda x: u.reduce(x, axis=0), [a], order=2)
    check_grads(lambda x: u.accumulate(x, axis=1), [a], order=2)
    check_grads(lambda x, y: u.outer(x, y), [a[0], a[1]], order=2)
    check_grads(lambda x, v: u.at(x, np.array([1, 1, 3]), v, inplace=False), [a[0], a[1, :3]], order=2)


def test_at_with_traced_repeated_indices_applies_each_occurrence():
    u = OURS["left_heavy"]

    def f(a, i, b):
        return u.at(a, i, b, inplace=False)

    a, i, b = np.zeros(3), np.array([0, 0, 2]), np.ones(3)
    expected = f(a, i, b)
    np.testing.assert_array_equal(expected, [-4.0, 0.0, -2.0])
    np.testing.assert_array_equal(fz.jit(f)(a, i, b), expected)
    batched = fz.vmap(f, in_axes=(None, 0, None))(a, np.stack([i, i[::-1]]), b)
    np.testing.assert_array_equal(batched, [expected, f(a, i[::-1], b)])


def test_under_vmap_each_row_is_reduced_as_alone():
    u = OURS["left_heavy"]
    a = _matrix(3)
    batched = fz.vmap(lambda row: u.reduce(row))(a)
    np.testing.assert_allclose(batched, [u.reduce(row) for row in a])
    np.testing.assert_allclose(batched, [r[0] - 2.0 * r[1:].sum() for r in a])


# every name jax.numpy has as a ufunc (none without JAX: the test below then has no cases)
JAX_UFUNCS = [] if jnp is None else sorted(n for n in dir(jnp) if isinstance(getattr(jnp, n), jnp.ufunc))


@needs_jax
@pytest.mark.parametrize("name", JAX_UFUNCS)
def test_numpys_ufuncs_are_ufuncs_with_jax_s_arity_and_identity(name):
    ours, theirs = getattr(fnp, name), getattr(jnp, name)
    assert isinstance(ours, fnp.ufunc) and isinstance(theirs, jnp.ufunc)
    assert (ours.__name__, ours.nin, ours.nout, ours.nargs) == (
        theirs.__name__,
        theirs.nin,
        theirs.nout,
        theirs.nargs,
    )
    assert ours.identity == theirs.identity


FLOAT_UFUNCS = ["add", "logaddexp", "logaddexp2", "maximum", "minimum", "multiply", "subtract"]


@needs_jax
@pytest.mark.parametrize("name", FLOAT_UFUNCS)
@pytest.mark.parametrize("axis", [0, 1, None])
@FEW
@given(seed=SEED, keepdims=st.booleans())
def test_numpys_ufunc_methods_as_jax(name, axis, seed, keepdims):
    ours, theirs = getattr(fnp, name), getattr(jnp, name)
    a = _matrix(seed)
    check_against_jax(
        lambda x: ours.reduce(x, axis=axis, keepdims=keepdims),
        lambda x: theirs.reduce(x, axis=axis, keepdims=keepdims),
        a,
        jit=True,
    )
    if axis is not None:
        check_against_jax(
            lambda x: ours.accumulate(x, axis=axis), lambda x: theirs.accumulate(x, axis=axis), a
        )
    check_against_jax(ours.outer, theirs.outer, a[0], a[1])


@needs_jax
@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "minimum"])
@FEW
@given(seed=SEED)
def test_numpys_ufunc_reduce_with_where_and_initial_as_jax(name, seed):
    ours, theirs = getattr(fnp, name), getattr(jnp, name)
    mask = np.random.default_rng(seed).random((3, 4)) < 0.5
    check_against_jax(
        lambda x: ours.reduce(x, axis=1, initial=0.25, where=mask),
        lambda x: theirs.reduce(x, axis=1, initial=0.25, where=mask),
        _matrix(seed),
    )


@needs_jax
@pytest.mark.parametrize("name", ["add", "multiply", "subtract", "maximum"])
@given(picks=st.lists(st.integers(-4, 3), min_size=1, max_size=6), seed=SEED)
def test_numpys_ufunc_at_as_jax(name, picks, seed):
    ours, theirs = getattr(fnp, name), getattr(jnp, name)
    idx = np.array(picks)
    a, b = _matrix(seed, (4,)), _matrix(seed + 1, (len(picks),))
    got = ours.at(a, idx, b, inplace=False)
    np.testing.assert_allclose(got, theirs.at(a, idx, b, inplace=False), rtol=1e-12)
    # JAX differentiates add.at and subtract.at only; the others against central differences
    check_grads(lambda x, v: ours.at(x, idx, v, inplace=False), [a, b], order=2)


@needs_jax
def test_boolean_and_integer_ufuncs_reduce_as_jax():
    b = np.array([[True, False, True], [True, True, True]])
    i = np.array([[6, 3, 5], [12, 10, 7]])
    for name, x in [("logical_and", b), ("logical_or", b), ("logical_xor", b), ("bitwise_and", i),
                    ("bitwise_or", i), ("bitwise_xor", i)]:  # fmt: skip
        for axis in (0, 1, None):
            ours = getattr(fnp, name).reduce(x, axis=axis)
            theirs = getattr(jnp, name).reduce(x, axis=axis)
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{name} axis={axis}")
            assert np.asarray(ours).dtype == theirs.dtype, name
    np.testing.assert_array_equal(
        fnp.negative.at(np.arange(4.0), np.array([1, 1, 2]), inplace=False), [0.0, 1.0, -2.0, 3.0]
    )


def test_reduceat_of_no_indices_is_empty_as_numpy():
    a = np.arange(6.0).reshape(2, 3)
    for axis in (0, 1):
        expected = np.frompyfunc(_left_heavy, 2, 1).reduceat(a, np.array([], int), axis=axis).astype(float)
        got = OURS["left_heavy"].reduceat(a, np.array([], int), axis=axis)
        assert got.shape == expected.shape == ((0, 3) if axis == 0 else (2, 0))


def test_a_call_goes_to_the_primitive():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    np.testing.assert_array_equal(fnp.add(x, y), x + y)
    np.testing.assert_array_equal(fz.grad(lambda a: fnp.sum(fnp.multiply(a, y)))(x), y)
    np.testing.assert_array_equal(fnp.add.reduce(np.zeros((0, 3))), np.zeros(3))  # the identity


def _reduceat_of_traced_indices(i):
    return OURS["smooth"].reduceat(np.ones(4), i)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: fnp.add.at(np.zeros(3), [0], 1.0), NotImplementedError, "inplace=False"),
        (lambda: OURS["smooth"].at(np.zeros(3), [0], 1.0), NotImplementedError, "inplace=False"),
        (lambda: fnp.negative.reduce(np.ones(3)), ValueError, "binary"),
        (lambda: OURS["smooth"].reduce(np.zeros((0, 2))), ValueError, "identity"),
        (lambda: OURS["smooth"].reduce(np.ones((2, 2)), where=np.ones((2, 2), bool)), ValueError, "initial"),
        (lambda: fnp.maximum.reduce(np.ones((2, 2)), where=np.ones((2, 2), bool)), ValueError, "initial"),
        (lambda: OURS["smooth"].reduce(np.ones((2, 2)), axis=(0, 1)), ValueError, "one axis"),
        (lambda: OURS["smooth"].reduce(np.ones(2), out=np.ones(())), NotImplementedError, "out="),
        (lambda: OURS["smooth"].reduceat(np.ones(4), [0, 4]), IndexError, "out of bounds"),
        (lambda: OURS["smooth"].reduceat(np.ones(4), [0.5]), TypeError, "integers"),
        (lambda: OURS["smooth"](np.ones(2)), TypeError, "takes 2 arrays"),
        (lambda: fnp.add(np.ones(2), np.ones(2), where=np.ones(2, bool)), NotImplementedError, "where"),
        (lambda: fnp.negative.at(np.ones(2), [0], 1.0, inplace=False), TypeError, "no b"),
        (lambda: fnp.ufunc(len, 0, 1), ValueError, "nin"),
        (
            lambda: fz.jit(lambda i: OURS["smooth"].reduceat(np.ones(4), i))(np.array([0, 2])),
            TypeError,
            "concrete",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_what_cannot_work_is_refused_by_name(call, error, words):
    with pytest.raises(error, match=words):
        call()
