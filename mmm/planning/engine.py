"""The response engine: each channel's per-draw KPI response to a constant weekly spend over a plan period.

A plan covers ``weeks`` weeks that start right after the last week of the data; each
channel's spend path is the last ``l_max - 1`` weeks of actual spend (the history, whose
carryover runs into the period), a constant weekly spend for ``weeks`` weeks, then zeros
for ``l_max - 1`` weeks (the tail). See :mod:`mmm.planning`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.errors import PlanError
from mmm.kpi import kpi_kind
from mmm.planning.request import check_weeks
from mmm.response import Layout, carryover_matrix
from mmm.spec import KPI_WORDS
from mmm.stats import hdi
from mmm.transforms import CARRYOVERS, SATURATIONS, lag_matrix

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


@dataclass(frozen=True, eq=False)
class ResponseModel:
    """What planning needs of a fitted model: the per-draw media response and the spend it starts from.

    Build one with :meth:`from_fitted`, or by hand from known parameters (a simulation's
    truth, another model's posterior, a mediation fit's total effects). Every planning
    function takes one wherever it takes a :class:`~mmm.fitted.FittedModel`.

    The KPI of weekly scaled spend ``x`` of channel ``c`` is
    ``kpi_scale * media_beta[:, c] * saturation(carryover(x / spend_scale[c]))``, with the
    carryover and saturation kinds of ``layout`` and their parameters ``transform_params``.

    Attributes
    ----------
    layout : mmm.model.Layout
        Channels (in order) and each one's carryover kind, saturation kind and ``l_max``.
    transform_params : dict
        ``{channel: {parameter: draws}}``: each channel's carryover and saturation
        parameters (the names of :data:`mmm.transforms.CARRYOVERS` and
        :data:`~mmm.transforms.SATURATIONS`), one value per posterior draw (a scalar is
        broadcast to every draw).
    media_beta : ndarray
        The effect scale, ``(draws, channels)``: KPI per unit of saturated media, in units of
        ``kpi_scale`` (a 1-D array is one draw).
    spend_scale : ndarray
        Each channel's spend scale (the saturation's input is weekly spend / scale).
    kpi_scale : float
        KPI units per unit of ``media_beta``.
    spend_history : ndarray
        Weekly spend ``(weeks, channels)``, oldest first, ending with the last week before
        the plan (its last ``l_max - 1`` weeks carry over into the plan period; its mean over
        the last ``weeks`` weeks is "current" spend unless ``current_weekly`` is given).
    roles : tuple of str, optional
        ``brand`` / ``performance`` per channel (default all ``performance``).
    current_weekly : ndarray, optional
        Current weekly spend per channel, for every plan length (default: from the history).
    kpi_type : str
        ``revenue``, ``pipeline`` or ``leads`` (:mod:`mmm.kpi`).
    kpi_column : str, optional
        The KPI's column name, as reported in a plan (default ``kpi_type``).
    currency : str
        Currency code for messages (``USD`` ...), or empty.
    approximate : bool
        True for an approximate (ADVI) posterior: plans say so.
    fitted : FittedModel, optional
        The fit it came from; only lift-test design and model health in plan files use it
        (a plan from a response model without one has no ``tests`` and no health checks).

    Examples
    --------
    >>> from mmm.response import Layout
    >>> rm = ResponseModel(Layout(("tv",), ("geometric",), ("logistic",), (4,)),
    ...                    {"tv": {"carryover": 0.5, "saturation_lambda": 1.0}}, media_beta=np.array([[0.1]]),
    ...                    spend_scale=np.array([1000.0]), kpi_scale=1e5, spend_history=np.full((8, 1), 1000.0))
    >>> rm.channels, rm.n_draws
    (('tv',), 1)
    """

    layout: Layout
    transform_params: Mapping[str, Mapping[str, Any]]
    media_beta: np.ndarray
    spend_scale: np.ndarray
    kpi_scale: float
    spend_history: np.ndarray
    roles: tuple[str, ...] | None = None
    current_weekly: np.ndarray | None = None
    kpi_type: str = "revenue"
    kpi_column: str | None = None
    currency: str = ""
    approximate: bool = False
    fitted: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        chans = tuple(self.layout.channels)
        C = len(chans)
        beta = np.asarray(self.media_beta, dtype="float64")
        beta = beta[None, :] if beta.ndim == 1 else beta
        if beta.ndim != 2 or beta.shape[1] != C or beta.shape[0] < 1:
            raise ValueError(f"media_beta must have shape (draws, {C}); got {np.shape(self.media_beta)}.")
        S = beta.shape[0]
        tp: dict[str, dict[str, np.ndarray]] = {}
        for c, ch in enumerate(chans):
            given = self.transform_params.get(ch)
            if given is None:
                raise ValueError(f"transform_params has no entry for channel '{ch}'.")
            need = CARRYOVERS[self.layout.adstock[c]].params + SATURATIONS[self.layout.saturation[c]].params
            missing = [n for n in need if n not in given]
            if missing:
                raise ValueError(f"Channel '{ch}' needs parameter(s) {missing} ({self.layout.adstock[c]} carryover, "
                                 f"{self.layout.saturation[c]} saturation).")
            tp[ch] = {n: np.broadcast_to(np.asarray(given[n], dtype="float64"), (S,)) for n in need}
        spend = np.asarray(self.spend_history, dtype="float64")
        spend = spend.reshape(0, C) if spend.size == 0 else spend
        if spend.ndim != 2 or spend.shape[1] != C:
            raise ValueError(f"spend_history must have shape (weeks, {C}); got {np.shape(self.spend_history)}.")
        scale = np.asarray(self.spend_scale, dtype="float64").reshape(-1)
        if scale.shape != (C,):
            raise ValueError(f"spend_scale must have one value per channel ({C}); got {scale.shape}.")
        cur = self.current_weekly
        if cur is not None:
            cur = np.asarray(cur, dtype="float64").reshape(-1)
            if cur.shape != (C,):
                raise ValueError(f"current_weekly must have one value per channel ({C}); got {cur.shape}.")
        elif spend.shape[0] == 0:
            raise ValueError("Give spend_history (at least one week) or current_weekly.")
        roles = tuple(self.roles) if self.roles is not None else ("performance",) * C
        if len(roles) != C:
            raise ValueError(f"roles must have one entry per channel ({C}); got {len(roles)}.")
        kpi_kind(self.kpi_type)  # raises for an unknown KPI type
        for name, value in (("media_beta", beta), ("transform_params", tp), ("spend_history", spend),
                            ("spend_scale", scale), ("current_weekly", cur), ("roles", roles),
                            ("kpi_scale", float(self.kpi_scale)),
                            ("kpi_column", self.kpi_column or self.kpi_type)):
            object.__setattr__(self, name, value)

    @classmethod
    def from_fitted(cls, fitted: FittedModel) -> ResponseModel:
        """The response model of a fit: its posterior draws, layout, scaling, spend and KPI."""
        spec = fitted.spec
        layout = fitted.layout
        params = fitted.params
        tp: dict[str, dict[str, np.ndarray]] = {}
        for c, ch in enumerate(layout.channels):
            names = CARRYOVERS[layout.adstock[c]].params + SATURATIONS[layout.saturation[c]].params
            tp[ch] = {n: np.asarray(params[n])[:, layout.users(n).index(ch)] for n in names}
        return cls(layout=layout, transform_params=tp, media_beta=np.asarray(params["media_beta"]),
                   spend_scale=np.asarray(fitted.scaling.spend_scale), kpi_scale=float(fitted.scaling.kpi_scale),
                   spend_history=np.asarray(fitted.dataset.spend), roles=tuple(spec.channel(n).role
                                                                               for n in layout.channels),
                   kpi_type=spec.kpi.type, kpi_column=spec.kpi.column, currency=spec.currency,
                   approximate=bool(fitted.approximate), fitted=fitted)

    # ---- what planning reads
    @property
    def channels(self) -> tuple[str, ...]:
        """Channel names, in order."""
        return tuple(self.layout.channels)

    @property
    def n_draws(self) -> int:
        """Number of posterior draws."""
        return int(self.media_beta.shape[0])

    @property
    def n_weeks(self) -> int:
        """Weeks of spend history."""
        return int(self.spend_history.shape[0])

    @property
    def l_max(self) -> int:
        """Longest carryover window over channels."""
        return self.layout.max_l

    @property
    def words(self) -> dict[str, str]:
        """Wording that follows the KPI type (as ``Spec.words``)."""
        return dict(KPI_WORDS[self.kpi_type])

    def current(self, weeks: int) -> np.ndarray:
        """Current weekly spend per channel: ``current_weekly``, else the mean of the last ``weeks`` weeks."""
        if self.current_weekly is not None:
            return self.current_weekly.copy()
        n = min(int(weeks), self.n_weeks)
        return self.spend_history[self.n_weeks - n:].mean(axis=0)

    def stacked_params(self, idx: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Parameters as a fit stores them, ``{name: (draws, channels using it)}`` plus ``media_beta``,
        on draws ``idx`` (all when ``None``)."""
        sel = slice(None) if idx is None else idx
        lay = self.layout
        names = dict.fromkeys(n for c in range(len(lay.channels))
                              for n in CARRYOVERS[lay.adstock[c]].params + SATURATIONS[lay.saturation[c]].params)
        out = {n: np.stack([self.transform_params[ch][n][sel] for ch in lay.users(n)], axis=-1) for n in names}
        out["media_beta"] = self.media_beta[sel]
        return out


def response_model(model: FittedModel | ResponseModel) -> ResponseModel:
    """``model`` as a :class:`ResponseModel` (built with :meth:`ResponseModel.from_fitted` from a fit)."""
    if isinstance(model, ResponseModel):
        return model
    if hasattr(model, "response_model"):  # a fit that is more than one response (a geo fit's national view)
        return model.response_model()
    return ResponseModel.from_fitted(model)



@dataclass
class PlanFrame:
    """What every response engine has: the channels planned (their roles, current weekly spend and
    spend scale) and the plan period (``weeks``, ``horizon``). :class:`Engine`, the geo fit's
    :class:`mmm.geo.plan.SummedEngine` and the stacked fit's :class:`mmm.planning.mixture.MixtureEngine`
    extend it with how they compute the response (``n_time`` weeks of it: the period, then its tail)."""

    channels: tuple[str, ...]
    roles: tuple[str, ...]
    current: np.ndarray
    scale: np.ndarray
    weeks: int
    horizon: str

    @property
    def n_time(self) -> int:
        raise NotImplementedError

    @property
    def n_horizon(self) -> int:
        """Weeks of response counted: the period, or the period and its carryover tail."""
        return self.weeks if self.horizon == "period" else self.n_time


@dataclass
class Engine(PlanFrame):
    """Per-draw response of every channel to a constant weekly spend over the plan period.

    ``h`` is the scaled carried-over spend from the history, ``k`` the carried-over
    plan per unit of scaled weekly spend, both ``(S, n_time, C)`` with ``n_time =
    weeks + l_max - 1`` (the period then its tail). Carried spend of a plan ``x`` is
    ``h + (x / scale) * k``: linear in ``x``, so everything is cheap and vectorised.
    """

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
    """Sorted indices of a seeded subsample of ``draws`` of ``n_all`` posterior draws (all when ``None``)."""
    if draws is None or draws >= n_all:
        return np.arange(n_all)
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 10:
        raise PlanError(f"draws must be a whole number >= 10 (posterior draws used by the optimizer); got {draws!r}.")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_all, size=int(draws), replace=False))


def build_engine(model: FittedModel | ResponseModel, weeks: int, horizon: str, draws: int | None = REPORT_DRAWS,
                 seed: int = 0) -> Engine:
    """Build the response engine of ``model`` (a fit or a :class:`ResponseModel`) for a ``weeks``-week
    period after the data, on a seeded subsample of ``draws`` posterior draws (all when ``None``)."""
    rm = response_model(model)
    if hasattr(rm, "engine"):  # a response summed over parts (a geo fit's geos) builds its own engine
        return rm.engine(weeks, horizon, draws, seed)
    layout = rm.layout
    idx = draw_index(rm.n_draws, draws, seed)
    p = rm.stacked_params(idx)
    L = layout.max_l
    w = carryover_matrix(p, layout)                                  # (S, C, L)
    spend = rm.spend_history
    T_all, C = spend.shape
    scale = rm.spend_scale
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
    beta = p["media_beta"] * float(rm.kpi_scale)
    kinds = tuple(layout.saturation)
    sat_params = [{n: rm.transform_params[name][n][idx] for n in SATURATIONS[kinds[c]].params}
                  for c, name in enumerate(layout.channels)]
    return Engine(rm.channels, rm.roles, rm.current(weeks), scale, weeks, horizon, h, k, beta, kinds, sat_params)


def hdi_interval(x: np.ndarray, prob: float) -> dict[str, float]:
    """Mean and ``prob`` highest-density interval of ``x`` as ``{"mean", "hdi_low", "hdi_high"}``."""
    lo, hi = hdi(np.asarray(x, dtype="float64"), prob)
    return {"mean": float(np.mean(x)), "hdi_low": float(lo), "hdi_high": float(hi)}


def current_weekly_spend(fitted: FittedModel | ResponseModel, weeks: int = 13) -> pd.Series:
    """Each channel's mean weekly spend over the last ``weeks`` weeks of the data ("current" spend).

    Parameters
    ----------
    fitted : FittedModel or ResponseModel
        (A response model built with ``current_weekly`` returns that.)
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
    rm = response_model(fitted)
    return pd.Series(rm.current(weeks), index=list(rm.channels), name="current_weekly")
