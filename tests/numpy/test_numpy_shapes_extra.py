"""The shape composites (atleast_*, the stacks, block, roll, rot90, the splits,
take_along_axis, broadcast_arrays) and the products and combinations of combining.py (kron,
cross, vdot, select, interp, convolve, correlate), with JAX as the oracle: values, grad, jvp,
vmap and jit(grad) in float64 on fixed small shapes; argument names as jax.numpy's."""

import inspect

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
from tests.jax_oracle import check_against_jax, jnp

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
V = RNG.standard_normal(4)
C3 = RNG.standard_normal((2, 3, 4))


def _both(name, *args, **kw):
    return (lambda *a: getattr(fnp, name)(*a, *args, **kw)), (lambda *a: getattr(jnp, name)(*a, *args, **kw))


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


@pytest.mark.parametrize("name", ["vstack", "hstack", "dstack", "column_stack"])
def test_stacks_against_jax(name):
    ours = lambda x, y: getattr(fnp, name)([x, y, x])  # noqa: E731
    theirs = lambda x, y: getattr(jnp, name)([x, y, x])  # noqa: E731
    check_against_jax(ours, theirs, A, B, jit=True)
    check_against_jax(ours, theirs, V, V[::-1].copy())


def test_stack_dtype_and_empty_list():
    assert fnp.vstack([V, V], dtype=np.float32).dtype == np.float32
    assert fnp.hstack([np.arange(2), np.arange(3)]).dtype == jnp.hstack([np.arange(2), np.arange(3)]).dtype
    with pytest.raises(ValueError, match="vstack: need at least one array"):
        fnp.vstack([])


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


@pytest.mark.parametrize(
    "shift, axis", [(1, None), (-5, None), (2, 1), (7, 0), ((1, -2), (0, 1)), ((1, 1), (1, 1)), (0, 0)]
)
def test_roll_against_jax(shift, axis):
    check_against_jax(*_both("roll", shift, axis), A, jit=True)


@pytest.mark.parametrize(
    "k, axes", [(1, (0, 1)), (2, (0, 1)), (3, (1, 0)), (-1, (0, 2)), (4, (1, 2)), (5, (2, 0))]
)
def test_rot90_against_jax(k, axes):
    check_against_jax(*_both("rot90", k, axes), C3)


def test_flips_against_jax():
    check_against_jax(*_both("fliplr"), A, jit=True)
    check_against_jax(*_both("flipud"), V)
    with pytest.raises(ValueError, match="fliplr: needs at least 2 axes"):
        fnp.fliplr(V)
    with pytest.raises(ValueError, match="rot90: axes must differ"):
        fnp.rot90(A, 1, (1, 1))


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


def test_split_errors_and_1d_hsplit():
    check_against_jax(*_both("hsplit", 2), V)
    check_against_jax(*_both("dsplit", [1, 3]), C3, jit=True)
    with pytest.raises(ValueError, match="dsplit: needs at least 3 axes"):
        fnp.dsplit(A, 2)
    with pytest.raises(ValueError, match="vsplit: needs at least 2 axes"):
        fnp.vsplit(V, 2)
    with pytest.raises(ValueError, match="array_split: indices_or_sections must be positive"):
        fnp.array_split(A, 0)


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


def test_broadcast_arrays_against_jax():
    check_against_jax(
        lambda x, y: fnp.broadcast_arrays(x, y, 1.0),
        lambda x, y: jnp.broadcast_arrays(x, y, 1.0),
        A[:, :1].copy(),
        V,
        jit=True,
    )


def test_kron_vdot_against_jax():
    check_against_jax(fnp.kron, jnp.kron, A[:2, :3].copy(), B[:3, :2].copy(), order=2, jit=True)
    check_against_jax(fnp.kron, jnp.kron, V, A[:2].copy())
    check_against_jax(fnp.vdot, jnp.vdot, A, B, order=2, jit=True)
    with pytest.raises(ValueError, match="vdot: a and b need the same size"):
        fnp.vdot(A, V)


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


def test_interp_errors():
    with pytest.raises(ValueError, match="interp: xp and fp must be 1-D of one length"):
        fnp.interp(XS, XP, FP[:2])
    with pytest.raises(ValueError, match="interp: left and right cannot be given with period"):
        fnp.interp(XS, XP, FP, left=0.0, period=1.0)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_correlate_against_jax(name, mode):
    a, v = RNG.standard_normal(6), RNG.standard_normal(3)
    ours, theirs = _both(name, mode=mode)
    check_against_jax(ours, theirs, a, v, order=2, jit=True)
    check_against_jax(ours, theirs, v, a)  # the shorter one first
    with pytest.raises(ValueError, match=f"{name}: mode must be one of"):
        getattr(fnp, name)(a, v, mode="circular")


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


@pytest.mark.parametrize("name", NAMES + ["convolve", "correlate"])
def test_parameter_names_match_jax(name):
    theirs = [(p.name, p.kind) for p in inspect.signature(getattr(jnp, name)).parameters.values()]
    ours = [(p.name, p.kind) for p in inspect.signature(getattr(fnp, name)).parameters.values()]
    assert ours == theirs
    assert name in fnp.__all__
