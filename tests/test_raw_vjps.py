"""Raw vjp rules (the first-order backward sweep's fast path) against the general rules.

A primitive's raw rules must give the cotangents its general rules give, after the sweep's
own fitting to the operand's shape and dtype; the sweep must use them exactly when nothing
watches it (never on a tracer); and a shared rule is asked only for the cotangents needed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import arrays

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero.core.primitive import Primitive, SharedVJP
from fnzero.core.tracer import TRACER_TYPES
from fnzero.nn import losses, lstm
from fnzero.numpy import indexing, products, reductions
from fnzero.test_util import check_grads

DTYPES = st.sampled_from([np.float32, np.float64])
TOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-12}


def _fitted(gk, like):
    """What the sweep does to a rule's cotangent: sum down to the operand's shape and dtype."""
    return np.asarray(fnp.astype(fnp.sum_to(gk, np.shape(like)), np.asarray(like).dtype))


def _assert_rules_agree(prim: Primitive, g, args, params, needed=None):
    ans = prim.impl(*args, **params)
    g = np.asarray(g, dtype=ans.dtype).reshape(ans.shape)
    needed = needed or [True] * len(args)
    if isinstance(prim.vjps, SharedVJP):
        general = prim.vjps.rule(g, ans, *args, needed=needed, **params)
        raw = prim.raw_vjps.rule(g, ans, *args, needed=needed, **params)
    else:
        general = [r(g, ans, *args, **params) if r and n else None for r, n in zip(prim.vjps, needed)]
        raw = [r(g, ans, *args, **params) if r and n else None for r, n in zip(prim.raw_vjps, needed)]
    for k, (want, got) in enumerate(zip(general, raw)):
        assert (want is None) == (got is None), f"{prim.name}: argument {k}"
        if want is None:
            continue
        assert type(got) not in TRACER_TYPES
        want, got = _fitted(want, args[k]), _fitted(got, args[k])
        assert got.shape == want.shape and got.dtype == want.dtype, prim.name
        tol = TOL[got.dtype]
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{prim.name} argument {k}")


def _draw(data, shape, dtype, low=-2.0, high=2.0):
    return data.draw(arrays(shape, low, high).map(lambda x: x.astype(dtype)))


MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (3, 4, 2)),
]


@given(st.data(), st.sampled_from(MATMUL_SHAPES), DTYPES)
def test_matmul_raw_rules_equal_the_general_ones(data, shapes, dtype):
    a, b = (_draw(data, s, dtype) for s in shapes)
    g = _draw(data, np.matmul(a, b).shape, dtype)
    _assert_rules_agree(products.matmul, g, (a, b), {})


@given(st.data(), st.sampled_from(["sum", "mean"]), st.sampled_from([(3,), (2, 3), (2, 1, 3)]), DTYPES)
def test_reduction_raw_rules_equal_the_general_ones(data, name, shape, dtype):
    prim = {"sum": reductions._sum, "mean": reductions._mean}[name]
    x = _draw(data, shape, dtype)
    axes = data.draw(st.sets(st.integers(0, len(shape) - 1)))
    axis = None if not axes or data.draw(st.booleans()) else tuple(sorted(axes))
    keepdims = data.draw(st.booleans())
    g = _draw(data, prim.impl(x, axis, keepdims).shape, dtype)
    _assert_rules_agree(prim, g, (x,), {"axis": axis, "keepdims": keepdims})


# (x, h, W_x, W_h, b) for hidden size 2: plain, a batch of inputs, a batch of weights.
GATES_SHAPES = [
    ((3, 2), (3, 2), (2, 8), (2, 8), (8,)),
    ((4, 3, 1), (3, 2), (1, 8), (2, 8), (8,)),
    ((3, 2), (3, 2), (4, 2, 8), (2, 8), (4, 1, 8)),
]


@given(st.data(), st.sampled_from(GATES_SHAPES), st.lists(st.booleans(), min_size=5, max_size=5), DTYPES)
def test_lstm_gates_raw_rule_equals_the_general_one(data, shapes, needed, dtype):
    args = [_draw(data, s, dtype) for s in shapes]
    g = _draw(data, lstm.lstm_gates_p.impl(*args).shape, dtype)
    _assert_rules_agree(lstm.lstm_gates_p, g, args, {}, needed)


@given(st.data(), st.sampled_from([(3,), (2, 3), (2, 1, 3)]), DTYPES)
def test_logsumexp_raw_rule_equals_the_general_one(data, shape, dtype):
    x = _draw(data, shape, dtype)
    axes = data.draw(st.sets(st.integers(0, len(shape) - 1)))
    axis = None if not axes or data.draw(st.booleans()) else tuple(sorted(axes))
    keepdims = data.draw(st.booleans())
    g = _draw(data, reductions._logsumexp.impl(x, axis, keepdims).shape, dtype)
    _assert_rules_agree(reductions._logsumexp, g, (x,), {"axis": axis, "keepdims": keepdims})


# (gates a, cell c): the same batch, gates shared by a batch of cells, one cell for a batch.
STATE_SHAPES = [((3, 8), (3, 2)), ((8,), (3, 2)), ((3, 8), (2,)), ((4, 3, 8), (3, 2))]


@given(st.data(), st.sampled_from(["lstm_cell_state", "lstm_hidden"]), st.sampled_from(STATE_SHAPES), DTYPES)
def test_lstm_state_raw_rules_equal_the_general_ones(data, name, shapes, dtype):
    prim = {"lstm_cell_state": lstm.lstm_cell_state_p, "lstm_hidden": lstm.lstm_hidden_p}[name]
    a = _draw(data, shapes[0], dtype, 0.01, 0.99)  # activated gates
    c = _draw(data, shapes[1], dtype)
    g = _draw(data, prim.impl(a, c).shape, dtype)
    _assert_rules_agree(prim, g, (a, c), {})


# (predictions, targets): the same shape, targets broadcast, predictions broadcast.
SQUARED_ERROR_SHAPES = [((3, 2), (3, 2)), ((3, 2), (2,)), ((1, 2), (3, 2)), ((), (4,))]


@given(st.data(), st.sampled_from(SQUARED_ERROR_SHAPES), st.booleans(), DTYPES)
def test_squared_error_raw_rules_equal_the_general_ones(data, shapes, mean, dtype):
    y, t = (_draw(data, s, dtype) for s in shapes)
    g = _draw(data, (), dtype)
    _assert_rules_agree(losses.squared_error_p, g, (y, t), {"mean": mean})


@given(
    st.data(),
    st.sampled_from(STATE_SHAPES),
    st.sampled_from([(True, True), (True, False), (False, True)]),
    DTYPES,
)
def test_the_lstm_state_nodes_raw_rule_equals_the_general_one(data, shapes, arrived, dtype):
    """The one node a tape records for the new cell and output (lstm_state): its cotangents
    of the gates and the old cell, from either output's cotangent or both."""
    a = _draw(data, shapes[0], dtype, 0.01, 0.99)
    c = _draw(data, shapes[1], dtype)
    ans = lstm._new_state(a, c)
    gs = [_draw(data, ans[0].shape, dtype) if k else None for k in arrived]
    general = lstm._state_vjp_general(gs, ans, a, c)
    raw = lstm._state_vjp_raw(gs, ans, a, c)
    for k, (want, got) in enumerate(zip(general, raw)):
        want, got = _fitted(want, (a, c)[k]), _fitted(got, (a, c)[k])
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=TOL[got.dtype], atol=TOL[got.dtype])


# (x's shape, index): basic indexing, and integer arrays that pick a row twice (summed).
GETITEM_CASES = [
    ((4, 3), (slice(1, 3),)),
    ((4, 3), (1, slice(None, None, 2))),
    ((4, 3), (np.array([0, 2, 0]),)),
    ((4, 3), (np.array([1, 1]), np.array([0, 2]))),
    ((4, 3), (np.array([True, False, True, True]),)),
]


@given(st.data(), st.sampled_from(GETITEM_CASES), DTYPES)
def test_getitem_raw_rule_equals_the_general_one(data, case, dtype):
    shape, index = case
    x = _draw(data, shape, dtype)
    g = _draw(data, x[index].shape, dtype)
    _assert_rules_agree(indexing.getitem, g, (x,), {"index": index})


COVERED = {
    "matmul",
    "sum",
    "mean",
    "getitem",
    "logsumexp",
    "lstm_gates",
    "lstm_cell_state",
    "lstm_hidden",
    "squared_error",
}


def test_every_primitive_with_raw_rules_is_held_to_its_general_rules_here():
    with_raw = {p.name for p in Primitive.registry.values() if p.raw_vjps is not None}
    assert with_raw == COVERED


@pytest.fixture
def raw_rules_refuse_tracers(monkeypatch):
    """Every raw rule wrapped: it fails the test if handed a tracer; calls are counted."""
    calls = []

    def guard(name, rule):
        def checked(*args, **params):
            values = list(args) + list(params.values())
            assert not any(type(v) in TRACER_TYPES for v in values), f"{name}'s raw rule got a tracer"
            calls.append(name)
            return rule(*args, **params)

        return checked

    for p in [p for p in Primitive.registry.values() if p.raw_vjps is not None]:
        raw = p.raw_vjps
        if isinstance(raw, SharedVJP):
            monkeypatch.setattr(p, "raw_vjps", SharedVJP(guard(p.name, raw.rule)))
        else:
            monkeypatch.setattr(p, "raw_vjps", tuple(r and guard(p.name, r) for r in raw))
    monkeypatch.setattr(lstm, "_state_vjp_raw", guard("lstm_state", lstm._state_vjp_raw))
    return calls


def _lstm_loss(params, x):
    W_x, W_h, b, W_y = params
    h = c = fnp.zeros((x.shape[1], W_h.shape[0]))
    total = 0.0
    for step in x:
        h, c = nn.lstm_cell(step, h, c, W_x, W_h, b)
        y = h @ W_y
        clipped = fnp.logsumexp(fnp.minimum(fnp.maximum(y, -0.5), 0.5), axis=1)
        total = total + fnp.mean(y**2) + nn.mean_squared_error(h[:, :1], step[:, :1]) + fnp.mean(clipped)
    return total + fnp.sum(W_y * W_y)


def _lstm_problem(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s) * 0.5 for s in [(2, 12), (3, 12), (12,), (3, 2)]]
    return params, rng.normal(size=(3, 4, 2))


def test_first_order_gradients_take_the_raw_rules(raw_rules_refuse_tracers):
    params, x = _lstm_problem()
    fz.grad(_lstm_loss)(params, x)
    # The tape records the new cell and output as one lstm_state node (its own raw branch).
    assert set(raw_rules_refuse_tracers) == COVERED - {"lstm_cell_state", "lstm_hidden"} | {"lstm_state"}
    raw_rules_refuse_tracers.clear()
    # Under vmap the batch trace is on top: the tape below records the two primitives.
    per_sequence = fz.vmap(lambda p, xi: _lstm_loss(p, xi[:, None]), (None, 1))
    fz.grad(lambda p: fnp.sum(per_sequence(p, x)))(params)
    assert {"lstm_cell_state", "lstm_hidden"} <= set(raw_rules_refuse_tracers)


def test_nested_transforms_never_hand_raw_rules_a_tracer(raw_rules_refuse_tracers):
    params, x = _lstm_problem(1)
    W_h = params[1]

    def of_w_h(w):
        return _lstm_loss([params[0], w, *params[2:]], x)

    check_grads(of_w_h, (W_h,), order=2, modes=("rev",))
    hess = fz.hessian(of_w_h)(W_h)
    np.testing.assert_allclose(hess.reshape(W_h.size, -1), hess.reshape(W_h.size, -1).T, atol=1e-9)
    one = lambda w, xi: _lstm_loss([params[0], w, *params[2:]], xi[:, None])  # noqa: E731
    per_example = fz.vmap(fz.grad(one), (None, 1))
    got = per_example(W_h, x)
    for k in range(x.shape[1]):
        want = fz.grad(lambda w: _lstm_loss([params[0], w, *params[2:]], x[:, k : k + 1]))(W_h)
        np.testing.assert_allclose(got[k], want, rtol=1e-10, atol=1e-12)
    jitted = fz.jit(fz.grad(of_w_h))(W_h)
    np.testing.assert_allclose(jitted, fz.grad(of_w_h)(W_h), rtol=1e-10, atol=1e-12)


def test_a_shared_rule_is_asked_only_for_the_cotangents_needed(monkeypatch):
    asked = []
    rule = lstm.lstm_gates_p.raw_vjps.rule

    def spy(*args, needed, **params):
        asked.append(tuple(needed))
        return rule(*args, needed=needed, **params)

    monkeypatch.setattr(lstm.lstm_gates_p, "raw_vjps", SharedVJP(spy))
    params, x = _lstm_problem(2)
    fz.grad(_lstm_loss)(params, x)
    # x is data (no gradient); h is the zero constant at the first step, watched after it.
    assert asked[-1] == (False, False, True, True, True)
    assert set(asked[:-1]) == {(False, True, True, True, True)}


def _shared_cotangents(x, y):
    """add hands one cotangent array to both operands; s, x and y each have several
    consumers, so the sweep sums into their slots several times (in place, once it owns one)."""
    s = x + y
    t = s * x + s
    u = t + x + y + x
    return fnp.sum(u * u) + fnp.sum(x * y) + fnp.sum(s)


@given(st.data(), st.sampled_from([(), (3,), (2, 3)]))
def test_sums_made_in_place_match_finite_differences_and_share_no_memory(data, shape):
    x, y = (_draw(data, shape, np.float64) for _ in range(2))
    x0, y0 = x.copy(), y.copy()
    check_grads(_shared_cotangents, (x, y), order=1, modes=("rev",))
    gx, gy = fz.grad(_shared_cotangents, argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(x, x0)  # the inputs are untouched
    np.testing.assert_array_equal(y, y0)
    assert not np.shares_memory(gx, gy)
    # Second order: the inner sweep is recorded (nested), so it takes the general path.
    check_grads(_shared_cotangents, (x, y), order=2, modes=("rev",))
