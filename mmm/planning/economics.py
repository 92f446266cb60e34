"""Lead-gen and ecommerce economics of a plan: ROAS, pipeline ROI, cost per lead / opportunity.

The model measures the KPI it was fitted on (revenue, pipeline dollars or leads). What a
unit of that KPI is worth in revenue is a business fact the model cannot see, so it is
given by the user:

* ``pipeline``: ``win_rate`` (share of pipeline dollars that close) turns pipeline into
  expected revenue (``pipeline x win_rate``); ``avg_deal_size`` turns pipeline into
  opportunities (``pipeline / avg_deal_size``) and gives the cost per opportunity.
* ``leads``: the cost per lead always; with ``win_rate`` (lead to won deal) and
  ``avg_deal_size`` also the expected revenue.
* ``revenue``: ROAS and the cost per revenue dollar; nothing more to give.

Wording follows the KPI type (:class:`mmm.kpi.KpiKind`): no "revenue" is reported for a
pipeline or leads model unless the user gave the numbers that turn it into revenue.

Example
-------
>>> e = kpi_economics("pipeline", spend=100_000.0, kpi=np.array([300_000.0, 500_000.0]),
...                   win_rate=0.25, avg_deal_size=25_000.0)
>>> round(e["pipeline_roi"]["mean"], 2), round(e["cost_per_opportunity"]["value"])
(4.0, 6250)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mmm.errors import PlanError
from mmm.kpi import kpi_kind
from mmm.stats import hdi


def check_economics(kpi_type: str, win_rate: float | None, avg_deal_size: float | None) -> None:
    """Raise :class:`PlanError` if ``win_rate`` / ``avg_deal_size`` are invalid for ``kpi_type``."""
    kind = kpi_kind(kpi_type)
    if win_rate is not None:
        if not kind.deal_economics:
            raise PlanError("win_rate applies to pipeline and leads models only; this model's KPI is revenue. "
                            "Leave win_rate out.")
        if isinstance(win_rate, bool) or not isinstance(win_rate, int | float) or not 0 < win_rate <= 1:
            raise PlanError(f"win_rate must be a share in (0, 1], e.g. 0.25 for 25%; got {win_rate!r}.")
    if avg_deal_size is not None:
        if not kind.deal_economics:
            raise PlanError("avg_deal_size applies to pipeline and leads models only; this model's KPI is revenue. "
                            "Leave avg_deal_size out.")
        if isinstance(avg_deal_size, bool) or not isinstance(avg_deal_size, int | float) \
                or not (avg_deal_size > 0 and math.isfinite(avg_deal_size)):
            raise PlanError(f"avg_deal_size must be a positive amount; got {avg_deal_size!r}.")


def break_even_return(kpi_type: str, break_even: float | None = None, *, win_rate: float | None = None,
                      avg_deal_size: float | None = None) -> float:
    """The return per currency unit (KPI per unit of spend) at which spend pays for itself.

    ``break_even`` given: that. Otherwise revenue: 1.0; pipeline: ``1 / win_rate``;
    leads: ``1 / (win_rate * avg_deal_size)``; NaN when the numbers needed are missing.

    Examples
    --------
    >>> break_even_return("pipeline", win_rate=0.2)
    5.0
    """
    if break_even is not None:
        if isinstance(break_even, bool) or not isinstance(break_even, int | float) or not break_even > 0:
            raise PlanError(f"break_even must be a positive number (KPI per unit of spend); got {break_even!r}.")
        return float(break_even)
    check_economics(kpi_type, win_rate, avg_deal_size)
    value = kpi_kind(kpi_type).revenue_per_unit(win_rate, avg_deal_size)  # revenue 1; else needs the numbers
    return 1.0 / value if value > 0 else float("nan")


def _interval(x: np.ndarray, prob: float) -> dict[str, float]:
    x = np.asarray(x, dtype="float64")
    lo, hi = hdi(x, prob)
    return {"mean": float(np.mean(x)), "hdi_low": float(lo), "hdi_high": float(hi)}


def _cost(spend: float, kpi: np.ndarray, prob: float, per: float = 1.0) -> dict[str, float]:
    """Spend per unit of ``kpi / per``: value at the mean KPI, interval from the KPI's interval."""
    stats = _interval(kpi / per, prob)

    def inv(v: float) -> float:
        return spend / v if v > 0 else float("inf")

    return {"value": inv(stats["mean"]), "low": inv(stats["hdi_high"]), "high": inv(stats["hdi_low"])}


def kpi_economics(kpi_type: str, spend: float, kpi: np.ndarray, *, win_rate: float | None = None,
                  avg_deal_size: float | None = None, prob: float = 0.9) -> dict[str, Any]:
    """Economics of spending ``spend`` for posterior draws ``kpi`` of the KPI it brings.

    Parameters
    ----------
    kpi_type : {"revenue", "pipeline", "leads"}
    spend : float
        Spend of the plan (currency).
    kpi : ndarray
        Draws of the KPI the spend brings (incremental; KPI units).
    win_rate, avg_deal_size : float, optional
        See the module doc.
    prob : float
        Interval probability.

    Returns
    -------
    dict
        Ratios with ``mean/hdi_low/hdi_high`` over draws; costs per unit as ``value`` (at the
        mean KPI) with ``low/high`` (from the KPI's interval). Keys by KPI type: revenue:
        ``roas, cost_per_revenue``; pipeline: ``pipeline_roi, cost_per_pipeline_dollar``, with
        ``win_rate`` also ``expected_revenue, revenue_roi``, with ``avg_deal_size``
        ``opportunities, cost_per_opportunity``, with both ``deals_won, cost_per_deal_won``;
        leads: ``leads, cost_per_lead, leads_per_1k``, with both also ``expected_revenue,
        revenue_roi``.
    """
    check_economics(kpi_type, win_rate, avg_deal_size)
    kpi = np.asarray(kpi, dtype="float64")
    spend = float(spend)
    out: dict[str, Any] = {"spend": spend}
    _ECONOMICS[kpi_kind(kpi_type).type](out, spend, kpi, win_rate, avg_deal_size, prob)
    return out


def _revenue(out: dict, spend: float, kpi: np.ndarray, win_rate, avg_deal_size, prob: float) -> None:
    safe = spend if spend > 0 else float("nan")
    out["roas"] = _interval(kpi / safe, prob)
    out["cost_per_revenue"] = _cost(spend, kpi, prob)


def _pipeline(out: dict, spend: float, kpi: np.ndarray, win_rate, avg_deal_size, prob: float) -> None:
    safe = spend if spend > 0 else float("nan")
    out["pipeline"] = _interval(kpi, prob)
    out["pipeline_roi"] = _interval(kpi / safe, prob)
    out["cost_per_pipeline_dollar"] = _cost(spend, kpi, prob)
    if win_rate:
        out["win_rate"] = float(win_rate)
        out["expected_revenue"] = _interval(kpi * win_rate, prob)
        out["revenue_roi"] = _interval(kpi * win_rate / safe, prob)
    if avg_deal_size:
        out["avg_deal_size"] = float(avg_deal_size)
        out["opportunities"] = _interval(kpi / avg_deal_size, prob)
        out["cost_per_opportunity"] = _cost(spend, kpi, prob, per=avg_deal_size)
    if win_rate and avg_deal_size:
        out["deals_won"] = _interval(kpi * win_rate / avg_deal_size, prob)
        out["cost_per_deal_won"] = _cost(spend, kpi * win_rate, prob, per=avg_deal_size)


def _leads(out: dict, spend: float, kpi: np.ndarray, win_rate, avg_deal_size, prob: float) -> None:
    safe = spend if spend > 0 else float("nan")
    out["leads"] = _interval(kpi, prob)
    out["cost_per_lead"] = _cost(spend, kpi, prob)
    out["leads_per_1k"] = _interval(1000.0 * kpi / safe, prob)
    if win_rate:
        out["win_rate"] = float(win_rate)
        out["deals_won"] = _interval(kpi * win_rate, prob)
        out["cost_per_deal_won"] = _cost(spend, kpi * win_rate, prob)
    if win_rate and avg_deal_size:
        out["avg_deal_size"] = float(avg_deal_size)
        out["expected_revenue"] = _interval(kpi * win_rate * avg_deal_size, prob)
        out["revenue_roi"] = _interval(kpi * win_rate * avg_deal_size / safe, prob)


#: The economics each KPI type reports (the keys are part of plan.json).
_ECONOMICS = {"revenue": _revenue, "pipeline": _pipeline, "leads": _leads}
