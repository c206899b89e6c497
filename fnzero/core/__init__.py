"""The engine: primitives, tracers and the tapes that record them.

Submodules are imported directly (``fnzero.core.primitive`` sits below the ops layer,
``fnzero.core.reverse`` above it), so this package imports nothing itself.
"""
