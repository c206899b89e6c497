"""Every example rejects a bad argument with one line on stderr naming the flag and exit code 2,
never a traceback or a hang; run as a user runs them, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BAD = [
    ("spiral_mlp", ["--epochs", "0"], "--epochs"),
    ("spiral_mlp", ["--batch-size", "0"], "--batch-size"),
    ("spiral_mlp", ["--hidden", "0"], "--hidden"),
    ("spiral_mlp", ["--lr", "-1"], "--lr"),
    ("spiral_mlp", ["--seed", "-3"], "--seed"),
    ("linear_regression", ["--iters", "0"], "--iters"),
    ("linear_regression", ["--lr", "0"], "--lr"),
    ("digits_mlp", ["--epochs", "0"], "--epochs"),
    ("digits_mlp", ["--hidden", "10", "0"], "--hidden"),
    ("digits_mlp", ["--weight-decay", "-1"], "--weight-decay"),
    ("digits_mlp", ["--batch-size", "x"], "--batch-size"),
    ("digits_cnn", ["--epochs", "0"], "--epochs"),
    ("digits_cnn", ["--width", "0"], "--width"),
    ("sine_rnn", ["--epochs", "0"], "--epochs"),
    ("sine_rnn", ["--bptt", "0"], "--bptt"),
    ("sine_rnn", ["--batch-size", "5000"], "--batch-size"),
    ("taylor_sin", ["--threshold", "0"], "--threshold"),
    ("taylor_sin", ["--threshold", "nan"], "--threshold"),
    ("taylor_sin", ["--x", "1e6"], "--x"),
    ("newton", ["--iters", "-1"], "--iters"),
    ("newton", ["--x0", "inf"], "--x0"),
    ("rosenbrock", ["--iters", "0"], "--iters"),
    ("rosenbrock", ["--lr", "0.5"], "--lr"),
    ("cifar2_comparison", ["--width", "2"], "--width"),
    ("cifar2_comparison", ["--momentum", "1.5"], "--momentum"),
    ("cifar2_comparison", ["--blocks", "0"], "--blocks"),
    ("vgg16_inference", ["--top", "0"], "--top"),
    ("vgg16_inference", ["--seed", "abc"], "--seed"),
]


def run_example(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "fnzero", "run", *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.parametrize(("name", "argv", "flag"), BAD, ids=[f"{n}{' '.join(a)}" for n, a, _ in BAD])
def test_a_bad_argument_ends_in_one_line_naming_the_flag(name, argv, flag, tmp_path):
    result = run_example(name, *argv, "--out", str(tmp_path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"fnzero run {name}: error:") and flag in lines[0]
    assert "Traceback" not in result.stderr


def test_out_naming_a_file_is_refused(tmp_path):
    path = tmp_path / "a_file"
    path.write_text("")
    result = run_example("newton", "--out", str(path))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"fnzero run newton: error: argument --out: {str(path)!r} is a file, expected a folder"
    )


def test_taylor_sin_refuses_a_threshold_it_cannot_reach():
    from fnzero.examples.taylor_sin import my_sin

    with pytest.raises(ValueError, match="threshold must be > 0, got 0"):
        my_sin(1.0, threshold=0)
    with pytest.raises(ValueError, match="no term fell below"):
        my_sin(float("nan"), threshold=1e-4)
