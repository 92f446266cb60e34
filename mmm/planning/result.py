"""The result of a budget plan, with typed views (dataclasses with an :class:`Interval`) of its numbers.

``PlanResult.summary`` stays the dict written to ``plan.json``; the typed attributes
(:class:`PlanSettings`, :class:`ChannelPlan`, :class:`PlanTotals`, :class:`Uplift`,
:class:`CarryIn`, :class:`Evidence`) read it in one place, so code that needs a number asks
for ``plan.uplift.pct.mean`` instead of re-parsing ``summary["uplift"]["pct"]["mean"]``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


@dataclass(frozen=True)
class Interval:
    """A posterior mean and its highest-density interval (``None`` where undefined, e.g. a % of zero).

    Examples
    --------
    >>> Interval.from_dict({"mean": 2.0, "hdi_low": 1.0, "hdi_high": 3.0}).width
    2.0
    """

    mean: float | None
    hdi_low: float | None
    hdi_high: float | None

    @classmethod
    def of(cls, draws: np.ndarray, prob: float) -> Interval:
        """Mean and ``prob`` HDI of posterior ``draws``."""
        from mmm.stats import hdi

        lo, hi = hdi(np.asarray(draws, dtype="float64"), prob)
        return cls(float(np.mean(draws)), float(lo), float(hi))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Interval:
        """From ``{"mean", "hdi_low", "hdi_high"}`` (as in ``plan.json``)."""
        return cls(_num(d.get("mean")), _num(d.get("hdi_low")), _num(d.get("hdi_high")))

    def to_dict(self) -> dict[str, float | None]:
        """``{"mean", "hdi_low", "hdi_high"}``."""
        return {"mean": self.mean, "hdi_low": self.hdi_low, "hdi_high": self.hdi_high}

    @property
    def width(self) -> float | None:
        """``hdi_high - hdi_low``."""
        return None if self.hdi_low is None or self.hdi_high is None else self.hdi_high - self.hdi_low


@dataclass(frozen=True)
class Cost:
    """A cost per outcome (:mod:`mmm.planning.economics`): ``value`` at the mean KPI, ``low`` and
    ``high`` from the ends of the KPI's HDI (``inf`` where the KPI is zero, ``None`` read back from JSON)."""

    value: float | None
    low: float | None
    high: float | None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Cost:
        return cls(_num(d.get("value")), _num(d.get("low")), _num(d.get("high")))


_ECON_INTERVALS = ("roas", "pipeline", "pipeline_roi", "expected_revenue", "revenue_roi", "opportunities",
                   "deals_won", "leads", "leads_per_1k")
_ECON_COSTS = ("cost_per_revenue", "cost_per_pipeline_dollar", "cost_per_opportunity", "cost_per_deal_won",
               "cost_per_lead")


@dataclass(frozen=True)
class Economics:
    """A plan's economics in the KPI's own terms (:func:`mmm.planning.economics.kpi_economics`);
    a field is ``None`` where it does not apply to the KPI type or its input (win rate, deal
    size) was not given."""

    roas: Interval | None = None
    cost_per_revenue: Cost | None = None
    pipeline: Interval | None = None
    pipeline_roi: Interval | None = None
    cost_per_pipeline_dollar: Cost | None = None
    win_rate: float | None = None
    avg_deal_size: float | None = None
    expected_revenue: Interval | None = None
    revenue_roi: Interval | None = None
    opportunities: Interval | None = None
    cost_per_opportunity: Cost | None = None
    deals_won: Interval | None = None
    cost_per_deal_won: Cost | None = None
    leads: Interval | None = None
    cost_per_lead: Cost | None = None
    leads_per_1k: Interval | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Economics:
        """From the ``economics`` block of a plan (missing keys are ``None``)."""
        kw: dict[str, Any] = {k: Interval.from_dict(d[k]) for k in _ECON_INTERVALS if d.get(k) is not None}
        kw.update({k: Cost.from_dict(d[k]) for k in _ECON_COSTS if d.get(k) is not None})
        kw.update({k: _num(d[k]) for k in ("win_rate", "avg_deal_size") if k in d})
        return cls(**kw)


@dataclass(frozen=True)
class PlanTotals:
    """What one plan (current, recommended, or the current mix at the budget) spends and brings.

    ``expected_kpi`` is the KPI the plan's own spend brings over the horizon, split into
    ``in_period`` and ``tail``; ``economics`` is in the KPI's own terms (:mod:`mmm.planning.economics`).
    """

    weekly_spend: dict[str, float]
    total_weekly_spend: float
    total_spend: float
    expected_kpi: Interval
    in_period: Interval
    tail: Interval
    economics: dict[str, Any]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PlanTotals:
        return cls({str(k): float(v) for k, v in d["weekly_spend"].items()}, float(d["total_weekly_spend"]),
                   float(d["total_spend"]), Interval.from_dict(d["expected_kpi"]), Interval.from_dict(d["in_period"]),
                   Interval.from_dict(d["tail"]), dict(d.get("economics") or {}))

    @property
    def kpi_economics(self) -> Economics:
        """:attr:`economics` as a typed :class:`Economics`."""
        return Economics.from_dict(self.economics)


@dataclass(frozen=True)
class Uplift:
    """Per-draw uplift of one plan over another: ``absolute`` (KPI units, ``"abs"`` in the
    summary) and ``pct`` intervals, and the probability of a gain."""

    absolute: Interval
    pct: Interval
    prob_positive: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Uplift:
        return cls(Interval.from_dict(d["abs"]), Interval.from_dict(d["pct"]), float(d["prob_positive"]))


@dataclass(frozen=True)
class CarryIn:
    """KPI expected inside the period from spend before it (the same for every plan)."""

    expected_kpi: Interval
    by_channel: dict[str, float]
    note: str

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CarryIn:
        return cls(Interval.from_dict(d), {str(k): float(v) for k, v in d.get("by_channel", {}).items()},
                   str(d.get("note", "")))


@dataclass(frozen=True)
class Evidence:
    """How sure the model is that the recommended mix beats the current one (:mod:`mmm.planning.evidence`).

    ``strength`` is ``strong``, ``moderate``, ``weak`` or ``no change``; ``test_channels``
    the channels worth a lift test when it is not strong.
    """

    prob_gain_from_mix: float | None
    strength: str
    test_channels: tuple[str, ...]
    message: str
    thresholds: dict[str, float]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Evidence:
        return cls(_num(d.get("prob_gain_from_mix")), str(d["strength"]), tuple(d.get("test_channels", ())),
                   str(d.get("message", "")), {str(k): float(v) for k, v in d.get("thresholds", {}).items()})


@dataclass(frozen=True)
class ChannelPlan:
    """One channel's row of a plan (a row of ``plan.csv``)."""

    channel: str
    role: str
    current_weekly: float
    recommended_weekly: float
    change_pct: float
    expected_kpi: Interval


@dataclass(frozen=True)
class ChannelBounds:
    """A channel's weekly spend bounds in a plan (``max`` may be ``inf``)."""

    channel: str
    min: float
    max: float


@dataclass(frozen=True)
class PlanSettings:
    """What the plan was asked and how it is worded."""

    kpi_type: str
    kpi_column: str
    words: dict[str, str]
    currency: str
    budget: float
    weeks: int
    weekly_budget: float
    horizon: str
    horizon_weeks: int
    objective: str
    risk: dict[str, float] | None
    min_return: float | None
    bounds: str
    fixed: tuple[str, ...]
    bounds_table: tuple[ChannelBounds, ...]
    prob: float
    approximate: bool

    @classmethod
    def from_dict(cls, s: Mapping[str, Any]) -> PlanSettings:
        table = tuple(ChannelBounds(str(r["channel"]), float(r["min"]),
                                    float("inf") if r["max"] is None else float(r["max"]))
                      for r in s.get("bounds_table", ()))
        return cls(str(s["kpi_type"]), str(s["kpi_column"]), dict(s["words"]), str(s["currency"]),
                   float(s["budget"]), int(s["weeks"]), float(s["weekly_budget"]), str(s["horizon"]),
                   int(s["horizon_weeks"]), str(s["objective"]), s.get("risk"), _num(s.get("min_return")),
                   str(s["bounds"]), tuple(s.get("fixed", ())), table, float(s["prob"]), bool(s["approximate"]))


@dataclass
class PlanResult:
    """A recommended budget plan.

    ``table`` and ``summary`` are what ``plan.csv`` and ``plan.json`` hold; the typed
    attributes read the same numbers (parsed from ``summary`` in one place, so a plan read
    back from ``plan.json`` has them too): :attr:`settings`, :attr:`channels`,
    :attr:`current_totals`, :attr:`recommended_totals`, :attr:`current_mix_totals`,
    :attr:`uplift`, :attr:`uplift_vs_current_mix`, :attr:`carry_in`,
    :attr:`media_kpi_in_period`, :attr:`evidence`, :attr:`notes` and :attr:`tests`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per channel, the columns of ``plan.csv``: ``channel, role, current_weekly,
        recommended_weekly, change_pct, expected_kpi_mean, expected_kpi_hdi_low,
        expected_kpi_hdi_high`` (the KPI each channel's recommended spend brings over the horizon).
    summary : dict
        Budget, weeks, horizon, objective, bounds; expected KPI of the current and the
        recommended plan with intervals (over the horizon, and split into in-period and
        tail), the uplift (absolute and %, computed per draw), the carry-in from spend
        before the period, economics in the KPI's own terms, wording, the approximate flag,
        the ``evidence`` for the new mix and ``tests``: the lift tests that would settle it
        (:func:`mmm.experiment.recommend_tests`, as dicts).

    Examples
    --------
    >>> plan = optimize_budget(fitted, budget=13 * 2500)              # doctest: +SKIP
    >>> plan.uplift.pct.mean, plan.evidence.strength                  # doctest: +SKIP
    >>> [(c.channel, c.recommended_weekly) for c in plan.channels]    # doctest: +SKIP
    """

    table: pd.DataFrame
    summary: dict[str, Any]

    @property
    def recommended(self) -> pd.Series:
        """Recommended weekly spend by channel."""
        return self.table.set_index("channel")["recommended_weekly"]

    # ---- typed views of the summary and the table
    @property
    def settings(self) -> PlanSettings:
        """What was asked (budget, weeks, horizon, objective, bounds ...) and the wording."""
        return PlanSettings.from_dict(self.summary)

    @property
    def channels(self) -> tuple[ChannelPlan, ...]:
        """One :class:`ChannelPlan` per channel (the rows of :attr:`table`)."""
        return tuple(ChannelPlan(str(r.channel), str(r.role), float(r.current_weekly), float(r.recommended_weekly),
                                 float(r.change_pct),
                                 Interval(float(r.expected_kpi_mean), float(r.expected_kpi_hdi_low),
                                          float(r.expected_kpi_hdi_high)))
                     for r in self.table.itertuples(index=False))

    @property
    def current_totals(self) -> PlanTotals:
        """The current weekly spend as a plan."""
        return PlanTotals.from_dict(self.summary["current"])

    @property
    def recommended_totals(self) -> PlanTotals:
        """The recommended plan."""
        return PlanTotals.from_dict(self.summary["recommended"])

    @property
    def current_mix_totals(self) -> PlanTotals | None:
        """The current mix scaled to the budget (``None`` when the budget is current spend)."""
        mix = self.summary.get("current_mix_at_budget")
        return None if mix is None else PlanTotals.from_dict(mix)

    @property
    def uplift(self) -> Uplift:
        """Recommended over current spend."""
        return Uplift.from_dict(self.summary["uplift"])

    @property
    def uplift_vs_current_mix(self) -> Uplift:
        """Recommended over the current mix at the budget: the effect of reallocation alone."""
        return Uplift.from_dict(self.summary["uplift_vs_current_mix"])

    @property
    def carry_in(self) -> CarryIn:
        """KPI inside the period from spend before it."""
        return CarryIn.from_dict(self.summary["carry_in"])

    @property
    def media_kpi_in_period(self) -> Interval:
        """All media KPI inside the period: the carry-in plus the recommended plan's in-period part."""
        return Interval.from_dict(self.summary["media_kpi_in_period"])

    @property
    def evidence(self) -> Evidence:
        """How sure the model is that the recommended mix beats the current one."""
        return Evidence.from_dict(self.summary["evidence"])

    @property
    def notes(self) -> tuple[str, ...]:
        """Plain-language notes about the plan."""
        return tuple(self.summary.get("notes", ()))

    @property
    def tests(self) -> tuple[dict[str, Any], ...]:
        """The lift tests that would settle the plan (:func:`mmm.experiment.recommend_tests`, as dicts)."""
        return tuple(self.summary.get("tests", ()))

    @classmethod
    def from_files(cls, plan_json: str | Path, plan_csv: str | Path | None = None) -> PlanResult:
        """The plan ``write_plan_outputs`` wrote: ``plan.json``'s ``plan`` and ``plan.csv`` (default:
        the ``plan.csv`` next to ``plan_json``). Numbers are as written (NaN and inf read back as ``None``).

        Examples
        --------
        >>> plan = PlanResult.from_files("out/plan.json")                # doctest: +SKIP
        """
        path = Path(plan_json)
        doc = json.loads(path.read_text(encoding="utf-8"))
        return cls(table=pd.read_csv(path.with_name("plan.csv") if plan_csv is None else plan_csv),
                   summary=doc["plan"])

    def to_dict(self) -> dict[str, Any]:
        """Summary plus the table as records (JSON-ready)."""
        return {**self.summary, "channels": jsonable(self.table.to_dict(orient="records"))}

    def to_json(self) -> str:
        """The plan as JSON text (NaN and inf written as null)."""
        return json.dumps(jsonable(self.to_dict()), indent=2, allow_nan=False)

    def __repr__(self) -> str:
        s = self.settings
        pct = self.uplift.pct.mean
        return (f"<PlanResult {s.weeks} weeks, budget {s.budget:,.0f}: expected {s.words['kpi']} "
                f"{self.recommended_totals.expected_kpi.mean:,.0f} vs {self.current_totals.expected_kpi.mean:,.0f} "
                f"now ({'n/a' if pct is None else f'{pct:+.1f}%'})>")


def jsonable(v: Any) -> Any:
    """``v`` with NumPy scalars and arrays as Python ones and NaN/inf as ``None`` (JSON-ready)."""
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    return v
