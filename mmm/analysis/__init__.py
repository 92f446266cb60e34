"""The analysis layer: every number the charts, the report and the CLI show, computed once.

- :mod:`mmm.analysis.tables`: contributions, channel (ROAS, contribution, prior influence),
  fit and waterfall tables; the plain-text and HTML model summaries; predicted lift.
- :mod:`mmm.analysis.carryover`: carryover weights per channel and how long effects last.
- :mod:`mmm.analysis.summaries`: plan totals, brand-split summary, the return metric per
  channel, the data period in words, read from results in any of their shapes.
- :mod:`mmm.analysis.plans`: the response curves, budget plan and brand split of a fitted
  model (through :mod:`mmm.planning` and :mod:`mmm.split`), for charts given a fitted model
  and for the report.

All numbers are in KPI units (currency for revenue and pipeline, counts for leads),
computed from posterior draws; intervals are highest-density intervals (HDI). Nothing here
draws: :mod:`mmm.plots` draws what these functions return.
"""

from __future__ import annotations

from mmm.analysis.carryover import carryover_table, effect_weeks
from mmm.analysis.plans import (
    annotate_ranking,
    curves_for,
    default_budget,
    plan_for,
    plan_inputs,
    split_for,
)
from mmm.analysis.summaries import (
    DEFAULT_NORMS,
    interval_of,
    period_text,
    plan_current_spend,
    plan_totals,
    return_is_cost,
    return_table,
    split_summary,
)
from mmm.analysis.tables import (
    FIXED,
    ChannelDraws,
    channel_draws,
    channel_roles,
    channel_table,
    contributions_table,
    fit_quality,
    fit_table,
    predicted_lift,
    split_columns,
    summary_html,
    summary_text,
    total_media,
    value_draws,
    waterfall_table,
)

__all__ = [
    "DEFAULT_NORMS", "FIXED", "ChannelDraws", "annotate_ranking", "carryover_table", "channel_draws", "channel_roles",
    "channel_table", "contributions_table", "curves_for", "default_budget", "effect_weeks", "fit_quality", "fit_table",
    "interval_of", "period_text", "plan_current_spend", "plan_for", "plan_inputs", "plan_totals", "predicted_lift",
    "return_is_cost", "return_table", "split_columns", "split_for", "split_summary", "summary_html", "summary_text",
    "total_media", "value_draws", "waterfall_table",
]
