"""The training loop the classifier examples share: one epoch of minibatch steps, and
evaluation. Models follow the layers' calling protocol (``uses_key``, ``uses_train``,
``stateful``), so an MLP, a dropout net and a batch-norm net all go through the same code."""

from __future__ import annotations

from typing import Any

import fnzero as fz
import fnzero.nn as nn
from fnzero.nn.layers.protocol import apply_layer, init_state


def initial_state(model: Any) -> Any:
    """The model's running state (batch-norm statistics), None for stateless models."""
    return init_state(model)


def _loss(model: Any, x: Any, t: Any, state: Any, key: Any) -> tuple[Any, tuple[Any, Any]]:
    logits, state = apply_layer(model, x, state, key=key, train=True)
    return nn.softmax_cross_entropy(logits, t), (logits, state)


def train_epoch(
    model: Any, state: Any, opt: fz.optim.GradientTransformation, opt_state: Any, loader: Any, key: Any
) -> tuple[Any, Any, Any, dict[str, float]]:
    """One pass over ``loader``; step ``i`` draws its randomness (dropout) from
    ``fold_in(key, i)`` (``key`` may be None for models that draw none).

    Returns the new model, state and optimizer state, and the epoch's mean loss and accuracy.
    """
    total_loss = total_correct = count = 0.0
    for i, (x, t) in enumerate(loader):
        (loss, (logits, state)), g = fz.value_and_grad(_loss, has_aux=True)(
            model, x, t, state, None if key is None else fz.random.fold_in(key, i)
        )
        updates, opt_state = opt.update(g, opt_state, model)
        model = fz.optim.apply_updates(model, updates)
        total_loss += float(loss) * len(t)
        total_correct += float(nn.accuracy(logits, t)) * len(t)
        count += len(t)
    return model, state, opt_state, {"loss": total_loss / count, "accuracy": total_correct / count}


def predict(model: Any, x: Any, state: Any = None) -> Any:
    """The model's logits in inference mode (no dropout, batch norm on its running statistics)."""
    logits, _ = apply_layer(model, x, state, key=None, train=False)
    return logits


def evaluate(model: Any, state: Any, loader: Any) -> dict[str, float]:
    """Mean loss and accuracy over ``loader`` in inference mode."""
    total_loss = total_correct = count = 0.0
    for x, t in loader:
        logits = predict(model, x, state)
        total_loss += float(nn.softmax_cross_entropy(logits, t)) * len(t)
        total_correct += float(nn.accuracy(logits, t)) * len(t)
        count += len(t)
    return {"loss": total_loss / count, "accuracy": total_correct / count}
