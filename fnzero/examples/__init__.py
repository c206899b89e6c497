"""The book's examples, runnable after ``pip install``: ``fnzero run NAME`` or
``python -m fnzero.examples.NAME``. Each module has ``main(argv)`` taking ``--fast`` (a
few seconds, as the tests run it) and ``--out DIR``, and returns a small dict of results."""

from __future__ import annotations

import importlib
from typing import Any

EXAMPLES: dict[str, str] = {
    "taylor_sin": "sin as a Taylor series built from fnzero ops, against fnzero.numpy.sin (step 27)",
    "rosenbrock": "gradient descent on the Rosenbrock function from (0, 2) towards (1, 1) (step 28)",
    "newton": "Newton's method with grad(grad(f)) on x**4 - 2 x**2 (step 33)",
    "linear_regression": "linear regression on the book's toy data, y = 5 + 2x + noise (step 42)",
    "sine_regression": "a two-layer network fitting a noisy sine, the book's losses to the digit (step 43)",
    "spiral_mlp": "an MLP classifying the three-armed spiral, decision regions plotted (step 48)",
    "digits_mlp": "an MLP on the shipped digits (or MNIST from a local folder), saved and resumed (step 53)",
    "digits_cnn": "a CNN with batch norm, a residual block and dropout on the shipped digits",
    "vgg16_inference": "VGG16 classifying an image with weights from a local .npz file (step 58)",
    "sine_rnn": "SimpleRNN and BetterRNN (LSTM) predicting the cosine curve (steps 59 and 60)",
    "cifar2_comparison": "the CNN chapter's width/dropout/batch-norm/depth/residual comparison",
}


def run(name: str, argv: list[str] | None = None) -> Any:
    """Run example ``name`` with command-line arguments ``argv``; returns its results."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; the examples are: {', '.join(EXAMPLES)}")
    module = importlib.import_module(f"fnzero.examples.{name}")
    return module.main(argv)
