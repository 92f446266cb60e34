"""Brand vs performance split: expected KPI over the brand share of the budget, with the
recommended range, the current split and the published norms marked."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mmm.analysis import DEFAULT_NORMS, split_for, split_summary  # noqa: F401 (DEFAULT_NORMS: public here too)
from mmm.claims import split_claim
from mmm.plots.style import (
    CURRENT_COLOR,
    FONT,
    MODEL_COLOR,
    NORM_COLOR,
    Caution,
    finish,
    house_style,
    kpi_formatter,
    lighten,
    panel,
    pct,
    percent_formatter,
    resolve_caution,
    subtitle,
    units_of,
)

#: One-line form of the split caveat written under the chart (the full text goes in the deck notes).
SHORT_CAVEAT = ("A weekly model does not see brand's long-term effect: read the best share as a lower bound "
                "for brand, and the norms as the long-term benchmark.")

def split_takeaway(table: pd.DataFrame, summary: dict[str, Any], units: Any = None) -> str:
    """The best brand share with its posterior range and how sure the model is about the direction
    of change (:func:`mmm.claims.split_claim`), e.g. "Best brand share of budget: 52% (90%: 34% to
    62%); 96% probability it is above today's 33%", or "The data cannot tell the best brand share:
    30% to 100% (90%); ..."."""
    s = dict(summary)
    if not np.isfinite(s.get("best_share", float("nan"))):
        s["best_share"] = float(table.loc[table["expected_kpi_mean"].idxmax(), "brand_share"])
    return split_claim(s).sentence


def plot_split(split: Any, *, units: Any = None, title: str | bool | None = None, approximate: bool | str | Caution | None = None,
               ax: Any = None, caveat: bool = True, budget: float | None = None, weeks: int = 13) -> Figure:
    """Expected KPI against the brand share of the budget, with its 90% band.

    The posterior 90% range of the best share is hatched, the shares within ``tolerance`` of
    the best on the mean curve shaded green, the best share a green line, the current split a
    dark dotted line and the published norms (B2B 46%, B2C 60% brand) grey dashed lines. The
    title states the best share with its posterior range, or says the data cannot tell it
    (:func:`mmm.claims.split_claim`).

    Parameters
    ----------
    split : SplitResult or DataFrame
        :func:`mmm.split.brand_split` result (``table``: ``brand_share, expected_kpi_mean,
        expected_kpi_hdi_low, expected_kpi_hdi_high``; ``summary``: ``best_share,
        share_range, current_share, norms, caveat``) or the table alone.
        A fitted model works too: the sweep is then run here for ``budget`` (default:
        current spend over ``weeks``).
    caveat : bool
        Write the summary's caveat (what a weekly model cannot see) under the chart.
    """
    if hasattr(split, "spec"):  # a fitted model: run the sweep first (analysis layer), then draw it
        units = split if units is None else units
        approximate = resolve_caution(approximate, split)
        split = split_for(split, budget, weeks=weeks)
    u = units_of(units)
    table = getattr(split, "table", split)
    s = split_summary(split)
    t = table.sort_values("brand_share")
    x = t["brand_share"].to_numpy(float)
    fig, ax, standalone = panel(ax)
    with house_style():
        rng = s["share_range"]
        unc = s.get("best_share_uncertainty") or {}
        if unc.get("low") is not None and unc.get("high") is not None:
            ax.axvspan(float(unc["low"]), float(unc["high"]), facecolor="none", edgecolor=lighten(MODEL_COLOR, 0.6),
                       hatch="//", lw=0, zorder=0,
                       label=f"Best share, 90% posterior range {pct(unc['low'])}-{pct(unc['high'])}")
        if rng is not None:
            tol = s.get("tolerance")
            within = f"Within {pct(tol)} of the best" if tol is not None and np.isfinite(tol) else "Near the best"
            ax.axvspan(rng[0], rng[1], color=lighten(MODEL_COLOR, 0.82), lw=0, zorder=0,
                       label=f"{within} (mean curve) {pct(rng[0])}-{pct(rng[1])}")
        ax.fill_between(x, t["expected_kpi_hdi_low"], t["expected_kpi_hdi_high"], color="#BBBBBB", alpha=0.45, lw=0,
                        label="90% interval")
        ax.plot(x, t["expected_kpi_mean"], color=MODEL_COLOR, lw=3.2, label=f"Expected {u.kpi_word}")
        ymin = float(np.nanmin(t["expected_kpi_hdi_low"]))
        ymax = float(np.nanmax(t["expected_kpi_hdi_high"]))
        span = ymax - ymin or abs(ymax) * 0.1 or 1.0
        two_rows = unc.get("low") is not None and rng is not None  # four legend entries: two rows
        ax.set_ylim(ymin - (0.4 if two_rows else 0.22) * span, ymax + 0.34 * span)
        y_text = ymax + 0.31 * span
        box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9}

        def side(v: float, text: str) -> tuple[str, str]:
            return ("right", text.strip() + " ") if v > 0.86 else ("left", text)

        best = s["best_share"]
        if np.isfinite(best):
            ax.axvline(best, color=MODEL_COLOR, lw=2.5)
            ha, txt = side(best, f" Best {pct(best)}")
            ax.text(best, y_text, txt, color=MODEL_COLOR, fontweight="bold", ha=ha, va="top",
                    fontsize=FONT["legend"], bbox=box, zorder=10)
        cur = s["current_share"]
        if np.isfinite(cur):
            ax.axvline(cur, color=CURRENT_COLOR, lw=2.5, ls=":")
            ha, txt = side(cur, f" Now {pct(cur)}")
            ax.text(cur, y_text - 0.09 * span, txt, color=CURRENT_COLOR, fontweight="bold",
                    ha=ha, va="top", fontsize=FONT["legend"], bbox=box, zorder=10)
        for i, (name, v) in enumerate(sorted(s["norms"].items(), key=lambda kv: kv[1])):
            main = name == s.get("main_norm")
            ax.axvline(v, color=NORM_COLOR, lw=2.4 if main else 1.6, ls="--")
            ha, txt = side(v, f" {name} {pct(v)}")
            ax.text(v, y_text - (0.18 + 0.09 * (i % 2)) * span, txt, color=NORM_COLOR, ha=ha,
                    va="top", fontsize=FONT["legend"], fontweight="bold" if main else "normal", bbox=box, zorder=10)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(percent_formatter())
        ax.set_xlabel("Brand share of the budget  (rest: performance)")
        ax.yaxis.set_major_formatter(kpi_formatter(u))
        ax.set_ylabel(f"Expected {u.kpi_word}")
        ax.legend(loc="lower center", ncols=3 if len(ax.get_legend_handles_labels()[1]) <= 3 else 2,
                  fontsize=FONT["legend"])
        ax.tick_params(axis="x", colors="#333333")
        subtitle(ax, f"Expected {u.kpi_word} of the budget at each brand / performance split (90% band)",
                 standalone=standalone)
    note = SHORT_CAVEAT if caveat and standalone and s.get("caveat") else None
    return finish(fig, title=title, auto=split_takeaway(t, s, u), approximate=approximate, ax=ax,
                  standalone=standalone, note=note)
