"""The `fnzero` command: the README's main job, resume, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from fnzero import backends
from fnzero.cli import main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=REPO)
    return subprocess.run(
        [sys.executable, "-m", "fnzero", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["train", "--lr", "-1"], "argument --lr: must be a finite number > 0, got '-1'"),
        (["train", "--lr", "nan"], "argument --lr"),
        (["train", "--epochs", "0"], "argument --epochs: must be an integer >= 1"),
        (["train", "--batch-size", "x"], "argument --batch-size"),
        (["train", "--seed", "-3"], "argument --seed"),
        (["train", "--modle", "cnn"], "did you mean --model?"),
    ],
)
def test_bad_flags_name_the_flag_under_the_subcommand_usage(args, words):
    done = _cli(*args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("usage: fnzero train") and words in done.stderr.splitlines()[-1]


def test_run_without_a_name_lists_examples():
    done = _cli("run")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "needs an example's name" in done.stderr and "spiral_mlp" in done.stderr


def test_out_naming_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "f").write_text("x")
    done = _cli("train", "--epochs", "1", "--out", str(tmp_path / "f"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "is a file, not a folder" in done.stderr and "Errno" not in done.stderr


def test_version_and_defaults_in_help():
    assert _cli("--version").stdout.strip().startswith("fnzero ")
    assert "(default: 0.001)" in _cli("train", "--help").stdout


def test_piped_output_has_no_bars_and_quiet_still_reports(tmp_path):
    done = _cli("train", "--epochs", "2", "--batch-size", "256", "--out", str(tmp_path / "a"))
    assert done.returncode == 0 and "\r" not in done.stdout + done.stderr
    assert sum(line.startswith("epoch") for line in done.stdout.splitlines()) == 2
    quiet = _cli("train", "--epochs", "1", "--batch-size", "256", "--quiet", "--out", str(tmp_path / "b"))
    assert quiet.returncode == 0 and "epoch   1" not in quiet.stdout
    assert "test accuracy" in quiet.stdout and "checkpoint.npz" in quiet.stdout


def test_a_closed_pipe_ends_quietly(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO)
    job = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fnzero",
            "train",
            "--epochs",
            "5",
            "--batch-size",
            "256",
            "--out",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    job.stdout.readline()
    job.stdout.close()  # as `| head -1` does
    err = job.stderr.read().decode()
    assert job.wait(timeout=120) == 141 and err == ""


def test_resume_messages_and_eval(tmp_path):
    out = str(tmp_path / "run")
    assert _cli("train", "--epochs", "2", "--batch-size", "256", "--quiet", "--out", out).returncode == 0
    same = _cli("train", "--epochs", "2", "--resume", "--out", out)
    assert same.returncode == 0 and "nothing to train" in same.stdout
    fewer = _cli("train", "--epochs", "1", "--resume", "--out", out)
    assert fewer.returncode == 2 and "has 2 epochs done" in fewer.stderr
    other = _cli("train", "--epochs", "3", "--resume", "--lr", "0.01", "--out", out)
    lines = other.stderr.splitlines()
    assert other.returncode == 2 and "--lr 0.001" in lines[1] and "--lr 0.01" in lines[2]
    more = _cli("train", "--epochs", "3", "--resume", "--quiet", "--out", out)  # flags from the checkpoint
    assert more.returncode == 0, more.stderr
    history = _metrics(out)
    assert [h["epoch"] for h in history] == [1, 2, 3] and all("test_loss" in h for h in history)
    report = _cli("eval", out)
    assert report.returncode == 0 and f"test accuracy {history[-1]['test_accuracy']:.4f}" in report.stdout
    assert _cli("eval", str(tmp_path / "none")).returncode == 2


def test_training_plots_have_titles_labels_and_integer_epochs(tmp_path):
    pytest.importorskip("matplotlib")
    from fnzero import train as training

    config = training.Config(model="cnn", out=str(tmp_path / "myrun"))
    history = [
        {"epoch": e, "loss": 1 / e, "train_accuracy": 0.5, "test_loss": 1.2 / e, "test_accuracy": 0.6}
        for e in (1, 2, 3)
    ]
    figures = training.plot_history(config, history)
    assert set(figures) == {"loss", "accuracy"}
    for fig in figures.values():
        ax = fig.axes[0]
        assert "cnn on digits" in ax.get_title() and "myrun" in ax.get_title()
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel()
        assert len(ax.get_lines()) == 2 and len(ax.get_legend().get_texts()) == 2
        fig.canvas.draw()
        ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
        assert ticks and all(float(t).is_integer() for t in ticks)
