"""fnzero.numpy.linalg and fnzero.scipy.linalg against JAX (values, grad, jvp, vmap, jit,
second derivatives), against central differences, in float32, and on bad input."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
import fnzero.scipy.linalg as fsl
from fnzero.test_util import check_grads
from tests.jax_oracle import check_against_jax, jax, jnp

jsl = pytest.importorskip("jax.scipy.linalg")

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


@pytest.mark.parametrize("name", sorted(ORACLE))
def test_agrees_with_jax(name):
    make, args = ORACLE[name]
    full = name in PRIMITIVES
    check_against_jax(make(fnp), make(jnp), *args, order=2 if full else 1, jit=full, vmap=name not in NO_VMAP)


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


def test_matrix_rank_counts_like_jax():
    low = TALL @ np.diag([1.0, 1.0, 1.0, 0.0])
    for m in (low, TALL, np.zeros((3, 3)), np.stack([low, TALL])):
        np.testing.assert_array_equal(fnp.linalg.matrix_rank(m), jnp.linalg.matrix_rank(m))
    assert int(fnp.linalg.matrix_rank(SYM, hermitian=True)) == 4
    assert int(fnp.linalg.matrix_rank(low, tol=0.5)) == 3


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


def test_integer_matrices_are_promoted_like_jax():
    m = np.array([[2, 1], [1, 3]])
    np.testing.assert_allclose(fnp.linalg.inv(m), jnp.linalg.inv(m), rtol=1e-12)
    assert fnp.linalg.det(m).dtype == np.float64


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


def test_not_positive_definite_and_singular_raise():
    with pytest.raises(np.linalg.LinAlgError, match="linalg.cholesky"):
        fnp.linalg.cholesky(-SPD)
    with pytest.raises(np.linalg.LinAlgError, match="linalg.inv"):
        fnp.linalg.inv(np.ones((3, 3)))


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


def test_numpy_linalg_norm_on_a_tracer_dispatches_here():
    g = fz.grad(lambda a: np.linalg.norm(a))(TALL)
    np.testing.assert_allclose(g, TALL / np.linalg.norm(TALL), rtol=1e-12)
    assert fnp.linalg.inv is fz.numpy.linalg.inv


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
