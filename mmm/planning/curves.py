"""Response curves and marginal ROAS of each channel over a plan period."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mmm.errors import PlanError
from mmm.planning.economics import break_even_return
from mmm.planning.engine import REPORT_DRAWS, Engine, ResponseModel, build_engine, response_model
from mmm.planning.request import check_horizon, check_prob, check_weeks
from mmm.stats import hdi

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

CURVE_COLUMNS = ["channel", "role", "weekly_spend", "multiplier", "expected_kpi_mean", "expected_kpi_hdi_low",
                 "expected_kpi_hdi_high", "roas_mean", "marginal_roas_mean", "marginal_roas_hdi_low",
                 "marginal_roas_hdi_high", "is_current"]
MARGINAL_COLUMNS = ["channel", "role", "current_weekly", "roas_mean", "marginal_roas_mean", "marginal_roas_hdi_low",
                    "marginal_roas_hdi_high", "break_even", "breakeven_weekly_spend"]


def response_curves(fitted: FittedModel | ResponseModel, *, weeks: int = 13, multipliers: Iterable[float] = np.linspace(0, 2.5, 26),
                    prob: float = 0.9, horizon: str = "period+tail", draws: int | None = REPORT_DRAWS,
                    seed: int = 0) -> pd.DataFrame:
    """Expected KPI of each channel over a planning period as a function of its weekly spend.

    Each channel's weekly spend is set to ``multiplier x`` its current weekly spend (its
    typical weekly spend when it is currently off) for ``weeks`` weeks; the KPI counted is
    the plan's own effect over ``horizon`` (carry-in from earlier spend excluded).

    Parameters
    ----------
    fitted : FittedModel or ResponseModel
    weeks : int
        Planning period in weeks (13 = a quarter).
    multipliers : array-like
        Multiples of current weekly spend to evaluate (1.0 is always included).
    prob : float
        HDI probability of the bands.
    horizon : {"period+tail", "period"}
        Count the carryover after the period too, or only effects inside it.
    draws : int, optional
        Posterior draws used (a seeded subsample when the fit has more).
    seed : int
        Seed of the subsample.

    Returns
    -------
    pandas.DataFrame
        Columns ``channel, role, weekly_spend, multiplier, expected_kpi_mean,
        expected_kpi_hdi_low, expected_kpi_hdi_high, roas_mean, marginal_roas_mean,
        marginal_roas_hdi_low, marginal_roas_hdi_high, is_current``. ROAS is KPI per unit
        of spend over the period (pipeline ROI for pipeline, leads per currency unit for
        leads); marginal ROAS is the KPI of the next unit of spend.

    Examples
    --------
    >>> curves = response_curves(fitted, weeks=13)                  # doctest: +SKIP
    >>> curves[curves.is_current][["channel", "marginal_roas_mean"]]   # doctest: +SKIP
    """
    weeks = check_weeks(weeks)
    prob = check_prob(prob)
    model = response_model(fitted)
    eng = build_engine(model, weeks, check_horizon(horizon), draws, seed)
    m = np.unique(np.append(np.asarray(list(multipliers), dtype="float64"), 1.0))
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise PlanError("multipliers must be finite and >= 0 (multiples of current weekly spend).")
    rows = []
    for c, name in enumerate(eng.channels):
        base = eng.current[c] if eng.current[c] > 0 else eng.scale[c]
        xs = m * base
        tot, g = eng.channel_curve(c, xs, grad=True)
        lo, hi = hdi(tot, prob, axis=1)
        mlo, mhi = hdi(g / weeks, prob, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            roas = np.where(xs > 0, tot.mean(axis=1) / (xs * weeks), np.nan)
        rows.append(pd.DataFrame({
            "channel": name, "role": eng.roles[c], "weekly_spend": xs, "multiplier": m,
            "expected_kpi_mean": tot.mean(axis=1), "expected_kpi_hdi_low": lo, "expected_kpi_hdi_high": hi,
            "roas_mean": roas, "marginal_roas_mean": g.mean(axis=1) / weeks,
            "marginal_roas_hdi_low": mlo, "marginal_roas_hdi_high": mhi,
            "is_current": np.isclose(m, 1.0) & (eng.current[c] > 0),
        }))
    out = pd.concat(rows, ignore_index=True)[CURVE_COLUMNS]
    out.attrs.update({"weeks": weeks, "horizon": horizon, "prob": prob, "words": model.words})
    return out


def marginal_roas(fitted: FittedModel | ResponseModel, *, weeks: int = 13, break_even: float | None = None,
                  win_rate: float | None = None, avg_deal_size: float | None = None, prob: float = 0.9,
                  horizon: str = "period+tail", max_multiple: float = 5.0, draws: int | None = REPORT_DRAWS,
                  seed: int = 0) -> pd.DataFrame:
    """Return on the next unit of spend at each channel's current spend, and where it falls to break-even.

    Parameters
    ----------
    fitted : FittedModel or ResponseModel
    weeks : int
        Planning period in weeks.
    break_even : float, optional
        KPI per unit of spend at which spend pays for itself. Default: 1.0 for revenue;
        ``1 / win_rate`` for pipeline; ``1 / (win_rate * avg_deal_size)`` for leads (NaN
        when those are not given).
    win_rate, avg_deal_size : float, optional
        Used for the default ``break_even`` of pipeline and leads models.
    prob : float
        HDI probability.
    horizon : {"period+tail", "period"}
    max_multiple : float
        Search for the break-even spend up to this multiple of current spend.
    draws, seed : int
        Posterior subsample.

    Returns
    -------
    pandas.DataFrame
        ``channel, role, current_weekly, roas_mean, marginal_roas_mean, marginal_roas_hdi_low,
        marginal_roas_hdi_high, break_even, breakeven_weekly_spend``. The break-even weekly spend
        is where the mean marginal ROAS falls to ``break_even`` for good; ``inf`` when it stays
        above up to ``max_multiple x`` current spend, ``0`` when it is below even at zero spend.

    Examples
    --------
    >>> marginal_roas(fitted, break_even=1.0)                      # doctest: +SKIP
    """
    weeks = check_weeks(weeks)
    prob = check_prob(prob)
    model = response_model(fitted)
    be = break_even_return(model.kpi_type, break_even, win_rate=win_rate, avg_deal_size=avg_deal_size)
    eng = build_engine(model, weeks, check_horizon(horizon), draws, seed)
    rows = []
    for c, name in enumerate(eng.channels):
        cur = float(eng.current[c])
        tot, g = eng.channel_curve(c, np.array([cur]), grad=True)
        mr = g[0] / weeks
        lo, hi = hdi(mr, prob)
        roas = float(tot[0].mean() / (cur * weeks)) if cur > 0 else float("nan")
        rows.append({"channel": name, "role": eng.roles[c], "current_weekly": cur, "roas_mean": roas,
                     "marginal_roas_mean": float(mr.mean()), "marginal_roas_hdi_low": float(lo),
                     "marginal_roas_hdi_high": float(hi), "break_even": be,
                     "breakeven_weekly_spend": _breakeven_spend(eng, c, be, max_multiple)})
    out = pd.DataFrame(rows, columns=MARGINAL_COLUMNS)
    out.attrs.update({"weeks": weeks, "horizon": horizon, "prob": prob, "words": model.words})
    if not math.isfinite(be):
        out.attrs["note"] = ("No break-even given: pass break_even (KPI per unit of spend at which spend pays "
                             "for itself) or win_rate (and avg_deal_size for leads).")
    return out


def _breakeven_spend(eng: Engine, c: int, be: float, max_multiple: float) -> float:
    if not math.isfinite(be):
        return float("nan")
    base = eng.current[c] if eng.current[c] > 0 else eng.scale[c]
    xs = np.linspace(0.0, max_multiple * base, 201)

    def mean_mr(x: np.ndarray) -> np.ndarray:
        return eng.channel_curve(c, x, grad=True)[1].mean(axis=1) / eng.weeks

    m = mean_mr(xs)
    above = np.nonzero(m >= be)[0]
    if len(above) == 0:
        return 0.0
    i = int(above[-1])
    if i == len(xs) - 1:
        return float("inf")
    a, b = xs[i], xs[i + 1]
    for _ in range(50):
        mid = 0.5 * (a + b)
        if mean_mr(np.array([mid]))[0] >= be:
            a = mid
        else:
            b = mid
    return float(0.5 * (a + b))
