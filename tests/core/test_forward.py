"""Every differentiable primitive in forward mode: jvp against float64 central differences
(to second order), and jvp against vjp through the transpose identity <u, J v> = <J^T u, v>.

Hypothesis draws shapes, axes and a seed; values come from the seed inside each case's
domain (away from kinks and ties, where finite differences are meaningless).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
import fnzero.scipy.linalg as fsl
from fnzero.core.forward import JVPTrace
from fnzero.core.primitive import Primitive
from fnzero.numpy import bessel
from fnzero.scipy import special
from fnzero.test_util import check_grads
from tests.nn.test_nn_forward_mode import CASES as NN_CASES

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
NONEMPTY = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
BROADCASTABLE_PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)
_IMAGE = np.linspace(-1.0, 1.0, 64).reshape(2, 2, 4, 4)


def uniform(rng, shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape)


def away_from_zero(rng, shape, lo=0.3, hi=2.0):
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def unary(f, lo=-2.0, hi=2.0, sample=uniform):
    return lambda data, rng: (f, [sample(rng, data.draw(SHAPES), lo, hi)])


def binary(f, x=(-2.0, 2.0), y=(-2.0, 2.0), y_sample=uniform):
    def build(data, rng):
        shapes = data.draw(BROADCASTABLE_PAIRS).input_shapes
        return f, [uniform(rng, shapes[0], *x), y_sample(rng, shapes[1], *y)]

    return build


def spaced(rng, shape):
    """Distinct values at least 0.1 apart: no (near-)ties for max and min to straddle."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - 0.05 * n).reshape(shape)


def reduction(f, sample=uniform, keepdims=True):
    def build(data, rng):
        shape = data.draw(NONEMPTY)
        ndim = len(shape)
        axis = data.draw(
            st.none()
            | st.integers(-ndim, ndim - 1)
            | st.lists(st.integers(0, ndim - 1), unique=True, min_size=1).map(tuple)
        )
        kd = data.draw(st.booleans()) if keepdims else False
        return (lambda x: f(x, axis=axis, keepdims=kd)), [sample(rng, shape)]

    return build


def with_shape(make):
    """A case from ``make(data, rng, shape) -> (f, args)`` on a drawn non-empty shape."""
    return lambda data, rng: make(data, rng, data.draw(NONEMPTY))


def _where(data, rng):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
    c = rng.random(shapes[0]) < 0.5
    return (lambda x, y: fnp.where(c, x, y)), [uniform(rng, shapes[1]), uniform(rng, shapes[2])]


def _clip(data, rng):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=2, max_side=3)).input_shapes
    args = [uniform(rng, shapes[0]), uniform(rng, shapes[1], -1.5, -0.1), uniform(rng, shapes[2], 0.1, 1.5)]
    return fnp.clip, args


def _concatenate(data, rng, shape):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    pieces = [uniform(rng, shape[: axis % len(shape)] + (n,) + shape[axis % len(shape) + 1 :]) for n in sizes]
    return (lambda *xs: fnp.concatenate(xs, axis=axis)), pieces


def _stack(data, rng, shape):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    return (lambda a, b: fnp.stack([a, b], axis=axis)), [uniform(rng, shape), uniform(rng, shape)]


def _split(data, rng, shape):
    axis = data.draw(st.integers(0, len(shape) - 1))
    cut = data.draw(st.integers(0, shape[axis]))
    return (lambda x: fnp.split(x, [cut], axis=axis)), [uniform(rng, shape)]


def _reshape(data, rng, shape):
    new = data.draw(st.sampled_from([(-1,), (1, -1), shape[::-1], shape + (1,)]))
    return (lambda x: fnp.reshape(x, new)), [uniform(rng, shape)]


def _transpose(data, rng, shape):
    axes = data.draw(st.permutations(range(len(shape))))
    return (lambda x: fnp.transpose(x, axes)), [uniform(rng, shape)]


def _broadcast_to(data, rng, shape):
    small = tuple(d if data.draw(st.booleans()) else 1 for d in shape)
    return (lambda x: fnp.broadcast_to(x, (2,) + shape)), [uniform(rng, small)]


def _sum_to(data, rng, shape):
    small = tuple(d if data.draw(st.booleans()) else 1 for d in shape)
    return (lambda x: fnp.sum_to(x, small)), [uniform(rng, (2,) + shape)]


def _pad(data, rng, shape):
    widths = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in shape)
    return (lambda x: fnp.pad(x, widths, constant_values=0.5)), [uniform(rng, shape)]


def _flip(data, rng, shape):
    axis = data.draw(st.none() | st.integers(0, len(shape) - 1))
    return (lambda x: fnp.flip(x, axis)), [uniform(rng, shape)]


def _shape_helpers(data, rng, shape):
    reps = data.draw(st.integers(1, 3))
    return (
        lambda x: (
            fnp.tile(x, (reps, 1)),
            fnp.repeat(x, reps, axis=-1),
            fnp.squeeze(fnp.expand_dims(x, 0), 0),
            fnp.moveaxis(x, 0, -1),
        )
    ), [uniform(rng, shape)]


def _cumsum(data, rng, shape):
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    return (lambda x: fnp.cumsum(x, axis)), [uniform(rng, shape)]


def _getitem(data, rng, shape):
    index = data.draw(
        st.sampled_from(
            [
                (slice(1, None),),
                (Ellipsis, 0),
                (np.array([0, 0, shape[0] - 1]),),
                (rng.random(shape[0]) < 0.5,),
            ]
        )
    )
    return (lambda x: x[index]), [uniform(rng, shape)]


def _getitem_transpose(data, rng, shape):
    """getitem's vjp (the cotangent written into zeros), reached through a gradient."""
    index = data.draw(st.sampled_from([(slice(1, None),), (np.array([0, 0, shape[0] - 1]),)]))
    return (lambda x: fz.grad(lambda z: fnp.sum(z[index] ** 2))(x)), [uniform(rng, shape)]


def _scatter_add(data, rng, shape):
    index = np.array([0, shape[0] - 1, 0])  # repeated: updates accumulate
    return (lambda x, v: fnp.at(x)[index].add(v)), [uniform(rng, shape), uniform(rng, (3,) + shape[1:])]


def _scatter_set(data, rng, shape):
    index = np.unique(np.array([0, shape[0] - 1]))
    values = uniform(rng, (len(index),) + shape[1:])
    return (lambda x, v: fnp.at(x)[index].set(v)), [uniform(rng, shape), values]


def _gather(data, rng, shape):
    ids = rng.integers(0, shape[0], size=(2, 3))  # one row of indices per example of a vmap
    return (lambda x: fz.vmap(lambda i: fnp.index(x, i))(ids)), [uniform(rng, shape)]


def _scatter_dynamic(data, rng, shape):
    ids = np.stack([rng.permutation(shape[0])[:1], rng.permutation(shape[0])[:1]])  # per example

    def f(x, v):
        return fz.vmap(lambda i, w: fnp.at(x)[i].add(w) * fnp.at(x)[i].set(w))(ids, v)

    return f, [uniform(rng, shape), uniform(rng, (2, 1) + shape[1:])]


def _matmul(data, rng):
    n, k, m, b = (data.draw(st.integers(1, 3)) for _ in range(4))
    pairs = [((n, k), (k, m)), ((k,), (k, m)), ((b, n, k), (k,)), ((b, n, k), (1, k, m))]
    sa, sb = data.draw(st.sampled_from(pairs))
    return fnp.matmul, [uniform(rng, sa), uniform(rng, sb)]


def _einsum(data, rng):
    specs = [("ij,jk->ik", (2, 3), (3, 4)), ("bij,bj->bi", (2, 3, 4), (2, 4)), ("i,j->ij", (3,), (2,))]
    spec, sa, sb = data.draw(st.sampled_from(specs))
    return (lambda a, b: fnp.einsum(spec, a, b)), [uniform(rng, sa), uniform(rng, sb)]


def _products(data, rng):
    a, b = uniform(rng, (2, 3)), uniform(rng, (3, 2))
    return (lambda a, b: (fnp.tensordot(a, b, 1), fnp.dot(a, b), fnp.outer(a, b), fnp.inner(a, b.T))), [a, b]


def matrices(f, *shapes):
    """A linalg case: ``f`` of standard-normal matrices of the given shapes."""
    return lambda data, rng: (f, [rng.standard_normal(shape) for shape in shapes])


def _sym(a):
    return (a + fnp.swapaxes(a, -1, -2)) / 2


CASES = {
    "negative": unary(fnp.negative),
    "exp": unary(fnp.exp),
    "log": unary(fnp.log, 0.3, 3.0),
    "log1p": unary(fnp.log1p, -0.5, 2.0),
    "expm1": unary(fnp.expm1),
    "sqrt": unary(fnp.sqrt, 0.3, 3.0),
    "square": unary(fnp.square),
    "abs": unary(fnp.abs, sample=away_from_zero),
    "sin": unary(fnp.sin),
    "cos": unary(fnp.cos),
    "tan": unary(fnp.tan, -1.2, 1.2),
    "tanh": unary(fnp.tanh),
    # The derivatives of tanh, sigmoid and relu are primitives of their own (one kernel each).
    "activation_derivatives": unary(
        fz.grad(lambda y: fnp.sum((fnp.tanh(y) + nn.sigmoid(y) + nn.relu(y)) * y)), sample=away_from_zero
    ),
    "sinh": unary(fnp.sinh),
    "cosh": unary(fnp.cosh),
    "arctan": unary(fnp.arctan),
    "arcsin": unary(fnp.arcsin, -0.9, 0.9),
    "arccos": unary(fnp.arccos, -0.9, 0.9),
    "arcsinh": unary(fnp.arcsinh),
    "arccosh": unary(fnp.arccosh, 1.2, 3.0),
    "arctanh": unary(fnp.arctanh, -0.9, 0.9),
    "cbrt": unary(fnp.cbrt, sample=away_from_zero),
    "exp2": unary(fnp.exp2),
    "log2_log10": unary(lambda x: fnp.log2(x) + fnp.log10(x), 0.3, 3.0),
    "sinc": unary(fnp.sinc, sample=away_from_zero),
    # Across the split of the kernels' series at |x| = 8 and of I1''s at 1/2; the scaled ones
    # have a kink at 0 (exp(-|x|)).
    "i0_i1": unary(lambda x: bessel.i0(x) + bessel.i1(x), -9.0, 9.0),
    "i0e_i1e": unary(lambda x: bessel.i0e(x) + bessel.i1e(x), 0.2, 9.0, sample=away_from_zero),
    "sinc_derivative": unary(fz.grad(lambda y: fnp.sum(fnp.sinc(y))), sample=away_from_zero),
    "arctan2": binary(fnp.arctan2, y=(0.3, 2.0), y_sample=away_from_zero),
    "hypot": binary(fnp.hypot, x=(0.3, 2.0), y=(0.3, 2.0)),
    "logaddexp_logaddexp2": binary(lambda x, y: fnp.logaddexp(x, y) + fnp.logaddexp2(x, y)),
    "copysign": binary(fnp.copysign, y=(0.3, 2.0), y_sample=away_from_zero),
    # Within one period of y, away from the jumps at multiples of y.
    "remainder_fmod": binary(lambda x, y: fnp.remainder(x, y) + fnp.fmod(x, y), x=(0.1, 0.9), y=(1.0, 2.0)),
    "add": binary(fnp.add),
    "subtract": binary(fnp.subtract),
    "multiply": binary(fnp.multiply),
    "divide": binary(fnp.divide, y=(0.3, 2.0), y_sample=away_from_zero),
    "power": binary(fnp.power, x=(0.3, 2.0)),
    "maximum": binary(fnp.maximum),
    "minimum": binary(fnp.minimum),
    "where": _where,
    "clip": _clip,
    "sum": reduction(fnp.sum),
    "max": reduction(fnp.max, spaced),
    "min": reduction(fnp.min, spaced),
    "prod": reduction(fnp.prod, sample=lambda rng, shape: away_from_zero(rng, shape, 0.5, 1.5)),
    "mean_var": reduction(lambda x, axis, keepdims: fnp.var(x, axis, keepdims) + fnp.mean(x, axis, keepdims)),
    "logsumexp": reduction(fnp.logsumexp),
    "cumsum": with_shape(_cumsum),
    "reshape": with_shape(_reshape),
    "transpose": with_shape(_transpose),
    "broadcast_to": with_shape(_broadcast_to),
    "sum_to": with_shape(_sum_to),
    "concatenate": with_shape(_concatenate),
    "stack": with_shape(_stack),
    "split": with_shape(_split),
    "pad": with_shape(_pad),
    "flip": with_shape(_flip),
    "tile_repeat_moveaxis": with_shape(_shape_helpers),
    "getitem": with_shape(_getitem),
    "getitem_transpose": with_shape(_getitem_transpose),
    "scatter_add": with_shape(_scatter_add),
    "scatter_set": with_shape(_scatter_set),
    "gather": with_shape(_gather),
    "scatter_dynamic": with_shape(_scatter_dynamic),
    "matmul": _matmul,
    "einsum": _einsum,
    "tensordot_dot_outer_inner": _products,
    # Well conditioned (a shifted diagonal, a Gram matrix plus the identity); eigenvectors and
    # singular vectors squared, which takes away their sign.
    "linalg_inv_solve": matrices(
        lambda a, b: (fnp.linalg.inv(a + 4 * np.eye(3)), fnp.linalg.solve(a + 4 * np.eye(3), b)),
        (3, 3),
        (3, 2),
    ),
    "linalg_triangular_solve": matrices(
        lambda a, b: fsl.solve_triangular(fnp.tril(a) + 4 * np.eye(3), b, lower=True), (3, 3), (3,)
    ),
    "linalg_det_slogdet": matrices(
        lambda a: (fnp.linalg.det(a), fnp.linalg.slogdet(a + 4 * np.eye(3))[1]), (3, 3)
    ),
    "linalg_cholesky": matrices(lambda a: fnp.linalg.cholesky(a @ a.T + np.eye(3)), (3, 3)),
    "linalg_eigh": matrices(
        lambda a: (
            fnp.linalg.eigh(_sym(a))[0],
            fnp.linalg.eigh(_sym(a))[1] ** 2,
            fnp.linalg.eigvalsh(_sym(a)),
        ),
        (3, 3),
    ),
    "linalg_svd": matrices(
        lambda a: (
            fnp.linalg.svd(a, full_matrices=False)[1],
            fnp.linalg.svd(a, full_matrices=False)[0] ** 2,
            fnp.linalg.svd(a, compute_uv=False),
        ),
        (4, 3),
    ),
    # The weight gradient from the im2col columns that the tape's conv2d node keeps of a constant
    # image, moved by the cotangent.
    "conv2d_weight_grad_from_columns": lambda data, rng: (
        lambda g: fz.vjp(lambda w: nn.conv2d(_IMAGE, w, padding=1), np.ones((3, 2, 3, 3)))[1](g)[0],
        [uniform(rng, (2, 3, 4, 4))],
    ),
    "linalg_qr_pinv": matrices(lambda a: (fnp.linalg.qr(a)[1] ** 2, fnp.linalg.pinv(a)), (4, 3)),
    "erf_erfc": unary(lambda x: (special.erf(x), special.erfc(x))),
    "erfinv_ndtri": unary(lambda x: (special.erfinv(x), special.ndtri((x + 1) / 2)), -0.9, 0.9),
    "log_ndtr": unary(special.log_ndtr, -8.0, 4.0),
    # digamma's derivative is polygamma(1, x), reached by the second order.
    "gammaln_digamma": unary(lambda x: (special.gammaln(x), special.digamma(x)), 0.3, 4.0),
    "squared_error": binary(
        lambda y, t: (
            nn.mean_squared_error(y, t + y * 0),
            nn.mean_squared_error(y, t + y * 0, reduction="sum"),
        )
    ),
    # The adjoints that pooling and convolution gradients run, as functions of their cotangent.
    "pooling_transposes": lambda data, rng: (
        lambda g: (
            fz.vjp(lambda x: nn.max_pool2d(x, 2), _IMAGE)[1](g)[0],
            fz.vjp(lambda x: nn.avg_pool2d(x, 3, stride=2, padding=1), _IMAGE)[1](g[..., :2, :2])[0],
        ),
        [uniform(rng, (2, 2, 2, 2))],
    ),
    "conv2d_weight_grad": lambda data, rng: (
        lambda g, x: fz.vjp(lambda w: nn.conv2d(x, w, padding=1), np.ones((3, 2, 3, 3)))[1](g)[0],
        [uniform(rng, (2, 3, 4, 4)), uniform(rng, _IMAGE.shape)],
    ),
}

# Refuse every derivative, as in JAX: the extra columns of a complete SVD or QR are not unique.
NO_DERIVATIVE = {"linalg.svd_complete", "linalg.qr_complete"}


def _draw_case(name, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    return CASES[name](data, rng)


def _inner(xs, ys) -> float:
    pairs = zip(fz.tree.leaves(xs), fz.tree.leaves(ys))
    return float(sum(np.sum(np.asarray(x) * np.asarray(y)) for x, y in pairs))


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_jvp_matches_central_differences_to_second_order(name, data):
    f, args = _draw_case(name, data)
    check_grads(f, args, order=2, modes=("fwd",), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_jvp_and_vjp_are_transposes(name, data):
    f, args = _draw_case(name, data)
    rng = np.random.default_rng(1)
    v = [rng.standard_normal(np.shape(a)) for a in args]
    out, jv = fz.jvp(f, args, v)
    u = fz.tree.map(lambda y: rng.standard_normal(np.shape(y)), out)
    _, pullback = fz.vjp(f, *args)
    jtu = pullback(u)
    assert _inner(u, jv) == pytest.approx(_inner(jtu, v), rel=1e-10, abs=1e-10)
    for a, b in zip(fz.tree.leaves(out), fz.tree.leaves(f(*args))):
        np.testing.assert_array_equal(a, b)


class _FirstDraw:
    """Stands in for hypothesis' ``data``: the first value of each strategy, the same every run."""

    quick = settings(database=None, derandomize=True, phases=[Phase.generate])

    def draw(self, strategy, label=None):
        return find(strategy, lambda _: True, settings=self.quick)


def test_every_differentiable_primitive_has_a_jvp_rule_and_a_case_here(monkeypatch):
    prims = [p for p in Primitive.registry.values() if p.vjps is not None and p.impl]
    assert len(prims) > 100
    assert [p.name for p in prims if p.jvp is None] == []
    seen = set()
    process = JVPTrace.process

    def spy(self, prim, args, params):
        seen.add(prim.name)
        return process(self, prim, args, params)

    monkeypatch.setattr(JVPTrace, "process", spy)
    cases = [CASES[name](_FirstDraw(), np.random.default_rng(0)) for name in CASES]
    for f, args in cases + list(NN_CASES.values()):  # fnzero.nn's cases, checked in test_nn_forward_mode.py
        fz.jvp(f, args, [np.ones(np.shape(a)) for a in args])
    # Reached by second derivatives only: polygamma (digamma's), erfcx (log_ndtr's lower tail) and
    # max_pool2d_gather (max_pool2d's tangent rule, under an outer jvp).
    for f, x in [(special.digamma, 2.0), (special.log_ndtr, -3.0)]:
        fz.jvp(fz.grad(f), (x,), (1.0,))
    fz.jvp(lambda x: fz.jvp(lambda y: nn.max_pool2d(y, 2), (x,), (x,))[1], (_IMAGE,), (_IMAGE,))
    # astype has its own test below.
    missing = {p.name for p in prims} - {"astype"} - NO_DERIVATIVE - seen
    assert missing == set(), ", ".join(sorted(missing))


def test_the_complete_decompositions_refuse_forward_mode():
    a = np.arange(12.0).reshape(4, 3)
    with pytest.raises(Exception, match="full_matrices=True of a non-square matrix has no derivative"):
        fz.jvp(lambda a: fnp.linalg.svd(a)[0], (a,), (a,))
    with pytest.raises(Exception, match="complete"):
        fz.jvp(lambda a: fnp.linalg.qr(a, mode="complete")[0], (a,), (a,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_astype_tangent_follows_the_cast(dtype):
    x = np.linspace(-1.0, 1.0, 5, dtype=dtype)
    v = np.arange(5, dtype=dtype)
    out, t = fz.jvp(lambda x: fnp.astype(x, np.float32) * 2.0, (x,), (v,))
    assert out.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_array_equal(t, (v * 2).astype(np.float32))
    # A cast to integers is not differentiable: the tangent is zero.
    _, t_int = fz.jvp(lambda x: fnp.astype(x, np.int64), (x,), (v,))
    np.testing.assert_array_equal(t_int, 0)
    rounded = lambda x: fnp.astype(fnp.astype(x * 3, np.int64), dtype) * x
    np.testing.assert_array_equal(fz.linearize(rounded, x)[1](v), (x * 3).astype(np.int64) * v)
    np.testing.assert_array_equal(fz.jvp(rounded, (x,), (v,))[1], (x * 3).astype(np.int64) * v)


def test_non_differentiable_primitives_pass_through():
    x = np.array([-1.5, 0.5, 2.0])
    v = np.array([1.0, 2.0, 3.0])
    f = lambda x: x * (x > 0) + fnp.stop_gradient(x) ** 2 + fnp.floor(x) + fnp.argmax(x)
    out, t = fz.jvp(f, (x,), (v,))
    np.testing.assert_allclose(out, x * (x > 0) + x**2 + np.floor(x) + 2)
    np.testing.assert_allclose(t, v * (x > 0))
