"""Checks of a plan request (weeks, horizon, budget, interval probability, objective) and money text."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mmm.errors import PlanError, closest

HORIZONS = ("period", "period+tail")
OBJECTIVES = ("mean", "risk")

#: Longest planning period, in weeks.
MAX_PLAN_WEEKS = 52


def check_weeks(weeks: Any) -> int:
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or int(weeks) < 1:
        raise PlanError(f"weeks must be a whole number of weeks >= 1 (13 = a quarter); got {weeks!r}.")
    if int(weeks) > MAX_PLAN_WEEKS:
        raise PlanError(f"weeks = {weeks} is more than a year; a weekly model's carryover, saturation and "
                        f"baseline are not fit to plan that far. Use at most {MAX_PLAN_WEEKS} (a year), and replan "
                        "each quarter.")
    return int(weeks)


def check_horizon(horizon: Any) -> str:
    if horizon not in HORIZONS:
        raise PlanError(f"horizon must be 'period' (count only effects inside the plan period) or 'period+tail' "
                        f"(also the carryover after it); got {horizon!r}.{closest(str(horizon), HORIZONS)}")
    return horizon


def check_budget(budget: Any) -> float:
    if isinstance(budget, bool) or not isinstance(budget, int | float | np.integer | np.floating):
        raise PlanError(f"budget must be a number (the total for the whole period); got {budget!r}.")
    budget = float(budget)
    if not math.isfinite(budget):
        raise PlanError(f"budget must be a finite amount; got {budget}.")
    if budget <= 0:
        raise PlanError(f"budget must be positive (the total spend for the period); got {budget:,.2f}.")
    return budget


def check_prob(prob: Any) -> float:
    if isinstance(prob, bool) or not isinstance(prob, int | float) or not 0 < prob < 1:
        raise PlanError(f"prob must be in (0, 1), e.g. 0.9 for 90% intervals; got {prob!r}.")
    return float(prob)


def money(x: float, currency: str = "") -> str:
    if not math.isfinite(x):
        return str(x)
    sym = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    a = abs(x)
    s = f"{a:,.0f}" if a >= 100 else (f"{a:,.2f}" if a >= 0.01 or a == 0 else f"{a:.2g}")  # never a non-zero 0
    return ("-" if x < 0 else "") + (f"{sym}{s}" if sym else (f"{s} {currency}" if currency else s))


def validate_request(budget: Any, weeks: Any, horizon: Any, objective: Any, risk_lambda: Any,
                      risk_quantile: Any, min_roas: Any, max_cost_per_kpi: Any) -> tuple[float, int, float | None]:
    budget = check_budget(budget)
    weeks = check_weeks(weeks)
    check_horizon(horizon)
    if objective not in OBJECTIVES:
        raise PlanError(f"objective must be 'mean' (maximise expected KPI) or 'risk' (mean minus risk_lambda x sd, "
                        f"or a lower quantile); got {objective!r}.{closest(str(objective), OBJECTIVES)}")
    if isinstance(risk_lambda, bool) or not isinstance(risk_lambda, int | float) or not risk_lambda >= 0:
        raise PlanError(f"risk_lambda must be a number >= 0; got {risk_lambda!r}.")
    if risk_quantile is not None and (isinstance(risk_quantile, bool) or not isinstance(risk_quantile, int | float)
                                      or not 0 < risk_quantile < 0.5):
        raise PlanError(f"risk_quantile must be a lower quantile in (0, 0.5), e.g. 0.1; got {risk_quantile!r}.")
    floor = None
    for name, v in (("min_roas", min_roas), ("max_cost_per_kpi", max_cost_per_kpi)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or not v > 0
                              or not math.isfinite(v)):
            raise PlanError(f"{name} must be a positive number; got {v!r}.")
    if min_roas is not None:
        floor = float(min_roas)
    if max_cost_per_kpi is not None:
        floor = max(floor or 0.0, 1.0 / float(max_cost_per_kpi))
    return budget, weeks, floor
