"""What drove the KPI: stacked contributions over time and a waterfall for a period.

The tables drawn (:func:`mmm.analysis.waterfall_table`, the period in words) come from the analysis layer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mmm.analysis import channel_roles, period_text, split_columns, waterfall_table
from mmm.claims import contribution_claim, embed
from mmm.plots.style import (
    ACTUAL_COLOR,
    BASELINE_COLOR,
    CONTROLS_COLOR,
    FONT,
    MODEL_COLOR,
    Caution,
    channel_colors,
    date_axis,
    finish,
    house_style,
    kpi_formatter,
    label,
    panel,
    pct,
    resolve_caution,
    subtitle,
    text_color_on,
    units_of,
    wrap_label,
)


def _colors(units: Any, channels: list[str], roles: dict[str, str], colors: dict[str, str] | None) -> dict[str, str]:
    if colors is not None:
        return colors
    spec = getattr(units, "spec", units)
    if hasattr(spec, "channels") and hasattr(spec, "kpi"):
        return channel_colors(spec)
    return channel_colors(channels, [roles[c] for c in channels])


def _ordered(channels: list[str], roles: dict[str, str], colors: dict[str, str]) -> list[str]:
    pos = {n: i for i, n in enumerate(colors)}
    return sorted(channels, key=lambda c: (roles[c] != "brand", pos.get(c, 1e9)))


def _controls_label(controls: list[str]) -> str:
    if not controls:
        return "Controls"
    if len(controls) <= 2:
        return "Controls (" + ", ".join(label(c).lower() for c in controls) + ")"
    return "Controls"


def plot_contributions(data: Any, *, units: Any = None, title: str | bool | None = None,
                       approximate: bool | str | Caution | None = None, ax: Any = None, channels: list[str] | None = None,
                       controls: list[str] | None = None, roles: dict[str, str] | None = None,
                       colors: dict[str, str] | None = None) -> Figure:
    """Stacked weekly contribution: baseline, controls and each channel, with the actual KPI on top.

    Parameters
    ----------
    data : DataFrame or FittedModel
        :meth:`FittedModel.contributions` (``date, actual, fitted, baseline``, one column
        per channel and per control) or the fitted model (then the title names the largest
        channel only as far as the posterior supports it, see :func:`mmm.claims.contribution_claim`;
        from a table of means it says "on the model means").
    units : Spec, FittedModel, Units or KPI type, optional
        Units, wording, and (spec / model) which columns are channels, their roles and colours.
    channels, controls, roles, colors : optional
        Override what the spec would say (for tables without a spec).
    """
    claim = None
    if hasattr(data, "contributions"):
        units = data if units is None else units
        approximate = resolve_caution(approximate, data)
        claim = contribution_claim(data)
        data = data.contributions()
    u = units_of(units)
    t = data
    chans, ctrls = split_columns(t, units, channels, controls)
    rl = channel_roles(units, chans, roles)
    col = _colors(units, chans, rl, colors)
    order = _ordered(chans, rl, col)
    fig, ax, standalone = panel(ax)
    dates = pd.to_datetime(t["date"])
    with house_style():
        layers = [t["baseline"].to_numpy(float)]
        names = ["Baseline"]
        cols = [BASELINE_COLOR]
        if ctrls:
            layers.append(t[ctrls].sum(axis=1).to_numpy(float))
            names.append(_controls_label(ctrls))
            cols.append(CONTROLS_COLOR)
        for c in order:
            layers.append(t[c].to_numpy(float))
            names.append(label(c) + (" (brand)" if rl[c] == "brand" else ""))
            cols.append(col[c])
        bottom = np.zeros(len(t))
        handles = []
        for y, name, c in zip(layers, names, cols, strict=True):
            ax.fill_between(dates, bottom, bottom + y, color=c, lw=0, step=None)
            bottom = bottom + y
            handles.append(Patch(color=c, label=name))
        line = ax.plot(dates, t["actual"], color=ACTUAL_COLOR, lw=1.3, marker="o", ms=3, label="Actual")[0]
        ax.yaxis.set_major_formatter(kpi_formatter(u))
        ax.set_ylabel(f"Weekly {u.kpi_label[0].lower() + u.kpi_label[1:]}")
        date_axis(ax)
        ax.set_xlim(dates.iloc[0] - pd.Timedelta(days=4), dates.iloc[-1] + pd.Timedelta(days=1))
        top = float(max(np.nanmax(bottom), t["actual"].max()))
        low = float(min(0.0, np.nanmin(t["baseline"])))
        ax.set_ylim(low, top * 1.05)
        ax.legend(handles=[line] + handles[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=FONT["legend"], borderaxespad=0)
        subtitle(ax, f"Weekly {u.kpi_word} by source, stacked (model means); {period_text(dates)}",
                 standalone=standalone)
    media = float(t[chans].to_numpy(float).sum()) if chans else 0.0
    total = float(t["fitted"].sum())
    share = media / total if total else float("nan")
    top_ch = max(chans, key=lambda c: float(t[c].sum())) if chans else None
    if not top_ch:
        auto = f"Baseline drives all {u.kpi_word}"
    elif claim is not None and len(chans) > 1:
        auto = f"Paid media drives {pct(share)} of {u.kpi_word}; {embed(claim.sentence)}"
    elif len(chans) > 1:
        auto = f"Paid media drives {pct(share)} of {u.kpi_word}; {label(top_ch)} the most on the model means"
    else:
        auto = f"Paid media drives {pct(share)} of {u.kpi_word}"
    return finish(fig, title=title, auto=auto, approximate=approximate, ax=ax, standalone=standalone)


def plot_waterfall(data: Any, *, units: Any = None, start: Any = None, end: Any = None,
                   title: str | bool | None = None, approximate: bool | str | Caution | None = None, ax: Any = None,
                   channels: list[str] | None = None, controls: list[str] | None = None,
                   roles: dict[str, str] | None = None, colors: dict[str, str] | None = None) -> Figure:
    """Waterfall of the KPI over a period: baseline, controls, each channel, and the total.

    Parameters
    ----------
    data : DataFrame or FittedModel
        :meth:`FittedModel.contributions` or the fitted model.
    start, end : date-like, optional
        The period (inclusive); default all weeks.
    """
    if hasattr(data, "contributions"):
        units = data if units is None else units
        approximate = resolve_caution(approximate, data)
        data = data.contributions()
    u = units_of(units)
    w = waterfall_table(data, units=units, start=start, end=end, channels=channels, controls=controls, roles=roles)
    chans = [n for n, k in zip(w["name"], w["kind"], strict=True) if k in ("brand", "performance")]
    rl = {n: k for n, k in zip(w["name"], w["kind"], strict=True) if k in ("brand", "performance")}
    col = _colors(units, chans, rl, colors)
    fig, ax, standalone = panel(ax)
    with house_style():
        running = 0.0
        x = np.arange(len(w))
        ticks = []
        total = float(w["value"].iloc[-1])
        for i, r in enumerate(w.itertuples()):
            if r.kind == "total":
                bottom, height, c = 0.0, r.value, MODEL_COLOR
                ticks.append(f"Total\n{u.kpi_word}")
            else:
                bottom, height = running, r.value
                running += r.value
                c = {"baseline": BASELINE_COLOR, "controls": CONTROLS_COLOR}.get(r.kind, col.get(r.name, "#888888"))
                ticks.append({"baseline": "Baseline", "controls": "Controls"}.get(r.kind, wrap_label(r.name, 9)))
            ax.bar(i, height, bottom=bottom, color=c, width=0.72, edgecolor="white", lw=0.8)
            if r.kind != "total" and i + 1 < len(w):
                ax.plot([i + 0.36, i + 0.64], [running, running], color="#999999", lw=1, ls=":")
            text = f"{u.kpi(r.value, unit=False)}\n{pct(r.share)}"
            big = abs(height) > 0.12 * abs(total) and (standalone or r.kind in ("baseline", "total"))
            y = bottom + height / 2 if big else max(bottom, bottom + height)
            ax.text(i, y, text if standalone else pct(r.share), ha="center", va="center" if big else "bottom",
                    fontsize=FONT["legend"],
                    color=text_color_on(c) if big else "#222222", fontweight="bold", linespacing=1.1)
        ax.set_xticks(x, ticks)
        ax.tick_params(axis="x", length=0)
        ax.yaxis.set_major_formatter(kpi_formatter(u))
        ax.set_ylabel(u.kpi_label)
        ax.set_xlim(-0.6, len(w) - 0.4)
        ax.set_ylim(min(0.0, float(np.cumsum(w["value"].iloc[:-1]).min())), total * 1.1)
        subtitle(ax, f"Where {u.kpi_word} came from: baseline, controls and each channel (model means, share of total)",
                 standalone=standalone)
        brand = [c for c in chans if rl[c] == "brand"]
        perf = [c for c in chans if rl[c] != "brand"]
        if brand and perf and standalone:
            ax.legend(handles=[Patch(color=col[brand[0]], label="Brand channels"),
                               Patch(color=col[perf[0]], label="Performance channels")],
                      loc="upper left", fontsize=FONT["legend"])
    media = float(w.loc[w["kind"].isin(["brand", "performance"]), "value"].sum())
    share = media / total if total else float("nan")
    auto = f"Paid media added {u.kpi(media)} ({pct(share)}) of {u.kpi_word}, {w.attrs['period']}"
    return finish(fig, title=title, auto=auto, approximate=approximate, ax=ax, standalone=standalone)
