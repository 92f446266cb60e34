"""The one-pager: model fit, decomposition, ROAS, response curves and the budget plan on one image."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from mmm.plots.carryover import plot_carryover
from mmm.plots.contributions import period_text, plot_waterfall
from mmm.plots.fit import plot_fit
from mmm.plots.plan import plan_totals, plot_plan
from mmm.plots.response import plot_response_curves
from mmm.plots.roas import plot_roas
from mmm.plots.style import (
    APPROX_COLOR,
    FONT,
    ONEPAGER_SIZE,
    TEXT_GREY,
    house_style,
    pct,
    units_of,
    watermark,
)


def headline(fitted: Any, plan: Any = None) -> str:
    """One line of key numbers: fit quality, media share, plan uplift."""
    u = units_of(fitted)
    d = fitted.diagnostics
    parts = [f"{d.sampler}, {d.chains}x{d.draws} draws: {'converged' if d.converged else 'NOT converged'}"
             if not fitted.approximate else "APPROXIMATE (ADVI) fit"]
    if d.r2 is not None:
        parts.append(f"R² {d.r2:.2f}, MAPE {pct(d.mape, 1)}")
    c = fitted.contributions()
    chans = [n for n in fitted.spec.channel_names if n in c.columns]
    total = float(c["fitted"].sum())
    if total:
        parts.append(f"paid media {pct(float(c[chans].to_numpy().sum()) / total)} of {u.kpi_word}")
    if plan is not None:
        t = plan_totals(plan)
        if t["uplift"] is not None and t["current"] is not None:
            parts.append(f"plan uplift {'+' if t['uplift'][0] >= 0 else '-'}{u.kpi(abs(t['uplift'][0]))} "
                         f"({'+' if t['uplift_pct'] >= 0 else '-'}{pct(abs(t['uplift_pct']), 1)})")
    return "   ·   ".join(parts)


def plot_onepager(fitted: Any, *, curves: Any = None, plan: Any = None, weeks: int = 13, title: str | None = None,
                  figsize: tuple[float, float] = ONEPAGER_SIZE) -> Figure:
    """Fit, decomposition, ROAS, response curves and the budget plan on one 16:9 image.

    Parameters
    ----------
    fitted : FittedModel
    curves : DataFrame, optional
        Response curves (:func:`mmm.planning.response_curves`); computed when left out and
        planning is available.
    plan : PlanResult, optional
        Budget plan; without one the last panel shows carryover instead.
    weeks : int
        Planning period in weeks (for the curves' labels).
    title : str, optional
        Main title (default: "Media mix model: <kpi> (<period>)").
    """
    u = units_of(fitted)
    if curves is None:
        try:
            from mmm.plots.response import response_curves_of
            curves = response_curves_of(fitted, weeks)
        except ImportError:
            curves = None
    with house_style():
        fig = Figure(figsize=figsize, layout="constrained")
        fig.get_layout_engine().set(h_pad=0.15, w_pad=0.15, hspace=0.05, wspace=0.05)
        gs = fig.add_gridspec(3, 3, height_ratios=[0.16, 1, 1], width_ratios=[1.1, 1, 1])
        head = fig.add_subplot(gs[0, :])
        head.set_axis_off()
        main = title or f"Media mix model: {u.kpi_word} ({period_text(fitted.dataset.dates)})"
        head.text(0, 0.95, main, fontsize=FONT["takeaway"] + 8, fontweight="bold", va="top", ha="left",
                  transform=head.transAxes, color="#111111")
        head.text(0, 0.08, headline(fitted, plan), fontsize=FONT["base"] + 2, va="bottom", ha="left",
                  transform=head.transAxes, color=APPROX_COLOR if fitted.approximate else TEXT_GREY)
        a_fit = fig.add_subplot(gs[1, :2])
        a_wf = fig.add_subplot(gs[1, 2])
        a_roas = fig.add_subplot(gs[2, 0])
        a_rc = fig.add_subplot(gs[2, 1])
        a_plan = fig.add_subplot(gs[2, 2])
    plot_fit(fitted, ax=a_fit)
    plot_waterfall(fitted, ax=a_wf)
    plot_roas(fitted, ax=a_roas)
    if curves is not None:
        plot_response_curves(curves, plan=plan, units=fitted, weeks=weeks, ax=a_rc)
    else:
        plot_carryover(fitted, ax=a_rc)
    if plan is not None:
        plot_plan(plan, units=fitted, ax=a_plan)
    else:
        plot_carryover(fitted, ax=a_plan)
    with house_style():
        for a in (a_fit, a_wf, a_roas, a_rc, a_plan):
            a.title.set_color("#111111")
        a_wf.tick_params(axis="x", labelsize=FONT["legend"] - 1)
        if fitted.approximate:
            watermark(fig)
    fig.mmm_takeaway = main
    return fig
