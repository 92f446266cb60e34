"""Deck-ready charts for a fitted media mix model.

Every function returns a matplotlib :class:`~matplotlib.figure.Figure` (never shown, never
registered with pyplot), 16:9 at slide size with fonts of 14 pt and up, a takeaway title
(``title=None`` writes one from the numbers, a string replaces it, ``False`` drops it), a
fixed colour per channel (brand channels cool, performance channels warm) and units that
follow the KPI type (ROAS for revenue, pipeline ROI for pipeline, cost per lead for leads).

Each chart takes the table it draws (so it works from CSVs and planning outputs) or the
fitted model itself; pass ``units=spec`` (or the fitted model) with a table to get the
spec's units, wording and channel colours. Most accept ``ax=`` to draw into an existing axes.

Takeaway titles are gated by the posterior (:mod:`mmm.claims`): "X returns the most per
dollar" only when X is the best with at least 90% probability (the title says the
probability); otherwise the title names the channels the data cannot tell apart.

A fit that is not fit to present carries a large faint diagonal watermark and a coloured
footer sentence on every chart: ``APPROXIMATE`` (ADVI), ``FAST MODE`` (``MMM_FAST``),
``DO NOT USE`` (not converged, or health "do not use") or ``REVIEW`` (health "review"),
from :func:`mmm.health.watermark_text`. Charts drawn from a fitted model find the mark
themselves; charts drawn from tables take it as ``approximate=`` (``True`` for APPROXIMATE,
a mark such as ``"FAST MODE"``, or a :class:`~mmm.plots.style.Caution`).

=========================  ==========================================================
``plot_fit``               actual vs fitted KPI, 90% band, holdout shaded
``plot_contributions``     stacked weekly contribution: baseline, controls, channels
``plot_waterfall``         decomposition of a period (baseline -> channels -> total)
``plot_roas``              ROAS / pipeline ROI / cost per lead with 90% intervals
``plot_marginal_roas``     return on the next unit of spend, at current spend
``plot_response_curves``   response curves, current and recommended spend marked
``plot_carryover``         how many weeks each channel's effect lasts
``plot_plan``              budget plan: current vs recommended, expected KPI
``plot_split``             brand vs performance split curve, range, current, norms
``plot_diagnostics``       trace / rank plots for the analyst
``plot_onepager``          fit, decomposition, ROAS, response curves and plan on one image
=========================  ==========================================================
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> the submodule that defines it; imported on first use (PEP 562), so
#: ``import mmm.plots.style`` (or ``import mmm``) does not load every chart module.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("carryover_table", "effect_weeks", "plot_carryover"), "carryover"),
    **dict.fromkeys(("plot_contributions", "plot_waterfall", "waterfall_table"), "contributions"),
    "plot_diagnostics": "diagnostics",
    "plot_fit": "fit",
    "plot_onepager": "onepager",
    **dict.fromkeys(("plan_totals", "plot_plan"), "plan"),
    "plot_response_curves": "response",
    **dict.fromkeys(("plot_marginal_roas", "plot_roas", "return_table"), "roas"),
    **dict.fromkeys(("plot_split", "split_summary"), "split"),
    **dict.fromkeys(("FIGSIZE", "Units", "channel_colors", "house_style", "takeaway_of", "units_of"), "style"),
}

__all__ = [
    "FIGSIZE", "Units", "carryover_table", "channel_colors", "effect_weeks", "house_style", "plan_totals",
    "plot_carryover", "plot_contributions", "plot_diagnostics", "plot_fit", "plot_marginal_roas",
    "plot_onepager", "plot_plan", "plot_response_curves", "plot_roas", "plot_split", "plot_waterfall",
    "return_table", "split_summary", "takeaway_of", "units_of", "waterfall_table",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs: the names as if imported eagerly
    from mmm.plots.carryover import carryover_table, effect_weeks, plot_carryover  # noqa: F401
    from mmm.plots.contributions import plot_contributions, plot_waterfall, waterfall_table  # noqa: F401
    from mmm.plots.diagnostics import plot_diagnostics  # noqa: F401
    from mmm.plots.fit import plot_fit  # noqa: F401
    from mmm.plots.onepager import plot_onepager  # noqa: F401
    from mmm.plots.plan import plan_totals, plot_plan  # noqa: F401
    from mmm.plots.response import plot_response_curves  # noqa: F401
    from mmm.plots.roas import plot_marginal_roas, plot_roas, return_table  # noqa: F401
    from mmm.plots.split import plot_split, split_summary  # noqa: F401
    from mmm.plots.style import FIGSIZE, Units, channel_colors, house_style, takeaway_of, units_of  # noqa: F401
