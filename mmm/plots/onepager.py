"""The one-pager: model fit, decomposition, ROAS, response curves and the budget plan on one image."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from mmm.analysis import annotate_ranking, curves_for, period_text
from mmm.claims import plan_claim
from mmm.plots.carryover import plot_carryover
from mmm.plots.contributions import plot_waterfall
from mmm.plots.fit import plot_fit
from mmm.plots.plan import plot_plan
from mmm.plots.response import plot_response_curves
from mmm.plots.roas import plot_roas
from mmm.plots.style import (
    FONT,
    ONEPAGER_SIZE,
    TEXT_GREY,
    Caution,
    caution_of,
    house_style,
    pct,
    resolve_caution,
    units_of,
    watermark,
)


def headline(fitted: Any, plan: Any = None) -> str:
    """One line of key numbers: sampling and model health, fit quality, media share, and the plan's
    uplift with its 90% interval and evidence (:func:`mmm.claims.plan_claim`)."""
    u = units_of(fitted)
    d = fitted.diagnostics
    parts = [f"{d.sampler}, {d.chains}x{d.draws} draws: {'converged' if d.converged else 'NOT converged'}"
             if not fitted.approximate else "APPROXIMATE (ADVI) fit"]
    health = getattr(d, "health", None)
    if health:
        parts[0] += f", model health: {health}"
    if d.r2 is not None:
        parts.append(f"R² {d.r2:.2f}, MAPE {pct(d.mape, 1)}")
    c = fitted.contributions()
    chans = [n for n in fitted.spec.channel_names if n in c.columns]
    total = float(c["fitted"].sum())
    if total:
        parts.append(f"paid media {pct(float(c[chans].to_numpy().sum()) / total)} of {u.kpi_word}")
    if plan is not None:
        claim = plan_claim(plan)
        if claim is not None and claim.big:
            parts.append(f"plan {claim.sentence}")
    line = "   ·   ".join(parts)
    if len(line) > 150 and len(parts) > 1:  # two lines: the model, then the plan
        line = "   ·   ".join(parts[:-1]) + "\n" + parts[-1]
    return line


def plot_onepager(fitted: Any, *, curves: Any = None, plan: Any = None, weeks: int = 13, title: str | None = None,
                  figsize: tuple[float, float] = ONEPAGER_SIZE,
                  approximate: bool | str | Caution | None = None) -> Figure:
    """Fit, decomposition, ROAS, response curves and the budget plan on one 16:9 image.

    Parameters
    ----------
    fitted : FittedModel
    curves : DataFrame, optional
        Response curves (:func:`mmm.planning.response_curves`); computed when left out and
        planning is available. Their ranking probabilities (:func:`mmm.claims.annotate_curves`)
        are added when missing, so the panel title follows the posterior.
    plan : PlanResult, optional
        Budget plan; without one the last panel shows carryover instead.
    weeks : int
        Planning period in weeks (for the curves' labels).
    title : str, optional
        Main title (default: "Media mix model: <kpi> (<period>)").
    approximate : bool, str or Caution, optional
        Watermark (default: the fitted model's, :func:`mmm.health.watermark_text`): a large
        faint diagonal mark across the page and a coloured footer sentence.
    """
    u = units_of(fitted)
    caution = caution_of(resolve_caution(approximate, fitted))
    if curves is None:  # the curves first (analysis layer), then the page draws them
        try:
            curves = curves_for(fitted, weeks)
        except ImportError:
            curves = None
    elif "prob_highest_marginal_roas" not in curves.columns:
        curves = annotate_ranking(curves, fitted)
    with house_style():
        fig = Figure(figsize=figsize, layout="constrained")
        fig.get_layout_engine().set(h_pad=0.15, w_pad=0.15, hspace=0.05, wspace=0.05)
        head_text = headline(fitted, plan)
        gs = fig.add_gridspec(3, 3, height_ratios=[0.17 + 0.12 * head_text.count("\n"), 1, 1],
                              width_ratios=[1.1, 1, 1])
        head = fig.add_subplot(gs[0, :])
        head.set_axis_off()
        main = title or f"Media mix model: {u.kpi_word} ({period_text(fitted.dataset.dates)})"
        head.text(0, 1.0, main, fontsize=FONT["takeaway"] + 8, fontweight="bold", va="top", ha="left",
                  transform=head.transAxes, color="#111111", in_layout=False)
        head.text(0, 0.0, head_text, fontsize=FONT["base"] + 2, va="bottom", ha="left",
                  transform=head.transAxes, color=caution.color if caution is not None else TEXT_GREY,
                  in_layout=False, linespacing=1.4)
        a_fit = fig.add_subplot(gs[1, :2])
        a_wf = fig.add_subplot(gs[1, 2])
        a_roas = fig.add_subplot(gs[2, 0])
        a_rc = fig.add_subplot(gs[2, 1])
        a_plan = fig.add_subplot(gs[2, 2])
    # the panels carry no marks of their own: the page has one large mark and the footer
    plot_fit(fitted, ax=a_fit, approximate=False)
    plot_waterfall(fitted, ax=a_wf, approximate=False)
    plot_roas(fitted, ax=a_roas, approximate=False)
    if curves is not None:
        plot_response_curves(curves, plan=plan, units=fitted, weeks=weeks, ax=a_rc, approximate=False)
    else:
        plot_carryover(fitted, ax=a_rc, approximate=False)
    if plan is not None:
        plot_plan(plan, units=fitted, ax=a_plan, approximate=False)
    else:
        plot_carryover(fitted, ax=a_plan, approximate=False)
    with house_style():
        for a in (a_fit, a_wf, a_roas, a_rc, a_plan):
            a.title.set_color("#111111")
        a_wf.tick_params(axis="x", labelsize=FONT["legend"] - 1)
        if caution is not None:
            fig.supxlabel(caution.note, x=0.01, ha="left", fontsize=FONT["base"] + 2, color=caution.color,
                          fontweight="bold")
            watermark(fig, caution.mark, color=caution.color)
            fig.mmm_caution = caution
    fig.mmm_takeaway = main
    return fig
