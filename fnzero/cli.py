"""The ``fnzero`` command: ``fnzero train``, ``fnzero eval``, ``fnzero examples``, ``fnzero run NAME``.

Mistakes a user can make (an unknown model or dataset, a bad number, a missing data folder,
cupy without a GPU, an unwritable output folder) end with a message on stderr and exit code
2; docs/bad_inputs/cli.md lists them. Output closed early (``fnzero train | head``) ends the
command quietly with exit code 141, as a process killed by SIGPIPE would.
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
import sys

import attrs

import fnzero
from fnzero import distributed
from fnzero import train as training

BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `yes | head`


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def _print_now(line: str) -> None:
    print(line, flush=True)  # a pipe (`| tee log`) sees each epoch as it ends


def _train(args: argparse.Namespace) -> int:
    fields = {f.name: getattr(args, f.name) for f in attrs.fields(training.Config)}
    if args.resume:
        checkpoint = os.path.join(args.out, "checkpoint.npz")
        if os.path.exists(checkpoint):
            try:
                saved = training.read_run(checkpoint)["config"]
            except (OSError, ValueError) as e:
                return _fail(str(e))
            for name in training.RUN_FLAGS:  # flags left out continue the run as it was trained
                if name not in args.explicit and name in saved:
                    fields[name] = saved[name]
    config = training.Config(**fields)
    try:
        training.train(
            config,
            progress=None if args.quiet else _print_now,
            report=_print_now,
        )
    except BrokenPipeError:
        raise
    except distributed.ConfigMismatchError as e:
        return _fail(str(e)) if distributed.rank() == 0 else 2  # one copy of the message, not one per rank
    except (FileNotFoundError, PermissionError, ImportError, RuntimeError, ValueError, OSError) as e:
        return _fail(str(e))
    return 0


def _eval(args: argparse.Namespace) -> int:
    try:
        result = training.evaluate_checkpoint(
            args.checkpoint, backend=args.backend, data_root=args.data_root, download=args.download
        )
    except BrokenPipeError:
        raise
    except (FileNotFoundError, PermissionError, ImportError, RuntimeError, ValueError, OSError) as e:
        return _fail(str(e))
    c = result["config"]
    print(
        f"{c['model']} on {c['dataset']} after {result['epoch']} epochs ({result['checkpoint']}): "
        f"test accuracy {result['test_accuracy']:.4f}, test loss {result['test_loss']:.4f} "
        f"on {result['examples']} examples",
        flush=True,
    )
    return 0


def _examples(args: argparse.Namespace) -> int:
    from fnzero.examples import EXAMPLES

    width = max(map(len, EXAMPLES))
    for name, description in EXAMPLES.items():
        print(f"{name:<{width}}  {description}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from fnzero.examples import EXAMPLES, run

    if args.name is None:
        return _fail(
            "`fnzero run` needs an example's name, e.g. `fnzero run spiral_mlp` or "
            "`fnzero run digits_cnn --fast`;\n"
            f"  the examples are: {', '.join(EXAMPLES)} (`fnzero examples` describes them)"
        )
    if args.name not in EXAMPLES:
        close = difflib.get_close_matches(args.name, EXAMPLES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return _fail(f"unknown example {args.name!r}{hint}; `fnzero examples` lists them")
    try:
        run(args.name, args.args)
    except BrokenPipeError:
        raise
    except (FileNotFoundError, PermissionError, ImportError, RuntimeError, ValueError, OSError) as e:
        return _fail(str(e))
    return 0


def _fail(message: str) -> int:
    """``fnzero: error: MESSAGE`` on stderr (a message's own lines kept), exit code 2."""
    print(f"fnzero: error: {message.strip()}", file=sys.stderr, flush=True)
    return 2


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Defaults in every help line; none for flags and positionals without one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False or not action.option_strings:
            return action.help or ""
        return super()._get_help_string(action)


def _add_train_flags(t: argparse.ArgumentParser, defaults: bool = True) -> None:
    d = training.Config()

    def default(value):
        return value if defaults else argparse.SUPPRESS

    t.add_argument("--model", default=default(d.model), help=f"one of {', '.join(training.MODELS)}")
    t.add_argument("--dataset", default=default(d.dataset), help=f"one of {', '.join(training.DATASETS)}")
    t.add_argument(
        "--epochs", type=_positive_int, default=default(d.epochs), help="train until this many epochs, in all"
    )
    t.add_argument(
        "--batch-size", type=_positive_int, default=default(d.batch_size), help="global batch (all ranks)"
    )
    t.add_argument(
        "--optimizer", default=default(d.optimizer), help=f"one of {', '.join(training.OPTIMIZERS)}"
    )
    t.add_argument("--lr", type=_learning_rate, default=default(d.lr), help="learning rate, > 0")
    t.add_argument("--seed", type=_seed, default=default(d.seed), help="seeds the model, batches, dropout")
    t.add_argument("--backend", default=default(d.backend), help="numpy or cupy")
    t.add_argument("--out", default=default(d.out), help="folder for the checkpoint, metrics and plots")
    t.add_argument(
        "--data-root", default=default(d.data_root), help="folder with MNIST / Fashion-MNIST / CIFAR-10 files"
    )
    t.add_argument(
        "--download",
        action="store_true",
        default=default(False),
        help="fetch the dataset's files into --data-root when missing (the only network access)",
    )
    t.add_argument(
        "--resume",
        action="store_true",
        default=default(False),
        help="continue the run in --out (flags left out are the checkpoint's)",
    )
    t.add_argument(
        "--quiet",
        action="store_true",
        default=default(False),
        help="no per-epoch lines (the final accuracy and paths are still printed)",
    )


def parser() -> argparse.ArgumentParser:
    """The ``fnzero`` argument parser."""
    p = argparse.ArgumentParser(
        prog="fnzero", description="JAX-style autodiff on NumPy and CuPy.", formatter_class=_Formatter
    )
    p.add_argument("--version", action="version", version=f"fnzero {fnzero.__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="{train,eval,examples,run}")
    t = sub.add_parser(
        "train", help="train a model (default: an MLP on the shipped digits)", formatter_class=_Formatter
    )
    _add_train_flags(t)
    t.set_defaults(handler=_train, subparser=t)
    v = sub.add_parser("eval", help="report the test accuracy of a saved run", formatter_class=_Formatter)
    v.add_argument("checkpoint", help="a checkpoint.npz, or the --out folder of a run")
    v.add_argument("--backend", default=None, help="numpy or cupy (default: the run's)")
    v.add_argument("--data-root", default=None, help="folder with the dataset's files (default: the run's)")
    v.add_argument(
        "--download",
        action="store_true",
        help="fetch the test set's files when missing (the only network access)",
    )
    v.set_defaults(handler=_eval, subparser=v)
    e = sub.add_parser("examples", help="list the book's examples", formatter_class=_Formatter)
    e.set_defaults(handler=_examples, subparser=e)
    r = sub.add_parser("run", help="run an example: fnzero run NAME [--fast] ...", formatter_class=_Formatter)
    r.add_argument("name", nargs="?", help="an example's name (`fnzero examples` lists them)")
    r.add_argument("args", nargs=argparse.REMAINDER, help="the example's own flags (e.g. --fast)")
    r.set_defaults(handler=_run, subparser=r)
    return p


def _explicit_train_flags(argv: list[str]) -> set[str]:
    """The train flags given on the command line (not left to their defaults)."""
    quiet = argparse.ArgumentParser(add_help=False)
    _add_train_flags(quiet, defaults=False)
    given, _ = quiet.parse_known_args(argv[argv.index("train") + 1 :])
    return set(vars(given))


def _parse(argv: list[str]) -> argparse.Namespace:
    p = parser()
    args, extra = p.parse_known_args(argv)
    if extra:
        sub = args.subparser
        known = [s for a in sub._actions for s in a.option_strings]
        hints = [
            f"did you mean {close[0]}?"
            for word in extra
            if word.startswith("-") and (close := difflib.get_close_matches(word.split("=")[0], known, n=1))
        ]
        sub.error(f"unrecognized arguments: {' '.join(extra)}" + (f" ({'; '.join(hints)})" if hints else ""))
    if args.command == "train":
        args.explicit = _explicit_train_flags(argv)
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the ``fnzero`` command on ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parse(argv)
    try:
        return args.handler(args)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly; further writes go nowhere.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
