"""A custom_vjp bwd rule must give each argument a cotangent of its own shape: a wrong one is
refused with the argument, the expected and the given shape, never summed or broadcast."""

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp


def _scaled(bwd):
    @fz.custom_vjp
    def f(x, p):
        return x * p["w"]

    f.defvjp(lambda x, p: (f(x, p), (x, p)), bwd)
    return f


def test_a_cotangent_of_the_wrong_shape_is_refused():
    f = _scaled(lambda r, g: (g, {"w": fnp.sum(g * r[0])}))  # () for a (3,) argument
    loss = lambda x, w: fnp.sum(f(x, {"w": w}))
    with pytest.raises(ValueError, match=r"argument 1 at w has shape \(\), the argument has shape \(3,\)"):
        fz.grad(loss, argnums=1)(np.ones(3), np.ones(3))


def test_a_broadcastable_cotangent_is_refused_too():
    f = _scaled(lambda r, g: (g[None], {"w": g * r[0]}))  # (1, 3) for a (3,) argument
    with pytest.raises(ValueError, match=r"argument 0 has shape \(1, 3\), the argument has shape \(3,\)"):
        fz.grad(lambda x: fnp.sum(f(x, {"w": np.ones(3)})))(np.ones(3))


def test_right_shapes_pass():
    f = _scaled(lambda r, g: (g * r[1]["w"], {"w": g * r[0]}))
    x, w = np.arange(3.0), np.full(3, 2.0)
    gx, gw = fz.grad(lambda x, w: fnp.sum(f(x, {"w": w})), argnums=(0, 1))(x, w)
    np.testing.assert_array_equal(gx, w)
    np.testing.assert_array_equal(gw, x)


def test_a_wrong_structure_names_the_argument():
    f = _scaled(lambda r, g: (g, (g,)))
    with pytest.raises(ValueError, match="cotangent 1 \\(for argument 1\\) has structure"):
        fz.grad(lambda x, w: fnp.sum(f(x, {"w": w})), argnums=1)(np.ones(3), np.ones(3))
