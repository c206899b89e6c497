"""Window functions for spectral analysis: constant arrays of a given length (NumPy's
formulas), so they carry no derivative."""

from __future__ import annotations

import numpy as np


def _length(M: int, where: str) -> int:  # noqa: N803 (NumPy's name)
    if isinstance(M, bool) or not isinstance(M, (int, np.integer)):
        raise TypeError(f"fnzero.numpy.{where}: M must be an int, got {type(M).__name__}")
    return int(M)


def bartlett(M: int) -> np.ndarray:  # noqa: N803
    """The triangular window of length ``M``."""
    return np.bartlett(_length(M, "bartlett"))


def blackman(M: int) -> np.ndarray:  # noqa: N803
    """The Blackman window of length ``M``."""
    return np.blackman(_length(M, "blackman"))


def hamming(M: int) -> np.ndarray:  # noqa: N803
    """The Hamming window of length ``M``."""
    return np.hamming(_length(M, "hamming"))


def hanning(M: int) -> np.ndarray:  # noqa: N803
    """The Hann window of length ``M``."""
    return np.hanning(_length(M, "hanning"))


def kaiser(M: int, beta: float) -> np.ndarray:  # noqa: N803
    """The Kaiser window of length ``M`` and shape ``beta``."""
    return np.kaiser(_length(M, "kaiser"), beta)
