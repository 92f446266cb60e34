"""Carryover (adstock): how a week's spend spreads its effect over the following weeks."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from mmm.analysis import carryover_table, effect_weeks
from mmm.claims import carryover_claim, carryover_wording, rank_claim
from mmm.plots.style import (
    FONT,
    Caution,
    colors_for,
    finish,
    house_style,
    label,
    new_figure,
    percent_formatter,
    resolve_caution,
    root_figure,
)


def plot_carryover(data: Any, *, units: Any = None, title: str | bool | None = None, approximate: bool | str | Caution | None = None,
                   ax: Any = None, colors: dict[str, str] | None = None, bands: bool = True) -> Figure:
    """Share of a week's spend effect landing in each following week, per channel (median and 90% band).

    Parameters
    ----------
    data : DataFrame or FittedModel
        :func:`carryover_table` or the fitted model.
    bands : bool
        Draw the 90% bands (default True).
    """
    if hasattr(data, "params"):
        units = data if units is None else units
        approximate = resolve_caution(approximate, data)
        data = carryover_table(data)
    t = data
    col = colors_for(t, colors, units)
    ew = effect_weeks(t).set_index("channel")
    names = list(dict.fromkeys(t["channel"]))
    order = [c for c in col if c in names] + [c for c in names if c not in col]
    roles = dict(zip(t["channel"], t["role"], strict=False))
    order = sorted(order, key=lambda c: (roles.get(c) != "brand", order.index(c)))
    if ax is not None:
        fig = root_figure(ax)
        standalone = False
        with house_style():
            for c in order:
                g = t[t["channel"] == c].sort_values("week")
                n = int(ew.loc[c, "weeks_to_share"])
                ax.plot(g["week"], g["weight_median"], color=col.get(c, "#888888"), lw=3, marker="o", ms=6,
                        label=f"{label(c)}: {n} wk{'s' if n > 1 else ''}")
            L = int(t["week"].max()) + 1
            ax.set_xlim(-0.3, L - 0.7)
            ax.set_xlabel("Weeks after spend")
            ax.set_ylabel("Share of effect")
            ax.yaxis.set_major_formatter(percent_formatter())
            ax.set_ylim(bottom=0)
            ax.legend(loc="upper right", fontsize=FONT["legend"] - 1, title="90% of effect within",
                      title_fontsize=FONT["legend"] - 1)
    else:
        standalone = True
        n = len(order)
        ncols = n if n <= 3 else (2 if n == 4 else 3)
        nrows = int(np.ceil(n / ncols))
        fig, axes = new_figure(nrows, ncols, sharey=True)
        axes = np.atleast_1d(axes).ravel()
        L = int(t["week"].max()) + 1
        with house_style():
            for i, c in enumerate(order):
                a = axes[i]
                g = t[t["channel"] == c].sort_values("week")
                color = col.get(c, "#888888")
                w = g["weight_median"].to_numpy(float)
                a.bar(g["week"], w, width=0.75, color=color)
                if bands:
                    a.errorbar(g["week"], w, yerr=[np.maximum(w - g["weight_low"], 0), np.maximum(g["weight_high"] - w, 0)],
                               fmt="none", ecolor="#333333", elinewidth=1.4, capsize=3)
                nw = int(ew.loc[c, "weeks_to_share"])
                a.set_title(f"{label(c)}{' (brand)' if roles.get(c) == 'brand' else ''}", loc="left",
                            color=color, fontweight="bold", fontsize=FONT["panel_title"])
                pk = int(ew.loc[c, "peak_week"])
                peak_txt = f"peak: week {pk}\n" if ew["peak_week"].max() > 0 else ""
                a.text(0.97, 0.93, f"{peak_txt}90% within {nw} wk{'s' if nw > 1 else ''}", transform=a.transAxes,
                       ha="right", va="top", fontsize=FONT["legend"], color="#222222")
                a.set_xlim(-0.6, L - 0.4)
                step = 1 if L <= 9 else 2
                a.set_xticks(range(0, L, step))
                a.yaxis.set_major_formatter(percent_formatter())
                a.grid(axis="y", visible=True)
                if i % ncols == 0:
                    a.set_ylabel("Share of effect")
                if i >= n - ncols:
                    a.set_xlabel("Weeks after spend")
            for a in axes[n:]:
                a.set_axis_off()
            if len(axes) > n:
                axes[n].text(0.5, 0.5, "Bars: share of a week's effect\nlanding each week after the spend\n"
                             "(0 = the same week; median,\nwith 90% interval)", ha="center", va="center",
                             transform=axes[n].transAxes, fontsize=FONT["legend"], color="#444444")
    longest = ew["weeks_to_share"].idxmax()
    shortest = ew["weeks_to_share"].idxmin()
    n_long = int(ew.loc[longest, "weeks_to_share"])
    peak = int(ew.loc[longest, "peak_week"])
    peaks = ew["peak_week"]
    if peak >= 2 or peaks.max() >= 2:
        lo_p, hi_p = int(peaks.min()), int(peaks.max())
        when = f"{lo_p}-{hi_p}" if lo_p != hi_p else f"{hi_p}"
        auto = (f"Spend pays back with a delay: effects peak {when} week{'s' if hi_p != 1 else ''} after spend "
                f"and 90% lands within {n_long} weeks")
        return finish(fig, title=title, auto=auto, approximate=approximate, ax=ax, standalone=standalone)
    claim = carryover_claim(t)
    if claim.confident:
        longest = claim.winner
        n_long = int(ew.loc[longest, "weeks_to_share"])
        auto = rank_claim(claim.probs, carryover_wording(), value=f"90% of it within {n_long} weeks").sentence \
            if claim.probs else claim.sentence
    else:
        auto = claim.sentence
        return finish(fig, title=title, auto=auto, approximate=approximate, ax=ax, standalone=standalone)
    others = ew.drop(index=longest)["weeks_to_share"]
    if len(others) and shortest != longest:
        n_short = int(ew.loc[shortest, "weeks_to_share"])
        if (others == n_short).all():
            auto += f"; {'the others' if len(others) > 1 else label(shortest)} within {n_short} wk{'s' if n_short > 1 else ''}"
        else:
            auto += f"; {label(shortest)} within {n_short} wk{'s' if n_short > 1 else ''}"
    return finish(fig, title=title, auto=auto, approximate=approximate, ax=ax, standalone=standalone)
