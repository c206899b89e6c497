"""fnzero.lax: JAX's control flow (scan, map, fori_loop, while_loop, cond, switch).

The loops run step by step in Python on fnzero's primitives, so grad, jvp, vmap and jit go
through them; what JAX requires of them (a carry that keeps its structure, shapes and dtypes,
branches that agree) is checked with errors that name the leaf and both types.
"""

from fnzero.lax._jit import unrolled_scans
from fnzero.lax.cond import cond, switch
from fnzero.lax.loops import fori_loop, while_loop
from fnzero.lax.scan import map, scan

__all__ = ["scan", "map", "fori_loop", "while_loop", "cond", "switch", "unrolled_scans"]
