"""jit: values traced inside that leak out raise UnexpectedTracerError when used; the trace
cache keeps the most recently used signatures only."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero as fz
import fnzero.numpy as fnp
from fnzero.transforms.jit import CACHE_SIZE


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
