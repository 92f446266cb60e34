"""The geo slide: how media returns differ across geos.

Drawn from a geo fit's tables (:meth:`mmm.geo.fit.GeoFit.media_roas_by_geo`,
:meth:`~mmm.geo.fit.GeoFit.channels_by_geo`, :meth:`~mmm.geo.fit.GeoFit.channel_summary`), so
it reads at slide size with 40 or more geos: the geos with the highest and lowest return on all
media (with intervals), and each channel's geo returns as dots around its national return.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def plot_geo_roas(by_geo: pd.DataFrame, media_by_geo: pd.DataFrame, national: pd.DataFrame, *, top: int = 8,
                  prob: float = 0.9, title: str | bool | None = None, approximate: Any = False) -> Any:
    """ROAS by geo: top and bottom ``top`` geos on all media with ``prob`` intervals (left), and
    every geo's ROAS per channel around the national ROAS (right).

    Parameters
    ----------
    by_geo : DataFrame
        ``channels_by_geo.csv``: ``geo, channel, roas_mean`` (one row per geo and channel).
    media_by_geo : DataFrame
        ``geo, roas_mean, roas_hdi_low, roas_hdi_high``: each geo's return on all media.
    national : DataFrame
        The national channel table: ``channel, roas_mean, roas_hdi_low, roas_hdi_high``.
    top : int
        Geos shown at each end (all of them when there are at most ``2 * top``).
    prob : float
        The interval probability of the tables (for the labels).
    title, approximate
        As every chart of :mod:`mmm.plots` (:func:`mmm.plots.style.finish`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from mmm.plots.style import FONT, finish, house_style, new_figure, ratio_formatter

    m = media_by_geo.sort_values("roas_mean", ascending=True).reset_index(drop=True)
    shown = m if len(m) <= 2 * top else pd.concat([m.head(top), m.tail(top)], ignore_index=True)
    fig, (left, right) = new_figure(1, 2, gridspec_kw={"width_ratios": [1.0, 1.15]})
    with house_style():
        y = np.arange(len(shown), dtype=float)
        if len(m) > 2 * top:
            y[top:] += 0.8                                       # a gap between bottom and top geos
        colors = ["#B2182B" if i < min(top, len(shown) // 2) else "#1F4E9A" for i in range(len(shown))]
        left.errorbar(shown.roas_mean, y, xerr=[np.maximum(shown.roas_mean - shown.roas_hdi_low, 0),
                                                np.maximum(shown.roas_hdi_high - shown.roas_mean, 0)],
                      fmt="none", ecolor="#555555", elinewidth=2, capsize=3)
        left.scatter(shown.roas_mean, y, c=colors, s=70, zorder=3)
        left.set_yticks(y, [str(g) for g in shown.geo])
        total = float((national.roas_mean * national.spend).sum() / national.spend.sum()) \
            if "spend" in national and national.spend.sum() > 0 else float(np.nan)
        if np.isfinite(total):
            left.axvline(total, color="#E8702A", lw=2.5, ls="--")
            left.text(total, 0.01, f" national {total:.2f}x", color="#E8702A", transform=left.get_xaxis_transform(),
                      va="bottom", fontsize=FONT["legend"], fontweight="bold")
        which = f"top, bottom {top} of {len(m)} geos" if len(m) > 2 * top else f"all {len(m)} geos"
        left.set_title(f"All media: {which}, {prob:.0%}", loc="left", fontsize=FONT["panel_title"])
        left.xaxis.set_major_formatter(ratio_formatter())
        chans = list(national.channel)
        for i, ch in enumerate(chans):
            pts = by_geo.loc[by_geo.channel == ch, "roas_mean"].dropna().to_numpy()
            jitter = (np.random.default_rng(i).random(len(pts)) - 0.5) * 0.35
            right.scatter(pts, i + jitter, s=22, color="#8DA0CB", alpha=0.8, zorder=2)
            r = national.iloc[i]
            right.errorbar([r.roas_mean], [i], xerr=[[max(r.roas_mean - r.roas_hdi_low, 0)],
                                                     [max(r.roas_hdi_high - r.roas_mean, 0)]],
                           fmt="D", color="#111111", ms=9, elinewidth=2.5, capsize=4, zorder=3)
        right.set_yticks(range(len(chans)), chans)
        right.invert_yaxis()
        right.set_title("Each geo (dots), national (◆)", loc="left",
                        fontsize=FONT["panel_title"])
        right.xaxis.set_major_formatter(ratio_formatter())
    hi, lo = m.iloc[-1], m.iloc[0]
    auto = (f"Media returns differ by geo: {hi.geo} {hi.roas_mean:.1f}x [{hi.roas_hdi_low:.1f}-{hi.roas_hdi_high:.1f}] "
            f"vs {lo.geo} {lo.roas_mean:.1f}x [{lo.roas_hdi_low:.1f}-{lo.roas_hdi_high:.1f}]")
    return finish(fig, title=title, auto=auto, approximate=approximate, standalone=True)
