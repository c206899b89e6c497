"""Recurrent layers: RNN and LSTM cells, and the layers that run them over a sequence.

Sequences are time-major, (T, N, features). Truncated backpropagation through time is
``fnzero.stop_gradient`` on the carry between chunks::

    carry = None
    for xs, ts in chunks:                       # each chunk: (bptt_length, N, features)
        (loss, carry), g = value_and_grad(chunk_loss, has_aux=True)(model, xs, ts, carry)
        model, opt_state = step(model, g, opt_state)
        carry = fz.stop_gradient(carry)         # no gradient flows into earlier chunks
"""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero.numpy as fnp
from fnzero import lax, random
from fnzero._checks import positive_int
from fnzero.nn import initializers
from fnzero.nn.lstm import lstm_cell
from fnzero.nn.module import Module, static_field


def _weights(key: Any, input_size: int, hidden_size: int, gates: int, dtype: Any) -> tuple[Any, Any, Any]:
    where = f"fnzero.nn.{'LSTMCell' if gates == 4 else 'RNNCell'}"
    input_size = positive_int(input_size, "input_size", where)
    hidden_size = positive_int(hidden_size, "hidden_size", where)
    kx, kh = random.split(key)
    init = initializers.lecun_normal(dtype=dtype)
    return (
        init(kx, (input_size, gates * hidden_size)),
        init(kh, (hidden_size, gates * hidden_size)),
        initializers.zeros(key, (gates * hidden_size,), dtype),
    )


def _zeros_like_state(param: Any, batch_size: int, hidden_size: int) -> Any:
    return fnp.zeros_like(param, shape=(batch_size, hidden_size))


class RNNCell(Module):
    """``h' = tanh(x W_x + h W_h + b)`` (DeZero's RNN layer, one step)."""

    W_x: Any
    W_h: Any
    b: Any
    hidden_size: int = static_field()

    def __init__(self, input_size: int, hidden_size: int, *, key: Any, dtype: Any = np.float32):
        self.W_x, self.W_h, self.b = _weights(key, input_size, hidden_size, 1, dtype)
        self.hidden_size = hidden_size

    def initial_carry(self, batch_size: int) -> Any:
        return _zeros_like_state(self.b, batch_size, self.hidden_size)

    def __call__(self, x: Any, h: Any) -> Any:
        """x (N, input_size), h (N, hidden_size) -> h' (N, hidden_size)."""
        return fnp.tanh(x @ self.W_x + h @ self.W_h + self.b)


class LSTMCell(Module):
    """One LSTM step (DeZero's LSTM): input, forget, output gates and candidate from one
    matmul each for ``x`` and ``h``; the carry is ``(h, c)``."""

    W_x: Any
    W_h: Any
    b: Any
    hidden_size: int = static_field()

    def __init__(self, input_size: int, hidden_size: int, *, key: Any, dtype: Any = np.float32):
        self.W_x, self.W_h, self.b = _weights(key, input_size, hidden_size, 4, dtype)
        self.hidden_size = hidden_size

    def initial_carry(self, batch_size: int) -> tuple[Any, Any]:
        zeros = _zeros_like_state(self.b, batch_size, self.hidden_size)
        return zeros, zeros

    def __call__(self, x: Any, carry: tuple[Any, Any]) -> tuple[Any, Any]:
        """x (N, input_size), carry (h, c) -> new carry (h', c'), each (N, hidden_size)."""
        h, c = carry
        return lstm_cell(x, h, c, self.W_x, self.W_h, self.b)


class _Recurrent(Module):
    cell: Any

    def initial_carry(self, batch_size: int) -> Any:
        return self.cell.initial_carry(batch_size)

    def __call__(self, xs: Any, carry: Any = None) -> tuple[Any, Any]:
        """xs (T, N, input_size) -> (outputs (T, N, hidden_size), final carry)."""
        if len(xs.shape) != 3:
            raise ValueError(
                f"{type(self).__name__}: expected a (T, N, features) sequence, got shape {xs.shape}"
            )
        if carry is None:
            carry = self.initial_carry(xs.shape[1])

        def step(carry: Any, x: Any) -> tuple[Any, Any]:
            carry = self.cell(x, carry)
            return carry, carry[0] if isinstance(carry, tuple) else carry

        carry, outputs = lax.scan(step, carry, xs)
        return outputs, carry


class RNN(_Recurrent):
    """An :class:`RNNCell` run over a sequence; the carry is the hidden state."""

    def __init__(self, input_size: int, hidden_size: int, *, key: Any, dtype: Any = np.float32):
        self.cell = RNNCell(input_size, hidden_size, key=key, dtype=dtype)


class LSTM(_Recurrent):
    """An :class:`LSTMCell` run over a sequence; the carry is ``(h, c)``."""

    def __init__(self, input_size: int, hidden_size: int, *, key: Any, dtype: Any = np.float32):
        self.cell = LSTMCell(input_size, hidden_size, key=key, dtype=dtype)
