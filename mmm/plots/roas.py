"""Return per channel: ROAS (revenue), pipeline ROI (pipeline) or cost per lead (leads), with 90%
intervals, best channel on top; and the marginal return on the next dollar at current spend.

The takeaway titles name a single best channel only when the posterior supports it (see
:mod:`mmm.claims`); otherwise they say which channels the data cannot tell apart."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from mmm.analysis import curves_for, return_table
from mmm.claims import next_dollar_claim, roas_claim
from mmm.plots.style import (
    FONT,
    NORM_COLOR,
    TEXT_GREY,
    Caution,
    colors_for,
    finish,
    house_style,
    label,
    money_formatter,
    panel,
    ratio_formatter,
    resolve_caution,
    subtitle,
    units_of,
)


def _ranked_bars(ax: Any, tab: pd.DataFrame, colors: dict[str, str], fmt: Any, *, cap: float | None = None) -> None:
    n = len(tab)
    y = np.arange(n)[::-1]
    for yi, r in zip(y, tab.itertuples(), strict=True):
        c = colors.get(r.channel, "#888888")
        ax.barh(yi, r.value, height=0.62, color=c, edgecolor="none")
        hi = min(r.high, cap) if cap is not None else r.high
        ax.errorbar(r.value, yi, xerr=[[max(r.value - r.low, 0)], [max(hi - r.value, 0)]], fmt="none",
                    ecolor="#222222", elinewidth=2, capsize=6, capthick=2)
        ax.text(max(hi, r.value) + 0.015 * (ax.get_xlim()[1] or 1), yi, "  " + fmt(r.value), va="center", ha="left",
                fontsize=FONT["base"], fontweight="bold", color="#222222", zorder=5,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})
    names = [label(c) + (" (brand)" if role == "brand" else "") for c, role in zip(tab["channel"], tab["role"],
                                                                                   strict=True)]
    ax.set_yticks(y, names)
    pad = max(0.7, (4 - n) / 2)
    ax.set_ylim(-pad, n - 1 + pad + 0.25)  # room at the top for the break-even label
    ax.tick_params(axis="y", length=0, labelsize=FONT["base"])
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, color="#E6E6E6")
    ax.spines["left"].set_visible(False)


def _breakeven_line(ax: Any, be: float, u: Any) -> None:
    ax.axvline(be, color=NORM_COLOR, ls="--", lw=2, zorder=1)
    ax.text(be, 0.995, f" break-even {u.ratio(be)}", transform=ax.get_xaxis_transform(), ha="left", va="top",
            color=NORM_COLOR, fontsize=FONT["legend"])


def plot_roas(data: Any, *, units: Any = None, title: str | bool | None = None, approximate: bool | str | Caution | None = None,
              ax: Any = None, colors: dict[str, str] | None = None, breakeven: float | None = None) -> Figure:
    """Return per channel with its 90% interval, sorted best first (one bar per channel).

    Revenue models show ROAS, pipeline models pipeline ROI (pipeline per currency unit),
    leads models cost per lead (lowest first).

    Parameters
    ----------
    data : DataFrame or FittedModel
        :meth:`FittedModel.channel_summary` (``channel, role, roas_mean, roas_hdi_low,
        roas_hdi_high``, and ``cost_per_kpi_mean`` for leads) or the fitted model. The
        title names the best channel only with ``prob_highest_roas`` at least 90% (from the
        posterior; without that column, only when its interval is clear of the others').
    approximate : bool, str or Caution, optional
        Watermark: ``True`` (APPROXIMATE), a mark such as ``"FAST MODE"``, or ``None`` for the
        fitted model's own (:func:`mmm.health.watermark_text`).
    breakeven : float, optional
        Where to draw a break-even line (default 1.0 for revenue ROAS, none otherwise).
    """
    source = data
    if hasattr(data, "channel_summary"):
        units = data if units is None else units
        approximate = resolve_caution(approximate, data)
        data = data.channel_summary()
        if "prob_highest_roas" in data.columns:
            source = data
    u = units_of(units)
    tab = return_table(data, u)
    col = colors_for(data, colors, units)
    fig, ax, standalone = panel(ax)
    with house_style():
        finite_hi = tab["high"].replace(np.inf, np.nan)
        top = float(np.nanmax(np.r_[finite_hi.to_numpy(float), tab["value"].to_numpy(float), 0.0]))
        cap = None
        if u.return_is_cost:
            cap = float(np.nanmax(tab["value"])) * 3 if np.isfinite(tab["value"]).any() else None
            top = min(top, cap) if cap else top
        ax.set_xlim(0, top * 1.18 if top > 0 else 1)
        _ranked_bars(ax, tab, col, (lambda v: u.money(v, 1)) if u.return_is_cost else u.ratio, cap=cap)
        be = breakeven if breakeven is not None else (u.kind.break_even if np.isfinite(u.kind.break_even) else None)
        handles = [Line2D([], [], color="#222222", lw=2, marker="|", ms=12, label="90% interval")]
        if be is not None and not u.return_is_cost:
            _breakeven_line(ax, be, u)
        if u.return_is_cost:
            ax.xaxis.set_major_formatter(money_formatter(u))
            name = u.kind.cost_name.capitalize()
            ax.set_xlabel(f"{name} ({u.symbol.strip()}); lower is better")
            sub = f"{name} by channel over the data period, with 90% interval; cheapest first"
        else:
            ax.xaxis.set_major_formatter(ratio_formatter())
            ax.set_xlabel(f"{u.kpi_word.capitalize()} per {u.per_unit} spent ({u.return_name})")
            sub = (f"{u.return_name[0].upper()}{u.return_name[1:]} by channel over the data period, with 90% "
                   "interval; best first")
        if standalone:
            ax.legend(handles=handles, loc="lower right", fontsize=FONT["legend"])
        subtitle(ax, sub, standalone=standalone)
        ax.xaxis.label.set_color(TEXT_GREY)
    auto = roas_claim(source, u).sentence
    return finish(fig, title=title, auto=auto, approximate=approximate, ax=ax, standalone=standalone)


def plot_marginal_roas(curves: Any, *, units: Any = None, title: str | bool | None = None,
                       approximate: bool | str | Caution | None = None, ax: Any = None, colors: dict[str, str] | None = None,
                       breakeven: float | None = None) -> Figure:
    """Marginal return (the return on the next currency unit) at current spend, per channel.

    Parameters
    ----------
    curves : DataFrame or FittedModel
        Response curves (``channel, role, marginal_roas_mean, marginal_roas_hdi_low,
        marginal_roas_hdi_high, is_current``, and ``prob_highest_marginal_roas`` from
        :func:`mmm.claims.annotate_curves` for a title gated by the posterior); the
        ``is_current`` rows are used. A fitted model works too.
    approximate : bool, str or Caution, optional
        Watermark, as in :func:`plot_roas`.
    """
    if hasattr(curves, "spec"):  # a fitted model: its curves first (analysis layer), then draw them
        units = curves if units is None else units
        approximate = resolve_caution(approximate, curves)
        curves = curves_for(curves)
    u = units_of(units)
    cur = curves[curves["is_current"].astype(bool)].drop_duplicates("channel")
    tab = return_table(cur, u, mean="marginal_roas_mean", low="marginal_roas_hdi_low", high="marginal_roas_hdi_high")
    col = colors_for(curves, colors, units)
    fig, ax, standalone = panel(ax)
    with house_style():
        vals = tab[["value", "low", "high"]].replace(np.inf, np.nan).to_numpy(float)
        top = float(np.nanmax(np.r_[vals.ravel(), 0.0]))
        cap = float(np.nanmax(tab["value"])) * 3 if u.return_is_cost and np.isfinite(tab["value"]).any() else None
        top = min(top, cap) if cap else top
        ax.set_xlim(0, top * 1.18 if top > 0 else 1)
        _ranked_bars(ax, tab, col, (lambda v: u.money(v, 1)) if u.return_is_cost else u.ratio, cap=cap)
        be = breakeven if breakeven is not None else (u.kind.break_even if np.isfinite(u.kind.break_even) else None)
        if be is not None and not u.return_is_cost:
            _breakeven_line(ax, be, u)
        if u.return_is_cost:
            ax.xaxis.set_major_formatter(money_formatter(u))
            ax.set_xlabel(f"Cost of the next lead ({u.symbol.strip()})")
        else:
            ax.xaxis.set_major_formatter(ratio_formatter())
            ax.set_xlabel(f"{u.kpi_word.capitalize()} from the next {u.per_unit} spent")
        ax.xaxis.label.set_color(TEXT_GREY)
        subtitle(ax, ("Cost of the next lead at current spend, with 90% interval" if u.return_is_cost else
                      "Marginal return at current spend: the next unit of spend, with 90% interval"),
                 standalone=standalone)
    auto = next_dollar_claim(curves, u).sentence
    return finish(fig, title=title, auto=auto, approximate=approximate, ax=ax, standalone=standalone)
