"""Simulated data with a true **lead-gen funnel**: leads -> opportunities -> pipeline -> closed-won.

With a known truth (:func:`simulate_funnel`). Leads are simulated with
:func:`mmm.simulate.simulate` (``leads ~ Poisson(baseline + media + noise)``). Each later
stage is simulated **deal by deal**: a unit of the source stage converts with probability
``rate`` (count stages, or value stages built from value stages) and lands ``lag`` weeks
later, the lag drawn from a discrete distribution over ``0..max_lag`` weeks
(:mod:`mmm.transforms` carryover weights, e.g. ``delayed``); a value stage built from a
count stage gives each unit a value ``~ Gamma(mean=rate, cv=value_cv)`` (deal size).
Hence, exactly, ``E[stage_t | source history] = rate * sum_l w[l] * source[t - l]``: the
model of :mod:`mmm.funnel`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mmm import transforms
from mmm.simulate.config import Baseline, CountColumn, SimulationConfig, SpendPattern, jsonable
from mmm.simulate.national import simulate
from mmm.simulate.presets import delayed_logistic, geo_logistic


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
            "linkedin": delayed_logistic("linkedin", "brand", alpha=0.7, peak=2.0, lam=1.2, beta=120.0),
            "google_search": delayed_logistic("google_search", "performance", alpha=0.4, peak=0.0, lam=2.0,
                                               beta=110.0),
            "webinars": delayed_logistic("webinars", "performance", alpha=0.5, peak=1.0, lam=1.5, beta=70.0),
            "capterra": delayed_logistic("capterra", "performance", alpha=0.3, peak=0.0, lam=1.8, beta=40.0),
        }
    elif adstock == "geometric":
        all_channels = {
            "linkedin": geo_logistic("linkedin", "brand", alpha=0.5, lam=1.2, beta=120.0),
            "google_search": geo_logistic("google_search", "performance", alpha=0.1, lam=2.0, beta=110.0),
            "webinars": geo_logistic("webinars", "performance", alpha=0.3, lam=1.5, beta=70.0),
            "capterra": geo_logistic("capterra", "performance", alpha=0.2, lam=1.8, beta=40.0),
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
    return data, jsonable(truth)


