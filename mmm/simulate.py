"""Simulated marketing data with a known truth, for demos, tests and parameter recovery.

The data-generating process (DGP) is the model family of :mod:`mmm` itself, so a fit on
simulated data can be checked against the truth:

For each channel with weekly spend ``s``:

* ``scale`` is the mean of the channel's **non-zero** weekly spend over the whole data
  set (the model's "typical weekly spend");
* ``x = s / scale``; ``a = adstock(x, carryover_weights(kind, params, l_max))``, with
  no spend before the first week;
* ``contribution = beta * saturation(kind, a, params)`` in KPI units, so ``beta`` is the
  KPI a channel would add per week at full saturation.

The baseline is ``intercept + trend * t`` (``t`` from 0 to 1 over the data) plus yearly
Fourier seasonality (``sin/cos(2 pi k u)`` with ``u`` = days since 1970-01-01 / 365.25),
plus controls (``coef * (c - mean(c)) / std(c)``, population std) plus 0/1 events times
their effect. ``KPI = baseline + sum(contributions) + Normal(0, noise_sd)``.

Every channel's true total contribution, ROAS (contribution / spend, both over the data
period), marginal ROAS and weekly contributions are returned in a JSON-serialisable
``truth`` dict; :func:`true_contribution` evaluates the true response of any spend path
(for instance to find the truly optimal budget plan), independently of any fitted model.

Three ready-made configurations: :func:`ecommerce_config` (D2C revenue),
:func:`b2b_config` (B2B pipeline, delayed carryover) and :func:`peer_example_config`
(PyMC-Marketing's ``mmm_example`` data set, re-created exactly). :func:`write_samples`
writes the shipped sample files of ``data/samples`` (see ``scripts/make_samples.py``).

Example
-------
>>> data, truth = simulate(ecommerce_config(weeks=60))
>>> sorted(truth["channels"])[:2]
['google_search', 'meta']
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm import transforms

#: Origin of the seasonality clock: ``u = (date - origin).days / 365.25``.
SEASONALITY_ORIGIN = "1970-01-01"
YEAR_DAYS = 365.25

SPEND_KINDS = ("always_on", "flighted", "uniform")
TREND_KINDS = ("linear", "peer_power")
SEASON_TIMES = ("epoch", "peer_dayofyear")
CONTROL_KINDS = ("promo", "headcount", "normal")
EVENT_RULES = ("black_friday", "christmas", "dates")


# ---------------------------------------------------------------- configuration


@dataclass
class ChannelTruth:
    """The true response of one channel.

    Parameters
    ----------
    name : str
        Channel name (the spend column is ``<name>_spend`` unless ``spend_column`` is set).
    role : str
        ``brand`` or ``performance``.
    adstock : str
        Carryover kind, one of :data:`mmm.transforms.ADSTOCK_FUNCTIONS`.
    l_max : int
        Carryover length in weeks.
    carryover_params : dict
        Parameters named as in :mod:`mmm.transforms`: ``carryover`` (+ ``peak_lag`` for
        ``delayed``) or ``weibull_shape`` and ``weibull_scale``.
    saturation : str
        ``logistic``, ``hill`` or ``michaelis_menten``.
    saturation_params : dict
        ``saturation_lambda`` or ``half_saturation`` (+ ``hill_slope``), for spend
        divided by ``scale``.
    beta : float
        KPI per week at full saturation (> 0).
    scale : float, optional
        Mean non-zero weekly spend; filled in by :func:`simulate` (any given value is
        replaced by the value computed from the simulated spend).
    spend_column : str, optional
        Column name of the spend (default ``<name>_spend``).
    """

    name: str
    role: str
    adstock: str
    l_max: int
    carryover_params: dict[str, float]
    saturation: str
    saturation_params: dict[str, float]
    beta: float
    scale: float | None = None
    spend_column: str | None = None

    @property
    def column(self) -> str:
        """The spend column name."""
        return self.spend_column or f"{self.name}_spend"


@dataclass
class SpendPattern:
    """How a channel's weekly spend is generated.

    Parameters
    ----------
    kind : str
        ``always_on`` (spend every week, with noise and optional dark weeks),
        ``flighted`` (on/off bursts, as for TV) or ``uniform`` (``level * u`` with
        ``u ~ U(0, 1)``, kept when ``u > threshold`` and multiplied by ``below``
        otherwise: PyMC-Marketing's example pattern; it draws nothing else).
    level : float
        Typical weekly spend when on.
    noise : float
        Standard deviation of the multiplicative log-normal week-to-week noise.
    ar : float
        Autocorrelation of that noise (0 = white noise).
    seasonal : float
        Spend moves with the KPI's seasonality shape by this fraction (e.g. 0.3 = +-30%).
    growth : float
        Relative growth of the level from the first to the last week.
    zero_prob : float
        ``always_on``: probability that a week is dark (zero spend).
    burst : tuple of int
        ``flighted``: range (min, max) of the length of an on burst, in weeks.
    gap : tuple of int
        ``flighted``: range (min, max) of the length of an off period, in weeks.
    start_week : int
        Weeks before this index have zero spend (a channel launched later).
    threshold, below : float
        ``uniform`` only, see ``kind``.
    """

    kind: str = "always_on"
    level: float = 1.0
    noise: float = 0.2
    ar: float = 0.5
    seasonal: float = 0.0
    growth: float = 0.0
    zero_prob: float = 0.0
    burst: tuple[int, int] = (3, 8)
    gap: tuple[int, int] = (3, 8)
    start_week: int = 0
    threshold: float = 0.0
    below: float = 1.0


@dataclass
class Baseline:
    """The non-media part of the KPI, in KPI units.

    Parameters
    ----------
    intercept : float
        Level at the first week.
    trend : float
        ``linear``: rise from the first to the last week (``trend * t``, ``t`` in [0, 1]).
        ``peer_power``: multiplier of PyMC-Marketing's curve ``(50 t + 10)**0.25 - 1``.
    trend_kind : str
        ``linear`` (the model family) or ``peer_power`` (for :func:`peer_example_config`).
    seasonality : dict
        Fourier coefficients ``{"sin_1": .., "cos_1": .., "sin_2": .., "cos_2": ..}``
        (any order ``k``) multiplying ``sin/cos(2 pi k u)``.
    season_time : str
        ``epoch``: ``u`` = days since 1970-01-01 / 365.25 (the model family);
        ``peer_dayofyear``: ``u`` = day of year / 365.5 (PyMC-Marketing's example).
    """

    intercept: float
    trend: float = 0.0
    trend_kind: str = "linear"
    seasonality: dict[str, float] = field(default_factory=dict)
    season_time: str = "epoch"


@dataclass
class Control:
    """A control variable and its effect ``coef * (c - mean(c)) / std(c)`` (KPI units).

    Parameters
    ----------
    name : str
        Column name.
    coef : float
        Effect of one (population) standard deviation of the control; signed.
    kind : str
        ``promo`` (share of the week on promotion, in sevenths, more likely in
        ``params["months"]``), ``headcount`` (a slowly growing integer count) or
        ``normal`` (Gaussian AR(1) noise).
    params : dict
        ``promo``: ``prob`` (chance of a promotion week), ``peak_prob`` and ``months``
        (higher chance in those months). ``headcount``: ``start``, ``hire_prob``,
        ``leave_prob``. ``normal``: ``mean``, ``sd``, ``ar``.
    """

    name: str
    coef: float
    kind: str = "normal"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Event:
    """A 0/1 event column and its effect on the KPI in the flagged weeks.

    Parameters
    ----------
    name : str
        Column name.
    effect : float
        KPI added in a flagged week (signed).
    rule : str
        ``black_friday`` (the week holding the day after US Thanksgiving), ``christmas``
        (the week holding 25 December) or ``dates`` (the weeks holding ``dates``).
    dates : list of str
        Dates for ``rule="dates"``.
    """

    name: str
    effect: float
    rule: str = "dates"
    dates: list[str] = field(default_factory=list)


@dataclass
class CountColumn:
    """An extra integer column derived from the KPI, e.g. opportunities from pipeline.

    ``count ~ Poisson(max(KPI, 0) / unit_value)``; the true media contribution in counts
    is the KPI contribution divided by ``unit_value``.
    """

    name: str
    unit_value: float


@dataclass
class SimulationConfig:
    """Everything :func:`simulate` needs; deterministic given ``seed``.

    Parameters
    ----------
    name : str
        Data set name (used for file names).
    weeks : int
        Number of weekly rows.
    start : str
        Date of the first week (a Monday for the shipped samples).
    channels : list of ChannelTruth
        The true response of each channel.
    spend : dict
        Channel name -> :class:`SpendPattern`.
    baseline : Baseline
        Intercept, trend and seasonality.
    noise_sd : float
        Standard deviation of the Normal noise, KPI units.
    controls : list of Control
    events : list of Event
    seed : int
        Seed of ``numpy.random.default_rng``.
    kpi_column, kpi_type, date_column, currency : str
        Column names and spec wording.
    spend_decimals, kpi_decimals : int or None
        Round spend and KPI to this many decimals before computing the truth (the truth
        is always computed from the spend as written). ``None``: no rounding.
    count : CountColumn, optional
        Extra count column derived from the KPI.
    """

    name: str = "simulated"
    weeks: int = 156
    start: str = "2023-01-02"
    channels: list[ChannelTruth] = field(default_factory=list)
    spend: dict[str, SpendPattern] = field(default_factory=dict)
    baseline: Baseline = field(default_factory=lambda: Baseline(intercept=0.0))
    noise_sd: float = 1.0
    controls: list[Control] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    seed: int = 0
    kpi_column: str = "revenue"
    kpi_type: str = "revenue"
    date_column: str = "week"
    currency: str = "USD"
    spend_decimals: int | None = 2
    kpi_decimals: int | None = 2
    count: CountColumn | None = None


# ---------------------------------------------------------------- validation


def _validate(config: SimulationConfig) -> None:
    if config.weeks < 2:
        raise ValueError(f"weeks must be at least 2; got {config.weeks}.")
    if not config.channels:
        raise ValueError("A simulation needs at least one channel.")
    names = [c.name for c in config.channels]
    if len(set(names)) != len(names):
        raise ValueError(f"Channel names must be unique; got {names}.")
    for ch in config.channels:
        if ch.adstock not in transforms.ADSTOCK_FUNCTIONS:
            raise ValueError(f"Channel '{ch.name}': unknown adstock '{ch.adstock}'; "
                             f"use one of {', '.join(transforms.ADSTOCK_FUNCTIONS)}.")
        missing = [p for p in transforms.ADSTOCK_FUNCTIONS[ch.adstock][1] if p not in ch.carryover_params]
        if missing:
            raise ValueError(f"Channel '{ch.name}': carryover_params lacks {missing} for '{ch.adstock}'.")
        if ch.saturation not in transforms.SATURATION_PARAMS:
            raise ValueError(f"Channel '{ch.name}': unknown saturation '{ch.saturation}'; "
                             f"use one of {', '.join(transforms.SATURATION_PARAMS)}.")
        missing = [p for p in transforms.SATURATION_PARAMS[ch.saturation] if p not in ch.saturation_params]
        if missing:
            raise ValueError(f"Channel '{ch.name}': saturation_params lacks {missing} for '{ch.saturation}'.")
        if int(ch.l_max) < 1:
            raise ValueError(f"Channel '{ch.name}': l_max must be >= 1; got {ch.l_max}.")
        if not ch.beta > 0:
            raise ValueError(f"Channel '{ch.name}': beta must be > 0; got {ch.beta}.")
        if ch.name not in config.spend:
            raise ValueError(f"Channel '{ch.name}' has no SpendPattern in config.spend.")
        if config.spend[ch.name].kind not in SPEND_KINDS:
            raise ValueError(f"Channel '{ch.name}': unknown spend kind '{config.spend[ch.name].kind}'.")
    if config.baseline.trend_kind not in TREND_KINDS:
        raise ValueError(f"Unknown trend_kind '{config.baseline.trend_kind}'; use {TREND_KINDS}.")
    if config.baseline.season_time not in SEASON_TIMES:
        raise ValueError(f"Unknown season_time '{config.baseline.season_time}'; use {SEASON_TIMES}.")
    for key in config.baseline.seasonality:
        _fourier_key(key)
    for c in config.controls:
        if c.kind not in CONTROL_KINDS:
            raise ValueError(f"Control '{c.name}': unknown kind '{c.kind}'; use {CONTROL_KINDS}.")
    for e in config.events:
        if e.rule not in EVENT_RULES:
            raise ValueError(f"Event '{e.name}': unknown rule '{e.rule}'; use {EVENT_RULES}.")
    if config.noise_sd < 0:
        raise ValueError(f"noise_sd must be >= 0; got {config.noise_sd}.")


def _fourier_key(key: str) -> tuple[str, int]:
    fn, _, k = key.partition("_")
    if fn not in ("sin", "cos") or not k.isdigit() or int(k) < 1:
        raise ValueError(f"Seasonality key '{key}' must look like 'sin_1' or 'cos_2'.")
    return fn, int(k)


# ---------------------------------------------------------------- baseline pieces


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
        fn, k = _fourier_key(key)
        f = np.sin if fn == "sin" else np.cos
        out += coef * f(2 * np.pi * k * u)
    return out


def _trend_time(n: int) -> np.ndarray:
    return np.arange(n, dtype="float64") / (n - 1)


def _trend(b: Baseline, n: int) -> np.ndarray:
    t = _trend_time(n)
    if b.trend_kind == "peer_power":
        return b.trend * ((50.0 * t + 10.0) ** 0.25 - 1.0)
    return b.trend * t


def _event_dummy(event: Event, dates: pd.DatetimeIndex) -> np.ndarray:
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


def _control_path(control: Control, dates: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
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


def _round(x: np.ndarray, decimals: int | None) -> np.ndarray:
    return x if decimals is None else np.round(x, decimals)


# ---------------------------------------------------------------- the truth


def channel_scale(spend: np.ndarray) -> float:
    """Mean of the non-zero weekly spend (the model's "typical weekly spend")."""
    spend = np.asarray(spend, dtype="float64")
    nonzero = spend[spend > 0]
    if nonzero.size == 0:
        raise ValueError("A channel with no non-zero spend week has no scale.")
    return float(nonzero.mean())


def _weights(ch: dict[str, Any]) -> np.ndarray:
    return np.asarray(transforms.carryover_weights(ch["adstock"], ch["carryover_params"], int(ch["l_max"])))


def true_contribution(truth: dict[str, Any], channel: str, spend: np.ndarray,
                      history: np.ndarray | None = None) -> np.ndarray:
    """Weekly KPI contribution of a spend path under the true parameters.

    Independent of any fitted model: uses only the truth (carryover, saturation, beta and
    the scale fixed on the simulated data), so it gives the real response of a budget
    plan, e.g. to find the truly optimal allocation.

    Parameters
    ----------
    truth : dict
        The truth returned by :func:`simulate` (or read from a ``*_truth.json`` file).
    channel : str
        Channel name.
    spend : numpy.ndarray
        Weekly spend of the channel, shape ``(T,)``, in currency.
    history : numpy.ndarray, optional
        Spend of the weeks just before ``spend`` (oldest first), for the carryover into
        the first weeks; without it those weeks start from zero.

    Returns
    -------
    numpy.ndarray
        Contribution per week, shape ``(T,)``, in KPI units. Carryover past the last week
        of ``spend`` is not included.
    """
    try:
        ch = truth["channels"][channel]
    except KeyError:
        raise KeyError(f"Unknown channel '{channel}'; truth has {', '.join(truth['channels'])}.") from None
    scale = float(ch["scale"])
    x = np.asarray(spend, dtype="float64") / scale
    hist = None if history is None else np.asarray(history, dtype="float64") / scale
    a = transforms.adstock(x, _weights(ch), hist)
    return float(ch["beta"]) * np.asarray(transforms.saturation(ch["saturation"], a, ch["saturation_params"]))


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()]
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def simulate(config: SimulationConfig) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Simulate a weekly data set and its truth.

    Random draws, in this order from ``numpy.random.default_rng(config.seed)``: each
    channel's spend (in channel order), each control, the KPI noise, the count column.

    Parameters
    ----------
    config : SimulationConfig

    Returns
    -------
    data : pandas.DataFrame
        One row per week: the date column, the KPI column, ``<channel>_spend`` columns,
        controls, events (0/1) and the count column if any.
    truth : dict
        JSON-serialisable: per channel the true parameters, ``scale``, ``total_spend``,
        ``contribution`` (over the data), ``roas`` (contribution / spend),
        ``marginal_roas`` (extra contribution per extra currency unit when every week's
        spend rises by 1%); ``totals``; the baseline settings; and ``weekly`` series
        (``baseline`` and its parts, ``noise``, per-channel ``contributions`` and
        ``spend``) with ``kpi = baseline + sum(contributions) + noise`` exactly.

    Raises
    ------
    ValueError
        If the configuration is inconsistent (unknown kinds, missing parameters...).
    """
    _validate(config)
    rng = np.random.default_rng(config.seed)
    n = config.weeks
    dates = pd.DatetimeIndex(pd.Timestamp(config.start) + pd.to_timedelta(7 * np.arange(n), unit="D"))
    b = config.baseline

    seasonality = fourier_seasonality(dates, b.seasonality, b.season_time)
    peak = np.max(np.abs(seasonality))
    season_shape = seasonality / peak if peak > 0 else np.zeros(n)
    trend = _trend(b, n)

    # spend, rounded as written, and the truth computed from it
    spend: dict[str, np.ndarray] = {}
    for ch in config.channels:
        spend[ch.name] = _round(spend_path(config.spend[ch.name], n, rng, season_shape), config.spend_decimals)

    channels_truth: dict[str, dict[str, Any]] = {}
    contributions: dict[str, np.ndarray] = {}
    for ch in config.channels:
        ch.scale = channel_scale(spend[ch.name])
        entry = {
            "role": ch.role,
            "spend_column": ch.column,
            "adstock": ch.adstock,
            "l_max": int(ch.l_max),
            "carryover_params": {k: float(v) for k, v in ch.carryover_params.items()},
            "saturation": ch.saturation,
            "saturation_params": {k: float(v) for k, v in ch.saturation_params.items()},
            "beta": float(ch.beta),
            "scale": ch.scale,
        }
        entry["carryover_weights"] = _weights(entry).tolist()
        channels_truth[ch.name] = entry

    partial = {"channels": channels_truth}
    for ch in config.channels:
        contributions[ch.name] = true_contribution(partial, ch.name, spend[ch.name])
        total_spend = float(spend[ch.name].sum())
        contrib = float(contributions[ch.name].sum())
        bumped = float(true_contribution(partial, ch.name, spend[ch.name] * 1.01).sum())
        channels_truth[ch.name].update({
            "total_spend": total_spend,
            "contribution": contrib,
            "roas": contrib / total_spend,
            "marginal_roas": (bumped - contrib) / (0.01 * total_spend),
        })

    controls: dict[str, np.ndarray] = {}
    control_effects: dict[str, np.ndarray] = {}
    controls_truth: dict[str, dict[str, float]] = {}
    for c in config.controls:
        values = _control_path(c, dates, rng)
        controls[c.name] = values
        mean, std = float(np.mean(values)), float(np.std(values))
        control_effects[c.name] = c.coef * (values - mean) / std if std > 0 else np.zeros(n)
        controls_truth[c.name] = {"coef": float(c.coef), "mean": mean, "std": std, "kind": c.kind}

    events: dict[str, np.ndarray] = {}
    event_effects: dict[str, np.ndarray] = {}
    for e in config.events:
        events[e.name] = _event_dummy(e, dates)
        event_effects[e.name] = e.effect * events[e.name]

    baseline = b.intercept + trend + seasonality
    for eff in (*control_effects.values(), *event_effects.values()):
        baseline = baseline + eff
    media = np.sum([contributions[c.name] for c in config.channels], axis=0)
    noise_draw = rng.normal(0.0, config.noise_sd, n)
    kpi = _round(baseline + media + noise_draw, config.kpi_decimals)
    noise = kpi - baseline - media  # the drawn noise plus rounding (< half a cent)

    data = pd.DataFrame({config.date_column: dates, config.kpi_column: kpi})
    for ch in config.channels:
        data[ch.column] = spend[ch.name]
    for name, v in controls.items():
        data[name] = v
    for name, v in events.items():
        data[name] = v

    count_truth = None
    if config.count is not None:
        lam = np.maximum(kpi, 0.0) / config.count.unit_value
        data[config.count.name] = rng.poisson(lam).astype("int64")
        count_truth = {
            "column": config.count.name,
            "unit_value": float(config.count.unit_value),
            "model": f"{config.count.name} ~ Poisson(max({config.kpi_column}, 0) / unit_value)",
            "contribution": {c: channels_truth[c]["contribution"] / config.count.unit_value
                             for c in channels_truth},
            "per_1k_spend": {c: 1000 * channels_truth[c]["roas"] / config.count.unit_value
                             for c in channels_truth},
        }

    total_spend = float(sum(v["total_spend"] for v in channels_truth.values()))
    total_media = float(media.sum())
    truth: dict[str, Any] = {
        "name": config.name,
        "seed": int(config.seed),
        "weeks": int(n),
        "start": str(dates[0].date()),
        "date_column": config.date_column,
        "kpi": {"column": config.kpi_column, "type": config.kpi_type},
        "currency": config.currency,
        "noise_sd": float(config.noise_sd),
        "conventions": {
            "scale": "mean of the channel's non-zero weekly spend over the data",
            "contribution": "beta * saturation(adstock(spend / scale)); no spend before week 1",
            "roas": "contribution / spend, both summed over the data period",
            "marginal_roas": "d contribution / d spend for a 1% rise of every week's spend",
            "trend_t": "t = week index / (weeks - 1), from 0 to 1",
            "seasonality_u": (f"days since {SEASONALITY_ORIGIN} / {YEAR_DAYS}"
                              if b.season_time == "epoch" else "day of year / 365.5"),
            "control_effect": "coef * (control - mean) / std (population std, ddof=0)",
        },
        "channels": channels_truth,
        "baseline": {
            "intercept": float(b.intercept),
            "trend": float(b.trend),
            "trend_kind": b.trend_kind,
            "seasonality": {k: float(v) for k, v in b.seasonality.items()},
            "season_time": b.season_time,
            "controls": controls_truth,
            "events": {e.name: float(e.effect) for e in config.events},
        },
        "totals": {
            "spend": total_spend,
            "media_contribution": total_media,
            "kpi": float(kpi.sum()),
            "baseline": float(baseline.sum()),
            "media_share": total_media / float(kpi.sum()),
            "roas": total_media / total_spend,
            "noise_sd_realised": float(np.std(noise)),
        },
        "weekly": {
            "week": [str(d.date()) for d in dates],
            "kpi": kpi,
            "baseline": baseline,
            "intercept": float(b.intercept),
            "trend": trend,
            "seasonality": seasonality,
            "controls": control_effects,
            "events": event_effects,
            "noise": noise,
            "contributions": contributions,
            "spend": spend,
        },
    }
    if count_truth is not None:
        truth["count"] = count_truth
    return data, _jsonable(truth)


# ---------------------------------------------------------------- ready-made configs


def _geo_logistic(name: str, role: str, alpha: float, lam: float, beta: float, l_max: int = 8) -> ChannelTruth:
    return ChannelTruth(name=name, role=role, adstock="geometric", l_max=l_max,
                        carryover_params={"carryover": alpha}, saturation="logistic",
                        saturation_params={"saturation_lambda": lam}, beta=beta)


def _delayed_logistic(name: str, role: str, alpha: float, peak: float, lam: float, beta: float,
                      l_max: int = 13) -> ChannelTruth:
    return ChannelTruth(name=name, role=role, adstock="delayed", l_max=l_max,
                        carryover_params={"carryover": alpha, "peak_lag": peak}, saturation="logistic",
                        saturation_params={"saturation_lambda": lam}, beta=beta)


def ecommerce_config(seed: int = 7, weeks: int = 156) -> SimulationConfig:
    """D2C ecommerce revenue: five channels, promo control, Black Friday and Christmas.

    Weekly revenue around $1-2M, media about 30% of revenue, noise sd about 5% of the
    mean. Geometric carryover (l_max 8) and logistic saturation, as in the ``revenue``
    preset of :mod:`mmm.spec`.

    Parameters
    ----------
    seed : int
        Random seed (the shipped sample uses 7).
    weeks : int
        Number of weeks from 2023-01-02.

    Returns
    -------
    SimulationConfig
    """
    channels = [
        _geo_logistic("tv", "brand", alpha=0.6, lam=1.0, beta=415_000.0),
        _geo_logistic("youtube", "brand", alpha=0.4, lam=1.5, beta=95_000.0),
        _geo_logistic("meta", "performance", alpha=0.3, lam=2.0, beta=240_000.0),
        _geo_logistic("google_search", "performance", alpha=0.1, lam=1.5, beta=255_000.0),
        _geo_logistic("tiktok", "performance", alpha=0.2, lam=1.2, beta=80_000.0),
    ]
    spend = {
        "tv": SpendPattern("flighted", level=160_000, noise=0.25, ar=0.3, burst=(3, 7), gap=(3, 9),
                           seasonal=0.2),
        "youtube": SpendPattern("always_on", level=55_000, noise=0.55, ar=0.3, zero_prob=0.15),
        "meta": SpendPattern("always_on", level=85_000, noise=0.5, ar=0.4, seasonal=0.15, growth=0.1),
        "google_search": SpendPattern("always_on", level=60_000, noise=0.55, ar=0.4, seasonal=0.4),
        "tiktok": SpendPattern("always_on", level=45_000, noise=0.5, ar=0.3, zero_prob=0.1,
                               start_week=min(40, weeks // 3)),
    }
    baseline = Baseline(
        intercept=1_050_000.0,
        trend=180_000.0,
        seasonality={"sin_1": -90_000.0, "cos_1": 110_000.0, "sin_2": -50_000.0, "cos_2": 30_000.0},
    )
    controls = [Control("promo", coef=45_000.0, kind="promo",
                        params={"prob": 0.15, "peak_prob": 0.5, "months": [1, 7, 11, 12]})]
    events = [Event("black_friday", 260_000.0, rule="black_friday"),
              Event("christmas", 140_000.0, rule="christmas")]
    return SimulationConfig(
        name="ecommerce", weeks=weeks, start="2023-01-02", channels=channels, spend=spend,
        baseline=baseline, noise_sd=70_000.0, controls=controls, events=events, seed=seed,
        kpi_column="revenue", kpi_type="revenue",
    )


def b2b_config(seed: int = 11, weeks: int = 156) -> SimulationConfig:
    """B2B lead generation: weekly pipeline ($) with delayed carryover for every channel.

    Weekly pipeline around $400k-800k, pipeline ROI between about 2 and 8, media about a
    third of pipeline. Delayed carryover over 13 weeks with logistic saturation, as in
    the ``pipeline`` preset of :mod:`mmm.spec`. Control ``sdr_headcount`` (a slowly
    growing team), event ``user_conference`` and an ``opportunities`` column (pipeline /
    $25k average deal size, Poisson).

    Parameters
    ----------
    seed : int
        Random seed (the shipped sample uses 11).
    weeks : int
        Number of weeks from 2023-01-02.

    Returns
    -------
    SimulationConfig
    """
    channels = [
        _delayed_logistic("linkedin", "brand", alpha=0.85, peak=4.0, lam=1.2, beta=130_000.0),
        _delayed_logistic("display", "brand", alpha=0.7, peak=3.0, lam=1.0, beta=61_000.0),
        _delayed_logistic("webinars", "performance", alpha=0.6, peak=2.0, lam=1.5, beta=59_000.0),
        _delayed_logistic("google_search", "performance", alpha=0.5, peak=1.0, lam=1.4, beta=90_000.0),
        _delayed_logistic("capterra", "performance", alpha=0.3, peak=0.0, lam=1.8, beta=19_000.0),
    ]
    spend = {
        "linkedin": SpendPattern("always_on", level=16_000, noise=0.45, ar=0.6, growth=0.3, seasonal=0.15),
        "display": SpendPattern("flighted", level=11_000, noise=0.25, ar=0.4, burst=(4, 10), gap=(2, 6)),
        "webinars": SpendPattern("always_on", level=6_000, noise=0.4, ar=0.2, zero_prob=0.3),
        "google_search": SpendPattern("always_on", level=9_000, noise=0.5, ar=0.6, seasonal=0.3),
        "capterra": SpendPattern("always_on", level=4_500, noise=0.3, ar=0.6, zero_prob=0.1,
                                 start_week=min(20, weeks // 4)),
    }
    baseline = Baseline(
        intercept=380_000.0,
        trend=90_000.0,
        seasonality={"sin_1": 20_000.0, "cos_1": 25_000.0, "sin_2": -15_000.0, "cos_2": 20_000.0},
    )
    controls = [Control("sdr_headcount", coef=22_000.0, kind="headcount",
                        params={"start": 8, "hire_prob": 0.08, "leave_prob": 0.035})]
    start = pd.Timestamp("2023-01-02")
    years = range(start.year, (start + pd.Timedelta(weeks=weeks)).year + 1)
    events = [Event("user_conference", 90_000.0, rule="dates", dates=[f"{y}-10-18" for y in years])]
    return SimulationConfig(
        name="b2b", weeks=weeks, start=str(start.date()), channels=channels, spend=spend,
        baseline=baseline, noise_sd=40_000.0, controls=controls, events=events, seed=seed,
        kpi_column="pipeline", kpi_type="pipeline", count=CountColumn("opportunities", 25_000.0),
    )


#: PyMC-Marketing ``mmm_example``: carryover alpha, logistic lambda (on raw x) and beta.
PEER_TRUTH = {"x1": {"alpha": 0.4, "lam": 4.0, "beta": 3.0},
              "x2": {"alpha": 0.2, "lam": 3.0, "beta": 2.0}}


def peer_example_config(seed: int = 327, weeks: int = 179, amplitude: float = 1000.0) -> SimulationConfig:
    """Re-creation of PyMC-Marketing's ``mmm_example`` data-generating process.

    With the defaults it reproduces that notebook's ``mmm_example.csv`` (``seed =
    sum(map(ord, "mmm")) = 327``, 179 weeks from 2018-04-02, ``y`` to float precision):
    ``x1 = u`` if ``u > 0.9`` else ``u / 2``, ``x2 = u`` if ``u > 0.8`` else 0 (``u ~
    U(0, 1)``); geometric carryover (normalised, l_max 8) alpha 0.4 / 0.2; logistic
    saturation lambda 4 / 3 applied to the raw ``x``; beta 3 / 2; intercept 2; trend
    ``(50 t + 10)**0.25 - 1``; seasonality ``0.5 (cos(2 pi d / 365.5) - sin(4 pi d /
    365.5))`` with ``d`` the day of year; events on 2019-05-13 (+1.5) and 2020-09-14
    (+2.5); noise sd 0.25; everything times ``amplitude``.

    Units: our saturation takes spend divided by the **mean non-zero** spend, PyMC-
    Marketing's model divides by the **max**. So that the curve is the same, our lambda
    is ``lam_peer * scale_mean / scale_max``, where ``lam_peer = lam * scale_max`` is the
    lambda in PyMC-Marketing's max-scaled units, i.e. ``lam * scale_mean``. Betas are in
    KPI units: ``beta * amplitude``. The curved trend and day-of-year seasonality are
    the peer's and lie slightly outside our model family (linear or piecewise trend,
    Fourier on ``days / 365.25``).

    Parameters
    ----------
    seed : int
        Random seed (327 reproduces the peer's file).
    weeks : int
        Number of weeks from 2018-04-02.
    amplitude : float
        KPI multiplier (1000 in the peer's current notebook).

    Returns
    -------
    SimulationConfig
    """
    spend = {
        "x1": SpendPattern("uniform", level=1.0, threshold=0.9, below=0.5),
        "x2": SpendPattern("uniform", level=1.0, threshold=0.8, below=0.0),
    }
    # replay the spend draws to fix each channel's scale, hence its lambda in our units
    rng = np.random.default_rng(seed)
    channels = []
    for name in ("x1", "x2"):
        x = spend_path(spend[name], weeks, rng)
        p = PEER_TRUTH[name]
        lam_ours = p["lam"] * channel_scale(x)
        ch = _geo_logistic(name, "performance", alpha=p["alpha"], lam=lam_ours, beta=p["beta"] * amplitude)
        ch.spend_column = name
        channels.append(ch)
    baseline = Baseline(
        intercept=2.0 * amplitude,
        trend=1.0 * amplitude,
        trend_kind="peer_power",
        seasonality={"cos_1": 0.5 * amplitude, "sin_2": -0.5 * amplitude},
        season_time="peer_dayofyear",
    )
    events = [Event("event_1", 1.5 * amplitude, dates=["2019-05-13"]),
              Event("event_2", 2.5 * amplitude, dates=["2020-09-14"])]
    return SimulationConfig(
        name="peer_example", weeks=weeks, start="2018-04-02", channels=channels, spend=spend,
        baseline=baseline, noise_sd=0.25 * amplitude, events=events, seed=seed,
        kpi_column="y", kpi_type="revenue", date_column="date_week",
        spend_decimals=None, kpi_decimals=None,
    )


def peer_units(truth: dict[str, Any], amplitude: float = 1000.0) -> dict[str, dict[str, float]]:
    """Express a :func:`peer_example_config` truth in PyMC-Marketing's units.

    Returns per channel ``lam_dgp`` (on raw x), ``lam_peer`` (on x / max, the units a
    PyMC-Marketing fit reports), ``lam_ours``, ``scale_mean``, ``scale_max``, ``alpha``
    and ``beta`` (before ``amplitude``).
    """
    out = {}
    for name, ch in truth["channels"].items():
        x = np.asarray(truth["weekly"]["spend"][name], dtype="float64")
        lam_ours = ch["saturation_params"]["saturation_lambda"]
        scale_mean, scale_max = ch["scale"], float(x.max())
        out[name] = {
            "alpha": ch["carryover_params"]["carryover"],
            "lam_ours": lam_ours,
            "lam_dgp": lam_ours / scale_mean,
            "lam_peer": lam_ours * scale_max / scale_mean,
            "scale_mean": scale_mean,
            "scale_max": scale_max,
            "beta": ch["beta"] / amplitude,
        }
    return out


# ---------------------------------------------------------------- sample files

SAMPLES = {"ecommerce": ecommerce_config, "b2b": b2b_config}


def spec_yaml(config: SimulationConfig, truth: dict[str, Any]) -> str:
    """The YAML model spec of a simulated data set (``data:`` points at ``<name>.csv``)."""
    lines = [
        f"# Model spec for {config.name}.csv (simulated; the truth is in {config.name}_truth.json).",
        "# Regenerate with: python scripts/make_samples.py",
        f"data: {config.name}.csv",
        f"date_column: {config.date_column}",
        "kpi:",
        f"  column: {config.kpi_column}",
        f"  type: {config.kpi_type}",
        f"currency: {config.currency}",
        "channels:",
    ]
    for ch in config.channels:
        lines += [f"  {ch.name}:", f"    spend: {ch.column}", f"    role: {ch.role}"]
    lines.append("controls: [" + ", ".join(c.name for c in config.controls) + "]")
    lines.append("events: [" + ", ".join(e.name for e in config.events) + "]")
    return "\n".join(lines) + "\n"


def _fmt_params(d: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in d.items())


def _money(v: float) -> str:
    return f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}"


def _truth_table(truth: dict[str, Any]) -> list[str]:
    word = "ROAS" if truth["kpi"]["type"] == "revenue" else "pipeline ROI"
    rows = [
        f"| channel | role | carryover | saturation | beta / week | scale (mean non-zero spend) "
        f"| total spend | true contribution | true {word} | marginal {word} |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, ch in truth["channels"].items():
        rows.append(
            f"| {name} | {ch['role']} | {ch['adstock']}, l_max {ch['l_max']}: {_fmt_params(ch['carryover_params'])} "
            f"| {ch['saturation']}: {_fmt_params(ch['saturation_params'])} | {_money(ch['beta'])} "
            f"| {_money(ch['scale'])} | {_money(ch['total_spend'])} | {_money(ch['contribution'])} "
            f"| {ch['roas']:.2f} | {ch['marginal_roas']:.2f} |"
        )
    t = truth["totals"]
    rows += [
        "",
        f"Total spend {_money(t['spend'])}; total media contribution {_money(t['media_contribution'])} "
        f"({100 * t['media_share']:.1f}% of {truth['kpi']['column']}); blended {word} {t['roas']:.2f}; "
        f"noise sd {_money(truth['noise_sd'])} (realised {_money(t['noise_sd_realised'])}); "
        f"mean weekly {truth['kpi']['column']} {_money(t['kpi'] / truth['weeks'])}.",
    ]
    return rows


def _baseline_lines(truth: dict[str, Any]) -> list[str]:
    b = truth["baseline"]
    lines = [
        f"- intercept {_money(b['intercept'])} per week; linear trend adding {_money(b['trend'])} "
        f"from the first to the last week;",
        "- yearly seasonality (order 2), coefficients of sin/cos(2 pi k u) with u = days since "
        f"1970-01-01 / 365.25: {', '.join(f'{k} {_money(v)}' for k, v in b['seasonality'].items())};",
    ]
    for name, c in b["controls"].items():
        lines.append(f"- control `{name}`: {_money(c['coef'])} per standard deviation "
                     f"(mean {c['mean']:.4g}, std {c['std']:.4g});")
    for name, e in b["events"].items():
        lines.append(f"- event `{name}`: {_money(e)} in each flagged week;")
    lines.append(f"- Normal noise, sd {_money(truth['noise_sd'])}.")
    return lines


def samples_readme(truths: dict[str, dict[str, Any]]) -> str:
    """The ``data/samples/README.md`` text, tables generated from the truths."""
    ec, b2 = truths["ecommerce"], truths["b2b"]
    out = [
        "# Sample data sets",
        "",
        "Simulated weekly data with a **known truth**, for the quickstart, the notebooks and the",
        "parameter-recovery tests. Generated by `mmm.simulate` (deterministic from a seed); do not",
        "edit by hand. Regenerate with:",
        "",
        "```bash",
        "python scripts/make_samples.py            # writes into data/samples/",
        "```",
        "",
        "`tests/test_simulate.py` checks that the shipped files are exactly what the script writes.",
        "Other files in this folder (e.g. `deals.csv`) are produced elsewhere and are not described here.",
        "",
        "| file | what |",
        "|---|---|",
        "| `ecommerce.csv` | D2C revenue, 156 weeks from 2023-01-02 (Mondays), 5 channels |",
        "| `ecommerce.yaml` | model spec for it (`data: ecommerce.csv`; revenue preset) |",
        "| `ecommerce_truth.json` | the true parameters, contributions and ROAS |",
        "| `b2b.csv` | B2B pipeline ($) and opportunities, 156 weeks from 2023-01-02, 5 channels |",
        "| `b2b.yaml` | model spec for it (`data: b2b.csv`; `kpi.type: pipeline` preset) |",
        "| `b2b_truth.json` | the true parameters, contributions and pipeline ROI |",
        "",
        "## The data-generating process",
        "",
        "It is the model family of `mmm`, so a fit can recover it. For each channel with weekly",
        "spend `s`:",
        "",
        "1. `scale` = mean of the channel's non-zero weekly spend over the data (the model's",
        "   \"typical weekly spend\"); `x = s / scale`;",
        "2. carryover: `a[t] = sum_l w[l] x[t - l]`, weights normalised to sum to 1 over `l_max`",
        "   weeks, no spend before the first week (`geometric`: `w[l] = alpha**l`; `delayed`:",
        "   `w[l] = alpha**((l - peak_lag)**2)`);",
        "3. saturation: logistic `(1 - exp(-lambda a)) / (1 + exp(-lambda a))`;",
        "4. contribution `= beta * saturation`, in KPI units: `beta` is what the channel would add",
        "   per week at full saturation.",
        "",
        "KPI = intercept + trend * t (t from 0 to 1) + yearly Fourier seasonality + controls",
        "(`coef * (c - mean) / std`, population std) + events (0/1 times an effect) + media +",
        "Normal noise. True ROAS = true contribution / spend, both over the data period (carryover",
        "beyond the last week is not counted); marginal ROAS = the extra contribution per extra",
        "dollar when every week's spend rises by 1%. The truth JSON also holds the weekly",
        "contributions per channel, the baseline and its parts, and the noise;",
        "`mmm.simulate.true_contribution(truth, channel, spend)` gives the true response of any",
        "spend plan (e.g. to score a budget optimiser against the truly optimal plan).",
        "",
        "The YAML specs set no `model:` section: the KPI-type presets of `mmm.spec` (revenue:",
        "geometric carryover over 8 weeks; pipeline: delayed carryover over 13 weeks; both logistic",
        "saturation, linear trend, order-2 yearly seasonality) are exactly the family simulated here.",
        "",
        "## `ecommerce.csv`",
        "",
        "Columns: `week` (Monday, YYYY-MM-DD), `revenue` ($), `tv_spend`, `youtube_spend`,",
        "`meta_spend`, `google_search_spend`, `tiktok_spend` ($ per week), `promo` (share of the week",
        "on promotion, 0-1, in sevenths), `black_friday` and `christmas` (0/1: the week holding the",
        "day after US Thanksgiving / 25 December).",
        "",
        "Spend: TV is flighted (bursts of 3-7 weeks on, 3-9 off); YouTube is always-on with some",
        "dark weeks; Meta and Google Search are always-on and follow seasonality (search the most);",
        f"TikTok launches in week {SAMPLES['ecommerce']().spend['tiktok'].start_week + 1} and has some dark weeks.",
        "",
        *_truth_table(ec),
        "",
        "Baseline:",
        "",
        *_baseline_lines(ec),
        "",
        "## `b2b.csv`",
        "",
        "Columns: `week`, `pipeline` (new pipeline created that week, $), `linkedin_spend`,",
        "`display_spend`, `webinars_spend`, `google_search_spend`, `capterra_spend` ($ per week),",
        "`sdr_headcount` (sales development reps, a slowly growing count), `user_conference` (0/1),",
        "`opportunities` (new opportunities: Poisson with mean pipeline / $25,000 average deal size,",
        "for a `kpi.type: leads` example; the true contribution in opportunities is the pipeline",
        "contribution / 25,000).",
        "",
        "All channels use delayed carryover over 13 weeks (the `pipeline` preset): LinkedIn peaks",
        "about 4 weeks after the spend, display 3, webinars 2, search 1 and Capterra the same week.",
        "Display is flighted; webinars spend is lumpy with many zero weeks; Capterra starts in week",
        f"{SAMPLES['b2b']().spend['capterra'].start_week + 1}.",
        "",
        *_truth_table(b2),
        "",
        "Baseline:",
        "",
        *_baseline_lines(b2),
        "",
    ]
    return "\n".join(out)


def write_samples(out_dir: str | Path) -> list[Path]:
    """Write the shipped sample files (CSV, truth JSON, YAML spec, README) into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Target folder (created if missing), normally ``data/samples``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    truths: dict[str, dict[str, Any]] = {}
    for name, make in SAMPLES.items():
        config = make()
        data, truth = simulate(config)
        truths[name] = truth
        csv = out / f"{name}.csv"
        data.to_csv(csv, index=False, date_format="%Y-%m-%d", lineterminator="\n")
        js = out / f"{name}_truth.json"
        js.write_text(json.dumps(truth, indent=1) + "\n")
        spec = out / f"{name}.yaml"
        spec.write_text(spec_yaml(config, truth))
        written += [csv, js, spec]
    readme = out / "README.md"
    readme.write_text(samples_readme(truths))
    written.append(readme)
    return written


def config_dict(config: SimulationConfig) -> dict[str, Any]:
    """A :class:`SimulationConfig` as a JSON-serialisable dict (for records and reports)."""
    return _jsonable(dataclasses.asdict(config))
