"""Bitwise and integer arithmetic: integer results, no derivative (as in JAX)."""

from __future__ import annotations

from fnzero.numpy.logic import nondifferentiable_binary, nondifferentiable_unary

bitwise_and = nondifferentiable_binary("bitwise_and")
bitwise_or = nondifferentiable_binary("bitwise_or")
bitwise_xor = nondifferentiable_binary("bitwise_xor")
invert = nondifferentiable_unary("invert")
left_shift = nondifferentiable_binary("left_shift")
right_shift = nondifferentiable_binary("right_shift")
gcd = nondifferentiable_binary("gcd")
lcm = nondifferentiable_binary("lcm")

# The Array API's spellings, which jax.numpy also offers.
bitwise_not = bitwise_invert = invert
bitwise_left_shift = left_shift
bitwise_right_shift = right_shift
