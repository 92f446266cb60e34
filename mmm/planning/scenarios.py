"""Scenarios: named weekly spend plans compared in one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.errors import PlanError
from mmm.planning.bounds import bound_value, channel_index
from mmm.planning.engine import (
    REPORT_DRAWS,
    Engine,
    ResponseModel,
    build_engine,
    current_weekly_spend,
    hdi_interval,
    response_model,
)
from mmm.planning.request import check_horizon, check_prob, check_weeks
from mmm.planning.result import PlanResult

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

SCENARIO_COLUMNS = ["scenario", "total_weekly_spend", "total_spend", "expected_kpi_mean", "expected_kpi_hdi_low",
                    "expected_kpi_hdi_high", "roas_mean", "vs_current_pct"]


def scaled_plan(fitted: FittedModel | ResponseModel, factor: float, *, weeks: int = 13) -> pd.Series:
    """Current weekly spend times ``factor`` (e.g. 0.8 for "cut 20%").

    Examples
    --------
    >>> scaled_plan(fitted, 0.8)                                    # doctest: +SKIP
    """
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor >= 0:
        raise PlanError(f"factor must be a number >= 0; got {factor!r}.")
    return (current_weekly_spend(fitted, weeks) * float(factor)).rename("weekly_spend")


def default_scenarios(fitted: FittedModel | ResponseModel, *, weeks: int = 13,
                      recommended: PlanResult | pd.Series | None = None) -> dict[str, pd.Series]:
    """Named plans to compare: ``current``, ``cut 20%`` and ``recommended`` when given.

    Examples
    --------
    >>> compare_scenarios(fitted, default_scenarios(fitted, recommended=plan))   # doctest: +SKIP
    """
    out = {"current": current_weekly_spend(fitted, weeks), "cut 20%": scaled_plan(fitted, 0.8, weeks=weeks)}
    if recommended is not None:
        out["recommended"] = recommended.recommended if isinstance(recommended, PlanResult) else recommended
    return out


def _plan_vector(name: str, plan: Any, eng: Engine) -> np.ndarray:
    if isinstance(plan, PlanResult):
        plan = plan.recommended
    if isinstance(plan, pd.Series):
        plan = plan.to_dict()
    if not isinstance(plan, Mapping):
        raise PlanError(f"Scenario '{name}' must map channel -> weekly spend; got {type(plan).__name__}.")
    x = eng.current.copy()
    for ch, v in plan.items():
        c = channel_index(ch, eng.channels, f"scenario '{name}'")
        val = bound_value(v, f"Weekly spend of '{ch}' in scenario '{name}'")
        x[c] = 0.0 if val is None else val
    return x


def compare_scenarios(fitted: FittedModel | ResponseModel, plans: Mapping[str, Any], *, weeks: int = 13,
                      horizon: str = "period+tail", prob: float = 0.9, seed: int = 0) -> pd.DataFrame:
    """Compare named plans (weekly spend per channel) in one table.

    Parameters
    ----------
    fitted : FittedModel or ResponseModel
    plans : dict
        ``{name: {channel: weekly_spend}}`` (or a Series, or a :class:`PlanResult`).
        Channels left out keep their current weekly spend.
    weeks : int
    horizon : {"period+tail", "period"}
    prob : float
    seed : int

    Returns
    -------
    pandas.DataFrame
        ``scenario, total_weekly_spend, total_spend, expected_kpi_mean, expected_kpi_hdi_low,
        expected_kpi_hdi_high, roas_mean, vs_current_pct`` (expected KPI the plan's own spend
        brings over the horizon; % difference of the mean from the current plan's).

    Examples
    --------
    >>> compare_scenarios(fitted, {"current": current_weekly_spend(fitted),
    ...                            "more search": {"search": 2000}})   # doctest: +SKIP
    """
    weeks = check_weeks(weeks)
    prob = check_prob(prob)
    model = response_model(fitted)
    eng = build_engine(model, weeks, check_horizon(horizon), REPORT_DRAWS, seed)
    if not isinstance(plans, Mapping) or not plans:
        raise PlanError("plans must be a non-empty dict {name: {channel: weekly_spend}}.")
    cur_mean = eng.totals_grad(eng.current, grad=False)[0].sum(axis=1).mean()
    rows = []
    for name, plan in plans.items():
        x = _plan_vector(str(name), plan, eng)
        t = eng.totals_grad(x, grad=False)[0].sum(axis=1)
        iv = hdi_interval(t, prob)
        spend = float(x.sum() * weeks)
        rows.append({"scenario": str(name), "total_weekly_spend": float(x.sum()), "total_spend": spend,
                     "expected_kpi_mean": iv["mean"], "expected_kpi_hdi_low": iv["hdi_low"],
                     "expected_kpi_hdi_high": iv["hdi_high"],
                     "roas_mean": iv["mean"] / spend if spend > 0 else float("nan"),
                     "vs_current_pct": 100.0 * (iv["mean"] - cur_mean) / cur_mean if cur_mean > 0 else float("nan")})
    out = pd.DataFrame(rows, columns=SCENARIO_COLUMNS)
    out.attrs.update({"weeks": weeks, "horizon": horizon, "prob": prob, "words": model.words})
    return out
