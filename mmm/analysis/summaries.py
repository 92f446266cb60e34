"""The numbers charts, the deck and the one-pager show about a plan, a brand split and the returns.

Each function reads a result (a :class:`~mmm.planning.PlanResult`, a
:class:`~mmm.split.SplitResult`, a channel summary, a run of dates) in any of the shapes it
comes in (objects, plain dicts, CSV tables) and returns plain numbers, so every reader
(``mmm.plots``, ``mmm.report``, the CLI) parses it once, the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from mmm.kpi import kpi_kind
from mmm.planning.result import Economics, Evidence, Interval, PlanResult

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


_NAN = float("nan")


def _iv(iv: Interval | None) -> Interval | None:
    """``iv`` with a missing HDI end as NaN; ``None`` when it has no mean (as :func:`interval_of`)."""
    if iv is None or iv.mean is None:
        return None
    return Interval(float(iv.mean), _NAN if iv.hdi_low is None else float(iv.hdi_low),
                    _NAN if iv.hdi_high is None else float(iv.hdi_high))


def _as_iv(t: Any) -> Interval | None:
    return None if t is None else t if isinstance(t, Interval) else Interval(*(float(v) for v in t))


def _tuple(iv: Interval | None) -> tuple[float, float, float] | None:
    return None if iv is None else (iv.mean, iv.hdi_low, iv.hdi_high)  # type: ignore[return-value]


@dataclass(frozen=True)
class PlanHeadline:
    """The numbers charts, the deck and claims show about a plan (:func:`plan_totals`).

    ``current``, ``recommended``: expected KPI of both plans; ``uplift``: recommended minus
    current (KPI units) and ``uplift_pct_interval`` its percentage interval (in percent);
    intervals have NaN ends where undefined, and are ``None`` when the plan does not give them.
    ``uplift_pct`` is a share (0.042 = +4.2%) or NaN; ``budget``, ``current_spend`` (today's
    spend over the period) and ``prob_uplift`` NaN when unknown; ``evidence`` the plan's
    :class:`~mmm.planning.result.Evidence` or ``None``.

    ``headline["uplift"]`` and ``.get`` still read the older dict shape (intervals as
    ``(mean, low, high)`` tuples): see :meth:`to_dict`.
    """

    current: Interval | None
    recommended: Interval | None
    uplift: Interval | None
    uplift_pct: float
    uplift_pct_interval: Interval | None
    budget: float
    weeks: int | None
    current_spend: float
    prob_uplift: float
    evidence: Evidence | None

    def to_dict(self) -> dict[str, Any]:
        """``{"current": (mean, low, high) | None, "recommended", "uplift", "uplift_pct", "budget",
        "weeks", "current_spend", "prob_uplift", "evidence": dict | None}``."""
        return {"current": _tuple(self.current), "recommended": _tuple(self.recommended),
                "uplift": _tuple(self.uplift), "uplift_pct": self.uplift_pct, "budget": self.budget,
                "weeks": self.weeks, "current_spend": self.current_spend, "prob_uplift": self.prob_uplift,
                "evidence": None if self.evidence is None else asdict(self.evidence)}

    @classmethod
    def of(cls, totals: PlanHeadline | dict[str, Any]) -> PlanHeadline:
        """``totals`` as a :class:`PlanHeadline`: itself, or from the dict :meth:`to_dict` gives."""
        if isinstance(totals, PlanHeadline):
            return totals
        t, ev = dict(totals), totals.get("evidence")

        def num(key: str) -> float:
            v = t.get(key)
            return _NAN if v is None else float(v)

        return cls(_as_iv(t.get("current")), _as_iv(t.get("recommended")), _as_iv(t.get("uplift")), num("uplift_pct"),
                   _as_iv(t.get("uplift_pct_interval")), num("budget"), t.get("weeks"), num("current_spend"),
                   num("prob_uplift"),
                   Evidence.from_dict(ev) if isinstance(ev, dict) and ev.get("strength") is not None else None)

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)


def plan_totals(plan: Any) -> PlanHeadline:
    """Expected KPI of the current and recommended plans and the uplift, as a :class:`PlanHeadline`.

    Reads a :class:`mmm.planning.PlanResult`'s typed attributes (``current_totals``,
    ``recommended_totals``, ``uplift``, ``settings``, ``evidence``); anything else with a
    ``summary`` (or a plain dict) is read as one: ``{"current": {"expected_kpi": {mean, hdi_low,
    hdi_high}} or {mean, ...}, "recommended": ..., "uplift": {"abs", "pct" (in percent),
    "prob_positive"} or an interval, "budget", "weeks", "evidence"}``, any part missing.
    """
    if isinstance(plan, PlanResult):
        return _headline_of_result(plan)
    summary = getattr(plan, "summary", None)
    if summary is None and isinstance(plan, dict):
        summary = plan
    return _headline_of_dict(dict(summary or {}))


def _finish(cur: Interval | None, rec: Interval | None, upl: Interval | None, p: Interval | None,
            **rest: Any) -> PlanHeadline:
    upct = _NAN
    if p is not None and p.mean is not None and np.isfinite(p.mean):
        upct = p.mean / 100.0
    if upl is None and cur is not None and rec is not None:
        upl = Interval(rec.mean - cur.mean, _NAN, _NAN)  # type: ignore[operator]
    if not np.isfinite(upct) and upl is not None and cur is not None and cur.mean:
        upct = upl.mean / cur.mean  # type: ignore[operator]
    return PlanHeadline(cur, rec, upl, upct, p, **rest)


def _headline_of_result(plan: PlanResult) -> PlanHeadline:
    s, up = plan.settings, plan.uplift
    cur = plan.current_totals
    return _finish(_iv(cur.expected_kpi), _iv(plan.recommended_totals.expected_kpi), _iv(up.absolute), _iv(up.pct),
                   budget=s.budget, weeks=s.weeks, current_spend=cur.total_spend, prob_uplift=up.prob_positive,
                   evidence=plan.evidence)


def _headline_of_dict(s: dict[str, Any]) -> PlanHeadline:
    def block(name: str) -> Interval | None:
        d = s.get(name)
        if isinstance(d, dict) and isinstance(d.get("expected_kpi"), dict):
            d = d["expected_kpi"]
        return _as_iv(interval_of(d))

    up_raw = s.get("uplift")
    p = None
    if isinstance(up_raw, dict) and ("abs" in up_raw or "pct" in up_raw):
        upl = _as_iv(interval_of(up_raw.get("abs")))
        p = _as_iv(interval_of(up_raw.get("pct")))
    else:
        upl = _as_iv(interval_of(up_raw))
    budget = s.get("budget")
    cur_spend = (s.get("current") or {}).get("total_spend") if isinstance(s.get("current"), dict) else None
    prob_up = (up_raw or {}).get("prob_positive") if isinstance(up_raw, dict) else None
    ev = s.get("evidence")
    return _finish(block("current"), block("recommended"), upl, p,
                   budget=float(budget) if budget is not None else _NAN, weeks=s.get("weeks"),
                   current_spend=float(cur_spend) if cur_spend is not None else _NAN,
                   prob_uplift=float(prob_up) if prob_up is not None else _NAN,
                   evidence=Evidence.from_dict(ev) if isinstance(ev, dict) and ev.get("strength") is not None
                   else None)


def plan_current_spend(plan: Any) -> float:
    """Today's spend over the plan's period (its ``current_totals.total_spend``), or NaN."""
    return plan_totals(plan).current_spend


def plan_economics(plan: Any) -> Economics:
    """The recommended plan's :class:`~mmm.planning.result.Economics` (empty when the plan gives none)."""
    if isinstance(plan, PlanResult):
        return plan.recommended_totals.kpi_economics
    rec = ((getattr(plan, "summary", None) or {}).get("recommended") or {})
    return Economics.from_dict(rec.get("economics") or {})


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
