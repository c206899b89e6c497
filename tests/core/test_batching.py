"""vmap of every primitive equals stacking the function over the batch, for random in_axes and
out_axes; every primitive has a batching rule and is exercised here."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
import fnzero.scipy.linalg as fsl
from fnzero import lax
from fnzero.core.batching import BatchTrace
from fnzero.core.primitive import Primitive
from fnzero.lax._jit import JIT_ONLY
from fnzero.scipy import special

IMAGE = np.linspace(-1.0, 1.0, 200).reshape(2, 4, 5, 5)

# (name, function of one example, per-example argument shapes)
CASES = [
    *[
        (name, getattr(fnp, name), [(3, 4)])
        for name in (
            "negative exp log log1p expm1 sqrt square abs sin cos tan tanh sinh cosh arctan arcsin "
            "arccos arcsinh sign floor ceil"
        ).split()
    ],
    ("round", lambda x: fnp.round(x * 10, 1), [(3, 4)]),
    *[
        (name, getattr(fnp, name), [(3, 4), (4,)])
        for name in "add subtract multiply divide power maximum minimum less less_equal greater "
        "greater_equal equal not_equal".split()
    ],
    *[
        (name, getattr(fnp, name), [(3, 4), (4,)])
        for name in "arctan2 hypot logaddexp logaddexp2 copysign floor_divide fmod remainder isclose".split()
    ],
    *[
        (name, getattr(fnp, name), [(3, 4)])
        for name in "arctanh cbrt exp2 log10 log2 rint signbit sinc trunc".split()
    ],
    ("arccosh", lambda x: fnp.arccosh(1.0 + x), [(3, 4)]),
    ("spacing_nextafter", lambda x, y: fnp.spacing(x) + fnp.nextafter(x, y), [(3, 4), (4,)]),
    ("frexp", lambda x: fnp.frexp(x)[0] + fnp.frexp(x)[1], [(3, 4)]),
    ("allclose_array_equal", lambda x, y: fnp.allclose(x, y) | fnp.array_equal(x, x), [(3, 4), (4,)]),
    ("scalar_right", lambda x: x * 2.0 + 1, [(3,)]),
    (
        "logical",
        lambda x, y: fnp.logical_xor(fnp.logical_or(x > 0.5, y < 0.3), fnp.logical_and(x > 0.2, y > 0.6)),
        [(3, 4), (3, 4)],
    ),
    (
        "logical_not_isx",
        lambda x: fnp.logical_or(fnp.logical_not(fnp.isfinite(x / (x - 0.5))), fnp.isnan(x) == fnp.isinf(x)),
        [(2, 3)],
    ),
    ("where", lambda c, x, y: fnp.where(c > 0.5, x, y), [(3, 4), (4,), (3, 1)]),
    ("astype", lambda x: fnp.astype(x, np.float32) + fnp.astype(x * 10, np.int32), [(3,)]),
    ("stop_gradient", lambda x: fnp.stop_gradient(x) * x, [(3,)]),
    ("sum_axis", lambda x: fnp.sum(x, axis=1), [(3, 4)]),
    ("sum_all_keepdims", lambda x: fnp.sum(x, keepdims=True), [(3, 4)]),
    ("max_min_prod", lambda x: fnp.max(x, 0) + fnp.min(x, 1, keepdims=True) + fnp.prod(x, 0), [(4, 4)]),
    ("argmax", lambda x: fnp.argmax(x) + fnp.argmin(x, axis=0), [(3, 4)]),
    ("arg_keepdims", lambda x: fnp.argmax(x, keepdims=True) + fnp.argmin(x, axis=1, keepdims=True), [(3, 4)]),
    ("all_any", lambda x: fnp.all(x > 0.3, axis=1) ^ fnp.any(x > 0.7, axis=1), [(3, 4)]),
    ("sort_argsort", lambda x: fnp.sort(x, axis=0) + fnp.argsort(x, axis=1, descending=True), [(3, 4)]),
    (
        "searchsorted",
        lambda a, v: fnp.searchsorted(fnp.sort(a), v) + fnp.searchsorted(fnp.sort(a), v, side="right"),
        [(5,), (3, 4)],
    ),
    ("median_quantile", lambda x: fnp.median(x, axis=1) + fnp.quantile(x, 0.3, axis=1), [(3, 4)]),
    ("cumsum", lambda x: fnp.cumsum(x, axis=1) + fnp.reshape(fnp.cumsum(x), (3, 4)), [(3, 4)]),
    ("reshape", lambda x: fnp.reshape(x, (2, 6)), [(3, 4)]),
    ("transpose", lambda x: fnp.transpose(x, (2, 0, 1)), [(2, 3, 4)]),
    ("broadcast_to", lambda x: fnp.broadcast_to(x, (2, 3, 4)), [(3, 1)]),
    ("sum_to", lambda x: fnp.sum_to(x, (1, 4)), [(2, 3, 4)]),
    ("flip", lambda x: fnp.flip(x, 1) + fnp.flip(x), [(3, 4)]),
    ("concatenate", lambda x, y: fnp.concatenate([x, y, x], axis=1), [(3, 4), (3, 2)]),
    ("stack", lambda x, y: fnp.stack([x, y], axis=-1), [(3,), (3,)]),
    ("pad", lambda x, c: fnp.pad(x, ((1, 0), (2, 1)), constant_values=c), [(3, 4), ()]),
    ("getitem_basic", lambda x: x[1:, 0] + x[-1, None, ::2].sum(), [(3, 4)]),
    (
        "getitem_transpose",
        lambda x: fz.grad(lambda z: fnp.sum(z[1:, 0] * z[np.array([0, 2]), 1] ** 2))(x),
        [(3, 4)],
    ),
    (
        "getitem_transpose_separated",
        lambda x: fz.grad(lambda z: fnp.sum(z[np.array([0, 1]), :, np.array([[1], [0]])] ** 2))(x),
        [(2, 3, 2)],
    ),
    ("getitem_advanced", lambda x: x[np.array([0, 2, 2])], [(3, 4)]),
    ("getitem_separated", lambda x: x[np.array([0, 1]), :, np.array([[1], [0]])], [(2, 3, 2)]),
    ("getitem_int_and_array", lambda x: x[1, :, np.array([0, 1, 1])], [(2, 3, 2)]),
    ("getitem_mask", lambda x: x[np.array([True, False, True])], [(3, 4)]),
    ("getitem_2d_array", lambda x: x[np.array([[0, 2], [1, 1]])], [(3, 4)]),
    ("getitem_newaxis_and_array", lambda x: x[np.array([0, 1]), None, ..., None], [(2, 3, 2)]),
    ("getitem_array_newaxis_array", lambda x: x[:, np.array([0, 2]), None, np.array([1, 0])], [(2, 3, 2)]),
    ("getitem_ellipsis_mask", lambda x: x[..., np.array([True, False, True, True])], [(2, 3, 4)]),
    ("set_newaxis_ellipsis", lambda x, v: fnp.at(x)[None, ..., np.array([1, 0])].set(v), [(2, 3), (2,)]),
    ("set", lambda x, v: fnp.at(x)[1:, 2].set(v), [(3, 4), (2,)]),
    ("add_repeated", lambda x, v: fnp.at(x)[np.array([0, 0, 2])].add(v), [(3, 4), (4,)]),
    (
        "set_separated",
        lambda x, v: fnp.at(x)[np.array([0, 1]), :, np.array([1, 0])].set(v),
        [(2, 3, 2), (3,)],
    ),
    ("matmul_mv", lambda a, b: a @ b, [(3, 4), (4,)]),
    ("matmul_vm", lambda a, b: a @ b, [(4,), (4, 5)]),
    ("matmul_vv", lambda a, b: a @ b, [(4,), (4,)]),
    ("matmul_batched", lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    ("matmul_broadcast", lambda a, b: a @ b, [(3, 4), (2, 4, 5)]),
    ("einsum", lambda a, b: fnp.einsum("ij,jk->ki", a, b), [(3, 4), (4, 2)]),
    ("einsum_three_axes", lambda a, b: fnp.einsum("ijk,ik->j", a, b), [(2, 3, 4), (2, 4)]),
    ("relu", nn.relu, [(3, 4)]),
    ("sigmoid", nn.sigmoid, [(3, 4)]),
    ("gelu_exact", lambda x: nn.gelu(x, approximate=False), [(3, 4)]),
    *[
        (name, getattr(special, name), [(3, 4)])
        for name in "erf erfc erfinv ndtri log_ndtr gammaln digamma i0 i0e i1 i1e".split()
    ],
    ("erfcx", fz.grad(lambda x: fnp.sum(special.log_ndtr(x * 4 - 5))), [(3, 4)]),
    ("polygamma", lambda x: special.polygamma(2, x), [(3, 4)]),
    ("polygamma_n", lambda n, x: special.polygamma(fnp.floor(n * 3), x), [(3, 4), (4,)]),
    (
        "lstm_cell",
        lambda x, h, c, wx, wh, b: nn.lstm_cell(x, h, c, wx, wh, b)[0],
        [(2, 3), (2, 2), (2, 2), (3, 8), (2, 8), (8,)],
    ),
    ("conv2d", lambda x, w: nn.conv2d(x, w, padding=1, stride=2), [(2, 4, 5, 5), (6, 4, 3, 3)]),
    ("conv2d_groups", lambda x, w: nn.conv2d(x, w, groups=2), [(1, 4, 4, 4), (6, 2, 2, 2)]),
    ("conv_transpose2d", lambda y, w: nn.conv_transpose2d(y, w, stride=2), [(2, 3, 3, 3), (3, 2, 2, 2)]),
    (
        "conv2d_weight_grad",
        lambda x, w: fz.grad(lambda w: (nn.conv2d(x, w) ** 2).sum())(w),
        [(2, 3, 4, 4), (2, 3, 2, 2)],
    ),
    (
        "conv2d_weight_grad_from_columns",  # the columns of a constant image, kept by the tape
        lambda g: fz.vjp(lambda w: nn.conv2d(IMAGE, w, padding=1), np.ones((3, 4, 3, 3)))[1](g)[0],
        [(2, 3, 5, 5)],
    ),
    ("im2col", lambda x: nn.im2col(x, 2, stride=1, pad=1), [(2, 3, 4, 4)]),
    ("col2im", lambda c: nn.col2im(c, (1, 2, 4, 4), 2, stride=2, to_matrix=False), [(1, 2, 2, 2, 2, 2)]),
    ("max_pool2d", lambda x: nn.max_pool2d(x, 2), [(2, 3, 4, 4)]),
    (
        "max_pool2d_second_order",
        lambda x, v: fz.jvp(fz.grad(lambda x: (nn.max_pool2d(x, 2) ** 2).sum()), (x,), (v,))[1],
        [(1, 2, 4, 4), (1, 2, 4, 4)],
    ),
    ("avg_pool2d_grad", fz.grad(lambda x: (nn.avg_pool2d(x, 2, padding=1) ** 2).sum()), [(2, 3, 4, 4)]),
    ("global_avg_pool2d", nn.global_avg_pool2d, [(2, 3, 4, 4)]),
    (
        "softmax_cross_entropy",
        lambda z, t: nn.softmax_cross_entropy(z, nn.softmax(t * 3)),
        [(4, 5), (4, 5)],
    ),
    ("mse_layer_norm", lambda x, y: nn.mean_squared_error(nn.layer_norm(x, axis=-1), y), [(3, 4), (3, 4)]),
    ("linalg_inv", lambda a: fnp.linalg.inv(a + 2 * np.eye(3)), [(3, 3)]),
    ("linalg_solve", lambda a, b: fnp.linalg.solve(a + 2 * np.eye(3), b), [(3, 3), (3, 2)]),
    ("linalg_solve_vector", lambda a, b: fnp.linalg.solve(a + 2 * np.eye(3), b), [(3, 3), (3,)]),
    (
        "linalg_solve_triangular",
        lambda a, b: fsl.solve_triangular(a + 2 * np.eye(3), b, lower=True, trans=1),
        [(3, 3), (3, 2)],
    ),
    ("linalg_det_slogdet", lambda a: fnp.linalg.det(a) + fnp.linalg.slogdet(a + np.eye(3))[1], [(3, 3)]),
    ("linalg_cholesky", lambda a: fnp.linalg.cholesky(a @ a.T + np.eye(3)), [(3, 3)]),
    ("linalg_eigh", lambda a: fnp.linalg.eigh(a)[0] + fnp.abs(fnp.linalg.eigh(a)[1]), [(3, 3)]),
    ("linalg_eigvalsh", lambda a: fnp.linalg.eigvalsh(a), [(3, 3)]),
    ("linalg_svd", lambda a: fnp.abs(fnp.linalg.svd(a, full_matrices=False)[0]) * 2, [(4, 3)]),
    ("linalg_svdvals", lambda a: fnp.linalg.svd(a, compute_uv=False), [(4, 3)]),
    ("linalg_qr", lambda a: fnp.abs(fnp.linalg.qr(a)[1]), [(4, 3)]),
    ("linalg_pinv", lambda a: fnp.linalg.pinv(a), [(4, 3)]),
    # No derivative (as in JAX): the gradient pass of the coverage test must not reach them.
    ("linalg_svd_complete", lambda a: fnp.abs(fnp.linalg.svd(fnp.stop_gradient(a))[0]), [(4, 3)]),
    (
        "linalg_qr_complete",
        lambda a: fnp.abs(fnp.linalg.qr(fnp.stop_gradient(a), mode="complete")[0]),
        [(4, 3)],
    ),
    ("roots", lambda p: fnp.abs(fnp.roots(fnp.stop_gradient(p), strip_zeros=False)), [(5,)]),
    ("sort_complex", lambda a: fnp.abs(fnp.sort_complex(fnp.stop_gradient(a) - 0.5)), [(3, 4)]),
]


def _data(shape, rng):
    return rng.uniform(0.1, 0.9, size=shape)


def _loop(fun, args, in_axes, size, out_axis):
    outs = []
    for b in range(size):
        ex = [a if ax is None else np.take(a, b, axis=ax) for a, ax in zip(args, in_axes)]
        outs.append(np.asarray(fun(*ex)))
    return np.stack(outs, axis=out_axis)


@pytest.mark.parametrize("name, fun, shapes", CASES, ids=[c[0] for c in CASES])
@given(data=st.data())
def test_vmap_equals_the_loop(name, fun, shapes, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    size = data.draw(st.integers(1, 3))
    in_axes = [data.draw(st.one_of(st.none(), st.integers(-len(s) - 1, len(s)))) for s in shapes]
    if all(ax is None for ax in in_axes):
        in_axes[0] = 0
    args = []
    for s, ax in zip(shapes, in_axes):
        x = _data(s if ax is None else (size,) + s, rng)
        args.append(x if ax is None else np.moveaxis(x, 0, ax))
    example_rank = np.ndim(fun(*[_data(s, rng) for s in shapes]))
    out_axis = data.draw(st.integers(-example_rank - 1, example_rank))
    got = fz.vmap(fun, tuple(in_axes), out_axis)(*args)
    expected = _loop(fun, args, in_axes, size, out_axis)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


# Integer primitives (no derivative): (name, function of one example, per-example argument shapes)
INT_CASES = [
    *[
        (name, getattr(fnp, name), [(3, 4), (4,)])
        for name in "bitwise_and bitwise_or bitwise_xor gcd lcm".split()
    ],
    ("invert", fnp.invert, [(3, 4)]),
    ("bitwise_count", fnp.bitwise_count, [(3, 4)]),
    ("left_shift", fnp.left_shift, [(3, 4), (4,)]),
    ("right_shift", fnp.right_shift, [(3, 4), (4,)]),
]


@pytest.mark.parametrize("name, fun, shapes", INT_CASES, ids=[c[0] for c in INT_CASES])
@given(data=st.data())
def test_vmap_of_an_integer_primitive_equals_the_loop(name, fun, shapes, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    size = data.draw(st.integers(1, 3))
    in_axes = [data.draw(st.one_of(st.none(), st.integers(0, len(s)))) for s in shapes]
    if all(ax is None for ax in in_axes):
        in_axes[0] = 0
    args = []
    for s, ax in zip(shapes, in_axes):
        x = rng.integers(1, 60, size=s if ax is None else (size,) + s)
        args.append(x if ax is None else np.moveaxis(x, 0, ax))
    got = fz.vmap(fun, tuple(in_axes))(*args)
    expected = _loop(fun, args, in_axes, size, 0)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


# Indices that differ per example: (name, f(x, ids), x's shape, ids' shape, ids' bound). x may be
# a NumPy array, so the cases index with fnp.index (NumPy's x[i] cannot take a traced i).
INDEX_CASES = [
    ("take_rows", lambda x, i: fnp.index(x, i), (5, 3), (2,), 5),
    ("after_a_slice", lambda x, i: fnp.index(x, (slice(None), i)), (3, 5), (2, 2), 5),
    ("separated", lambda x, i: fnp.index(x, (i, slice(None), i)), (4, 3, 4), (2,), 4),
    ("int_and_array", lambda x, i: fnp.index(x, (1, slice(None), i)), (2, 3, 4), (3,), 4),
    (
        "scalar_index",
        lambda x, i: fnp.index(x, i[0]) * fnp.index(x, (slice(None), i[1])).sum(),
        (4, 4),
        (2,),
        4,
    ),
    ("add_repeated", lambda x, i: fnp.at(x)[i].add(x[0] * 2), (5, 3), (4,), 5),
    ("set_after_a_slice", lambda x, i: fnp.at(x)[:, i].set(x[:, 0:1] * 2), (3, 5), (2,), 5),
    ("embedding", lambda w, i: nn.embedding(i, w), (6, 2), (3,), 6),
    ("grad_of_gather", lambda x, i: fz.grad(lambda x: fnp.sum(fnp.index(x, i) ** 3))(x), (5,), (3,), 5),
    ("newaxis_first", lambda x, i: fnp.index(x, (None, i)), (5, 3), (2,), 5),
    ("ellipsis_newaxis", lambda x, i: fnp.index(x, (Ellipsis, None, i)), (3, 5), (2,), 5),
    ("separated_by_newaxis", lambda x, i: fnp.index(x, (slice(None), i, None, i)), (2, 4, 4), (3,), 4),
    ("int_newaxis_array", lambda x, i: fnp.index(x, (0, None, i)), (2, 5, 3), (2, 2), 5),
    ("with_a_fixed_2d_array", lambda x, i: fnp.index(x, (np.array([[0], [2]]), i)), (3, 5), (2,), 5),
    ("mask_then_array", lambda x, i: fnp.index(x, (np.array([True, False, True]), i)), (3, 5), (2,), 5),
    ("set_ellipsis_newaxis", lambda x, i: fnp.at(x)[..., None, i].set(-1.0), (3, 5), (2,), 5),
    ("add_newaxis", lambda x, i: fnp.at(x)[None, i].add(x[:2] * 0 + 1.0), (5, 3), (2,), 5),
]


@pytest.mark.parametrize("name, fun, x_shape, i_shape, bound", INDEX_CASES, ids=[c[0] for c in INDEX_CASES])
@given(data=st.data())
def test_vmap_with_indices_that_differ_per_example_equals_the_loop(name, fun, x_shape, i_shape, bound, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    size = data.draw(st.integers(1, 3))
    x_axis = data.draw(st.one_of(st.none(), st.integers(0, len(x_shape))))
    i_axis = data.draw(st.integers(0, len(i_shape)))
    x = _data(x_shape if x_axis is None else (size,) + x_shape, rng)
    x = x if x_axis is None else np.moveaxis(x, 0, x_axis)
    ids = np.moveaxis(rng.integers(0, bound, size=(size,) + i_shape), 0, i_axis)
    got = fz.vmap(fun, (x_axis, i_axis))(x, ids)
    expected = _loop(fun, [x, ids], [x_axis, i_axis], size, 0)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_every_primitive_has_a_batching_rule_exercised_by_the_cases(monkeypatch):
    prims = list(Primitive.registry.values())
    assert len(prims) > 60
    assert [p.name for p in prims if p.batch is None] == []
    seen = set()
    process = BatchTrace.process

    def spy(self, prim, args, params):
        seen.add(id(prim))
        return process(self, prim, args, params)

    monkeypatch.setattr(BatchTrace, "process", spy)
    rng = np.random.default_rng(0)
    for _, fun, shapes in CASES:
        fz.vmap(fun)(*[_data((2,) + s, rng) for s in shapes])
        fz.vmap(fz.grad(lambda *a, fun=fun: fnp.sum(fnp.astype(fun(*a), float) ** 2)))(
            *[_data((2,) + s, rng) for s in shapes]
        )
    for _, fun, shapes in INT_CASES:
        fz.vmap(fun)(*[rng.integers(1, 60, size=(2,) + s) for s in shapes])
    for _, fun, x_shape, i_shape, bound in INDEX_CASES:
        fz.vmap(fun)(_data((2,) + x_shape, rng), rng.integers(0, bound, size=(2,) + i_shape))
    fz.vmap(lambda k: fz.random.normal(k, (2,)))(fz.random.split(fz.random.key(0), 2))
    fz.vmap(lambda i: fz.random.fold_in(fz.random.key(0), i))(np.arange(2))
    fz.vmap(lambda x: lax.while_loop(lambda c: fnp.sum(c) < 50.0, lambda c: c * 2.0, x))(
        rng.uniform(1, 2, (2, 3))
    )
    jit_only = {id(p) for p in JIT_ONLY}  # equations of a compiled loop: vmap acts before jit
    missing = sorted({p.name for p in prims if id(p) not in seen | jit_only})
    assert missing == [], ", ".join(missing)


def test_vmap_of_a_jitted_scan_batches_the_function_not_the_compiled_loop():
    def f(x):
        c, ys = lax.scan(lambda c, x: (c + x, c * x), 0.0, x)
        return c + fnp.sum(ys)

    xs = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(fz.vmap(fz.jit(f))(xs), [f(x) for x in xs])
    for prim in JIT_ONLY:
        with pytest.raises(NotImplementedError, match="transforms apply to the function before jit"):
            prim.batch((), ())


def test_a_primitive_without_a_batching_rule_is_named():
    prim = Primitive("no_rule_here", lambda x: x * 2)
    with pytest.raises(NotImplementedError, match="no_rule_here has no batching rule"):
        fz.vmap(prim)(np.ones(3))
