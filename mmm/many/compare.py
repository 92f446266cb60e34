"""``mmm compare CONFIG --vary model.adstock=geometric,delayed --vary model.saturation=logistic,hill``:
fit every combination of the varied settings on the same weeks and rank them.

The ranking is by PSIS-LOO expected log predictive density (``elpd_loo``, higher is better) with
its standard error; each variant's difference to the best comes with the standard error of that
difference (from the weekly differences), and two variants **cannot be told apart** when the
difference is under two of those standard errors. Weeks whose Pareto k exceeds 0.7 make a
variant's LOO estimate unreliable and are counted (``n_high_k``). Stacking weights (the mixture
of the variants that predicts left-out weeks best) are given beside. With ``backtest_folds`` each
variant is also backtested and its mean out-of-sample MAPE, CRPS and 90% coverage reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.errors import SpecError
from mmm.many.specs import spec_dict, task_spec, variants
from mmm.many.tasks import FitSummary, FitTask

COMPARE_FILE = "compare.csv"
CHART = "compare.png"
VARIANTS_FOLDER = "variants"


@dataclass(frozen=True)
class ComparisonResult:
    """What ``compare`` found.

    Attributes
    ----------
    table : DataFrame
        ``compare.csv``: one row per variant, best first (see :func:`rank_by_loo`).
    verdict : str
        One sentence: the best variant and which cannot be told apart from it.
    summaries : list of FitSummary
        One per fit (variants, then backtest folds).
    paths : dict of str to Path
    """

    table: pd.DataFrame
    verdict: str
    summaries: list[FitSummary]
    paths: dict[str, Path]

    @property
    def best(self) -> str:
        """The variant with the highest LOO elpd."""
        return str(self.table.iloc[0]["variant"])


def rank_by_loo(names: list[str], loo: list[dict[str, Any] | None]) -> pd.DataFrame:
    """Rank fits of the same weeks by LOO.

    Parameters
    ----------
    names : list of str
    loo : list of dict or None
        :func:`mmm.many.scores.loo_scores` of each fit (None for a failed fit, ranked last).

    Returns
    -------
    DataFrame
        ``rank, variant, elpd_loo, se, elpd_diff, diff_se, distinguishable, p_loo, n_high_k, max_k,
        weight`` sorted best first; ``elpd_diff`` is the best's elpd minus this one's.
    """
    from mmm.many.scores import elpd_difference, stacking_weights

    ok = [i for i, s in enumerate(loo) if s]
    rows = [{"variant": n, "elpd_loo": np.nan, "se": np.nan, "elpd_diff": np.nan, "diff_se": np.nan,
             "distinguishable": True, "p_loo": np.nan, "n_high_k": np.nan, "max_k": np.nan, "weight": 0.0}
            for n in names]
    if ok:
        lengths = {len(loo[i]["loo_i"]) for i in ok}
        if len(lengths) > 1:
            raise SpecError("The variants were fitted on different weeks; LOO compares fits of the same data.")
        best = max(ok, key=lambda i: loo[i]["elpd_loo"])
        weights = stacking_weights(np.array([loo[i]["loo_i"] for i in ok]))
        for j, i in enumerate(ok):
            d = elpd_difference(loo[best]["loo_i"], loo[i]["loo_i"])
            rows[i].update(elpd_loo=loo[i]["elpd_loo"], se=loo[i]["se"], elpd_diff=d.diff,
                           diff_se=0.0 if i == best else d.se, distinguishable=i != best and d.distinguishable,
                           p_loo=loo[i]["p_loo"], n_high_k=loo[i]["n_high_k"], max_k=loo[i]["max_k"],
                           weight=float(weights[j]))
    table = pd.DataFrame(rows).sort_values("elpd_loo", ascending=False, na_position="last").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def verdict_text(table: pd.DataFrame) -> str:
    """The best variant, and those the data cannot tell apart from it, in one sentence."""
    fitted = table.dropna(subset=["elpd_loo"])
    if fitted.empty:
        return "No variant could be fitted; see summary.csv for the errors."
    best = fitted.iloc[0]
    tied = fitted[(fitted["rank"] > 1) & (~fitted["distinguishable"])]["variant"].tolist()
    text = f"Best by LOO: {best['variant']} (elpd {best['elpd_loo']:.1f} ± {best['se']:.1f})."
    if tied:
        text += (f" It cannot be told apart from {', '.join(tied)} (difference under 2 standard errors): "
                 "prefer the simpler or the one your domain knowledge favours, or stack them (--forms auto).")
    elif len(fitted) > 1:
        text += " It is ahead of every other variant by more than 2 standard errors."
    shaky = fitted[fitted["n_high_k"] > 0]
    if len(shaky):
        text += (" Pareto k > 0.7 in " + ", ".join(f"{r.variant} ({int(r.n_high_k)} weeks)" for r in shaky.itertuples())
                 + ": those LOO estimates are less reliable.")
    return text


def compare(spec: Any, vary: dict[str, list[Any]], data: Any = None, out: str | Path = "mmm-compare", *,
            backtest_folds: int | None = None, horizon: int = 13, scheduler: Any = None,
            workers: int | None = None, progress: bool = True, **settings: Any) -> ComparisonResult:
    """Fit each variant of ``spec`` (every combination of ``vary``) and rank them (module docs).

    Parameters
    ----------
    spec : Spec, dict or path
    vary : dict of str to list
        Dotted spec keys and their values, e.g. ``{"model.adstock": ["geometric", "delayed"]}``.
    data : path or DataFrame, optional
    out : path
        Writes ``variants/<variant>/`` (fit folders), ``compare.csv`` and ``compare.png``.
    backtest_folds : int, optional
        Also backtest every variant with this many folds of ``horizon`` weeks.
    scheduler, workers, progress
        As :func:`mmm.many.runner.run_fits`; all fits (variants and folds) run as one batch.
    **settings
        Fit settings for every fit.

    Returns
    -------
    ComparisonResult
    """
    from mmm.many.backtest import FOLDS_FOLDER, fold_tasks, score_tables
    from mmm.many.runner import run_fits

    out = Path(out)
    raw = spec_dict(spec) if not isinstance(spec, dict) else spec
    if isinstance(data, str | Path):
        raw, data = {**raw, "data": str(Path(data).resolve())}, None
    frame = data if isinstance(data, pd.DataFrame) else None
    combos = variants(raw, vary)
    if len(combos) < 2:
        raise SpecError("compare needs at least two variants; give --vary KEY=A,B.")
    tasks, plans = [], {}
    for name, _, vspec in combos:
        checked = task_spec(vspec, f"variant {name}")
        tasks.append(FitTask(name, checked, str(out / VARIANTS_FOLDER / name), frame, dict(settings), ("loo",)))
        if backtest_folds:
            plan, ftasks = fold_tasks(checked, frame, out / VARIANTS_FOLDER / name / FOLDS_FOLDER, backtest_folds,
                                      horizon, settings, name_prefix=f"{name}_fold")
            plans[name] = (plan, ftasks)
            tasks.extend(ftasks)
    summaries = run_fits(tasks, scheduler=scheduler, workers=workers, progress=progress)
    by_name = {s.name: s for s in summaries}
    table = rank_by_loo([c[0] for c in combos],
                        [by_name[c[0]].scores.get("loo") if by_name[c[0]].ok else None for c in combos])
    for key in vary:
        values = {name: str(v[key]) for name, v, _ in combos}
        table.insert(2, key, table["variant"].map(values))
    table["verdict"] = table["variant"].map(lambda n: by_name[n].verdict)
    table["health"] = table["variant"].map(lambda n: by_name[n].health)
    table["error"] = table["variant"].map(lambda n: by_name[n].error)
    if backtest_folds:
        for metric in ("mape", "crps", "coverage_90"):
            means = {}
            for name, (plan, ftasks) in plans.items():
                folds, _ = score_tables(plan, [by_name[t.name] for t in ftasks])
                means[name] = float(folds[metric].mean())
            table[f"backtest_{metric}"] = table["variant"].map(means)
        table["backtest_rank"] = table["backtest_crps"].rank(method="min").astype("Int64")
    table["folder"] = table["variant"].map(lambda n: str(out / VARIANTS_FOLDER / n))
    verdict = verdict_text(table)
    if backtest_folds and table["backtest_crps"].notna().any():
        lead = table.loc[table["backtest_crps"].idxmin(), "variant"]
        verdict += f" Lowest backtest CRPS: {lead}."
    return ComparisonResult(table, verdict, summaries, write_comparison(table, out))


def write_comparison(table: pd.DataFrame, out: Path) -> dict[str, Path]:
    """Write ``compare.csv`` and its chart."""
    from mmm.atomic import atomic_path
    from mmm.many.charts import plot_compare, save_chart

    out.mkdir(parents=True, exist_ok=True)
    paths = {"compare": out / COMPARE_FILE}
    with atomic_path(paths["compare"]) as tmp:
        table.to_csv(tmp, index=False)
    fitted = table.dropna(subset=["elpd_loo"])
    if len(fitted) > 1:
        paths["chart"] = save_chart(plot_compare(fitted), out / CHART)[0]
    return paths
