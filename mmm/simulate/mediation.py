"""Simulated data with a true **mediation path**: brand -> branded search -> revenue.

Same spend generators, carryover, saturation and truth conventions as
:mod:`mmm.simulate.national` (:func:`simulate_mediation`, with a known truth).

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
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mmm import transforms
from mmm.simulate.config import Baseline, ChannelTruth, Event, SpendPattern, jsonable
from mmm.simulate.national import channel_scale, true_contribution
from mmm.simulate.presets import geo_logistic
from mmm.simulate.series import event_dummy, fourier_seasonality, spend_path, trend_path

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
        "tv": geo_logistic("tv", "brand", alpha=0.5, lam=1.0, beta=250_000.0),
        "youtube": geo_logistic("youtube", "brand", alpha=0.3, lam=1.5, beta=80_000.0),
        "meta": geo_logistic("meta", "performance", alpha=0.3, lam=2.0, beta=200_000.0),
        "generic_search": geo_logistic("generic_search", "performance", alpha=0.1, lam=2.0, beta=120_000.0),
        "brand_search": geo_logistic("brand_search", "performance", alpha=0.1, lam=2.0, beta=15_000.0),
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

    event_cols = {e.name: event_dummy(e, dates) for e in config.events}

    # branded searches: organic + brand media + noise
    sb = config.search_baseline
    organic_mean = (sb.intercept + trend_path(sb, n) + fourier_seasonality(dates, sb.seasonality, sb.season_time)
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
    base = b.intercept + trend_path(b, n) + season
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
    return data, jsonable(truth)


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

