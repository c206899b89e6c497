"""Shape operations: values equal NumPy's for drawn shapes and arguments; the vjps (linear
maps, so order 2 checks that they can be differentiated again) match finite differences."""

from __future__ import annotations

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
