"""fnzero.jit's passes: programs with every pass give the values of eager fnzero and of
programs with none; constant folding evaluates what the trace already knows; buffer reuse
never overwrites an argument (unless donated) or a value read later."""

from __future__ import annotations

import collections
import contextlib
import importlib
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.numpy as fnp
from fnzero import nn
from fnzero.transforms import jit_fusion as jit_passes_fusion
from fnzero.transforms import jit_passes

jit_module = importlib.import_module("fnzero.transforms.jit")  # the module, not the function

# One step of a random program: an operation and the indices of its operands among the
# values so far (the inputs first); the views make buffers shared between values.
OPS = {
    "sin": (1, fnp.sin),
    "tanh": (1, fnp.tanh),
    "negative": (1, lambda a: -a),
    "square": (1, fnp.square),
    "exp": (1, lambda a: fnp.exp(fnp.tanh(a))),
    "add": (2, lambda a, b: a + b),
    "subtract": (2, lambda a, b: a - b),
    "multiply": (2, lambda a, b: a * b),
    "maximum": (2, fnp.maximum),
    "scale": (1, lambda a: 0.5 * a),
    "transpose_twice": (1, lambda a: fnp.transpose(fnp.transpose(a))),
    "reshape_back": (1, lambda a: fnp.reshape(fnp.reshape(a, (-1,)), a.shape)),
    "same_object": (1, fz.stop_gradient),
    "broadcast_row": (1, lambda a: fnp.broadcast_to(a[:1], a.shape)),
    "column_sum": (1, lambda a: a + fnp.sum(a, axis=0)),
    "matmul": (2, lambda a, b: a @ fnp.transpose(b) @ b * 0.1),
}


@st.composite
def programs(draw, n_inputs: int = 3):
    steps = []
    for n in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(sorted(OPS)))
        arity = OPS[name][0]
        steps.append((name, [draw(st.integers(0, n_inputs + n - 1)) for _ in range(arity)]))
    n_values = n_inputs + len(steps)
    outputs = draw(st.lists(st.integers(0, n_values - 1), min_size=1, max_size=4))
    return steps, outputs


def _run(program, *inputs):
    steps, outputs = program
    values = list(inputs)
    for name, operands in steps:
        values.append(OPS[name][1](*(values[k] for k in operands)))
    return [values[k] for k in outputs]


def _inputs(seed: int, shape=(3, 3)):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, shape) for _ in range(3)]


def _check_equal(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@given(program=programs(), seed=st.integers(0, 2**16))
def test_random_elementwise_programs_keep_their_inputs_and_values(program, seed):
    """Replays (twice: the first call only traces) equal eager fnzero bit for bit, and the
    arguments are unchanged, whatever buffers the program shares or fans out."""
    inputs = _inputs(seed)
    copies = [x.copy() for x in inputs]
    want = _run(program, *copies)
    f = fz.jit(lambda *xs: _run(program, *xs))
    for _ in range(3):
        _check_equal(f(*inputs), want)
        _check_equal(inputs, copies)


@given(program=programs(), seed=st.integers(0, 2**16), donate=st.sets(st.integers(0, 2)))
def test_donated_inputs_give_the_same_values_and_spare_the_others(program, seed, donate):
    inputs = _inputs(seed)
    want = _run(program, *[x.copy() for x in inputs])
    f = fz.jit(lambda *xs: _run(program, *xs), donate_argnums=tuple(donate))
    f(*[x.copy() for x in inputs])  # traces
    kept = [x.copy() for x in inputs]
    _check_equal(f(*inputs), want)
    for k in set(range(3)) - donate:
        np.testing.assert_array_equal(inputs[k], kept[k])


def test_a_donated_input_is_written_over_and_still_gives_the_right_value():
    f = fz.jit(lambda p, g: p - 0.1 * g, donate_argnums=0)
    p, g = np.ones((4, 5)), np.full((4, 5), 2.0)
    f(p.copy(), g)
    out = f(p, g)
    np.testing.assert_array_equal(out, np.full((4, 5), 0.8))
    assert np.shares_memory(out, p)  # the buffer was reused: p is gone, as in JAX
    np.testing.assert_array_equal(g, 2.0)


def test_a_donated_array_that_is_also_another_argument_or_read_only_is_copied_first():
    f = fz.jit(lambda p, g: fnp.exp(p) * g, donate_argnums=0)
    p = np.linspace(-1, 1, 6)
    want = np.exp(p) * p
    f(p.copy(), p.copy())
    np.testing.assert_array_equal(f(p, p), want)  # the same array, donated and not
    np.testing.assert_array_equal(p, np.linspace(-1, 1, 6))
    readonly = np.broadcast_to(np.linspace(-1, 1, 6), (6,))
    np.testing.assert_array_equal(f(readonly, p), want)
    np.testing.assert_array_equal(p, np.linspace(-1, 1, 6))
    np.testing.assert_array_equal(f(p[::-1], p[::-1]), want[::-1])  # a view, twice


def _newton_step(x):
    df = fz.grad(lambda x: fnp.sum(x**4 - 2 * x**2))
    d2f = fz.grad(lambda x: fnp.sum(df(x)))
    return x - df(x) / d2f(x)


def test_constant_folding_evaluates_powers_of_zero_and_what_follows_them_once():
    """grad of grad of x**4 - 2x**2 makes x**0 (a constant) times a number: folded away."""
    f = fz.jit(_newton_step)
    x = np.array([1.5, -0.7, 3.0])
    program = f.lower(x)
    assert not [eq for eq in program.equations if eq.primitive == "power" and "0" in eq.inputs]
    np.testing.assert_array_equal(f(x), _newton_step(x))
    np.testing.assert_array_equal(f(x * 2), _newton_step(x * 2))


def test_folded_outputs_are_new_arrays_on_every_call():
    f = fz.jit(lambda x: (fnp.sin(x), x**0 * 3.0))
    x = np.arange(3.0)
    f(x)
    _, ones = f(x)
    np.testing.assert_array_equal(ones, [3.0, 3.0, 3.0])
    assert not [eq for eq in f.lower(x).equations if eq.primitive in ("power", "multiply")]
    ones[:] = 7.0
    np.testing.assert_array_equal(f(x)[1], [3.0, 3.0, 3.0])


def test_fold_constants_evaluates_equations_whose_inputs_all_became_constants():
    trace = jit_module.JitTrace("f")
    x = trace.new_var(np.arange(3.0), "x")
    y = (x**0 + 1.0) * 2.0
    z = y * x
    equations, outputs, constants = jit_passes.fold_constants(trace.equations, [y._var, z._var], trace.known)
    assert [eq.primitive for eq in equations] == ["multiply"]
    np.testing.assert_array_equal(constants[0], [4.0, 4.0, 4.0])
    assert outputs[1] is z._var and isinstance(outputs[0], str)


def _mlp_step(params, x, t):
    def loss(params):
        h = nn.relu(x @ params[0] + params[1])
        return nn.softmax_cross_entropy(h @ params[2] + params[3], t)

    value, grads = fz.value_and_grad(loss)(params)
    return value, [p - 0.1 * g for p, g in zip(params, grads)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_passes_on_and_off_give_equal_training_steps(dtype, monkeypatch):
    rng = np.random.default_rng(0)
    shapes = [(6, 8), (8,), (8, 3), (3,)]
    params = [rng.normal(size=s).astype(dtype) for s in shapes]
    x, t = rng.normal(size=(5, 6)).astype(dtype), np.eye(3, dtype=dtype)[[0, 2, 1, 1, 0]]
    results = {}
    for passes in [jit_passes.ALL, frozenset()]:
        monkeypatch.setattr(jit_module, "PASSES", passes)
        for donate in [(), (0,)]:
            f = fz.jit(_mlp_step, donate_argnums=donate)
            p = params
            for _ in range(3):
                loss, p = f([a.copy() for a in p], x, t)
            results[passes, donate] = [loss, *p]
    want = results[frozenset(), ()]
    for got in results.values():
        _check_equal(got, want)
    monkeypatch.setattr(jit_module, "PASSES", jit_passes.ALL)
    f = fz.jit(_mlp_step, donate_argnums=0)
    assert jit_passes.plan_buffer_reuse(f.lower(params, x, t).equations, f.lower(params, x, t).outputs)


def test_buffer_reuse_writes_only_into_dead_whole_buffers():
    trace = jit_module.JitTrace("f")
    x = trace.new_var(np.ones((2, 3)), "x")
    a = fnp.exp(x)  # 0: not into x, an argument
    b = fnp.transpose(a)  # 1: a view of a
    c = fnp.sin(a)  # 2: not into a, read through b below
    d = c * fnp.transpose(b)  # 3: into c (dead after), not into transpose(b) (a view)
    e = fnp.tanh(d)  # 4: into d
    plan = jit_passes.plan_buffer_reuse(trace.equations, [e._var, a._var])
    assert plan == {4: 0, 5: 0}
    plan = jit_passes.plan_buffer_reuse(trace.equations, [e._var], donated=[x._var])
    assert plan[0] == 0 and 2 not in plan


def test_the_cache_key_tells_structures_apart_and_reuses_equal_ones():
    """The signature walks the arguments without building their PyTreeDef: each different
    structure (container types, nesting, dict keys, static data, leaf values) traces once."""
    Pair = collections.namedtuple("Pair", "a b")
    a, b = np.ones(2), np.zeros(2)
    calls = [
        [a, b],
        (a, b),
        Pair(a, b),
        [[a], b],
        [[a, b]],
        {"a": a, "b": b},
        {"a": a, "c": b},
        [a, None, b],
        [a, b, 1],
        [a, b, 2],
        [a, b, 2.0],
        [a, np.zeros(3)],
        [a, np.zeros(2, np.float32)],
    ]
    f = fz.jit(lambda t: sum(fnp.sum(x) for x in fz.tree.leaves(t) if hasattr(x, "shape")))
    for n, arg in enumerate(calls, start=1):
        f(arg)
        assert f.trace_count == n
    for arg in calls:
        assert f(fz.tree.map(lambda x: x, arg)) == 2.0  # a new container, the same key
    assert f.trace_count == len(calls)


class _NumpyElementwiseKernel:
    """cupy.ElementwiseKernel's interface, running the generated CUDA C body as NumPy code:
    lets the CPU check what the fusion pass groups and generates (not the CUDA compiler)."""

    _FUNCTIONS = {"atan": "arctan", "asin": "arcsin", "acos": "arccos", "asinh": "arcsinh"}
    made: list[str] = []  # the bodies of the kernels made

    def __init__(self, in_params: str, out_params: str, operation: str, name: str):
        assert out_params == "T out" and name.isidentifier()
        self.made.append(operation)
        self.names = [p.split()[1] for p in in_params.split(", ")]
        code = re.sub(r"\bT (t\d+ =)", r"\1", operation).replace("(T)", "T").replace(";", "")
        self.code = compile(code, name, "exec")

    def __call__(self, *xs):
        dtypes = {x.dtype for x in xs}
        assert len(dtypes) == 1 and all(x.shape == xs[0].shape for x in xs)
        env = {name: getattr(np, self._FUNCTIONS.get(name, name)) for name in self._NUMPY_NAMES}
        env.update(zip(self.names, xs), T=dtypes.pop().type)
        exec(self.code, env)
        return env["out"]

    _NUMPY_NAMES = "exp log log1p expm1 sqrt sin cos tan tanh sinh cosh atan asin acos asinh".split()


@contextlib.contextmanager
def _fusing():
    """NumPy programs fused as CuPy's are, through :class:`_NumpyElementwiseKernel`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(np, "ElementwiseKernel", _NumpyElementwiseKernel, raising=False)
        yield


@given(program=programs(), seed=st.integers(0, 2**16))
def test_fused_random_programs_equal_eager_and_keep_their_inputs(program, seed):
    inputs = _inputs(seed, (3, 4))
    copies = [x.copy() for x in inputs]
    want = _run(program, *copies)
    with _fusing():
        f = fz.jit(lambda *xs: _run(program, *xs))
        for _ in range(2):
            _check_equal(f(*inputs), want)
            _check_equal(inputs, copies)


def test_fusion_groups_trees_whose_intermediates_are_read_once():
    trace = jit_module.JitTrace("f")
    x, y = trace.new_var(np.ones((2, 3)), "x"), trace.new_var(np.ones((2, 3)), "y")
    a = fnp.exp(x * 0.5)  # 0, 1
    b = fnp.sum(a)  # 2: a is read twice (here and in 3): not fused into 3
    c = fnp.tanh(a + y) - fnp.arctan(y)  # 3, 4, 5, 6: one tree
    d = c * fnp.astype(x, np.float32)  # 7: astype, 8: a float32 operand, not fused
    groups = jit_passes_fusion.plan_fusion(trace.equations, [b._var, d._var])
    assert groups == {1: [0, 1], 6: [3, 4, 5, 6]}
    external, body = jit_passes_fusion.kernel_source(trace.equations, groups[6])
    assert external == [a._var, y._var]
    assert body.splitlines() == [
        "T t3 = x0 + x1;",
        "T t4 = tanh(t3);",
        "T t5 = atan(x1);",
        "T t6 = t4 - t5;",
        "out = t6;",
    ]
    assert "(T)(0.5)" in jit_passes_fusion.kernel_source(trace.equations, groups[1])[1]
    with _fusing():
        f = fz.jit(lambda x, y: fnp.tanh(fnp.exp(x * 0.5) + y) - fnp.arctan(y))
        x = np.linspace(-1, 1, 6).reshape(2, 3)
        _NumpyElementwiseKernel.made.clear()
        np.testing.assert_array_equal(f(x, x * 2), np.tanh(np.exp(x * 0.5) + x * 2) - np.arctan(x * 2))
        np.testing.assert_array_equal(f(x, x * 2), np.tanh(np.exp(x * 0.5) + x * 2) - np.arctan(x * 2))
        assert len(_NumpyElementwiseKernel.made) == 1  # the six equations, one kernel, made once
        assert _NumpyElementwiseKernel.made[0].count(";") == 7


def test_a_fused_kernel_reads_its_inputs_before_anything_overwrites_them():
    """exp(x) is read by the fused ``tanh(e * 2)`` and by maximum (not fusible, in place):
    the kernel runs where tanh was, after maximum, so maximum may not write into exp(x)."""

    def f(x, y):
        e = fnp.exp(x)
        t = e * 2.0
        m = fnp.maximum(e, y)
        return fnp.tanh(t), m

    x, y = np.linspace(-1, 1, 6), np.ones(6)  # maximum changes half of exp(x)
    with _fusing():
        jf = fz.jit(f)
        jf(x, y)
        _check_equal(jf(x, y), f(x, y))


def test_a_replay_frees_each_intermediate_after_its_last_use(monkeypatch):
    """Fifty elementwise steps on a 1 MB array: without freeing, every intermediate would live
    until the replay returns (50 MB); eager mode, and the replay, hold a few at a time."""
    import tracemalloc

    monkeypatch.setattr(jit_module, "PASSES", frozenset())  # no buffer reuse to hide it

    def chain(x):
        for k in range(50):
            x = fnp.sin(x) * 1.001 + k
        return x

    x = np.linspace(0.0, 1.0, 1 << 17)  # 1 MiB of float64
    f = fz.jit(chain)
    want = chain(x)
    f(x)
    tracemalloc.start()
    got = f(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_array_equal(got, want)
    assert peak < 8 * x.nbytes, f"replay peak {peak / x.nbytes:.1f} arrays of the input's size"
