"""Brand vs performance split: sweep the brand share of a budget and find the best range.

Every channel has a ``role`` (``brand`` or ``performance``). For each brand share ``s``
of the weekly budget, the brand channels share ``s x budget`` and the performance
channels ``(1 - s) x budget``, each group allocated optimally (the same global
grid + SLSQP optimizer as :func:`mmm.planning.optimize_budget`). The expected KPI over
the chosen horizon, with bands, traced over ``s`` is the split curve.

Because each channel's response is a one-dimensional curve, one dynamic-programming
pass per group gives the group's best KPI for *every* group budget on a fine grid, so
the best share and the range of shares within ``tolerance`` of the best are read off a
curve with 0.1% resolution, not just the coarse ``shares`` sweep.

What the model can and cannot see: a weekly model measures short- and medium-term
effects (within its carryover window). Brand advertising also builds long-term demand
that such a model does not see, so brand's value here is a **lower bound** unless the
model includes it (long carryover, the brand -> branded-search link). The published
norms (:data:`NORMS`) are shown for comparison.

Example
-------
>>> from mmm.planning import brand_split
>>> res = brand_split(fitted, budget=1_000_000)                          # doctest: +SKIP
>>> res.summary["best_share"], res.summary["share_range"]                # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.errors import PlanError
from mmm.kpi import kpi_kind
from mmm.planning.bounds import check_feasible, engine_bounds
from mmm.planning.engine import (
    REPORT_DRAWS,
    Engine,
    ResponseModel,
    build_engine,
    draw_index,
    hdi_interval,
    response_model,
)
from mmm.planning.optimizer import (
    DP_STEPS,
    dp_backtrack,
    dp_curves,
    dp_table,
    objective_fn,
    polish,
    project,
)
from mmm.planning.request import check_budget, check_horizon, check_prob, check_weeks
from mmm.planning.result import jsonable

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

#: Published brand shares of budget that maximise long-term growth.
NORMS: dict[str, dict[str, Any]] = {
    "b2b": {"brand": 0.46,
            "source": "Binet & Field, The 5 Principles of Growth in B2B Marketing (LinkedIn B2B Institute, 2019)"},
    "b2c": {"brand": 0.60, "source": "Binet & Field, The Long and the Short of It (IPA, 2013)"},
}
SPLIT_COLUMNS = ["brand_share", "expected_kpi_mean", "expected_kpi_hdi_low", "expected_kpi_hdi_high"]
#: Resolution of the fine split curve used for the best share and its range.
FINE_STEP = 0.001


def caveat_text(kpi_word: str, horizon: str, weeks: int, l_max: int) -> str:
    """The plain statement of what the split curve can and cannot see."""
    text = (f"This model is weekly: it measures the short- and medium-term effect of spend on {kpi_word} "
            f"(carryover of up to {l_max} weeks). Brand advertising also builds long-term demand over months and "
            "years (more people who know and prefer the brand, cheaper search and sales later), which the model "
            "does not see. Brand's value here is therefore a lower bound, and the best brand share it finds leans "
            "low, unless the model includes that effect (a long carryover, or the brand -> branded-search link). "
            "Read the published norm as the long-term benchmark and this curve as the short-term evidence.")
    if horizon == "period":
        text += (f" Only effects inside the {weeks}-week period are counted, which understates channels with long "
                 "lags (usually brand) even more; horizon='period+tail' counts their carryover after the period.")
    return text


@dataclass
class SplitResult:
    """A brand vs performance sweep.

    Attributes
    ----------
    table : pandas.DataFrame
        The columns of ``split.csv``: ``brand_share, expected_kpi_mean, expected_kpi_hdi_low,
        expected_kpi_hdi_high`` (one row per feasible swept share).
    summary : dict
        ``best_share``, ``share_range`` (low, high: shares whose expected KPI is within
        ``tolerance`` of the best on the mean curve), ``best_share_uncertainty`` (the posterior
        range of the best share: ``low``, ``high``, ``median``, and ``prob_above_current`` /
        ``prob_below_current``, the probability that the best share is above / below today's;
        :func:`mmm.claims.split_claim` words it), ``current_share``, ``norm`` (B2B for pipeline/leads, B2C
        for revenue) and ``norms``, the expected KPI at the best, current and norm shares,
        ``horizon``, ``caveat``, infeasible shares and notes.
    allocations : pandas.DataFrame
        Weekly spend per channel (columns) at each swept share (rows, ``brand_share`` column).
    """

    table: pd.DataFrame
    summary: dict[str, Any]
    allocations: pd.DataFrame | None = None

    def to_json(self) -> str:
        """Summary and table as JSON text."""
        return json.dumps(jsonable({**self.summary, "curve": self.table.to_dict(orient="records")}),
                          indent=2, allow_nan=False)

    def __repr__(self) -> str:
        s = self.summary
        if s.get("best_share") is None:
            return "<SplitResult: no feasible share>"
        lo, hi = s["share_range"]
        return f"<SplitResult best brand share {s['best_share']:.0%} (range {lo:.0%}-{hi:.0%}), current " \
               f"{s['current_share']:.0%}, norm {s['norm']['brand']:.0%}>"


class _Group:
    """One role's channels: DP table of the best KPI for every group budget on a grid."""

    def __init__(self, eng: Engine, idx: list[int], lo: np.ndarray, hi: np.ndarray, weekly: float, steps: int):
        self.idx = idx
        self.lo, self.hi = lo, hi
        self.lo_sum = float(lo[idx].sum()) if idx else 0.0
        self.hi_sum = float(hi[idx].sum()) if idx else 0.0
        self.delta = weekly / steps
        self.steps = steps
        self.sub = eng.channel_subset(idx) if idx else None
        if not idx:
            self.V = np.zeros(steps + 1)
            self.choices: list[np.ndarray] = []
            return
        free = weekly  # grid spacing delta = weekly / steps on every channel
        lo_g = lo[idx]
        hi_g = np.minimum(hi[idx], lo_g + weekly)
        _, curves = dp_curves(self.sub, lo_g, hi_g, free, steps, range(len(idx)))
        self.V, self.choices = dp_table([curves[i] for i in range(len(idx))], steps)
        self.lo_g, self.hi_g = lo_g, hi_g

    def feasible(self, total: float, tol: float) -> bool:
        return self.lo_sum - tol <= total <= self.hi_sum + tol

    def value(self, total: np.ndarray) -> np.ndarray:
        """Best mean KPI for group budgets ``total`` (linear interpolation of the DP table)."""
        m = (np.asarray(total, dtype="float64") - self.lo_sum) / self.delta
        out = np.full(m.shape, -np.inf)
        ok = (m >= -1e-9) & (m <= self.steps + 1e-9)
        mm = np.clip(m[ok], 0, self.steps)
        i0 = np.floor(mm).astype(int)
        i1 = np.minimum(i0 + 1, self.steps)
        w = mm - i0
        v0, v1 = self.V[i0], self.V[i1]
        val = np.where(w > 0, (1 - w) * v0 + w * v1, v0)
        out[ok] = np.where(np.isfinite(val), val, -np.inf)
        return out

    def allocate(self, total: float, opt: Engine | None) -> np.ndarray:
        """Weekly spend of the group's channels for a group budget ``total`` (exactly)."""
        x = np.zeros(len(self.lo))
        if not self.idx:
            return x
        m = int(math.floor(max(total - self.lo_sum, 0.0) / self.delta + 1e-9))
        m = min(m, self.steps)
        while m > 0 and not np.isfinite(self.V[m]):
            m -= 1
        ks = dp_backtrack(self.choices, m)
        xg = self.lo_g + np.array(ks) * self.delta
        xg = project(xg, self.lo_g, self.hi_g, total)
        free = [i for i in range(len(self.idx)) if self.hi_g[i] > self.lo_g[i]]
        if opt is not None and len(free) >= 2:
            xg = polish(objective_fn(opt, "mean", 0.0, None), xg, self.lo_g, self.hi_g, total, free,
                        separable=True)
            xg = project(xg, self.lo_g, self.hi_g, total)
        x[self.idx] = xg
        return x


def brand_split(fitted: FittedModel | ResponseModel, budget: float, *, weeks: int = 13,
                shares: Iterable[float] = np.linspace(0, 1, 21), tolerance: float = 0.02,
                horizon: str = "period+tail", prob: float = 0.9, bounds: Any = None,
                fixed: Iterable[str] | str | None = (), draws: int = 500, seed: int = 0,
                steps: int = DP_STEPS) -> SplitResult:
    """Sweep the brand share of the budget; recommend the best share and a range.

    Parameters
    ----------
    fitted : FittedModel or ResponseModel
    budget : float
        Total budget for the period (weekly total = budget / weeks).
    weeks : int
        Planning period in weeks.
    shares : array-like
        Brand shares (0-1) to tabulate (``split.csv`` rows).
    tolerance : float
        Shares whose expected KPI is within this fraction of the best form the range.
    horizon : {"period+tail", "period"}
        Count the carryover after the period too (default), or only effects inside it.
    prob : float
        HDI probability of the bands.
    bounds : optional
        Per-channel weekly bounds as in :func:`mmm.planning.resolve_bounds`; default none.
        Shares the bounds cannot reach are left out of the table and listed.
    fixed : iterable of str
        Channels held at current weekly spend.
    draws, seed : int
        Posterior subsample used to optimise (bands use all draws, up to 2000).
    steps : int
        Grid steps of the weekly budget in the optimizer.

    Returns
    -------
    SplitResult

    Examples
    --------
    >>> res = brand_split(fitted, budget=13 * 2500)                  # doctest: +SKIP
    >>> res.table                                                    # doctest: +SKIP
    """
    t0 = time.perf_counter()
    budget = check_budget(budget)
    weeks = check_weeks(weeks)
    check_horizon(horizon)
    prob = check_prob(prob)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance < 1:
        raise PlanError(f"tolerance must be a fraction in [0, 1), e.g. 0.02 for 2%; got {tolerance!r}.")
    grid = np.unique(np.round(np.asarray(list(shares), dtype="float64"), 12))
    if grid.size == 0 or not np.all(np.isfinite(grid)) or grid.min() < 0 or grid.max() > 1:
        raise PlanError("shares must be brand shares between 0 and 1, e.g. numpy.linspace(0, 1, 21).")
    model = response_model(fitted)
    rep = build_engine(model, weeks, horizon, REPORT_DRAWS, seed)
    opt = rep.subset(draw_index(rep.n_draws, draws, seed))
    weekly = budget / weeks
    lo, hi, desc, fixed = engine_bounds(rep, bounds, fixed)
    check_feasible(lo, hi, weekly, weeks, rep.channels, fixed, model.currency)
    brand = [i for i, r in enumerate(rep.roles) if r == "brand"]
    perf = [i for i, r in enumerate(rep.roles) if r != "brand"]
    notes: list[str] = []
    if not brand or not perf:
        only = "performance" if not brand else "brand"
        notes.append(f"All channels have role '{only}', so there is no split to sweep: the only possible brand "
                     f"share is {0 if not brand else 100}%. Set 'role: brand' / 'role: performance' on the "
                     "channels in the spec to compare the two.")
    groups = {"brand": _Group(opt, brand, lo, hi, weekly, steps), "perf": _Group(opt, perf, lo, hi, weekly, steps)}
    tol = 1e-9 * weekly

    def feasible(s: float) -> bool:
        return groups["brand"].feasible(s * weekly, tol) and groups["perf"].feasible((1 - s) * weekly, tol)

    # ---- the fine mean curve (optimizer draws): best share and range
    fine = np.round(np.arange(0.0, 1.0 + FINE_STEP / 2, FINE_STEP), 6)
    if not brand:
        fine = np.array([0.0])
    elif not perf:
        fine = np.array([1.0])
    curve = groups["brand"].value(fine * weekly) + groups["perf"].value((1 - fine) * weekly)
    ok = np.isfinite(curve) & np.array([feasible(s) for s in fine])
    if not ok.any():
        raise PlanError("No brand share is feasible with these bounds and fixed channels; loosen the bounds.")
    ib = int(np.argmax(np.where(ok, curve, -np.inf)))
    best_val = float(curve[ib])
    thresh = best_val - tolerance * abs(best_val)
    a = ib
    while a > 0 and ok[a - 1] and curve[a - 1] >= thresh:
        a -= 1
    b = ib
    while b < len(fine) - 1 and ok[b + 1] and curve[b + 1] >= thresh:
        b += 1
    best_share = float(fine[ib])

    # ---- the table at the requested shares (report draws, with bands)
    if not brand:
        grid = np.array([0.0])
    elif not perf:
        grid = np.array([1.0])
    rows, allocs, infeasible = [], [], []
    for s in grid:
        if not feasible(float(s)):
            infeasible.append(float(s))
            continue
        x = groups["brand"].allocate(s * weekly, opt.channel_subset(brand) if brand else None) \
            + groups["perf"].allocate((1 - s) * weekly, opt.channel_subset(perf) if perf else None)
        x = project(x, lo, hi, weekly)
        t = rep.totals_grad(x, grad=False)[0].sum(axis=1)
        iv = hdi_interval(t, prob)
        rows.append({"brand_share": float(s), "expected_kpi_mean": iv["mean"], "expected_kpi_hdi_low": iv["hdi_low"],
                     "expected_kpi_hdi_high": iv["hdi_high"]})
        allocs.append({"brand_share": float(s), **dict(zip(rep.channels, x, strict=True))})
    if infeasible:
        notes.append(f"{len(infeasible)} of {len(grid)} brand shares cannot be reached within the bounds/fixed "
                     f"channels and are left out: {', '.join(f'{v:.0%}' for v in infeasible)}.")
    table = pd.DataFrame(rows, columns=SPLIT_COLUMNS)

    def at_share(s: float) -> dict[str, Any] | None:
        if not (0 <= s <= 1) or not feasible(s) or (not brand and s > 0) or (not perf and s < 1):
            return None
        x = groups["brand"].allocate(s * weekly, opt.channel_subset(brand) if brand else None) \
            + groups["perf"].allocate((1 - s) * weekly, opt.channel_subset(perf) if perf else None)
        x = project(x, lo, hi, weekly)
        t = rep.totals_grad(x, grad=False)[0].sum(axis=1)
        return {"share": s, "expected_kpi": hdi_interval(t, prob),
                "weekly_spend": {c: float(v) for c, v in zip(rep.channels, x, strict=True)}}

    cur = rep.current
    current_share = float(cur[brand].sum() / cur.sum()) if cur.sum() > 0 else None

    # ---- uncertainty of the best share: the best share of each posterior draw (allocations held at the
    # mean-optimal ones of each share, on a 1% grid)
    coarse = fine[::10] if len(fine) > 1 else fine
    coarse = coarse[[feasible(float(v)) and np.isfinite(curve[i * 10 if len(fine) > 1 else 0])
                     for i, v in enumerate(coarse)]]
    if len(coarse) > 1:
        draws_kpi = np.stack([opt.totals_grad(project(groups["brand"].allocate(v * weekly, None)
                                                      + groups["perf"].allocate((1 - v) * weekly, None),
                                                      lo, hi, weekly), grad=False)[0].sum(axis=1)
                              for v in coarse], axis=1)
        per_draw = coarse[np.argmax(draws_kpi, axis=1)]
        q = np.quantile(per_draw, [(1 - prob) / 2, (1 + prob) / 2])
        uncertainty = {"low": round(float(q[0]), 4), "high": round(float(q[1]), 4),
                       "median": round(float(np.median(per_draw)), 4), "prob": prob}
        if current_share is not None:
            # how sure the model is about the direction of change (half a grid step counts as "the same")
            uncertainty["prob_above_current"] = round(float(np.mean(per_draw > current_share + 0.005)), 4)
            uncertainty["prob_below_current"] = round(float(np.mean(per_draw < current_share - 0.005)), 4)
    else:
        uncertainty = None

    norm_name = kpi_kind(model.kpi_type).split_norm
    norm = {"name": norm_name, **NORMS[norm_name]}
    best = at_share(best_share)
    summary: dict[str, Any] = {
        "budget": budget, "weeks": weeks, "weekly_budget": weekly, "horizon": horizon, "prob": prob,
        "words": model.words, "kpi_type": model.kpi_type,
        "brand_channels": [rep.channels[i] for i in brand], "performance_channels": [rep.channels[i] for i in perf],
        "best_share": best_share, "best": best,
        "share_range": [float(fine[a]), float(fine[b])], "tolerance": float(tolerance),
        "best_share_uncertainty": uncertainty,
        "current_share": current_share,
        "current_share_optimised": at_share(round(current_share, 6)) if current_share is not None else None,
        "norm": norm, "norm_optimised": at_share(norm["brand"]),
        "norms": {k: dict(v) for k, v in NORMS.items()},
        "norm_in_range": bool(fine[a] - 1e-9 <= norm["brand"] <= fine[b] + 1e-9),
        "current_in_range": bool(current_share is not None and fine[a] - 1e-9 <= current_share <= fine[b] + 1e-9),
        "bounds": desc, "fixed": list(fixed), "infeasible_shares": infeasible,
        "caveat": caveat_text(model.words["kpi"], horizon, weeks, model.l_max),
        "notes": notes, "approximate": bool(model.approximate),
        "definitions": {
            "expected_kpi": f"{model.words['kpi']} the period's spend brings over the horizon ({horizon}), with each "
                            "group's budget allocated optimally among its channels",
            "best_share_uncertainty": f"central {prob:.0%} interval of the best share of each posterior draw (each "
                                      "share's allocation held at its mean-optimal one; 1% grid): how sure the "
                                      "model is about the best share; prob_above_current / prob_below_current: "
                                      "share of draws whose best share is above / below today's",
            "share_range": f"brand shares whose expected {model.words['kpi']} is within {tolerance:.0%} of the best "
                           f"(read off a {FINE_STEP:.1%}-step curve)",
        },
        "seconds": round(time.perf_counter() - t0, 4),
    }
    return SplitResult(table=table, summary=jsonable(summary),
                       allocations=pd.DataFrame(allocs, columns=["brand_share", *rep.channels]))
