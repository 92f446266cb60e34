"""The national simulator: :func:`simulate` a weekly data set and its truth; :func:`true_contribution`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mmm import transforms
from mmm.simulate.config import (
    SEASONALITY_ORIGIN,
    YEAR_DAYS,
    SimulationConfig,
    jsonable,
    validate_config,
)
from mmm.simulate.series import (
    control_path,
    event_dummy,
    fourier_seasonality,
    round_to,
    spend_path,
    trend_path,
)


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
    validate_config(config)
    rng = np.random.default_rng(config.seed)
    n = config.weeks
    dates = pd.DatetimeIndex(pd.Timestamp(config.start) + pd.to_timedelta(7 * np.arange(n), unit="D"))
    b = config.baseline

    seasonality = fourier_seasonality(dates, b.seasonality, b.season_time)
    peak = np.max(np.abs(seasonality))
    season_shape = seasonality / peak if peak > 0 else np.zeros(n)
    trend = trend_path(b, n)

    # spend, rounded as written, and the truth computed from it
    spend: dict[str, np.ndarray] = {}
    for ch in config.channels:
        spend[ch.name] = round_to(spend_path(config.spend[ch.name], n, rng, season_shape), config.spend_decimals)

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
        values = control_path(c, dates, rng)
        controls[c.name] = values
        mean, std = float(np.mean(values)), float(np.std(values))
        control_effects[c.name] = c.coef * (values - mean) / std if std > 0 else np.zeros(n)
        controls_truth[c.name] = {"coef": float(c.coef), "mean": mean, "std": std, "kind": c.kind}

    events: dict[str, np.ndarray] = {}
    event_effects: dict[str, np.ndarray] = {}
    for e in config.events:
        events[e.name] = event_dummy(e, dates)
        event_effects[e.name] = e.effect * events[e.name]

    baseline = b.intercept + trend + seasonality
    for eff in (*control_effects.values(), *event_effects.values()):
        baseline = baseline + eff
    media = np.sum([contributions[c.name] for c in config.channels], axis=0)
    noise_draw = rng.normal(0.0, config.noise_sd, n)
    kpi = round_to(baseline + media + noise_draw, config.kpi_decimals)
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
    return data, jsonable(truth)


