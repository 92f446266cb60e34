"""The backtest slide of a report's appendix: the chart of ``mmm backtest`` and one honest line.

``mmm report OUT`` looks for the results of ``mmm backtest`` in ``OUT/backtest/`` (what
``mmm backtest CONFIG --out OUT/backtest`` writes) and then in ``OUT`` itself (``--out OUT``):
``backtest.csv`` (``fold, origin, horizon, mape, crps, coverage_90``) and ``backtest_roas.csv``
(``fold, channel, roas_mean, roas_hdi_low, roas_hdi_high``). When it finds them, the appendix
gets a slide whose title is :attr:`BacktestSummary.sentence`: the share of held-out weeks inside
the 90% intervals over all folds, the mean MAPE and its range across folds, and whether each
channel's ROAS was stable across folds (its 90% intervals share a value in every fold). The
numbers are read from the CSVs; nothing is refitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.report.charts import ChartSpec

#: Subfolder of a fit folder where ``mmm report`` looks first: ``mmm backtest CONFIG --out OUT/backtest``.
BACKTEST_FOLDER = "backtest"
FOLDS_FILE = "backtest.csv"
ROAS_FILE = "backtest_roas.csv"
FOLD_COLUMNS = ("fold", "origin", "horizon", "mape", "crps", "coverage_90")
ROAS_COLUMNS = ("fold", "channel", "roas_mean", "roas_hdi_low", "roas_hdi_high")
#: File stem of the chart in ``charts/`` (after the mediation, funnel and geo charts' numbers).
CHART_NAME = "13_backtest"


@dataclass(frozen=True)
class BacktestSummary:
    """What a backtest's tables say, in numbers.

    Attributes
    ----------
    source : Path
        The ``backtest.csv`` read.
    folds, failed : int
        Folds in the table, and those without scores (their fit failed).
    horizons : tuple of int
        The distinct horizons (weeks predicted per fold).
    coverage_90 : float
        Share of all held-out weeks inside their central 90% predictive interval (folds weighted
        by their weeks), as ``mmm backtest`` reports it.
    mape_mean, mape_min, mape_max : float
        Mean out-of-sample MAPE over the scored folds, and its range.
    stable, unstable : tuple of str
        Channels whose 90% ROAS intervals do / do not share a value across every fold (empty with
        fewer than two folds of ROAS).
    """

    source: Path
    folds: int
    failed: int
    horizons: tuple[int, ...]
    coverage_90: float
    mape_mean: float
    mape_min: float
    mape_max: float
    stable: tuple[str, ...]
    unstable: tuple[str, ...]

    @property
    def scored(self) -> int:
        return self.folds - self.failed

    @property
    def sentence(self) -> str:
        """One line: coverage, MAPE and ROAS stability across folds (the slide's title)."""
        h = self.horizons
        weeks = f"{h[0]}-week" if len(h) == 1 else f"{min(h)}-{max(h)}-week"
        text = (f"Backtest, {self.scored} folds of {weeks} forecasts: {self.coverage_90:.0%} of held-out weeks "
                f"inside the 90% intervals (about 90% is right), MAPE {self.mape_mean:.1%} "
                f"({self.mape_min:.1%} to {self.mape_max:.1%})")
        if self.stable and not self.unstable:
            text += f"; ROAS stable across folds for all {len(self.stable)} channels"
        elif self.unstable:
            text += f"; ROAS not stable across folds for {_names(self.unstable)}"
            if self.stable:
                text += f", stable for {_names(self.stable)}"
        if self.failed:
            text += f"; {self.failed} of {self.folds} folds failed"
        return text


def _names(names: tuple[str, ...]) -> str:
    from mmm.format import label

    names = tuple(label(n) for n in names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def find_backtest(outdir: str | Path) -> Path | None:
    """The ``backtest.csv`` of a fit folder: ``OUT/backtest/backtest.csv``, else ``OUT/backtest.csv``,
    else None."""
    out = Path(outdir)
    for path in (out / BACKTEST_FOLDER / FOLDS_FILE, out / FOLDS_FILE):
        if path.is_file():
            return path
    return None


def read_backtest(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``backtest.csv`` and the ``backtest_roas.csv`` beside it (empty when missing).

    Raises
    ------
    DataError
        When a file lacks one of its columns, or has no folds.
    """
    path = Path(path)
    folds = pd.read_csv(path)
    roas_path = path.with_name(ROAS_FILE)
    roas = pd.read_csv(roas_path) if roas_path.is_file() else pd.DataFrame(columns=list(ROAS_COLUMNS))
    for frame, cols, where in ((folds, FOLD_COLUMNS, path), (roas, ROAS_COLUMNS, roas_path)):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise DataError(f"'{where}' has no column {', '.join(missing)}; it is not a table written by "
                            "`mmm backtest`. Run `mmm backtest CONFIG --out FOLDER` again.")
    if folds.empty:
        raise DataError(f"'{path}' has no folds. Run `mmm backtest CONFIG --out FOLDER` again.")
    for col in ("horizon", "mape", "crps", "coverage_90"):
        folds[col] = pd.to_numeric(folds[col], errors="coerce")
    for col in ("roas_mean", "roas_hdi_low", "roas_hdi_high"):
        roas[col] = pd.to_numeric(roas[col], errors="coerce")
    roas["channel"] = roas["channel"].astype(str)
    return folds, roas


def summarize_backtest(folds: pd.DataFrame, roas: pd.DataFrame, source: str | Path = FOLDS_FILE) -> BacktestSummary:
    """The numbers of :class:`BacktestSummary` from the two tables.

    Coverage is over all held-out weeks (each fold's coverage weighted by its horizon); MAPE is
    the plain mean over scored folds. A channel's ROAS is stable when the highest lower end of its
    90% intervals across folds is at most the lowest upper end (the intervals share a value).
    """
    scored = folds.dropna(subset=["mape", "coverage_90"])
    if scored.empty:
        raise DataError(f"'{source}': every fold of the backtest failed; there is nothing to show.")
    weeks = scored["horizon"].to_numpy(dtype=float)
    coverage = float((scored["coverage_90"].to_numpy(dtype=float) * weeks).sum() / weeks.sum())
    mape = scored["mape"].to_numpy(dtype=float)
    stable, unstable = [], []
    good = roas.dropna(subset=["roas_hdi_low", "roas_hdi_high"])
    good = good[good["fold"].isin(scored["fold"])]
    for channel, rows in good.groupby("channel", sort=False):
        if rows["fold"].nunique() < 2:
            continue
        overlap = rows["roas_hdi_low"].max() <= rows["roas_hdi_high"].min()
        (stable if overlap else unstable).append(str(channel))
    horizons = tuple(sorted({int(h) for h in weeks}))
    return BacktestSummary(source=Path(source), folds=len(folds), failed=len(folds) - len(scored), horizons=horizons,
                           coverage_90=coverage, mape_mean=float(np.mean(mape)), mape_min=float(np.min(mape)),
                           mape_max=float(np.max(mape)), stable=tuple(stable), unstable=tuple(unstable))


def backtest_charts(fitted: Any, source: str | Path) -> list[ChartSpec]:
    """The appendix chart of the backtest in ``source`` (a ``backtest.csv``): the chart of
    :func:`mmm.many.charts.plot_backtest` with :attr:`BacktestSummary.sentence` as its title.

    Raises
    ------
    DataError
        When the tables cannot be read, or are about channels this model does not have.
    """
    from mmm.many.charts import plot_backtest
    from mmm.plots.style import caution_of, channel_colors, units_of

    folds, roas = read_backtest(source)
    channels = set(fitted.spec.channel_names)
    other = sorted(set(roas["channel"]) - channels)
    if other:
        raise DataError(f"the backtest in '{source}' has channels this model does not have ({', '.join(other)}): "
                        "it was run on another spec. Run `mmm backtest` on this model's spec again.")
    summary = summarize_backtest(folds, roas, source)
    scored = folds.dropna(subset=["mape", "coverage_90"])
    kind = units_of(fitted).kind
    caution = caution_of(fitted)
    notes = (f"Rolling-origin backtest read from {source}: each fold refits the model on the weeks before its "
             f"origin and predicts the next weeks from their spend (spend before the origin carries over). Left: "
             "out-of-sample MAPE (bars) and the share of held-out weeks inside the 90% predictive interval "
             f"(line; about 90% is right) per fold. Right: each channel's {kind.return_name} with its 90% "
             "interval in every fold; a channel is called stable when its intervals share a value across "
             "all folds. Coverage is over all held-out weeks; MAPE is the mean over folds.")
    colors = channel_colors(fitted)
    return [ChartSpec(CHART_NAME, lambda: plot_backtest(scored, roas, kind.return_name, title=summary.sentence,
                                                        approximate=caution, colors=colors),
                      notes, appendix=True)]
