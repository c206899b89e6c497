"""The rest of jax.numpy's everyday surface: float parts (frexp, ldexp, modf, divmod, spacing,
nextafter), complex-kind predicates and angle, signed infinities, vector products, cov and
corrcoef, discrete calculus (ediff1d, gradient, trapezoid, unwrap), bit packing, poly and
polydiv, vectorize and apply_along/over_axes, dtype aliases and isdtype. Values, gradients,
forward mode, vmap and jit equal JAX's in float64; argument names are JAX's."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.test_util import check_grads
from tests.jax_oracle import check_against_jax, jnp

EXAMPLES = settings(max_examples=2, deadline=None)


def floats(shape, low=-3.0, high=3.0):
    elements = st.floats(low, high, allow_nan=False, allow_subnormal=False).filter(
        lambda v: v == 0 or abs(v) > 1e-2
    )
    return hnp.arrays(np.float64, shape, elements=elements)


# name -> (fnzero function, JAX function, argument strategies, derivative order)
SMOOTH = {
    # Shifted off 0, where JAX's ldexp has the gradient 2**(e - 1) instead of 2**e.
    "ldexp": (
        lambda x: fnp.ldexp(x + 5.0, np.array([1, -2, 3])),
        lambda x: jnp.ldexp(x + 5.0, jnp.array([1, -2, 3])),
        [(3,)],
        2,
    ),
    "frexp": (lambda x: fnp.frexp(x)[0], lambda x: jnp.frexp(x)[0], [(3,)], 2),
    "modf": (
        lambda x: fnp.modf(x)[0] * 3 + fnp.modf(x)[1],
        lambda x: jnp.modf(x)[0] * 3 + jnp.modf(x)[1],
        [(3,)],
        1,
    ),
    "divmod": (
        lambda x: fnp.divmod(x, 0.7)[1] + fnp.divmod(x, 0.7)[0],
        lambda x: jnp.divmod(x, 0.7)[1] + jnp.divmod(x, 0.7)[0],
        [(3,)],
        1,
    ),
    "vecdot": (lambda a, b: fnp.vecdot(a, b), lambda a, b: jnp.vecdot(a, b), [(2, 3), (3,)], 2),
    "matvec": (fnp.matvec, jnp.matvec, [(2, 3), (3,)], 2),
    "vecmat": (fnp.vecmat, jnp.vecmat, [(3,), (3, 2)], 2),
    "cov": (fnp.cov, jnp.cov, [(2, 5)], 2),
    "cov_cols_y": (
        lambda a, b: fnp.cov(a, b, rowvar=False, ddof=0),
        lambda a, b: jnp.cov(a, b, rowvar=False, ddof=0),
        [(5, 2), (5, 1)],
        2,
    ),
    "cov_weights": (
        lambda a, w: fnp.cov(a, aweights=w * w + 1.0, fweights=np.array([1, 2, 1, 3])),
        lambda a, w: jnp.cov(a, aweights=w * w + 1.0, fweights=jnp.array([1, 2, 1, 3])),
        [(2, 4), (4,)],
        2,
    ),
    "corrcoef": (fnp.corrcoef, jnp.corrcoef, [(3, 6)], 2),
    "ediff1d": (
        lambda a: fnp.ediff1d(a, to_begin=np.array([9.0]), to_end=a[:1]),
        lambda a: jnp.ediff1d(a, to_begin=jnp.array([9.0]), to_end=a[:1]),
        [(2, 3)],
        2,
    ),
    "gradient": (lambda a: fnp.gradient(a, 0.5), lambda a: jnp.gradient(a, 0.5), [(3, 4)], 2),
    "gradient_axis": (lambda a: fnp.gradient(a, axis=1), lambda a: jnp.gradient(a, axis=1), [(2, 4)], 2),
    "trapezoid": (
        lambda y: fnp.trapezoid(y, dx=0.3, axis=0),
        lambda y: jnp.trapezoid(y, dx=0.3, axis=0),
        [(4, 2)],
        2,
    ),
    "trapezoid_x": (fnp.trapezoid, jnp.trapezoid, [(2, 4), (4,)], 2),
    "unwrap": (lambda p: fnp.unwrap(p * 3), lambda p: jnp.unwrap(p * 3), [(2, 5)], 2),
    "poly": (fnp.poly, jnp.poly, [(3,)], 2),
    "polydiv": (
        lambda u, v: fnp.polydiv(u, v + np.array([4.0, 0.0])),
        lambda u, v: jnp.polydiv(u, v + jnp.array([4.0, 0.0])),
        [(4,), (2,)],
        2,
    ),
    "polyfit": (
        lambda x, y: fnp.polyfit(np.linspace(-1, 1, 6) + 0.1 * x, y, 2),
        lambda x, y: jnp.polyfit(jnp.linspace(-1, 1, 6) + 0.1 * x, y, 2),
        [(6,), (6,)],
        2,
    ),
    "polyfit_weighted_columns": (
        lambda y, w: fnp.polyfit(np.linspace(0, 2, 5), y, 1, w=w * w + 1.0),
        lambda y, w: jnp.polyfit(jnp.linspace(0, 2, 5), y, 1, w=w * w + 1.0),
        [(5, 2), (5,)],
        2,
    ),
    "vectorize": (
        fnp.vectorize(lambda a, b: fnp.sin(a) * b),
        jnp.vectorize(lambda a, b: jnp.sin(a) * b),
        [(2, 3), (3,)],
        2,
    ),
    "vectorize_signature": (
        fnp.vectorize(lambda a, b: fnp.sum(a * b) ** 2, signature="(n),(n)->()"),
        jnp.vectorize(lambda a, b: jnp.sum(a * b) ** 2, signature="(n),(n)->()"),
        [(2, 3), (3,)],
        2,
    ),
    "apply_along_axis": (
        lambda a: fnp.apply_along_axis(lambda r: fnp.stack([fnp.sum(r**2), r[0]]), 1, a),
        lambda a: jnp.apply_along_axis(lambda r: jnp.stack([jnp.sum(r**2), r[0]]), 1, a),
        [(2, 3)],
        2,
    ),
    "apply_over_axes": (
        lambda a: fnp.apply_over_axes(fnp.sum, a * a, [0, 2]),
        lambda a: jnp.apply_over_axes(jnp.sum, a * a, [0, 2]),
        [(2, 3, 2)],
        2,
    ),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@EXAMPLES
@given(data=st.data())
def test_agrees_with_jax(name, data):
    ours, theirs, shapes, order = SMOOTH[name]
    args = [data.draw(floats(s), label=f"x{k}") for k, s in enumerate(shapes)]
    check_against_jax(ours, theirs, *args, order=order, jit=True)


@given(floats((5,), -1e3, 1e3))
@settings(max_examples=20, deadline=None)
def test_the_values_only_functions_equal_numpy(x):
    np.testing.assert_array_equal(fnp.spacing(x), np.spacing(x))
    np.testing.assert_array_equal(fnp.nextafter(x, 0.0), np.nextafter(x, 0.0))
    np.testing.assert_array_equal(fnp.around(x, 1), np.around(x, 1))
    mantissa, exponent = fnp.frexp(x)
    np.testing.assert_array_equal(exponent, np.frexp(x)[1])
    np.testing.assert_array_equal(mantissa, np.frexp(x)[0])
    c = fnp.copy(x)
    assert c is not x and not np.shares_memory(c, x)
    np.testing.assert_array_equal(fnp.angle(x), np.angle(x))
    np.testing.assert_array_equal(fnp.angle(x, deg=True), np.angle(x, deg=True))


@given(
    hnp.arrays(np.float64, (30, 2), elements=st.floats(-3, 3, allow_subnormal=False)),
    hnp.arrays(np.float64, (30,), elements=st.floats(0, 2, allow_subnormal=False)),
)
@settings(max_examples=5, deadline=None)
def test_histogram2d_and_histogramdd_equal_numpy_and_differentiate_in_the_weights(points, w):
    # NumPy is the oracle for the bins: JAX computes its edges differently and puts a point that lies
    # on an edge (all points equal) one bin lower.
    x, y = points[:, 0], points[:, 1]
    for kw in [{}, {"bins": [3, 4]}, {"bins": 4, "range": [[-1, 1], [-2, 2]], "weights": w, "density": True}]:
        ours, theirs = fnp.histogram2d(x, y, **kw), np.histogram2d(x, y, **kw)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    ours, theirs = (
        fnp.histogramdd(points, bins=(2, 3), weights=w),
        np.histogramdd(points, bins=(2, 3), weights=w),
    )
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    g = fz.grad(lambda w: fnp.histogram2d(x, y, bins=3, weights=w)[0][1, 1])(w)
    in_bin = [np.histogram2d(x, y, bins=3, weights=np.eye(len(w))[i])[0][1, 1] for i in range(len(w))]
    np.testing.assert_array_equal(g, in_bin)


@given(floats((6,)))
@settings(max_examples=5, deadline=None)
def test_polyfit_covariance_equals_jax_and_differentiates(y):
    x = np.linspace(0, 2, 6)
    for cov in (True, "unscaled"):
        (c, v), (jc, jv) = fnp.polyfit(x, y, 2, cov=cov), jnp.polyfit(x, y, 2, cov=cov)
        np.testing.assert_allclose(c, jc, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(v, jv, rtol=1e-9, atol=1e-10)
    # JAX's gradient of the scaled covariance is nan; central differences are the reference.
    check_grads(lambda y: fnp.polyfit(x, y, 2, cov=True)[1], [y], order=1, modes=("rev",))


def test_kind_predicates_and_signed_infinities():
    x = np.array([-np.inf, -1.0, 0.0, np.inf, np.nan])
    np.testing.assert_array_equal(fnp.isposinf(x), np.isposinf(x))
    np.testing.assert_array_equal(fnp.isneginf(x), np.isneginf(x))
    np.testing.assert_array_equal(fnp.isreal(x), np.ones(5, bool))
    np.testing.assert_array_equal(fnp.iscomplex(x), np.zeros(5, bool))
    assert fnp.isrealobj(x) and not fnp.iscomplexobj(x)
    assert fnp.iscomplexobj(np.ones(2, complex)) and not fnp.isrealobj(np.ones(2, complex))
    g = fz.grad(lambda v: fnp.sum(fnp.where(fnp.isposinf(v), 0.0, v * 2)))(np.array([1.0, np.inf]))
    np.testing.assert_array_equal(g, [2.0, 0.0])


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("bitorder", ["big", "little"])
@given(bits=hnp.arrays(np.bool_, (3, 11)), count=st.one_of(st.none(), st.integers(-12, 30)))
@settings(max_examples=5, deadline=None)
def test_packbits_and_unpackbits_equal_numpy(axis, bitorder, bits, count):
    packed = fnp.packbits(bits, axis, bitorder)
    expected = np.packbits(bits, axis, bitorder=bitorder)
    np.testing.assert_array_equal(packed, expected)
    assert packed.dtype == np.uint8
    n = expected.size * 8 if axis is None else expected.shape[axis] * 8
    if count is not None and count < -n:  # NumPy refuses it too
        with pytest.raises(ValueError, match="drops more than"):
            fnp.unpackbits(expected, axis, count, bitorder)
    else:
        np.testing.assert_array_equal(
            fnp.unpackbits(expected, axis, count, bitorder),
            np.unpackbits(expected, axis, count, bitorder=bitorder),
        )
    np.testing.assert_array_equal(fz.vmap(fnp.packbits)(bits), np.packbits(bits, axis=1))
    np.testing.assert_array_equal(fz.jit(fnp.unpackbits)(expected), np.unpackbits(expected))


def test_dtype_aliases_and_isdtype_match_jax():
    for name in ["bool", "int_", "uint", "float_", "double", "single", "complex_", "cdouble", "csingle"]:
        assert np.dtype(getattr(fnp, name)) == np.dtype(getattr(jnp, name)), name
    for dtype in [np.float32, np.int8, np.uint16, np.bool_, np.complex64]:
        for kind in [
            "bool",
            "signed integer",
            "unsigned integer",
            "integral",
            "real floating",
            "complex floating",
            "numeric",
            ("integral", "real floating"),
            np.float32,
        ]:
            assert fnp.isdtype(dtype, kind) == jnp.isdtype(dtype, kind), (dtype, kind)
    with pytest.raises(ValueError, match="isdtype: kind must be"):
        fnp.isdtype(np.float32, "floats")


def test_float32_stays_float32():
    x = np.linspace(0.1, 2.0, 6, dtype=np.float32).reshape(2, 3)
    for out in [
        fnp.ldexp(x, 2),
        fnp.frexp(x)[0],
        fnp.modf(x)[0],
        fnp.cov(x),
        fnp.gradient(x, axis=1),
        fnp.trapezoid(x),
        fnp.unwrap(x),
        fnp.vecdot(x, x),
        fnp.poly(x[0]),
    ]:
        assert out.dtype == np.float32


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="ldexp: x2 must be integers"):
        fnp.ldexp(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=r"vecdot: core axes differ in size: x1 \(2, 3\)"):
        fnp.vecdot(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match="cov: aweights must have shape"):
        fnp.cov(np.ones((2, 4)), aweights=np.ones(3))
    with pytest.raises(ValueError, match="gradient: axis 0 needs at least 2 samples"):
        fnp.gradient(np.ones(1))
    with pytest.raises(NotImplementedError, match="poly: roots must be 1-D"):
        fnp.poly(np.eye(2))
    with pytest.raises(TypeError, match="packbits: a must be integers or booleans"):
        fnp.packbits(np.ones(3))
    with pytest.raises(ValueError, match="vectorize: signature must look like"):
        fnp.vectorize(lambda a: a, signature="(n)")
    with pytest.raises(ValueError, match="core dim 'n' is 3 and 4"):
        fnp.vectorize(lambda a, b: a, signature="(n),(n)->(n)")(np.ones(3), np.ones(4))


NAMES = """ldexp frexp modf divmod spacing nextafter around copy angle iscomplex isreal iscomplexobj
isrealobj isposinf isneginf vecdot matvec vecmat cov corrcoef ediff1d gradient trapezoid unwrap
packbits unpackbits poly polydiv polyfit histogram2d histogramdd vectorize apply_along_axis apply_over_axes
isdtype""".split()


@pytest.mark.parametrize("name", NAMES)
def test_argument_names_are_jaxs(name):
    ours = inspect.signature(getattr(fnp, name)).parameters
    try:
        theirs = inspect.signature(getattr(jnp, name)).parameters
    except ValueError:  # a ufunc object without a signature
        pytest.skip(f"jax.numpy.{name} has no signature")
    shared = [p for p in ours if p in theirs]
    assert [p for p in theirs if p in ours] == shared, (list(ours), list(theirs))
    missing = [p for p, v in theirs.items() if p not in ours and v.default is inspect.Parameter.empty]
    assert not missing, f"{name} lacks JAX's required arguments {missing}"
