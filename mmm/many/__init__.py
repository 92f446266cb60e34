"""Many models at once, on Dask: portfolios of fits, rolling backtests, model comparison and
stacking of model forms.

* :func:`fit_many` (``mmm fit-many MANIFEST``): one fit per market, brand or variant, with
  ``summary.csv`` and a portfolio chart (:mod:`mmm.many.fit_many`);
* :func:`backtest` (``mmm backtest``): rolling-origin evaluation (:mod:`mmm.many.backtest`);
* :func:`compare` (``mmm compare --vary ...``): PSIS-LOO ranking of variants (:mod:`mmm.many.compare`);
* :func:`fit_forms` (``mmm fit --forms auto``): Bayesian stacking of carryover x saturation forms
  (:mod:`mmm.many.stacking`);
* :func:`run_fits`: the Dask runner all of them use (:mod:`mmm.many.runner`).

Each returns typed results holding pandas DataFrames. ``import mmm.many`` loads neither
Dask nor PyMC (they are imported when fits run).
"""

from __future__ import annotations

from mmm.many.backtest import BacktestResult, backtest
from mmm.many.compare import ComparisonResult, compare
from mmm.many.fit_many import PortfolioResult, fit_many, read_manifest
from mmm.many.runner import run_fits
from mmm.many.scores import crps_from_draws, stacking_weights
from mmm.many.stacking import PLAUSIBLE_FORMS, StackedFit, fit_forms
from mmm.many.tasks import FitSummary, FitTask

__all__ = ["PLAUSIBLE_FORMS", "BacktestResult", "ComparisonResult", "FitSummary", "FitTask", "PortfolioResult",
           "StackedFit", "backtest", "compare", "crps_from_draws", "fit_forms", "fit_many", "read_manifest",
           "run_fits", "stacking_weights"]
