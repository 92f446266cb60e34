"""Configuration of the national simulator: channels, spend patterns, baseline, controls, events."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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


def validate_config(config: SimulationConfig) -> None:
    """Raise ``ValueError`` naming the first problem of ``config``."""
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
        fourier_key(key)
    for c in config.controls:
        if c.kind not in CONTROL_KINDS:
            raise ValueError(f"Control '{c.name}': unknown kind '{c.kind}'; use {CONTROL_KINDS}.")
    for e in config.events:
        if e.rule not in EVENT_RULES:
            raise ValueError(f"Event '{e.name}': unknown rule '{e.rule}'; use {EVENT_RULES}.")
    if config.noise_sd < 0:
        raise ValueError(f"noise_sd must be >= 0; got {config.noise_sd}.")


def fourier_key(key: str) -> tuple[str, int]:
    """``"sin_2"`` -> ``("sin", 2)``; ``ValueError`` for any other shape."""
    fn, _, k = key.partition("_")
    if fn not in ("sin", "cos") or not k.isdigit() or int(k) < 1:
        raise ValueError(f"Seasonality key '{key}' must look like 'sin_1' or 'cos_2'.")
    return fn, int(k)


# ---------------------------------------------------------------- baseline pieces

def jsonable(v: Any) -> Any:
    """``v`` with NumPy arrays and scalars turned into lists and Python numbers."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v

def config_dict(config: Any) -> dict[str, Any]:
    """A simulation config (any of the config dataclasses) as a JSON-serialisable dict (for records and reports)."""
    return jsonable(dataclasses.asdict(config))
