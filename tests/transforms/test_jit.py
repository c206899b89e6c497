"""fnzero.jit: replayed programs agree with eager fnzero, retracing follows the signature,
Python control flow on traced values is refused, whole training steps compile, leaked traced
values raise UnexpectedTracerError when used, and the trace cache keeps the most recent
signatures only."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import host, on

import fnzero as fz
import fnzero.numpy as fnp
from fnzero import nn, optim
from fnzero.transforms.jit import CACHE_SIZE, VALUE_VARIANTS, ConcretizationTypeError

SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)

# name -> function of one array (values drawn in (-2, 2)); each is a composition of primitives
FUNCTIONS = {
    "sin": fnp.sin,
    "cos": fnp.cos,
    "tanh": fnp.tanh,
    "exp": fnp.exp,
    "log": lambda x: fnp.log(x * x + 1),
    "sqrt": lambda x: fnp.sqrt(x * x + 0.5),
    "abs": fnp.abs,
    "power": lambda x: x**3 - 2 * x**2,
    "divide": lambda x: 1 / (x * x + 1),
    "maximum": lambda x: fnp.maximum(x, 0.3 * x),
    "where": lambda x: fnp.where(x > 0, x, fnp.exp(x) - 1),
    "sum_axis": lambda x: fnp.sum(x, axis=-1),
    "mean": fnp.mean,
    "max": lambda x: fnp.max(x, axis=0),
    "logsumexp": lambda x: fnp.logsumexp(x, axis=-1) + fnp.logsumexp(x),
    "transpose": lambda x: fnp.transpose(x) * 2,
    "reshape": lambda x: fnp.reshape(x, (-1,)) ** 2,
    "getitem": lambda x: x[..., :1] * x[..., -1:],
    "concatenate": lambda x: fnp.concatenate([x, fnp.sin(x)], axis=-1),
    "broadcast": lambda x: fnp.broadcast_to(x, (2, *x.shape)) * 3,
    "matmul": lambda x: x @ fnp.swapaxes(x, -1, -2) if x.ndim > 1 else x @ x,
    "astype": lambda x: fnp.astype(fnp.astype(x, np.float32), np.float64) * x,
    "relu": nn.relu,
    "sigmoid": nn.sigmoid,
    "gelu": nn.gelu,
    "softplus": nn.softplus,
    "softmax": nn.softmax,
    "log_softmax": nn.log_softmax,
    "leaky_relu": nn.leaky_relu,
    "elu": nn.elu,
}


def _two_inputs(seed: int, shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-2, 2, shape), rng.uniform(-2, 2, shape)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_replay_equals_eager(name, shape, seed):
    f = FUNCTIONS[name]
    x1, x2 = _two_inputs(seed, shape)
    jf = fz.jit(f)
    np.testing.assert_allclose(jf(x1), f(x1), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(jf(x2), f(x2), rtol=1e-13, atol=1e-15)  # replayed, not traced
    assert jf.trace_count == 1


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_jit_of_grad_equals_grad(name, shape, seed):
    f = FUNCTIONS[name]
    loss = lambda x: fnp.sum(f(x) ** 2)  # noqa: E731
    x1, x2 = _two_inputs(seed, shape)
    jg = fz.jit(fz.grad(loss))
    jg(x1)
    np.testing.assert_allclose(jg(x2), fz.grad(loss)(x2), rtol=1e-12, atol=1e-14)
    assert jg.trace_count == 1


@given(x=st.floats(-3, 3), y=st.floats(-3, 3))
def test_second_derivative_replays_and_dce_drops_dead_equations(x, y):
    d2 = fz.grad(fz.grad(fnp.tanh))
    jd2 = fz.jit(d2)
    jd2(np.array(x))
    assert jd2(np.array(y)) == pytest.approx(float(d2(np.array(y))), rel=1e-13, abs=1e-15)
    t = np.tanh(y)
    assert jd2(np.array(y)) == pytest.approx(-2 * t * (1 - t**2), rel=1e-12, abs=1e-15)
    # the first derivative's own output is dead in the second derivative's program
    assert len(jd2.lower(np.array(y)).equations) < len(fz.make_graph(d2)(np.array(y)).equations)


def test_retraces_exactly_when_the_signature_changes():
    jf = fz.jit(lambda p, s: fnp.sum(p["a"] * s) + fnp.sum(p["b"]))
    p = {"a": np.ones(3), "b": np.ones(2)}
    jf(p, 2.0)
    jf({"a": np.full(3, 5.0), "b": np.zeros(2)}, 2.0)
    assert jf.trace_count == 1  # new values, same signature
    jf({"a": np.ones(4), "b": np.ones(2)}, 2.0)
    assert jf.trace_count == 2  # a shape
    jf({"a": np.ones(3, np.float32), "b": np.ones(2)}, 2.0)
    assert jf.trace_count == 3  # a dtype
    jf({"a": np.ones(3), "b": np.ones(2)}, 3.0)
    assert jf.trace_count == 4  # a Python scalar is static: its value is in the signature
    out = jf({"a": np.ones(3), "b": np.ones(2), "c": np.ones(1)}, 2.0)
    assert jf.trace_count == 5 and out == 8.0  # the pytree's structure
    assert jf({"a": np.full(3, 2.0), "b": np.ones(2)}, 2.0) == 14.0
    assert jf.trace_count == 5  # back to the first signature: cached


def test_static_argnums_may_drive_python_control_flow():
    def f(x, n, mode):
        for _ in range(n):
            x = fnp.sin(x) if mode == "sin" else fnp.cos(x)
        return x

    jf = fz.jit(f, static_argnums=(1, 2))
    x = np.array([0.1, 0.7])
    np.testing.assert_array_equal(jf(x, 3, "sin"), np.sin(np.sin(np.sin(x))))
    np.testing.assert_array_equal(jf(x, 2, "cos"), np.cos(np.cos(x)))
    np.testing.assert_array_equal(jf(x + 1, 3, "sin"), np.sin(np.sin(np.sin(x + 1))))
    assert jf.trace_count == 2
    with pytest.raises(TypeError, match="not hashable"):
        fz.jit(f, static_argnums=1)(x, [1], "sin")
    with pytest.raises(ValueError, match="static_argnums"):
        fz.jit(f, static_argnums=5)(x, 1, "sin")


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x if fnp.sum(x) > 0 else -x,
        lambda x: x * float(fnp.sum(x)),
        lambda x: x[: int(x[0])],
        fz.grad(lambda x: fnp.sum(x) if fnp.sum(x) > 0 else -fnp.sum(x)),
    ],
    ids=["bool", "float", "int", "bool-under-grad"],
)
def test_python_reading_a_traced_value_is_refused_with_advice(f):
    with pytest.raises(ConcretizationTypeError, match=r"static_argnums.*|fnzero.numpy.where") as e:
        fz.jit(f)(np.array([1.0, 2.0]))
    assert "static_argnums" in str(e.value) and "fnzero.numpy.where" in str(e.value)
    # make_graph runs eagerly and keeps allowing it
    assert fz.make_graph(f)(np.array([1.0, 2.0])).equations


def test_input_values_read_in_python_join_the_signature():
    jf = fz.jit(lambda key, x: x + fz.random.normal(key, x.shape, np.float64))
    x = np.zeros(3)
    a, b = jf(fz.random.key(0), x), jf(fz.random.key(1), x)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(b, fz.random.normal(fz.random.key(1), (3,), np.float64))
    np.testing.assert_array_equal(jf(fz.random.key(0), x + 1), a + 1)
    assert jf.trace_count == 2


def test_values_of_intermediates_read_in_python_are_refused():
    y = np.array([0, 1])
    with pytest.raises(ConcretizationTypeError, match="computed inside the jitted function"):
        fz.jit(lambda x: nn.accuracy(x * 2, y))(np.eye(2))


def test_keywords_outputs_and_constants():
    jf = fz.jit(lambda x, scale=1.0: {"y": x * scale, "zero": fnp.zeros(2), "n": 3})
    out = jf(np.ones(2), scale=2.0)
    out["zero"][0] = 7.0  # a returned constant is the caller's own array
    again = jf(np.ones(2), scale=2.0)
    np.testing.assert_array_equal(again["zero"], np.zeros(2))
    np.testing.assert_array_equal(again["y"], [2.0, 2.0])
    assert again["n"] == 3 and jf.trace_count == 1


def test_inside_other_transforms_jit_calls_the_function():
    f = lambda x: fnp.sum(fnp.sin(x) * x)  # noqa: E731
    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(fz.grad(fz.jit(f))(x), fz.grad(f)(x), rtol=1e-14)
    # closing over an enclosing transform's tracer: computed, not cached
    g = fz.grad(lambda y: fz.jit(lambda x: fnp.sum(x * y))(np.array([2.0, 3.0])))(np.array(1.5))
    assert g == 5.0


def _mlp_problem(dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = {
        "w1": (rng.normal(size=(12, 16)) * 0.3).astype(dtype),
        "b1": np.zeros(16, dtype),
        "w2": (rng.normal(size=(16, 3)) * 0.3).astype(dtype),
        "b2": np.zeros(3, dtype),
    }
    x = rng.normal(size=(20, 12)).astype(dtype)
    y = rng.integers(0, 3, 20)
    return params, x, y


def _loss(p, x, y):
    h = nn.relu(x @ p["w1"] + p["b1"])
    return nn.softmax_cross_entropy(nn.tanh(h) @ p["w2"] + p["b2"], y)


@pytest.mark.parametrize(
    "opt", [optim.sgd(0.1), optim.adam(0.01), optim.momentum(0.05)], ids=["sgd", "adam", "momentum"]
)
def test_training_loop_with_jit_reaches_the_same_float64_losses(opt):
    params, x, y = _mlp_problem(np.float64)

    def step(p, state, x, y):
        loss, g = fz.value_and_grad(_loss)(p, x, y)
        updates, state = opt.update(g, state, p)
        return optim.apply_updates(p, updates), state, loss

    jstep = fz.jit(step)
    eager = (params, opt.init(params))
    jitted = (params, opt.init(params))
    for i in range(15):
        xb = x + 0.01 * i  # new values every step, one signature
        *eager, l_eager = step(*eager, xb, y)
        *jitted, l_jit = jstep(*jitted, xb, y)
        assert abs(float(l_jit) - float(l_eager)) <= 1e-12
    assert jstep.trace_count == 1
    for a, b in zip(fz.tree.leaves(eager), fz.tree.leaves(jitted)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_mlp_step_jitted_equals_the_eager_step_and_is_one_program():
    params, x, y = _mlp_problem(np.float32, seed=1)

    def step(p, x, y):
        g = fz.grad(_loss)(p, x, y)
        return fz.tree.map(lambda w, d: w - 0.1 * d, p, g)

    jstep = fz.jit(step)
    p_eager = p_jit = params
    for _ in range(3):
        p_eager, p_jit = step(p_eager, x, y), jstep(p_jit, x, y)
    for k in params:
        assert p_jit[k].dtype == np.float32
        np.testing.assert_allclose(p_jit[k], p_eager[k], rtol=1e-6, atol=1e-7)
    text = str(jstep.lower(params, x, y))
    assert "matmul" in text and "relu" in text and text.count("return") == 1


def test_cse_merges_repeated_work_but_not_different_constants():
    jd2 = fz.jit(fz.grad(fz.grad(fnp.tan)))
    ops = [eq.primitive for eq in jd2.lower(np.array(0.4)).equations]
    traced = [eq.primitive for eq in fz.make_graph(fz.grad(fz.grad(fnp.tan)))(np.array(0.4)).equations]
    assert traced.count("square") == 2 and ops.count("square") == 1  # 1 + tan(x)**2, once
    jf = fz.jit(lambda x: (x * 0.0, x * -0.0, fnp.sin(x) + fnp.sin(x)))
    jf(np.array(1.0))
    zero, negzero, two_sin = jf(np.array(-1.0))
    assert np.signbit(zero) and not np.signbit(negzero)
    assert two_sin == 2 * np.sin(-1.0)
    assert [eq.primitive for eq in jf.lower(np.array(1.0)).equations].count("sin") == 1
    jg = fz.jit(lambda x: (x[1:] + x[1:], fnp.sum(x, axis=0) * fnp.sum(x, axis=0), x[True] * 2))
    jg(np.arange(3.0))
    a, b, c = jg(np.arange(3.0) + 1)
    np.testing.assert_array_equal(a, [4.0, 6.0])
    assert b == 36.0 and c.shape == (1, 3)
    ops = [eq.primitive for eq in jg.lower(np.arange(3.0)).equations]
    assert ops.count("getitem") == 2 and ops.count("sum") == 1  # x[True] is not x[1:]


def test_benchmark_quick_run_agrees_with_the_floor(capsys):
    from benchmarks import jit_bench

    assert jit_bench.main(["--quick", "--only", "floor,fnzero-jit"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith(("floor ", "fnzero-jit "))]
    assert len(rows) == 6
    floors, jitted = [float(r[-1]) for r in rows[::2]], [float(r[-1]) for r in rows[1::2]]
    for f, j, rtol in zip(floors, jitted, (1e-9, 1e-4, 1e-9)):
        assert j == pytest.approx(f, rel=rtol)
    assert out.count("passes, ") == 4


def test_programs_for_read_input_values_are_bounded_and_stay_correct():
    # A key is read in Python (the cipher's key schedule), so its value is part of the
    # program: a bounded number of variants is kept, each one correct.
    jf = fz.jit(lambda x, k: x * fz.random.uniform(k, (3,), dtype=np.float64))
    x = np.arange(3.0)
    keys = [fz.random.key(n % 10) for n in range(12)] + [fz.random.key(0)]
    for k in keys:
        np.testing.assert_array_equal(jf(x, k), x * fz.random.uniform(k, (3,), dtype=np.float64))
    assert len(jf._cache) == 1
    read, variants, _ = next(iter(jf._cache.values()))
    assert read == (1,) and len(variants) <= VALUE_VARIANTS


def test_integer_labels_are_data_not_program():
    jf = fz.jit(lambda logits, y: nn.softmax_cross_entropy(logits, y))
    logits = np.random.default_rng(0).normal(size=(4, 3))
    for n in range(5):
        y = np.array([n % 3, (n // 3) % 3, 1, 0])
        assert jf(logits, y) == pytest.approx(float(nn.softmax_cross_entropy(logits, y)), rel=1e-14)
    assert jf.trace_count == 1


def test_custom_rules_and_checkpoint_under_jit():
    @fz.custom_vjp
    def f(x):
        return fnp.sin(x)

    f.defvjp(lambda x: (fnp.sin(x), x), lambda x, g: (g * 2 * fnp.cos(x),))  # a deliberately doubled rule
    x = np.array([0.2, 1.1])
    np.testing.assert_array_equal(fz.jit(f)(x), np.sin(x))
    np.testing.assert_array_equal(fz.jit(fz.checkpoint(fnp.sin))(x), np.sin(x))
    jg = fz.jit(fz.grad(lambda x: fnp.sum(f(x))))
    jg(x)
    np.testing.assert_allclose(jg(x + 1), 2 * np.cos(x + 1), rtol=1e-15)
    assert fz.make_graph(f)(x).equations[0].primitive == "sin"


def _max_difference(a, b):
    return max(
        float(np.abs(np.asarray(u) - np.asarray(v)).max())
        for u, v in zip(fz.tree.leaves(a), fz.tree.leaves(b))
    )


def test_cnn_models_jitted_equal_eager_with_state_and_dropout_keys():
    from fnzero.nn.models import NetBatchNorm, NetDropout

    rng = np.random.default_rng(0)
    x1, x2 = (rng.normal(size=(2, 3, 32, 32)).astype(np.float32) for _ in range(2))
    model = NetBatchNorm(key=fz.random.key(0))
    state = model.init_state()
    loss = lambda m, x, s: fnp.sum(m(x, s, train=True)[0] ** 2)  # noqa: E731
    step = fz.jit(fz.value_and_grad(loss))
    step(model, x1, state)
    assert _max_difference(step(model, x2, state), fz.value_and_grad(loss)(model, x2, state)) == 0.0
    forward = fz.jit(lambda m, x, s: m(x, s, train=True))
    forward(model, x1, state)
    assert _max_difference(forward(model, x2, state), model(x2, state, train=True)) == 0.0

    net = NetDropout(key=fz.random.key(0))
    train = fz.jit(lambda m, x, k: m(x, key=k, train=True))
    a, b = train(net, x1, fz.random.key(1)), train(net, x1, fz.random.key(2))
    np.testing.assert_array_equal(b, net(x1, key=fz.random.key(2), train=True))
    assert not np.array_equal(a, b) and train.trace_count == 2  # a key's value is in the signature


def test_one_hot_targets_are_data_so_new_batches_do_not_retrace():
    params, x, y = _mlp_problem(np.float64, seed=2)
    loss = lambda p, x, t: nn.softmax_cross_entropy(nn.relu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"], t)  # noqa: E731
    jvg = fz.jit(fz.value_and_grad(loss))
    for i in range(4):
        targets = np.eye(3)[(y + i) % 3]
        (value, grads), (v_eager, g_eager) = (
            jvg(params, x, targets),
            fz.value_and_grad(loss)(params, x, targets),
        )
        assert abs(float(value) - float(v_eager)) <= 1e-12
        assert _max_difference(grads, g_eager) <= 1e-12
    assert jvg.trace_count == 1


def test_lstm_sequence_loss_and_gradient_jitted_equal_eager():
    from fnzero.nn.layers.recurrent import LSTM

    lstm = LSTM(3, 5, key=fz.random.key(0), dtype=np.float64)
    rng = np.random.default_rng(0)
    xs1, xs2 = rng.normal(size=(6, 2, 3)), rng.normal(size=(6, 2, 3))
    loss = lambda m, xs: fnp.sum(m(xs)[0] ** 2)  # noqa: E731
    jvg = fz.jit(fz.value_and_grad(loss))
    jvg(lstm, xs1)
    assert _max_difference(jvg(lstm, xs2), fz.value_and_grad(loss)(lstm, xs2)) <= 1e-12
    assert jvg.trace_count == 1


def test_replay_on_each_backend_equals_eager_and_backend_is_in_the_signature(backend):
    params, x, y = _mlp_problem(np.float32, seed=3)
    params = {k: on(backend, v) for k, v in params.items()}
    loss = lambda p, x, t: nn.softmax_cross_entropy(nn.relu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"], t)  # noqa: E731
    jvg = fz.jit(fz.value_and_grad(loss))
    targets = np.eye(3, dtype=np.float32)[y]
    jvg(params, on(backend, x), on(backend, targets))
    got = jvg(params, on(backend, x + 1), on(backend, targets))
    want = fz.value_and_grad(loss)(params, on(backend, x + 1), on(backend, targets))
    for a, b in zip(fz.tree.leaves(got), fz.tree.leaves(want)):
        assert fz.backends.backend_of(a) is backend
        np.testing.assert_allclose(host(backend, a), host(backend, b), rtol=1e-6, atol=1e-7)
    assert jvg.trace_count == 1


def test_jit_as_a_method_decorator_binds_the_instance():
    class Scaler(nn.Module):
        w: np.ndarray

        @fz.jit
        def __call__(self, x):
            return self.w * x

    s = Scaler(np.array([2.0, 3.0]))
    np.testing.assert_array_equal(s(np.ones(2)), [2.0, 3.0])
    np.testing.assert_array_equal(Scaler(np.array([4.0, 5.0]))(np.ones(2)), [4.0, 5.0])
    assert Scaler.__call__.trace_count == 1


def _leaky():
    kept = []

    @fz.jit
    def f(x):
        kept.append(x * 2.0)
        return x + 1.0

    np.testing.assert_array_equal(f(np.ones(3)), 2.0)
    return f, kept


@pytest.mark.parametrize(
    "use",
    [
        lambda t: t + 1.0,
        lambda t: fz.grad(lambda y: fnp.sum(y * t))(np.ones(3)),
        lambda t: fz.vmap(lambda y: y * t)(np.ones((2, 3))),
        lambda t: fz.jvp(lambda y: y * t, (np.ones(3),), (np.ones(3),)),
        lambda t: np.asarray(t),
        lambda t: float(t[0]),
        lambda t: t.tolist(),
    ],
    ids=["add", "grad", "vmap", "jvp", "asarray", "float", "tolist"],
)
def test_a_tracer_leaked_out_of_jit_raises_when_used(use):
    f, kept = _leaky()
    with pytest.raises(fz.UnexpectedTracerError, match=r"fnzero.jit\(f\).*after the function returned"):
        use(kept[0])
    np.testing.assert_array_equal(f(np.full(3, 2.0)), 3.0)  # the program itself is fine


def test_the_cache_keeps_the_most_recently_used_signatures():
    calls = []
    jf = fz.jit(lambda x: (calls.append(x.shape), x * 2.0)[1], cache_size=2)
    for n in (1, 2, 1, 3):  # 1 is used again before 3 comes, so 2 is the one evicted
        np.testing.assert_array_equal(jf(np.ones(n)), 2.0)
    assert calls == [(1,), (2,), (3,)] and len(jf._cache) == 2
    jf(np.ones(1))
    assert len(calls) == 3
    jf(np.ones(2))
    assert calls[-1] == (2,) and len(jf._cache) == 2


def test_the_default_cache_is_bounded():
    jf = fz.jit(lambda x: x + 1.0)
    for n in range(1, 71):
        jf(np.ones(n))
    assert jf.trace_count == 70 and len(jf._cache) == CACHE_SIZE == 64


@pytest.mark.parametrize("size", [0, -1, 2.5, True, None])
def test_cache_size_must_be_a_positive_int(size):
    with pytest.raises(ValueError, match=r"cache_size must be a positive int"):
        fz.jit(lambda x: x, cache_size=size)
