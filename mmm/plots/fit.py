"""Model fit: actual vs fitted KPI over time, with the 90% predictive band and the holdout shaded."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mmm.analysis import fit_quality
from mmm.plots.style import (
    ACTUAL_COLOR,
    FONT,
    MODEL_COLOR,
    TEXT_GREY,
    Caution,
    date_axis,
    finish,
    house_style,
    kpi_formatter,
    lighten,
    panel,
    pct,
    resolve_caution,
    subtitle,
    units_of,
)


def fit_takeaway(table: pd.DataFrame, units: Any = None) -> str:
    """ "Model tracks weekly revenue closely: R² 0.94, typical error 4%" (+ holdout)."""
    u = units_of(units)
    q = fit_quality(table)
    r2, mp = q["r2"], q["mape"]
    how = "closely" if r2 >= 0.9 else ("well" if r2 >= 0.75 else ("reasonably" if r2 >= 0.5 else "loosely"))
    text = f"Model tracks weekly {u.kpi_word} {how}: R² {r2:.2f}, {pct(mp)} typical error"
    if q["holdout_weeks"]:
        text += f"; {pct(q['holdout_mape'])} on {q['holdout_weeks']} unseen weeks"
    return text


def plot_fit(data: Any, *, units: Any = None, title: str | bool | None = None, approximate: bool | str | Caution | None = None,
             ax: Any = None, prob: float = 0.9) -> Figure:
    """Actual vs fitted KPI per week with the model's 90% predictive band; holdout weeks shaded.

    Parameters
    ----------
    data : DataFrame or FittedModel
        :meth:`FittedModel.fit_table` (``date, actual, fitted, fitted_low, fitted_high,
        holdout``) or the fitted model itself.
    units : Spec, FittedModel, Units or KPI type, optional
        Units and wording (default: revenue in USD; taken from the model when ``data`` is one).
    title : str, False or None
        Takeaway title; ``None`` writes one from the fit quality, ``False`` none.
    approximate : bool, optional
        Mark the chart APPROXIMATE (default: the model's flag, else False).
    ax : matplotlib Axes, optional
        Draw into this axes (the takeaway becomes its title).
    """
    if hasattr(data, "fit_table"):
        units = data if units is None else units
        approximate = resolve_caution(approximate, data)
        data = data.fit_table(prob)
    u = units_of(units)
    t = data
    fig, ax, standalone = panel(ax)
    with house_style():
        dates = pd.to_datetime(t["date"])
        ax.fill_between(dates, t["fitted_low"], t["fitted_high"], color=lighten(MODEL_COLOR, 0.72), lw=0,
                        label=f"{prob:.0%} interval")
        ax.plot(dates, t["fitted"], color=MODEL_COLOR, lw=2.5, label="Model")
        ax.plot(dates, t["actual"], color=ACTUAL_COLOR, lw=1.4, marker="o", ms=3.5, label="Actual")
        hold = t["holdout"].to_numpy(bool) if "holdout" in t else np.zeros(len(t), bool)
        if hold.any():
            first = dates[np.argmax(hold)]
            step = (dates.iloc[1] - dates.iloc[0]) if len(dates) > 1 else pd.Timedelta(days=7)
            ax.axvspan(first - step / 2, dates.iloc[-1] + step / 2, color="#F3E5C8", alpha=0.7, lw=0, zorder=0,
                       label="Holdout (not used to fit)")
            ax.text(first, 1.0, "  Holdout", transform=ax.get_xaxis_transform(), ha="left", va="top",
                    color="#8A6D1F", fontsize=FONT["legend"], fontweight="bold")
        ax.yaxis.set_major_formatter(kpi_formatter(u))
        ax.set_ylabel(f"Weekly {u.kpi_label[0].lower() + u.kpi_label[1:]}")
        date_axis(ax)
        lo = float(np.nanmin([t["actual"].min(), t["fitted_low"].min()]))
        hi = float(np.nanmax([t["actual"].max(), t["fitted_high"].max()]))
        pad = 0.08 * (hi - lo)
        ax.set_ylim(max(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad * 2.2)
        ax.set_xlim(dates.iloc[0] - pd.Timedelta(days=4), dates.iloc[-1] + pd.Timedelta(days=4))
        ax.legend(loc="upper left", ncols=4, fontsize=FONT["legend"], handlelength=1.6)
        subtitle(ax, f"Weekly {u.kpi_word}: actual vs model, with the model's {prob:.0%} predictive interval",
                 standalone=standalone)
        ax.tick_params(axis="x", colors=TEXT_GREY)
    return finish(fig, title=title, auto=fit_takeaway(t, u), approximate=approximate, ax=ax,
                  standalone=standalone)
