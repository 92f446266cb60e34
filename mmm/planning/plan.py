"""Plan assembly: optimize a budget and summarise the plan with intervals, uplift, carry-in and evidence."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.errors import PlanError
from mmm.kpi import kpi_kind
from mmm.planning.bounds import check_feasible, engine_bounds
from mmm.planning.economics import check_economics, kpi_economics
from mmm.planning.engine import (
    REPORT_DRAWS,
    Engine,
    ResponseModel,
    build_engine,
    draw_index,
    hdi_interval,
    response_model,
)
from mmm.planning.evidence import assess_evidence, recommended_tests, uplift_summary
from mmm.planning.optimizer import project, solve
from mmm.planning.request import check_prob, money, validate_request
from mmm.planning.result import PlanResult, jsonable
from mmm.stats import hdi

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

PLAN_COLUMNS = ["channel", "role", "current_weekly", "recommended_weekly", "change_pct",
                "expected_kpi_mean", "expected_kpi_hdi_low", "expected_kpi_hdi_high"]


def _plan_block(eng: Engine, x: np.ndarray, prob: float, kpi_type: str, win_rate: float | None,
                avg_deal_size: float | None) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """Summary of plan ``x`` on the reporting engine, plus per-draw horizon totals ``(S,)`` and ``(S, C)``."""
    wk = eng.weekly(x)                                   # (S, n_time, C)
    W = eng.weeks
    in_period = wk[:, :W].sum(axis=1)
    tail = wk[:, W:].sum(axis=1)
    per_channel = in_period + (tail if eng.horizon == "period+tail" else 0.0)
    tot = per_channel.sum(axis=1)
    spend = float(x.sum() * W)
    block = {
        "weekly_spend": {c: float(v) for c, v in zip(eng.channels, x, strict=True)},
        "total_weekly_spend": float(x.sum()),
        "total_spend": spend,
        "expected_kpi": hdi_interval(tot, prob),
        "in_period": hdi_interval(in_period.sum(axis=1), prob),
        "tail": hdi_interval(tail.sum(axis=1), prob),
        "economics": jsonable(kpi_economics(kpi_type, spend, tot, win_rate=win_rate, avg_deal_size=avg_deal_size,
                                             prob=prob)),
    }
    return block, tot, per_channel



def _check_floor(opt: Engine, x: np.ndarray, floor: float, weekly: float, weeks: int, model: ResponseModel,
                 min_roas: float | None, max_cost_per_kpi: float | None, horizon: str) -> None:
    """Raise if the plan's expected return per unit of spend is below the floor the user set."""
    got = float(opt.totals_grad(x, grad=False)[0].sum(axis=1).mean()) / (weekly * weeks)
    if got >= floor * (1 - 1e-6):
        return
    words = model.words
    if max_cost_per_kpi is not None and (min_roas is None or 1.0 / max_cost_per_kpi >= min_roas):
        asked = f"a maximum {words['cost_per']} of {money(max_cost_per_kpi, model.currency)}"
        best = f"the lowest achievable is {money(1 / got, model.currency) if got > 0 else 'inf'}"
    else:
        kind = kpi_kind(model.kpi_type)
        unit = "" if kind.return_scale == 1 else f" (= {min_roas:.3g} {kind.word} per {model.currency})"
        asked = f"a minimum {kind.return_name} of {kind.return_value(min_roas):.3g}{unit}"
        best = f"the best achievable is {kind.return_value(got):.3g}"
    raise PlanError(f"No plan within the bounds meets {asked} at this budget over the horizon '{horizon}': {best}. "
                    "Lower the budget (returns diminish, so a smaller budget earns more per unit), widen the bounds, "
                    "or relax the constraint.")


def optimize_budget(fitted: FittedModel | ResponseModel, budget: float, *, weeks: int = 13, bounds: Any = "30%",
                    fixed: Iterable[str] | str | None = (), objective: str = "mean", risk_lambda: float = 1.0,
                    risk_quantile: float | None = None, min_roas: float | None = None,
                    max_cost_per_kpi: float | None = None, horizon: str = "period+tail", draws: int = 500,
                    seed: int = 0, prob: float = 0.9, win_rate: float | None = None,
                    avg_deal_size: float | None = None) -> PlanResult:
    """Recommend weekly spend per channel for a planning period with a total budget.

    Parameters
    ----------
    fitted : FittedModel or ResponseModel
    budget : float
        **Total** spend for the period (weekly total = budget / weeks).
    weeks : int
        Planning period in weeks (13 = a quarter).
    bounds : str, dict, DataFrame or None
        Per-channel weekly spend bounds, see :func:`resolve_bounds` (default ``"30%"``:
        every channel within ±30% of its current weekly spend).
    fixed : iterable of str
        Channels held at their current weekly spend.
    objective : {"mean", "risk"}
        Maximise the expected KPI, or a risk-aware version: ``mean - risk_lambda * sd``
        of the plan's KPI over posterior draws, or its ``risk_quantile`` lower quantile.
    risk_lambda : float
        Weight of the standard deviation for ``objective="risk"``.
    risk_quantile : float, optional
        If given with ``objective="risk"``, maximise this lower quantile (e.g. 0.1) instead.
    min_roas : float, optional
        The plan's expected KPI per unit of spend over the horizon must be at least this.
    max_cost_per_kpi : float, optional
        The plan's spend per unit of expected KPI (e.g. cost per lead) must be at most this.
    horizon : {"period+tail", "period"}
        Count the carryover of the period's spend after it (default) or only effects inside it.
    draws : int
        Posterior draws used by the optimizer (a seeded subsample; intervals use all draws,
        up to :data:`REPORT_DRAWS`).
    seed : int
        Seed of the subsample.
    prob : float
        HDI probability of reported intervals.
    win_rate, avg_deal_size : float, optional
        Pipeline / leads economics (expected revenue, cost per opportunity), see :mod:`mmm.economics`.

    Returns
    -------
    PlanResult
        The recommendation (``.table``, the columns of ``plan.csv``) and ``.summary``.

    Raises
    ------
    PlanError
        Non-positive budget, unknown channel, bounds that cannot add up to the budget,
        a ROAS / cost floor no plan meets, malformed arguments.

    Examples
    --------
    >>> plan = optimize_budget(fitted, budget=13 * 2500, bounds="30%")   # doctest: +SKIP
    >>> plan.table[["channel", "current_weekly", "recommended_weekly"]]  # doctest: +SKIP
    >>> plan.summary["uplift"]["pct"]                                    # doctest: +SKIP
    """
    t0 = time.perf_counter()
    budget, weeks, floor = validate_request(budget, weeks, horizon, objective, risk_lambda, risk_quantile,
                                             min_roas, max_cost_per_kpi)
    prob = check_prob(prob)
    model = response_model(fitted)
    check_economics(model.kpi_type, win_rate, avg_deal_size)
    rep = build_engine(model, weeks, horizon, REPORT_DRAWS, seed)
    opt = rep.subset(draw_index(rep.n_draws, draws, seed))
    weekly = budget / weeks
    lo, hi, desc, fixed = engine_bounds(rep, bounds, fixed)
    check_feasible(lo, hi, weekly, weeks, rep.channels, fixed, model.currency)
    x, info = solve(opt, lo, hi, weekly, objective, float(risk_lambda), risk_quantile, floor)
    x = project(x, lo, hi, weekly)
    if floor is not None:
        _check_floor(opt, x, floor, weekly, weeks, model, min_roas, max_cost_per_kpi, horizon)
    return _plan_result(model, rep, x, lo, hi, budget=budget, weeks=weeks, horizon=horizon, objective=objective,
                        risk_lambda=risk_lambda, risk_quantile=risk_quantile, floor=floor, bounds_desc=desc,
                        fixed=fixed, prob=prob, win_rate=win_rate, avg_deal_size=avg_deal_size, seed=seed,
                        info={**info, "draws": int(opt.n_draws), "seconds_total": round(time.perf_counter() - t0, 4)})


def _plan_result(model: ResponseModel, rep: Engine, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, budget: float,
                 weeks: int, horizon: str, objective: str, risk_lambda: float, risk_quantile: float | None,
                 floor: float | None, bounds_desc: str, fixed: list[str], prob: float, win_rate: float | None,
                 avg_deal_size: float | None, info: dict[str, Any], seed: int = 0) -> PlanResult:
    kpi_type = model.kpi_type
    cur = rep.current
    rec_block, rec_tot, rec_ch = _plan_block(rep, x, prob, kpi_type, win_rate, avg_deal_size)
    cur_block, cur_tot, _ = _plan_block(rep, cur, prob, kpi_type, win_rate, avg_deal_size)
    uplift = uplift_summary(rec_tot, cur_tot, prob)
    notes = []
    mix_block = None
    uplift_mix = uplift
    if cur.sum() > 0 and not np.isclose(cur.sum() * weeks, budget, rtol=1e-6):
        mix = cur * (budget / weeks) / cur.sum()
        mix_block, mix_tot, _ = _plan_block(rep, mix, prob, kpi_type, win_rate, avg_deal_size)
        uplift_mix = uplift_summary(rec_tot, mix_tot, prob)
        notes.append(f"The budget ({money(budget, model.currency)}) differs from current spend over {weeks} weeks "
                     f"({money(cur.sum() * weeks, model.currency)}): 'uplift' compares with current spend; "
                     "'uplift_vs_current_mix' with the current mix scaled to the budget ('current_mix_at_budget'), "
                     "the effect of reallocation alone.")
    off = [c for c, v, h in zip(rep.channels, cur, hi, strict=True) if v == 0 and h == 0]
    if off:
        notes.append(f"Channel(s) {', '.join(off)} had no spend in the last {weeks} weeks, so percentage bounds "
                     "keep them at zero; give absolute bounds to plan spend on them.")
    if model.approximate:
        notes.append("APPROXIMATE FIT (ADVI): intervals are too narrow; use for iterating only, not for reporting.")
    n_data = model.n_weeks
    if weeks > n_data:
        notes.append(f"Only {n_data} weeks of data: current spend is their mean.")
    base_mix = cur * (budget / weeks) / cur.sum() if cur.sum() > 0 else cur
    evidence = assess_evidence(rep.channels, base_mix, x, uplift_mix["prob_positive"], rec_ch)
    if evidence["strength"] in ("moderate", "weak"):
        notes.append(evidence["message"])
    carry = rep.carry_in()
    change = np.where(cur > 0, 100.0 * (x - cur) / np.where(cur > 0, cur, 1.0), np.where(x > 0, np.inf, 0.0))
    lo_c, hi_c = hdi(rec_ch, prob)
    table = pd.DataFrame({"channel": rep.channels, "role": rep.roles, "current_weekly": cur, "recommended_weekly": x,
                          "change_pct": change, "expected_kpi_mean": rec_ch.mean(axis=0),
                          "expected_kpi_hdi_low": lo_c, "expected_kpi_hdi_high": hi_c})[PLAN_COLUMNS]
    words = model.words
    summary: dict[str, Any] = {
        "kpi_type": kpi_type, "kpi_column": model.kpi_column, "words": words, "currency": model.currency,
        "budget": budget, "weeks": weeks, "weekly_budget": budget / weeks, "horizon": horizon,
        "horizon_weeks": rep.n_horizon, "objective": objective,
        "risk": ({"lambda": float(risk_lambda)} if risk_quantile is None else {"quantile": float(risk_quantile)})
        if objective == "risk" else None,
        "min_return": floor, "bounds": bounds_desc, "fixed": list(fixed),
        "bounds_table": [{"channel": c, "min": float(a), "max": float(b)}
                         for c, a, b in zip(rep.channels, lo, hi, strict=True)],
        "prob": prob,
        "current": cur_block, "recommended": rec_block, "uplift": uplift,
        "current_mix_at_budget": mix_block, "uplift_vs_current_mix": uplift_mix,
        "carry_in": {**hdi_interval(carry.sum(axis=1), prob),
                     "by_channel": {c: float(v) for c, v in zip(rep.channels, carry.mean(axis=0), strict=True)},
                     "note": f"{words['kpi']} expected inside the period from spend before it; the same for every "
                             "plan, so not counted in any plan's expected KPI."},
        "media_kpi_in_period": hdi_interval(carry.sum(axis=1) + rep.weekly(x)[:, :weeks].sum(axis=(1, 2)), prob),
        "evidence": evidence,
        "approximate": bool(model.approximate), "optimizer": info, "notes": notes,
        "definitions": {
            "expected_kpi": f"{words['kpi']} the plan's own spend brings over the horizon ({horizon}), beyond what "
                            "spend before the period still brings (carry_in).",
            "in_period": f"part of it inside the {weeks} weeks", "tail": "part after the period (carryover)",
            "current": f"each channel's mean weekly spend over the last {weeks} weeks of the data",
            "intervals": f"{round(prob * 100)}% highest-density intervals over posterior draws",
        },
    }
    plan = PlanResult(table=table, summary=jsonable(summary))
    plan.summary["tests"] = recommended_tests(model.fitted, plan, seed, prob)
    return plan
