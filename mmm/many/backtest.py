"""``mmm backtest CONFIG --folds 6 --horizon 13``: rolling-origin evaluation.

Fold ``k`` refits the model on the weeks before its origin and predicts the ``horizon`` weeks
from the origin on, from their spend and the carryover of the spend before the origin. Nothing
after the origin reaches the fit: each fold's data ends ``horizon`` weeks after its origin (the
spec's ``window.end``), the last ``horizon`` weeks are held out (``fit.holdout_weeks``), and the
scaling, priors and posterior come from the training weeks alone. The held-out weeks are scored
by MAPE of the posterior mean, CRPS of the predictive draws and the share of weeks inside the
central 90% predictive interval; each fold's channel ROAS (mean and 90% HDI) shows how stable the
channel returns are as the origin moves.

Origins are ``horizon`` weeks apart, the last one ``horizon`` weeks before the end of the data;
with too few weeks for that they move closer together (never less than one week apart).

By default each fold trains on every week before its origin (an expanding window), so each fold
has its own number of weeks and its own compiled sampler. With ``train_weeks`` every fold trains
on the same number of weeks just before its origin (a sliding window; the spend of earlier weeks
still carries over into it): the folds then share one model structure, and each worker compiles
the sampler once and reuses it for every fold it runs (:mod:`mmm.compiled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mmm.errors import SpecError
from mmm.many.specs import spec_dict, task_spec
from mmm.many.tasks import FitSummary, FitTask

BACKTEST_FILE = "backtest.csv"
ROAS_FILE = "backtest_roas.csv"
CHART = "backtest.png"
FOLDS_FOLDER = "folds"
#: Training weeks a fold needs at least, beyond what the model's parameters need.
MIN_TRAIN_WEEKS = 26


@dataclass(frozen=True)
class Fold:
    """One fold: it trains on weeks ``[0, origin)`` and predicts ``[origin, origin + horizon)``."""

    fold: int
    origin: int
    horizon: int
    origin_date: str
    end_date: str


@dataclass(frozen=True)
class BacktestResult:
    """What ``backtest`` found.

    Attributes
    ----------
    folds : DataFrame
        ``backtest.csv``: ``fold, origin, horizon, mape, crps, coverage_90`` (a failed fold's
        scores are NaN; its error is in ``summaries``).
    roas : DataFrame
        ``backtest_roas.csv``: ``fold, channel, roas_mean, roas_hdi_low, roas_hdi_high``.
    summaries : list of FitSummary
        One per fold.
    paths : dict of str to Path
    """

    folds: pd.DataFrame
    roas: pd.DataFrame
    summaries: list[FitSummary]
    paths: dict[str, Path]

    @property
    def coverage_90(self) -> float:
        """Share of all held-out weeks inside their 90% interval (weighting folds by their weeks)."""
        f = self.folds.dropna(subset=["coverage_90"])
        return float((f["coverage_90"] * f["horizon"]).sum() / f["horizon"].sum()) if len(f) else float("nan")


def plan_folds(dates: pd.DatetimeIndex, folds: int, horizon: int, min_train: int) -> list[Fold]:
    """Origins of ``folds`` folds of ``horizon`` weeks over weeks ``dates`` (see the module docs)."""
    n = len(dates)
    if folds < 1 or horizon < 1:
        raise SpecError(f"--folds and --horizon must be at least 1; got {folds} and {horizon}.")
    last = n - horizon
    room = last - min_train
    if room < 0:
        raise SpecError(f"A backtest with --horizon {horizon} needs at least {min_train + horizon} weeks "
                        f"({min_train} to train on); the data has {n}. Use a shorter horizon or more weeks.")
    step = horizon if folds == 1 else min(horizon, room // (folds - 1))
    if folds > 1 and step < 1:
        raise SpecError(f"{folds} folds of {horizon} weeks do not fit in {n} weeks with {min_train} to train on; "
                        f"use at most {room + 1} folds.")
    origins = [last - (folds - 1 - k) * step for k in range(folds)]
    return [Fold(k + 1, o, horizon, str(dates[o].date()), str(dates[o + horizon - 1].date()))
            for k, o in enumerate(origins)]


def fold_tasks(spec: Any, data: Any, out: Path, folds: int, horizon: int,
               settings: dict[str, Any], name_prefix: str = "fold",
               train_weeks: int | None = None) -> tuple[list[Fold], list[FitTask]]:
    """The folds and one fit task per fold (data ending at the fold's last test week, the test
    weeks held out; with ``train_weeks``, starting that many weeks before the origin)."""
    from mmm.data import load_data, min_weeks
    from mmm.spec import spec_from_dict

    raw = spec_dict(spec) if not isinstance(spec, dict) else spec
    if isinstance(data, str | Path):  # a data file: the folds read it by path (shared storage)
        raw, data = {**raw, "data": str(Path(data).resolve())}, None
    parsed = spec_from_dict(raw)
    if parsed.branded_search or parsed.funnel:
        raise SpecError("backtest takes the plain model; this spec has branded_search: or funnel:.")
    dataset = load_data(data, parsed)
    least = max(min_weeks(parsed), MIN_TRAIN_WEEKS)
    plan = plan_folds(dataset.dates, folds, horizon, max(least, train_weeks or 0))
    if train_weeks is not None and train_weeks < least:
        raise SpecError(f"--train-weeks {train_weeks} is too few to fit this model; give at least {least}.")
    tasks = []
    for f in plan:
        fold_raw = dict(raw)
        fold_raw["window"] = {**(raw.get("window") or {}), "end": f.end_date}
        if train_weeks is not None:
            fold_raw["window"]["start"] = str(dataset.dates[f.origin - train_weeks].date())
        fold_raw["fit"] = {**raw.get("fit", {}), "holdout_weeks": horizon}
        fold_spec = task_spec(fold_raw, f"fold {f.fold}")
        tasks.append(FitTask(f"{name_prefix}_{f.fold}", fold_spec, str(out / f"{name_prefix}_{f.fold}"),
                             data=data if isinstance(data, pd.DataFrame) else None,
                             settings={k: v for k, v in settings.items() if k != "holdout_weeks"},
                             scores=("holdout",)))
    return plan, tasks


def backtest(spec: Any, data: Any = None, out: str | Path = "mmm-backtest", *, folds: int = 6, horizon: int = 13,
             train_weeks: int | None = None, scheduler: Any = None, workers: int | None = None,
             progress: bool = True, **settings: Any) -> BacktestResult:
    """Rolling-origin backtest of ``spec`` (see the module docs).

    Parameters
    ----------
    spec : Spec, dict or path
    data : path or DataFrame, optional
        Default: the spec's ``data:``.
    out : path
        Writes ``folds/fold_k/`` (each a fit folder), ``backtest.csv``, ``backtest_roas.csv``
        and ``backtest.png``.
    folds, horizon : int
        Number of folds and weeks predicted by each.
    train_weeks : int, optional
        Train every fold on this many weeks before its origin (folds then share one compiled
        sampler); default: all weeks before the origin.
    scheduler, workers, progress
        As :func:`mmm.many.runner.run_fits`.
    **settings
        Fit settings (``draws``, ``tune``, ``chains``, ``seed``, ``sampler``).

    Returns
    -------
    BacktestResult
    """
    from mmm.many.runner import run_fits

    out = Path(out)
    plan, tasks = fold_tasks(spec, data, out / FOLDS_FOLDER, folds, horizon, settings, train_weeks=train_weeks)
    summaries = run_fits(tasks, scheduler=scheduler, workers=workers, progress=progress)
    return write_backtest(plan, summaries, out, tasks[0].spec)


def score_tables(plan: list[Fold], summaries: list[FitSummary]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``backtest.csv`` and ``backtest_roas.csv`` rows from the folds' summaries."""
    rows, roas_rows = [], []
    for f, s in zip(plan, summaries, strict=True):
        h = s.scores.get("holdout", {}) if s.ok else {}
        rows.append({"fold": f.fold, "origin": f.origin_date, "horizon": f.horizon,
                     "mape": h.get("mape", float("nan")), "crps": h.get("crps", float("nan")),
                     "coverage_90": h.get("coverage_90", float("nan"))})
        for ch, r in h.get("roas", {}).items():
            roas_rows.append({"fold": f.fold, "channel": ch, "roas_mean": r["mean"], "roas_hdi_low": r["hdi_low"],
                              "roas_hdi_high": r["hdi_high"]})
    return (pd.DataFrame(rows, columns=["fold", "origin", "horizon", "mape", "crps", "coverage_90"]),
            pd.DataFrame(roas_rows, columns=["fold", "channel", "roas_mean", "roas_hdi_low", "roas_hdi_high"]))


def write_backtest(plan: list[Fold], summaries: list[FitSummary], out: Path, spec: dict) -> BacktestResult:
    """Write the backtest's two tables and its chart."""
    from mmm.atomic import atomic_path
    from mmm.kpi import kpi_kind
    from mmm.many.charts import plot_backtest, save_chart

    folds, roas = score_tables(plan, summaries)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"backtest": out / BACKTEST_FILE, "roas": out / ROAS_FILE}
    for key, table in (("backtest", folds), ("roas", roas)):
        with atomic_path(paths[key]) as tmp:
            table.to_csv(tmp, index=False)
    if folds["mape"].notna().any():
        fig = plot_backtest(folds.dropna(subset=["mape"]), roas, kpi_kind(spec["kpi"]["type"]).return_name)
        paths["chart"] = save_chart(fig, out / CHART)[0]
    return BacktestResult(folds, roas, summaries, paths)
