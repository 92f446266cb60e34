"""Budget plan: current vs recommended weekly spend per channel, and the expected KPI of both plans."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mmm.analysis import plan_for, plan_totals
from mmm.analysis.summaries import PlanHeadline
from mmm.claims import prob_text
from mmm.plots.style import (
    CURRENT_COLOR,
    FIGSIZE,
    FONT,
    RECOMMENDED_COLOR,
    TEXT_GREY,
    Caution,
    colors_for,
    finish,
    house_style,
    kpi_formatter,
    label,
    lighten,
    money_formatter,
    new_figure,
    pct,
    resolve_caution,
    root_figure,
    units_of,
)


def plan_takeaway(table: pd.DataFrame, totals: PlanHeadline | dict[str, Any], units: Any = None) -> str:
    """ "Shifting budget to Meta and Search adds +4% revenue (+$1.1M) at the same spend".

    ``totals``: :func:`mmm.analysis.plan_totals` (or its :meth:`~mmm.analysis.summaries.PlanHeadline.to_dict`).
    """
    totals = PlanHeadline.of(totals)
    u = units_of(units)
    t = table.copy()
    t["delta"] = t["recommended_weekly"] - t["current_weekly"]
    ups = [label(c) for c in t.sort_values("delta", ascending=False)["channel"] if
           float(t.loc[t["channel"] == c, "delta"].iloc[0]) > 0][:2]
    where = f"to {' and '.join(ups)}" if ups else "between channels"
    up, upct = totals.uplift, totals.uplift_pct
    if up is not None and np.isfinite(up.mean):
        amount = u.kpi(abs(up.mean))
        share = f"{pct(abs(upct), 1 if abs(upct) < 0.1 else 0)} " if np.isfinite(upct) else ""
        ev = totals.evidence
        budget, now = totals.budget, totals.current_spend
        if np.isfinite(budget) and np.isfinite(now) and abs(budget - now) > 0.005 * max(now, 1.0):
            # a different budget: the claim is about the budget and the mix together
            head = f"A budget of {u.money(budget)} (today {u.money(now)}), shifted {where},"
            p = totals.prob_uplift
            verb = "adds" if up.mean >= 0 else "loses"
            if np.isfinite(p) and max(p, 1 - p) < 0.9:
                return (f"{head} may {verb[:-1] if verb == 'adds' else 'lose'} {share}{u.kpi_word} ({amount}): "
                        f"{prob_text(p)} chance it brings more than today's plan")
            return f"{head} {verb} {share}{'more ' if up.mean >= 0 else ''}{u.kpi_word} ({amount})"
        if up.mean >= 0 and ev is not None and ev.strength in ("moderate", "weak") \
                and ev.prob_gain_from_mix is not None:
            return (f"Shifting budget {where} may add {share}more {u.kpi_word} ({amount}): "
                    f"{ev.strength} evidence, {prob_text(ev.prob_gain_from_mix)} chance it beats today's mix")
        if up.mean >= 0:
            return f"Shifting budget {where} adds {share}more {u.kpi_word} ({amount}) at the same spend"
        return f"The recommended plan loses {share}{u.kpi_word} ({amount}): check the bounds"
    return f"Recommended plan shifts budget {where}"


def plot_plan(plan: Any, *, units: Any = None, weeks: int | None = None, title: str | bool | None = None,
              approximate: bool | str | Caution | None = None, ax: Any = None, colors: dict[str, str] | None = None,
              budget: float | None = None, bounds: Any = "30%") -> Figure:
    """Current vs recommended weekly spend per channel, and expected KPI of both plans with 90% intervals.

    Parameters
    ----------
    plan : PlanResult or DataFrame
        :func:`mmm.planning.optimize_budget` result (its ``table``: ``channel, role,
        current_weekly, recommended_weekly, change_pct, expected_kpi_mean, ...``; its
        ``summary`` gives the plan totals), or the table alone (then the right-hand panel
        shows expected KPI per channel under the recommended plan).
        A fitted model works too: the plan is then optimised here for ``budget`` (default:
        current spend over ``weeks``) within ``bounds``.
    ax : Axes, optional
        Draw only the spend comparison into ``ax`` (for the one-pager).
    """
    if hasattr(plan, "spec"):  # a fitted model: plan it first (analysis layer), then draw the plan
        units = plan if units is None else units
        approximate = resolve_caution(approximate, plan)
        weeks = weeks or 13
        plan = plan_for(plan, budget, weeks=weeks, bounds=bounds)
    u = units_of(units)
    table = getattr(plan, "table", plan)
    totals = plan_totals(plan)
    weeks = weeks or totals.weeks or getattr(plan, "weeks", None) or 13
    col = colors_for(table, colors, units)
    names = list(table["channel"])
    roles = dict(zip(table["channel"], table.get("role", pd.Series(["performance"] * len(table))), strict=False))
    order = [c for c in col if c in names] + [c for c in names if c not in col]
    order = sorted(order, key=lambda c: (roles.get(c) != "brand", order.index(c)))
    t = table.set_index("channel").loc[order]
    auto = plan_takeaway(table, totals, u)
    if ax is not None:
        fig = root_figure(ax)
        with house_style():
            _spend_bars(ax, t, col, u, compact=True)
        return finish(fig, title=title, auto=auto, approximate=approximate, ax=ax, standalone=False)

    fig, (a1, a2) = new_figure(1, 2, figsize=FIGSIZE, width_ratios=[1.9, 1])
    with house_style():
        _spend_bars(a1, t, col, u)
        a1.set_title("Weekly spend: current (hatched) vs recommended", loc="left",
                     color=TEXT_GREY, fontsize=FONT["panel_title"])
        if totals.current is not None and totals.recommended is not None:
            _totals_panel(a2, totals, u)
            a2.set_title(f"Expected {u.kpi_word}", loc="left", color=TEXT_GREY,
                         fontsize=FONT["panel_title"])
        else:
            _per_channel_kpi(a2, t, col, u)
            a2.set_title(f"Expected {u.kpi_word} per channel", loc="left", color=TEXT_GREY,
                         fontsize=FONT["panel_title"])
    return finish(fig, title=title, auto=auto, approximate=approximate, standalone=True)


def _spend_bars(ax: Any, t: pd.DataFrame, col: dict[str, str], u: Any, compact: bool = False) -> None:
    n = len(t)
    y = np.arange(n)[::-1].astype(float)
    h = 0.38
    cur = t["current_weekly"].to_numpy(float)
    rec = t["recommended_weekly"].to_numpy(float)
    top = float(np.nanmax(np.r_[cur, rec])) if n else 1.0
    for yi, c, cv, rv in zip(y, t.index, cur, rec, strict=True):
        color = col.get(c, "#888888")
        ax.barh(yi + h / 2, cv, height=h, color=lighten(color, 0.6), edgecolor=color, lw=1.2, hatch="//")
        ax.barh(yi - h / 2, rv, height=h, color=color)
        change = (rv - cv) / cv if cv > 0 else float("nan")
        txt = f"{u.money(rv)}/wk"
        if np.isfinite(change):
            txt += f"  ({'+' if change >= 0 else '-'}{pct(abs(change))})"
        ax.text(max(cv, rv) + 0.015 * top, yi - h / 2 if not compact else yi, txt, va="center", ha="left",
                fontsize=FONT["legend"] if not compact else FONT["legend"] - 1,
                color=RECOMMENDED_COLOR if change > 0.005 else ("#B23B2E" if change < -0.005 else "#333333"),
                fontweight="bold")
    ax.set_yticks(y, [label(c) for c in t.index])
    ax.tick_params(axis="y", length=0, labelsize=FONT["base"])
    ax.xaxis.set_major_formatter(money_formatter(u))
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4 if compact else 7, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlim(0, top * (1.42 if not compact else 1.55))
    ax.set_xlabel("Weekly spend")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.spines["left"].set_visible(False)
    pad = max(0.7, (4 - n) / 2)
    ax.set_ylim(-pad, n - 1 + pad)
    if compact:
        ax.legend(handles=[Patch(facecolor="#DDDDDD", edgecolor="#666666", hatch="//", label="Current"),
                           Patch(facecolor="#666666", label="Recommended")], loc="lower right",
                  fontsize=FONT["legend"] - 1)


def _totals_panel(ax: Any, totals: PlanHeadline, u: Any) -> None:
    totals = PlanHeadline.of(totals)
    cur = (totals.current.mean, totals.current.hdi_low, totals.current.hdi_high)
    rec = (totals.recommended.mean, totals.recommended.hdi_low, totals.recommended.hdi_high)
    xs = [0, 1]
    digits = next((d for d in (1, 2, 3) if u.kpi(cur[0], d) != u.kpi(rec[0], d)), 1)
    for x, (m, lo, hi), c, _name in ((0, cur, CURRENT_COLOR, "Current"), (1, rec, RECOMMENDED_COLOR, "Recommended")):
        if np.isfinite(lo) and np.isfinite(hi):
            ax.errorbar(x, m, yerr=[[m - lo], [hi - m]], fmt="o", color=c, ms=16, elinewidth=3, capsize=10,
                        capthick=3)
        else:
            ax.plot(x, m, "o", color=c, ms=16)
        ax.text(x + 0.14, m, u.kpi(m, digits), va="center", ha="left", fontsize=FONT["base"], fontweight="bold", color=c)
    weeks = totals.weeks
    ax.set_xticks(xs, ["Current", "Recommended"])
    ax.set_xlabel(f"Plan over {weeks} weeks" if weeks else "Plan")
    ax.set_xlim(-0.45, 1.8)
    lows = [v for v in (cur[1], rec[1]) if np.isfinite(v)] or [min(cur[0], rec[0])]
    highs = [v for v in (cur[2], rec[2]) if np.isfinite(v)] or [max(cur[0], rec[0])]
    span = max(highs) - min(lows) or abs(cur[0]) * 0.1 or 1.0
    ax.set_ylim(min(lows) - 0.15 * span, max(highs) + 0.35 * span)
    ax.yaxis.set_major_formatter(kpi_formatter(u))
    ax.tick_params(axis="x", length=0)
    up, upct = totals.uplift, totals.uplift_pct
    if up is not None:
        sign = "+" if up.mean >= 0 else "-"
        text = f"{sign}{u.kpi(abs(up.mean))}"
        if np.isfinite(upct):
            text += f"\n({sign}{pct(abs(upct), 1)})"
        if np.isfinite(up.hdi_low) and np.isfinite(up.hdi_high):
            text += f"\n90%: {u.kpi(up.hdi_low, unit=False)} to {u.kpi(up.hdi_high)}"
        ev = totals.evidence
        strength, p = (None, None) if ev is None else (ev.strength, ev.prob_gain_from_mix)
        if strength in ("strong", "moderate", "weak") and p is not None:
            text += f"\n{strength} evidence ({prob_text(p)})"
        # green only for a gain the posterior supports; a weak or moderate case stays neutral
        sure = strength in (None, "strong", "no change")
        color = "#B23B2E" if up.mean < 0 else (RECOMMENDED_COLOR if sure else CURRENT_COLOR)
        ax.text(0.5, 0.97, text, transform=ax.transAxes, ha="center", va="top", fontsize=FONT["base"],
                fontweight="bold", color=color)


def _per_channel_kpi(ax: Any, t: pd.DataFrame, col: dict[str, str], u: Any) -> None:
    n = len(t)
    y = np.arange(n)[::-1]
    m = t["expected_kpi_mean"].to_numpy(float)
    lo = t.get("expected_kpi_hdi_low", pd.Series(m, index=t.index)).to_numpy(float)
    hi = t.get("expected_kpi_hdi_high", pd.Series(m, index=t.index)).to_numpy(float)
    for yi, c, mv, lv, hv in zip(y, t.index, m, lo, hi, strict=True):
        ax.errorbar(mv, yi, xerr=[[mv - lv], [hv - mv]], fmt="o", color=col.get(c, "#888888"), ms=12, elinewidth=3,
                    capsize=6)
    ax.set_yticks(y, [label(c) for c in t.index])
    ax.xaxis.set_major_formatter(kpi_formatter(u))
    ax.set_xlim(left=0)
    ax.grid(axis="x", visible=True)
