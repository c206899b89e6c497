"""The trace protocol: what every transform level (reverse, forward, batch, graph, jit) offers.

A trace has a ``level`` (later transforms nest inside earlier ones) and handles a primitive
applied to its tracers with ``process``. A call with a rule of its own (custom_vjp,
custom_jvp, checkpoint) is handed to the trace of the highest level among its arguments,
which picks what the call does there; the call object offers the ways (``fun`` as written,
``reverse``, ``forward``, ``batched``), so no call tests the kind of trace it meets.
"""

from __future__ import annotations

from typing import Any


class Trace:
    """One transform level. Subclasses set ``level`` and implement ``process``; each
    ``process_*`` says how a call with its own rule goes through this level."""

    __slots__ = ()
    level: int

    def process(self, prim: Any, args: tuple, params: dict) -> Any:
        """``prim(*args, **params)`` with some of ``args`` this trace's tracers."""
        raise NotImplementedError(f"{type(self).__name__} does not process primitives")

    def process_custom_vjp(self, call: Any, args: tuple) -> Any:
        """A custom_vjp function called on this trace's tracers."""
        raise NotImplementedError(f"{call.name} under {type(self).__name__}")

    def process_custom_jvp(self, call: Any, args: tuple) -> Any:
        """A custom_jvp function called on this trace's tracers."""
        raise NotImplementedError(f"{call.name} under {type(self).__name__}")

    def process_checkpoint(self, call: Any, args: tuple) -> Any:
        """A checkpointed function called on this trace's tracers."""
        raise NotImplementedError(f"{call.name} under {type(self).__name__}")
