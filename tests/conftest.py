"""Shared fixtures: every test that can run on CuPy runs on each available backend."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from fnzero import backends
from fnzero.core.primitive import Primitive

# JAX, the oracle of many tests, compiles each small test program with XLA; its costly
# optimisation passes would make compiling most of the test's time, and buy nothing here.
os.environ.setdefault(
    "XLA_FLAGS", "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
)

# "ci" draws the same examples on every run (derandomize), so a green suite stays green;
# "thorough" explores new random examples each time (HYPOTHESIS_PROFILE=thorough).
settings.register_profile(
    "ci",
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_AVAILABLE = backends.available()


@pytest.fixture(params=["numpy", "cupy"])
def backend(request) -> backends.Backend:
    """The backend under test; CuPy cases skip on machines without CuPy and a GPU."""
    if request.param not in _AVAILABLE:
        pytest.skip(f"backend {request.param!r} is not available here (needs CuPy and a GPU)")
    return backends.get(request.param)


@pytest.fixture
def xp(backend):
    return backend.xp


@pytest.fixture(autouse=True)
def _forget_primitives_made_by_the_test():
    """A primitive a test declares leaves the registry with the test (fnzero's own stay, also
    those of a module first imported during the test), so registry-wide checks see fnzero's."""
    before = set(Primitive.registry)
    yield
    for name in set(Primitive.registry) - before:
        module = getattr(Primitive.registry[name].impl, "__module__", None) or ""
        if not module.startswith("fnzero"):
            del Primitive.registry[name]
