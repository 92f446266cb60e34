"""Simulated data with a true **mediation path** and a true **lead-gen funnel** (known truth).

Extends :mod:`mmm.simulate` (same spend generators, carryover, saturation and truth
conventions; nothing there is changed) with two data-generating processes:

Brand -> branded search -> revenue (:func:`simulate_mediation`)
    Each channel ``c`` has an *awareness curve* ``a_c[t] = saturation(adstock(spend_c /
    scale_c))`` exactly as in :mod:`mmm.simulate`. Weekly **branded searches** are::

        searches = organic baseline (intercept + trend + seasonality + events)
                   + sum over brand channels b of theta_b * a_b[t]  + Normal(0, search_noise_sd)

    and **revenue** is::

        revenue = baseline + sum over channels c of beta_c * a_c[t]        (direct effects)
                  + gamma * searches[t]                                    (branded search)
                  + Normal(0, noise_sd)

    so a brand channel's effect is split in two: ``beta_b * a_b`` arrives directly and
    ``gamma * theta_b * a_b`` arrives through branded search. Its true **indirect share**
    is ``gamma theta_b / (beta_b + gamma theta_b)`` (a constant: both paths share the
    awareness curve). **Branded paid search** (bidding on your own brand terms) is a
    channel whose clicks are a share of the branded searches: its spend is ``cpc_t x
    share_t x searches_t`` (share = impression share x click-through, varying week to week,
    never paused by default), so its spend *follows* brand demand rather than creating it;
    its true incremental (direct) effect is small. A plain MMM credits it with much of
    the search-driven revenue; the mediation model should not.

Leads -> opportunities -> pipeline -> closed-won (:func:`simulate_funnel`)
    Leads are simulated with :func:`mmm.simulate.simulate` (``leads ~ Poisson(baseline +
    media + noise)``). Each later stage is simulated **deal by deal**: a unit of the
    source stage converts with probability ``rate`` (count stages, or value stages built
    from value stages) and lands ``lag`` weeks later, the lag drawn from a discrete
    distribution over ``0..max_lag`` weeks (:mod:`mmm.transforms` carryover weights, e.g.
    ``delayed``); a value stage built from a count stage gives each unit a value
    ``~ Gamma(mean=rate, cv=value_cv)`` (deal size). Hence, exactly,
    ``E[stage_t | source history] = rate * sum_l w[l] * source[t - l]``: the model of
    :mod:`mmm.funnel`.

:func:`write_funnel_samples` writes ``data/samples/d2c_mediation.*`` and
``data/samples/b2b_funnel.*`` (CSV, truth JSON, YAML spec, a Markdown description),
deterministic from their seeds.

Example
-------
>>> data, truth = simulate_mediation(d2c_mediation_config(weeks=60))
>>> round(truth["channels"]["tv"]["indirect_share"], 3)
0.375
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm import transforms
from mmm.simulate import (
    Baseline,
    ChannelTruth,
    CountColumn,
    Event,
    SimulationConfig,
    SpendPattern,
    _delayed_logistic,
    _event_dummy,
    _geo_logistic,
    _jsonable,
    _trend,
    channel_scale,
    fourier_seasonality,
    simulate,
    spend_path,
    true_contribution,
)

# ---------------------------------------------------------------- mediation: configuration


@dataclass
class PaidBrandSearch:
    """How the branded paid search channel's spend follows branded search demand.

    ``spend_t = cpc_t * share_t * searches_t`` where ``share_t`` (the share of branded
    searches that click the paid ad: impression share x CTR) is a logistic AR(1) process
    around ``share`` and ``cpc_t = cpc * exp(cpc_noise * z_t)``: the week-to-week moves of
    share and CPC are what let a model tell the ad's own effect from the demand it rides
    on. Optionally, in ``pause_prob`` of the weeks a pause of ``pause_weeks`` weeks starts
    (bidding switched off: a brand-bidding holdout), which identifies it much better.

    Parameters
    ----------
    channel : str
        Name of the channel (must be one of the config's channels).
    cpc : float
        Typical cost per click.
    share : float
        Typical share of branded searches that click the paid ad (0-1).
    share_sd : float
        Week-to-week spread of the share on the logit scale.
    share_ar : float
        Autocorrelation of the share.
    cpc_noise : float
        Log-scale spread of the cost per click.
    pause_prob : float
        Probability that a pause starts in a given week.
    pause_weeks : tuple of int
        Range (min, max) of the length of a pause.
    """

    channel: str
    cpc: float = 0.9
    share: float = 0.35
    share_sd: float = 0.25
    share_ar: float = 0.8
    cpc_noise: float = 0.15
    pause_prob: float = 0.0
    pause_weeks: tuple[int, int] = (2, 3)


@dataclass
class MediationConfig:
    """Everything :func:`simulate_mediation` needs; deterministic given ``seed``.

    Parameters
    ----------
    name : str
        Data set name (file names).
    weeks, start : int, str
        Number of weeks and the first Monday.
    channels : list of ChannelTruth
        All channels; ``beta`` is the **direct** effect (revenue per week at full saturation).
    spend : dict
        Spend pattern of each channel except the branded paid search channel.
    search_effects : dict
        Brand channel -> ``theta``: branded searches per week it adds at full saturation.
    search_baseline : Baseline
        Organic branded searches per week (intercept, trend, seasonality).
    search_noise_sd : float
        Week-to-week organic search noise (searches).
    revenue_per_search : float
        ``gamma``: revenue per branded search, same week.
    paid_search : PaidBrandSearch, optional
        The branded paid search channel.
    baseline : Baseline
        Revenue baseline.
    noise_sd : float
        Revenue noise.
    events : list of Event
        Events; ``effect`` is on revenue, ``search_event_effects[name]`` on searches.
    search_event_effects : dict
        Extra branded searches in an event's weeks.
    seed : int
    kpi_column, search_column, date_column, currency : str
    """

    name: str = "d2c_mediation"
    weeks: int = 156
    start: str = "2023-01-02"
    channels: list[ChannelTruth] = field(default_factory=list)
    spend: dict[str, SpendPattern] = field(default_factory=dict)
    search_effects: dict[str, float] = field(default_factory=dict)
    search_baseline: Baseline = field(default_factory=lambda: Baseline(intercept=40_000.0))
    search_noise_sd: float = 4_000.0
    revenue_per_search: float = 6.0
    paid_search: PaidBrandSearch | None = None
    baseline: Baseline = field(default_factory=lambda: Baseline(intercept=600_000.0))
    noise_sd: float = 40_000.0
    events: list[Event] = field(default_factory=list)
    search_event_effects: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    kpi_column: str = "revenue"
    search_column: str = "branded_searches"
    date_column: str = "week"
    currency: str = "USD"


def d2c_mediation_config(seed: int = 21, weeks: int = 156,
                         channels: tuple[str, ...] = ("tv", "youtube", "meta", "generic_search",
                                                      "brand_search")) -> MediationConfig:
    """D2C revenue with TV and YouTube building branded search, and branded paid search.

    TV (flighted) and YouTube (always-on) are brand channels: part of their effect comes
    through branded search (true indirect shares 0.375 and 0.31). Meta and generic
    (non-brand) paid search are performance channels with direct effects only.
    ``brand_search`` is branded paid search: its spend follows branded search volume and
    its true incremental effect is small (true ROAS under 1).

    Parameters
    ----------
    seed : int
        Random seed (the shipped sample uses 21).
    weeks : int
        Number of weeks from 2023-01-02.
    channels : tuple of str
        Subset of the five channels to keep (e.g. a smaller data set for tests); any
        subset must keep at least one brand channel.
    """
    all_channels = {
        "tv": _geo_logistic("tv", "brand", alpha=0.5, lam=1.0, beta=250_000.0),
        "youtube": _geo_logistic("youtube", "brand", alpha=0.3, lam=1.5, beta=80_000.0),
        "meta": _geo_logistic("meta", "performance", alpha=0.3, lam=2.0, beta=200_000.0),
        "generic_search": _geo_logistic("generic_search", "performance", alpha=0.1, lam=2.0, beta=120_000.0),
        "brand_search": _geo_logistic("brand_search", "performance", alpha=0.1, lam=2.0, beta=15_000.0),
    }
    spend_all = {
        "tv": SpendPattern("flighted", level=150_000, noise=0.25, ar=0.3, burst=(3, 7), gap=(3, 8),
                           growth=0.3),
        "youtube": SpendPattern("always_on", level=50_000, noise=0.55, ar=0.3, zero_prob=0.12, growth=0.2),
        "meta": SpendPattern("always_on", level=80_000, noise=0.5, ar=0.4, seasonal=0.15),
        "generic_search": SpendPattern("always_on", level=45_000, noise=0.35, ar=0.4, seasonal=0.4),
    }
    unknown = set(channels) - set(all_channels)
    if unknown:
        raise ValueError(f"Unknown channel(s) {sorted(unknown)}; choose from {list(all_channels)}.")
    theta = {"tv": 25_000.0, "youtube": 6_000.0}
    start = pd.Timestamp("2023-01-02")
    return MediationConfig(
        name="d2c_mediation", weeks=weeks, start=str(start.date()),
        channels=[all_channels[c] for c in channels],
        spend={c: spend_all[c] for c in channels if c in spend_all},
        search_effects={c: v for c, v in theta.items() if c in channels},
        search_baseline=Baseline(intercept=40_000.0, trend=8_000.0,
                                 seasonality={"sin_1": -3_000.0, "cos_1": 4_000.0}),
        search_noise_sd=6_000.0,
        revenue_per_search=6.0,
        paid_search=PaidBrandSearch("brand_search") if "brand_search" in channels else None,
        baseline=Baseline(intercept=600_000.0, trend=100_000.0,
                          seasonality={"sin_1": -60_000.0, "cos_1": 70_000.0, "sin_2": -30_000.0,
                                       "cos_2": 20_000.0}),
        noise_sd=30_000.0,
        events=[Event("black_friday", 150_000.0, rule="black_friday")],
        search_event_effects={"black_friday": 10_000.0},
        seed=seed,
    )


# ---------------------------------------------------------------- mediation: simulation


def _validate_mediation(config: MediationConfig) -> None:
    names = [c.name for c in config.channels]
    if len(set(names)) != len(names):
        raise ValueError(f"Channel names must be unique; got {names}.")
    pbs = config.paid_search.channel if config.paid_search else None
    if pbs is not None and pbs not in names:
        raise ValueError(f"paid_search.channel '{pbs}' is not a channel ({names}).")
    for c in names:
        if c != pbs and c not in config.spend:
            raise ValueError(f"Channel '{c}' has no SpendPattern in config.spend.")
    for c in config.search_effects:
        if c not in names:
            raise ValueError(f"search_effects names '{c}', not a channel ({names}).")
        if c == pbs:
            raise ValueError("The branded paid search channel cannot drive branded search volume: its clicks "
                             "are part of that volume.")
    if not config.search_effects:
        raise ValueError("A mediation data set needs at least one channel in search_effects.")
    if config.revenue_per_search <= 0:
        raise ValueError("revenue_per_search must be > 0.")


def _awareness(ch: ChannelTruth, spend: np.ndarray) -> np.ndarray:
    """``saturation(adstock(spend / scale))`` (the contribution at beta = 1)."""
    entry = {"channels": {ch.name: {"scale": ch.scale, "adstock": ch.adstock, "l_max": ch.l_max,
                                    "carryover_params": ch.carryover_params, "saturation": ch.saturation,
                                    "saturation_params": ch.saturation_params, "beta": 1.0}}}
    return true_contribution(entry, ch.name, spend)


def _paid_share(p: PaidBrandSearch, n: int, rng: np.random.Generator) -> np.ndarray:
    z = np.empty(n)
    e = rng.normal(0.0, 1.0, n)
    z[0] = e[0]
    for t in range(1, n):
        z[t] = p.share_ar * z[t - 1] + np.sqrt(1 - p.share_ar ** 2) * e[t]
    logit = np.log(p.share / (1 - p.share)) + p.share_sd * z
    share = 1 / (1 + np.exp(-logit))
    starts = rng.uniform(0.0, 1.0, n) < p.pause_prob
    lengths = rng.integers(p.pause_weeks[0], p.pause_weeks[1] + 1, n)
    paused = np.zeros(n, dtype=bool)
    for t in np.flatnonzero(starts):
        paused[t:t + lengths[t]] = True
    share[paused] = 0.0
    return share


def simulate_mediation(config: MediationConfig) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Simulate weekly revenue, branded searches and spend with a known mediation path.

    Random draws from ``numpy.random.default_rng(config.seed)`` in this order: spend of
    each channel other than branded paid search (channel order), the search noise, the
    branded paid search share, pauses and CPC, the revenue noise.

    Returns
    -------
    data : pandas.DataFrame
        ``week``, ``revenue``, ``branded_searches``, one ``<channel>_spend`` column per
        channel, one 0/1 column per event.
    truth : dict
        JSON-serialisable. Per channel (``channels``) the fields of :mod:`mmm.simulate`'s
        truth, with ``beta`` / ``contribution`` / ``roas`` the **direct** effect, plus
        ``search_effect`` (theta), ``indirect_beta`` (gamma x theta), ``indirect_contribution``,
        ``total_contribution``, ``indirect_share``, ``total_roas``; ``mediation``
        (gamma, brand channels, the paid search channel, the organic part of search and the
        revenue it brings); ``weekly`` series.
    """
    _validate_mediation(config)
    rng = np.random.default_rng(config.seed)
    n = config.weeks
    dates = pd.DatetimeIndex(pd.Timestamp(config.start) + pd.to_timedelta(7 * np.arange(n), unit="D"))
    pbs = config.paid_search.channel if config.paid_search else None

    b = config.baseline
    season = fourier_seasonality(dates, b.seasonality, b.season_time)
    peak = np.max(np.abs(season))
    shape = season / peak if peak > 0 else np.zeros(n)
    spend: dict[str, np.ndarray] = {}
    for ch in config.channels:
        if ch.name != pbs:
            spend[ch.name] = np.round(spend_path(config.spend[ch.name], n, rng, shape), 2)

    event_cols = {e.name: _event_dummy(e, dates) for e in config.events}

    # branded searches: organic + brand media + noise
    sb = config.search_baseline
    organic_mean = (sb.intercept + _trend(sb, n) + fourier_seasonality(dates, sb.seasonality, sb.season_time)
                    + sum((config.search_event_effects.get(k, 0.0) * v for k, v in event_cols.items()),
                          np.zeros(n)))
    awareness: dict[str, np.ndarray] = {}
    for ch in config.channels:
        if ch.name != pbs:
            ch.scale = channel_scale(spend[ch.name])
            awareness[ch.name] = _awareness(ch, spend[ch.name])
    from_media = {c: theta * awareness[c] for c, theta in config.search_effects.items()}
    search_noise = rng.normal(0.0, config.search_noise_sd, n)
    searches = np.round(np.maximum(organic_mean + sum(from_media.values()) + search_noise, 0.0))
    organic = searches - sum(from_media.values())   # organic part incl. noise and rounding

    # branded paid search: its spend follows demand
    if config.paid_search is not None:
        p = config.paid_search
        share = _paid_share(p, n, rng)
        cpc = p.cpc * np.exp(p.cpc_noise * rng.normal(0.0, 1.0, n))
        clicks = np.round(share * searches)
        spend[pbs] = np.round(cpc * clicks, 2)
        ch = next(c for c in config.channels if c.name == pbs)
        ch.scale = channel_scale(spend[pbs])
        awareness[pbs] = _awareness(ch, spend[pbs])
    else:
        share = clicks = None

    gamma = config.revenue_per_search
    direct = {ch.name: ch.beta * awareness[ch.name] for ch in config.channels}
    indirect = {ch.name: gamma * from_media.get(ch.name, np.zeros(n)) for ch in config.channels}
    base = b.intercept + _trend(b, n) + season
    for e in config.events:
        base = base + e.effect * event_cols[e.name]
    search_revenue = gamma * searches
    noise_draw = rng.normal(0.0, config.noise_sd, n)
    revenue = np.round(base + sum(direct.values()) + search_revenue + noise_draw, 2)
    noise = revenue - base - sum(direct.values()) - search_revenue

    data = pd.DataFrame({config.date_column: dates, config.kpi_column: revenue,
                         config.search_column: searches.astype("int64")})
    for ch in config.channels:
        data[ch.column] = spend[ch.name]
    for name, v in event_cols.items():
        data[name] = v

    channels_truth: dict[str, dict[str, Any]] = {}
    for ch in config.channels:
        theta = float(config.search_effects.get(ch.name, 0.0))
        total_spend = float(spend[ch.name].sum())
        d, i = float(direct[ch.name].sum()), float(indirect[ch.name].sum())
        entry = {
            "role": ch.role, "spend_column": ch.column, "adstock": ch.adstock, "l_max": int(ch.l_max),
            "carryover_params": dict(ch.carryover_params), "saturation": ch.saturation,
            "saturation_params": dict(ch.saturation_params), "beta": float(ch.beta), "scale": ch.scale,
            "carryover_weights": transforms.carryover_weights(ch.adstock, ch.carryover_params, ch.l_max),
            "drives_branded_search": theta > 0, "paid_brand_search": ch.name == pbs,
            "search_effect": theta, "indirect_beta": gamma * theta,
            "total_spend": total_spend, "contribution": d, "roas": d / total_spend,
            "search_volume": float(from_media.get(ch.name, np.zeros(n)).sum()),
            "indirect_contribution": i, "total_contribution": d + i,
            "indirect_share": i / (d + i), "total_roas": (d + i) / total_spend,
        }
        channels_truth[ch.name] = entry
    truth: dict[str, Any] = {
        "name": config.name, "seed": int(config.seed), "weeks": int(n), "start": str(dates[0].date()),
        "date_column": config.date_column, "kpi": {"column": config.kpi_column, "type": "revenue"},
        "currency": config.currency, "noise_sd": float(config.noise_sd),
        "conventions": {
            "scale": "mean of the channel's non-zero weekly spend over the data",
            "awareness": "a_c = saturation(adstock(spend / scale)), no spend before week 1",
            "contribution": "direct: beta * a_c (revenue)",
            "search": "searches = organic + sum_b search_effect_b * a_b + noise",
            "indirect_contribution": "revenue_per_search * search_effect * a_c (same week)",
            "indirect_share": "indirect / (direct + indirect), over the data period",
            "roas": "direct contribution / spend; total_roas = (direct + indirect) / spend",
        },
        "channels": channels_truth,
        "mediation": {
            "search_column": config.search_column,
            "revenue_per_search": float(gamma),
            "brand_channels": list(config.search_effects),
            "paid_brand_search": pbs,
            "search_noise_sd": float(config.search_noise_sd),
            "search_baseline": dataclasses.asdict(sb),
            "search_event_effects": dict(config.search_event_effects),
            "searches_total": float(searches.sum()),
            "searches_from_media": float(sum(v.sum() for v in from_media.values())),
            "organic_searches": float(organic.sum()),
            "search_revenue": float(search_revenue.sum()),
            "organic_search_revenue": float(gamma * organic.sum()),
            "paid_brand_search_clicks": None if clicks is None else float(clicks.sum()),
        },
        "baseline": {"intercept": b.intercept, "trend": b.trend, "seasonality": dict(b.seasonality),
                     "events": {e.name: e.effect for e in config.events}},
        "totals": {
            "spend": float(sum(v["total_spend"] for v in channels_truth.values())),
            "kpi": float(revenue.sum()),
            "direct_media": float(sum(v["contribution"] for v in channels_truth.values())),
            "indirect_media": float(sum(v["indirect_contribution"] for v in channels_truth.values())),
            "noise_sd_realised": float(np.std(noise)),
        },
        "weekly": {
            "week": [str(d.date()) for d in dates], "kpi": revenue, "searches": searches,
            "organic_searches": organic, "searches_from_media": from_media,
            "paid_share": share, "baseline": base, "noise": noise, "search_noise": search_noise,
            "direct": direct, "indirect": indirect, "spend": spend,
        },
    }
    return data, _jsonable(truth)


def true_total_contribution(truth: dict[str, Any], channel: str, spend: np.ndarray,
                            history: np.ndarray | None = None) -> np.ndarray:
    """Weekly **total** (direct + through branded search) revenue of a spend path, true parameters.

    ``(beta + indirect_beta) * saturation(adstock(spend / scale))``; the direct part alone
    is :func:`mmm.simulate.true_contribution`.
    """
    ch = truth["channels"][channel]
    direct = true_contribution(truth, channel, spend, history)
    return direct * (ch["beta"] + ch["indirect_beta"]) / ch["beta"]


# ---------------------------------------------------------------- funnel: configuration


@dataclass
class StageTruth:
    """One later stage of the funnel, simulated unit by unit from its source stage.

    Parameters
    ----------
    name : str
        Column name of the stage (e.g. ``opportunities``).
    source : str
        The earlier stage it comes from (``leads`` or another stage's name).
    kind : str
        ``count`` (units: opportunities, SQLs) or ``value`` (currency: pipeline, revenue).
    rate : float
        Count from count / value from value: probability that a source unit converts
        (a won deal keeps its value). Value from count: mean value of a unit (deal size).
    lag_kind : str
        ``none`` (same week) or a carryover kind of :mod:`mmm.transforms` (``delayed``...).
    lag_params : dict
        Parameters of the lag distribution (e.g. ``carryover`` and ``peak_lag``).
    max_lag : int
        Longest lag in weeks (lags ``0..max_lag``).
    value_cv : float
        Value from count: coefficient of variation of the unit values (Gamma).
    """

    name: str
    source: str
    kind: str
    rate: float
    lag_kind: str = "none"
    lag_params: dict[str, float] = field(default_factory=dict)
    max_lag: int = 0
    value_cv: float = 0.7

    def lag_weights(self) -> np.ndarray:
        """True lag distribution over ``0..max_lag`` weeks (sums to 1)."""
        if self.lag_kind == "none":
            w = np.zeros(self.max_lag + 1)
            w[0] = 1.0
            return w
        return np.asarray(transforms.carryover_weights(self.lag_kind, self.lag_params, self.max_lag + 1))


@dataclass
class FunnelConfig:
    """A lead-gen funnel: leads from :func:`mmm.simulate.simulate`, later stages deal by deal.

    Parameters
    ----------
    leads : SimulationConfig
        Config of the lead series (its KPI is the expected lead count; ``count`` gives the
        observed ``leads`` column).
    stages : list of StageTruth
        Later stages, each from an earlier one.
    seed : int
        Seed of the stage draws (the leads use ``leads.seed``).
    """

    leads: SimulationConfig
    stages: list[StageTruth]
    seed: int = 0
    name: str = "b2b_funnel"


def b2b_funnel_config(seed: int = 31, weeks: int = 156,
                      channels: tuple[str, ...] = ("linkedin", "google_search", "webinars", "capterra"),
                      adstock: str = "delayed") -> FunnelConfig:
    """B2B lead generation with opportunities, pipeline and closed-won revenue.

    Leads (about 300-450 a week) respond to LinkedIn, Google Search, webinars and Capterra.
    Then: 15% of leads become opportunities, the lag peaking 3 weeks after the lead
    (``delayed`` kernel, ``carryover`` 0.5, over 0..12 weeks); each opportunity adds a deal
    of $28k on average (cv 0.7) to pipeline the week it is created; 25% of deals are won,
    the sales cycle peaking 8 weeks after the opportunity (``carryover`` 0.85, over 0..20
    weeks).

    Parameters
    ----------
    seed : int
        Seed of the leads (the stages use ``seed + 1``).
    weeks : int
        Number of weeks from 2023-01-02.
    channels : tuple of str
        Subset of the channels to keep.
    adstock : str
        ``delayed`` (the ``leads`` preset of :mod:`mmm.spec`) or ``geometric`` (faster to fit).
    """
    if adstock == "delayed":
        all_channels = {
            "linkedin": _delayed_logistic("linkedin", "brand", alpha=0.7, peak=2.0, lam=1.2, beta=120.0),
            "google_search": _delayed_logistic("google_search", "performance", alpha=0.4, peak=0.0, lam=2.0,
                                               beta=110.0),
            "webinars": _delayed_logistic("webinars", "performance", alpha=0.5, peak=1.0, lam=1.5, beta=70.0),
            "capterra": _delayed_logistic("capterra", "performance", alpha=0.3, peak=0.0, lam=1.8, beta=40.0),
        }
    elif adstock == "geometric":
        all_channels = {
            "linkedin": _geo_logistic("linkedin", "brand", alpha=0.5, lam=1.2, beta=120.0),
            "google_search": _geo_logistic("google_search", "performance", alpha=0.1, lam=2.0, beta=110.0),
            "webinars": _geo_logistic("webinars", "performance", alpha=0.3, lam=1.5, beta=70.0),
            "capterra": _geo_logistic("capterra", "performance", alpha=0.2, lam=1.8, beta=40.0),
        }
    else:
        raise ValueError(f"adstock must be 'delayed' or 'geometric'; got '{adstock}'.")
    spend_all = {
        "linkedin": SpendPattern("flighted", level=18_000, noise=0.35, ar=0.5, burst=(4, 9), gap=(2, 6),
                                 growth=0.3),
        "google_search": SpendPattern("always_on", level=10_000, noise=0.35, ar=0.5, seasonal=0.3),
        "webinars": SpendPattern("always_on", level=6_000, noise=0.45, ar=0.2, zero_prob=0.35),
        "capterra": SpendPattern("always_on", level=4_000, noise=0.35, ar=0.6, zero_prob=0.1),
    }
    unknown = set(channels) - set(all_channels)
    if unknown:
        raise ValueError(f"Unknown channel(s) {sorted(unknown)}; choose from {list(all_channels)}.")
    leads = SimulationConfig(
        name="b2b_funnel", weeks=weeks, start="2023-01-02",
        channels=[all_channels[c] for c in channels], spend={c: spend_all[c] for c in channels},
        baseline=Baseline(intercept=230.0, trend=50.0,
                          seasonality={"sin_1": 15.0, "cos_1": 20.0, "sin_2": -10.0, "cos_2": 8.0}),
        noise_sd=12.0, seed=seed, kpi_column="expected_leads", kpi_type="leads", kpi_decimals=2,
        count=CountColumn("leads", 1.0),
    )
    stages = [
        StageTruth("opportunities", "leads", "count", rate=0.15, lag_kind="delayed",
                   lag_params={"carryover": 0.5, "peak_lag": 3.0}, max_lag=12),
        StageTruth("pipeline", "opportunities", "value", rate=28_000.0, value_cv=0.7),
        StageTruth("closed_won", "pipeline", "value", rate=0.25, lag_kind="delayed",
                   lag_params={"carryover": 0.85, "peak_lag": 8.0}, max_lag=20),
    ]
    return FunnelConfig(leads=leads, stages=stages, seed=seed + 1)


# ---------------------------------------------------------------- funnel: simulation


def _units_to_series(weeks: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    inside = weeks < n
    return np.bincount(weeks[inside], weights=values[inside], minlength=n)[:n]


def simulate_funnel(config: FunnelConfig) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Simulate leads and the later funnel stages unit by unit.

    Returns
    -------
    data : pandas.DataFrame
        ``week``, ``leads``, one column per stage (counts as integers, values rounded to
        cents), the spend columns.
    truth : dict
        ``leads``: the truth of :func:`mmm.simulate.simulate` for the lead series (its
        ``count`` entry holds per-channel lead contributions); ``stages``: per stage the
        true ``rate``, lag distribution (``lag_weights``, ``mean_lag``, ``peak_lag``,
        ``max_lag``), and realised totals; ``channels``: per channel its spend, true
        leads, and the expected later-stage volumes (``rate`` chain times its leads,
        whenever they land) and cost per unit of each stage.
    """
    leads_cfg = config.leads
    if leads_cfg.count is None:
        raise ValueError("The leads config needs a count column (the observed leads).")
    raw, lead_truth = simulate(leads_cfg)
    n = leads_cfg.weeks
    rng = np.random.default_rng(config.seed)
    lead_col = leads_cfg.count.name
    leads = raw[lead_col].to_numpy()
    # units of the first stage: one per lead, value 1, at its week
    units: dict[str, tuple[np.ndarray, np.ndarray, str]] = {
        lead_col: (np.repeat(np.arange(n), leads), np.ones(int(leads.sum())), "count")}
    series: dict[str, np.ndarray] = {lead_col: leads.astype("float64")}
    stage_truth: dict[str, dict[str, Any]] = {}
    for st in config.stages:
        if st.source not in units:
            raise ValueError(f"Stage '{st.name}' comes from '{st.source}', which is not an earlier stage.")
        if st.kind not in ("count", "value"):
            raise ValueError(f"Stage '{st.name}': kind must be 'count' or 'value'.")
        src_weeks, src_values, src_kind = units[st.source]
        w = st.lag_weights()
        if src_kind == "value" or st.kind == "count":
            keep = rng.uniform(0.0, 1.0, len(src_weeks)) < st.rate
            weeks = src_weeks[keep]
            values = src_values[keep] if st.kind == "value" else np.ones(int(keep.sum()))
        else:  # value from count: each unit carries a deal value
            k = 1.0 / st.value_cv ** 2
            weeks = src_weeks
            values = rng.gamma(k, st.rate / k, len(src_weeks))
        lags = rng.choice(len(w), size=len(weeks), p=w)
        weeks = weeks + lags
        units[st.name] = (weeks, values, st.kind)
        s = _units_to_series(weeks, values, n)
        series[st.name] = np.round(s) if st.kind == "count" else np.round(s, 2)
        mean_lag = float(np.sum(np.arange(len(w)) * w))
        stage_truth[st.name] = {
            "source": st.source, "kind": st.kind, "rate": float(st.rate),
            "rate_meaning": ("conversion: share of source units that become one"
                             if st.kind == "count" or src_kind == "value" else "mean value per source unit"),
            "lag_kind": st.lag_kind, "lag_params": dict(st.lag_params), "max_lag": int(st.max_lag),
            "lag_weights": w, "mean_lag": mean_lag, "peak_lag": int(np.argmax(w)),
            "value_cv": float(st.value_cv) if src_kind == "count" and st.kind == "value" else None,
            "total_in_window": float(series[st.name].sum()),
            "total_eventual": float(values.sum()),
        }
    data = pd.DataFrame({leads_cfg.date_column: raw[leads_cfg.date_column]})
    data[lead_col] = leads.astype("int64")
    for st in config.stages:
        data[st.name] = series[st.name].astype("int64") if st.kind == "count" else series[st.name]
    for ch in leads_cfg.channels:
        data[ch.column] = raw[ch.column]

    # per channel: true leads and the expected later-stage volumes
    chain: dict[str, float] = {lead_col: 1.0}
    for st in config.stages:
        chain[st.name] = chain[st.source] * st.rate
    channels: dict[str, dict[str, Any]] = {}
    for name, ch in lead_truth["channels"].items():
        entry = {"role": ch["role"], "spend": ch["total_spend"], "leads": ch["contribution"]}
        entry["cost_per_lead"] = ch["total_spend"] / ch["contribution"]
        for st in config.stages:
            entry[st.name] = chain[st.name] * ch["contribution"]
            entry[f"cost_per_{st.name}"] = ch["total_spend"] / entry[st.name]
        channels[name] = entry
    truth = {
        "name": config.name, "seed": int(config.seed), "weeks": int(n),
        "date_column": leads_cfg.date_column, "lead_column": lead_col,
        "conventions": {
            "stage": "E[stage_t | source] = rate * sum_l lag_weights[l] * source[t - l]",
            "rate": "count<-count and value<-value: conversion probability; value<-count: mean value per unit",
            "lags": "lag_weights over 0..max_lag weeks; mean_lag = sum_l l * w[l]; peak_lag = argmax",
            "channel volumes": "expected later-stage volume of the channel's leads, whenever it lands "
                               "(rate chain x leads)",
        },
        "stages": stage_truth,
        "channels": channels,
        "leads": lead_truth,
    }
    return data, _jsonable(truth)


# ---------------------------------------------------------------- sample files


def mediation_spec_yaml(config: MediationConfig) -> str:
    """YAML spec of a mediation sample (a plain :mod:`mmm.spec` spec with ``branded_search``)."""
    pbs = config.paid_search.channel if config.paid_search else None
    lines = [
        f"# Model spec for {config.name}.csv (simulated; the truth is in {config.name}_truth.json).",
        "# Regenerate with: python -m mmm.simulate_funnel",
        f"# Mediation: fit with mmm.mediation.fit_mediated(spec, paid_brand_search='{pbs}');",
        "# brand channels (role: brand) drive the branded_search column.",
        f"data: {config.name}.csv",
        f"date_column: {config.date_column}",
        "kpi:",
        f"  column: {config.kpi_column}",
        "  type: revenue",
        f"currency: {config.currency}",
        f"branded_search: {config.search_column}",
        "channels:",
    ]
    for ch in config.channels:
        lines += [f"  {ch.name}:", f"    spend: {ch.column}", f"    role: {ch.role}"]
    lines.append("events: [" + ", ".join(e.name for e in config.events) + "]")
    return "\n".join(lines) + "\n"


def funnel_spec_yaml(config: FunnelConfig) -> str:
    """YAML spec of the lead model of a funnel sample (``kpi.type: leads``)."""
    lc = config.leads
    lines = [
        f"# Lead model spec for {config.name}.csv (simulated; the truth is in {config.name}_truth.json).",
        "# Regenerate with: python -m mmm.simulate_funnel",
        "# Later stages (opportunities, pipeline, closed_won): see mmm.funnel.fit_funnel and",
        f"# {config.name}.md for the stage definitions.",
        f"data: {config.name}.csv",
        f"date_column: {lc.date_column}",
        "kpi:",
        f"  column: {lc.count.name if lc.count else lc.kpi_column}",
        "  type: leads",
        f"currency: {lc.currency}",
        "channels:",
    ]
    for ch in lc.channels:
        lines += [f"  {ch.name}:", f"    spend: {ch.column}", f"    role: {ch.role}"]
    return "\n".join(lines) + "\n"


def _m(v: float) -> str:
    return f"${v:,.0f}"


def samples_markdown(med: dict[str, Any], fun: dict[str, Any], fcfg: FunnelConfig) -> dict[str, str]:
    """Markdown descriptions of the two samples, tables generated from the truths."""
    m = med["mediation"]
    rows = ["| channel | role | drives branded search | direct beta / week | searches / week at full saturation "
            "| total spend | true direct | true indirect | true indirect share | true direct ROAS | true total ROAS |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, c in med["channels"].items():
        role = c["role"] + (" (branded paid search)" if c["paid_brand_search"] else "")
        rows.append(f"| {name} | {role} | {'yes' if c['drives_branded_search'] else 'no'} | {_m(c['beta'])} "
                    f"| {c['search_effect']:,.0f} | {_m(c['total_spend'])} | {_m(c['contribution'])} "
                    f"| {_m(c['indirect_contribution'])} | {c['indirect_share']:.3f} | {c['roas']:.2f} "
                    f"| {c['total_roas']:.2f} |")
    d2c = "\n".join([
        "# `d2c_mediation`: brand channels -> branded search -> revenue",
        "",
        "Simulated by `mmm.simulate_funnel.simulate_mediation(d2c_mediation_config())` (seed "
        f"{med['seed']}, {med['weeks']} weeks from {med['start']}). Regenerate with",
        "`python -m mmm.simulate_funnel` (writes into `data/samples/`). Files: `d2c_mediation.csv`,",
        "`d2c_mediation.yaml` (a plain spec with `branded_search: branded_searches`),",
        "`d2c_mediation_truth.json`.",
        "",
        "Columns: `week`, `revenue` ($), `branded_searches` (weekly searches for the brand name, organic",
        "and paid clicks together), `tv_spend`, `youtube_spend`, `meta_spend`, `generic_search_spend`,",
        "`brand_search_spend` (branded paid search), `black_friday` (0/1).",
        "",
        "## The data-generating process",
        "",
        "Each channel has an awareness curve `a = saturation(adstock(spend / scale))` (geometric",
        "carryover over 8 weeks, logistic saturation, as in `mmm.simulate`).",
        "",
        "    branded_searches = organic (intercept + trend + seasonality + Black Friday)",
        "                       + sum over brand channels of theta_b * a_b + Normal noise",
        "    revenue          = baseline + sum over channels of beta_c * a_c",
        f"                       + {m['revenue_per_search']:g} $/search * branded_searches + Normal noise",
        "",
        "So TV and YouTube sell directly *and* through branded search; the indirect share of a",
        "brand channel is `gamma theta / (beta + gamma theta)`.",
        "",
        "Branded paid search (`brand_search`): its clicks are part of `branded_searches` (a weekly",
        "share of them, impression share x click-through, around 35%, moving week to week); its",
        "spend is CPC x clicks, so it **follows** brand demand and does not create it. Its true",
        "incremental (direct) effect is small. A plain MMM sees its spend move with branded demand",
        "and credits it with much of the revenue that TV and YouTube created through search.",
        "",
        *rows,
        "",
        f"Revenue per branded search {_m(m['revenue_per_search'])}; search noise sd "
        f"{m['search_noise_sd']:,.0f}; branded searches {m['searches_total']:,.0f} in total, of which "
        f"{m['searches_from_media']:,.0f} driven by brand media; revenue through branded search "
        f"{_m(m['search_revenue'])} (organic part {_m(m['organic_search_revenue'])}).",
        "",
    ])
    st_rows = ["| stage | from | kind | true rate | lag distribution | peak lag (weeks) | mean lag (weeks) |",
               "|---|---|---|---|---|---|---|"]
    for name, s in fun["stages"].items():
        rate = f"{s['rate']:.2f}" if s["rate"] < 1 else _m(s["rate"]) + " per deal"
        lag = "same week" if s["lag_kind"] == "none" else (
            f"{s['lag_kind']} over 0..{s['max_lag']}: " + ", ".join(f"{k}={v:g}" for k, v in s["lag_params"].items()))
        st_rows.append(f"| {name} | {s['source']} | {s['kind']} | {rate} | {lag} | {s['peak_lag']} "
                       f"| {s['mean_lag']:.2f} |")
    ch_rows = ["| channel | role | spend | true leads | cost per lead | opportunities | cost per opportunity "
               "| pipeline | closed-won |", "|---|---|---|---|---|---|---|---|---|"]
    for name, c in fun["channels"].items():
        ch_rows.append(f"| {name} | {c['role']} | {_m(c['spend'])} | {c['leads']:,.0f} | {_m(c['cost_per_lead'])} "
                       f"| {c['opportunities']:,.0f} | {_m(c['cost_per_opportunities'])} | {_m(c['pipeline'])} "
                       f"| {_m(c['closed_won'])} |")
    lt = fun["leads"]
    b2b = "\n".join([
        "# `b2b_funnel`: leads -> opportunities -> pipeline -> closed-won",
        "",
        "Simulated by `mmm.simulate_funnel.simulate_funnel(b2b_funnel_config())` (leads seed "
        f"{lt['seed']}, stages seed {fun['seed']}, {fun['weeks']} weeks from {lt['start']}). Files:",
        "`b2b_funnel.csv`, `b2b_funnel.yaml` (the lead model: `kpi.type: leads`),",
        "`b2b_funnel_truth.json`.",
        "",
        "Columns: `week`, `leads`, `opportunities`, `pipeline` ($ of new opportunities created that",
        "week), `closed_won` ($ won that week), "
        + ", ".join(f"`{c['spend_column']}`" for c in lt["channels"].values()) + " ($ per week).",
        "",
        "## The data-generating process",
        "",
        "Leads: `leads ~ Poisson(baseline + media + Normal noise)` with the model family of",
        "`mmm.simulate` (delayed carryover over 13 weeks, logistic saturation). Later stages are",
        "simulated deal by deal: each lead becomes an opportunity with probability `rate`, landing",
        "`lag` weeks later (lag drawn from the stage's lag distribution); each opportunity carries",
        "a deal value (Gamma, mean = pipeline `rate`, cv 0.7) into pipeline the week it is created;",
        "each deal is won with probability `rate` after a sales-cycle lag. Hence",
        "`E[stage_t | source] = rate * sum_l w[l] * source[t - l]` exactly, the model of `mmm.funnel`.",
        "",
        *st_rows,
        "",
        "Per channel (the truth of the lead model; later stages = leads times the chain of rates,",
        "whenever they land):",
        "",
        *ch_rows,
        "",
    ])
    return {"d2c_mediation": d2c, "b2b_funnel": b2b}


def write_funnel_samples(out_dir: str | Path) -> list[Path]:
    """Write ``d2c_mediation.*`` and ``b2b_funnel.*`` (CSV, truth JSON, YAML, Markdown) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    mcfg = d2c_mediation_config()
    mdata, mtruth = simulate_mediation(mcfg)
    fcfg = b2b_funnel_config()
    fdata, ftruth = simulate_funnel(fcfg)
    docs = samples_markdown(mtruth, ftruth, fcfg)
    written = []
    for name, data, truth, spec in (("d2c_mediation", mdata, mtruth, mediation_spec_yaml(mcfg)),
                                    ("b2b_funnel", fdata, ftruth, funnel_spec_yaml(fcfg))):
        csv = out / f"{name}.csv"
        data.to_csv(csv, index=False, date_format="%Y-%m-%d", lineterminator="\n")
        js = out / f"{name}_truth.json"
        js.write_text(json.dumps(truth, indent=1) + "\n")
        ym = out / f"{name}.yaml"
        ym.write_text(spec)
        md = out / f"{name}.md"
        md.write_text(docs[name])
        written += [csv, js, ym, md]
    return written


def config_dict(config: MediationConfig | FunnelConfig) -> dict[str, Any]:
    """A config as a JSON-serialisable dict."""
    return _jsonable(dataclasses.asdict(config))


if __name__ == "__main__":  # pragma: no cover
    for p in write_funnel_samples(Path(__file__).resolve().parent.parent / "data" / "samples"):
        print(p)
