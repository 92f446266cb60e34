"""Compare a fitted model's plans against the known truth of simulated data.

Used by the planning-truth tests and ``benchmarks/planning_truth.py``: the truth of a
simulation (:func:`mmm.simulate.simulate`, or a ``*_truth.json`` sample file) gives the
real response of any budget plan, so a recommended plan can be scored by the share of
the truly optimal uplift it earns.

>>> from mmm.truth import plan_truth_share   # doctest: +SKIP
>>> plan_truth_share(fitted, truth, data, bounds="30%", budget_mult=1.0)  # doctest: +SKIP
0.97
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.fitted import FittedModel
from mmm.response import Layout
from mmm.simulate import true_contribution

if TYPE_CHECKING:
    from mmm.planning import ResponseModel


def _true_params(fitted: FittedModel, truth: dict[str, Any]) -> tuple[Layout, dict[str, dict[str, np.ndarray]],
                                                                      np.ndarray]:
    """The simulation's true transform parameters by channel and ``media_beta`` ``(1, C)``, on the model's scales."""
    layout = Layout.from_spec(fitted.spec)
    scale_model = np.asarray(fitted.scaling.spend_scale)
    by_channel: dict[str, dict[str, np.ndarray]] = {}
    for c, ch in enumerate(layout.channels):
        t = truth["channels"][ch]
        vals = {**t["carryover_params"], **t["saturation_params"]}
        if "saturation_lambda" in vals:  # truth's x is spend / its own scale; the model's is / spend_scale
            vals["saturation_lambda"] = vals["saturation_lambda"] * scale_model[c] / t["scale"]
        by_channel[ch] = {n: np.array([v]) for n, v in vals.items()}
    beta = np.array([[truth["channels"][ch]["beta"] / fitted.scaling.kpi_scale for ch in layout.channels]])
    return layout, by_channel, beta


def truth_response_model(fitted: FittedModel, truth: dict[str, Any]) -> ResponseModel:
    """The simulation's true response as a one-draw :class:`~mmm.planning.ResponseModel`.

    Built from parameters, not from a posterior: the channels, roles, scaling, spend history
    and KPI of ``fitted`` with the true carryover, saturation and ``beta`` of ``truth``.
    Planning on it (``draws=None``) gives the truly optimal plan under the model's own
    planning engine. Only delayed/geometric carryover with logistic saturation (the forms of
    the bundled samples) are mapped.
    """
    from mmm.planning import ResponseModel

    layout, by_channel, beta = _true_params(fitted, truth)
    model = ResponseModel.from_fitted(fitted)
    return dataclasses.replace(model, layout=layout, transform_params=by_channel, media_beta=beta, fitted=None)


def truth_as_fitted(fitted: FittedModel, truth: dict[str, Any]) -> FittedModel:
    """``fitted`` with a one-draw "posterior" equal to the simulation's true parameters.

    Planning on it (``draws=None``) gives the truly optimal plan under the model's own
    planning engine (:func:`truth_response_model` gives the same response without a fit).
    Only delayed/geometric carryover with logistic saturation (the forms of the bundled
    samples) are mapped.

    Parameters
    ----------
    fitted : FittedModel
        A fit of the simulated data, with the same channels as ``truth``.
    truth : dict
        The simulation's truth (``*_truth.json``).

    Returns
    -------
    FittedModel
    """
    layout, by_channel, beta = _true_params(fitted, truth)
    params: dict[str, np.ndarray] = {}
    for param in ("carryover", "peak_lag", "saturation_lambda"):
        users = layout.users(param)
        if users:
            params[param] = np.array([[by_channel[ch][param][0] for ch in users]])
    params["media_beta"] = beta
    return dataclasses.replace(fitted, _params=params)


def true_plan_kpi(truth: dict[str, Any], data: pd.DataFrame, channels: list[str], spend_columns: list[str],
                  weekly: np.ndarray, weeks: int = 13) -> float:
    """True extra KPI of spending ``weekly`` per channel for ``weeks`` weeks after the data.

    Counts the period and its carryover tail, on top of the carry-in from the last weeks
    of ``data`` (which is the same for every plan, so it cancels in comparisons).
    Computed straight from the simulator, independent of the planning engine.
    """
    out = 0.0
    for c, (ch, col) in enumerate(zip(channels, spend_columns, strict=True)):
        lags = int(truth["channels"][ch]["l_max"])
        hist = data[col].to_numpy()[-(lags - 1):] if lags > 1 else None
        path = np.r_[np.full(weeks, float(weekly[c])), np.zeros(lags - 1)]
        out += float((true_contribution(truth, ch, path, hist) - true_contribution(truth, ch, 0 * path, hist)).sum())
    return out


def plan_truth_report(fitted: FittedModel, truth: dict[str, Any], data: pd.DataFrame, *, bounds: Any = "30%",
                      budget_mult: float = 1.0, weeks: int = 13) -> dict[str, Any]:
    """Score the fitted model's recommended plan against the truly optimal one.

    Returns ``share`` (see :func:`plan_truth_share`), the true KPI of the ``current``,
    ``recommended`` and truly ``best`` plans, and the model's own ``prob_gain_from_mix``
    and evidence ``strength`` for the recommended mix (from the plan's summary), so one
    can check whether the model's confidence tracks how often it is really right.
    """
    from mmm import planning as mp

    names = fitted.spec.channel_names
    cols = [fitted.spec.channel(ch).spend for ch in names]
    current = mp.current_weekly_spend(fitted, weeks)
    budget = float(current.sum()) * budget_mult * weeks
    plan = mp.optimize_budget(fitted, budget, weeks=weeks, bounds=bounds)
    b = mp.resolve_bounds(fitted, bounds=bounds, weeks=weeks)
    same_bounds = pd.DataFrame({"channel": names, "min": b["min"], "max": b["max"]})
    best = mp.optimize_budget(truth_response_model(fitted, truth), budget, weeks=weeks, bounds=same_bounds, draws=None)

    def kpi(x: Any) -> float:
        return true_plan_kpi(truth, data, names, cols, np.asarray(x, dtype="float64"), weeks)

    t_cur = kpi(current.to_numpy())
    t_rec = kpi([c.recommended_weekly for c in plan.channels])
    t_best = kpi([c.recommended_weekly for c in best.channels])
    if t_best <= t_cur:
        raise ValueError("the true optimum is no better than the current plan; the share is undefined")
    ev = plan.evidence
    return {"share": (t_rec - t_cur) / (t_best - t_cur), "current": t_cur, "recommended": t_rec, "best": t_best,
            "prob_gain_from_mix": ev.prob_gain_from_mix, "strength": ev.strength}


def plan_truth_share(fitted: FittedModel, truth: dict[str, Any], data: pd.DataFrame, *, bounds: Any = "30%",
                     budget_mult: float = 1.0, weeks: int = 13) -> float:
    """Share of the truly optimal uplift that the fitted model's recommended plan earns.

    ``(true KPI of recommended - true KPI of current) / (true KPI of true optimum -
    true KPI of current)``, with the same budget (``budget_mult`` x current) and bounds.
    1.0 is perfect; 0 means no better than the current plan; negative means worse.
    """
    return float(plan_truth_report(fitted, truth, data, bounds=bounds, budget_mult=budget_mult,
                                   weeks=weeks)["share"])
