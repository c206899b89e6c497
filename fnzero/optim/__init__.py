"""fnzero.optim: pure optimizers in optax's style.

opt = fnzero.optim.adam(1e-3)
state = opt.init(params)
updates, state = opt.update(grads, state, params)
params = fnzero.optim.apply_updates(params, updates)
"""

from fnzero.optim.aliases import adadelta, adagrad, adam, adamw, momentum, rmsprop, sgd
from fnzero.optim.base import GradientTransformation, apply_updates, chain, stateless
from fnzero.optim.schedules import constant_schedule, cosine_decay_schedule, step_schedule, warmup_schedule
from fnzero.optim.transforms import (
    add_decayed_weights,
    clip,
    clip_by_global_norm,
    freeze,
    global_norm,
    masked,
    scale,
    scale_by_adadelta,
    scale_by_adagrad,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    trace,
)

__all__ = [
    "GradientTransformation",
    "apply_updates",
    "chain",
    "stateless",
    "sgd",
    "momentum",
    "adagrad",
    "adadelta",
    "rmsprop",
    "adam",
    "adamw",
    "scale",
    "scale_by_learning_rate",
    "trace",
    "scale_by_adagrad",
    "scale_by_adadelta",
    "scale_by_rms",
    "scale_by_adam",
    "add_decayed_weights",
    "clip",
    "clip_by_global_norm",
    "global_norm",
    "masked",
    "freeze",
    "constant_schedule",
    "step_schedule",
    "cosine_decay_schedule",
    "warmup_schedule",
]
