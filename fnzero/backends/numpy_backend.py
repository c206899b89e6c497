"""The default backend: NumPy on the host."""

import numpy as np

from fnzero.backends.base import Backend


def _scatter_add(target, index, values) -> None:
    """``target[index] += values`` where repeated indices accumulate."""
    np.add.at(target, index, values)


def make() -> Backend:
    return Backend(
        name="numpy",
        xp=np,
        array_types=(np.ndarray, np.generic),
        scatter_add=_scatter_add,
        to_host=np.asarray,
        from_host=np.asarray,
    )
