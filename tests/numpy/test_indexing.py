"""Indexing ``x[...]`` (slices, ints, negative steps, None, Ellipsis, integer arrays, masks),
take, and the functional updates ``x.at[idx].set/add`` and ``fnp.at(x)[idx]``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import (
    FLOAT_DTYPES,
    arrays,
    assert_matches,
    check_float32_and_grads,
    host,
    on,
    shapes,
    with_backend,
)

import fnzero as fz
import fnzero.numpy as fnp


def _on_index(backend, idx):
    """Array parts of an index moved to ``backend``."""
    if isinstance(idx, tuple):
        return tuple(on(backend, i) if isinstance(i, np.ndarray) else i for i in idx)
    return on(backend, idx) if isinstance(idx, np.ndarray) else idx


def _integer_arrays(shape):
    # Tuples of integer arrays, negative entries and repeats included; may also be prefixed by
    # a slice so that advanced and basic indexing mix.
    arrs = hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    return arrs | arrs.map(lambda t: (slice(None), *t[1:]) if len(t) > 1 else t)


def _masks(shape):
    return st.integers(1, len(shape)).flatmap(lambda k: hnp.arrays(bool, shape[:k]))


def indices(shape, unique: bool = False):
    """Any index NumPy accepts for an array of ``shape``; with ``unique`` no position twice."""
    basic = hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)
    options = [basic, _masks(shape)] if shape else [basic]
    if shape and not unique:
        options.append(_integer_arrays(shape))
    if shape and unique:
        options.append(
            st.permutations(range(shape[0])).flatmap(
                lambda p: st.integers(0, len(p)).map(lambda k: np.asarray(p[:k], dtype=np.int64) - shape[0])
            )
        )
    return st.one_of(options)


@with_backend
@given(data=st.data(), shape=shapes(max_side=4), dtype=st.sampled_from(FLOAT_DTYPES))
def test_getitem(backend, data, shape, dtype):
    x = data.draw(arrays(shape), label="x")
    idx = data.draw(indices(shape), label="index")
    bidx = _on_index(backend, idx)
    assert_matches(backend, fnp.index(on(backend, x.astype(dtype)), bidx), x.astype(dtype)[idx])
    check_float32_and_grads(lambda v: v[bidx], [on(backend, x)], order=2)
    # The cotangent of x[idx] adds up at repeated positions: compare with np.add.at.
    g = fz.vjp(lambda v: v[bidx], on(backend, x.astype(dtype)))[1]
    ct = np.arange(x[idx].size, dtype=dtype).reshape(x[idx].shape) + 1
    expected = np.zeros_like(x, dtype=dtype)
    np.add.at(expected, idx, ct)
    (got,) = g(on(backend, ct))
    assert_matches(backend, got, expected)


def test_repeated_integer_indices_accumulate(backend):
    x = backend.xp.asarray([1.0, 2.0, 3.0])
    g = fz.grad(lambda v: fnp.sum(v[[0, 0, 2, 0]] * backend.xp.asarray([1.0, 2.0, 3.0, 4.0])))(x)
    np.testing.assert_array_equal(host(backend, g), [7.0, 0.0, 3.0])
    g = fz.grad(lambda v: fnp.sum(v[backend.xp.asarray([[1, 1], [-2, 2]])]))(x)
    np.testing.assert_array_equal(host(backend, g), [0.0, 3.0, 1.0])


def test_mask_index_from_a_comparison(backend):
    x = backend.xp.asarray([[-1.0, 2.0], [3.0, -4.0]])
    g = fz.grad(lambda v: fnp.sum(v[v > 0] ** 2))(x)
    np.testing.assert_array_equal(host(backend, g), [[0.0, 4.0], [6.0, 0.0]])


@pytest.mark.parametrize("bad", [np.array([0.5]), [1.0, 2.0]], ids=["float array", "float list"])
def test_float_indices_are_refused(backend, bad):
    with pytest.raises(IndexError, match="integer or boolean"):
        fnp.index(backend.xp.ones(3), bad)


@with_backend
@given(data=st.data(), shape=shapes(min_dims=1, max_side=4))
def test_take(backend, data, shape):
    x = data.draw(arrays(shape), label="x")
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)), label="axis")
    n = x.size if axis is None else shape[axis]
    ind = data.draw(
        hnp.arrays(
            np.int64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), elements=st.integers(-n, n - 1)
        ),
        label="indices",
    )
    assert_matches(backend, fnp.take(on(backend, x), on(backend, ind), axis=axis), np.take(x, ind, axis=axis))
    check_float32_and_grads(lambda v: fnp.take(v, on(backend, ind), axis=axis), [on(backend, x)], order=2)


def _reference_update(x, idx, v, how):
    out = x.copy()
    if how == "set":
        out[idx] = v
    else:
        np.add.at(out, idx, v)
    return out


@pytest.mark.parametrize("how", ["set", "add"])
@with_backend
@given(data=st.data(), shape=shapes(min_dims=1, max_side=4), broadcast_v=st.booleans())
def test_functional_updates(backend, how, data, shape, broadcast_v):
    x = data.draw(arrays(shape), label="x")
    idx = data.draw(indices(shape, unique=how == "set"), label="index")
    target = x[idx].shape
    v = data.draw(arrays(() if broadcast_v else target), label="values")
    bidx = _on_index(backend, idx)
    expected = _reference_update(x, idx, v, how)
    # Raw arrays through fnp.at, traced ones through .at.
    assert_matches(backend, getattr(fnp.at(on(backend, x))[bidx], how)(on(backend, v)), expected)
    assert_matches(backend, host(backend, on(backend, x)), x)  # the input is unchanged
    check_float32_and_grads(
        lambda a, b: getattr(fnp.at(a)[bidx], how)(b), [on(backend, x), on(backend, v)], order=2
    )
    gx, gv = fz.grad(lambda a, b: fnp.sum(getattr(a.at[bidx], how)(b) ** 2), argnums=(0, 1))(
        on(backend, x.astype(np.float32)), on(backend, v)
    )
    assert (gx.dtype, gv.dtype, gx.shape, gv.shape) == (np.float32, np.float64, x.shape, v.shape)


def test_at_add_with_repeated_indices_accumulates_in_both_arguments(backend):
    x = backend.xp.zeros(3)
    v = backend.xp.asarray([1.0, 2.0, 3.0])
    idx = backend.xp.asarray([0, 0, 2])
    assert_matches(backend, fnp.at(x)[idx].add(v), [3.0, 0.0, 3.0])
    w = backend.xp.asarray([10.0, 20.0, 30.0])
    gx, gv = fz.grad(lambda a, b: fnp.sum(a.at[idx].add(b) * w), argnums=(0, 1))(x, v)
    np.testing.assert_array_equal(host(backend, gx), [10.0, 20.0, 30.0])
    np.testing.assert_array_equal(host(backend, gv), [10.0, 10.0, 30.0])


def test_at_set_overwrites_so_x_gets_no_gradient_there(backend):
    x = backend.xp.asarray([1.0, 2.0, 3.0, 4.0])
    gx, gv = fz.grad(lambda a, b: fnp.sum(a.at[1:3].set(b) ** 2), argnums=(0, 1))(x, backend.xp.asarray(5.0))
    np.testing.assert_array_equal(host(backend, gx), [2.0, 0.0, 0.0, 8.0])
    assert float(gv) == 20.0


def test_at_get_is_indexing(backend):
    x = backend.xp.asarray([[1.0, 2.0], [3.0, 4.0]])
    assert_matches(backend, fnp.at(x)[:, -1].get(), [2.0, 4.0])
    g = fz.grad(lambda v: fnp.sum(v.at[1].get()))(x)
    np.testing.assert_array_equal(host(backend, g), [[0.0, 0.0], [1.0, 1.0]])
