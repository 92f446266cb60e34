"""The response curves, budget plan and brand split of a fitted model, as charts and the report show them.

Charts (:mod:`mmm.plots`) given a fitted model instead of a result, and the report
(:mod:`mmm.report`), get these through one call here: the planner
(:mod:`mmm.planning`, :mod:`mmm.split`) is never called from drawing code.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from mmm.errors import MMMError


def default_budget(fitted: Any, weeks: int = 13) -> float:
    """Current spend over the planning period: mean weekly spend of the last ``weeks`` weeks x ``weeks``."""
    try:
        from mmm.planning import current_weekly_spend
        return float(current_weekly_spend(fitted, weeks).sum() * weeks)
    except ImportError:  # planning not installed
        spend = np.asarray(fitted.dataset.spend, dtype="float64")
        return float(spend[-min(weeks, len(spend)):].mean(axis=0).sum() * weeks)


def curves_for(fitted: Any, weeks: int = 13, *, breakeven: float | None = None,
               annotate: bool = True) -> pd.DataFrame:
    """Response curves of a fitted model over ``weeks`` (:func:`mmm.planning.response_curves`), with
    the ranking probabilities of :func:`mmm.claims.annotate_curves` (unless ``annotate=False``)."""
    from mmm.planning import response_curves

    curves = response_curves(fitted, weeks=weeks)
    if annotate:
        curves = annotate_ranking(curves, fitted, breakeven=breakeven)
    return curves


def annotate_ranking(curves: pd.DataFrame, fitted: Any, *, breakeven: float | None = None) -> pd.DataFrame:
    """``curves`` with the posterior ranking probabilities (:func:`mmm.claims.annotate_curves`),
    unless they already carry them."""
    if "prob_highest_marginal_roas" in curves.columns:
        return curves
    from mmm.claims import annotate_curves
    return annotate_curves(curves, fitted, breakeven=breakeven)


def plan_for(fitted: Any, budget: float | None = None, *, weeks: int = 13, bounds: Any = "30%",
             **options: Any) -> Any:
    """The budget plan of a fitted model (:func:`mmm.planning.optimize_budget`) for ``budget``
    (default: current spend over ``weeks``, :func:`default_budget`) within ``bounds``."""
    from mmm.planning import optimize_budget

    if budget is None:
        budget = default_budget(fitted, weeks)
    return optimize_budget(fitted, budget, weeks=weeks, bounds=bounds, **options)


def split_for(fitted: Any, budget: float | None = None, *, weeks: int = 13, horizon: str | None = None) -> Any:
    """The brand vs performance split of a fitted model (:func:`mmm.split.brand_split`) for
    ``budget`` (default: current spend over ``weeks``)."""
    from mmm.split import brand_split

    if budget is None:
        budget = default_budget(fitted, weeks)
    return brand_split(fitted, budget, weeks=weeks, **({"horizon": horizon} if horizon else {}))


def plan_inputs(fitted: Any, *, budget: float | None = None, weeks: int = 13, bounds: Any = "30%", plan: Any = None,
                split: Any = None, curves: Any = None, plan_options: dict[str, Any] | None = None,
                skipped: dict[str, str] | None = None) -> dict[str, Any]:
    """Response curves, plan and split for a report: the ones given, else computed here.

    Returns ``{"curves", "plan", "split", "budget", "skipped"}``: a part that cannot be made is
    ``None`` with its reason in ``skipped`` (``response_curves``, ``budget_plan``,
    ``brand_split``, ``ranking_probabilities``). Curves carry the posterior ranking
    probabilities (:func:`annotate_ranking`), so the curve charts' titles follow the evidence.
    """
    skipped = {} if skipped is None else skipped
    options = dict(plan_options or {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import mmm.planning  # noqa: F401
        except ImportError as exc:  # pragma: no cover - planning ships with the package
            for k in ("response_curves", "budget_plan", "brand_split"):
                skipped.setdefault(k, f"planning is unavailable ({exc})")
        else:
            if budget is None:
                budget = default_budget(fitted, weeks)
            if curves is None:
                try:
                    curves = curves_for(fitted, weeks, annotate=False)
                except MMMError as exc:
                    skipped["response_curves"] = str(exc)
            if plan is None:
                try:
                    plan = plan_for(fitted, budget, weeks=weeks, bounds=bounds, **options)
                except MMMError as exc:
                    skipped["budget_plan"] = str(exc)
            if split is None:
                if {c.role for c in fitted.spec.channels} != {"brand", "performance"}:
                    skipped["brand_split"] = ("all channels have the same role; set role: brand / performance on "
                                              "the channels to compare the two")
                else:
                    try:
                        split = split_for(fitted, budget, weeks=weeks, horizon=options.get("horizon"))
                    except ImportError as exc:
                        skipped["brand_split"] = f"split module unavailable ({exc})"
                    except MMMError as exc:
                        skipped["brand_split"] = str(exc)
        if curves is not None:
            try:
                curves = annotate_ranking(curves, fitted)
            except (MMMError, ValueError, KeyError) as exc:
                skipped["ranking_probabilities"] = f"{type(exc).__name__}: {exc}"
    return {"curves": curves, "plan": plan, "split": split, "budget": budget, "skipped": skipped}
