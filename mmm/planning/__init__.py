"""Quarterly budget planning on the posterior: response curves, marginal ROAS, the optimizer, scenarios.

The plan period
---------------
A plan covers ``weeks`` weeks (default 13, a quarter) that start right after the last
week of the data. Each channel's spend path is

* the last ``l_max - 1`` weeks of actual spend (the **history**, whose carryover runs
  into the period: the *carry-in*),
* then a constant recommended weekly spend for ``weeks`` weeks,
* then zeros for ``l_max - 1`` weeks (the **tail**: the period's own spend keeps
  working after the period ends).

The KPI a plan brings is ``f(history + plan) - f(history only)`` per posterior draw,
where ``f`` is the fitted media response (carryover, saturation, ``beta`` in KPI units).
It is split into the part inside the period and the tail after it; the carry-in
(``f(history only)`` inside the period) is the same for every plan and is reported
separately. ``horizon="period+tail"`` (default) counts the period's effect plus its
tail; ``horizon="period"`` counts only what lands inside the period. Lead-gen lags make
both the carry-in and the tail large, so both are shown.

"Current" spend is each channel's mean weekly spend over the last ``weeks`` weeks of the
data. ``budget`` is always the **total** for the period (weekly total = budget / weeks).

Because each channel's contribution depends only on its own spend, the expected KPI is
a sum of one-dimensional curves. The optimizer solves that sum **globally** on a grid by
dynamic programming (exact for any curve shape, including S-shaped Hill curves), then
polishes with SLSQP using analytic gradients, and finally projects onto the feasible
set so that the budget and the bounds hold exactly. The risk-aware objective
(``mean - risk_lambda * sd``, or a lower quantile) starts SLSQP from that solution
and from other points and keeps the best.

Example
-------
>>> import mmm.planning as mp
>>> plan = mp.optimize_budget(fitted, budget=1_300_000, bounds="30%")      # doctest: +SKIP
>>> plan.table                                                             # doctest: +SKIP
>>> mp.write_plan_outputs(fitted, "out", budget=1_300_000)                 # doctest: +SKIP

Every function takes a fit or a :class:`ResponseModel` (the posterior response, layout,
scaling and spend history a plan needs), e.g. one built from known parameters:

>>> rm = mp.ResponseModel.from_fitted(fitted)                               # doctest: +SKIP
>>> mp.optimize_budget(rm, budget=1_300_000).summary == plan.summary        # doctest: +SKIP

The package, by job
-------------------
:mod:`~mmm.planning.request` checks a request; :mod:`~mmm.planning.engine` is the response
engine (per-draw KPI of a constant weekly spend); :mod:`~mmm.planning.curves` response
curves and marginal ROAS; :mod:`~mmm.planning.bounds` spend bounds;
:mod:`~mmm.planning.optimizer` the allocation; :mod:`~mmm.planning.plan` plan assembly with
:mod:`~mmm.planning.evidence`; :mod:`~mmm.planning.result` the plan result;
:mod:`~mmm.planning.scenarios`; :mod:`~mmm.planning.brand_split` the brand vs performance
sweep; :mod:`~mmm.planning.economics` lead-gen and ecommerce economics;
:mod:`~mmm.planning.outputs` the plan files and text.
"""

from mmm.errors import PlanError
from mmm.planning.bounds import resolve_bounds
from mmm.planning.brand_split import (
    FINE_STEP,
    NORMS,
    SPLIT_COLUMNS,
    SplitResult,
    brand_split,
    caveat_text,
)
from mmm.planning.curves import CURVE_COLUMNS, MARGINAL_COLUMNS, marginal_roas, response_curves
from mmm.planning.economics import break_even_return, check_economics, kpi_economics
from mmm.planning.engine import (
    REPORT_DRAWS,
    Engine,
    ResponseModel,
    build_engine,
    current_weekly_spend,
    draw_index,
    response_model,
)
from mmm.planning.evidence import EVIDENCE_MODERATE, EVIDENCE_STRONG
from mmm.planning.optimizer import CURVE_POINTS, DP_STEPS, project
from mmm.planning.outputs import model_health, plan_text, write_plan_outputs
from mmm.planning.plan import PLAN_COLUMNS, optimize_budget
from mmm.planning.request import HORIZONS, MAX_PLAN_WEEKS, OBJECTIVES
from mmm.planning.result import (
    CarryIn,
    ChannelBounds,
    ChannelPlan,
    Evidence,
    Interval,
    PlanResult,
    PlanSettings,
    PlanTotals,
    Uplift,
)
from mmm.planning.scenarios import (
    SCENARIO_COLUMNS,
    compare_scenarios,
    default_scenarios,
    scaled_plan,
)

__all__ = [
    "CarryIn", "ChannelBounds", "ChannelPlan", "Evidence", "Interval", "PlanSettings", "PlanTotals", "Uplift",
    "CURVE_COLUMNS", "CURVE_POINTS", "DP_STEPS", "EVIDENCE_MODERATE", "EVIDENCE_STRONG", "FINE_STEP", "HORIZONS",
    "MARGINAL_COLUMNS", "MAX_PLAN_WEEKS", "NORMS", "OBJECTIVES", "PLAN_COLUMNS", "REPORT_DRAWS", "SCENARIO_COLUMNS",
    "SPLIT_COLUMNS", "Engine", "PlanError", "PlanResult", "ResponseModel", "SplitResult", "brand_split", "break_even_return",
    "build_engine", "caveat_text", "check_economics", "compare_scenarios", "current_weekly_spend",
    "default_scenarios", "draw_index", "kpi_economics", "marginal_roas", "model_health", "optimize_budget",
    "plan_text", "project", "resolve_bounds", "response_curves", "response_model", "scaled_plan", "write_plan_outputs",
]
