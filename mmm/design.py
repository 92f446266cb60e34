"""Design matrices and scaling: turn a validated :class:`~mmm.data.Dataset` into arrays.

Everything the model sees is scaled for good sampling geometry:

* KPI divided by its mean (``kpi_scale``), so the baseline is near 1;
* each channel's spend divided by its *typical weekly spend* (the mean of its non-zero
  weeks), so ``x = 1`` is a typical week and saturation priors mean the same for every
  channel whatever its budget;
* controls z-scored; events kept as 0/1;
* time for the trend runs from 0 to 1 over the training weeks.

The scaling is computed once on the training data and stored with the fit, so holdout
prediction, planning and reloads use exactly the same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from mmm.transforms import lag_matrix


@dataclass(frozen=True)
class Scaling:
    """Scale factors fixed on the training data."""

    kpi_scale: float
    spend_scale: tuple[float, ...]
    control_mean: tuple[float, ...]
    control_std: tuple[float, ...]
    start: str
    trend_days: float
    train_spend: tuple[float, ...]
    train_weeks: int

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Scaling:
        """Inverse of :meth:`to_dict`."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def compute_scaling(dates: pd.DatetimeIndex, kpi: np.ndarray, spend: np.ndarray,
                    controls: np.ndarray) -> Scaling:
    """Scale factors from training arrays (see module doc)."""
    kpi_scale = float(np.mean(np.abs(kpi))) or 1.0
    spend_scale = []
    for c in range(spend.shape[1]):
        nz = spend[:, c][spend[:, c] > 0]
        spend_scale.append(float(nz.mean()) if len(nz) else 1.0)
    if controls.shape[1]:
        mean = controls.mean(axis=0)
        std = controls.std(axis=0)
        std = np.where(std > 0, std, 1.0)
    else:
        mean = std = np.zeros(0)
    span = float((dates[-1] - dates[0]).days) or 7.0
    return Scaling(kpi_scale, tuple(spend_scale), tuple(map(float, mean)), tuple(map(float, std)),
                   str(dates[0].date()), span, tuple(map(float, spend.sum(axis=0))), len(dates))


@dataclass(frozen=True)
class Design:
    """Arrays the mean function needs for a stretch of weeks (all scaled)."""

    lags: np.ndarray        # (T, C, L) scaled spend, lagged
    time: np.ndarray        # (T,) 0..1 over the training weeks
    fourier: np.ndarray     # (T, 2K)
    controls: np.ndarray    # (T, K) z-scored
    events: np.ndarray      # (T, E)
    changepoints: np.ndarray  # (P,) changepoint locations in trend time

    @property
    def n_weeks(self) -> int:
        """Number of weeks."""
        return self.lags.shape[0]


def fourier_features(dates: pd.DatetimeIndex, order: int) -> np.ndarray:
    """Yearly Fourier terms ``sin/cos(2 pi k day/365.25)`` for k = 1..order; shape (T, 2*order)."""
    if order == 0:
        return np.zeros((len(dates), 0))
    t = (dates - pd.Timestamp("2000-01-03")).days.to_numpy(dtype="float64") / 365.25
    cols = []
    for k in range(1, order + 1):
        cols += [np.sin(2 * np.pi * k * t), np.cos(2 * np.pi * k * t)]
    return np.column_stack(cols)


def make_design(dates: pd.DatetimeIndex, spend: np.ndarray, controls: np.ndarray, events: np.ndarray,
                scaling: Scaling, *, l_max: int, seasonality_order: int, n_changepoints: int,
                history: np.ndarray | None = None) -> Design:
    """Build the scaled design for ``dates``.

    ``history`` is raw spend of the weeks just before ``dates`` (oldest first), used
    for carryover into the first weeks (e.g. holdout weeks follow training weeks).
    """
    scale = np.asarray(scaling.spend_scale)
    x = np.asarray(spend, dtype="float64") / scale
    hist = None if history is None else np.asarray(history, dtype="float64") / scale
    lags = lag_matrix(x, l_max, hist) if x.ndim == 2 else lag_matrix(x[:, None], l_max, hist)
    time = (dates - pd.Timestamp(scaling.start)).days.to_numpy(dtype="float64") / scaling.trend_days
    if controls.shape[1]:
        z = (controls - np.asarray(scaling.control_mean)) / np.asarray(scaling.control_std)
    else:
        z = np.zeros((len(dates), 0))
    cps = np.linspace(0, 0.8, n_changepoints + 2)[1:-1] if n_changepoints else np.zeros(0)
    return Design(lags=lags, time=time, fourier=fourier_features(dates, seasonality_order),
                  controls=z, events=np.asarray(events, dtype="float64"), changepoints=cps)
