"""Transform levels: one small integer per transform call, shared by every kind of trace.

A transform opened later gets a higher level and so nests inside the ones already open,
whatever their kinds (reverse, forward, ...): that is what keeps nested derivatives apart.
"""

from __future__ import annotations

import itertools

_levels = itertools.count(1)


def new_level() -> int:
    """A level above every live one: transforms opened later nest inside earlier ones."""
    return next(_levels)
