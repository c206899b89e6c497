"""matmul in every 1-d / 2-d / batched / broadcast-batch combination, dot, tensordot, einsum,
outer and inner: values equal NumPy's, second derivatives equal finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    FLOAT_DTYPES,
    arrays,
    assert_matches,
    broadcastable_shapes,
    check_float32_and_grads,
    on,
    shapes,
    with_backend,
)

import fnzero as fz
import fnzero.numpy as fnp

SIDE = st.integers(1, 3)


def _check_binary(backend, f, reference, a, b, dtypes):
    da, db = dtypes
    expected = reference(a.astype(da), b.astype(db))
    assert_matches(backend, f(on(backend, a.astype(da)), on(backend, b.astype(db))), expected, rtol=1e-5)
    check_float32_and_grads(f, [on(backend, a), on(backend, b)], order=2)
    ga, gb = fz.grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(
        on(backend, a.astype(da)), on(backend, b.astype(db))
    )
    assert (ga.dtype, gb.dtype) == (np.dtype(da), np.dtype(db))


DTYPE_PAIRS = st.tuples(st.sampled_from(FLOAT_DTYPES), st.sampled_from(FLOAT_DTYPES))


@with_backend
@given(
    data=st.data(),
    m=SIDE,
    k=SIDE,
    n=SIDE,
    a_vector=st.booleans(),
    b_vector=st.booleans(),
    batches=broadcastable_shapes(2, max_dims=2),
    dtypes=DTYPE_PAIRS,
)
def test_matmul(backend, data, m, k, n, a_vector, b_vector, batches, dtypes):
    # 1-d operands have no batch; 2-d ones have an empty batch; batches broadcast.
    sa = (k,) if a_vector else (*batches[0], m, k)
    sb = (k,) if b_vector else (*batches[1], k, n)
    a, b = data.draw(arrays(sa), label="a"), data.draw(arrays(sb), label="b")
    _check_binary(backend, fnp.matmul, np.matmul, a, b, dtypes)
    if not a_vector or not b_vector:
        assert_matches(backend, on(backend, a) @ on(backend, b), a @ b)
    # The operator on traced values, both sides, and with a NumPy array on the other side.
    ab = np.asarray(a @ b)
    out, vjp_fn = fz.vjp(lambda x, y: x @ y, on(backend, a), on(backend, b))
    assert_matches(backend, out, ab)
    out = fz.vjp(lambda y: on(backend, a) @ y, on(backend, b))[0]
    assert_matches(backend, out, ab)


@with_backend
@given(data=st.data(), na=st.integers(0, 3), nb=st.integers(0, 3), dtypes=DTYPE_PAIRS)
def test_dot(backend, data, na, nb, dtypes):
    k = data.draw(SIDE, label="k")
    sa = tuple(data.draw(st.lists(SIDE, min_size=na, max_size=na)))
    sb = tuple(data.draw(st.lists(SIDE, min_size=nb, max_size=nb)))
    if na and nb:  # contract a's last axis with b's second-to-last (its only, if 1-d)
        sa = (*sa[:-1], k)
        sb = (k,) if nb == 1 else (*sb[:-2], k, sb[-1])
    a, b = data.draw(arrays(sa), label="a"), data.draw(arrays(sb), label="b")
    _check_binary(backend, fnp.dot, np.dot, a, b, dtypes)


@st.composite
def tensordot_cases(draw):
    common = tuple(draw(st.lists(SIDE, max_size=2)))
    free_a = tuple(draw(st.lists(SIDE, max_size=2)))
    free_b = tuple(draw(st.lists(SIDE, max_size=2)))
    if draw(st.booleans()):  # axes as an int: a's last, b's first
        return free_a + common, common + free_b, len(common)
    # axes as a pair of sequences, in a shuffled order on each side, negative ones too
    na, nb = len(free_a) + len(common), len(free_b) + len(common)
    pos_a = draw(st.permutations(range(na)))
    pos_b = draw(st.permutations(range(nb)))
    shape_a, shape_b = [0] * na, [0] * nb
    for i, d in enumerate(free_a + common):
        shape_a[pos_a[i]] = d
    for i, d in enumerate(free_b + common):
        shape_b[pos_b[i]] = d
    axes_a = [pos_a[len(free_a) + j] - draw(st.sampled_from([0, na])) for j in range(len(common))]
    axes_b = [pos_b[len(free_b) + j] - draw(st.sampled_from([0, nb])) for j in range(len(common))]
    if len(common) == 1 and draw(st.booleans()):
        return tuple(shape_a), tuple(shape_b), (axes_a[0], axes_b[0])
    return tuple(shape_a), tuple(shape_b), (axes_a, axes_b)


@with_backend
@given(data=st.data(), case=tensordot_cases(), dtypes=DTYPE_PAIRS)
def test_tensordot(backend, data, case, dtypes):
    sa, sb, axes = case
    a, b = data.draw(arrays(sa), label="a"), data.draw(arrays(sb), label="b")
    _check_binary(
        backend, lambda x, y: fnp.tensordot(x, y, axes), lambda x, y: np.tensordot(x, y, axes), a, b, dtypes
    )


@with_backend
@given(data=st.data(), sa=shapes(max_dims=2), sb=shapes(max_dims=2), dtypes=DTYPE_PAIRS)
def test_outer(backend, data, sa, sb, dtypes):
    a, b = data.draw(arrays(sa), label="a"), data.draw(arrays(sb), label="b")
    _check_binary(backend, fnp.outer, np.outer, a, b, dtypes)


@with_backend
@given(data=st.data(), k=SIDE, lead=st.tuples(shapes(max_dims=2), shapes(max_dims=2)), dtypes=DTYPE_PAIRS)
def test_inner(backend, data, k, lead, dtypes):
    a = data.draw(arrays((*lead[0], k)), label="a")
    b = data.draw(arrays((*lead[1], k)), label="b")
    _check_binary(backend, fnp.inner, np.inner, a, b, dtypes)


def test_inner_and_dot_of_scalars_multiply():
    assert fnp.inner(2.0, 3.0) == np.inner(2.0, 3.0)
    np.testing.assert_array_equal(fnp.inner(np.array(2.0), np.arange(3.0)), np.inner(2.0, np.arange(3.0)))
    assert fnp.dot(2.0, 3.0) == 6.0
    assert fz.grad(lambda x: fnp.inner(x, 3.0))(2.0) == 3.0


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("i,i->", [(3,), (3,)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ba", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ijk->kj", [(2, 3, 4)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 4)]),
    ("...ij,...jk->...ik", [(1, 2, 3), (2, 3, 2)]),
    ("...i,...i", [(2, 3), (2, 3)]),
    ("i...->...", [(3, 2, 2)]),
    ("i,jk,k->ij", [(2,), (3, 4), (4,)]),
    (" ij , jk -> ki ", [(2, 3), (3, 4)]),
    ("ii,j->j", [(3, 3), (2,)]),  # repeated index in an operand that is not differentiated
]


@pytest.mark.parametrize("spec, operand_shapes", EINSUM, ids=[s for s, _ in EINSUM])
@with_backend
@given(data=st.data(), dtype=st.sampled_from(FLOAT_DTYPES))
def test_einsum(backend, spec, operand_shapes, data, dtype):
    ops = [data.draw(arrays(s), label=f"operand {i}") for i, s in enumerate(operand_shapes)]
    expected = np.einsum(spec, *(o.astype(dtype) for o in ops))
    assert_matches(
        backend, fnp.einsum(spec, *(on(backend, o.astype(dtype)) for o in ops)), expected, rtol=1e-5
    )
    if spec == "ii,j->j":
        trace = on(backend, ops[0])
        check_float32_and_grads(lambda v: fnp.einsum(spec, trace, v), [on(backend, ops[1])], order=2)
    else:
        check_float32_and_grads(lambda *xs: fnp.einsum(spec, *xs), [on(backend, o) for o in ops], order=2)


@pytest.mark.parametrize("spec", ["ii->", "ii->i", "iij->j"])
def test_einsum_derivative_through_a_repeated_index_is_a_clear_error(backend, spec):
    x = backend.xp.ones((3, 3, 2)[: len(spec.split("->")[0])])
    np.testing.assert_array_equal(
        backend.to_host(fnp.einsum(spec, x)), np.einsum(spec, np.ones((3, 3, 2)[: len(spec.split("->")[0])]))
    )
    with pytest.raises(NotImplementedError, match="repeated index"):
        fz.grad(lambda v: fnp.sum(fnp.einsum(spec, v)))(x)


def test_einsum_with_wrong_operand_count_or_rank():
    with pytest.raises(ValueError, match="2 operands, got 1"):
        fnp.einsum("ij,jk->ik", np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"'ijk'.*\(2, 2\)"):
        fnp.einsum("ijk->i", np.ones((2, 2)))


@pytest.mark.parametrize(
    "a, b",
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (4,)), ((5, 2, 3), (5, 4, 2))],
)
def test_matmul_shape_mismatch_names_both_shapes(backend, a, b):
    x, y = backend.xp.ones(a), backend.xp.ones(b)
    for call in (lambda: fnp.matmul(x, y), lambda: fz.grad(lambda v: fnp.sum(v @ y))(x)):
        with pytest.raises(ValueError, match=rf"{a!r}.*{b!r}".replace("(", r"\(").replace(")", r"\)")):
            call()
