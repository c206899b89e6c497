"""The ``fnzero`` command: ``fnzero train``, ``fnzero examples``, ``fnzero run NAME``.

Mistakes a user can make (an unknown model or dataset, a missing data folder, cupy without
a GPU, an unwritable output folder) end with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from fnzero import train as training


def _train(args: argparse.Namespace) -> int:
    if args.model not in training.MODELS:
        return _fail(f"unknown model {args.model!r}; choose from {', '.join(training.MODELS)}")
    if args.dataset not in training.DATASETS:
        return _fail(f"unknown dataset {args.dataset!r}; choose from {', '.join(training.DATASETS)}")
    if args.optimizer not in training.OPTIMIZERS:
        return _fail(f"unknown optimizer {args.optimizer!r}; choose from {', '.join(training.OPTIMIZERS)}")
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        return _fail("--epochs and --batch-size must be positive, and --lr greater than 0")
    config = training.Config(
        model=args.model,
        dataset=args.dataset,
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        lr=args.lr,
        seed=args.seed,
        backend=args.backend,
        out=args.out,
        data_root=args.data_root,
        resume=args.resume,
    )
    try:
        training.train(config, progress=None if args.quiet else print)
    except (FileNotFoundError, PermissionError, ImportError, RuntimeError, ValueError, OSError) as e:
        return _fail(str(e))
    return 0


def _examples(args: argparse.Namespace) -> int:
    from fnzero.examples import EXAMPLES

    width = max(map(len, EXAMPLES))
    for name, description in EXAMPLES.items():
        print(f"{name:<{width}}  {description}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from fnzero.examples import EXAMPLES, run

    if args.name not in EXAMPLES:
        return _fail(f"unknown example {args.name!r}; `fnzero examples` lists them")
    try:
        run(args.name, args.args)
    except (FileNotFoundError, PermissionError, ImportError, RuntimeError, ValueError, OSError) as e:
        return _fail(str(e))
    return 0


def _fail(message: str) -> int:
    print(f"fnzero: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fnzero", description="JAX-style autodiff on NumPy and CuPy.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model (default: an MLP on the shipped digits)")
    t.add_argument("--model", default="mlp", help=f"one of {', '.join(training.MODELS)}")
    t.add_argument("--dataset", default="digits", help=f"one of {', '.join(training.DATASETS)}")
    t.add_argument("--epochs", type=int, default=20, help="train until this many epochs in total")
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--optimizer", default="adam", help=f"one of {', '.join(training.OPTIMIZERS)}")
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--backend", default="numpy", help="numpy or cupy")
    t.add_argument("--out", default="runs/latest", help="folder for the checkpoint, metrics and plots")
    t.add_argument("--data-root", default="~/.fnzero/data", help="folder with MNIST / CIFAR-10 files")
    t.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    t.add_argument("--quiet", action="store_true", help="no progress output")
    t.set_defaults(handler=_train)
    e = sub.add_parser("examples", help="list the book's examples")
    e.set_defaults(handler=_examples)
    r = sub.add_parser("run", help="run an example: fnzero run NAME [--fast] ...")
    r.add_argument("name")
    r.add_argument("args", nargs=argparse.REMAINDER)
    r.set_defaults(handler=_run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
