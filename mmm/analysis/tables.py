"""What each channel contributed, and how well the model fits: tidy pandas tables.

Also the decomposition of a period (:func:`waterfall_table`) that the waterfall chart draws.

All numbers are in KPI units (currency for revenue and pipeline, counts for leads),
computed from posterior draws; intervals are highest-density intervals (HDI).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.analysis.summaries import period_text
from mmm.kpi import kpi_kind, money
from mmm.stats import hdi

if TYPE_CHECKING:
    from mmm.fitted import FittedModel


def contributions_table(fitted: FittedModel) -> pd.DataFrame:
    """Weekly decomposition over all weeks (training and holdout), posterior means.

    Columns: ``date, actual, fitted, baseline``, one per channel, one per control.
    ``baseline`` is intercept + trend + seasonality + events; columns add up to ``fitted``.
    """
    parts = fitted.components()
    ds = fitted.dataset
    out = pd.DataFrame({"date": ds.dates, "actual": ds.kpi, "fitted": parts["mean"].mean(axis=0)})
    base = parts["intercept"] + parts["trend"] + parts["seasonality"] + parts["events"].sum(axis=-1)
    out["baseline"] = base.mean(axis=0)
    media = parts["media"].mean(axis=0)
    for i, name in enumerate(fitted.spec.channel_names):
        out[name] = media[:, i]
    ctrl = parts["controls"].mean(axis=0)
    for i, name in enumerate(fitted.spec.controls):
        out[name] = ctrl[:, i]
    return out


@dataclass(frozen=True)
class ChannelDraws:
    """Posterior draws per channel over the training weeks (KPI units).

    ``contribution`` and ``roas`` are ``(draws, C)`` in spec channel order; ``spend`` is the
    training spend ``(C,)``. ROAS is KPI per currency unit (pipeline ROI for pipeline,
    leads per currency unit for leads).
    """

    channels: tuple[str, ...]
    contribution: np.ndarray
    roas: np.ndarray
    spend: np.ndarray


def channel_draws(fitted: FittedModel) -> ChannelDraws:
    """Contribution and ROAS draws per channel over the training weeks."""
    T = fitted.train_weeks
    media = fitted.components(0, T)["media"]          # (S, T, C)
    contrib = media.sum(axis=1)                        # (S, C)
    spend = fitted.train.spend.sum(axis=0)             # (C,)
    roas = contrib / np.where(spend > 0, spend, np.nan)
    return ChannelDraws(tuple(fitted.spec.channel_names), contrib, roas, spend)


def channel_table(fitted: FittedModel, prob: float = 0.9) -> pd.DataFrame:
    """One row per channel over the training weeks.

    Columns: ``channel, role, spend, contribution_mean, contribution_hdi_low,
    contribution_hdi_high, roas_mean, roas_hdi_low, roas_hdi_high, share_of_kpi``, plus
    ``cost_per_kpi_mean`` (spend per unit of KPI: cost per lead for leads models),
    with ``kpi.value_per_unit`` also ``value_mean, value_hdi_low, value_hdi_high`` (currency the
    channel's KPI was worth) and ``value_roas_mean, value_roas_hdi_low, value_roas_hdi_high``;
    ``prior_contraction`` (0-1: how much the data narrowed the ROAS prior), ``prior_sensitivity``
    (power-scaling; above 0.05 the prior shapes the answer) and ``data_informed`` (contraction
    at least ``checks.prior_contraction_min``); see :mod:`mmm.identification`.
    """
    draws = channel_draws(fitted)
    contrib, roas, spend = draws.contribution, draws.roas, draws.spend
    c_lo, c_hi = hdi(contrib, prob)
    r_lo, r_hi = hdi(roas, prob)
    total_kpi = float(fitted.train.kpi.sum())
    rows = pd.DataFrame({
        "channel": fitted.spec.channel_names,
        "role": [c.role for c in fitted.spec.channels],
        "spend": spend,
        "contribution_mean": contrib.mean(axis=0),
        "contribution_hdi_low": c_lo,
        "contribution_hdi_high": c_hi,
        "roas_mean": roas.mean(axis=0),
        "roas_hdi_low": r_lo,
        "roas_hdi_high": r_hi,
        "share_of_kpi": contrib.mean(axis=0) / total_kpi if total_kpi else np.nan,
    })
    rows["cost_per_kpi_mean"] = spend / np.where(rows["contribution_mean"] > 0, rows["contribution_mean"], np.nan)
    # how much the data (not the prior) decided each ROAS: see mmm.identification
    from mmm.identification import prior_influence_table
    influence = prior_influence_table(fitted)
    rows["prior_contraction"] = influence["prior_contraction"].to_numpy()
    rows["prior_sensitivity"] = influence["prior_sensitivity"].to_numpy()
    rows["data_informed"] = influence["data_informed"].to_numpy(dtype=bool)
    from mmm.claims import prob_best
    rows["prob_highest_roas"] = prob_best(roas)  # probability the channel's ROAS is the highest (cost per lead lowest)
    value = value_draws(fitted)
    if value is not None:
        v_lo, v_hi = hdi(value, prob)
        rv = value / np.where(spend > 0, spend, np.nan)
        rv_lo, rv_hi = hdi(rv, prob)
        rows["value_mean"], rows["value_hdi_low"], rows["value_hdi_high"] = value.mean(axis=0), v_lo, v_hi
        rows["value_roas_mean"], rows["value_roas_hdi_low"], rows["value_roas_hdi_high"] = rv.mean(axis=0), rv_lo, rv_hi
    return rows


def value_draws(fitted: FittedModel) -> np.ndarray | None:
    """What each channel's contribution was worth in currency, ``(draws, C)``, over the training weeks,
    from ``kpi.value_per_unit`` (a number, or a column valuing each week's KPI); ``None`` without it."""
    vpu = fitted.spec.kpi.value_per_unit
    if vpu is None:
        return None
    T = fitted.train_weeks
    media = fitted.components(0, T)["media"]                         # (S, T, C)
    if isinstance(vpu, str):
        weekly = fitted.train.frame[vpu].to_numpy(dtype=float)       # (T,)
        return np.einsum("stc,t->sc", media, weekly)
    return media.sum(axis=1) * float(vpu)


def fit_table(fitted: FittedModel, prob: float = 0.9) -> pd.DataFrame:
    """Actual vs fitted per week: ``date, actual, fitted, fitted_low, fitted_high, holdout``."""
    parts = fitted.components()
    pred = fitted.predictive(parts["mean"])
    lo, hi = np.quantile(pred, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    ds = fitted.dataset
    return pd.DataFrame({"date": ds.dates, "actual": ds.kpi, "fitted": parts["mean"].mean(axis=0),
                         "fitted_low": lo, "fitted_high": hi,
                         "holdout": np.arange(ds.n_weeks) >= fitted.train_weeks})


def fit_quality(table: pd.DataFrame) -> dict[str, float | int]:
    """How well the model tracks the KPI in a :func:`fit_table` (``actual``, ``fitted``, ``holdout``):
    ``r2`` and ``mape`` over the training weeks, ``holdout_mape`` (NaN without holdout) and
    ``holdout_weeks``."""
    hold = table["holdout"].to_numpy(bool) if "holdout" in table else np.zeros(len(table), bool)
    a, f = table["actual"].to_numpy(float), table["fitted"].to_numpy(float)
    return {"r2": _r2(a[~hold], f[~hold]), "mape": _mape(a[~hold], f[~hold]),
            "holdout_mape": _mape(a[hold], f[hold]) if hold.any() else float("nan"),
            "holdout_weeks": int(hold.sum())}


def _r2(actual: np.ndarray, fitted: np.ndarray) -> float:
    ss = float(np.sum((actual - actual.mean()) ** 2))
    return 1.0 - float(np.sum((actual - fitted) ** 2)) / ss if ss > 0 else float("nan")


def _mape(actual: np.ndarray, fitted: np.ndarray) -> float:
    ok = np.abs(actual) > 0
    return float(np.mean(np.abs((actual[ok] - fitted[ok]) / actual[ok]))) if ok.any() else float("nan")


def total_media(fitted: FittedModel, prob: float = 0.9) -> dict[str, float]:
    """Total media contribution over the training weeks with its HDI (KPI units)."""
    total = fitted.components(0, fitted.train_weeks)["media"].sum(axis=(1, 2))
    lo, hi = hdi(total, prob)
    return {"mean": float(total.mean()), "hdi_low": float(lo), "hdi_high": float(hi)}


def summary_text(fitted: FittedModel) -> str:
    """Plain-language summary: verdict, fit quality, channels by return."""
    d = fitted.diagnostics
    lines = []
    if fitted.approximate:
        lines.append("APPROXIMATE FIT (ADVI): for iterating only, not for reporting.")
    lines.append(f"Verdict: {d.verdict}")
    problems = [c for c in d.checks if c["level"] in ("warning", "error")]
    lines.append(f"Model health: {d.health}" + (f" ({len(problems)} check{'s' * (len(problems) != 1)} to read: "
                                                 + ", ".join(sorted({c['id'] for c in problems})) + ")"
                                                 if problems else ""))
    lines.append(f"Sampler {d.sampler}: {d.chains} chains x {d.draws} draws in {d.seconds:.0f} s; "
                 f"max R-hat {d.max_rhat:.3f}, min bulk ESS {d.min_ess_bulk:.0f}, divergences {d.divergences}.")
    lines.append(f"Fit: R² {d.r2:.3f}, MAPE {d.mape:.1%}, 90% interval covers {d.coverage_90:.0%} of weeks.")
    if d.holdout:
        h = d.holdout
        lines.append(f"Holdout ({h['weeks']} weeks): R² {h['r2']:.3f}, MAPE {h['mape']:.1%}.")
    table = fitted.channel_summary().sort_values("roas_mean", ascending=False)  # cached on the fit
    if table.empty:
        return "\n".join(lines)
    kind, cur = kpi_kind(fitted.spec), fitted.spec.currency
    # a blank line ends the head (verdict, health, sampler, fit) that `mmm fit` prints on its own
    lines += ["", f"{kind.headline_name} by channel{'' if kind.cost_is_headline else ' (90% HDI)'}:"]
    for r in table.itertuples():
        prior = "" if r.data_informed else "  (mostly the prior: the data say little)"
        if kind.cost_is_headline:
            per_1k = f", {kind.return_text(r.roas_mean)} {kind.return_name}" if kind.per_1k else ""
            lines.append(f"  {r.channel:<16} {r.role:<11} {kind.cost_name} {money(r.cost_per_kpi_mean, cur)}"
                         f"  ({kind.amount(r.contribution_mean, cur)}{per_1k}){prior}")
        else:
            lines.append(f"  {r.channel:<16} {r.role:<11} {r.roas_mean:5.2f}x  [{r.roas_hdi_low:.2f}, {r.roas_hdi_high:.2f}]"
                         f"  {kind.amount(r.contribution_mean, cur)} {kind.word}{prior}")
        if "value_roas_mean" in table.columns:
            lines.append(f"  {'':<16} {'':<11} worth {money(r.value_mean, cur)}: revenue ROAS {r.value_roas_mean:.2f}x "
                         f"[{r.value_roas_hdi_low:.2f}, {r.value_roas_hdi_high:.2f}] (kpi.value_per_unit)")
    return "\n".join(lines)


def summary_html(fitted: FittedModel) -> str:
    """HTML summary for notebooks (``_repr_html_``)."""
    d = fitted.diagnostics
    colour = "#1b7837" if d.converged else ("#b35806" if fitted.approximate else "#b2182b")
    table = fitted.channel_summary().round(3).to_html(index=False, border=0)
    health_colour = {"ok": "#1b7837", "review": "#b35806"}.get(d.health, "#b2182b")
    items = "".join(f"<li>{html.escape(c['message'])}</li>" for c in d.checks if c["level"] in ("warning", "error"))
    checks = f"<ul>{items}</ul>" if items else ""
    return (f"<div><h4>mmm · {html.escape(fitted.spec.kpi.type)} model of "
            f"'{html.escape(fitted.spec.kpi.column)}'</h4>"
            f"<p style='color:{colour}'><b>{html.escape(d.verdict)}</b></p>"
            f"<p style='color:{health_colour}'><b>Model health: {html.escape(d.health)}</b>{checks}</p>"
            f"<p>R² {d.r2:.3f} · MAPE {d.mape:.1%} · 90% coverage {d.coverage_90:.0%} · "
            f"{d.sampler}, {d.chains}×{d.draws} draws, {d.seconds:.0f} s</p>{table}</div>")


def predicted_lift(fitted: FittedModel, channel: str, start: str, end: str, spend_change: float,
                   prob: float = 0.9) -> dict[str, float]:
    """What the model says an experiment should measure: extra KPI inside ``start``..``end``
    when ``channel``'s weekly spend changes by ``spend_change`` in that window.

    Use it to compare a lift test with the model before and after calibration.
    """
    from mmm.response import saturated_media

    ds = fitted.dataset
    c = fitted.spec.channel_names.index(channel)
    inside = (ds.dates >= pd.Timestamp(start)) & (ds.dates <= pd.Timestamp(end))
    base = fitted.design()
    spend = ds.spend.copy()
    spend[:, c] = spend[:, c] + np.where(inside, spend_change, 0.0)
    lags = base.lags.copy()
    from mmm.transforms import lag_matrix
    lags[:, c, :] = lag_matrix(spend[:, c] / fitted.scaling.spend_scale[c], fitted.layout.max_l)
    beta = fitted.params["media_beta"][:, c] * fitted.scaling.kpi_scale
    before = saturated_media(fitted.params, base.lags, fitted.layout)[:, :, c]
    after = saturated_media(fitted.params, lags, fitted.layout)[:, :, c]
    lift = beta * ((after - before) * inside).sum(axis=1)
    lo, hi = hdi(lift, prob)
    return {"mean": float(lift.mean()), "hdi_low": float(lo), "hdi_high": float(hi)}


FIXED = ("date", "actual", "fitted", "baseline")


def split_columns(table: pd.DataFrame, units: Any = None, channels: list[str] | None = None,
                  controls: list[str] | None = None) -> tuple[list[str], list[str]]:
    """``(channels, controls)`` columns of a contributions table.

    From the spec when ``units`` is a spec or fitted model; else ``channels`` / ``controls``
    as given; else every column other than date/actual/fitted/baseline and ``controls`` is a
    channel.
    """
    spec = getattr(units, "spec", units)
    if channels is None and hasattr(spec, "channel_names"):
        channels = [c for c in spec.channel_names if c in table.columns]
        if controls is None:
            controls = [c for c in spec.controls if c in table.columns]
    controls = list(controls or [])
    if channels is None:
        channels = [c for c in table.columns if c not in FIXED and c not in controls]
    if not controls:
        controls = [c for c in table.columns if c not in FIXED and c not in channels]
    return list(channels), controls


def channel_roles(units: Any, channels: list[str], roles: dict[str, str] | None) -> dict[str, str]:
    """Role (``brand`` / ``performance``) of each channel: ``roles`` as given, else the spec's
    (``units`` a spec or fitted model), else ``performance``."""
    spec = getattr(units, "spec", units)
    if roles is None and hasattr(spec, "channels") and hasattr(spec, "kpi"):
        roles = {c.name: c.role for c in spec.channels}
    roles = roles or {}
    return {c: roles.get(c, "performance") for c in channels}


def waterfall_table(data: pd.DataFrame, *, units: Any = None, start: Any = None, end: Any = None,
                    channels: list[str] | None = None, controls: list[str] | None = None,
                    roles: dict[str, str] | None = None) -> pd.DataFrame:
    """The decomposition of a period: one row per step (baseline, controls, channels) and a total.

    Columns: ``name, kind (baseline|controls|brand|performance|total), value, share``.
    ``start`` / ``end``: dates (inclusive) bounding the period (default: all weeks).
    """
    t = data
    dates = pd.to_datetime(t["date"])
    keep = np.ones(len(t), bool)
    if start is not None:
        keep &= dates >= pd.Timestamp(start)
    if end is not None:
        keep &= dates <= pd.Timestamp(end)
    if not keep.any():
        raise ValueError(f"No weeks between {start} and {end}; the data run {dates.min().date()}..{dates.max().date()}.")
    t = t.loc[keep]
    chans, ctrls = split_columns(t, units, channels, controls)
    rl = channel_roles(units, chans, roles)
    rows = [("baseline", "baseline", float(t["baseline"].sum()))]
    scale = abs(float(t["fitted"].sum())) or 1.0
    if ctrls and abs(float(t[ctrls].to_numpy(float).sum())) > 0.001 * scale:
        rows.append(("controls", "controls", float(t[ctrls].to_numpy(float).sum())))
    for role in ("brand", "performance"):
        group = sorted((c for c in chans if rl[c] == role), key=lambda c: -float(t[c].sum()))
        rows += [(c, role, float(t[c].sum())) for c in group]
    total = float(sum(r[2] for r in rows))
    rows.append(("total", "total", total))
    out = pd.DataFrame(rows, columns=["name", "kind", "value"])
    out["share"] = out["value"] / total if total else np.nan
    out.attrs["period"] = period_text(dates[keep])
    out.attrs["controls"] = ctrls
    return out
