"""Small statistics helpers shared by analysis and planning."""

from __future__ import annotations

import numpy as np


def hdi(samples: np.ndarray, prob: float = 0.9, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Highest-density interval of ``samples`` along ``axis`` (vectorised over the rest).

    The shortest interval holding ``prob`` of the draws, as ArviZ defines it.

    Examples
    --------
    >>> lo, hi = hdi(np.arange(101.0), 0.9)
    >>> float(hi - lo)
    90.0
    """
    x = np.sort(np.moveaxis(np.asarray(samples, dtype="float64"), axis, 0), axis=0)
    n = x.shape[0]
    keep = int(np.floor(prob * n))
    if keep >= n or n < 2:
        return x[0], x[-1]
    widths = x[keep:] - x[: n - keep]
    start = np.argmin(widths, axis=0)
    lo = np.take_along_axis(x, start[None], axis=0)[0]
    hi = np.take_along_axis(x, (start + keep)[None], axis=0)[0]
    return lo, hi


def r2_score(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Coefficient of determination of a point prediction."""
    ss_res = float(np.sum((actual - predicted) ** 2))
    ss_tot = float(np.sum((actual - actual.mean()) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error (weeks with actual 0 are skipped)."""
    ok = actual != 0
    return float(np.mean(np.abs((actual[ok] - predicted[ok]) / actual[ok])))


def summarise(draws: np.ndarray, prob: float = 0.9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean (ignoring NaN) and ``prob`` HDI of ``draws`` over their first axis: ``(mean, low, high)``."""
    low, high = hdi(draws, prob)
    return np.nanmean(draws, axis=0), low, high
