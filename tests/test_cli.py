"""The `fnzero` command: the README's main job, resume, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from fnzero import backends
from fnzero.cli import main


def _metrics(out):
    with open(os.path.join(out, "metrics.json")) as f:
        return json.load(f)["history"]


def test_main_job_trains_the_mlp_on_digits(tmp_path):
    out = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "fnzero", "train", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    history = _metrics(out)
    assert len(history) == 20 and history[-1]["test_accuracy"] >= 0.97
    assert "test accuracy" in result.stdout
    assert (out / "checkpoint.npz").exists() and (out / "metrics.csv").exists()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "plots skipped" in result.stdout
    else:
        assert (out / "loss.png").exists() and (out / "accuracy.png").exists()


def test_cnn_reaches_98_percent_on_digits(tmp_path):
    assert main(["train", "--model", "cnn", "--quiet", "--out", str(tmp_path)]) == 0
    assert _metrics(tmp_path)[-1]["test_accuracy"] >= 0.98


def test_resume_equals_an_uninterrupted_run(tmp_path):
    common = ["train", "--model", "cnn", "--quiet", "--batch-size", "64"]
    assert main([*common, "--epochs", "4", "--out", str(tmp_path / "straight")]) == 0
    assert main([*common, "--epochs", "2", "--out", str(tmp_path / "split")]) == 0
    assert main([*common, "--epochs", "4", "--resume", "--out", str(tmp_path / "split")]) == 0

    def strip(history):
        return [{k: v for k, v in h.items() if k != "seconds"} for h in history]

    assert strip(_metrics(tmp_path / "split")) == strip(_metrics(tmp_path / "straight"))


def _unwritable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    return str(blocker / "out")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--model", "transformer"], "unknown model"),
        (["--dataset", "imagenet"], "unknown dataset"),
        (["--dataset", "mnist", "--data-root", "{tmp}/empty"], "not found"),
        (["--model", "cnn", "--dataset", "spiral"], "needs images"),
        (["--resume"], "no checkpoint"),
        (["--out", "UNWRITABLE"], "file"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_2(tmp_path, capsys, args, words):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    args = [_unwritable(tmp_path) if a == "UNWRITABLE" else a for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "run")]
    code = main(["train", "--quiet", "--epochs", "1", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("fnzero: error:") and words in err


@pytest.mark.skipif("cupy" in backends.available(), reason="a GPU is present")
def test_cupy_without_a_gpu_is_a_one_line_error(tmp_path, capsys):
    assert main(["train", "--backend", "cupy", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cupy" in err and "pip install" in err
