"""The geo (panel) simulator: many regions, the same weeks, a known truth per geo and nationally.

:func:`simulate_geo` draws a long-format panel (one row per geo and week) from
:class:`GeoSimulationConfig`; :func:`geo_config` builds ready-made configurations for the
three KPI types. The data-generating process is the geo model family of issue 17:

For geo ``g`` (population ``pop_g``), week ``t`` and channel ``c``:

* **Spend.** A national weekly path ``N_ct`` (a :class:`~mmm.simulate.config.SpendPattern`).
  A geo-level channel splits it over geos by population times a per-geo buying intensity
  (lognormal, ``geo_spread``) times per-geo week-to-week noise (``geo_noise``), so spend per
  capita differs across geos and over time. A national channel (``level: national``) is
  split by population share exactly; its column in the data repeats the national figure on
  every geo's row (what :func:`mmm.geo.load.load_panel` allocates back by population).
* **Media.** ``scale_c`` is the channel's typical weekly spend *per capita* (mean non-zero
  national weekly spend divided by the total population). ``x = spend / pop_g / scale_c``;
  ``a = adstock(x)`` (carryover shared by all geos); the contribution is
  ``beta_c * m_gc * pop_g * saturation(a)``: saturation acts on spend per capita, so a big
  geo needs proportionally more spend to saturate. ``m_gc = exp(geo_sd_c * z_gc)``
  (``z ~ N(0, 1)``) is the geo's known effect multiplier; ``beta_c`` (KPI per capita per
  week at full saturation) is set so that the channel's **national ROAS** (total
  contribution / total spend over the data) equals ``roas`` exactly.
* **Baseline** per geo: ``level_g = pop_g * kpi_per_capita * exp(level_sd * z_g)`` times
  ``(1 + trend_g * t + seasonality_g(u) + controls + events)``, with ``trend_g = trend + N(0,
  trend_sd)``, Fourier coefficients ``seasonality + N(0, season_sd)`` per geo (the geo
  offsets), ``t`` from 0 to 1 over the data and ``u`` as in the national simulator.
  Controls and events are given relative to the geo's level.
* **Noise** per geo: ``Normal(0, noise_sd_g)``, ``noise_sd_g = noise_cv * level_g *
  exp(noise_spread * z_g)``. ``KPI = baseline + sum(contributions) + noise`` exactly
  (the noise absorbs the rounding of the KPI).

Every random draw comes from one ``numpy.random.default_rng(seed)``, so a config and seed
give the same panel byte for byte.

Example
-------
>>> data, spec, truth = simulate_geo(geo_config(n_geos=4, weeks=60, n_channels=5))
>>> data.shape[0] == 4 * 60
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm import transforms
from mmm.geo.panel import GeoPanel
from mmm.simulate.config import (
    SEASONALITY_ORIGIN,
    YEAR_DAYS,
    Control,
    Event,
    SpendPattern,
    fourier_key,
    jsonable,
)
from mmm.simulate.national import channel_scale
from mmm.simulate.series import (
    control_path,
    event_dummy,
    fourier_seasonality,
    round_to,
    spend_path,
)

LEVELS = ("geo", "national")
KPI_TYPES = ("revenue", "pipeline", "leads")


# ---------------------------------------------------------------- configuration


@dataclass
class GeoChannel:
    """The true response and spend pattern of one channel across geos.

    Parameters
    ----------
    name : str
        Channel name; the spend column is ``<name>_spend`` unless ``spend_column`` is set.
    roas : float
        True national ROAS over the data (total contribution / total spend), > 0. For a
        ``leads`` KPI: leads per currency unit.
    spend : SpendPattern
        The national weekly spend (summed over geos).
    adstock, l_max, carryover_params, saturation, saturation_params
        Carryover and saturation as in :class:`~mmm.simulate.config.ChannelTruth`;
        saturation acts on spend per capita divided by the per-capita ``scale``.
    role : str
        ``brand`` or ``performance``.
    level : str
        ``geo`` (bought per geo) or ``national`` (bought nationally, e.g. national TV).
    geo_sd : float
        Standard deviation of the log effect multiplier across geos (0: same effect per
        capita everywhere).
    geo_spread : float
        ``geo`` channels: standard deviation of the log buying intensity per capita across
        geos.
    geo_noise : float
        ``geo`` channels: standard deviation of each geo's log week-to-week spend noise.
    spend_column : str, optional
        Column name of the spend.
    """

    name: str
    roas: float
    spend: SpendPattern
    adstock: str = "geometric"
    l_max: int = 8
    carryover_params: dict[str, float] = field(default_factory=lambda: {"carryover": 0.4})
    saturation: str = "logistic"
    saturation_params: dict[str, float] = field(default_factory=lambda: {"saturation_lambda": 1.0})
    role: str = "performance"
    level: str = "geo"
    geo_sd: float = 0.25
    geo_spread: float = 0.35
    geo_noise: float = 0.25
    spend_column: str | None = None

    @property
    def column(self) -> str:
        """The spend column name."""
        return self.spend_column or f"{self.name}_spend"


@dataclass
class GeoSimulationConfig:
    """Everything :func:`simulate_geo` needs; deterministic given ``seed``.

    Parameters
    ----------
    name : str
        Data set name (file names of a sample).
    n_geos, weeks : int
        Panel size.
    start : str
        First week (a Monday for the bundled sample).
    channels : list of GeoChannel
    population_total : float
        Sum of the geos' populations.
    population_sd : float
        Standard deviation of log population across geos (sizes differ by this much).
    kpi_per_capita : float
        Typical baseline KPI per person per week.
    level_sd : float
        Standard deviation of the log baseline per capita across geos.
    trend, trend_sd : float
        Relative rise of the baseline over the data, national and the geo spread.
    seasonality : dict
        Relative Fourier coefficients (``{"sin_1": 0.06, ...}``, fractions of the level).
    season_sd : float
        Standard deviation of each geo's offset to every Fourier coefficient.
    noise_cv, noise_spread : float
        Noise sd as a fraction of the geo's level, and the log spread of that across geos.
    national_controls : list of Control
        Controls with one value per week for all geos; ``coef`` is relative to the level.
    geo_controls : list of Control
        Controls drawn per geo; ``coef`` is relative to the level.
    events : list of Event
        National 0/1 events; ``effect`` is relative to the level.
    seed : int
    kpi_column, kpi_type, date_column, geo_column, population_column, currency : str
    spend_decimals, kpi_decimals : int or None
        Rounding of spend and KPI as written (the truth uses the rounded spend).
    """

    name: str = "geo"
    n_geos: int = 20
    weeks: int = 156
    start: str = "2023-01-02"
    channels: list[GeoChannel] = field(default_factory=list)
    population_total: float = 50_000_000.0
    population_sd: float = 0.8
    kpi_per_capita: float = 0.12
    level_sd: float = 0.15
    trend: float = 0.12
    trend_sd: float = 0.05
    seasonality: dict[str, float] = field(default_factory=dict)
    season_sd: float = 0.015
    noise_cv: float = 0.04
    noise_spread: float = 0.3
    national_controls: list[Control] = field(default_factory=list)
    geo_controls: list[Control] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    seed: int = 0
    kpi_column: str = "revenue"
    kpi_type: str = "revenue"
    date_column: str = "week"
    geo_column: str = "geo"
    population_column: str = "population"
    currency: str = "USD"
    spend_decimals: int | None = 2
    kpi_decimals: int | None = 2


def validate_geo_config(config: GeoSimulationConfig) -> None:
    """Raise ``ValueError`` naming the first problem of ``config``."""
    if config.n_geos < 2:
        raise ValueError(f"n_geos must be at least 2; got {config.n_geos}.")
    if config.weeks < 2:
        raise ValueError(f"weeks must be at least 2; got {config.weeks}.")
    if config.kpi_type not in KPI_TYPES:
        raise ValueError(f"kpi_type must be one of {KPI_TYPES}; got {config.kpi_type!r}.")
    if not config.channels:
        raise ValueError("A geo simulation needs at least one channel.")
    names = [c.name for c in config.channels]
    if len(set(names)) != len(names):
        raise ValueError(f"Channel names must be unique; got {names}.")
    for ch in config.channels:
        if ch.level not in LEVELS:
            raise ValueError(f"Channel '{ch.name}': level must be one of {LEVELS}; got {ch.level!r}.")
        if ch.adstock not in transforms.CARRYOVERS:
            raise ValueError(f"Channel '{ch.name}': unknown adstock '{ch.adstock}'.")
        if ch.saturation not in transforms.SATURATIONS:
            raise ValueError(f"Channel '{ch.name}': unknown saturation '{ch.saturation}'.")
        if not ch.roas > 0:
            raise ValueError(f"Channel '{ch.name}': roas must be > 0; got {ch.roas}.")
        if ch.geo_sd < 0 or ch.geo_spread < 0 or ch.geo_noise < 0:
            raise ValueError(f"Channel '{ch.name}': geo_sd, geo_spread and geo_noise must be >= 0.")
    for key in config.seasonality:
        fourier_key(key)
    if config.population_total <= 0 or config.kpi_per_capita <= 0:
        raise ValueError("population_total and kpi_per_capita must be > 0.")


# ---------------------------------------------------------------- the truth


@dataclass(frozen=True)
class GeoTruth:
    """The known truth of a simulated geo panel.

    Arrays are indexed geo x week x channel in the order of ``geos``, ``dates`` and
    ``channels`` (the same order as :class:`~mmm.geo.panel.GeoPanel`).

    Attributes
    ----------
    geos, dates, channels, national_channels
        As in the panel.
    population : ndarray
        ``(G,)``.
    spend : ndarray
        ``(G, T, C)`` spend per geo after allocating national channels by population.
    contributions : ndarray
        ``(G, T, C)`` true incremental KPI.
    baseline, noise, kpi : ndarray
        ``(G, T)``; ``kpi = baseline + contributions.sum(-1) + noise`` exactly.
    national_roas : dict
        Channel -> total contribution / total spend over all geos and weeks.
    geo_roas : ndarray
        ``(G, C)`` each geo's contribution / spend over the data.
    geo_multiplier : ndarray
        ``(G, C)`` the known effect multiplier ``m_gc`` (lognormal deviation).
    beta : ndarray
        ``(C,)`` KPI per capita per week at full saturation (national mean effect).
    scale : ndarray
        ``(C,)`` typical weekly spend per capita.
    marginal_roas : dict
        Channel -> extra national contribution per extra currency unit when every geo's
        weekly spend rises by 1%.
    noise_sd : ndarray
        ``(G,)`` standard deviation of each geo's noise.
    params : dict
        Per channel: ``level``, ``adstock``, ``l_max``, ``carryover_params``,
        ``saturation``, ``saturation_params``, ``roas`` (target), ``geo_sd``.
    baseline_params : dict
        Per geo level, trend and seasonality coefficients; control and event effects.
    panel : GeoPanel
        The panel as the geo model reads it (what ``load_panel`` returns on this data).
    """

    geos: tuple[str, ...]
    dates: pd.DatetimeIndex
    channels: tuple[str, ...]
    national_channels: tuple[str, ...]
    population: np.ndarray
    spend: np.ndarray
    contributions: np.ndarray
    baseline: np.ndarray
    noise: np.ndarray
    kpi: np.ndarray
    national_roas: dict[str, float]
    geo_roas: np.ndarray
    geo_multiplier: np.ndarray
    beta: np.ndarray
    scale: np.ndarray
    marginal_roas: dict[str, float]
    noise_sd: np.ndarray
    params: dict[str, dict[str, Any]]
    baseline_params: dict[str, Any]
    panel: GeoPanel

    def contribution_total(self) -> dict[str, float]:
        """Channel -> total true contribution over all geos and weeks."""
        return {c: float(self.contributions[:, :, i].sum()) for i, c in enumerate(self.channels)}

    def by_geo(self) -> pd.DataFrame:
        """One row per geo and channel: ``geo, channel, spend, contribution, roas, multiplier``."""
        G, C = len(self.geos), len(self.channels)
        return pd.DataFrame({
            "geo": np.repeat(self.geos, C),
            "channel": np.tile(self.channels, G),
            "spend": self.spend.sum(axis=1).ravel(),
            "contribution": self.contributions.sum(axis=1).ravel(),
            "roas": self.geo_roas.ravel(),
            "multiplier": self.geo_multiplier.ravel(),
        })

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record (what ``geo_truth.json`` holds); weekly arrays are not included
        except the per-geo, per-channel totals (the data file has the weekly figures)."""
        spend_total = self.spend.sum(axis=(0, 1))
        contrib_total = self.contributions.sum(axis=(0, 1))
        return jsonable({
            "geos": list(self.geos),
            "weeks": len(self.dates),
            "start": str(self.dates[0].date()),
            "channels": {
                c: {**self.params[c],
                    "national_roas": self.national_roas[c],
                    "marginal_roas": self.marginal_roas[c],
                    "beta_per_capita": float(self.beta[i]),
                    "scale_per_capita": float(self.scale[i]),
                    "total_spend": float(spend_total[i]),
                    "contribution": float(contrib_total[i]),
                    "geo_roas": dict(zip(self.geos, self.geo_roas[:, i].tolist(), strict=True)),
                    "geo_multiplier": dict(zip(self.geos, self.geo_multiplier[:, i].tolist(), strict=True)),
                    "geo_contribution": dict(zip(self.geos, self.contributions[:, :, i].sum(1).tolist(),
                                                 strict=True))}
                for i, c in enumerate(self.channels)},
            "national_channels": list(self.national_channels),
            "population": dict(zip(self.geos, self.population.tolist(), strict=True)),
            "noise_sd": dict(zip(self.geos, self.noise_sd.tolist(), strict=True)),
            "baseline": self.baseline_params,
            "totals": {
                "spend": float(spend_total.sum()),
                "media_contribution": float(contrib_total.sum()),
                "kpi": float(self.kpi.sum()),
                "baseline": float(self.baseline.sum()),
                "media_share": float(contrib_total.sum() / self.kpi.sum()),
                "roas": float(contrib_total.sum() / spend_total.sum()),
            },
            "conventions": {
                "national_roas": "total contribution / total spend, summed over geos and weeks",
                "geo_roas": "the geo's contribution / its spend over the data",
                "scale_per_capita": "mean non-zero national weekly spend / total population",
                "contribution": ("beta_per_capita * geo_multiplier * population * "
                                 "saturation(adstock(spend / population / scale_per_capita)); "
                                 "no spend before week 1"),
                "national_channel_data": "the national weekly figure repeated on every geo's row",
                "allocation": "national channels allocated to geos by population share",
                "trend_t": "t = week index / (weeks - 1)",
                "seasonality_u": f"days since {SEASONALITY_ORIGIN} / {YEAR_DAYS}",
                "controls": "coef * level_g * (value - mean) / std over the whole panel",
            },
        })


# ---------------------------------------------------------------- simulation


def _populations(config: GeoSimulationConfig, rng: np.random.Generator) -> np.ndarray:
    raw = np.sort(np.exp(config.population_sd * rng.normal(size=config.n_geos)))[::-1]
    return np.round(raw / raw.sum() * config.population_total)


def _ar1(rng: np.random.Generator, shape: tuple[int, int], ar: float) -> np.ndarray:
    """Unit-variance AR(1) noise along the last axis of ``shape``."""
    e = rng.normal(size=shape)
    z = np.empty(shape)
    z[:, 0] = e[:, 0]
    k = np.sqrt(1.0 - ar * ar)
    for t in range(1, shape[1]):
        z[:, t] = ar * z[:, t - 1] + k * e[:, t]
    return z


def _geo_spend(ch: GeoChannel, national: np.ndarray, pop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``(G, T)`` spend of one channel: the national path split over geos."""
    share = pop / pop.sum()
    if ch.level == "national":
        return share[:, None] * national[None, :]
    intensity = share * np.exp(ch.geo_spread * rng.normal(size=len(pop)))
    intensity /= intensity.sum()
    noise = _ar1(rng, (len(pop), len(national)), 0.5)
    mult = np.exp(ch.geo_noise * noise - ch.geo_noise ** 2 / 2)
    return intensity[:, None] * national[None, :] * mult


def _response(ch: GeoChannel, spend_gt: np.ndarray, pop: np.ndarray, scale: float) -> np.ndarray:
    """``(G, T)`` per-capita saturated response times population (``beta = m = 1``)."""
    w = np.asarray(transforms.carryover_weights(ch.adstock, ch.carryover_params, int(ch.l_max)))
    x = spend_gt / pop[:, None] / scale
    a = np.einsum("tgl,l->gt", transforms.lag_matrix(x.T, len(w)), w)
    return pop[:, None] * np.asarray(transforms.saturation(ch.saturation, a, ch.saturation_params))


def simulate_geo(config: GeoSimulationConfig) -> tuple[pd.DataFrame, dict[str, Any], GeoTruth]:
    """Simulate a geo panel and its truth.

    Random draws, in this order from ``numpy.random.default_rng(config.seed)``: the geo
    populations; per geo the baseline level, trend and seasonality offsets; per channel
    (in order) the national spend path, then (geo channels) the buying intensities and
    week-to-week noise, then the effect multipliers; national controls; geo controls (per
    geo); the noise spreads; the noise.

    Parameters
    ----------
    config : GeoSimulationConfig

    Returns
    -------
    data : pandas.DataFrame
        Long format, one row per geo and week, geos in order and weeks sorted within each:
        ``<date>, <geo>, <population>, <spend columns>, <kpi>, <controls>, <events>``.
    spec : dict
        A spec (``mmm.spec_from_dict`` form) for ``data``, without ``data:``.
    truth : GeoTruth
        The known truth; ``truth.panel`` is the panel the model reads.

    Raises
    ------
    ValueError
        If the configuration is inconsistent.
    """
    validate_geo_config(config)
    rng = np.random.default_rng(config.seed)
    G, T = config.n_geos, config.weeks
    dates = pd.DatetimeIndex(pd.Timestamp(config.start) + pd.to_timedelta(7 * np.arange(T), unit="D"))
    width = len(str(G))
    geos = tuple(f"geo_{i + 1:0{width}d}" for i in range(G))
    pop = _populations(config, rng)

    # baseline pieces per geo
    level = pop * config.kpi_per_capita * np.exp(config.level_sd * rng.normal(size=G))
    trend_g = config.trend + config.trend_sd * rng.normal(size=G)
    season_coefs = {k: v + config.season_sd * rng.normal(size=G) for k, v in config.seasonality.items()}
    t = np.arange(T, dtype="float64") / (T - 1)
    season = np.zeros((G, T))
    for g in range(G):
        season[g] = fourier_seasonality(dates, {k: float(v[g]) for k, v in season_coefs.items()})
    nat_season = fourier_seasonality(dates, config.seasonality)
    peak = np.max(np.abs(nat_season)) if config.seasonality else 0.0
    season_shape = nat_season / peak if peak > 0 else np.zeros(T)

    # spend and media
    C = len(config.channels)
    spend = np.zeros((G, T, C))
    national_spend = np.zeros((T, C))
    response = np.zeros((G, T, C))
    multiplier = np.ones((G, C))
    scale = np.zeros(C)
    for i, ch in enumerate(config.channels):
        path = spend_path(ch.spend, T, rng, season_shape)
        spend_gt = round_to(_geo_spend(ch, path, pop, rng), config.spend_decimals)
        if ch.level == "national":  # written once per week: the rounded national figure
            national_spend[:, i] = round_to(path, config.spend_decimals)
            spend_gt = (pop / pop.sum())[:, None] * national_spend[None, :, i]
        else:
            national_spend[:, i] = spend_gt.sum(axis=0)
        spend[:, :, i] = spend_gt
        scale[i] = channel_scale(national_spend[:, i]) / pop.sum()
        response[:, :, i] = _response(ch, spend_gt, pop, scale[i])
        multiplier[:, i] = np.exp(ch.geo_sd * rng.normal(size=G))
    totals = spend.sum(axis=(0, 1))
    roas_target = np.array([ch.roas for ch in config.channels])
    beta = roas_target * totals / np.einsum("gtc,gc->c", response, multiplier)
    contributions = response * multiplier[:, None, :] * beta
    bumped = np.stack([_response(ch, spend[:, :, i] * 1.01, pop, scale[i]) for i, ch in
                       enumerate(config.channels)], axis=-1) * multiplier[:, None, :] * beta

    # controls and events, relative to each geo's level
    control_values: dict[str, np.ndarray] = {}   # rounded as written (4 decimals)
    for c in config.national_controls:
        control_values[c.name] = np.tile(np.round(control_path(c, dates, rng).astype("float64"), 4), (G, 1))
    for c in config.geo_controls:
        control_values[c.name] = np.stack([np.round(control_path(c, dates, rng).astype("float64"), 4)
                                           for _ in range(G)])
    relative = trend_g[:, None] * t[None, :] + season
    control_stats: dict[str, dict[str, float]] = {}
    for c in (*config.national_controls, *config.geo_controls):
        v = control_values[c.name]
        mean, std = float(v.mean()), float(v.std())
        if std > 0:
            relative = relative + c.coef * (v - mean) / std
        control_stats[c.name] = {"coef": float(c.coef), "mean": mean, "std": std, "kind": c.kind,
                                 "level": "national" if c in config.national_controls else "geo"}
    event_values = {e.name: event_dummy(e, dates) for e in config.events}
    for e in config.events:
        relative = relative + e.effect * event_values[e.name][None, :]
    baseline = level[:, None] * (1.0 + relative)

    noise_sd = config.noise_cv * level * np.exp(config.noise_spread * rng.normal(size=G))
    draw = rng.normal(size=(G, T)) * noise_sd[:, None]
    media = contributions.sum(axis=-1)
    kpi = round_to(baseline + media + draw, config.kpi_decimals)
    noise = kpi - baseline - media

    # the long table
    data = pd.DataFrame({
        config.date_column: np.tile(dates, G),
        config.geo_column: np.repeat(geos, T),
        config.population_column: np.repeat(pop, T).astype("int64"),
    })
    for i, ch in enumerate(config.channels):
        data[ch.column] = (np.tile(national_spend[:, i], G) if ch.level == "national"
                           else spend[:, :, i].ravel())
    data[config.kpi_column] = kpi.ravel()
    for name, v in control_values.items():
        data[name] = v.ravel()
    for name, v in event_values.items():
        data[name] = np.tile(v, G)

    spec = {
        "date_column": config.date_column,
        "geo_column": config.geo_column,
        "population_column": config.population_column,
        "kpi": {"column": config.kpi_column, "type": config.kpi_type},
        "currency": config.currency,
        "channels": {ch.name: {"spend": ch.column, "role": ch.role,
                               **({"level": "national"} if ch.level == "national" else {})}
                     for ch in config.channels},
        "controls": list(control_values),
        "events": [e.name for e in config.events],
    }

    names = tuple(ch.name for ch in config.channels)
    national = tuple(ch.name for ch in config.channels if ch.level == "national")
    nat_contrib = contributions.sum(axis=(0, 1))
    controls_arr = (np.stack([control_values[k] for k in control_values], axis=-1) if control_values
                    else np.zeros((G, T, 0)))
    events_arr = (np.stack([event_values[e.name] for e in config.events], axis=-1).astype("float64")
                  if config.events else np.zeros((T, 0)))
    panel = GeoPanel(
        geos=geos, dates=dates, channels=names, spend=spend, kpi=kpi, population=pop.astype("float64"),
        controls=controls_arr, control_names=tuple(control_values), events=events_arr,
        event_names=tuple(e.name for e in config.events), national_channels=national,
        allocation=spend.sum(axis=1) / totals[None, :],
    )
    truth = GeoTruth(
        geos=geos, dates=dates, channels=names, national_channels=national, population=pop,
        spend=spend, contributions=contributions, baseline=baseline, noise=noise, kpi=kpi,
        national_roas={c: float(nat_contrib[i] / totals[i]) for i, c in enumerate(names)},
        geo_roas=contributions.sum(axis=1) / spend.sum(axis=1),
        geo_multiplier=multiplier, beta=beta, scale=scale,
        marginal_roas={c: float((bumped[:, :, i].sum() - nat_contrib[i]) / (0.01 * totals[i]))
                       for i, c in enumerate(names)},
        noise_sd=noise_sd,
        params={ch.name: {"level": ch.level, "role": ch.role, "spend_column": ch.column,
                          "adstock": ch.adstock, "l_max": int(ch.l_max),
                          "carryover_params": dict(ch.carryover_params), "saturation": ch.saturation,
                          "saturation_params": dict(ch.saturation_params), "roas": float(ch.roas),
                          "geo_sd": float(ch.geo_sd)}
                for ch in config.channels},
        baseline_params=jsonable({
            "level": dict(zip(geos, level, strict=True)),
            "trend": dict(zip(geos, trend_g, strict=True)),
            "seasonality": {k: dict(zip(geos, v, strict=True)) for k, v in season_coefs.items()},
            "seasonality_national": dict(config.seasonality),
            "controls": control_stats,
            "events": {e.name: float(e.effect) for e in config.events},
            "kpi_per_capita": float(config.kpi_per_capita),
        }),
        panel=panel,
    )
    return data, spec, truth


# ---------------------------------------------------------------- ready-made configs

#: Ten channel templates: (name, role, level, national weekly spend, roas, geometric alpha,
#: logistic lambda, delayed peak lag, spend kind).
_TEMPLATES = (
    ("tv", "brand", "national", 300_000.0, 1.6, 0.6, 1.0, 3.0, "flighted"),
    ("meta", "performance", "geo", 120_000.0, 2.4, 0.3, 1.6, 1.0, "always_on"),
    ("google_search", "performance", "geo", 100_000.0, 3.0, 0.1, 1.5, 0.0, "always_on"),
    ("youtube", "brand", "geo", 60_000.0, 1.4, 0.4, 1.2, 2.0, "always_on"),
    ("radio", "brand", "geo", 50_000.0, 1.2, 0.5, 1.0, 2.0, "flighted"),
    ("display", "performance", "geo", 40_000.0, 1.0, 0.2, 1.4, 1.0, "always_on"),
    ("tiktok", "performance", "geo", 45_000.0, 1.8, 0.2, 1.2, 1.0, "always_on"),
    ("ooh", "brand", "geo", 35_000.0, 0.9, 0.5, 1.0, 2.0, "flighted"),
    ("podcast", "brand", "national", 30_000.0, 1.3, 0.5, 1.0, 3.0, "flighted"),
    ("affiliate", "performance", "geo", 30_000.0, 2.0, 0.1, 1.8, 0.0, "always_on"),
)


def geo_config(kpi_type: str = "revenue", n_geos: int = 20, weeks: int = 156, n_channels: int = 5,
               seed: int = 17) -> GeoSimulationConfig:
    """A ready-made geo panel: ``n_geos`` regions of different sizes, 5-10 channels.

    The first channel is national TV (``level: national``); the others are bought per geo.
    Revenue uses geometric carryover (``l_max`` 8); pipeline and leads use delayed carryover
    (``l_max`` 13), as the national presets of :mod:`mmm.kpi`. Media is about a quarter
    of the KPI. For ``leads`` the ROAS figures are leads per currency unit (a lead worth
    about $500) and the KPI is rounded to whole leads.

    Parameters
    ----------
    kpi_type : str
        ``revenue``, ``pipeline`` or ``leads``.
    n_geos, weeks : int
        Panel size.
    n_channels : int
        1 to 10 channels (the first ``n_channels`` templates).
    seed : int
        Random seed.

    Returns
    -------
    GeoSimulationConfig
    """
    if kpi_type not in KPI_TYPES:
        raise ValueError(f"kpi_type must be one of {KPI_TYPES}; got {kpi_type!r}.")
    if not 1 <= n_channels <= len(_TEMPLATES):
        raise ValueError(f"n_channels must be between 1 and {len(_TEMPLATES)}; got {n_channels}.")
    delayed = kpi_type != "revenue"
    unit = 500.0 if kpi_type == "leads" else 1.0
    channels = []
    for name, role, level, weekly, roas, alpha, lam, peak, kind in _TEMPLATES[:n_channels]:
        pattern = (SpendPattern("flighted", level=weekly, noise=0.25, ar=0.3, burst=(3, 8), gap=(2, 6),
                                seasonal=0.2) if kind == "flighted"
                   else SpendPattern("always_on", level=weekly, noise=0.45, ar=0.5, seasonal=0.2,
                                     growth=0.1, zero_prob=0.03))
        carry = ({"carryover": min(0.3 + alpha, 0.9), "peak_lag": peak} if delayed else {"carryover": alpha})
        channels.append(GeoChannel(
            name=name, roas=roas / unit, spend=pattern, role=role, level=level,
            adstock="delayed" if delayed else "geometric", l_max=13 if delayed else 8,
            carryover_params=carry, saturation="logistic", saturation_params={"saturation_lambda": lam},
        ))
    weekly_media = sum(t[3] * t[4] for t in _TEMPLATES[:n_channels]) / unit
    population_total = 50_000_000.0
    kpi_per_capita = 3.0 * weekly_media / population_total  # media ~ a quarter of the KPI
    national_controls = [Control("promo", coef=0.03, kind="promo",
                                 params={"prob": 0.15, "peak_prob": 0.5, "months": [1, 7, 11, 12]})]
    geo_controls = [Control("competitor_index", coef=-0.02, kind="normal",
                            params={"mean": 100.0, "sd": 5.0, "ar": 0.7})]
    events = ([Event("black_friday", 0.15, rule="black_friday"), Event("christmas", 0.08, rule="christmas")]
              if kpi_type == "revenue" else
              [Event("user_conference", 0.10, rule="dates",
                     dates=[f"{y}-10-18" for y in range(2023, 2023 + weeks // 52 + 2)])])
    return GeoSimulationConfig(
        name=f"geo_{kpi_type}", n_geos=n_geos, weeks=weeks, channels=channels,
        population_total=population_total, kpi_per_capita=kpi_per_capita,
        seasonality={"sin_1": -0.05, "cos_1": 0.07, "sin_2": -0.03, "cos_2": 0.02},
        national_controls=national_controls, geo_controls=geo_controls, events=events, seed=seed,
        kpi_column={"revenue": "revenue", "pipeline": "pipeline", "leads": "leads"}[kpi_type],
        kpi_type=kpi_type, kpi_decimals=0 if kpi_type == "leads" else 2,
    )


# ---------------------------------------------------------------- the bundled sample

#: The bundled geo sample: 20 geos x 156 weeks x 5 channels (national TV and four geo channels).
GEO_SAMPLE = {"kpi_type": "revenue", "n_geos": 20, "weeks": 156, "n_channels": 5, "seed": 17}


def write_geo_sample(out_dir: str | Path, name: str = "geo") -> list[Path]:
    """Write the bundled geo sample: ``geo.csv``, ``geo.yaml``, ``geo_truth.json`` and ``geo.md``.

    Deterministic from :data:`GEO_SAMPLE` (``scripts/make_samples.py`` calls this).

    Parameters
    ----------
    out_dir : str or Path
        Target folder (created if needed).
    name : str
        File name stem.

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data, spec, truth = simulate_geo(geo_config(**GEO_SAMPLE))
    csv, yml, js, md = (out / f"{name}{s}" for s in (".csv", ".yaml", "_truth.json", ".md"))
    data.to_csv(csv, index=False, date_format="%Y-%m-%d", lineterminator="\n")
    header = (f"# Geo (panel) model spec for {csv.name} (simulated; the truth is in {js.name}, described in {md.name}).\n"
              "# Regenerate with: python scripts/make_samples.py\n")
    yml.write_text(header + yaml_dump({"data": csv.name, **spec}))
    record = {"name": name, "config": GEO_SAMPLE, **truth.to_dict()}
    js.write_text(json.dumps(record, indent=1) + "\n")
    md.write_text(_sample_markdown(name, truth))
    return [csv, yml, js, md]


def yaml_dump(value: dict[str, Any]) -> str:
    """YAML text of a spec dict, keys in the order given."""
    import yaml

    return yaml.safe_dump(value, sort_keys=False)


def _sample_markdown(name: str, truth: GeoTruth) -> str:
    cfg = GEO_SAMPLE
    rows = []
    for i, c in enumerate(truth.channels):
        p = truth.params[c]
        geo = truth.geo_roas[:, i]
        carry = ", ".join(f"{k} {v:g}" for k, v in p["carryover_params"].items())
        rows.append(f"| {c} | {p['level']} | {truth.spend[:, :, i].sum() / 1e6:,.1f}M | {truth.national_roas[c]:.2f} "
                    f"| {geo.min():.2f} to {geo.max():.2f} | {truth.marginal_roas[c]:.2f} | {p['adstock']} ({carry}) "
                    f"| {p['saturation']} (lambda {p['saturation_params']['saturation_lambda']:g}) |")
    totals = truth.to_dict()["totals"]
    pop = truth.population
    return f"""# `{name}`: a geo panel with known truth

Simulated by `mmm.simulate.geo.simulate_geo(geo_config(**GEO_SAMPLE))` ({cfg["n_geos"]} geos x {cfg["weeks"]} weeks
from {truth.dates[0].date()}, {cfg["n_channels"]} channels, seed {cfg["seed"]}). Regenerate with
`python scripts/make_samples.py`. Files: `{name}.csv` (long format: one row per geo and week), `{name}.yaml`
(a geo spec: `geo_column`, `population_column`, `level: national` for TV), `{name}_truth.json`.
Read it with `mmm.geo.load.load_panel(mmm.samples.sample_spec("{name}"))`; `mmm validate` prints a summary.

Columns: `week`, `geo` (`geo_01` .. `geo_{cfg["n_geos"]}`, largest first), `population` ({pop.min() / 1e6:.1f}M to
{pop.max() / 1e6:.1f}M, constant per geo), `tv_spend` (national TV: the **national** weekly figure repeated on
every geo's row), `meta_spend`, `google_search_spend`, `youtube_spend`, `radio_spend` (spend in that geo),
`revenue` ($), `promo` (national), `competitor_index` (per geo), `black_friday`, `christmas` (0/1, national).

## The data-generating process

* TV is bought nationally and split over geos by population share; the other channels split a national
  weekly path over geos by population times a per-geo buying intensity and per-geo weekly noise, so spend
  per capita differs across geos and weeks (the variation a geo model learns from).
* `x = spend / population / scale` (scale: the channel's typical weekly spend per capita); carryover is
  shared by all geos; the contribution is `beta * m_geo * population * saturation(adstock(x))`, with
  `m_geo` a known lognormal multiplier per geo and channel (sd 0.25 on the log scale).
* `beta` is set so each channel's **national ROAS** (total contribution / total spend, all geos and weeks)
  is exactly the target below; a geo's ROAS is its own contribution / its spend, so the national ROAS is
  the spend-weighted mean of the geo ROAS.
* Baseline per geo: level proportional to population (per-capita level varies by geo), its own trend,
  yearly seasonality with geo offsets, promo, competitor index, Black Friday and Christmas, all relative
  to the geo's level; noise sd about 4% of the geo's level, varying by geo.

Media is {totals["media_share"]:.0%} of revenue; total spend ${totals["spend"] / 1e6:,.1f}M; overall ROAS {totals["roas"]:.2f}.

| channel | level | spend | national ROAS | geo ROAS range | marginal ROAS | carryover | saturation |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

`{name}_truth.json` has, per channel, the parameters, `national_roas`, `marginal_roas` (a 1% rise of every
week's spend in every geo), `beta_per_capita`, `scale_per_capita`, and per geo `geo_roas`,
`geo_multiplier` and `geo_contribution`; per geo the population, noise sd and baseline parameters.
"""
