"""The book's steps as fnzero scripts (docs/book/) print the numbers DeZero prints.

The expected lines were printed by DeZero 0.0.13 running the book's own steps/stepNN.py
(step 28 with 10,000 iterations); nothing here is computed by fnzero.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "docs" / "book"

DEZERO_PRINTS = {
    "step28_rosenbrock.py": ["0.9944984367782456 0.9890050527419593"],
    "step33_newton.py": [
        "0 2.0",
        "1 1.4545454545454546",
        "2 1.1510467893775467",
        "3 1.0253259289766978",
        "4 1.0009084519430513",
        "5 1.0000012353089454",
        "6 1.000000000002289",
        "7 1.0",
        "8 1.0",
        "9 1.0",
    ],
    "step43_sine_regression.py": [
        "0.8473695850105871",
        "0.2514286285183606",
        "0.24759485466749875",
        "0.23786120447054832",
        "0.2122223133310295",
        "0.1674218111783421",
        "0.09681932619992707",
        "0.07849528290602338",
        "0.07749729552991161",
        "0.07722132399559319",
    ],
}
# Step 48 prints 300 lines; these are DeZero's at epochs 1-5 and every 50th.
SPIRAL_EPOCHS = {1: 1.13, 2: 1.05, 3: 0.95, 4: 0.92, 5: 0.87, 50: 0.69, 100: 0.43, 150: 0.25}
SPIRAL_EPOCHS |= {200: 0.18, 250: 0.15, 300: 0.13}


def run_script(name: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, str(BOOK / name)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def numbers(line: str) -> list[float]:
    return [float(word) for word in line.replace(",", " ").split() if word[0].isdigit()]


@pytest.mark.parametrize("name", sorted(DEZERO_PRINTS))
def test_a_book_step_prints_dezeros_numbers(name):
    printed = run_script(name)
    expected = DEZERO_PRINTS[name]
    assert len(printed) == len(expected)
    for got, want in zip(printed, expected):
        # Same arithmetic in another order: equal to the last few bits.
        assert all(map(math.isclose, numbers(got), numbers(want))), (got, want)


def test_the_spiral_step_prints_dezeros_losses_every_epoch_shown():
    printed = run_script("step48_spiral.py")
    assert len(printed) == 300
    for epoch, loss in SPIRAL_EPOCHS.items():
        assert printed[epoch - 1] == f"epoch {epoch}, loss {loss:.2f}"


def test_every_script_in_the_guide_is_checked_here():
    scripts = {p.name for p in BOOK.glob("*.py")}
    assert scripts == set(DEZERO_PRINTS) | {"step48_spiral.py"}
    guide = (ROOT / "docs" / "from_dezero.md").read_text(encoding="utf-8")
    assert all(f"book/{name}" in guide for name in scripts)
