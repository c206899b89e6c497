"""Linear algebra.

fnzero.numpy.linalg and fnzero.scipy.linalg against JAX (values, grad, jvp, vmap, jit,
second derivatives), against central differences, in float32, and on bad input; these skip
where JAX is missing.

matmul in every 1-d / 2-d / batched / broadcast-batch combination, dot, tensordot, einsum,
outer and inner, on each backend: values equal NumPy's, second derivatives equal finite
differences."""

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
import fnzero.scipy.linalg as fsl
from fnzero.test_util import check_grads
from tests.optional_jax import check_against_jax, jax, jnp, needs_jax

jsl = None if jax is None else pytest.importorskip("jax.scipy.linalg")


RNG = np.random.default_rng(0)
N = 4
A = RNG.standard_normal((N, N)) + N * np.eye(N)  # well conditioned
B = RNG.standard_normal((N, 2))
VEC = RNG.standard_normal(N)
TALL = RNG.standard_normal((6, 4))
WIDE = TALL.T.copy()
SPD = A @ A.T + N * np.eye(N)
# Symmetric with eigenvalues far apart (Gershgorin discs around 0, 8, 16, 24).
SYM = (lambda m: (m + m.T) / 2)(RNG.standard_normal((N, N))) + np.diag([0.0, 8.0, 16.0, 24.0])
STACK = np.stack([A, A.T + np.eye(N)])


def _flat(m):
    """Several outputs as one vector (the oracle compares one array per function)."""
    return lambda outs: m.concatenate([m.ravel(o) for o in outs])


def _spd(m):
    # vmap in the oracle reverses rows of the second example: build the SPD matrix inside.
    return lambda x: x @ m.swapaxes(x, -1, -2) + N * m.eye(N)


def _svd_parts(m, full=False):
    def f(a):
        u, s, vh = m.linalg.svd(a, full_matrices=full)
        # u and vh are unique up to the sign of each singular pair: compare what is not.
        return _flat(m)((s, u[..., :, :1] * vh[..., :1, :], u * u, vh * vh))

    return f


ORACLE = {
    "inv": (lambda m: m.linalg.inv, (A,)),
    "inv_stack": (lambda m: m.linalg.inv, (STACK,)),
    "solve": (lambda m: m.linalg.solve, (A, B)),
    "solve_vector": (lambda m: m.linalg.solve, (A, VEC)),
    "solve_broadcast": (lambda m: m.linalg.solve, (STACK, B)),
    "det": (lambda m: m.linalg.det, (STACK,)),
    "slogdet": (
        lambda m: lambda a: _flat(m)(m.linalg.slogdet(a)),
        (STACK * np.array([1.0, -1.0])[:, None, None],),
    ),
    "cholesky": (lambda m: lambda x: m.linalg.cholesky(_spd(m)(x)), (A,)),
    "cholesky_upper_stack": (lambda m: lambda x: m.linalg.cholesky(_spd(m)(x), upper=True), (STACK,)),
    "eigh": (lambda m: lambda a: _flat(m)((m.linalg.eigh(a)[0], m.linalg.eigh(a)[1] ** 2)), (SYM,)),
    # Unsymmetrized, JAX's rule reads the whole tangent at first order, but its second order
    # differentiates the eigenvectors of the symmetrized matrix: only the first order is checked.
    "eigh_upper": (lambda m: lambda a: m.linalg.eigh(a, UPLO="U", symmetrize_input=False)[0], (SYM,)),
    "eigvalsh": (lambda m: m.linalg.eigvalsh, (SYM,)),
    "svd_tall": (lambda m: _svd_parts(m), (TALL,)),
    "svd_wide": (lambda m: _svd_parts(m), (WIDE,)),
    "svd_square_full": (lambda m: _svd_parts(m, full=True), (A,)),
    "svdvals": (lambda m: lambda a: m.linalg.svd(a, compute_uv=False), (TALL,)),
    "qr": (lambda m: lambda a: _flat(m)(m.linalg.qr(a)), (TALL,)),
    "qr_r": (lambda m: lambda a: m.linalg.qr(a, mode="r"), (A,)),
    "pinv_tall": (lambda m: m.linalg.pinv, (TALL,)),
    "pinv_wide": (lambda m: m.linalg.pinv, (WIDE,)),
    "matrix_power_3": (lambda m: lambda a: m.linalg.matrix_power(a, 3), (A,)),
    "matrix_power_-2": (lambda m: lambda a: m.linalg.matrix_power(a, -2), (A,)),
    "multi_dot": (lambda m: lambda a, b, c: m.linalg.multi_dot([b[:, 0], a, TALL.T, c]), (A, B, TALL[:, 0])),
    "tensorsolve": (lambda m: m.linalg.tensorsolve, (A.reshape(2, 2, 2, 2), B[:, 0].reshape(2, 2))),
    "norm_fro": (lambda m: m.linalg.norm, (TALL,)),
    "norm_2": (lambda m: lambda a: m.linalg.norm(a, 2), (TALL,)),
    "norm_nuc": (lambda m: lambda a: m.linalg.norm(a, "nuc"), (WIDE,)),
    "norm_-2": (lambda m: lambda a: m.linalg.norm(a, -2), (TALL,)),
    "norm_1_axes": (lambda m: lambda a: m.linalg.norm(a, 1, axis=(1, 0), keepdims=True), (TALL,)),
    "norm_inf": (lambda m: lambda a: m.linalg.norm(a, np.inf), (TALL,)),
    "norm_vec_3": (lambda m: lambda a: m.linalg.norm(a, 3, axis=0), (TALL,)),
    "vector_norm": (lambda m: lambda a: m.linalg.vector_norm(a, ord=1, axis=-1), (TALL,)),
    "matrix_norm": (lambda m: lambda a: m.linalg.matrix_norm(a, ord=2), (STACK,)),
    "cond": (lambda m: m.linalg.cond, (A,)),
    "cond_1": (lambda m: lambda a: m.linalg.cond(a, 1), (A,)),
    "tensorinv": (lambda m: m.linalg.tensorinv, (A.reshape(2, 2, 2, 2),)),
    "trace_offset": (lambda m: lambda a: m.linalg.trace(a, offset=1), (TALL,)),
    "diagonal_offset": (lambda m: lambda a: m.linalg.diagonal(a, offset=-2), (TALL,)),
    "matrix_transpose": (lambda m: m.linalg.matrix_transpose, (STACK,)),
    "vecdot": (lambda m: lambda a, b: m.linalg.vecdot(a, b, axis=0), (TALL, TALL[:, :1])),
    "cross": (lambda m: lambda a, b: m.linalg.cross(a, b, axis=0), (TALL[:3], TALL[3:])),
    "outer": (lambda m: m.linalg.outer, (VEC, TALL[:, 0])),
    "tensordot": (lambda m: lambda a, b: m.linalg.tensordot(a, b, axes=1), (TALL, A)),
    "solve_triangular_lower_T": (
        lambda m: lambda a, b: (fsl if m is fnp else jsl).solve_triangular(a, b, trans=1, lower=True),
        (A, B),
    ),
    "solve_triangular_upper_unit": (
        lambda m: lambda a, b: (fsl if m is fnp else jsl).solve_triangular(a, b, unit_diagonal=True),
        (A, VEC),
    ),
}
# Each primitive gets the full check (second derivative, jit); what is built on them gets
# values, grad, jvp and vmap (JAX's side of each check costs seconds).
PRIMITIVES = {
    "inv",
    "solve",
    "det",
    "slogdet",
    "cholesky",
    "eigh",
    "eigvalsh",
    "svd_tall",
    "svdvals",
    "qr",
    "pinv_tall",
    "solve_triangular_lower_T",
}
# JAX and LAPACK may pick other signs for Q of the row-reversed matrix that vmap checks.
NO_VMAP = {"qr", "svd_square_full"}


@needs_jax
@pytest.mark.parametrize("name", sorted(ORACLE))
def test_agrees_with_jax(name):
    make, args = ORACLE[name]
    full = name in PRIMITIVES
    check_against_jax(make(fnp), make(jnp), *args, order=2 if full else 1, jit=full, vmap=name not in NO_VMAP)


@needs_jax
def test_cho_solve_agrees_with_jax():
    for lower, b, order in ((False, B, 2), (True, VEC, 1)):
        check_against_jax(
            lambda a, b: fsl.cho_solve(fsl.cho_factor(a, lower=lower), b),
            lambda a, b: jsl.cho_solve(jsl.cho_factor(a, lower=lower), b),
            SPD,
            b,
            order=order,
            jit=order == 2,
            vmap=False,  # a reversed SPD matrix is not SPD
        )


@needs_jax
def test_lstsq_agrees_with_jax():
    for b in (RNG.standard_normal((6, 2)), RNG.standard_normal(6)):
        check_against_jax(
            lambda a, b: _flat(fnp)(fnp.linalg.lstsq(a, b)[:2]),
            lambda a, b: _flat(jnp)(jnp.linalg.lstsq(a, b)[:2]),
            TALL,
            b,
            vmap=False,
        )
    ours, theirs = (
        fnp.linalg.lstsq(TALL, B[:, 0].repeat(2)[:6]),
        jnp.linalg.lstsq(TALL, B[:, 0].repeat(2)[:6]),
    )
    assert int(ours.rank) == int(theirs[2]) == 4
    np.testing.assert_allclose(ours.s, theirs[3], rtol=1e-12)


@needs_jax
def test_matrix_rank_counts_like_jax():
    low = TALL @ np.diag([1.0, 1.0, 1.0, 0.0])
    for m in (low, TALL, np.zeros((3, 3)), np.stack([low, TALL])):
        np.testing.assert_array_equal(fnp.linalg.matrix_rank(m), jnp.linalg.matrix_rank(m))
    assert int(fnp.linalg.matrix_rank(SYM, hermitian=True)) == 4
    assert int(fnp.linalg.matrix_rank(low, tol=0.5)) == 3


@needs_jax
@pytest.mark.parametrize(
    "f, x",
    [
        (lambda a: fnp.linalg.inv(a), A),
        (lambda a: fnp.linalg.solve(a, a[:, :2] * 2.0 + 1.0), A),
        (lambda a: fnp.linalg.slogdet(a)[1], A),
        (lambda a: fnp.linalg.cholesky(a @ a.T + 4.0 * np.eye(N)), A),
        (lambda a: fnp.linalg.eigh(a)[1] ** 2, SYM),
        (lambda a: fnp.linalg.svd(a, full_matrices=False)[0] ** 2, TALL),
        (lambda a: fnp.linalg.qr(a)[0], TALL),
        (lambda a: fnp.linalg.pinv(a), WIDE),
        (lambda a: fsl.solve_triangular(a, a[0], lower=True), A),
    ],
    ids=["inv", "solve", "slogdet", "cholesky", "eigh", "svd", "qr", "pinv", "solve_triangular"],
)
def test_second_derivatives_match_finite_differences(f, x):
    check_grads(f, [x], order=2, atol=1e-4, rtol=1e-4)


@needs_jax
def test_vmap_over_one_operand_and_inside_grad():
    bs = np.stack([B, 2 * B, B - 1])
    np.testing.assert_allclose(
        fz.vmap(fnp.linalg.solve, in_axes=(None, 0))(A, bs), np.linalg.solve(A, bs), rtol=1e-12
    )
    stack = np.stack([A, A + 1.0])
    np.testing.assert_allclose(
        fz.vmap(fnp.linalg.solve, in_axes=(0, None))(stack, VEC),
        np.linalg.solve(stack, VEC[:, None])[..., 0],
        rtol=1e-12,
    )
    loss = lambda a: fnp.sum(fnp.linalg.slogdet(a)[1] * 2.0)  # noqa: E731
    per_example = fz.vmap(fz.grad(loss))(stack)
    np.testing.assert_allclose(per_example, 2 * np.linalg.inv(stack).swapaxes(-1, -2), rtol=1e-10)


@needs_jax
@pytest.mark.parametrize(
    "f",
    [
        lambda a: fnp.linalg.inv(a),
        lambda a: fnp.linalg.solve(a, a[:, 0]),
        lambda a: fnp.linalg.det(a),
        lambda a: fnp.linalg.slogdet(a)[1],
        lambda a: fnp.linalg.cholesky(a @ a.T),
        lambda a: fnp.linalg.eigh(a + a.T)[1],
        lambda a: fnp.linalg.eigvalsh(a + a.T),
        lambda a: fnp.linalg.svd(a)[0],
        lambda a: fnp.linalg.svd(a, compute_uv=False),
        lambda a: fnp.linalg.qr(a)[1],
        lambda a: fnp.linalg.pinv(a),
        lambda a: fnp.linalg.norm(a, 2),
        lambda a: fnp.linalg.matrix_power(a, -2),
        lambda a: fsl.solve_triangular(a, a, lower=True),
        lambda a: fsl.cho_solve(fsl.cho_factor(a @ a.T), a),
    ],
)
def test_float32_in_float32_out_and_gradient(f):
    x = A.astype(np.float32)
    assert f(x).dtype == np.float32
    g = fz.grad(lambda a: fnp.sum(f(a)))(x)
    assert g.dtype == np.float32 and np.all(np.isfinite(g))


@needs_jax
def test_integer_matrices_are_promoted_like_jax():
    m = np.array([[2, 1], [1, 3]])
    np.testing.assert_allclose(fnp.linalg.inv(m), jnp.linalg.inv(m), rtol=1e-12)
    assert fnp.linalg.det(m).dtype == np.float64


@needs_jax
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: fnp.linalg.inv(TALL), r"linalg.inv: a must be a square matrix.*\(6, 4\)"),
        (lambda: fnp.linalg.det(VEC), r"linalg.det: a must be a square matrix.*\(4,\)"),
        (lambda: fnp.linalg.cholesky(TALL), r"linalg.cholesky: a must be a square"),
        (
            lambda: fnp.linalg.solve(A, np.ones(3)),
            r"linalg.solve: b must have shape \(4,\) or \(\.\.\., 4, k\)",
        ),
        (
            lambda: fnp.linalg.solve(STACK, np.ones((3, 4, 1))),
            r"leading \(batch\) axes of a \(2,\) and of b \(3,\)",
        ),
        (lambda: fnp.linalg.svd(VEC), r"linalg.svd: a must be shape \(\.\.\., m, n\)"),
        (lambda: fnp.linalg.qr(A, mode="raw"), r"mode must be 'reduced', 'complete' or 'r'"),
        (lambda: fnp.linalg.eigh(SYM, UPLO="X"), r"UPLO must be 'L' or 'U'"),
        (lambda: fnp.linalg.norm(TALL, "nuc", axis=0), r"ord='nuc' is not a vector norm"),
        (lambda: fnp.linalg.norm(TALL, 3), r"ord=3 is not a matrix norm"),
        (lambda: fnp.linalg.norm(STACK, 2), r"x must be 1-d or 2-d"),
        (lambda: fnp.linalg.multi_dot([A]), r"at least two arrays"),
        (lambda: fnp.linalg.multi_dot([A, TALL]), r"arrays\[0\] \(shape \(4, 4\)\) and arrays\[1\]"),
        (lambda: fnp.linalg.lstsq(STACK, B), r"a must be one matrix"),
        (lambda: fsl.solve_triangular(A, np.ones((3, 2))), r"solve_triangular: b must have shape"),
        (lambda: fsl.solve_triangular(A, B, trans="X"), r"trans must be 0, 1, 2"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@needs_jax
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: fnp.linalg.inv(A + 1j), r"linalg.inv: a is complex"),
        (lambda: fnp.linalg.matrix_power(A, 1.5), r"n must be an int; got 1.5"),
        (lambda: fsl.cho_solve(A, B), r"c_and_lower must be the pair \(c, lower\)"),
        (lambda: fnp.linalg.inv([[1.0, 0.0], [0.0, 1.0]]), r"linalg.inv: a must be an array; got list"),
    ],
)
def test_bad_types_name_the_argument(call, match):
    with pytest.raises(TypeError, match=match):
        call()


@needs_jax
def test_not_positive_definite_and_singular_raise():
    with pytest.raises(np.linalg.LinAlgError, match="linalg.cholesky"):
        fnp.linalg.cholesky(-SPD)
    with pytest.raises(np.linalg.LinAlgError, match="linalg.inv"):
        fnp.linalg.inv(np.ones((3, 3)))


@needs_jax
def test_derivatives_that_do_not_exist_refuse():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        fz.grad(lambda a: fnp.sum(fnp.linalg.svd(a)[0]))(TALL)
    with pytest.raises(NotImplementedError, match="mode='reduced'"):
        fz.jvp(lambda a: fnp.linalg.qr(a, mode="complete")[0], (TALL,), (TALL,))
    with pytest.raises(NotImplementedError, match="more columns than rows"):
        fz.grad(lambda a: fnp.sum(fnp.linalg.qr(a)[1]))(WIDE)
    u, s, vh = fnp.linalg.svd(TALL)  # the values themselves are fine
    assert u.shape == (6, 6) and vh.shape == (4, 4)
    np.testing.assert_allclose((u[:, :4] * s) @ vh, TALL, atol=1e-12)


@needs_jax
def test_numpy_linalg_norm_on_a_tracer_dispatches_here():
    g = fz.grad(lambda a: np.linalg.norm(a))(TALL)
    np.testing.assert_allclose(g, TALL / np.linalg.norm(TALL), rtol=1e-12)
    assert fnp.linalg.inv is fz.numpy.linalg.inv


@needs_jax
def test_signatures_match_jax():
    import inspect

    results = {"EighResult", "LstsqResult", "QRResult", "SVDResult", "SlogdetResult"}
    jax_names = {n for n in dir(jnp.linalg) if not n.startswith("_")}
    assert set(fnp.linalg.__all__) - results == jax_names - {"eig", "eigvals"}  # no complex results
    for name in fnp.linalg.__all__:
        if name[0].isupper():
            continue
        ours = list(inspect.signature(getattr(fnp.linalg, name)).parameters)
        theirs = list(inspect.signature(getattr(jnp.linalg, name)).parameters)
        assert ours == theirs, name
    for name in ("solve_triangular", "cho_solve", "cho_factor"):
        assert list(inspect.signature(getattr(fsl, name)).parameters) == list(
            inspect.signature(getattr(jsl, name)).parameters
        ), name


@needs_jax
def test_jit_of_grad_of_a_cholesky_loss():
    def loss(x, b):
        c = fsl.cho_factor(x @ x.T + N * np.eye(N), lower=True)
        return fnp.sum(fsl.cho_solve(c, b) ** 2)

    jitted = fz.jit(fz.grad(loss))
    expected = jax.grad(
        lambda x, b: jnp.sum(jsl.cho_solve(jsl.cho_factor(x @ x.T + N * jnp.eye(N), lower=True), b) ** 2)
    )(A, B)
    for _ in range(2):
        np.testing.assert_allclose(jitted(A, B), expected, rtol=1e-9)


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
