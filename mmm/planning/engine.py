"""The response engine: each channel's per-draw KPI response to a constant weekly spend over a plan period.

A plan covers ``weeks`` weeks that start right after the last week of the data; each
channel's spend path is the last ``l_max - 1`` weeks of actual spend (the history, whose
carryover runs into the period), a constant weekly spend for ``weeks`` weeks, then zeros
for ``l_max - 1`` weeks (the tail). See :mod:`mmm.planning`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mmm.errors import PlanError
from mmm.model import carryover_matrix
from mmm.planning.request import check_weeks
from mmm.stats import hdi
from mmm.transforms import SATURATIONS, lag_matrix

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

#: Most posterior draws used for reported intervals (all draws when the fit has fewer).
REPORT_DRAWS = 2000


def _sat(kind: str, a: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Saturation ``kind`` by its fastest NumPy form (:data:`mmm.transforms.SATURATIONS`)."""
    return SATURATIONS[kind].fast_value(a, p)


def _dsat(kind: str, a: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Derivative of saturation ``kind`` with respect to its input."""
    return SATURATIONS[kind].derivative(a, p)


@dataclass
class Engine:
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

    def subset(self, idx: np.ndarray) -> Engine:
        """The same engine on a subset of draws."""
        return Engine(self.channels, self.roles, self.current, self.scale, self.weeks, self.horizon,
                       self.h[idx], self.k[idx], self.beta[idx], self.kinds,
                       [{n: v[idx] for n, v in p.items()} for p in self.sat_params])

    def channel_subset(self, idx: Iterable[int]) -> Engine:
        """The same engine restricted to some channels (in the order given)."""
        idx = [int(i) for i in idx]
        return Engine(tuple(self.channels[i] for i in idx), tuple(self.roles[i] for i in idx), self.current[idx],
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


def draw_index(n_all: int, draws: int | None, seed: int) -> np.ndarray:
    if draws is None or draws >= n_all:
        return np.arange(n_all)
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 10:
        raise PlanError(f"draws must be a whole number >= 10 (posterior draws used by the optimizer); got {draws!r}.")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_all, size=int(draws), replace=False))


def build_engine(fitted: FittedModel, weeks: int, horizon: str, draws: int | None = REPORT_DRAWS,
            seed: int = 0) -> Engine:
    """Build the response engine of ``fitted`` for a ``weeks``-week period after the data."""
    spec = fitted.spec
    layout = fitted.layout
    params = fitted.params
    idx = draw_index(params["media_beta"].shape[0], draws, seed)
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
    return Engine(tuple(layout.channels), roles, current, scale, weeks, horizon, h, k, beta, kinds, sat_params)


def hdi_interval(x: np.ndarray, prob: float) -> dict[str, float]:
    lo, hi = hdi(np.asarray(x, dtype="float64"), prob)
    return {"mean": float(np.mean(x)), "hdi_low": float(lo), "hdi_high": float(hi)}



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
    weeks = check_weeks(weeks)
    spend = np.asarray(fitted.dataset.spend, dtype="float64")
    n = min(weeks, spend.shape[0])
    return pd.Series(spend[-n:].mean(axis=0), index=list(fitted.spec.channel_names), name="current_weekly")
