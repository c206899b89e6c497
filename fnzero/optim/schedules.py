"""Learning-rate schedules: functions from the step count (0, 1, ...) to a learning rate."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from fnzero._checks import positive_int, real_number

Schedule = Callable[[int], float]


def constant_schedule(value: float) -> Schedule:
    """The same learning rate at every step."""
    real_number(value, "value", "constant_schedule", low=0.0)
    return lambda step: value


def step_schedule(init_value: float, boundaries: Sequence[int], factor: float = 0.1) -> Schedule:
    """Multiply by ``factor`` at each step in ``boundaries`` (PyTorch's MultiStepLR)."""
    real_number(init_value, "init_value", "step_schedule", low=0.0)
    real_number(factor, "factor", "step_schedule", low=0.0)
    boundaries = sorted(positive_int(b, "boundaries", "step_schedule", minimum=0) for b in boundaries)
    return lambda step: init_value * factor ** sum(step >= b for b in boundaries)


def cosine_decay_schedule(init_value: float, decay_steps: int, alpha: float = 0.0) -> Schedule:
    """Cosine from ``init_value`` down to ``alpha * init_value`` over ``decay_steps``."""
    real_number(init_value, "init_value", "cosine_decay_schedule", low=0.0)
    positive_int(decay_steps, "decay_steps", "cosine_decay_schedule")
    real_number(alpha, "alpha", "cosine_decay_schedule", low=0.0, high=1.0)

    def schedule(step: int) -> float:
        t = min(step, decay_steps) / decay_steps
        return init_value * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * t)) + alpha)

    return schedule


def warmup_schedule(peak_value: float, warmup_steps: int, after: Schedule | None = None) -> Schedule:
    """Linear warm-up from 0 to ``peak_value`` over ``warmup_steps``, then ``after(step - warmup)``."""
    real_number(peak_value, "peak_value", "warmup_schedule", low=0.0)
    positive_int(warmup_steps, "warmup_steps", "warmup_schedule", minimum=0)
    if after is not None and not callable(after):
        raise TypeError(f"warmup_schedule: after must be a schedule (a function of the step), got {after!r}")
    after = after or constant_schedule(peak_value)

    def schedule(step: int) -> float:
        if step < warmup_steps:
            return peak_value * (step + 1) / warmup_steps
        return after(step - warmup_steps)

    return schedule
