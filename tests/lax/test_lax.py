"""fnzero.lax against jax.lax on the same functions: values, grad, jvp, vmap, jit(grad) and
second derivatives; the carry checks and the refusals JAX makes (while_loop under grad)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnzero as fz
import fnzero.numpy as fnp
from fnzero import lax
from tests.jax_oracle import check_against_jax, jax, jnp

jlax = jax.lax


def _vectors(n_min=1, n_max=6, lo=-1.5, hi=1.5):
    return st.lists(st.floats(lo, hi, allow_nan=False, width=64), min_size=n_min, max_size=n_max).map(
        np.array
    )


# -- scan ---------------------------------------------------------------------------------


def _cumprod(np_like, scan):
    def f(xs):
        return scan(lambda c, x: (c * x, c * x), np_like.ones_like(xs[0]), xs)[1]

    return f


@settings(max_examples=3, deadline=None)
@given(_vectors(4, 4, 0.2, 1.5))
def test_cumulative_product_scan_agrees_with_jax(xs):
    check_against_jax(_cumprod(fnp, lax.scan), _cumprod(jnp, jlax.scan), xs, order=2)
    np.testing.assert_allclose(_cumprod(fnp, lax.scan)(xs), np.cumprod(xs))


def _rnn(np_like, scan, reverse=False):
    def f(W, U, xs):
        def step(h, x):
            h = np_like.tanh(W @ h + U @ x)
            return h, h * 2.0

        h, ys = scan(step, np_like.zeros(W.shape[0]), xs, reverse=reverse)
        return np_like.concatenate([h[None], ys], axis=0)

    return f


@pytest.mark.parametrize("reverse", [False, True])
def test_rnn_step_scan_agrees_with_jax(reverse):
    rng = np.random.default_rng(0)
    W, U, xs = 0.5 * rng.standard_normal((3, 3)), rng.standard_normal((3, 2)), rng.standard_normal((5, 2))
    check_against_jax(
        _rnn(fnp, lax.scan, reverse), _rnn(jnp, jlax.scan, reverse), W, U, xs, order=2, jit=not reverse
    )


def test_scan_with_pytree_carry_and_outputs_matches_jax():
    def run(np_like, scan, a, xs):
        def step(c, x):
            new = {"s": c["s"] + x["u"] * a, "p": (c["p"][0] * x["v"],)}
            return new, {"both": new["s"] * new["p"][0], "none": None}

        init = {"s": np_like.zeros(2), "p": (np_like.ones(2),)}
        return scan(step, init, xs)

    rng = np.random.default_rng(1)
    a = rng.standard_normal(2)
    xs = {"u": rng.standard_normal((4, 2)), "v": rng.standard_normal((4, 2))}
    ours = run(fnp, lax.scan, a, xs)
    theirs = run(jnp, jlax.scan, jnp.asarray(a), jax.tree_util.tree_map(jnp.asarray, xs))
    assert fz.tree.structure(ours) == fz.tree.structure(jax.tree_util.tree_map(np.asarray, theirs))
    for o, t in zip(fz.tree.leaves(ours), jax.tree_util.tree_leaves(theirs)):
        np.testing.assert_allclose(o, t, rtol=1e-12)

    def loss(np_like, scan):
        return lambda a, xs: np_like.sum(run(np_like, scan, a, xs)[1]["both"] ** 2)

    g_ours = fz.grad(loss(fnp, lax.scan), argnums=(0, 1))(a, xs)
    g_theirs = jax.grad(loss(jnp, jlax.scan), argnums=(0, 1))(jnp.asarray(a), xs)
    for o, t in zip(fz.tree.leaves(g_ours), jax.tree_util.tree_leaves(g_theirs)):
        np.testing.assert_allclose(o, t, rtol=1e-10)


def test_scan_without_xs_counts_length_and_keeps_float32():
    carry, ys = lax.scan(lambda c, _: (c * 2.0, c), np.float32(1.0), None, length=4)
    assert carry.dtype == np.float32 and ys.dtype == np.float32
    np.testing.assert_array_equal(ys, [1, 2, 4, 8])
    x32 = np.arange(1.0, 4.0, dtype=np.float32)
    g = fz.grad(lambda xs: fnp.sum(lax.scan(lambda c, x: (c + x * x, c), np.float32(0), xs)[0]))(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x32)


def test_scan_of_zero_steps_gives_empty_outputs_like_jax():
    xs = np.zeros((0, 3))
    carry, ys = lax.scan(lambda c, x: (c + x, {"a": c * x, "b": fnp.sum(x)}), np.ones(3), xs)
    j_carry, j_ys = jlax.scan(lambda c, x: (c + x, {"a": c * x, "b": jnp.sum(x)}), jnp.ones(3), xs)
    np.testing.assert_array_equal(carry, j_carry)
    assert ys["a"].shape == j_ys["a"].shape == (0, 3)
    assert ys["b"].shape == j_ys["b"].shape == (0,)


def test_map_agrees_with_jax():
    def ours(xs):
        return lax.map(lambda x: fnp.sin(x) * fnp.sum(x), xs)

    def theirs(xs):
        return jlax.map(lambda x: jnp.sin(x) * jnp.sum(x), xs)

    check_against_jax(ours, theirs, np.random.default_rng(2).standard_normal((4, 3)))


# -- fori_loop and while_loop -------------------------------------------------------------


def _poly(np_like, fori_loop):
    def f(a, x):
        return fori_loop(1, 4, lambda i, y: a * y * y * 0.5 + y * i - 0.25, x)

    return f


@settings(max_examples=3, deadline=None)
@given(_vectors(3, 3, -0.8, 0.8), st.floats(-1.0, 1.0))
def test_fori_loop_polynomial_iteration_agrees_with_jax(x, a):
    a = np.full_like(x, a)
    check_against_jax(_poly(fnp, lax.fori_loop), _poly(jnp, jlax.fori_loop), a, x, order=2)


def test_fori_loop_with_batched_bounds_matches_jax_vmap():
    def f(fori_loop):
        return lambda n, x: fori_loop(0, n, lambda i, c: c * 1.5 + i, x)

    n, x = np.array([0, 2, 5]), np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(fz.vmap(f(lax.fori_loop))(n, x), jax.vmap(f(jlax.fori_loop))(n, x))


def _halve_until_small(np_like, while_loop):
    def f(x):
        return while_loop(lambda c: np_like.sum(c * c) > 0.1, lambda c: np_like.sin(c) * 0.5, x)

    return f


@settings(max_examples=3, deadline=None)
@given(_vectors(3, 3, -3.0, 3.0))
def test_while_loop_values_jvp_and_batched_predicate_agree_with_jax(x):
    ours, theirs = _halve_until_small(fnp, lax.while_loop), _halve_until_small(jnp, jlax.while_loop)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-12)
    t = np.linspace(-1.0, 1.0, x.size)
    np.testing.assert_allclose(fz.jvp(ours, (x,), (t,))[1], jax.jvp(theirs, (x,), (t,))[1], rtol=1e-10)
    batch = np.stack([x, 3.0 * x, x / 4.0])  # examples that stop after different numbers of steps
    np.testing.assert_allclose(fz.vmap(ours)(batch), jax.vmap(theirs)(batch), rtol=1e-12)
    np.testing.assert_allclose(fz.jacfwd(ours)(x), jax.jacfwd(theirs)(x), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    "transform",
    [
        lambda f: fz.grad(lambda x: fnp.sum(f(x))),
        lambda f: fz.jacrev(f),
        lambda f: fz.vjp(f, np.array([2.0, 1.0]))[1](np.ones(2)),
        lambda f: fz.grad(lambda x: fnp.sum(fz.jvp(f, (x,), (np.ones(2),))[1])),
    ],
    ids=["grad", "jacrev", "vjp", "grad_of_jvp"],
)
def test_while_loop_refuses_reverse_mode_as_jax_does(transform):
    f = _halve_until_small(fnp, lax.while_loop)
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work for lax.while_loop"):
        out = transform(f)
        if callable(out):
            out(np.array([2.0, 1.0]))


def test_while_loop_under_jit_with_a_traced_predicate_is_one_equation():
    f = fz.jit(lambda x, n: lax.while_loop(lambda c: fnp.sum(c) < n, lambda c: c * 2.0, x))
    x = np.array([1.0, 2.0])
    for n, expected in ((100.0, [64.0, 128.0]), (1000.0, [512.0, 1024.0]), (1.0, [1.0, 2.0])):
        np.testing.assert_array_equal(f(x, np.array(n)), expected)
    assert f.trace_count == 1  # the trip count changes without a retrace
    assert [eq.primitive for eq in f.lower(x, np.array(1.0)).equations] == ["lax_while", "lax_item"]
    g = fz.jit(lambda n, x: lax.fori_loop(0, n, lambda i, c: c * 1.5 + i, x))
    for n in (0, 1, 4):
        np.testing.assert_allclose(
            g(np.array(n), np.array(1.0)), jlax.fori_loop(0, n, lambda i, c: c * 1.5 + i, 1.0)
        )


def test_while_loop_under_jit_that_cannot_be_lowered_is_refused_clearly():
    f = fz.jit(lambda n: lax.while_loop(lambda c: c < n, lambda c: c + 1.0, 0.0))  # a Python-scalar carry
    with pytest.raises(
        fz.ConcretizationTypeError, match="lax.while_loop: its predicate depends on values traced by jit"
    ):
        f(np.array(3.0))


def test_jit_makes_a_scan_one_equation_and_hoists_what_the_body_closes_over():
    rng = np.random.default_rng(3)
    W, xs = 0.5 * rng.standard_normal((3, 3)), rng.standard_normal((6, 4, 3))

    def nested(W, xs):
        def outer(c, row):
            c2, ys = lax.scan(lambda h, x: (fnp.tanh(W.T @ h + x), h * W[0, 0]), c, row)
            return c2, fnp.sum(ys)

        return lax.scan(outer, fnp.zeros(3), xs)

    f = fz.jit(nested)
    for scale in (1.0, -2.0):
        for a, b in zip(f(W, scale * xs), nested(W, scale * xs)):
            np.testing.assert_allclose(a, b, rtol=1e-12)
    assert f.trace_count == 1
    prims = [eq.primitive for eq in f.lower(W, xs).equations]
    assert prims.count("lax_scan") == 1 and "tanh" not in prims and "transpose" in prims  # W.T once


def test_a_jitted_scan_does_not_hand_out_its_input_buffers():
    x, xs = np.ones(3), np.arange(12.0).reshape(4, 3)
    f = fz.jit(lambda x, xs: lax.scan(lambda c, v: (c, c * v), x, xs)[0] + 1.0)
    for _ in range(2):
        np.testing.assert_array_equal(f(x, xs), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0])


def test_a_jitted_scan_whose_body_branches_in_python_falls_back_to_the_usual_refusal():
    def f(xs):
        return lax.scan(lambda c, x: (c + x, x) if x > 0 else (c - x, x), np.float64(0), xs)

    np.testing.assert_array_equal(f(np.array([1.0, -2.0]))[0], 3.0)
    with pytest.raises(fz.ConcretizationTypeError, match="bool"):
        fz.jit(f)(np.array([1.0, -2.0]))


# -- cond and switch ----------------------------------------------------------------------


def _branchy(np_like, cond):
    def f(p, x):
        return cond(p, lambda a, b: np_like.sin(a) * b, lambda a, b: a * a - b, x, 2.0)

    return f


@pytest.mark.parametrize("p", [np.array(True), np.array(0)])
def test_cond_agrees_with_jax(p):
    x = np.array([0.3, -1.2, 2.0])
    check_against_jax(
        lambda x: _branchy(fnp, lax.cond)(p, x),
        lambda x: _branchy(jnp, jlax.cond)(p, x),
        x,
        order=2,
        jit=True,
    )


def test_cond_with_a_batched_predicate_selects_like_jax_vmap():
    ps, xs = np.array([True, False, True]), np.array([[0.5, 1.0], [2.0, -1.0], [-0.3, 0.2]])
    ours, theirs = _branchy(fnp, lax.cond), _branchy(jnp, jlax.cond)
    np.testing.assert_allclose(fz.vmap(ours)(ps, xs), jax.vmap(theirs)(ps, xs))

    def loss(f, s):
        return lambda xs: s(jax.vmap(f)(ps, xs) if s is jnp.sum else fz.vmap(f)(ps, xs))

    np.testing.assert_allclose(fz.grad(loss(ours, fnp.sum))(xs), jax.grad(loss(theirs, jnp.sum))(xs))


def test_cond_and_switch_under_jit_run_only_the_chosen_branch():
    f = fz.jit(lambda x: lax.cond(fnp.sum(x) > 0, lambda a: fnp.log(a) * 2.0, lambda a: -a, x))
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), 2.0 * np.log([1.0, 2.0]))
    with np.errstate(all="raise"):  # log of the negative values never runs
        np.testing.assert_allclose(f(np.array([-1.0, -2.0])), [1.0, 2.0])
    assert f.trace_count == 1
    prims = [eq.primitive for eq in f.lower(np.ones(2)).equations]
    assert "lax_switch" in prims and "log" not in prims and "negative" not in prims
    g = fz.jit(_three_way(fnp, lax.switch))
    x = np.array([0.4, -0.7])
    for k in (-2, 0, 1, 2, 9):
        np.testing.assert_allclose(g(np.array(k), x), jlax.switch(k, _JAX_BRANCHES, x))
    assert g.trace_count == 1


def test_jit_of_grad_through_cond_with_a_traced_predicate_agrees_with_jax():
    def loss(np_like, cond):
        return lambda x: np_like.sum(
            cond(np_like.sum(x) > 0, lambda a: np_like.sin(a) * a, lambda a: a * a * a, x)
        )

    for x in (np.array([0.5, 1.5]), np.array([-0.5, -1.5])):
        np.testing.assert_allclose(fz.jit(fz.grad(loss(fnp, lax.cond)))(x), jax.grad(loss(jnp, jlax.cond))(x))


def _three_way(np_like, switch):
    branches = [lambda a: np_like.sin(a), lambda a: a * a * 0.5, lambda a: np_like.exp(-a)]
    return lambda k, x: switch(k, branches, x)


_JAX_BRANCHES = [lambda a: jnp.sin(a), lambda a: a * a * 0.5, lambda a: jnp.exp(-a)]


@pytest.mark.parametrize("k", [-3, 7])
def test_switch_clamps_its_index_like_jax(k):
    x = np.array([0.4, -0.7])
    check_against_jax(
        lambda x: _three_way(fnp, lax.switch)(k, x), lambda x: _three_way(jnp, jlax.switch)(k, x), x
    )


def test_switch_with_a_batched_index_matches_jax_vmap():
    ks, xs = np.array([-1, 0, 1, 2, 9]), np.linspace(-1.0, 1.0, 10).reshape(5, 2)
    ours, theirs = _three_way(fnp, lax.switch), _three_way(jnp, jlax.switch)
    np.testing.assert_allclose(fz.vmap(ours)(ks, xs), jax.vmap(theirs)(ks, xs))
    np.testing.assert_allclose(
        fz.grad(lambda xs: fnp.sum(fz.vmap(ours)(ks, xs)))(xs),
        jax.grad(lambda xs: jnp.sum(jax.vmap(theirs)(ks, xs)))(xs),
    )


# -- errors -------------------------------------------------------------------------------


def test_a_carry_that_changes_shape_names_the_leaf_and_both_shapes():
    with pytest.raises(
        TypeError, match=r"carry at 'h' is float64\[2\] in init and float64\[4\] out of f at step 0"
    ):
        lax.scan(lambda c, x: ({"h": fnp.concatenate([c["h"], c["h"]])}, x), {"h": np.zeros(2)}, np.ones(3))
    with pytest.raises(
        TypeError, match=r"carry is float64\[3\] in init_val and float64\[\] out of body_fun at i = 0"
    ):
        lax.fori_loop(0, 2, lambda i, c: fnp.sum(c), np.zeros(3))
    with pytest.raises(TypeError, match=r"float64\[\] in init_val and float32\[\] out of body_fun at step 0"):
        lax.while_loop(lambda c: c < 3, lambda c: fnp.astype(c + 1, np.float32), np.float64(0))


def test_a_carry_that_changes_structure_shows_both_structures():
    with pytest.raises(
        TypeError, match=r"structure is PyTreeDef\(\(\*, \*\)\) in init and PyTreeDef\(\[\*, \*\]\)"
    ):
        lax.scan(lambda c, x: ([c[0], c[1]], x), (0.0, 1.0), np.ones(2))


def test_branches_that_disagree_are_refused_under_vmap():
    with pytest.raises(
        TypeError, match=r"output is float64\[2\] from true_fun and float64\[\] from false_fun"
    ):
        fz.vmap(lambda p, x: lax.cond(p, lambda a: a, lambda a: fnp.sum(a), x))(
            np.array([True]), np.ones((1, 2))
        )


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: lax.scan(lambda c, x: (c, x), 0.0, [np.ones(3), np.ones(4)]),
            ValueError,
            "different leading axis",
        ),
        (lambda: lax.scan(lambda c, x: (c, x), 0.0, np.ones(3), length=2), ValueError, "length=2"),
        (lambda: lax.scan(lambda c, x: (c, x), 0.0), ValueError, "length must say"),
        (lambda: lax.scan(lambda c, x: (c, x), 0.0, np.float64(1.0)), ValueError, "leading axis"),
        (lambda: lax.scan(lambda c, x: c, 0.0, np.ones(2)), TypeError, "must return a pair"),
        (lambda: lax.scan(lambda c, x: (c, x), 0.0, np.ones(2), unroll=0), ValueError, "unroll"),
        (
            lambda: lax.scan(lambda c, x: (c + 1, x if c == 0 else fnp.stack([x, x])), 0, np.ones(2)),
            TypeError,
            "output y",
        ),
        (lambda: lax.while_loop(lambda c: c, lambda c: c, 1.0), TypeError, "boolean scalar, got float"),
        (
            lambda: lax.cond(np.array([True, False]), abs, abs, 1.0),
            TypeError,
            r"pred must be a boolean or integer scalar, got bool\[2\]",
        ),
        (lambda: lax.cond(0.5, abs, abs, 1.0), TypeError, "pred must be"),
        (lambda: lax.cond(True, 1.0, abs, 1.0), TypeError, "true_fun must be callable"),
        (lambda: lax.switch(0, [], 1.0), TypeError, "non-empty sequence"),
        (lambda: lax.switch(1.0, [abs], 1.0), TypeError, "index must be an integer scalar"),
        (lambda: lax.fori_loop(0.0, 2, lambda i, c: c, 1.0), TypeError, "lower must be an integer scalar"),
    ],
)
def test_bad_arguments_are_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 6), st.booleans(), st.integers(0, 2**31))
def test_a_jitted_scan_equals_the_eager_one(length, reverse, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(2).astype(np.float32)
    xs = {"a": rng.standard_normal((length, 2)).astype(np.float32), "b": rng.standard_normal(length)}

    def f(w, xs):
        def step(c, x):
            h = fnp.tanh(c["h"] * w + x["a"])
            return {"h": h, "n": c["n"] + x["b"]}, (h * x["b"], c["n"])

        return lax.scan(step, {"h": fnp.zeros(2, np.float32), "n": np.float64(0)}, xs, reverse=reverse)

    jitted = fz.jit(f)
    for a, b in zip(fz.tree.leaves(jitted(w, xs)), fz.tree.leaves(f(w, xs))):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert [eq.primitive for eq in jitted.lower(w, xs).equations].count("lax_scan") == 1


def test_forward_mode_jacobian_and_hessian_through_scan_agree_with_jax():
    def f(np_like, scan):
        return lambda w, xs: scan(lambda c, x: (np_like.sin(c * w + x), c * x), np_like.zeros(2), xs)[1]

    w, xs = np.array([0.3, -0.7]), np.random.default_rng(4).standard_normal((5, 2))
    ours, theirs = (
        fz.jacfwd(f(fnp, lax.scan), argnums=(0, 1))(w, xs),
        jax.jacfwd(f(jnp, jlax.scan), argnums=(0, 1))(w, xs),
    )
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)

    def loss(np_like, scan):
        return lambda w: np_like.sum(f(np_like, scan)(w, xs) ** 2)

    np.testing.assert_allclose(
        fz.hessian(loss(fnp, lax.scan))(w), jax.hessian(loss(jnp, jlax.scan))(w), rtol=1e-10
    )
