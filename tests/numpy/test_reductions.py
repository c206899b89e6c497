"""Reductions, order statistics and counting operations.

Against NumPy on each backend: reductions over axis=None / int / negative / tuple with
keepdims, cumsum, argmax/argmin, tie-sharing in max/min, prod through zeros, logsumexp at
large inputs. prod's derivatives at zeros: one rule, the same answer eagerly and under jit
and vmap, exact to second order (against finite differences) with zeros among the entries.

Against JAX (the oracle), jax.numpy's surface: values, grad, jvp, vmap (and jit, second
derivatives where smooth), on random float64 inputs, on ties and zeros, on NaNs; float32
kept; argument names as jax.numpy's. These skip where JAX is missing. Each oracle check runs
JAX op by op (about half a second), so the smooth cases take one fixed random input each and
the drawn (hypothesis) cases are few; ties and NaNs have their own."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import (
    FLOAT_DTYPES,
    arrays,
    assert_matches,
    away_from_zero,
    axes,
    check_float32_and_grads,
    distinct,
    host,
    on,
    on_grid,
    shapes,
    with_backend,
)

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.core.tracer import TRACER_TYPES, ConcretizationTypeError
from fnzero.test_util import check_grads
from tests.optional_jax import check_against_jax, jax, jnp, needs_jax

EXAMPLES = settings(max_examples=3, deadline=None)
ROWS = st.sampled_from([(3, 4)])

# name -> (kwargs, order, jit): checked against the same-named jax.numpy function.
SMOOTH = {
    "ptp": ({"axis": 1}, 1, False),
    "amax": ({"axis": 0}, 1, False),
    "amin": ({"axis": 1, "keepdims": True}, 1, False),
    "cumprod": ({"axis": 1}, 2, True),
    "nancumsum": ({"axis": 0}, 2, False),
    "nansum": ({"axis": 1}, 2, False),
    "nanmean": ({}, 2, False),
    "nanvar": ({"axis": 1, "ddof": 0}, 2, True),
    "nanstd": ({"axis": 0}, 1, False),
    "nanprod": ({"axis": 1}, 2, False),
    "nanmax": ({"axis": 1}, 1, False),
    "nanmin": ({}, 1, False),
    "median": ({"axis": 1}, 2, True),
    "nanmedian": ({"axis": 0, "keepdims": True}, 2, False),
    "sort": ({"axis": 1}, 2, True),
    "quantile": ({"q": np.array([0.0, 0.3, 1.0]), "axis": 1}, 2, False),
    "percentile": ({"q": 40.0, "axis": (0, 1)}, 2, False),
    "nanquantile": ({"q": 0.75, "axis": 1}, 1, False),
    "nanpercentile": ({"q": np.array([10.0, 90.0])}, 1, False),
}


def _both(name, **kw):
    return (lambda a: getattr(fnp, name)(a, **kw)), (lambda a: getattr(jnp, name)(a, **kw))


@needs_jax
@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_smooth_against_jax(name):
    kw, order, jit = SMOOTH[name]
    x = np.random.default_rng(sorted(SMOOTH).index(name)).standard_normal((3, 4))
    ours, theirs = _both(name, **kw)
    check_against_jax(ours, theirs, x, order=order, jit=jit)


TIES_AND_ZEROS = np.array(
    [
        [1.0, 1.0, 0.0, 1.0],
        [0.0, 2.0, 0.0, -1.0],
        [3.0, 3.0, 3.0, 3.0],
        [0.0, 0.0, 0.0, 2.0],
        [-1.0, 0.0, -1.0, 0.0],
        [2.0, -2.0, 0.5, 0.0],
    ]
)


@needs_jax
@pytest.mark.parametrize("name", ["sort", "median", "cumprod", "quantile"])
def test_ties_and_zeros_against_jax(name):
    kw = {"q": np.array([0.25, 0.5])} if name == "quantile" else {}
    for axis in (0, 1):
        ours, theirs = _both(name, axis=axis, **kw)
        check_against_jax(ours, theirs, TIES_AND_ZEROS, order=2 if axis else 1)


@needs_jax
def test_descending_sort_ties_against_jax():
    # a descending sort is the ascending one reversed: tied cotangents go where JAX's go
    ours, theirs = _both("sort", axis=1, descending=True)
    check_against_jax(ours, theirs, TIES_AND_ZEROS)


@needs_jax
def test_cumprod_derivatives_at_zeros():
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    check_against_jax(fnp.cumprod, jnp.cumprod, x, order=2, jit=True)
    # d cumprod(x)[2] / d x[1] = x[0] * x[2] = 6 although x[1] is 0
    assert fz.grad(lambda v: fnp.cumprod(v)[2])(x)[1] == 6.0


@needs_jax
def test_cumulative_prod_and_nancumprod_against_jax():
    x = TIES_AND_ZEROS[:3]
    check_against_jax(
        lambda a: fnp.cumulative_prod(a, axis=1, include_initial=True),
        lambda a: jnp.cumulative_prod(a, axis=1, include_initial=True),
        x,
        order=2,
        jit=True,
    )
    check_against_jax(fnp.cumulative_prod, jnp.cumulative_prod, x[1])
    with pytest.raises(ValueError, match="cumulative_prod: axis is needed"):
        fnp.cumulative_prod(x)
    y = np.where(x == 0.0, np.nan, x)
    check_against_jax(*_both("nancumprod", axis=0), y, order=2)
    np.testing.assert_array_equal(fnp.nancumprod(y), jnp.nancumprod(y))


@needs_jax
@pytest.mark.parametrize("kth, axis", [(0, -1), (2, 1), (-1, 1), (1, 0)])
def test_partition_and_argpartition_against_jax(kth, axis):
    x = TIES_AND_ZEROS  # ties at the boundary: cotangents go where JAX's top-k sends them
    check_against_jax(*_both("partition", kth=kth, axis=axis), x, jit=True)
    ours, theirs = _both("argpartition", kth=kth, axis=axis)
    np.testing.assert_array_equal(ours(x), theirs(x))
    np.testing.assert_array_equal(fz.jit(fz.vmap(ours))(x[None]), theirs(x)[None])
    with pytest.raises(ValueError, match="partition: kth must be an int in"):
        fnp.partition(x, 4)


NAN_ROWS = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan, np.nan, np.nan, np.nan], [0.5, 2.0, np.nan, 2.0]])


@needs_jax
@pytest.mark.parametrize(
    "name", ["nansum", "nanmean", "nanvar", "nanstd", "nanprod", "nanmax", "nanmin", "nancumsum", "nanmedian"]
)
def test_nan_family_with_nans_against_jax(name):
    x = NAN_ROWS[[0, 2]] if name in ("nanvar", "nanstd", "nanmax", "nanmin", "nanmedian") else NAN_ROWS
    ours, theirs = _both(name, axis=len(name) % 2)  # one axis each: both are exercised
    check_against_jax(ours, theirs, x)
    ours, theirs = _both(name, axis=1)
    np.testing.assert_allclose(ours(NAN_ROWS), theirs(NAN_ROWS))  # an all-NaN row too


@needs_jax
def test_nan_arg_reductions_and_all_nan_rows():
    for name in ("nanargmax", "nanargmin"):
        for axis in (None, 0, 1):
            ours, theirs = _both(name, axis=axis)
            np.testing.assert_array_equal(ours(NAN_ROWS), theirs(NAN_ROWS))
    assert np.isnan(fnp.nanmax(NAN_ROWS, axis=1)[1]) and np.isnan(fnp.nanmedian(NAN_ROWS, axis=1)[1])
    assert np.isnan(fnp.median(NAN_ROWS, axis=1)[0])


@needs_jax
def test_average_weights_and_returned():
    x, w = np.random.default_rng(1).standard_normal((3, 4)), 0.7
    weights = np.linspace(w, 2 * w, x.shape[1])
    check_against_jax(
        lambda a, v: fnp.average(a, 1, v, True),
        lambda a, v: jnp.average(a, 1, v, True),
        x,
        weights,
        order=2,
    )
    full = np.broadcast_to(weights, x.shape).copy()
    check_against_jax(
        lambda a, v: fnp.average(a, weights=v), lambda a, v: jnp.average(a, weights=v), x, full, jit=True
    )
    check_against_jax(lambda a: fnp.average(a, 0), lambda a: jnp.average(a, 0), x)


@needs_jax
@pytest.mark.parametrize("n", [0, 2])
def test_diff_and_cumulative_sum(n):
    x = np.random.default_rng(n).standard_normal((3, 4))
    check_against_jax(lambda a: fnp.diff(a, n), lambda a: jnp.diff(a, n), x, order=2, jit=True)
    check_against_jax(
        lambda a: fnp.diff(a, 1, 0, prepend=1.5, append=a[:1]),
        lambda a: jnp.diff(a, 1, 0, prepend=1.5, append=a[:1]),
        x,
    )
    check_against_jax(
        lambda a: fnp.cumulative_sum(a, axis=1, include_initial=True),
        lambda a: jnp.cumulative_sum(a, axis=1, include_initial=True),
        x,
        order=2,
    )


@needs_jax
@settings(max_examples=2, deadline=None)
@given(q=st.floats(0.0, 1.0), x=arrays((3, 4)))
def test_quantile_differentiable_in_q(q, x):
    check_against_jax(
        lambda a, p: fnp.quantile(a, p, axis=1),
        lambda a, p: jnp.quantile(a, p, axis=1),
        x,
        np.array([q, 1.0 - q]),
    )
    methods = ("lower", "higher", "midpoint")
    check_against_jax(
        lambda a: [fnp.quantile(a, np.array([q, 0.5]), axis=0, method=m) for m in methods],
        lambda a: [jnp.quantile(a, np.array([q, 0.5]), axis=0, method=m) for m in methods],
        x,
    )


@needs_jax
def test_logical_and_counting_reductions():
    x = np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 3.0]])
    for name in ("all", "any", "count_nonzero"):
        for axis in (None, 0, 1, (0, 1)):
            np.testing.assert_array_equal(getattr(fnp, name)(x, axis=axis), getattr(jnp, name)(x, axis=axis))
    assert fnp.count_nonzero(x, keepdims=True).shape == (1, 1)
    # inside grad, vmap and jit they compute on the values and carry no derivative
    g = fz.grad(lambda a: fnp.sum(a * fnp.count_nonzero(a, axis=1, keepdims=True)))(x)
    np.testing.assert_array_equal(g, np.broadcast_to([[2.0], [1.0]], x.shape))
    np.testing.assert_array_equal(fz.vmap(fnp.all)(x), [False, False])
    np.testing.assert_array_equal(fz.jit(lambda a: fnp.any(a, 0))(x), [False, True, True])


@needs_jax
@EXAMPLES
@given(x=ROWS.flatmap(lambda s: arrays(s, -2, 2)), side=st.sampled_from(["left", "right"]))
def test_argsort_searchsorted_digitize(x, side):
    x = np.round(x, 0)  # ties
    for descending in (False, True):
        ours, theirs = _both("argsort", axis=1, descending=descending)
        check_against_jax(ours, theirs, x, argnums=())
        np.testing.assert_array_equal(fz.vmap(ours)(x[None]), fz.jit(fz.vmap(ours))(x[None]))
        np.testing.assert_array_equal(fz.vmap(ours)(x[None])[0], theirs(x))
    edges = np.array([-1.5, -0.5, 0.0, 0.5, 1.5])
    np.testing.assert_array_equal(fnp.searchsorted(edges, x, side), jnp.searchsorted(edges, x, side))
    rows = np.sort(x, axis=1)
    # a batched sorted array (the counting rule) and a batched query (the kernel)
    np.testing.assert_array_equal(
        fz.vmap(lambda a, v: fnp.searchsorted(a, v, side))(rows, x),
        jax.vmap(lambda a, v: jnp.searchsorted(a, v, side))(rows, x),
    )
    np.testing.assert_array_equal(
        fz.jit(fz.vmap(lambda v: fnp.searchsorted(edges, v, side)))(x), jnp.searchsorted(edges, x, side)
    )
    for bins in (edges, edges[::-1]):
        for right in (False, True):
            np.testing.assert_array_equal(fnp.digitize(x, bins, right), jnp.digitize(x, bins, right))
            np.testing.assert_array_equal(
                fz.jit(fz.vmap(lambda v, b=bins, r=right: fnp.digitize(v, b, r)))(x),
                jnp.digitize(x, bins, right),
            )


@needs_jax
def test_searchsorted_nans_and_sorter():
    a = np.array([1.0, 2.0, 2.0, np.nan])
    v = np.array([np.nan, 2.0, 5.0, 0.0])
    for side in ("left", "right"):
        expected = jnp.searchsorted(a, v, side)
        np.testing.assert_array_equal(fnp.searchsorted(a, v, side), expected)
        np.testing.assert_array_equal(
            fz.vmap(lambda r, s=side: fnp.searchsorted(r, v, s))(a[None])[0], expected
        )
    perm = np.array([2, 0, 3, 1])
    np.testing.assert_array_equal(
        fnp.searchsorted(a[np.argsort(perm)], v, sorter=perm),
        jnp.searchsorted(a[np.argsort(perm)], v, sorter=perm),
    )


@needs_jax
def test_unique_nonzero_argwhere_values():
    x = np.array([[3.0, 1.0, 3.0], [0.0, 1.0, 2.0]])
    for flags in [(False, False, False), (True, True, True)]:
        ours, theirs = fnp.unique(x, *flags), jnp.unique(x, *flags)
        for a, b in zip(ours if flags[0] else (ours,), theirs if flags[0] else (theirs,)):
            np.testing.assert_array_equal(np.ravel(a), np.ravel(b))
    np.testing.assert_array_equal(fnp.unique(x, axis=1), jnp.unique(x, axis=1))
    np.testing.assert_array_equal(fnp.unique(x, size=7), jnp.unique(x, size=7))
    np.testing.assert_array_equal(
        fnp.unique(x, size=7, fill_value=-1.0), jnp.unique(x, size=7, fill_value=-1.0)
    )
    for a, b in zip(fnp.nonzero(x), jnp.nonzero(x)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(fnp.nonzero(x, size=6, fill_value=-1), jnp.nonzero(x, size=6, fill_value=-1)):
        np.testing.assert_array_equal(a, b)
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        for size, fill in ((None, None), (6, -1.0)):
            ours = getattr(fnp, name)(x, size=size, fill_value=fill)
            theirs = getattr(jnp, name)(x, size=size, fill_value=fill)
            assert ours._fields == theirs._fields
            for a, b in zip(ours, theirs):
                np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fnp.unique_values(x, size=5), jnp.unique_values(x, size=5))
    np.testing.assert_array_equal(fnp.argwhere(x), jnp.argwhere(x))
    np.testing.assert_array_equal(fnp.argwhere(x, size=2), jnp.argwhere(x, size=2))
    # unique's values are gathered: the derivative reaches each first occurrence
    g = fz.grad(lambda a: fnp.sum(fnp.unique(a) * np.arange(4.0)))(x)
    np.testing.assert_array_equal(g, [[3.0, 1.0, 0.0], [0.0, 0.0, 2.0]])


@needs_jax
def test_bincount_and_histogram():
    x = np.array([0, 1, 1, 4, 2, 1])
    w = np.linspace(0.5, 3.0, 6)
    np.testing.assert_array_equal(fnp.bincount(x), jnp.bincount(x))
    np.testing.assert_array_equal(fnp.bincount(x, minlength=7), jnp.bincount(x, minlength=7))
    check_against_jax(
        lambda v: fnp.bincount(x, v, length=3), lambda v: jnp.bincount(x, v, length=3), w, jit=True
    )
    batch = np.stack([x, x[::-1]])
    np.testing.assert_array_equal(
        fz.jit(fz.vmap(lambda v: fnp.bincount(v, length=6)))(batch),
        jax.vmap(lambda v: jnp.bincount(v, length=6))(batch),
    )
    a = np.array([1.0, 2.0, 2.0, 3.5, 4.0, -1.0])
    for bins, rng, density in [
        (3, None, None),
        (4, (0.0, 3.0), True),
        (np.array([0.0, 1.0, 2.5, 4.0]), None, None),
    ]:
        for ours, theirs in zip(
            fnp.histogram(a, bins, rng, density=density), jnp.histogram(a, bins, rng, density=density)
        ):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    check_against_jax(
        lambda v: fnp.histogram(a, 4, (0.0, 3.0), v, True)[0],
        lambda v: jnp.histogram(a, 4, (0.0, 3.0), v, True)[0],
        w,
        jit=True,
    )
    check_against_jax(lambda v: fnp.histogram(v, 3)[1], lambda v: jnp.histogram(v, 3)[1], a, jit=True)
    np.testing.assert_allclose(fnp.histogram(np.ones(3), 2)[1], jnp.histogram(np.ones(3), 2)[1])
    for bins, rng in ((5, None), (3, (-1.0, 2.0))):
        np.testing.assert_allclose(
            fnp.histogram_bin_edges(a, bins, rng), jnp.histogram_bin_edges(a, bins, rng), atol=1e-12
        )


@needs_jax
@pytest.mark.parametrize(
    "call",
    [
        ("unique", lambda a: fnp.unique(a)),
        ("nonzero", lambda a: fnp.nonzero(a)[0]),
        ("argwhere", lambda a: fnp.argwhere(a)),
        ("bincount", lambda a: fnp.bincount(fnp.astype(fnp.ravel(a), np.int64))),
    ],
    ids=lambda c: c[0],
)
def test_value_dependent_shapes_refused_under_jit_and_vmap(call):
    name, f = call
    x = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 3.0]])
    with pytest.raises(ConcretizationTypeError, match=rf"fnzero.numpy.{name}: .*jit"):
        fz.jit(lambda a: f(a * 1.0))(x)
    with pytest.raises(ConcretizationTypeError, match=rf"fnzero.numpy.{name}: .*vmap"):
        fz.vmap(f)(x)
    f(x)  # eagerly they work


@needs_jax
@pytest.mark.parametrize(
    "name",
    [
        "sort",
        "median",
        "cumprod",
        "nanmean",
        "nanstd",
        "ptp",
        "quantile",
        "average",
        "diff",
        "cumulative_sum",
    ],
)
def test_float32_kept(name):
    x = np.linspace(-1.0, 2.0, 6, dtype=np.float32).reshape(2, 3)
    kw = {"q": 0.3} if name == "quantile" else {"axis": 1} if name == "cumulative_sum" else {}
    f = lambda a: getattr(fnp, name)(a, **kw)  # noqa: E731
    assert f(x).dtype == np.float32
    g = fz.grad(lambda a: fnp.sum(f(a)))(x)
    assert g.dtype == np.float32 and g.shape == x.shape


@needs_jax
def test_bad_arguments_are_named():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="quantile: q must lie"):
        fnp.quantile(x, 1.5)
    with pytest.raises(ValueError, match="quantile: method"):
        fnp.quantile(x, 0.5, method="nearest")
    with pytest.raises(ValueError, match="searchsorted: side"):
        fnp.searchsorted(x[0], x, side="middle")
    with pytest.raises(ValueError, match="cumulative_sum: axis"):
        fnp.cumulative_sum(x)
    with pytest.raises(ValueError, match="average: weights"):
        fnp.average(x, weights=np.ones(3))
    with pytest.raises(TypeError, match="bincount: x must hold integers"):
        fnp.bincount(x[0])


# jax.numpy parameters fnzero leaves out: output buffers, in-place hints, masks and initial
# values of reductions, sharding, sort kinds, and a weights option of quantile that JAX itself
# does not implement.
OMITTED = {"out", "overwrite_input", "where", "initial", "out_sharding", "kind", "order", "weights", "mean"}
NAMES = (
    "all any amax amin ptp average median quantile percentile nansum nanmean nanmax nanmin nanprod nanstd "
    "nanvar nanargmax nanargmin nancumsum nanmedian nanquantile nanpercentile cumprod cumulative_sum diff "
    "count_nonzero sort argsort searchsorted unique nonzero argwhere bincount histogram digitize "
    "cumulative_prod nancumprod partition argpartition unique_all unique_counts unique_inverse "
    "unique_values histogram_bin_edges"
).split()


@needs_jax
@pytest.mark.parametrize("name", NAMES)
def test_parameter_names_match_jax(name):
    ours = inspect.signature(getattr(fnp, name)).parameters
    theirs = inspect.signature(getattr(jnp, name)).parameters
    keep_weights = name in ("average", "bincount", "histogram", "histogram_bin_edges")
    expected = [
        (p.name, p.kind)
        for p in theirs.values()
        if p.name not in OMITTED or (p.name == "weights" and keep_weights)
    ]
    got = [(p.name, p.kind) for p in ours.values()]
    if name == "argsort":
        expected = [e for e in expected if e[0] != "dtype"]
    assert got == expected
    assert name in fnp.__all__


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


# Each reduction with inputs that keep it smooth: no ties for max/min, no zero spread for
# std, no zeros for prod (second derivatives).
REDUCTIONS = {
    "sum": (np.sum, arrays),
    "mean": (np.mean, arrays),
    "var": (np.var, arrays),
    "std": (np.std, distinct),
    "max": (np.max, distinct),
    "min": (np.min, distinct),
    "prod": (np.prod, lambda s: away_from_zero(s, 0.5, 1.5)),
    "logsumexp": (_logsumexp, arrays),
}


def _reduced_size(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axis = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axis]))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@with_backend
@given(data=st.data(), shape=shapes(), keepdims=st.booleans())
def test_reductions(backend, name, data, shape, keepdims):
    reference, inputs = REDUCTIONS[name]
    x = data.draw(inputs(shape), label="x")
    axis = data.draw(axes(len(shape)), label="axis")
    if name == "std":
        assume(_reduced_size(shape, axis) > 1)
    f = getattr(fnp, name)
    for dtype in FLOAT_DTYPES:
        xd = x.astype(dtype)
        expected = reference(xd, axis=axis, keepdims=keepdims)
        assert_matches(backend, f(on(backend, xd), axis=axis, keepdims=keepdims), expected, rtol=1e-5)
    check_float32_and_grads(lambda v: f(v, axis=axis, keepdims=keepdims), [on(backend, x)], order=2)


@pytest.mark.parametrize("name", ["var", "std"])
@with_backend
@given(data=st.data(), shape=shapes(min_dims=1), keepdims=st.booleans())
def test_var_std_ddof(backend, name, data, shape, keepdims):
    x = data.draw(distinct(shape), label="x")
    axis = data.draw(axes(len(shape)), label="axis")
    assume(_reduced_size(shape, axis) > 1)
    f = getattr(fnp, name)
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims, ddof=1)
    assert_matches(backend, f(on(backend, x), axis=axis, keepdims=keepdims, ddof=1), expected)
    check_float32_and_grads(lambda v: f(v, axis=axis, keepdims=keepdims, ddof=1), [on(backend, x)])


@pytest.mark.parametrize("name", ["max", "min"])
@with_backend
@given(data=st.data(), shape=shapes(min_dims=1), keepdims=st.booleans())
def test_max_min_ties_share_the_gradient_evenly(backend, name, data, shape, keepdims):
    x = data.draw(on_grid(shape, 0.0).map(np.round), label="x")  # few values: many ties
    axis = data.draw(axes(len(shape)), label="axis")
    dtype = data.draw(st.sampled_from(FLOAT_DTYPES), label="dtype")
    f = getattr(fnp, name)
    g = fz.grad(lambda v: fnp.sum(f(v, axis=axis, keepdims=keepdims) * 1.0))(on(backend, x.astype(dtype)))
    hit = x == getattr(np, name)(x, axis=axis, keepdims=True)
    expected = hit / hit.sum(axis=axis, keepdims=True)
    assert g.dtype == dtype
    np.testing.assert_allclose(host(backend, g), expected, rtol=1e-6)


def test_max_of_two_equal_entries_gives_each_half(backend):
    x = backend.xp.asarray([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]])
    g = fz.grad(lambda v: fnp.max(v))(x)
    np.testing.assert_array_equal(host(backend, g), [[0, 0.5, 0.5], [0, 0, 0]])
    g = fz.grad(lambda v: fnp.sum(fnp.min(v, axis=1) * fnp.asarray([1.0, 2.0])))(x)
    np.testing.assert_array_equal(host(backend, g), [[1, 0, 0], [0, 0, 2]])


@with_backend
@given(data=st.data(), shape=shapes(min_dims=1), zeros=st.integers(1, 2))
def test_prod_first_derivative_is_exact_at_zeros(backend, data, shape, zeros):
    x = data.draw(away_from_zero(shape, 0.5, 1.5), label="x")
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)), label="axis")
    zeros = min(zeros, x.size)
    where = data.draw(st.lists(st.integers(0, x.size - 1), min_size=zeros, max_size=zeros, unique=True))
    x.flat[where] = 0.0
    # Reference: d prod / d x_i is the product of the other entries of x_i's slice.
    expected = np.empty_like(x)
    for i in range(x.size):
        others = x.copy()
        others.flat[i] = 1.0
        products = np.broadcast_to(np.prod(others, axis=axis, keepdims=True), x.shape)
        expected.flat[i] = products.flat[i]
    g = fz.grad(lambda v: fnp.sum(fnp.prod(v, axis=axis)))(on(backend, x))
    np.testing.assert_allclose(host(backend, g), expected, rtol=1e-13, atol=0)
    assert np.isfinite(host(backend, g)).all()


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_logsumexp_is_stable_at_large_inputs(backend, sign):
    host_x = sign * 1000.0 + np.array([[0.0, 1.0, 2.0], [0.5, 0.5, -3.0]])
    x = backend.xp.asarray(host_x)
    expected = _logsumexp(host_x - sign * 1000.0, axis=1) + sign * 1000.0
    np.testing.assert_allclose(host(backend, fnp.logsumexp(x, axis=1)), expected, rtol=1e-14)
    g = host(backend, fz.grad(lambda v: fnp.sum(fnp.logsumexp(v, axis=1)))(x))
    softmax = np.exp(host_x - expected[:, None])
    np.testing.assert_allclose(g, softmax, rtol=1e-12)
    assert np.isfinite(g).all()
    check_float32_and_grads(lambda v: fnp.logsumexp(v, axis=-1), [x], order=2)


@pytest.mark.filterwarnings("ignore:divide by zero encountered in log")
def test_logsumexp_of_minus_infinity(backend):
    x = backend.xp.asarray([[-np.inf, -np.inf], [0.0, -np.inf]])
    np.testing.assert_array_equal(host(backend, fnp.logsumexp(x, axis=1)), [-np.inf, 0.0])
    g = fz.grad(lambda v: fnp.logsumexp(v[1]))(x)
    np.testing.assert_array_equal(host(backend, g), [[0.0, 0.0], [1.0, 0.0]])


@with_backend
@given(data=st.data(), shape=shapes(), dtype=st.sampled_from(FLOAT_DTYPES))
def test_cumsum(backend, data, shape, dtype):
    x = data.draw(arrays(shape), label="x")
    axis = data.draw(axes(len(shape), allow_tuple=False), label="axis")
    expected = np.cumsum(x.astype(dtype), axis=axis)
    assert_matches(backend, fnp.cumsum(on(backend, x.astype(dtype)), axis=axis), expected, rtol=1e-5)
    check_float32_and_grads(lambda v: fnp.cumsum(v, axis=axis), [on(backend, x)], order=2)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@with_backend
@given(data=st.data(), shape=shapes(), keepdims=st.booleans())
def test_argmax_argmin(backend, name, data, shape, keepdims):
    x = data.draw(on_grid(shape, 0.0), label="x")  # ties: the first index wins, as NumPy
    axis = data.draw(axes(len(shape), allow_tuple=False), label="axis")
    expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    assert_matches(backend, getattr(fnp, name)(on(backend, x), axis=axis, keepdims=keepdims), expected)

    def f(v):
        i = getattr(fnp, name)(v, axis=axis, keepdims=keepdims)
        assert type(i) not in TRACER_TYPES
        assert_matches(backend, i, expected)
        return fnp.sum(v) * 2.0

    np.testing.assert_array_equal(host(backend, fz.grad(f)(on(backend, x))), np.full(shape, 2.0))


def test_argmax_selects_what_gets_the_gradient(backend):
    x = backend.xp.asarray([[0.5, 2.0, -1.0], [3.0, 0.0, 1.0]])
    g = fz.grad(lambda v: fnp.sum(fnp.take(v.ravel(), fnp.argmax(v, axis=None)) ** 2))(x)
    np.testing.assert_array_equal(host(backend, g), [[0, 0, 0], [6.0, 0, 0]])


@pytest.mark.parametrize("name", ["mean", "var", "std", "sum", "logsumexp"])
def test_reductions_keep_float32(backend, name):
    x = backend.xp.asarray([[1.0, 2.0], [4.0, 8.0]], dtype=np.float32)
    f = getattr(fnp, name)
    assert f(x, axis=0).dtype == np.float32
    assert fz.grad(lambda v: f(v))(x).dtype == np.float32


ONE_ZERO = np.array([0.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "transform",
    [lambda f: f, fz.jit, lambda f: lambda x: fz.vmap(f)(x[None])[0]],
    ids=["eager", "jit", "vmap"],
)
def test_grad_of_prod_at_a_zero_under_every_transform(transform):
    g = transform(fz.grad(fnp.prod))(ONE_ZERO)
    np.testing.assert_array_equal(g, [6.0, 0.0, 0.0])


def test_forward_mode_of_prod_at_a_zero():
    np.testing.assert_array_equal(fz.jacfwd(fnp.prod)(ONE_ZERO), [6.0, 0.0, 0.0])


def test_hessian_of_prod_at_a_zero():
    # d2/dxi dxj of x0 x1 x2: the third entry (i != j), zero on the diagonal.
    np.testing.assert_array_equal(fz.hessian(fnp.prod)(ONE_ZERO), [[0, 3, 2], [3, 0, 0], [2, 0, 0]])


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_second_order_with_zeros(axis, keepdims):
    x = np.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0], [1.0, -2.0, 0.5]])
    check_grads(lambda a: fnp.prod(a, axis=axis, keepdims=keepdims), (x,), order=2)


def test_empty_and_zero_dimensional():
    assert fz.grad(fnp.prod)(np.zeros(0)).shape == (0,)
    assert fz.grad(fnp.prod)(np.array(5.0)) == 1.0
