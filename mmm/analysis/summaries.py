"""The numbers charts, the deck and the one-pager show about a plan, a brand split and the returns.

Each function reads a result (a :class:`~mmm.planning.PlanResult`, a
:class:`~mmm.split.SplitResult`, a channel summary, a run of dates) in any of the shapes it
comes in (objects, plain dicts, CSV tables) and returns plain numbers, so every reader
(``mmm.plots``, ``mmm.report``, the CLI) parses it once, the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mmm.kpi import kpi_kind

#: Published brand-share norms: LinkedIn B2B Institute (B2B), Binet & Field (B2C).
DEFAULT_NORMS = {"B2B norm": 0.46, "B2C norm": 0.60}


def period_text(dates: pd.Series) -> str:
    """``"Jan 2023 - Dec 2025"`` for a run of weekly dates."""
    d = pd.to_datetime(pd.Series(dates))
    a, b = d.min(), d.max()
    if a.year == b.year and a.month == b.month:
        return a.strftime("%b %Y")
    if a.year == b.year:
        return f"{a.strftime('%b')}-{b.strftime('%b %Y')}"
    return f"{a.strftime('%b %Y')}-{b.strftime('%b %Y')}"


def interval_of(d: Any) -> tuple[float, float, float] | None:
    """``(mean, low, high)`` from the many shapes a summary entry can take (a number, a
    3-sequence, or a dict with ``mean``, ``hdi_low``, ``hdi_high``); ``None`` otherwise."""
    if d is None:
        return None
    if isinstance(d, int | float | np.floating):
        return float(d), float("nan"), float("nan")
    if isinstance(d, list | tuple) and len(d) == 3:
        return tuple(float(v) for v in d)  # type: ignore[return-value]
    if isinstance(d, dict):
        mean = d.get("mean")
        if mean is not None:
            lo, hi = d.get("hdi_low"), d.get("hdi_high")
            return (float(mean), float("nan") if lo is None else float(lo),
                    float("nan") if hi is None else float(hi))
    return None


def plan_totals(plan: Any) -> dict[str, Any]:
    """Expected KPI of the current and recommended plans and the uplift, from a plan's summary.

    Reads :attr:`mmm.planning.PlanResult.summary` (``current.expected_kpi``,
    ``recommended.expected_kpi``, ``uplift.abs``, ``uplift.pct`` in percent) or a plain dict
    ``{"current": {mean, hdi_low, hdi_high}, "recommended": ..., "uplift": ...}``.

    Returns ``{"current": (mean, low, high) | None, "recommended": ..., "uplift": ...,
    "uplift_pct": share (0.042 = +4.2%) or NaN, "budget": float | NaN, "weeks": int | None}``.
    """
    summary = getattr(plan, "summary", None)
    if summary is None and isinstance(plan, dict):
        summary = plan
    s = dict(summary or {})

    def block(name: str) -> tuple[float, float, float] | None:
        d = s.get(name)
        if isinstance(d, dict) and isinstance(d.get("expected_kpi"), dict):
            d = d["expected_kpi"]
        return interval_of(d)

    cur, rec = block("current"), block("recommended")
    up_raw = s.get("uplift")
    upl, upct = None, float("nan")
    if isinstance(up_raw, dict) and ("abs" in up_raw or "pct" in up_raw):
        upl = interval_of(up_raw.get("abs"))
        p = interval_of(up_raw.get("pct"))
        if p is not None and p[0] is not None and np.isfinite(p[0]):
            upct = p[0] / 100.0
    else:
        upl = interval_of(up_raw)
    if upl is None and cur is not None and rec is not None:
        upl = (rec[0] - cur[0], float("nan"), float("nan"))
    if not np.isfinite(upct) and upl is not None and cur is not None and cur[0]:
        upct = upl[0] / cur[0]
    budget = s.get("budget")
    cur_spend = (s.get("current") or {}).get("total_spend") if isinstance(s.get("current"), dict) else None
    prob_up = (up_raw or {}).get("prob_positive") if isinstance(up_raw, dict) else None
    return {"current": cur, "recommended": rec, "uplift": upl, "uplift_pct": upct,
            "budget": float(budget) if budget is not None else float("nan"), "weeks": s.get("weeks"),
            "current_spend": float(cur_spend) if cur_spend is not None else float("nan"),
            "prob_uplift": float(prob_up) if prob_up is not None else float("nan"),
            "evidence": s.get("evidence") if isinstance(s.get("evidence"), dict) else None}


def plan_current_spend(plan: Any) -> float:
    """Today's spend over the plan's period (its summary's ``current.total_spend``), or NaN."""
    cur = ((getattr(plan, "summary", None) or {}).get("current") or {})
    return float(cur.get("total_spend", float("nan")))


def split_summary(split: Any) -> dict[str, Any]:
    """Normalised summary of a brand split: ``best_share``, ``share_range`` (low, high),
    ``current_share``, ``norms`` {label: share}, ``caveat`` (text), ``best_share_uncertainty``
    (the posterior range of the best share, a dict or None) and ``tolerance``."""
    s = dict(getattr(split, "summary", None) or (split if isinstance(split, dict) else {}) or {})
    norms_raw = s.get("norms")
    if norms_raw is None:
        norms_raw = s.get("norm")
    norms: dict[str, float] = {}
    if isinstance(norms_raw, dict) and "brand" in norms_raw and not isinstance(norms_raw["brand"], dict):
        norms_raw = {norms_raw.get("name", "norm"): norms_raw}
    if isinstance(norms_raw, dict):
        for k, v in norms_raw.items():
            val = next((v[n] for n in ("brand", "brand_share", "share") if n in v), None) if isinstance(v, dict) else v
            if val is None:
                continue
            norms[{"b2b": "B2B norm", "b2c": "B2C norm"}.get(str(k).lower(), str(k))] = float(val)
    elif isinstance(norms_raw, int | float):
        norms["Norm"] = float(norms_raw)
    main = s.get("norm")
    main_name = None
    if isinstance(main, dict) and main.get("name"):
        main_name = {"b2b": "B2B norm", "b2c": "B2C norm"}.get(str(main["name"]).lower(), str(main["name"]))
    rng = s.get("share_range") or s.get("range")
    if isinstance(rng, dict):
        rng = (rng.get("low"), rng.get("high"))
    return {"best_share": _float(s.get("best_share", s.get("recommended_share"))),
            "share_range": tuple(float(v) for v in rng) if rng is not None else None,
            "current_share": _float(s.get("current_share")),
            "norms": norms or dict(DEFAULT_NORMS), "main_norm": main_name,
            "caveat": s.get("caveat"), "best_share_uncertainty": s.get("best_share_uncertainty"),
            "tolerance": _float(s.get("tolerance"))}


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def return_is_cost(units: Any = None) -> bool:
    """True when the KPI's return metric is a cost per outcome (leads: cost per lead, lower is
    better); ``units``: a spec, a fitted model, :class:`~mmm.plots.style.Units`, a KPI type name or
    ``None`` (revenue)."""
    flag = getattr(units, "return_is_cost", None)
    if isinstance(flag, bool):
        return flag
    return kpi_kind("revenue" if units is None else units).cost_is_headline


def return_table(summary: pd.DataFrame, units: Any = None, *, mean: str = "roas_mean", low: str = "roas_hdi_low",
                 high: str = "roas_hdi_high") -> pd.DataFrame:
    """The return metric per channel, best first: ``channel, role, value, low, high``.

    ROAS / pipeline ROI are KPI per currency unit (higher is better); for leads models the
    metric is cost per lead (``1 / leads per currency unit``, lower is better), and the
    interval is the inverted interval of leads per currency unit. ``units``: a spec, a fitted
    model, :class:`~mmm.plots.style.Units` or a KPI type name (default revenue).
    """
    is_cost = return_is_cost(units)
    df = summary.copy()
    if "role" not in df.columns:
        df["role"] = "performance"
    r, lo, hi = (df[c].to_numpy(float) for c in (mean, low, high))
    if is_cost:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(r > 0, 1.0 / r, np.nan)
            if mean == "roas_mean" and "cost_per_kpi_mean" in df.columns:
                value = df["cost_per_kpi_mean"].to_numpy(float)
            v_lo = np.where(hi > 0, 1.0 / hi, np.nan)
            v_hi = np.where(lo > 0, 1.0 / lo, np.inf)
        out = pd.DataFrame({"channel": df["channel"], "role": df["role"], "value": value, "low": v_lo, "high": v_hi})
        return out.sort_values("value", ascending=True, na_position="last").reset_index(drop=True)
    out = pd.DataFrame({"channel": df["channel"], "role": df["role"], "value": r, "low": lo, "high": hi})
    return out.sort_values("value", ascending=False).reset_index(drop=True)
