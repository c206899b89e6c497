"""Learning-rate schedules: functions from the step count (0, 1, ...) to a learning rate."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Schedule = Callable[[int], float]


def constant_schedule(value: float) -> Schedule:
    return lambda step: value


def step_schedule(init_value: float, boundaries: Sequence[int], factor: float = 0.1) -> Schedule:
    """Multiply by ``factor`` at each step in ``boundaries`` (PyTorch's MultiStepLR)."""
    boundaries = sorted(boundaries)
    return lambda step: init_value * factor ** sum(step >= b for b in boundaries)


def cosine_decay_schedule(init_value: float, decay_steps: int, alpha: float = 0.0) -> Schedule:
    """Cosine from ``init_value`` down to ``alpha * init_value`` over ``decay_steps``."""
    if decay_steps <= 0:
        raise ValueError(f"cosine_decay_schedule: decay_steps must be positive, got {decay_steps}")

    def schedule(step: int) -> float:
        t = min(step, decay_steps) / decay_steps
        return init_value * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * t)) + alpha)

    return schedule


def warmup_schedule(peak_value: float, warmup_steps: int, after: Schedule | None = None) -> Schedule:
    """Linear warm-up from 0 to ``peak_value`` over ``warmup_steps``, then ``after(step - warmup)``."""
    after = after or constant_schedule(peak_value)

    def schedule(step: int) -> float:
        if step < warmup_steps:
            return peak_value * (step + 1) / warmup_steps
        return after(step - warmup_steps)

    return schedule
