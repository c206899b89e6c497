"""Recurrent networks predicting the next value of a time series (the book's steps 59-60):
trained on a noisy sine wave with truncated backpropagation through time (30 steps), then
run on the cosine curve. SimpleRNN reads the series one value at a time; BetterRNN is an
LSTM fed 30 parallel stretches of it by a SeqDataLoader."""

from __future__ import annotations

from typing import Any

import numpy as np

import fnzero as fz
import fnzero.nn as nn
import fnzero.numpy as fnp
from fnzero.examples._common import (
    int_range,
    label_axes,
    make_parser,
    new_figure,
    positive_float,
    positive_int,
    save_figure,
    seed,
)

# The root-mean-square error of BetterRNN's next-value prediction on the cosine test curve
# that the example promises (the curve's own RMS is about 0.71).
ERROR_BOUND = 0.05


class _Predictor(nn.Module):
    rnn: Any
    fc: nn.Linear

    def __call__(self, xs: Any, carry: Any = None) -> tuple[Any, Any]:
        """xs (T, N, 1) -> (predictions of the next values (T, N, 1), final carry)."""
        hs, carry = self.rnn(xs, carry)
        return self.fc(hs), carry


class SimpleRNN(_Predictor):
    """The book's SimpleRNN: a tanh RNN layer and a linear read-out."""

    def __init__(self, hidden_size: int, *, key: Any):
        k1, k2 = fz.random.split(key)
        self.rnn = nn.RNN(1, hidden_size, key=k1)
        self.fc = nn.Linear(hidden_size, 1, key=k2)


class BetterRNN(_Predictor):
    """The book's BetterRNN: an LSTM layer and a linear read-out."""

    def __init__(self, hidden_size: int, *, key: Any):
        k1, k2 = fz.random.split(key)
        self.rnn = nn.LSTM(1, hidden_size, key=k1)
        self.fc = nn.Linear(hidden_size, 1, key=k2)


def chunk_loss(model: _Predictor, xs: Any, ts: Any, carry: Any) -> tuple[Any, Any]:
    """The sum over time steps of each step's mean squared error, and the carry at the end."""
    ys, carry = model(xs, carry)
    return fnp.sum(fnp.mean((ys - ts) ** 2, axis=(1, 2))), carry


def train(model: _Predictor, xs: np.ndarray, ts: np.ndarray, epochs: int, bptt: int, lr: float) -> tuple:
    """Adam on chunks of ``bptt`` steps of the series (T, N, 1), the carry passed from chunk
    to chunk; it comes back from ``value_and_grad`` as plain arrays, so no gradient flows
    into earlier chunks (truncated BPTT). Returns the model and each epoch's mean loss."""
    opt = fz.optim.adam(lr)
    opt_state = opt.init(model)
    losses = []
    for epoch in range(epochs):
        carry, total = None, 0.0
        for start in range(0, len(xs), bptt):
            (loss, carry), g = fz.value_and_grad(chunk_loss, has_aux=True)(
                model, xs[start : start + bptt], ts[start : start + bptt], carry
            )
            updates, opt_state = opt.update(g, opt_state, model)
            model = fz.optim.apply_updates(model, updates)
            total += float(loss)
        losses.append(total / len(xs))
        if (epoch + 1) % 10 == 0 or epoch == 0:
            print(f"  epoch {epoch + 1:3d}: loss {losses[-1]:.6f}")
    return model, losses


def predict_cosine(model: _Predictor) -> tuple[np.ndarray, np.ndarray, float]:
    """Run the model along the cosine test curve; (predictions, targets, RMS error)."""
    test_set = fz.data.sine_curve(train=False)
    ys, _ = model(test_set.data[:, None, :])
    ys = np.asarray(ys)[:, 0, 0]
    ts = test_set.label[:, 0]
    return ys, ts, float(np.sqrt(np.mean((ys - ts) ** 2)))


def plot(predictions: dict[str, np.ndarray], targets: np.ndarray, out: str) -> Any:
    """Each model's predictions beside the targets, written to sine_rnn.png; the Figure."""
    fig = new_figure(figsize=(8, 4.8))
    if fig is None:
        return None
    ax = fig.subplots()
    ax.plot(targets, color="black", linewidth=2, label="cos (next value)")
    for name, ys in predictions.items():
        ax.plot(ys, label=f"{name} prediction")
    label_axes(ax, f"sine_rnn: {' and '.join(predictions)} predicting the next value of cos", "step", "value")
    ax.legend()
    save_figure(fig, out, "sine_rnn.png")
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser("sine_rnn", __doc__)
    parser.add_argument(
        "--epochs", type=positive_int, default=None, help="default 100 (SimpleRNN 5 with --fast)"
    )
    parser.add_argument("--hidden", type=positive_int, default=100)
    parser.add_argument("--bptt", type=int_range(1, 999), default=30)
    parser.add_argument(
        "--batch-size", type=int_range(1, 999), default=30, help="BetterRNN's parallel sub-sequences"
    )
    parser.add_argument("--lr", type=positive_float, default=1e-3)
    parser.add_argument("--seed", type=seed, default=0)
    args = parser.parse_args(argv)
    simple_epochs = args.epochs if args.epochs is not None else (5 if args.fast else 100)
    better_epochs = args.epochs if args.epochs is not None else 100
    simple_key, better_key = fz.random.split(fz.random.key(args.seed))
    train_set = fz.data.sine_curve(train=True)

    print(f"SimpleRNN (RNN {args.hidden}), one value at a time, {simple_epochs} epochs:")
    simple, _ = train(
        SimpleRNN(args.hidden, key=simple_key),
        train_set.data[:, None, :],
        train_set.label[:, None, :],
        simple_epochs,
        args.bptt,
        args.lr,
    )

    print(
        f"BetterRNN (LSTM {args.hidden}), batches of {args.batch_size} sub-sequences, {better_epochs} epochs:"
    )
    batches = list(fz.data.SeqDataLoader(train_set, args.batch_size))
    xs = np.stack([x for x, _ in batches])
    ts = np.stack([t for _, t in batches])
    better, losses = train(BetterRNN(args.hidden, key=better_key), xs, ts, better_epochs, args.bptt, args.lr)

    simple_ys, targets, simple_error = predict_cosine(simple)
    better_ys, _, better_error = predict_cosine(better)
    print(
        f"RMS error of the next-value prediction on the cosine curve: SimpleRNN {simple_error:.4f}, "
        f"BetterRNN {better_error:.4f} (bound {ERROR_BOUND})"
    )
    plot({"SimpleRNN": simple_ys, "BetterRNN": better_ys}, targets, args.out)
    return {
        "simple_error": simple_error,
        "better_error": better_error,
        "error_bound": ERROR_BOUND,
        "better_loss": losses[-1],
    }


if __name__ == "__main__":
    main()
