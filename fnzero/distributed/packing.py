"""A pytree as a few flat buffers (one per dtype) and a signature that ranks compare.

Reducing one buffer instead of one message per leaf is what keeps collectives cheap: a
message costs a latency however small it is, and a model has many small leaves (biases).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import attrs

from fnzero import tree
from fnzero.backends import array_module

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


@attrs.frozen
class Packed:
    """The leaves of a tree, concatenated per dtype, and how to rebuild the tree from them."""

    treedef: Any
    shapes: tuple[tuple[int, ...], ...]
    dtypes: tuple[Any, ...]
    buffers: dict[str, Any]  # dtype name -> 1-D buffer, in order of first appearance
    xp: Any

    def describe(self) -> str:
        """The structure, shapes and dtypes, as the error message shows them."""
        leaves = ", ".join(f"{d.name}{list(s)}" for s, d in zip(self.shapes, self.dtypes))
        structure = _ADDRESS.sub("", repr(self.treedef))  # functions in the structure print their address
        return f"{structure} with leaves [{leaves}]"

    def signature(self, op: str) -> bytes:
        """A 16-byte digest of ``op`` and the description: equal on all ranks or the call is wrong."""
        return hashlib.blake2b(f"{op}|{self.describe()}".encode(), digest_size=16).digest()


def pack(x: Any) -> Packed:
    """Flatten ``x`` and concatenate its leaves into one buffer per dtype."""
    leaves, treedef = tree.flatten(x)
    xps = {array_module(leaf) for leaf in leaves}
    if len(xps) > 1:
        raise TypeError("fnzero.distributed: a tree's leaves must all be on one backend (numpy or cupy)")
    xp = xps.pop() if xps else _numpy()
    arrays = [xp.asarray(leaf) for leaf in leaves]
    groups: dict[str, list[Any]] = {}
    for a in arrays:
        groups.setdefault(a.dtype.name, []).append(a.ravel())
    buffers = {name: xp.concatenate(parts) for name, parts in groups.items()}
    return Packed(treedef, tuple(a.shape for a in arrays), tuple(a.dtype for a in arrays), buffers, xp)


def unpack(packed: Packed, buffers: dict[str, Any], lead: tuple[int, ...] = ()) -> Any:
    """Rebuild the tree from ``buffers`` laid out as ``pack`` made them (``lead`` axes in front)."""
    offsets = dict.fromkeys(buffers, 0)
    leaves = []
    for shape, dtype in zip(packed.shapes, packed.dtypes):
        n = 1
        for d in shape:
            n *= d
        start = offsets[dtype.name]
        buf = buffers[dtype.name]
        leaves.append(buf[..., start : start + n].reshape(lead + shape))
        offsets[dtype.name] = start + n
    return tree.unflatten(packed.treedef, leaves)


def _numpy() -> Any:
    import numpy

    return numpy
