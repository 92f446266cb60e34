"""Quarterly budget planning on the posterior: response curves, marginal ROAS, the optimizer, scenarios.

The plan period
---------------
A plan covers ``weeks`` weeks (default 13, a quarter) that start right after the last
week of the data. Each channel's spend path is

* the last ``l_max - 1`` weeks of actual spend (the **history**, whose carryover runs
  into the period: the *carry-in*),
* then a constant recommended weekly spend for ``weeks`` weeks,
* then zeros for ``l_max - 1`` weeks (the **tail**: the period's own spend keeps
  working after the period ends).

The KPI a plan brings is ``f(history + plan) - f(history only)`` per posterior draw,
where ``f`` is the fitted media response (carryover, saturation, ``beta`` in KPI units).
It is split into the part inside the period and the tail after it; the carry-in
(``f(history only)`` inside the period) is the same for every plan and is reported
separately. ``horizon="period+tail"`` (default) counts the period's effect plus its
tail; ``horizon="period"`` counts only what lands inside the period. Lead-gen lags make
both the carry-in and the tail large, so both are shown.

"Current" spend is each channel's mean weekly spend over the last ``weeks`` weeks of the
data. ``budget`` is always the **total** for the period (weekly total = budget / weeks).

Because each channel's contribution depends only on its own spend, the expected KPI is
a sum of one-dimensional curves. The optimizer solves that sum **globally** on a grid by
dynamic programming (exact for any curve shape, including S-shaped Hill curves), then
polishes with SLSQP using analytic gradients, and finally projects onto the feasible
set so that the budget and the bounds hold exactly. The risk-aware objective
(``mean - risk_lambda * sd``, or a lower quantile) starts SLSQP from that solution
and from other points and keeps the best.

Example
-------
>>> import mmm.planning as mp
>>> plan = mp.optimize_budget(fitted, budget=1_300_000, bounds="30%")      # doctest: +SKIP
>>> plan.table                                                             # doctest: +SKIP
>>> mp.write_plan_outputs(fitted, "out", budget=1_300_000)                 # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import interpolate, optimize

from mmm.economics import break_even_return, check_economics, kpi_economics
from mmm.errors import PlanError, closest
from mmm.kpi import KINDS, kpi_kind
from mmm.model import carryover_matrix
from mmm.stats import hdi
from mmm.transforms import SATURATIONS, lag_matrix

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

HORIZONS = ("period", "period+tail")
OBJECTIVES = ("mean", "risk")
PLAN_COLUMNS = ["channel", "role", "current_weekly", "recommended_weekly", "change_pct",
                "expected_kpi_mean", "expected_kpi_hdi_low", "expected_kpi_hdi_high"]
CURVE_COLUMNS = ["channel", "role", "weekly_spend", "multiplier", "expected_kpi_mean", "expected_kpi_hdi_low",
                 "expected_kpi_hdi_high", "roas_mean", "marginal_roas_mean", "marginal_roas_hdi_low",
                 "marginal_roas_hdi_high", "is_current"]
MARGINAL_COLUMNS = ["channel", "role", "current_weekly", "roas_mean", "marginal_roas_mean", "marginal_roas_hdi_low",
                    "marginal_roas_hdi_high", "break_even", "breakeven_weekly_spend"]
SCENARIO_COLUMNS = ["scenario", "total_weekly_spend", "total_spend", "expected_kpi_mean", "expected_kpi_hdi_low",
                    "expected_kpi_hdi_high", "roas_mean", "vs_current_pct"]

#: Most posterior draws used for reported intervals (all draws when the fit has fewer).
REPORT_DRAWS = 2000
#: Grid steps of the dynamic-programming allocation (the weekly budget split in this many parts).
DP_STEPS = 400
#: Points at which each channel's mean curve is evaluated for the grid (interpolated in between).
CURVE_POINTS = 81
_RTOL = 1e-12


# ---------------------------------------------------------------------- validation helpers


#: Longest planning period, in weeks.
MAX_PLAN_WEEKS = 52


def _check_weeks(weeks: Any) -> int:
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or int(weeks) < 1:
        raise PlanError(f"weeks must be a whole number of weeks >= 1 (13 = a quarter); got {weeks!r}.")
    if int(weeks) > MAX_PLAN_WEEKS:
        raise PlanError(f"weeks = {weeks} is more than a year; a weekly model's carryover, saturation and "
                        f"baseline are not fit to plan that far. Use at most {MAX_PLAN_WEEKS} (a year), and replan "
                        "each quarter.")
    return int(weeks)


def _check_horizon(horizon: Any) -> str:
    if horizon not in HORIZONS:
        raise PlanError(f"horizon must be 'period' (count only effects inside the plan period) or 'period+tail' "
                        f"(also the carryover after it); got {horizon!r}.{closest(str(horizon), HORIZONS)}")
    return horizon


def _check_budget(budget: Any) -> float:
    if isinstance(budget, bool) or not isinstance(budget, int | float | np.integer | np.floating):
        raise PlanError(f"budget must be a number (the total for the whole period); got {budget!r}.")
    budget = float(budget)
    if not math.isfinite(budget):
        raise PlanError(f"budget must be a finite amount; got {budget}.")
    if budget <= 0:
        raise PlanError(f"budget must be positive (the total spend for the period); got {budget:,.2f}.")
    return budget


def _check_prob(prob: Any) -> float:
    if isinstance(prob, bool) or not isinstance(prob, int | float) or not 0 < prob < 1:
        raise PlanError(f"prob must be in (0, 1), e.g. 0.9 for 90% intervals; got {prob!r}.")
    return float(prob)


def _money(x: float, currency: str = "") -> str:
    if not math.isfinite(x):
        return str(x)
    sym = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    a = abs(x)
    s = f"{a:,.0f}" if a >= 100 else (f"{a:,.2f}" if a >= 0.01 or a == 0 else f"{a:.2g}")  # never a non-zero 0
    return ("-" if x < 0 else "") + (f"{sym}{s}" if sym else (f"{s} {currency}" if currency else s))


# ---------------------------------------------------------------------- the response engine


def _sat(kind: str, a: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Saturation ``kind`` by its fastest NumPy form (:data:`mmm.transforms.SATURATIONS`)."""
    return SATURATIONS[kind].fast_value(a, p)


def _dsat(kind: str, a: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Derivative of saturation ``kind`` with respect to its input."""
    return SATURATIONS[kind].derivative(a, p)


@dataclass
class _Engine:
    """Per-draw response of every channel to a constant weekly spend over the plan period.

    ``h`` is the scaled carried-over spend from the history, ``k`` the carried-over
    plan per unit of scaled weekly spend, both ``(S, n_time, C)`` with ``n_time =
    weeks + l_max - 1`` (the period then its tail). Carried spend of a plan ``x`` is
    ``h + (x / scale) * k``: linear in ``x``, so everything is cheap and vectorised.
    """

    channels: tuple[str, ...]
    roles: tuple[str, ...]
    current: np.ndarray
    scale: np.ndarray
    weeks: int
    horizon: str
    h: np.ndarray
    k: np.ndarray
    beta: np.ndarray
    kinds: tuple[str, ...]
    sat_params: list[dict[str, np.ndarray]]
    base: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.base = self._sat_all(self.h)
        self._groups = []
        for kind in dict.fromkeys(self.kinds):
            idx = np.array([i for i, k in enumerate(self.kinds) if k == kind])
            p = {n: np.stack([self.sat_params[i][n] for i in idx], axis=-1)[:, None, :] for n in SATURATIONS[kind].params}
            self._groups.append((kind, idx, p))

    # ---- shapes
    @property
    def n_draws(self) -> int:
        return self.h.shape[0]

    @property
    def n_time(self) -> int:
        return self.h.shape[1]

    @property
    def n_horizon(self) -> int:
        return self.weeks if self.horizon == "period" else self.n_time

    def subset(self, idx: np.ndarray) -> _Engine:
        """The same engine on a subset of draws."""
        return _Engine(self.channels, self.roles, self.current, self.scale, self.weeks, self.horizon,
                       self.h[idx], self.k[idx], self.beta[idx], self.kinds,
                       [{n: v[idx] for n, v in p.items()} for p in self.sat_params])

    def channel_subset(self, idx: Iterable[int]) -> _Engine:
        """The same engine restricted to some channels (in the order given)."""
        idx = [int(i) for i in idx]
        return _Engine(tuple(self.channels[i] for i in idx), tuple(self.roles[i] for i in idx), self.current[idx],
                       self.scale[idx], self.weeks, self.horizon, self.h[:, :, idx], self.k[:, :, idx],
                       self.beta[:, idx], tuple(self.kinds[i] for i in idx), [self.sat_params[i] for i in idx])

    # ---- evaluation
    def _sat_all(self, a: np.ndarray) -> np.ndarray:
        out = np.empty_like(a)
        for c, kind in enumerate(self.kinds):
            p = {n: v[:, None] for n, v in self.sat_params[c].items()}
            out[:, :, c] = _sat(kind, a[:, :, c], p)
        return out

    def weekly(self, x: np.ndarray) -> np.ndarray:
        """Incremental KPI per week of plan ``x`` (weekly spend per channel): ``(S, n_time, C)``."""
        a = self.h + (np.asarray(x, dtype="float64") / self.scale) * self.k
        return (self._sat_all(a) - self.base) * self.beta[:, None, :]

    def totals_grad(self, x: np.ndarray, grad: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """KPI of plan ``x`` over the horizon per draw and channel ``(S, C)``, and its
        derivative with respect to each channel's weekly spend."""
        n = self.n_horizon
        u = np.asarray(x, dtype="float64") / self.scale
        h, k = self.h[:, :n], self.k[:, :n]
        a = h + u * k
        tot = np.empty((self.n_draws, len(self.channels)))
        g = np.empty_like(tot) if grad else None
        for kind, idx, p in self._groups:
            ai = a[:, :, idx]
            tot[:, idx] = (_sat(kind, ai, p) - self.base[:, :n, idx]).sum(axis=1)
            if grad:
                g[:, idx] = (_dsat(kind, ai, p) * k[:, :, idx]).sum(axis=1)
        tot *= self.beta
        if grad:
            g *= self.beta / self.scale
        return tot, g

    def channel_curve(self, c: int, xs: np.ndarray, grad: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """KPI over the horizon of channel ``c`` at weekly spends ``xs``: ``(N, S)`` (and derivative)."""
        n = self.n_horizon
        xs = np.asarray(xs, dtype="float64")
        h, k = self.h[:, :n, c], self.k[:, :n, c]
        p = {name: v[None, :, None] for name, v in self.sat_params[c].items()}
        a = h[None] + (xs / self.scale[c])[:, None, None] * k[None]
        kind = self.kinds[c]
        tot = (_sat(kind, a, p) - self.base[None, :, :n, c]).sum(axis=2) * self.beta[None, :, c]
        if not grad:
            return tot, None
        g = (_dsat(kind, a, p) * k[None]).sum(axis=2) * (self.beta[None, :, c] / self.scale[c])
        return tot, g

    def carry_in(self) -> np.ndarray:
        """KPI inside the period from spend before it, per draw and channel ``(S, C)``."""
        return (self.base[:, : self.weeks] * self.beta[:, None, :]).sum(axis=1)


def _draw_index(n_all: int, draws: int | None, seed: int) -> np.ndarray:
    if draws is None or draws >= n_all:
        return np.arange(n_all)
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 10:
        raise PlanError(f"draws must be a whole number >= 10 (posterior draws used by the optimizer); got {draws!r}.")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_all, size=int(draws), replace=False))


def _engine(fitted: FittedModel, weeks: int, horizon: str, draws: int | None = REPORT_DRAWS,
            seed: int = 0) -> _Engine:
    """Build the response engine of ``fitted`` for a ``weeks``-week period after the data."""
    spec = fitted.spec
    layout = fitted.layout
    params = fitted.params
    idx = _draw_index(params["media_beta"].shape[0], draws, seed)
    p = {name: np.asarray(v)[idx] for name, v in params.items()}
    L = layout.max_l
    w = carryover_matrix(p, layout)                                  # (S, C, L)
    spend = np.asarray(fitted.dataset.spend, dtype="float64")
    T_all, C = spend.shape
    scale = np.asarray(fitted.scaling.spend_scale, dtype="float64")
    n_time = weeks + L - 1
    hist = spend[max(0, T_all - (L - 1)):] / scale if L > 1 else np.zeros((0, C))
    path = np.zeros((L - 1 + n_time, C))
    path[L - 1 - len(hist): L - 1] = hist
    lag_h = lag_matrix(path, L)[L - 1:]
    path = np.zeros((L - 1 + n_time, C))
    path[L - 1: L - 1 + weeks] = 1.0
    lag_k = lag_matrix(path, L)[L - 1:]
    h = np.einsum("tcl,scl->stc", lag_h, w)
    k = np.einsum("tcl,scl->stc", lag_k, w)
    beta = p["media_beta"] * float(fitted.scaling.kpi_scale)
    kinds = tuple(layout.saturation)
    sat_params = []
    for c, name in enumerate(layout.channels):
        sat_params.append({n: p[n][:, layout.users(n).index(name)] for n in SATURATIONS[kinds[c]].params})
    n_cur = min(weeks, T_all)
    current = spend[T_all - n_cur:].mean(axis=0)
    roles = tuple(spec.channel(name).role for name in layout.channels)
    return _Engine(tuple(layout.channels), roles, current, scale, weeks, horizon, h, k, beta, kinds, sat_params)


def _interval(x: np.ndarray, prob: float) -> dict[str, float]:
    lo, hi = hdi(np.asarray(x, dtype="float64"), prob)
    return {"mean": float(np.mean(x)), "hdi_low": float(lo), "hdi_high": float(hi)}


# ---------------------------------------------------------------------- current spend and curves


def current_weekly_spend(fitted: FittedModel, weeks: int = 13) -> pd.Series:
    """Each channel's mean weekly spend over the last ``weeks`` weeks of the data ("current" spend).

    Parameters
    ----------
    fitted : FittedModel
    weeks : int
        Number of most recent weeks averaged (the planning period's length).

    Returns
    -------
    pandas.Series
        Weekly spend indexed by channel name.

    Examples
    --------
    >>> current_weekly_spend(fitted, weeks=13)                     # doctest: +SKIP
    tv        1020.5
    search    1187.3
    Name: current_weekly, dtype: float64
    """
    weeks = _check_weeks(weeks)
    spend = np.asarray(fitted.dataset.spend, dtype="float64")
    n = min(weeks, spend.shape[0])
    return pd.Series(spend[-n:].mean(axis=0), index=list(fitted.spec.channel_names), name="current_weekly")


def response_curves(fitted: FittedModel, *, weeks: int = 13, multipliers: Iterable[float] = np.linspace(0, 2.5, 26),
                    prob: float = 0.9, horizon: str = "period+tail", draws: int | None = REPORT_DRAWS,
                    seed: int = 0) -> pd.DataFrame:
    """Expected KPI of each channel over a planning period as a function of its weekly spend.

    Each channel's weekly spend is set to ``multiplier x`` its current weekly spend (its
    typical weekly spend when it is currently off) for ``weeks`` weeks; the KPI counted is
    the plan's own effect over ``horizon`` (carry-in from earlier spend excluded).

    Parameters
    ----------
    fitted : FittedModel
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
    weeks = _check_weeks(weeks)
    prob = _check_prob(prob)
    eng = _engine(fitted, weeks, _check_horizon(horizon), draws, seed)
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
    out.attrs.update({"weeks": weeks, "horizon": horizon, "prob": prob, "words": dict(fitted.spec.words)})
    return out


def marginal_roas(fitted: FittedModel, *, weeks: int = 13, break_even: float | None = None,
                  win_rate: float | None = None, avg_deal_size: float | None = None, prob: float = 0.9,
                  horizon: str = "period+tail", max_multiple: float = 5.0, draws: int | None = REPORT_DRAWS,
                  seed: int = 0) -> pd.DataFrame:
    """Return on the next unit of spend at each channel's current spend, and where it falls to break-even.

    Parameters
    ----------
    fitted : FittedModel
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
    weeks = _check_weeks(weeks)
    prob = _check_prob(prob)
    be = break_even_return(fitted.spec.kpi.type, break_even, win_rate=win_rate, avg_deal_size=avg_deal_size)
    eng = _engine(fitted, weeks, _check_horizon(horizon), draws, seed)
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
    out.attrs.update({"weeks": weeks, "horizon": horizon, "prob": prob, "words": dict(fitted.spec.words)})
    if not math.isfinite(be):
        out.attrs["note"] = ("No break-even given: pass break_even (KPI per unit of spend at which spend pays "
                             "for itself) or win_rate (and avg_deal_size for leads).")
    return out


def _breakeven_spend(eng: _Engine, c: int, be: float, max_multiple: float) -> float:
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


# ---------------------------------------------------------------------- bounds


_SYMMETRIC = re.compile(r"^\s*(?:±|\+-|\+/-)?\s*(\d+(?:\.\d*)?)\s*%\s*$")
_ASYMMETRIC = re.compile(r"^\s*-\s*(\d+(?:\.\d*)?)\s*%\s*[,/:;]\s*\+?\s*(\d+(?:\.\d*)?)\s*%\s*$")


def _channel_index(name: Any, channels: tuple[str, ...], where: str) -> int:
    if name not in channels:
        raise PlanError(f"Unknown channel '{name}' in {where}.{closest(str(name), channels)} "
                        f"Channels: {', '.join(channels)}.")
    return channels.index(name)


def _bound_value(v: Any, where: str) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise PlanError(f"{where} must be a weekly spend amount; got {v!r}.") from None
    if math.isnan(f):
        return None
    if f < 0:
        raise PlanError(f"{where} is negative ({f:,.2f}); weekly spend bounds must be >= 0.")
    return f


def _table_bounds(frame: pd.DataFrame, channels: tuple[str, ...], where: str) -> dict[str, tuple]:
    """``{channel: (min, max)}`` from a bounds table (a CSV file or a DataFrame): one row per channel.

    Columns ``channel`` and ``min`` and/or ``max`` (weekly spend). An empty ``min`` or ``max``
    cell means no limit on that side (``min`` 0, ``max`` unlimited), so ``tv,,`` leaves
    ``tv`` free. Every channel of the model must have a row: a channel left out, a channel
    the model does not have, a row without a channel name or a channel given twice is a
    :class:`PlanError` naming it (a left-out channel would otherwise be unbounded unnoticed).
    """
    cols = [str(c).strip().lower() for c in frame.columns]
    frame = frame.set_axis(cols, axis=1)
    if "channel" not in cols:
        raise PlanError(f"Bounds {where} needs a 'channel' column (and 'min' and/or 'max' weekly spend); "
                        f"got columns {list(frame.columns)}.")
    extra = [c for c in cols if c not in ("channel", "min", "max")]
    if extra:
        raise PlanError(f"Bounds {where} has unknown column(s) {extra}.{closest(extra[0], ('min', 'max'))} "
                        "Columns: channel, min, max (weekly spend).")
    if "min" not in cols and "max" not in cols:
        raise PlanError(f"Bounds {where} needs a 'min' and/or 'max' column (weekly spend).")
    out: dict[str, tuple] = {}
    for i, r in enumerate(frame.itertuples(index=False), start=1):
        if r.channel is None or (isinstance(r.channel, float) and math.isnan(r.channel)) or not str(r.channel).strip():
            raise PlanError(f"Row {i} of bounds {where} has no channel name. Fill it in (one of: "
                            f"{', '.join(channels)}) or delete the row.")
        name = str(r.channel).strip()
        if name in out:
            raise PlanError(f"Channel '{name}' appears twice in bounds {where}; give one row per channel.")
        _channel_index(name, channels, f"bounds {where}")
        out[name] = (getattr(r, "min", None), getattr(r, "max", None))
    missing = [c for c in channels if c not in out]
    if missing:
        raise PlanError(f"Bounds {where} has no row for channel{'s' * (len(missing) > 1)} {', '.join(missing)}. "
                        "Give every channel a row (channel,min,max); an empty min or max means no limit on that "
                        f"side, so a row '{missing[0]},,' leaves {missing[0]} unbounded.")
    return out


def _parse_bounds(bounds: Any, eng: _Engine) -> tuple[np.ndarray, np.ndarray, str]:
    """Per-channel weekly (min, max) from ``bounds``; ``max`` may be ``inf``.

    A CSV file or DataFrame must list every channel (see :func:`_table_bounds`; an empty
    ``min`` / ``max`` cell means no limit on that side); a dict may list only some channels,
    the others unbounded.
    """
    C = len(eng.channels)
    lo, hi = np.zeros(C), np.full(C, np.inf)
    if bounds is None:
        return lo, hi, "none (any weekly spend >= 0)"
    if isinstance(bounds, str | Path):
        text = str(bounds)
        m = _SYMMETRIC.match(text)
        if m:
            pct = float(m.group(1))
            return np.maximum(eng.current * (1 - pct / 100), 0.0), eng.current * (1 + pct / 100), \
                f"within ±{pct:g}% of current weekly spend"
        m = _ASYMMETRIC.match(text)
        if m:
            down, up = float(m.group(1)), float(m.group(2))
            return np.maximum(eng.current * (1 - down / 100), 0.0), eng.current * (1 + up / 100), \
                f"from -{down:g}% to +{up:g}% of current weekly spend"
        path = Path(text)
        if path.suffix.lower() == ".csv" or path.exists():
            if not path.exists():
                raise PlanError(f"Bounds file '{text}' not found. Give a CSV with columns channel,min,max "
                                "(weekly spend) or a percentage such as '30%'.")
            try:
                frame = pd.read_csv(path)
            except Exception as exc:  # noqa: BLE001 - any parse error is reported the same way
                raise PlanError(f"Could not read bounds file '{text}' as CSV ({exc}).") from None
            table = _table_bounds(frame, eng.channels, f"file '{path.name}'")
            desc = f"per channel from {path.name}"
        else:
            raise PlanError(f"bounds must be a percentage such as '30%' (each channel within ±30% of its current "
                            f"weekly spend), '-20%,+50%', or a CSV file with columns channel,min,max; got {text!r}.")
    elif isinstance(bounds, pd.DataFrame):
        table = _table_bounds(bounds, eng.channels, "table")
        desc = "per channel (table)"
    elif isinstance(bounds, Mapping):
        table = {}
        for name, v in bounds.items():
            if isinstance(v, Mapping):
                unknown = [k for k in v if k not in ("min", "max")]
                if unknown:
                    raise PlanError(f"Bounds of '{name}' has unknown key(s) {unknown}; use 'min' and 'max'.")
                table[name] = (v.get("min"), v.get("max"))
            elif isinstance(v, list | tuple) and len(v) == 2:
                table[name] = (v[0], v[1])
            else:
                raise PlanError(f"Bounds of '{name}' must be (min, max) or {{'min': .., 'max': ..}} weekly spend; "
                                f"got {v!r}.")
        desc = "per channel (dict)"
    else:
        raise PlanError(f"bounds must be None, a percentage string like '30%', a dict, a DataFrame or a CSV path; "
                        f"got {type(bounds).__name__}.")
    for name, (mn, mx) in table.items():
        c = _channel_index(name, eng.channels, "bounds")
        mn = _bound_value(mn, f"The min of '{name}'")
        mx = _bound_value(mx, f"The max of '{name}'")
        if mn is not None:
            lo[c] = mn
        if mx is not None:
            hi[c] = mx
        if lo[c] > hi[c]:
            raise PlanError(f"Bounds of '{name}': min {lo[c]:,.2f} is above max {hi[c]:,.2f} (weekly spend). "
                            "Swap them or fix the row.")
    return lo, hi, desc


def _resolve_bounds(eng: _Engine, bounds: Any, fixed: Iterable[str] | str | None) -> tuple[np.ndarray, np.ndarray,
                                                                                             str, list[str]]:
    lo, hi, desc = _parse_bounds(bounds, eng)
    if fixed is None:
        fixed = ()
    if isinstance(fixed, str):
        fixed = [fixed]
    fixed = list(dict.fromkeys(fixed))
    for name in fixed:
        c = _channel_index(name, eng.channels, "fixed")
        lo[c] = hi[c] = eng.current[c]
    return lo, hi, desc, fixed


def _check_feasible(lo: np.ndarray, hi: np.ndarray, weekly: float, weeks: int, channels: tuple[str, ...],
                    fixed: list[str], currency: str, what: str = "the budget") -> None:
    tol = 1e-9 * max(weekly, 1.0)
    smin, smax = float(lo.sum()), float(hi.sum())
    if smin > weekly + tol:
        top = ", ".join(f"{channels[i]} {_money(lo[i], currency)}" for i in np.argsort(-lo)[:3] if lo[i] > 0)
        raise PlanError(
            f"Infeasible plan: the channel minimums add up to {_money(smin, currency)} per week "
            f"({_money(smin * weeks, currency)} over {weeks} weeks), {_money((smin - weekly) * weeks, currency)} more "
            f"than {what} of {_money(weekly * weeks, currency)}. Raise {what} to at least "
            f"{_money(smin * weeks, currency)}, or lower the minimums (largest: {top})"
            + (f" or unfix channels ({', '.join(fixed)})" if fixed else "")
            + ".")
    if smax < weekly - tol:
        raise PlanError(
            f"Infeasible plan: the channel maximums add up to {_money(smax, currency)} per week "
            f"({_money(smax * weeks, currency)} over {weeks} weeks), {_money((weekly - smax) * weeks, currency)} less "
            f"than {what} of {_money(weekly * weeks, currency)}. Lower {what} to at most "
            f"{_money(smax * weeks, currency)}, or raise the maximums"
            + (f" or unfix channels ({', '.join(fixed)})" if fixed else "")
            + ".")


def resolve_bounds(fitted: FittedModel, *, weeks: int = 13, bounds: Any = "30%",
                   fixed: Iterable[str] | str | None = ()) -> pd.DataFrame:
    """The per-channel weekly spend bounds a plan request means.

    Parameters
    ----------
    fitted : FittedModel
    weeks : int
        Planning period (sets "current" spend: the mean of the last ``weeks`` weeks).
    bounds : str, dict, DataFrame or None
        ``"30%"`` (each channel within ±30% of its current weekly spend), ``"-20%,+50%"``,
        a path to a CSV with columns ``channel,min,max`` (weekly spend; an empty cell means no
        limit on that side) that has a row for every channel (a channel left out is an error),
        a DataFrame like the CSV, a dict ``{channel: (min, max)}`` or
        ``{channel: {"min": .., "max": ..}}`` (channels not in the dict are unbounded), or None
        (any weekly spend >= 0).
    fixed : iterable of str
        Channels held at their current weekly spend.

    Returns
    -------
    pandas.DataFrame
        ``channel, role, current_weekly, min, max, fixed`` (``max`` may be ``inf``).

    Examples
    --------
    >>> resolve_bounds(fitted, bounds="30%")                        # doctest: +SKIP
    """
    weeks = _check_weeks(weeks)
    eng = _engine(fitted, weeks, "period", draws=10)
    lo, hi, _, fixed = _resolve_bounds(eng, bounds, fixed)
    return pd.DataFrame({"channel": eng.channels, "role": eng.roles, "current_weekly": eng.current,
                         "min": lo, "max": hi, "fixed": [c in fixed for c in eng.channels]})


# ---------------------------------------------------------------------- the optimizer


def project(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float) -> np.ndarray:
    """Euclidean projection of ``x`` onto ``{lo <= x <= hi, sum(x) = total}`` (assumed non-empty).

    Examples
    --------
    >>> project(np.array([5.0, 5.0]), np.zeros(2), np.array([3.0, 10.0]), 8.0).tolist()
    [3.0, 5.0]
    """
    x = np.asarray(x, dtype="float64")
    hi_f = np.minimum(hi, np.maximum(lo, 0) + total)  # finite caps: no channel can exceed the total
    a, b = float(np.min(lo - x)) - 1.0, float(np.max(hi_f - x)) + 1.0
    for _ in range(200):
        mid = 0.5 * (a + b)
        if np.clip(x + mid, lo, hi_f).sum() < total:
            a = mid
        else:
            b = mid
        if b - a <= 1e-15 * max(1.0, abs(total)):
            break
    y = np.clip(x + 0.5 * (a + b), lo, hi_f)
    for _ in range(3):  # put the last rounding residual on channels with room
        r = total - y.sum()
        if r == 0:
            break
        room = (hi_f - y) if r > 0 else (y - lo)
        i = int(np.argmax(room))
        y[i] = float(np.clip(y[i] + r, lo[i], hi_f[i]))
    return y


def _dp_curves(eng: _Engine, lo: np.ndarray, hi: np.ndarray, free: float, steps: int,
               idx: Iterable[int]) -> tuple[float, dict[int, np.ndarray]]:
    delta = free / steps
    curves = {}
    for c in idx:
        kmax = int(min(steps, math.floor((hi[c] - lo[c]) / delta + 1e-9))) if delta > 0 else 0
        k = np.arange(kmax + 1)
        if kmax + 1 <= CURVE_POINTS:
            curves[c] = eng.channel_curve(c, lo[c] + delta * k)[0].mean(axis=1)
        else:  # the mean curve is smooth: evaluate on fewer points, interpolate (shape-preserving)
            kk = np.unique(np.round(np.linspace(0, kmax, CURVE_POINTS)).astype(int))
            v = eng.channel_curve(c, lo[c] + delta * kk)[0].mean(axis=1)
            curves[c] = interpolate.PchipInterpolator(kk, v)(k)
    return delta, curves


def _dp_table(curves: list[np.ndarray], steps: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Max-plus convolution of the channel curves: best value for each number of grid steps."""
    V = np.full(steps + 1, -np.inf)
    V[: len(curves[0])] = curves[0][: steps + 1]
    choices = []
    m = np.arange(steps + 1)[:, None]
    for v in curves[1:]:
        kk = np.arange(len(v))[None, :]
        src = m - kk
        cand = np.where(src >= 0, V[np.clip(src, 0, None)] + v[None, :], -np.inf)
        best = np.argmax(cand, axis=1)
        V = cand[np.arange(steps + 1), best]
        choices.append(best)
    return V, choices


def _dp_backtrack(choices: list[np.ndarray], m: int) -> list[int]:
    ks = []
    for best in reversed(choices):
        k = int(best[m])
        ks.append(k)
        m -= k
    ks.append(m)
    return ks[::-1]


def _dp_allocate(eng: _Engine, lo: np.ndarray, hi: np.ndarray, total: float, idx: list[int],
                 steps: int = DP_STEPS) -> np.ndarray:
    """Global allocation of ``total`` over channels ``idx`` on a grid (other channels at ``lo``)."""
    x = lo.copy()
    free = total - lo.sum()
    if free <= 0 or not idx:
        return x
    delta, curves = _dp_curves(eng, lo, hi, free, steps, idx)
    V, choices = _dp_table([curves[c] for c in idx], steps)
    finite = np.isfinite(V)
    m = steps if finite[steps] else int(np.nonzero(finite)[0][-1])
    for c, k in zip(idx, _dp_backtrack(choices, m), strict=True):
        x[c] = lo[c] + k * delta
    return x


def _objective(eng: _Engine, objective: str, risk_lambda: float,
               risk_quantile: float | None) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    def mean_fn(x: np.ndarray) -> tuple[float, np.ndarray]:
        tot, g = eng.totals_grad(x)
        return float(tot.sum(axis=1).mean()), g.mean(axis=0)

    if objective == "mean":
        return mean_fn

    if risk_quantile is not None:
        q = float(risk_quantile)

        def quantile_fn(x: np.ndarray) -> tuple[float, np.ndarray]:
            tot, g = eng.totals_grad(x)
            t = tot.sum(axis=1)
            order = np.argsort(t)
            pos = q * (len(t) - 1)
            i = int(math.floor(pos))
            j = min(i + 1, len(t) - 1)
            w = pos - i
            val = (1 - w) * t[order[i]] + w * t[order[j]]
            return float(val), (1 - w) * g[order[i]] + w * g[order[j]]

        return quantile_fn

    def risk_fn(x: np.ndarray) -> tuple[float, np.ndarray]:
        tot, g = eng.totals_grad(x)
        t = tot.sum(axis=1)
        mu, sd = t.mean(), t.std()
        gm = g.mean(axis=0)
        gsd = ((t - mu)[:, None] * (g - gm)).mean(axis=0) / sd if sd > 0 else np.zeros_like(gm)
        return float(mu - risk_lambda * sd), gm - risk_lambda * gsd

    return risk_fn


def _polish(fn: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            total: float, free_idx: list[int], min_return: Callable | None = None) -> np.ndarray:
    """Local SLSQP refinement (maximise ``fn``) over ``free_idx``, others kept at ``x0``."""
    if len(free_idx) < 2 or not total > 0:
        return x0
    x0 = x0.copy()
    rest = total - x0[[i for i in range(len(x0)) if i not in free_idx]].sum()
    sc = max(abs(fn(x0)[0]), 1e-12)
    idx = np.array(free_idx)

    def full(y: np.ndarray) -> np.ndarray:
        x = x0.copy()
        x[idx] = y * total
        return x

    def f(y: np.ndarray) -> tuple[float, np.ndarray]:
        v, g = fn(full(y))
        return -v / sc, -g[idx] * total / sc

    cons = [{"type": "eq", "fun": lambda y: y.sum() - rest / total, "jac": lambda y: np.ones_like(y)}]
    if min_return is not None:
        cons.append({"type": "ineq", "fun": lambda y: min_return(full(y))[0] / sc,
                     "jac": lambda y: min_return(full(y))[1][idx] * total / sc})
    hi_f = np.minimum(hi[idx], lo[idx] + total)
    try:
        res = optimize.minimize(f, x0[idx] / total, jac=True, method="SLSQP",
                                bounds=list(zip(lo[idx] / total, hi_f / total, strict=True)),
                                constraints=cons, options={"maxiter": 200, "ftol": 1e-12})
        y = res.x
    except (ValueError, np.linalg.LinAlgError):
        return x0
    if not np.all(np.isfinite(y)):
        return x0
    out = x0.copy()
    out[idx] = project(y * total, lo[idx], hi_f, rest)
    return out


def _solve(eng: _Engine, lo: np.ndarray, hi: np.ndarray, total: float, objective: str = "mean",
           risk_lambda: float = 1.0, risk_quantile: float | None = None, min_roas: float | None = None,
           idx: list[int] | None = None, steps: int = DP_STEPS) -> tuple[np.ndarray, dict[str, Any]]:
    """Best weekly spend per channel; channels outside ``idx`` stay at ``lo``."""
    t0 = time.perf_counter()
    idx = list(range(len(lo))) if idx is None else list(idx)
    free = [i for i in idx if hi[i] > lo[i]]
    hi_f = np.minimum(hi, lo + max(total - lo.sum(), 0.0))
    mean_fn = _objective(eng, "mean", 0.0, None)
    x_dp = _dp_allocate(eng, lo, hi_f, total, free, steps)
    x_dp = _fix_sum(x_dp, lo, hi_f, total, free)
    x_mean = _fix_sum(_polish(mean_fn, x_dp, lo, hi_f, total, free), lo, hi_f, total, free)
    if mean_fn(x_dp)[0] > mean_fn(x_mean)[0]:
        x_mean = x_dp
    info: dict[str, Any] = {"method": "dynamic programming on a grid (global, separable curves) + SLSQP polish",
                            "grid_steps": steps}
    ret_fn = None
    if min_roas is not None:
        W = eng.weeks

        def ret_fn(x: np.ndarray) -> tuple[float, np.ndarray]:
            v, g = mean_fn(x)
            return v - min_roas * W * x.sum(), g - min_roas * W

    best = x_mean
    if objective != "mean":
        fn = _objective(eng, objective, risk_lambda, risk_quantile)
        starts = [x_mean, _fix_sum(eng.current.copy(), lo, hi_f, total, free),
                  _fix_sum(0.5 * (lo + hi_f), lo, hi_f, total, free)]
        cands = [_fix_sum(_polish(fn, s, lo, hi_f, total, free, ret_fn), lo, hi_f, total, free) for s in starts]
        cands.append(x_mean)
        ok = [c for c in cands if ret_fn is None or ret_fn(c)[0] >= -1e-9 * max(abs(mean_fn(c)[0]), 1.0)]
        best = max(ok or [x_mean], key=lambda c: fn(c)[0])
        info["method"] += f"; risk objective: SLSQP from {len(starts)} starts"
    info["seconds"] = round(time.perf_counter() - t0, 4)
    return best, info


def _fix_sum(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float, idx: list[int]) -> np.ndarray:
    """Project the channels in ``idx`` so that the whole plan sums to ``total`` within bounds."""
    x = np.clip(np.asarray(x, dtype="float64"), lo, hi)
    if not idx:
        return x
    others = [i for i in range(len(x)) if i not in idx]
    rest = total - x[others].sum()
    out = x.copy()
    out[idx] = project(x[idx], lo[idx], hi[idx], rest)
    return out


# ---------------------------------------------------------------------- results


@dataclass
class PlanResult:
    """A recommended budget plan.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per channel, the columns of ``plan.csv``: ``channel, role, current_weekly,
        recommended_weekly, change_pct, expected_kpi_mean, expected_kpi_hdi_low,
        expected_kpi_hdi_high`` (the KPI each channel's recommended spend brings over the horizon).
    summary : dict
        Budget, weeks, horizon, objective, bounds; expected KPI of the current and the
        recommended plan with intervals (over the horizon, and split into in-period and
        tail), the uplift (absolute and %, computed per draw), the carry-in from spend
        before the period, economics in the KPI's own terms, wording, the approximate flag,
        the ``evidence`` for the new mix and ``tests``: the lift tests that would settle it
        (:func:`mmm.experiment.recommend_tests`, as dicts).
    """

    table: pd.DataFrame
    summary: dict[str, Any]

    @property
    def recommended(self) -> pd.Series:
        """Recommended weekly spend by channel."""
        return self.table.set_index("channel")["recommended_weekly"]

    def to_dict(self) -> dict[str, Any]:
        """Summary plus the table as records (JSON-ready)."""
        return {**self.summary, "channels": _jsonable(self.table.to_dict(orient="records"))}

    def to_json(self) -> str:
        """The plan as JSON text (NaN and inf written as null)."""
        return json.dumps(_jsonable(self.to_dict()), indent=2, allow_nan=False)

    def __repr__(self) -> str:
        s = self.summary
        return (f"<PlanResult {s['weeks']} weeks, budget {s['budget']:,.0f}: expected {s['words']['kpi']} "
                f"{s['recommended']['expected_kpi']['mean']:,.0f} vs {s['current']['expected_kpi']['mean']:,.0f} "
                f"now ({s['uplift']['pct']['mean']:+.1f}%)>")


def _jsonable(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()]
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    return v


def _plan_block(eng: _Engine, x: np.ndarray, prob: float, kpi_type: str, win_rate: float | None,
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
        "expected_kpi": _interval(tot, prob),
        "in_period": _interval(in_period.sum(axis=1), prob),
        "tail": _interval(tail.sum(axis=1), prob),
        "economics": _jsonable(kpi_economics(kpi_type, spend, tot, win_rate=win_rate, avg_deal_size=avg_deal_size,
                                             prob=prob)),
    }
    return block, tot, per_channel


#: Posterior probability that the reallocation beats the current mix: at or above STRONG the
#: evidence is "strong", at or above MODERATE "moderate", below it "weak".
EVIDENCE_STRONG, EVIDENCE_MODERATE = 0.9, 0.75


def _evidence(channels: list[str], current: np.ndarray, recommended: np.ndarray, prob_gain: float,
              per_channel: np.ndarray) -> dict[str, Any]:
    """How sure the model is that the recommended *mix* beats the current one, and what to test if unsure.

    A budget change moves the expected KPI a lot whatever the mix; the mix itself is what
    the data has to support. When the probability of a gain from reallocation alone is
    low, the plan is a hypothesis: the channels worth a lift test are those whose spend
    moves most and whose return is least certain: spend moved x the relative spread
    (sd / mean over posterior draws) of the channel's expected KPI under the plan
    (``per_channel``, draws x channels).
    """
    moved = np.abs(np.asarray(recommended) - np.asarray(current))
    if moved.sum() <= 1e-6 * max(float(np.sum(current)), 1.0):
        return {"prob_gain_from_mix": None, "strength": "no change", "test_channels": [],
                "message": "The recommended mix is the current mix.",
                "thresholds": {"strong": EVIDENCE_STRONG, "moderate": EVIDENCE_MODERATE}}
    if prob_gain >= EVIDENCE_STRONG:
        strength = "strong"
    elif prob_gain >= EVIDENCE_MODERATE:
        strength = "moderate"
    else:
        strength = "weak"
    test: list[str] = []
    if strength != "strong":
        pc = np.asarray(per_channel, dtype="float64")
        spread = pc.std(axis=0) / np.maximum(np.abs(pc.mean(axis=0)), 1e-12)
        score = moved * spread
        order = [int(i) for i in np.argsort(-score) if score[i] > 0.05 * score.max()]
        test = [channels[i] for i in order[:2]]
    if strength == "strong":
        message = f"Strong evidence: the recommended mix beats the current one with probability {prob_gain:.0%}."
    else:
        message = (f"{strength.capitalize()} evidence for the new mix: the model gives the reallocation alone a "
                   f"{prob_gain:.0%} probability of beating the current mix (50% is a coin flip). The data cannot "
                   "yet tell these allocations apart with confidence; treat the shift as a hypothesis to test")
        message += (f", e.g. with a lift test on {' and '.join(test)} (their spend moves most and their returns are "
                    "least certain), then add the result under lift_tests: and refit." if test else ".")
    return {"prob_gain_from_mix": float(prob_gain), "strength": strength, "test_channels": test,
            "message": message,
            "thresholds": {"strong": EVIDENCE_STRONG, "moderate": EVIDENCE_MODERATE}}


def _uplift(new: np.ndarray, old: np.ndarray, prob: float) -> dict[str, Any]:
    """Per-draw uplift of ``new`` over ``old``: absolute and % intervals, probability of a gain."""
    diff = new - old
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(old > 0, 100.0 * diff / old, np.nan)
    return {"abs": _interval(diff, prob),
            "pct": _interval(pct, prob) if np.all(np.isfinite(pct)) else {"mean": None, "hdi_low": None,
                                                                         "hdi_high": None},
            "prob_positive": float(np.mean(diff > 0))}


def _validate_request(budget: Any, weeks: Any, horizon: Any, objective: Any, risk_lambda: Any,
                      risk_quantile: Any, min_roas: Any, max_cost_per_kpi: Any) -> tuple[float, int, float | None]:
    budget = _check_budget(budget)
    weeks = _check_weeks(weeks)
    _check_horizon(horizon)
    if objective not in OBJECTIVES:
        raise PlanError(f"objective must be 'mean' (maximise expected KPI) or 'risk' (mean minus risk_lambda x sd, "
                        f"or a lower quantile); got {objective!r}.{closest(str(objective), OBJECTIVES)}")
    if isinstance(risk_lambda, bool) or not isinstance(risk_lambda, int | float) or not risk_lambda >= 0:
        raise PlanError(f"risk_lambda must be a number >= 0; got {risk_lambda!r}.")
    if risk_quantile is not None and (isinstance(risk_quantile, bool) or not isinstance(risk_quantile, int | float)
                                      or not 0 < risk_quantile < 0.5):
        raise PlanError(f"risk_quantile must be a lower quantile in (0, 0.5), e.g. 0.1; got {risk_quantile!r}.")
    floor = None
    for name, v in (("min_roas", min_roas), ("max_cost_per_kpi", max_cost_per_kpi)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or not v > 0
                              or not math.isfinite(v)):
            raise PlanError(f"{name} must be a positive number; got {v!r}.")
    if min_roas is not None:
        floor = float(min_roas)
    if max_cost_per_kpi is not None:
        floor = max(floor or 0.0, 1.0 / float(max_cost_per_kpi))
    return budget, weeks, floor


def _check_floor(opt: _Engine, x: np.ndarray, floor: float, weekly: float, weeks: int, spec: Any,
                 min_roas: float | None, max_cost_per_kpi: float | None, horizon: str) -> None:
    """Raise if the plan's expected return per unit of spend is below the floor the user set."""
    got = float(opt.totals_grad(x, grad=False)[0].sum(axis=1).mean()) / (weekly * weeks)
    if got >= floor * (1 - 1e-6):
        return
    words = spec.words
    if max_cost_per_kpi is not None and (min_roas is None or 1.0 / max_cost_per_kpi >= min_roas):
        asked = f"a maximum {words['cost_per']} of {_money(max_cost_per_kpi, spec.currency)}"
        best = f"the lowest achievable is {_money(1 / got, spec.currency) if got > 0 else 'inf'}"
    else:
        kind = kpi_kind(spec)
        unit = "" if kind.return_scale == 1 else f" (= {min_roas:.3g} {kind.word} per {spec.currency})"
        asked = f"a minimum {kind.return_name} of {kind.return_value(min_roas):.3g}{unit}"
        best = f"the best achievable is {kind.return_value(got):.3g}"
    raise PlanError(f"No plan within the bounds meets {asked} at this budget over the horizon '{horizon}': {best}. "
                    "Lower the budget (returns diminish, so a smaller budget earns more per unit), widen the bounds, "
                    "or relax the constraint.")


def optimize_budget(fitted: FittedModel, budget: float, *, weeks: int = 13, bounds: Any = "30%",
                    fixed: Iterable[str] | str | None = (), objective: str = "mean", risk_lambda: float = 1.0,
                    risk_quantile: float | None = None, min_roas: float | None = None,
                    max_cost_per_kpi: float | None = None, horizon: str = "period+tail", draws: int = 500,
                    seed: int = 0, prob: float = 0.9, win_rate: float | None = None,
                    avg_deal_size: float | None = None) -> PlanResult:
    """Recommend weekly spend per channel for a planning period with a total budget.

    Parameters
    ----------
    fitted : FittedModel
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
    budget, weeks, floor = _validate_request(budget, weeks, horizon, objective, risk_lambda, risk_quantile,
                                             min_roas, max_cost_per_kpi)
    prob = _check_prob(prob)
    spec = fitted.spec
    check_economics(spec.kpi.type, win_rate, avg_deal_size)
    rep = _engine(fitted, weeks, horizon, REPORT_DRAWS, seed)
    opt = rep.subset(_draw_index(rep.n_draws, draws, seed))
    weekly = budget / weeks
    lo, hi, desc, fixed = _resolve_bounds(rep, bounds, fixed)
    _check_feasible(lo, hi, weekly, weeks, rep.channels, fixed, spec.currency)
    x, info = _solve(opt, lo, hi, weekly, objective, float(risk_lambda), risk_quantile, floor)
    x = project(x, lo, hi, weekly)
    if floor is not None:
        _check_floor(opt, x, floor, weekly, weeks, spec, min_roas, max_cost_per_kpi, horizon)
    return _plan_result(fitted, rep, x, lo, hi, budget=budget, weeks=weeks, horizon=horizon, objective=objective,
                        risk_lambda=risk_lambda, risk_quantile=risk_quantile, floor=floor, bounds_desc=desc,
                        fixed=fixed, prob=prob, win_rate=win_rate, avg_deal_size=avg_deal_size, seed=seed,
                        info={**info, "draws": int(opt.n_draws), "seconds_total": round(time.perf_counter() - t0, 4)})


def _plan_result(fitted: FittedModel, rep: _Engine, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, budget: float,
                 weeks: int, horizon: str, objective: str, risk_lambda: float, risk_quantile: float | None,
                 floor: float | None, bounds_desc: str, fixed: list[str], prob: float, win_rate: float | None,
                 avg_deal_size: float | None, info: dict[str, Any], seed: int = 0) -> PlanResult:
    spec = fitted.spec
    kpi_type = spec.kpi.type
    cur = rep.current
    rec_block, rec_tot, rec_ch = _plan_block(rep, x, prob, kpi_type, win_rate, avg_deal_size)
    cur_block, cur_tot, _ = _plan_block(rep, cur, prob, kpi_type, win_rate, avg_deal_size)
    uplift = _uplift(rec_tot, cur_tot, prob)
    notes = []
    mix_block = None
    uplift_mix = uplift
    if cur.sum() > 0 and not np.isclose(cur.sum() * weeks, budget, rtol=1e-6):
        mix = cur * (budget / weeks) / cur.sum()
        mix_block, mix_tot, _ = _plan_block(rep, mix, prob, kpi_type, win_rate, avg_deal_size)
        uplift_mix = _uplift(rec_tot, mix_tot, prob)
        notes.append(f"The budget ({_money(budget, spec.currency)}) differs from current spend over {weeks} weeks "
                     f"({_money(cur.sum() * weeks, spec.currency)}): 'uplift' compares with current spend; "
                     "'uplift_vs_current_mix' with the current mix scaled to the budget ('current_mix_at_budget'), "
                     "the effect of reallocation alone.")
    off = [c for c, v, h in zip(rep.channels, cur, hi, strict=True) if v == 0 and h == 0]
    if off:
        notes.append(f"Channel(s) {', '.join(off)} had no spend in the last {weeks} weeks, so percentage bounds "
                     "keep them at zero; give absolute bounds to plan spend on them.")
    if fitted.approximate:
        notes.append("APPROXIMATE FIT (ADVI): intervals are too narrow; use for iterating only, not for reporting.")
    n_data = len(np.asarray(fitted.dataset.spend))
    if weeks > n_data:
        notes.append(f"Only {n_data} weeks of data: current spend is their mean.")
    base_mix = cur * (budget / weeks) / cur.sum() if cur.sum() > 0 else cur
    evidence = _evidence(rep.channels, base_mix, x, uplift_mix["prob_positive"], rec_ch)
    if evidence["strength"] in ("moderate", "weak"):
        notes.append(evidence["message"])
    carry = rep.carry_in()
    change = np.where(cur > 0, 100.0 * (x - cur) / np.where(cur > 0, cur, 1.0), np.where(x > 0, np.inf, 0.0))
    lo_c, hi_c = hdi(rec_ch, prob)
    table = pd.DataFrame({"channel": rep.channels, "role": rep.roles, "current_weekly": cur, "recommended_weekly": x,
                          "change_pct": change, "expected_kpi_mean": rec_ch.mean(axis=0),
                          "expected_kpi_hdi_low": lo_c, "expected_kpi_hdi_high": hi_c})[PLAN_COLUMNS]
    words = dict(spec.words)
    summary: dict[str, Any] = {
        "kpi_type": kpi_type, "kpi_column": spec.kpi.column, "words": words, "currency": spec.currency,
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
        "carry_in": {**_interval(carry.sum(axis=1), prob),
                     "by_channel": {c: float(v) for c, v in zip(rep.channels, carry.mean(axis=0), strict=True)},
                     "note": f"{words['kpi']} expected inside the period from spend before it; the same for every "
                             "plan, so not counted in any plan's expected KPI."},
        "media_kpi_in_period": _interval(carry.sum(axis=1) + rep.weekly(x)[:, :weeks].sum(axis=(1, 2)), prob),
        "evidence": evidence,
        "approximate": bool(fitted.approximate), "optimizer": info, "notes": notes,
        "definitions": {
            "expected_kpi": f"{words['kpi']} the plan's own spend brings over the horizon ({horizon}), beyond what "
                            "spend before the period still brings (carry_in).",
            "in_period": f"part of it inside the {weeks} weeks", "tail": "part after the period (carryover)",
            "current": f"each channel's mean weekly spend over the last {weeks} weeks of the data",
            "intervals": f"{round(prob * 100)}% highest-density intervals over posterior draws",
        },
    }
    plan = PlanResult(table=table, summary=_jsonable(summary))
    plan.summary["tests"] = _recommended_tests(fitted, plan, seed, prob)
    return plan


def _recommended_tests(fitted: FittedModel, plan: PlanResult, seed: int, prob: float) -> list[dict[str, Any]]:
    """The lift tests that would settle the plan (:func:`mmm.experiment.recommend_tests`), JSON-ready."""
    from mmm.experiment import recommend_tests

    return _jsonable([t.to_dict() for t in recommend_tests(fitted, plan, seed=seed, prob=prob)])


# ---------------------------------------------------------------------- scenarios


def scaled_plan(fitted: FittedModel, factor: float, *, weeks: int = 13) -> pd.Series:
    """Current weekly spend times ``factor`` (e.g. 0.8 for "cut 20%").

    Examples
    --------
    >>> scaled_plan(fitted, 0.8)                                    # doctest: +SKIP
    """
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor >= 0:
        raise PlanError(f"factor must be a number >= 0; got {factor!r}.")
    return (current_weekly_spend(fitted, weeks) * float(factor)).rename("weekly_spend")


def default_scenarios(fitted: FittedModel, *, weeks: int = 13,
                      recommended: PlanResult | pd.Series | None = None) -> dict[str, pd.Series]:
    """Named plans to compare: ``current``, ``cut 20%`` and ``recommended`` when given.

    Examples
    --------
    >>> compare_scenarios(fitted, default_scenarios(fitted, recommended=plan))   # doctest: +SKIP
    """
    out = {"current": current_weekly_spend(fitted, weeks), "cut 20%": scaled_plan(fitted, 0.8, weeks=weeks)}
    if recommended is not None:
        out["recommended"] = recommended.recommended if isinstance(recommended, PlanResult) else recommended
    return out


def _plan_vector(name: str, plan: Any, eng: _Engine) -> np.ndarray:
    if isinstance(plan, PlanResult):
        plan = plan.recommended
    if isinstance(plan, pd.Series):
        plan = plan.to_dict()
    if not isinstance(plan, Mapping):
        raise PlanError(f"Scenario '{name}' must map channel -> weekly spend; got {type(plan).__name__}.")
    x = eng.current.copy()
    for ch, v in plan.items():
        c = _channel_index(ch, eng.channels, f"scenario '{name}'")
        val = _bound_value(v, f"Weekly spend of '{ch}' in scenario '{name}'")
        x[c] = 0.0 if val is None else val
    return x


def compare_scenarios(fitted: FittedModel, plans: Mapping[str, Any], *, weeks: int = 13,
                      horizon: str = "period+tail", prob: float = 0.9, seed: int = 0) -> pd.DataFrame:
    """Compare named plans (weekly spend per channel) in one table.

    Parameters
    ----------
    fitted : FittedModel
    plans : dict
        ``{name: {channel: weekly_spend}}`` (or a Series, or a :class:`PlanResult`).
        Channels left out keep their current weekly spend.
    weeks : int
    horizon : {"period+tail", "period"}
    prob : float
    seed : int

    Returns
    -------
    pandas.DataFrame
        ``scenario, total_weekly_spend, total_spend, expected_kpi_mean, expected_kpi_hdi_low,
        expected_kpi_hdi_high, roas_mean, vs_current_pct`` (expected KPI the plan's own spend
        brings over the horizon; % difference of the mean from the current plan's).

    Examples
    --------
    >>> compare_scenarios(fitted, {"current": current_weekly_spend(fitted),
    ...                            "more search": {"search": 2000}})   # doctest: +SKIP
    """
    weeks = _check_weeks(weeks)
    prob = _check_prob(prob)
    eng = _engine(fitted, weeks, _check_horizon(horizon), REPORT_DRAWS, seed)
    if not isinstance(plans, Mapping) or not plans:
        raise PlanError("plans must be a non-empty dict {name: {channel: weekly_spend}}.")
    cur_mean = eng.totals_grad(eng.current, grad=False)[0].sum(axis=1).mean()
    rows = []
    for name, plan in plans.items():
        x = _plan_vector(str(name), plan, eng)
        t = eng.totals_grad(x, grad=False)[0].sum(axis=1)
        iv = _interval(t, prob)
        spend = float(x.sum() * weeks)
        rows.append({"scenario": str(name), "total_weekly_spend": float(x.sum()), "total_spend": spend,
                     "expected_kpi_mean": iv["mean"], "expected_kpi_hdi_low": iv["hdi_low"],
                     "expected_kpi_hdi_high": iv["hdi_high"],
                     "roas_mean": iv["mean"] / spend if spend > 0 else float("nan"),
                     "vs_current_pct": 100.0 * (iv["mean"] - cur_mean) / cur_mean if cur_mean > 0 else float("nan")})
    out = pd.DataFrame(rows, columns=SCENARIO_COLUMNS)
    out.attrs.update({"weeks": weeks, "horizon": horizon, "prob": prob, "words": dict(fitted.spec.words)})
    return out


# ---------------------------------------------------------------------- files and text


def write_plan_outputs(fitted: FittedModel, outdir: str | Path, *, budget: float, weeks: int = 13,
                       bounds: Any = "30%", fixed: Iterable[str] | str | None = (), objective: str = "mean",
                       risk_lambda: float = 1.0, risk_quantile: float | None = None, min_roas: float | None = None,
                       max_cost_per_kpi: float | None = None, horizon: str = "period+tail",
                       win_rate: float | None = None, avg_deal_size: float | None = None,
                       shares: Iterable[float] | None = None, tolerance: float = 0.02, draws: int = 500,
                       seed: int = 0, prob: float = 0.9, request: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ``plan.csv``, ``split.csv`` and ``plan.json`` into ``outdir`` (what ``mmm plan`` does).

    * ``plan.csv``: ``channel, role, current_weekly, recommended_weekly, change_pct,
      expected_kpi_mean, expected_kpi_hdi_low, expected_kpi_hdi_high``;
    * ``split.csv``: ``brand_share, expected_kpi_mean, expected_kpi_hdi_low, expected_kpi_hdi_high``
      (the brand vs performance sweep: same budget, horizon and fixed channels; per-channel
      bounds are not applied to the sweep, which asks which share is best);
    * ``plan.json``: the plan summary (current vs recommended with intervals, uplift, carry-in,
      in-period vs tail, economics), the per-channel rows, and the split (best brand share,
      its range, the current share and the published norms), plus the scenario table and
      ``tests``: the lift tests that would settle the plan (:mod:`mmm.experiment`; an empty
      list when the evidence is strong and no channel the plan moves is prior-dominated).

    Parameters are those of :func:`optimize_budget` and :func:`mmm.split.brand_split`;
    ``request`` (what was asked, e.g. by ``mmm plan``) is stored as ``plan.json["request"]`` so
    that ``mmm report`` can show the same plan.

    Returns
    -------
    dict
        ``{"plan": Path, "split": Path, "json": Path}``.

    Examples
    --------
    >>> write_plan_outputs(fitted, "out", budget=1_000_000, bounds="30%")   # doctest: +SKIP
    """
    from mmm.split import brand_split

    plan = optimize_budget(fitted, budget, weeks=weeks, bounds=bounds, fixed=fixed, objective=objective,
                           risk_lambda=risk_lambda, risk_quantile=risk_quantile, min_roas=min_roas,
                           max_cost_per_kpi=max_cost_per_kpi, horizon=horizon, draws=draws, seed=seed, prob=prob,
                           win_rate=win_rate, avg_deal_size=avg_deal_size)
    kw = {} if shares is None else {"shares": shares}
    split = brand_split(fitted, budget, weeks=weeks, tolerance=tolerance, horizon=horizon, prob=prob,
                        fixed=fixed, draws=draws, seed=seed, **kw)
    scen = compare_scenarios(fitted, default_scenarios(fitted, weeks=weeks, recommended=plan), weeks=weeks,
                             horizon=horizon, prob=prob, seed=seed)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"plan": out / "plan.csv", "split": out / "split.csv", "json": out / "plan.json"}
    from mmm.atomic import atomic_path, write_text_atomic

    for key, table in (("plan", plan.table), ("split", split.table)):
        with atomic_path(paths[key]) as tmp:  # renamed into place: a failed write keeps the old file
            table.to_csv(tmp, index=False, lineterminator="\n")
    doc = {"plan": plan.summary, "channels": plan.table.to_dict(orient="records"), "split": split.summary,
           "scenarios": scen.to_dict(orient="records"), "tests": plan.summary.get("tests", []),
           "model_health": model_health(fitted), "request": request or {}}
    write_text_atomic(paths["json"], json.dumps(_jsonable(doc), indent=2, allow_nan=False) + "\n")
    return paths


def model_health(fitted: FittedModel) -> dict[str, Any]:
    """The fit's health as a plan should carry it: ``health``, ``converged``, ``verdict``, a
    plain ``note`` (empty when the fit is healthy) and its warnings and errors (:mod:`mmm.health`)."""
    from mmm.health import watermark_note

    d = fitted.diagnostics
    problems = [c for c in d.checks if c["level"] in ("warning", "error")]
    return {"health": d.health, "converged": bool(d.converged), "verdict": d.verdict,
            "note": watermark_note(fitted) or "", "checks": problems}


def plan_text(plan: PlanResult, split: Any = None) -> str:
    """A few plain-language lines about a plan (and a brand split), for the command line.

    Examples
    --------
    >>> print(plan_text(plan, split))                               # doctest: +SKIP
    """
    s = plan.summary
    w, cur = s["words"], s["currency"]
    pct = int(round(100 * s["prob"]))
    lines = []
    if s["approximate"]:
        lines.append("APPROXIMATE FIT (ADVI): for iterating only, not for reporting.")
    lines.append(f"Plan for {s['weeks']} weeks, budget {_money(s['budget'], cur)} "
                 f"({_money(s['weekly_budget'], cur)} a week); bounds: {s['bounds']}; horizon: {s['horizon']}.")
    for r in plan.table.itertuples():
        lines.append(f"  {r.channel:<16} {r.role:<11} {_money(r.current_weekly, cur):>12} -> "
                     f"{_money(r.recommended_weekly, cur):>12} /week ({r.change_pct:+.0f}%)")
    rec, now, up = s["recommended"]["expected_kpi"], s["current"]["expected_kpi"], s["uplift"]

    def fmt(iv: dict[str, float]) -> str:
        return f"{iv['mean']:,.0f} [{iv['hdi_low']:,.0f}, {iv['hdi_high']:,.0f}]"

    lines.append(f"Expected {w['kpi']} from the plan's spend ({pct}% HDI): recommended {fmt(rec)}; current {fmt(now)}.")
    if up["pct"]["mean"] is not None:
        lines.append(f"Uplift: {up['abs']['mean']:+,.0f} {w['kpi']} ({up['pct']['mean']:+.1f}%, "
                     f"{pct}% HDI {up['pct']['hdi_low']:+.1f}% to {up['pct']['hdi_high']:+.1f}%); "
                     f"probability of a gain {up['prob_positive']:.0%}.")
    r = s["recommended"]
    lines.append(f"Of which inside the period {r['in_period']['mean']:,.0f}, after it (tail) {r['tail']['mean']:,.0f}; "
                 f"carry-in from earlier spend {s['carry_in']['mean']:,.0f} {w['kpi']} inside the period.")
    econ = r["economics"]
    for key, label in (("roas", "ROAS"), ("pipeline_roi", "pipeline ROI"), ("revenue_roi", "revenue ROI"),
                       ("leads_per_1k", f"{KINDS['leads'].return_name} ({cur} spent)")):
        if key in econ:
            lines.append(f"{label} of the recommended plan: {econ[key]['mean']:.2f}")
    for key, label in (("cost_per_lead", "cost per lead"), ("cost_per_opportunity", "cost per opportunity"),
                       ("cost_per_deal_won", "cost per deal won")):
        if key in econ and econ[key]["value"] is not None:
            lines.append(f"{label}: {_money(econ[key]['value'], cur)}")
    if "expected_revenue" in econ:
        lines.append(f"expected revenue (at the given win rate): {_money(econ['expected_revenue']['mean'], cur)}")
    if split is not None:
        ss = split.summary if hasattr(split, "summary") else split
        if "brand_channels" in ss and not (ss["brand_channels"] and ss.get("performance_channels")):
            role = "brand" if ss.get("brand_channels") else "performance"
            lines.append(f"Brand share: not computed: every channel is {role}; set role: brand / performance on "
                         "the channels to compare the two.")
        elif ss.get("best_share") is not None:
            lo, hi = ss["share_range"]
            lines.append(f"Brand share: best {ss['best_share']:.0%} (within {ss['tolerance']:.0%} of the best: "
                         f"{lo:.0%}-{hi:.0%}); current {ss['current_share']:.0%}; norm "
                         f"{ss['norm']['brand']:.0%} ({ss['norm']['name']}).")
    lines += s["notes"]
    if s.get("tests"):
        from mmm.experiment import tests_lines
        lines += tests_lines(s["tests"], s)
    return "\n".join(lines)
