"""Generated weekly series of the simulators: spend paths, trend, seasonality, events, controls."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mmm.simulate.config import (
    SEASONALITY_ORIGIN,
    YEAR_DAYS,
    Baseline,
    Control,
    Event,
    SpendPattern,
    fourier_key,
)


def season_time(dates: pd.DatetimeIndex, kind: str = "epoch") -> np.ndarray:
    """The seasonality clock ``u`` of ``dates`` (in years; see :class:`Baseline`)."""
    if kind == "peer_dayofyear":
        return np.asarray(dates.day_of_year, dtype="float64") / 365.5
    days = (dates - pd.Timestamp(SEASONALITY_ORIGIN)).days
    return np.asarray(days, dtype="float64") / YEAR_DAYS


def fourier_seasonality(dates: pd.DatetimeIndex, coefficients: dict[str, float],
                        kind: str = "epoch") -> np.ndarray:
    """Weekly seasonality ``sum_k a_k sin(2 pi k u) + b_k cos(2 pi k u)``."""
    u = season_time(dates, kind)
    out = np.zeros(len(dates))
    for key, coef in coefficients.items():
        fn, k = fourier_key(key)
        f = np.sin if fn == "sin" else np.cos
        out += coef * f(2 * np.pi * k * u)
    return out


def _trend_time(n: int) -> np.ndarray:
    return np.arange(n, dtype="float64") / (n - 1)


def trend_path(b: Baseline, n: int) -> np.ndarray:
    """The baseline's trend over ``n`` weeks."""
    t = _trend_time(n)
    if b.trend_kind == "peer_power":
        return b.trend * ((50.0 * t + 10.0) ** 0.25 - 1.0)
    return b.trend * t


def event_dummy(event: Event, dates: pd.DatetimeIndex) -> np.ndarray:
    """0/1 flag of the weeks of ``dates`` that hold the event."""
    years = sorted({d.year for d in dates} | {dates[0].year - 1, dates[-1].year + 1})
    if event.rule == "black_friday":
        days = []
        for y in years:
            nov1 = pd.Timestamp(year=y, month=11, day=1)
            first_thu = nov1 + pd.Timedelta(days=(3 - nov1.dayofweek) % 7)
            days.append(first_thu + pd.Timedelta(weeks=3, days=1))
    elif event.rule == "christmas":
        days = [pd.Timestamp(year=y, month=12, day=25) for y in years]
    else:
        days = [pd.Timestamp(d) for d in event.dates]
    out = np.zeros(len(dates), dtype="int64")
    for d in days:
        hit = (dates <= d) & (d < dates + pd.Timedelta(days=7))
        out[np.asarray(hit)] = 1
    return out


# ---------------------------------------------------------------- generators


def _ar_noise(rng: np.random.Generator, n: int, ar: float) -> np.ndarray:
    e = rng.normal(0.0, 1.0, n)
    z = np.empty(n)
    z[0] = e[0]
    k = math.sqrt(max(1.0 - ar * ar, 0.0))
    for t in range(1, n):
        z[t] = ar * z[t - 1] + k * e[t]
    return z


def _flight_mask(rng: np.random.Generator, n: int, burst: tuple[int, int], gap: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    on = bool(rng.uniform() < 0.5)
    t = 0
    while t < n:
        lo, hi = burst if on else gap
        length = int(rng.integers(lo, hi + 1))
        mask[t:t + length] = on
        t += length
        on = not on
    return mask


def spend_path(pattern: SpendPattern, n: int, rng: np.random.Generator,
               season_shape: np.ndarray | None = None) -> np.ndarray:
    """Generate one channel's weekly spend from its :class:`SpendPattern`.

    Parameters
    ----------
    pattern : SpendPattern
    n : int
        Number of weeks.
    rng : numpy.random.Generator
        Random draws come from here, in a fixed order.
    season_shape : numpy.ndarray, optional
        Seasonality shape scaled to [-1, 1]; spend moves with it by ``pattern.seasonal``.

    Returns
    -------
    numpy.ndarray
        Non-negative weekly spend, shape ``(n,)``.
    """
    if pattern.kind == "uniform":
        u = rng.uniform(0.0, 1.0, n)
        return pattern.level * np.where(u > pattern.threshold, u, u * pattern.below)
    z = _ar_noise(rng, n, pattern.ar)
    mult = np.exp(pattern.noise * z - pattern.noise ** 2 / 2)
    shape = np.zeros(n) if season_shape is None else season_shape
    s = pattern.level * (1 + pattern.growth * _trend_time(n)) * (1 + pattern.seasonal * shape) * mult
    if pattern.kind == "always_on":
        dark = rng.uniform(0.0, 1.0, n) < pattern.zero_prob
        s[dark] = 0.0
    elif pattern.kind == "flighted":
        s[~_flight_mask(rng, n, pattern.burst, pattern.gap)] = 0.0
    s[: pattern.start_week] = 0.0
    return np.maximum(s, 0.0)


def control_path(control: Control, dates: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """One control variable's weekly values."""
    n = len(dates)
    p = control.params
    if control.kind == "promo":
        months = set(p.get("months", []))
        prob = np.where(np.isin(dates.month, list(months)), p.get("peak_prob", 0.5), p.get("prob", 0.2))
        promo_week = rng.uniform(0.0, 1.0, n) < prob
        days = rng.integers(1, 8, n)
        return np.round(np.where(promo_week, days / 7.0, 0.0), 4)
    if control.kind == "headcount":
        steps = (rng.uniform(0.0, 1.0, n) < p.get("hire_prob", 0.05)).astype(int)
        steps -= (rng.uniform(0.0, 1.0, n) < p.get("leave_prob", 0.01)).astype(int)
        steps[0] = 0
        return np.maximum(p.get("start", 5) + np.cumsum(steps), 1).astype("int64")
    z = _ar_noise(rng, n, p.get("ar", 0.5))
    return p.get("mean", 0.0) + p.get("sd", 1.0) * z


def round_to(x: np.ndarray, decimals: int | None) -> np.ndarray:
    """``x`` rounded to ``decimals`` (unchanged for ``None``)."""
    return x if decimals is None else np.round(x, decimals)


# ---------------------------------------------------------------- the truth
