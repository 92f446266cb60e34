"""Charts of many fits: the portfolio (``fit-many``), the backtest and the comparison of model
forms. Each draws only the table it is given, in the house style of :mod:`mmm.plots.style`, and
returns a matplotlib ``Figure``; :func:`save_chart` writes it as PNG (and SVG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HEALTH_COLORS = {"ok": "#2E7D32", "review": "#B35806", "do not use": "#C62828"}


def save_chart(fig: Any, path: str | Path, svg: bool = False) -> list[Path]:
    """Write ``fig`` to ``path`` (PNG, 150 dpi; with ``svg`` also beside it), atomically."""
    from mmm.atomic import atomic_path

    path = Path(path)
    written = []
    for suffix in (".png", ".svg") if svg else (".png",):
        target = path.with_suffix(suffix)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=suffix[1:], dpi=150)
        written.append(target)
    return written


def plot_portfolio(summary: pd.DataFrame, return_name: str = "ROAS") -> Any:
    """Total media return per fit with its health, and R² beside it; failed fits named below."""
    from mmm.plots.style import FONT, TEXT_GREY, finish, new_figure

    ok = summary[summary["status"] != "failed"].sort_values("total_media_roas")
    failed = summary[summary["status"] == "failed"]
    fig, ax = new_figure(figsize=(13.33, max(4.0, 1.2 + 0.45 * max(len(ok), 1))))
    y = np.arange(len(ok))
    colors = [HEALTH_COLORS.get(h, TEXT_GREY) for h in ok["health"]]
    ax.barh(y, ok["total_media_roas"], color=colors)
    ax.set_yticks(y, ok["name"])
    for yi, (roas, r2) in enumerate(zip(ok["total_media_roas"], ok["r2"], strict=True)):
        ax.text(roas, yi, f"  {roas:.2f}  (R² {r2:.2f})", va="center", fontsize=FONT["note"], color=TEXT_GREY)
    ax.set_xlabel(f"total media {return_name} (all channels, training weeks)")
    for health, color in HEALTH_COLORS.items():
        ax.bar(0, 0, color=color, label=f"health: {health}")
    ax.legend(loc="lower right")
    note = (f"Failed ({len(failed)}): " + ", ".join(failed["name"]) + "; see summary.csv") if len(failed) else None
    best = ok.iloc[-1]["name"] if len(ok) else "none"
    return finish(fig, title=None, auto=f"{len(ok)} fits: highest total media {return_name} in {best}", note=note)


def plot_backtest(folds: pd.DataFrame, roas: pd.DataFrame, return_name: str = "ROAS", *, title: str | None = None,
                  approximate: Any = None, colors: dict[str, str] | None = None) -> Any:
    """Left: out-of-sample MAPE and 90% coverage per fold; right: each channel's ROAS and 90% HDI
    per fold (stable ROAS: intervals that overlap across folds).

    ``title``: the takeaway (default: MAPE and coverage over the folds); ``approximate``: the
    watermark of a fit not fit to present (see :func:`mmm.plots.style.finish`); ``colors``: the
    channels' colours (default: by name, as :func:`mmm.plots.style.channel_colors` gives them;
    the report passes the spec's, so that a channel has the same colour on every slide)."""
    from mmm.plots.style import MODEL_COLOR, NORM_COLOR, channel_colors, finish, label, new_figure

    fig, (a1, a2) = new_figure(1, 2)
    x = folds["fold"].to_numpy()
    a1.bar(x, folds["mape"] * 100, color=MODEL_COLOR, alpha=0.8, label="MAPE %")
    a1.set_xlabel("fold (origin moves later)")
    a1.set_ylabel("out-of-sample MAPE, %")
    a1b = a1.twinx()
    a1b.plot(x, folds["coverage_90"] * 100, "o-", color="#1A1A1A", label="90% interval coverage")
    a1b.axhline(90, color=NORM_COLOR, ls="--", lw=1)
    a1b.set_ylim(0, 105)
    a1b.set_ylabel("weeks inside the 90% interval, %")
    a1.set_title("Forecast error and coverage per fold", loc="left")
    channels = list(dict.fromkeys(roas["channel"]))
    colors = {**channel_colors(channels), **(colors or {})}
    width = 0.8 / max(len(channels), 1)
    for j, ch in enumerate(channels):
        r = roas[roas["channel"] == ch]
        xs = r["fold"].to_numpy() + (j - (len(channels) - 1) / 2) * width
        a2.errorbar(xs, r["roas_mean"], yerr=[r["roas_mean"] - r["roas_hdi_low"], r["roas_hdi_high"] - r["roas_mean"]],
                    fmt="o", color=colors[ch], label=label(ch), capsize=3)
    a2.set_xlabel("fold")
    a2.set_ylabel(f"{return_name} (90% HDI)")
    a2.set_title(f"{return_name} by channel across folds", loc="left")
    a2.legend(loc="upper left", fontsize=12)
    cov = float(folds["coverage_90"].mean())
    return finish(fig, title=title, auto=f"Out of sample: MAPE {folds['mape'].mean():.1%}, "
                                         f"{cov:.0%} of weeks inside the 90% interval over {len(folds)} folds",
                  approximate=approximate)


def plot_compare(table: pd.DataFrame, label: str = "variant") -> Any:
    """Each variant's LOO expected log predictive density relative to the best, with 2 standard
    errors of the difference (variants whose bar crosses 0 cannot be told apart from the best)."""
    from mmm.plots.style import MODEL_COLOR, NORM_COLOR, TEXT_GREY, finish, new_figure

    t = table.sort_values("elpd_loo")
    fig, ax = new_figure(figsize=(13.33, max(4.0, 1.5 + 0.6 * len(t))))
    y = np.arange(len(t))
    diff = -t["elpd_diff"].to_numpy()
    err = 2 * np.nan_to_num(t["diff_se"].to_numpy())
    colors = [MODEL_COLOR if d == 0 else (TEXT_GREY if not tell else "#C62828")
              for d, tell in zip(diff, t["distinguishable"], strict=True)]
    ax.errorbar(diff, y, xerr=err, fmt="none", ecolor=NORM_COLOR, capsize=4)
    ax.scatter(diff, y, color=colors, s=80, zorder=3)
    ax.axvline(0, color=NORM_COLOR, lw=1, ls="--")
    names = [f"{n}  (w {w:.2f})" if "weight" in t else n for n, w in
             zip(t[label], t["weight"] if "weight" in t else [0] * len(t), strict=True)]
    ax.set_yticks(y, names)
    ax.set_xlabel("elpd (LOO) minus the best variant's, ± 2 SE of the difference")
    best = t.iloc[-1][label]
    tied = t[(~t["distinguishable"]) & (t["elpd_diff"] > 0)][label].tolist()
    auto = (f"Best by LOO: {best}" + (f"; cannot be told apart from {', '.join(tied)}" if tied else
                                      "; clearly ahead of the others"))
    return finish(fig, title=None, auto=auto)
