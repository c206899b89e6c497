"""device_put: moving the array leaves of a pytree to a backend, leaving the rest alone."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pytest
from fake_backend import FakeArray, register_fake
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnzero as fz
from fnzero import tree


@tree.register_attrs
@attrs.frozen
class Layer:
    W: Any
    b: Any
    name: str = tree.static_field(default="dense")


@pytest.fixture(scope="module")
def fake():
    """The fake backend, registered for this module's tests (hypothesis needs a wider scope)."""
    with pytest.MonkeyPatch.context() as patch:
        yield register_fake(patch)


arrays = hnp.arrays(
    st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.bool_, np.complex64]),
    hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
)
numpy_scalars = st.one_of(st.floats(-2, 2).map(np.float64), st.integers(-3, 3).map(np.int32))
others = st.one_of(st.none(), st.integers(-3, 3), st.floats(-2, 2), st.sampled_from(["relu", "tanh"]))
trees = st.recursive(
    st.one_of(arrays, numpy_scalars, others),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from("abc"), children, max_size=3),
        st.builds(Layer, children, children, st.sampled_from(["dense", "out"])),
    ),
    max_leaves=8,
)


def is_array(x: Any) -> bool:
    return isinstance(x, (np.ndarray, np.generic))


@given(trees)
def test_numpy_to_numpy_is_identity_on_leaves(t):
    for moved in (fz.device_put(t), fz.device_put(t, "numpy")):
        assert tree.structure(moved) == tree.structure(t)
        assert all(a is b for a, b in zip(tree.leaves(moved), tree.leaves(t)))


@given(trees)
def test_to_fake_backend_moves_arrays_only(fake, t):
    moved = fz.device_put(t, "fake")
    assert tree.structure(moved) == tree.structure(t)
    for new, old in zip(tree.leaves(moved), tree.leaves(t)):
        if is_array(old):
            assert type(new) is FakeArray
            assert new.dtype == old.dtype and new.shape == np.shape(old)
            np.testing.assert_array_equal(new.view(np.ndarray), old)
        else:
            assert new is old


@given(trees)
def test_fake_round_trip_restores_numpy_arrays(fake, t):
    back = fz.device_put(fz.device_put(t, fake), "numpy")
    for new, old in zip(tree.leaves(back), tree.leaves(t)):
        if is_array(old):
            assert type(new) is np.ndarray
            assert new.dtype == old.dtype and new.shape == np.shape(old)
            np.testing.assert_array_equal(new, old)
        else:
            assert new is old


def test_fake_to_fake_is_identity(fake):
    x = np.arange(3.0).view(FakeArray)
    assert fz.device_put({"x": x}, "fake")["x"] is x


def test_models_keep_their_class_and_static_fields(fake):
    model = [Layer(np.ones((2, 3), np.float32), np.zeros(3, np.float32), name="out"), {"scale": 2.0}]
    moved = fz.device_put(model, "fake")
    assert isinstance(moved[0], Layer) and moved[0].name == "out"
    assert type(moved[0].W) is FakeArray and moved[0].W.dtype == np.float32
    assert moved[1] == {"scale": 2.0}


def test_unknown_backend_is_an_error():
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        fz.device_put({"w": np.ones(2)}, "gpu")


def test_round_trip_through_each_backend(backend):
    rng = np.random.default_rng(0)
    params = {
        "W": rng.standard_normal((3, 2)).astype(np.float32),
        "b": rng.standard_normal(2),
        "steps": np.arange(4, dtype=np.int64),
        "mask": np.array([True, False]),
        "lr": 0.1,
    }
    there = fz.device_put(params, backend.name)
    for key in ("W", "b", "steps", "mask"):
        assert isinstance(there[key], backend.array_types)
        assert there[key].dtype == params[key].dtype
    assert there["lr"] == 0.1
    back = fz.device_put(there, "numpy")
    for key in ("W", "b", "steps", "mask"):
        assert type(back[key]) is np.ndarray and back[key].dtype == params[key].dtype
        np.testing.assert_array_equal(back[key], params[key])
