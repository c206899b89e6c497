"""`fnzero train` SIGKILLed between its checkpoint and metrics.json resumes to the same parameters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ["--batch-size", "256", "--quiet"]

# Kills the process with SIGKILL on the n-th metrics write, i.e. just after the n-th checkpoint.
KILLER = """
import os, signal, sys
import fnzero.train as t
calls = [0]
write = t._write_metrics
def killing(config, history):
    calls[0] += 1
    if calls[0] == int(os.environ["KILL_AT_WRITE"]):
        os.kill(os.getpid(), signal.SIGKILL)
    write(config, history)
t._write_metrics = killing
from fnzero.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _fnzero(args, kill_at=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if kill_at is None:
        command = [sys.executable, "-m", "fnzero", *args]
    else:
        command = [sys.executable, "-c", KILLER, *args]
        env["KILL_AT_WRITE"] = str(kill_at)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def _arrays(out):
    with np.load(out / "checkpoint.npz") as f:
        return {k: f[k] for k in f.files if k.startswith(("model", "opt", "bn", "epoch"))}


@pytest.mark.parametrize("kill_at", [1, 2])
def test_a_kill_after_the_checkpoint_resumes_to_the_uninterrupted_parameters(tmp_path, kill_at):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    assert _fnzero(["train", "--epochs", "3", "--out", str(straight), *FLAGS]).returncode == 0
    died = _fnzero(["train", "--epochs", "3", "--out", str(killed), *FLAGS], kill_at=kill_at)
    assert died.returncode == -9, died.stderr
    # The metrics view lags the checkpoint by one epoch (or does not exist yet).
    assert (killed / "metrics.json").exists() == (kill_at > 1)
    resumed = _fnzero(["train", "--epochs", "3", "--resume", "--out", str(killed), *FLAGS])
    assert resumed.returncode == 0, resumed.stderr
    assert f"at epoch {kill_at}" not in resumed.stdout  # --quiet: no progress lines
    a, b = _arrays(straight), _arrays(killed)
    assert a.keys() == b.keys() and len(a) > 4
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    history = json.loads((killed / "metrics.json").read_text())["history"]
    reference = json.loads((straight / "metrics.json").read_text())["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3]
    strip = [{k: v for k, v in h.items() if k != "seconds"} for h in reference]
    assert [{k: v for k, v in h.items() if k != "seconds"} for h in history] == strip
