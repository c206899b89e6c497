"""Shape operations.

Against NumPy on each backend: values equal NumPy's for drawn shapes and arguments; the vjps
(linear maps, so order 2 checks that they can be differentiated again) match finite
differences.

Against JAX (the oracle): the shape composites (atleast_*, the stacks, block, roll, rot90,
the splits, take_along_axis, broadcast_arrays) and the products and combinations of
combining.py (kron, cross, vdot, select, interp, convolve, correlate): values, grad, jvp,
vmap and jit(grad) in float64 on fixed small shapes; argument names as jax.numpy's. These
skip where JAX is missing."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    FLOAT_DTYPES,
    arrays,
    assert_matches,
    axes,
    check_float32_and_grads,
    host,
    on,
    shapes,
    with_backend,
)

import fnzero as fz
import fnzero.numpy as fnp
from tests.optional_jax import check_against_jax, jnp, needs_jax


def _reshape(data, shape):
    size = int(np.prod(shape))
    targets = [(-1,), (size,), shape[::-1], (1, size, 1), (-1, 1)] + ([()] if size == 1 else [])
    if len(shape) >= 2:
        targets += [(shape[0], -1), (-1, shape[-1])]
    new = data.draw(st.sampled_from(targets), label="new shape")
    return (lambda x: fnp.reshape(x, new)), (lambda x: np.reshape(x, new))


def _transpose(data, shape):
    n = len(shape)
    perm = data.draw(st.one_of(st.none(), st.permutations(range(n))), label="axes")
    if perm is not None:
        perm = tuple(data.draw(st.sampled_from([a, a - n])) for a in perm)
    return (lambda x: fnp.transpose(x, perm)), (lambda x: np.transpose(x, perm))


def _swapaxes(data, shape):
    a, b = (data.draw(st.integers(-len(shape), len(shape) - 1)) for _ in range(2))
    return (lambda x: fnp.swapaxes(x, a, b)), (lambda x: np.swapaxes(x, a, b))


def _moveaxis(data, shape):
    n = len(shape)
    k = data.draw(st.integers(1, n), label="how many")
    src = data.draw(st.permutations(range(n)))[:k]
    dst = data.draw(st.permutations(range(n)))[:k]
    src = [data.draw(st.sampled_from([a, a - n])) for a in src]
    if k == 1 and data.draw(st.booleans()):
        src, dst = src[0], dst[0]
    return (lambda x: fnp.moveaxis(x, src, dst)), (lambda x: np.moveaxis(x, src, dst))


def _expand_dims(data, shape):
    n = len(shape) + 1
    axis = data.draw(st.one_of(st.integers(-n, n - 1), st.tuples(st.integers(-n, n - 1))), label="axis")
    if isinstance(axis, tuple) and data.draw(st.booleans()):
        axis = (axis[0] % n, n)  # two new axes, the second one last
    return (lambda x: fnp.expand_dims(x, axis)), (lambda x: np.expand_dims(x, axis))


def _squeeze(data, shape):
    ones = [i for i, d in enumerate(shape) if d == 1]
    axis = data.draw(
        st.one_of(st.none(), st.lists(st.sampled_from(ones), unique=True).map(tuple)) if ones else st.none()
    )
    return (lambda x: fnp.squeeze(x, axis)), (lambda x: np.squeeze(x, axis))


def _broadcast_to(data, shape):
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2), label="leading dims")
    target = tuple(lead) + tuple(data.draw(st.integers(1, 3)) if d == 1 else d for d in shape)
    return (lambda x: fnp.broadcast_to(x, target)), (lambda x: np.broadcast_to(x, target))


def _flip(data, shape):
    axis = data.draw(axes(len(shape)), label="axis")
    return (lambda x: fnp.flip(x, axis)), (lambda x: np.flip(x, axis))


def _tile(data, shape):
    reps = data.draw(
        st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), max_size=4).map(tuple)), label="reps"
    )
    return (lambda x: fnp.tile(x, reps)), (lambda x: np.tile(x, reps))


def _repeat(data, shape):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)) if shape else st.none())
    n = int(np.prod(shape)) if axis is None else shape[axis]
    repeats = data.draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    return (lambda x: fnp.repeat(x, repeats, axis)), (lambda x: np.repeat(x, repeats, axis))


def _pad(data, shape):
    n = len(shape)
    width = data.draw(
        st.one_of(
            st.integers(0, 2),
            st.tuples(st.integers(0, 2), st.integers(0, 2)),
            *([st.tuples(*(st.tuples(st.integers(0, 2), st.integers(0, 2)) for _ in range(n)))] if n else []),
        ),
        label="pad_width",
    )
    value = data.draw(st.sampled_from([0.0, 1.5]), label="constant_values")
    return (
        (lambda x: fnp.pad(x, width, constant_values=value)),
        (lambda x: np.pad(x, width, constant_values=value)),
    )


def _ravel(data, shape):
    return fnp.ravel, np.ravel


def _flatten(data, shape):
    return fnp.flatten, np.ravel


UNARY_SHAPE_OPS = {
    "reshape": (_reshape, 0),
    "transpose": (_transpose, 0),
    "swapaxes": (_swapaxes, 1),
    "moveaxis": (_moveaxis, 1),
    "expand_dims": (_expand_dims, 0),
    "squeeze": (_squeeze, 0),
    "broadcast_to": (_broadcast_to, 0),
    "flip": (_flip, 0),
    "tile": (_tile, 0),
    "repeat": (_repeat, 0),
    "pad": (_pad, 0),
    "ravel": (_ravel, 0),
    "flatten": (_flatten, 0),
}


@pytest.mark.parametrize("name", sorted(UNARY_SHAPE_OPS))
@with_backend
@given(data=st.data())
def test_shape_op(backend, name, data):
    case, min_dims = UNARY_SHAPE_OPS[name]
    shape = data.draw(shapes(min_dims=min_dims, max_side=3), label="shape")
    x = data.draw(arrays(shape), label="x")
    f, reference = case(data, shape)
    for dtype in FLOAT_DTYPES:
        assert_matches(backend, f(on(backend, x.astype(dtype))), reference(x.astype(dtype)))
    check_float32_and_grads(f, [on(backend, x)], order=2)


@with_backend
@given(data=st.data())
def test_sum_to_undoes_broadcast_to(backend, data):
    shape = data.draw(shapes(max_side=3), label="shape")
    _, broadcast = _broadcast_to(data, shape)
    target = broadcast(np.zeros(shape)).shape
    x = data.draw(arrays(target), label="x")
    lead = len(target) - len(shape)
    expected = x.sum(axis=tuple(range(lead))).sum(
        axis=tuple(i for i, d in enumerate(shape) if d == 1), keepdims=True
    )
    expected = expected.reshape(shape)
    assert_matches(backend, fnp.sum_to(on(backend, x), shape), expected)
    check_float32_and_grads(lambda v: fnp.sum_to(v, shape), [on(backend, x)], order=2)


@pytest.mark.parametrize("name", ["concatenate", "stack"])
@with_backend
@given(data=st.data(), count=st.integers(1, 3))
def test_concatenate_and_stack(backend, name, data, count):
    shape = data.draw(shapes(min_dims=1, max_side=3), label="shape")
    n = len(shape) + (name == "stack")
    axis = data.draw(st.integers(-n, n - 1), label="axis")
    pieces = []
    for _ in range(count):
        piece = list(shape)
        if name == "concatenate":
            piece[axis] = data.draw(st.integers(1, 3))
        pieces.append(data.draw(arrays(tuple(piece))))
    f = getattr(fnp, name)
    dtypes = data.draw(st.lists(st.sampled_from(FLOAT_DTYPES), min_size=count, max_size=count))
    mixed = [p.astype(d) for p, d in zip(pieces, dtypes)]
    assert_matches(
        backend, f([on(backend, p) for p in mixed], axis=axis), getattr(np, name)(mixed, axis=axis)
    )
    check_float32_and_grads(lambda *ps: f(ps, axis=axis), [on(backend, p) for p in pieces], order=2)
    # Mixed dtypes: each piece's gradient in its own dtype.
    grads = fz.grad(lambda *ps: fnp.sum(f(ps, axis=axis)), argnums=tuple(range(count)))(
        *(on(backend, p) for p in mixed)
    )
    assert [g.dtype for g in grads] == [np.dtype(d) for d in dtypes]


def test_concatenate_with_a_constant(backend):
    c = backend.xp.asarray([[9.0, 9.0]])
    g = fz.grad(lambda x: fnp.sum(fnp.concatenate([x, c, x * 2.0]) * backend.xp.arange(6.0).reshape(3, 2)))(
        backend.xp.ones((1, 2))
    )
    np.testing.assert_array_equal(host(backend, g), [[0 + 8, 1 + 10]])


@with_backend
@given(data=st.data())
def test_split(backend, data):
    shape = data.draw(shapes(min_dims=1, max_side=4), label="shape")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    n = shape[axis]
    sections = data.draw(
        st.one_of(
            st.sampled_from([k for k in range(1, n + 1) if n % k == 0]),
            st.lists(st.integers(0, n), max_size=3).map(sorted),
        ),
        label="indices_or_sections",
    )
    x = data.draw(arrays(shape), label="x")
    pieces = fnp.split(on(backend, x), sections, axis)
    expected = np.split(x, sections, axis)
    assert len(pieces) == len(expected)
    for got, want in zip(pieces, expected):
        assert_matches(backend, got, want)
    weights = [np.arange(p.size, dtype=float).reshape(p.shape) + k for k, p in enumerate(expected)]
    check_float32_and_grads(
        lambda v: fnp.stack(
            [fnp.sum(p * on(backend, w)) for p, w in zip(fnp.split(v, sections, axis), weights)]
        ),
        [on(backend, x)],
        order=2,
    )


def test_split_into_unequal_sections_is_an_error():
    with pytest.raises(ValueError, match="3 equal parts"):
        fnp.split(np.ones(4), 3)


def test_pad_is_differentiable_in_the_constant(backend):
    x = backend.xp.asarray([[1.0, 2.0], [3.0, 4.0]])
    out = fnp.pad(x, ((1, 0), (0, 2)), constant_values=backend.xp.asarray(0.5))
    np.testing.assert_array_equal(
        host(backend, out), np.pad([[1.0, 2.0], [3.0, 4.0]], ((1, 0), (0, 2)), constant_values=0.5)
    )
    check_float32_and_grads(
        lambda v, c: fnp.pad(v, ((1, 0), (0, 2)), constant_values=c), [x, backend.xp.asarray(0.5)]
    )
    # Each padded entry contributes its weight to the constant's gradient.
    w = backend.xp.arange(12.0).reshape(3, 4)
    gc = fz.grad(lambda c: fnp.sum(fnp.pad(x, ((1, 0), (0, 2)), constant_values=c) * w))(
        backend.xp.asarray(0.5)
    )
    assert float(gc) == 0 + 1 + 2 + 3 + 6 + 7 + 10 + 11


def test_pad_rejects_other_modes_and_negative_widths():
    with pytest.raises(NotImplementedError, match="reflect"):
        fnp.pad(np.ones(3), 1, mode="reflect")
    with pytest.raises(ValueError, match="negative"):
        fnp.pad(np.ones(3), -1)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: fnp.reshape(np.ones(6), (4, 2)), r"\(6,\) into \(4, 2\)"),
        (lambda: fnp.squeeze(np.ones((2, 1)), 0), "axis 0"),
        (lambda: fnp.sum_to(np.ones((2, 3)), (4,)), r"\(2, 3\).*\(4,\)"),
        (lambda: fnp.broadcast_to(np.ones(3), (4,)), r"\(3,\).*\(4,\)"),
        (lambda: fnp.stack([np.ones(2), np.ones(3)]), r"\(2,\).*\(3,\)"),
        (lambda: fnp.concatenate([np.ones((2, 2)), np.ones(2)]), "different ranks"),
        (lambda: fnp.transpose(np.ones((2, 3)), (0, 0)), "permutation"),
    ],
)
def test_bad_shape_arguments_name_the_problem(call, words):
    with pytest.raises(ValueError, match=words):
        call()


RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
V = RNG.standard_normal(4)
C3 = RNG.standard_normal((2, 3, 4))


def _both(name, *args, **kw):
    return (lambda *a: getattr(fnp, name)(*a, *args, **kw)), (lambda *a: getattr(jnp, name)(*a, *args, **kw))


@needs_jax
@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast_nd_shapes_and_lists(name):
    for x in (np.float64(2.0), V, A, C3):
        assert getattr(fnp, name)(x).shape == getattr(jnp, name)(x).shape
    ours = getattr(fnp, name)(np.float64(1.0), V, A)
    theirs = getattr(jnp, name)(np.float64(1.0), V, A)
    assert [o.shape for o in ours] == [t.shape for t in theirs]
    check_against_jax(
        lambda x, y: getattr(fnp, name)(x, y), lambda x, y: getattr(jnp, name)(x, y), V, A, jit=True
    )


@needs_jax
@pytest.mark.parametrize("name", ["vstack", "hstack", "dstack", "column_stack"])
def test_stacks_against_jax(name):
    ours = lambda x, y: getattr(fnp, name)([x, y, x])  # noqa: E731
    theirs = lambda x, y: getattr(jnp, name)([x, y, x])  # noqa: E731
    check_against_jax(ours, theirs, A, B, jit=True)
    check_against_jax(ours, theirs, V, V[::-1].copy())


@needs_jax
def test_stack_dtype_and_empty_list():
    assert fnp.vstack([V, V], dtype=np.float32).dtype == np.float32
    assert fnp.hstack([np.arange(2), np.arange(3)]).dtype == jnp.hstack([np.arange(2), np.arange(3)]).dtype
    with pytest.raises(ValueError, match="vstack: need at least one array"):
        fnp.vstack([])


@needs_jax
def test_block_against_jax():
    check_against_jax(
        lambda x, y: fnp.block([[x, y], [y, x]]), lambda x, y: jnp.block([[x, y], [y, x]]), A, B, jit=True
    )
    check_against_jax(lambda x: fnp.block([x, 2.0, x]), lambda x: jnp.block([x, 2.0, x]), V)
    check_against_jax(lambda x: fnp.block([[x], [x]]), lambda x: jnp.block([[x], [x]]), V)
    with pytest.raises(ValueError, match="block: lists are nested to different depths"):
        fnp.block([[A], A])
    with pytest.raises(TypeError, match="block: arrays must be nested lists"):
        fnp.block((A, A))


@needs_jax
@pytest.mark.parametrize(
    "shift, axis", [(1, None), (-5, None), (2, 1), (7, 0), ((1, -2), (0, 1)), ((1, 1), (1, 1)), (0, 0)]
)
def test_roll_against_jax(shift, axis):
    check_against_jax(*_both("roll", shift, axis), A, jit=True)


@needs_jax
@pytest.mark.parametrize(
    "k, axes", [(1, (0, 1)), (2, (0, 1)), (3, (1, 0)), (-1, (0, 2)), (4, (1, 2)), (5, (2, 0))]
)
def test_rot90_against_jax(k, axes):
    check_against_jax(*_both("rot90", k, axes), C3)


@needs_jax
def test_flips_against_jax():
    check_against_jax(*_both("fliplr"), A, jit=True)
    check_against_jax(*_both("flipud"), V)
    with pytest.raises(ValueError, match="fliplr: needs at least 2 axes"):
        fnp.fliplr(V)
    with pytest.raises(ValueError, match="rot90: axes must differ"):
        fnp.rot90(A, 1, (1, 1))


@needs_jax
@pytest.mark.parametrize(
    "name, arg, kw",
    [
        ("array_split", 3, {"axis": 1}),
        ("array_split", [1, 3], {}),
        ("array_split", 5, {"axis": 1}),
        ("hsplit", 2, {}),
        ("hsplit", [1], {}),
        ("vsplit", 3, {}),
    ],
)
def test_splits_against_jax(name, arg, kw):
    check_against_jax(*_both(name, arg, **kw), A, jit=True)


@needs_jax
def test_split_errors_and_1d_hsplit():
    check_against_jax(*_both("hsplit", 2), V)
    check_against_jax(*_both("dsplit", [1, 3]), C3, jit=True)
    with pytest.raises(ValueError, match="dsplit: needs at least 3 axes"):
        fnp.dsplit(A, 2)
    with pytest.raises(ValueError, match="vsplit: needs at least 2 axes"):
        fnp.vsplit(V, 2)
    with pytest.raises(ValueError, match="array_split: indices_or_sections must be positive"):
        fnp.array_split(A, 0)


@needs_jax
def test_take_along_axis_against_jax():
    order = np.argsort(A, axis=1)
    check_against_jax(*_both("take_along_axis", order, 1), A, jit=True)
    check_against_jax(*_both("take_along_axis", order[:1], 1), A)  # broadcast rows
    check_against_jax(*_both("take_along_axis", np.array([[2], [0], [1]]), 1), A)
    check_against_jax(*_both("take_along_axis", np.array([3, 0, 0]), None), A)
    # the indices may be traced: vmap of a sort through its own permutation
    got = fz.vmap(lambda x: fnp.take_along_axis(x, fnp.argsort(x, 0), 0))(A)
    np.testing.assert_array_equal(got, np.sort(A, axis=1))
    with pytest.raises(ValueError, match="take_along_axis: indices must have arr's number of axes"):
        fnp.take_along_axis(A, np.array([0, 1]), 1)


@needs_jax
def test_broadcast_arrays_against_jax():
    check_against_jax(
        lambda x, y: fnp.broadcast_arrays(x, y, 1.0),
        lambda x, y: jnp.broadcast_arrays(x, y, 1.0),
        A[:, :1].copy(),
        V,
        jit=True,
    )


@needs_jax
def test_kron_vdot_against_jax():
    check_against_jax(fnp.kron, jnp.kron, A[:2, :3].copy(), B[:3, :2].copy(), order=2, jit=True)
    check_against_jax(fnp.kron, jnp.kron, V, A[:2].copy())
    check_against_jax(fnp.vdot, jnp.vdot, A, B, order=2, jit=True)
    with pytest.raises(ValueError, match="vdot: a and b need the same size"):
        fnp.vdot(A, V)


@needs_jax
@pytest.mark.parametrize(
    "na, nb, kw",
    [
        (3, 3, {}),
        (2, 3, {}),
        (3, 2, {}),
        (2, 2, {}),
        (3, 3, {"axisa": 0, "axisb": 0, "axisc": 0}),
        (3, 3, {"axis": 0}),
    ],
)
def test_cross_against_jax(na, nb, kw):
    if kw.get("axisa") == 0 or kw.get("axis") == 0:
        a, b = RNG.standard_normal((na, 4)), RNG.standard_normal((nb, 4))
    else:
        a, b = RNG.standard_normal((4, na)), RNG.standard_normal((1, nb))
    check_against_jax(
        lambda x, y: fnp.cross(x, y, **kw), lambda x, y: jnp.cross(x, y, **kw), a, b, order=2, jit=True
    )
    with pytest.raises(ValueError, match="cross: the vectors must have 2 or 3 components"):
        fnp.cross(np.ones(4), np.ones(3))


@needs_jax
def test_select_against_jax():
    conds = [A > 0.5, A < -0.5]
    check_against_jax(
        lambda x, y: fnp.select(conds, [x, y], -1.0), lambda x, y: jnp.select(conds, [x, y], -1.0), A, B
    )
    check_against_jax(lambda x: fnp.select([V > 0], [x]), lambda x: jnp.select([V > 0], [x]), A, jit=True)
    with pytest.raises(ValueError, match="select: condlist and choicelist need the same length"):
        fnp.select(conds, [A])
    with pytest.raises(TypeError, match="select: conditions must be boolean"):
        fnp.select([A], [A])


XP = np.array([-1.0, 0.0, 0.5, 2.0])
FP = np.array([1.0, -2.0, 3.0, 0.5])
XS = np.array([-2.0, -1.0, -0.3, 0.2, 0.5, 1.1, 2.0, 3.5])


@needs_jax
@pytest.mark.parametrize("kw", [{}, {"left": -7.0, "right": 9.0}, {"period": 3.0}])
def test_interp_against_jax(kw):
    check_against_jax(
        lambda x, f: fnp.interp(x, XP, f, **kw), lambda x, f: jnp.interp(x, XP, f, **kw), XS, FP, jit=True
    )
    # differentiable in the knots too, at queries strictly inside the segments
    inside = np.array([-0.4, 0.3, 1.2])
    check_against_jax(
        lambda p: fnp.interp(inside, p, FP, **kw), lambda p: jnp.interp(inside, p, FP, **kw), XP
    )


@needs_jax
def test_interp_errors():
    with pytest.raises(ValueError, match="interp: xp and fp must be 1-D of one length"):
        fnp.interp(XS, XP, FP[:2])
    with pytest.raises(ValueError, match="interp: left and right cannot be given with period"):
        fnp.interp(XS, XP, FP, left=0.0, period=1.0)


@needs_jax
@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_correlate_against_jax(name, mode):
    a, v = RNG.standard_normal(6), RNG.standard_normal(3)
    ours, theirs = _both(name, mode=mode)
    check_against_jax(ours, theirs, a, v, order=2, jit=True)
    check_against_jax(ours, theirs, v, a)  # the shorter one first
    with pytest.raises(ValueError, match=f"{name}: mode must be one of"):
        getattr(fnp, name)(a, v, mode="circular")


@needs_jax
def test_float32_kept():
    x = A.astype(np.float32)
    for out in (
        fnp.vstack([x, x]),
        fnp.roll(x, 1),
        fnp.rot90(x),
        fnp.kron(x, x[:1]),
        fnp.cross(x[:, :3], x[:, 1:]),
        fnp.vdot(x, x),
        fnp.interp(x, XP.astype(np.float32), FP.astype(np.float32)),
        fnp.convolve(x[0], x[1, :2]),
    ):
        assert out.dtype == np.float32
    g = fz.grad(lambda y: fnp.sum(fnp.convolve(y[0], y[1]) * fnp.roll(y, 1)[2, 0]))(x)
    assert g.dtype == np.float32 and g.shape == x.shape


NAMES = (
    "atleast_1d atleast_2d atleast_3d vstack hstack dstack column_stack block roll rot90 fliplr flipud "
    "array_split hsplit vsplit dsplit take_along_axis broadcast_arrays kron cross vdot select interp"
).split()


@needs_jax
@pytest.mark.parametrize("name", NAMES + ["convolve", "correlate"])
def test_parameter_names_match_jax(name):
    theirs = [(p.name, p.kind) for p in inspect.signature(getattr(jnp, name)).parameters.values()]
    ours = [(p.name, p.kind) for p in inspect.signature(getattr(fnp, name)).parameters.values()]
    assert ours == theirs
    assert name in fnp.__all__
