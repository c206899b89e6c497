"""The backend registry: registering, finding an array's backend, refusing to mix two."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from fake_backend import FakeArray, fake_xp, isolate_registry, make_fake, register_fake
from hypothesis import given
from hypothesis.extra import numpy as hnp

import fnzero as fz
import fnzero.numpy as fnp
from fnzero import backends

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def fake(monkeypatch):
    return register_fake(monkeypatch)


def fake_array(values) -> FakeArray:
    return np.asarray(values, dtype=float).view(FakeArray)


# -- registry -------------------------------------------------------------------------------


def test_register_get_available(fake):
    assert backends.get("fake") is fake
    assert backends.get(fake) is fake
    assert "fake" in backends.available() and "numpy" in backends.available()


def test_monkeypatched_registry_is_restored(monkeypatch):
    with monkeypatch.context() as m:
        register_fake(m)
        assert backends.backend_of(fake_array([1.0])).name == "fake"
    assert "fake" not in backends.available()
    assert backends.backend_of(fake_array([1.0])).name == "numpy"  # an ndarray subclass
    with pytest.raises(ValueError, match="unknown backend 'fake'"):
        backends.get("fake")


def test_factory_runs_once_on_first_use(monkeypatch):
    isolate_registry(monkeypatch)
    calls = []

    def factory():
        calls.append(1)
        return make_fake("lazy")

    backends.register("lazy", factory)
    assert calls == []
    first = backends.get("lazy")
    assert backends.get("lazy") is first and calls == [1]


def test_registering_again_replaces_the_backend(monkeypatch):
    isolate_registry(monkeypatch)
    x = fake_array([1.0])
    old = make_fake()
    backends.register("fake", old)
    assert backends.backend_of(x) is old
    new = make_fake()
    backends.register("fake", new)
    assert backends.backend_of(x) is new
    assert backends.get("fake") is new


def test_unknown_name_lists_registered_backends(fake):
    with pytest.raises(ValueError, match="unknown backend 'tpu'") as info:
        backends.get("tpu")
    for name in ("'numpy'", "'cupy'", "'fake'"):
        assert name in str(info.value)


@pytest.mark.parametrize("error", [ImportError, RuntimeError])
def test_available_leaves_out_backends_that_cannot_load(monkeypatch, error):
    isolate_registry(monkeypatch)

    def broken():
        raise error("no such library here")

    backends.register("broken", broken)
    assert "broken" not in backends.available()
    assert "numpy" in backends.available()
    with pytest.raises(error, match="no such library"):
        backends.get("broken")


def test_default_is_numpy():
    assert backends.default() is backends.get("numpy")
    assert backends.get("numpy").xp is np


# -- which backend an array belongs to ------------------------------------------------------------


@given(hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)))
def test_numpy_arrays_and_their_scalars_are_numpy(a):
    numpy_backend = backends.get("numpy")
    assert backends.backend_of(a) is numpy_backend
    assert backends.array_module(a) is np
    scalar = a.reshape(-1)[0] if a.size else np.zeros((), a.dtype)[()]
    assert isinstance(scalar, np.generic)
    assert backends.backend_of(scalar) is numpy_backend


@pytest.mark.parametrize(
    "scalar", [np.float64(1.5), np.complex128(1j), np.float32(2), np.int64(3), np.bool_(True)]
)
def test_numpy_scalars_are_numpy_even_when_they_subclass_python_numbers(scalar):
    assert backends.backend_of(scalar) is backends.get("numpy")


@pytest.mark.parametrize("scalar", [True, 3, 2.5, 1j])
def test_python_scalars_have_no_backend(scalar):
    assert backends.backend_of(scalar) is None
    assert backends.array_module(scalar) is np
    assert backends.xp_of(scalar, 1.0) is np


@pytest.mark.parametrize("value", ["text", None, [1.0, 2.0], object()])
def test_non_arrays_have_no_backend(value):
    assert backends.backend_of(value) is None


def test_tracers_belong_to_the_backend_of_their_value():
    seen = []

    def f(x):
        seen.append(backends.backend_of(x))
        return fnp.sum(x * x)

    fz.grad(f)(np.ones(3))
    assert seen == [backends.get("numpy")]


def test_fake_arrays_belong_to_the_fake_backend(fake):
    x = fake_array([1.0, 2.0])
    assert backends.backend_of(x) is fake
    assert backends.array_module(x) is fake_xp
    assert backends.xp_of(x, 2.0, x) is fake_xp


# -- mixing backends -------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["numpy first", "fake first"])
def test_xp_of_two_backends_names_both(fake, order):
    xs = [np.ones(2), 3.0, fake_array([1.0, 2.0])]
    if order == "fake first":
        xs.reverse()
    with pytest.raises(TypeError, match="two backends") as info:
        backends.xp_of(*xs)
    assert "numpy" in str(info.value) and "fake" in str(info.value)


def test_numpy_scalars_join_another_backends_arrays(fake):
    x = fake_array([1.0, 2.0])
    assert backends.xp_of(np.float64(0.5), x) is fake_xp
    assert backends.xp_of(x, np.float32(0.5), np.int64(2)) is fake_xp
    assert backends.xp_of(np.float32(0.5)) is np


MIXED_CALLS = {
    "add": lambda a, b: fnp.add(a, b),
    "multiply": lambda a, b: fnp.multiply(a, b),
    "maximum": lambda a, b: fnp.maximum(a, b),
    "where": lambda a, b: fnp.where(a > 0, a, b),
    "concatenate": lambda a, b: fnp.concatenate([a, b]),
    "einsum": lambda a, b: fnp.einsum("i,i->", a, b),
}


@pytest.mark.parametrize("name", sorted(MIXED_CALLS))
def test_primitives_refuse_two_backends(fake, name):
    call = MIXED_CALLS[name]
    a, b = np.array([1.0, -2.0]), fake_array([3.0, 4.0])
    for args in [(a, b), (b, a)]:
        with pytest.raises(TypeError, match="two backends") as info:
            call(*args)
        message = str(info.value)
        assert "numpy" in message and "fake" in message and "device_put" in message


def test_primitives_refuse_two_backends_under_grad(fake):
    b = fake_array([3.0, 4.0])
    with pytest.raises(TypeError, match="two backends") as info:
        fz.grad(lambda x: fnp.sum(fnp.maximum(x, b)))(np.array([1.0, -2.0]))
    assert "numpy" in str(info.value) and "fake" in str(info.value)


def test_primitives_on_one_backend_stay_there(fake):
    a, b = fake_array([1.0, -2.0]), fake_array([3.0, -4.0])
    out = fnp.maximum(a, b) * 2.0
    assert type(out) is FakeArray
    np.testing.assert_array_equal(out.view(np.ndarray), [6.0, -4.0])


# -- CuPy missing ---------------------------------------------------------------------------

CUPY_MISSING = textwrap.dedent(
    """
    import sys
    sys.modules["cupy"] = None  # makes `import cupy` raise ImportError
    import numpy as np
    import fnzero as fz
    import fnzero.numpy as fnp
    from fnzero import backends

    assert backends.available() == ["numpy"], backends.available()
    attempts = {
        "get": lambda: backends.get("cupy"),
        "device_put": lambda: fz.device_put({"w": np.ones(2)}, "cupy"),
        "zeros": lambda: fnp.zeros(3, backend="cupy"),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
        except (ImportError, RuntimeError) as e:
            print(name, type(e).__name__, e)
        else:
            print(name, "no error")
    """
)


def test_asking_for_cupy_without_cupy_says_how_to_install():
    env = {**os.environ, "PYTHONPATH": REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", CUPY_MISSING], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["get", "device_put", "zeros"]
    for line in lines:
        assert line.split()[1] == "ImportError", line
        assert 'pip install "fnzero[gpu]"' in line and "'cupy'" in line


def test_an_array_names_the_backend_it_lives_on(fake, monkeypatch):
    for name in ("zeros", "ones", "arange"):  # the fake module makes its own arrays, as CuPy does
        make = getattr(np, name)
        monkeypatch.setattr(
            fake_xp, name, lambda *a, make=make, **k: make(*a, **k).view(FakeArray), raising=False
        )
    x = fake_array([1.0, 2.0])
    assert backends.get(x) is fake and backends.get(np.zeros(2)) is backends.get("numpy")
    assert fz.grad(lambda t: fnp.sum(t) * (backends.get(t) is backends.get("numpy")))(np.ones(2))[0] == 1
    fake_key = fake.from_host(np.zeros(2, np.uint32))
    made = [fnp.zeros(3, backend=x), fnp.arange(3, backend=x), fz.nn.initializers.ones(fake_key, (2, 2))]
    assert [type(m) for m in made] == [FakeArray] * 3
    assert type(fz.nn.initializers.zeros(fz.random.key(0), (2,))) is np.ndarray
    for bad in (5, 1.5, [1.0]):
        with pytest.raises(TypeError, match="a backend is given by name"):
            fnp.zeros(3, backend=bad)
