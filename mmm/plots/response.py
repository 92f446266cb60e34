"""Response curves: expected KPI over the planning period against weekly spend, per channel,
with the 90% band, current and recommended spend marked and the marginal return noted."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from mmm.analysis import curves_for
from mmm.claims import headroom_claim, payback_text
from mmm.plots.style import (
    CURRENT_COLOR,
    FIGSIZE,
    FONT,
    RECOMMENDED_COLOR,
    Caution,
    caution_of,
    colors_for,
    finish,
    house_style,
    kpi_formatter,
    label,
    lighten,
    money_formatter,
    new_figure,
    resolve_caution,
    root_figure,
    units_of,
)


def _plan_table(plan: Any) -> pd.DataFrame | None:
    if plan is None:
        return None
    return getattr(plan, "table", plan)


def _current_rows(curves: pd.DataFrame) -> pd.DataFrame:
    cur = curves[curves["is_current"].astype(bool)].drop_duplicates("channel").set_index("channel")
    return cur


def _on_curve(g: pd.DataFrame, spend: float, col: str = "expected_kpi_mean") -> float:
    g = g.sort_values("weekly_spend")
    return float(np.interp(spend, g["weekly_spend"].to_numpy(float), g[col].to_numpy(float)))


def _marginal_text(u: Any, m: float) -> str:
    if not np.isfinite(m):
        return ""
    if u.return_is_cost:
        return f"Next lead costs {u.money(1.0 / m, 1)}" if m > 0 else "Next lead: n/a"
    return f"Next {u.symbol.strip() or u.currency}1 returns {u.ratio(m)}"


def response_takeaway(curves: pd.DataFrame, units: Any = None, breakeven: float | None = None) -> str:
    """Which channel has the most headroom (highest marginal return at current spend), as far as
    the posterior can tell (:func:`mmm.claims.headroom_claim`), and which channels no longer pay
    back (named only with 90% probability)."""
    u = units_of(units)
    cur = _current_rows(curves)
    if cur.empty:
        return f"Each channel's {u.kpi_word} flattens as spend grows"
    text = headroom_claim(curves, u).sentence
    be = breakeven if breakeven is not None else (u.kind.break_even if np.isfinite(u.kind.break_even) else None)
    if be is not None and not u.return_is_cost:
        tail = payback_text(curves, be, u)
        if tail:
            text += f"; {tail}"
    return text


def _draw_one(ax: Any, g: pd.DataFrame, color: str, *, cur: pd.Series | None, rec: float | None, u: Any,
              note: bool = True, band: bool = True, name: str | None = None) -> None:
    g = g.sort_values("weekly_spend")
    x = g["weekly_spend"].to_numpy(float)
    if band:
        ax.fill_between(x, g["expected_kpi_hdi_low"], g["expected_kpi_hdi_high"], color=lighten(color, 0.7), lw=0)
    ax.plot(x, g["expected_kpi_mean"], color=color, lw=3, label=name)
    if cur is not None:
        cx = float(cur["weekly_spend"])
        cy = _on_curve(g, cx)
        ax.plot([cx], [cy], "o", ms=11, color=CURRENT_COLOR, mec="white", mew=1.5, zorder=5)
        if note:
            txt = _marginal_text(u, float(cur.get("marginal_roas_mean", np.nan)))
            if txt:
                ax.text(0.03, 0.96, txt, transform=ax.transAxes, ha="left", va="top", fontsize=FONT["legend"],
                        color="#222222", bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#DDDDDD"})
    if rec is not None and np.isfinite(rec):
        ry = _on_curve(g, rec)
        ax.plot([rec], [ry], "D", ms=11, color=RECOMMENDED_COLOR, mec="white", mew=1.5, zorder=6)


def plot_response_curves(curves: Any, *, plan: Any = None, units: Any = None, weeks: int | None = None,
                         title: str | bool | None = None, approximate: bool | str | Caution | None = None, ax: Any = None,
                         colors: dict[str, str] | None = None, channels: list[str] | None = None,
                         breakeven: float | None = None) -> Figure:
    """Response curve per channel: expected KPI over the planning period vs weekly spend.

    One panel per channel (each with its own scales), the 90% band shaded, current spend as
    a dark dot, recommended spend (from ``plan``) as a green diamond, and the marginal return
    at current spend written in the panel. With ``ax`` all channels share that one axes
    (no bands; for the one-pager).

    Parameters
    ----------
    curves : DataFrame or FittedModel
        :func:`mmm.planning.response_curves` (``channel, role, weekly_spend,
        expected_kpi_mean, expected_kpi_hdi_low, expected_kpi_hdi_high, marginal_roas_mean,
        is_current``; ``prob_highest_marginal_roas`` and ``prob_below_breakeven`` from
        :func:`mmm.claims.annotate_curves` gate the title's claims) or a fitted model (curves
        computed over ``weeks``).
    plan : PlanResult or DataFrame, optional
        A budget plan (``channel, recommended_weekly``) to mark recommended spend.
    weeks : int, optional
        The planning period in weeks (for the axis label; default from ``curves.attrs`` or 13).
    """
    if hasattr(curves, "spec"):  # a fitted model: its curves first (analysis layer), then draw them
        units = curves if units is None else units
        approximate = resolve_caution(approximate, curves)
        curves = curves_for(curves, weeks or 13, breakeven=breakeven)
    u = units_of(units)
    weeks = weeks or curves.attrs.get("weeks") or 13
    col = colors_for(curves, colors, units)
    names = list(dict.fromkeys(curves["channel"]))
    roles = dict(zip(curves["channel"], curves.get("role", pd.Series(["performance"] * len(curves))), strict=False))
    order = [c for c in col if c in names] + [c for c in names if c not in col]
    order = sorted(order, key=lambda c: (roles.get(c) != "brand", order.index(c)))
    if channels is not None:
        order = [c for c in order if c in channels]
    cur = _current_rows(curves) if "is_current" in curves else pd.DataFrame()
    ptab = _plan_table(plan)
    rec = dict(zip(ptab["channel"], ptab["recommended_weekly"], strict=True)) if ptab is not None else {}
    ylabel = f"{u.kpi_word.capitalize()} over {weeks} wks"
    if ax is not None:
        fig = root_figure(ax)
        with house_style():
            for c in order:
                g = curves[curves["channel"] == c]
                _draw_one(ax, g, col.get(c, "#888888"), cur=cur.loc[c] if c in cur.index else None, rec=rec.get(c),
                          u=u, note=False, band=False, name=label(c))
            ax.xaxis.set_major_formatter(money_formatter(u))
            ax.yaxis.set_major_formatter(kpi_formatter(u))
            ax.set_xlabel("Weekly spend")
            ax.set_ylabel(ylabel)
            ax.set_xlim(left=0)
            ax.set_ylim(0, ax.get_ylim()[1] * 1.45)  # room for the legend above the curves
            handles, _ = ax.get_legend_handles_labels()
            handles.append(Line2D([], [], ls="none", marker="o", ms=9, color=CURRENT_COLOR, label="current"))
            if rec:
                handles.append(Line2D([], [], ls="none", marker="D", ms=9, color=RECOMMENDED_COLOR,
                                      label="recommended"))
            ax.legend(handles=handles, loc="upper left", fontsize=FONT["legend"] - 1,
                      ncols=1 if len(handles) <= 4 else 2, handlelength=1.2)
        return finish(fig, title=title, auto=response_takeaway(curves, u, breakeven), approximate=approximate,
                      ax=ax, standalone=False)

    n = len(order)
    ncols = n if n <= 3 else (2 if n == 4 else 3)
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(nrows, ncols, figsize=FIGSIZE)
    axes = np.atleast_1d(axes).ravel()
    with house_style():
        for i, c in enumerate(order):
            a = axes[i]
            g = curves[curves["channel"] == c]
            _draw_one(a, g, col.get(c, "#888888"), cur=cur.loc[c] if c in cur.index else None, rec=rec.get(c), u=u)
            a.set_title(label(c) + (" (brand)" if roles.get(c) == "brand" else ""), loc="left",
                        color=col.get(c, "#333333"), fontweight="bold", fontsize=FONT["panel_title"])
            a.xaxis.set_major_formatter(money_formatter(u))
            a.yaxis.set_major_formatter(kpi_formatter(u))
            a.xaxis.set_major_locator(_nice_locator())
            a.yaxis.set_major_locator(_nice_locator(4))
            a.set_xlim(left=0)
            a.set_ylim(bottom=0, top=a.get_ylim()[1] * 1.12)
            if i % ncols == 0:
                a.set_ylabel(ylabel)
            if i >= n - ncols:
                a.set_xlabel("Weekly spend")
        spare = axes[n:]
        for a in spare:
            a.set_axis_off()
        handles = [Line2D([], [], color="#666666", lw=3, label=f"Expected {u.kpi_word} (90% band)"),
                   Line2D([], [], ls="none", marker="o", ms=11, color=CURRENT_COLOR, label="Current spend")]
        if rec:
            handles.append(Line2D([], [], ls="none", marker="D", ms=11, color=RECOMMENDED_COLOR,
                                  label="Recommended spend"))
        if len(spare):
            spare[0].legend(handles=handles, loc="center", fontsize=FONT["base"], title=f"Planning period: {weeks} weeks",
                            title_fontsize=FONT["base"])
        else:
            # the footer of a watermarked chart takes the bottom edge
            if caution_of(approximate):  # the footer of a watermarked chart takes the bottom edge
                axes[n - 1].legend(handles=handles, loc="lower right", fontsize=FONT["legend"])
            else:
                fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=FONT["legend"])
    auto = response_takeaway(curves, u, breakeven)
    return finish(fig, title=title, auto=auto, approximate=approximate, standalone=True)


def _nice_locator(n: int = 4) -> Any:
    from matplotlib.ticker import MaxNLocator
    return MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3)

