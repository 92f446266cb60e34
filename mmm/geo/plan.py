"""Planning on a geo fit: the national optimizer on the sum of the geo responses, and a split by geo.

A national weekly budget ``X_c`` for channel ``c`` is spread over geos in proportion to the
channel's current spend in each geo (its last ``weeks`` weeks; the training spend when it has none
lately): ``x_gc = share_gc * X_c``. The national response is the sum of the geo responses, each
with its own effect, its own carried-over history and saturation on spend per capita. Planning
reads it through :class:`SummedEngine`, which has the interface of
:class:`mmm.planning.engine.Engine` (so the optimizer, scenarios and curves need no change) and
sums an engine over every (geo, channel) pair.

:func:`plan_by_geo` then splits each channel's planned budget across geos by maximising the
summed expected geo response (marginal returns equalised, within bounds around the pro-rata
split); channels bought nationally (``level: national``) keep their allocation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mmm.planning.engine import REPORT_DRAWS, Engine, PlanFrame, ResponseModel, build_engine
from mmm.response import Layout
from mmm.transforms import CARRYOVERS, SATURATIONS

#: Separator of geo and channel in the names of the (geo, channel) pairs of the inner engine.
PAIR = "::"


@dataclass(frozen=True, eq=False)
class GeoResponseModel(ResponseModel):
    """A :class:`~mmm.planning.engine.ResponseModel` of the national sums, with the geo detail.

    The national fields (layout, spend history, scales) are those of the summed data, so every
    planning function reads it as a national model; ``pairs`` is the response model of every
    (geo, channel) pair (index ``g * C + c``), and :meth:`engine` builds the summed engine that
    planning evaluates.
    """

    pairs: ResponseModel | None = field(default=None, repr=False)
    geos: tuple[str, ...] = ()
    national_only: tuple[str, ...] = ()
    allocation: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def of(cls, view: Any) -> GeoResponseModel:
        """The response model of a geo fit's national view (:class:`mmm.geo.fit.GeoTotalView`)."""
        fit = view.geo_fit
        spec, layout, params = view.spec, view.layout, view.params
        G, C = fit.panel.n_geos, len(layout.channels)
        tp = {ch: {n: np.asarray(params[n])[:, layout.users(n).index(ch)] for n in _names(layout, c)}
              for c, ch in enumerate(layout.channels)}
        names = tuple(f"{g}{PAIR}{ch}" for g in fit.geos for ch in layout.channels)
        pair_layout = Layout(names, tuple(layout.adstock) * G, tuple(layout.saturation) * G, tuple(layout.l_max) * G)
        d = fit.draws
        kscale = np.asarray(fit.scaling.kpi_scale)
        unit = float(view.scaling.kpi_scale)
        beta = (d["media_beta_geo"] * kscale[None, :, None] / unit).reshape(-1, G * C)
        roles = tuple(spec.channel(n).role for n in layout.channels)
        T = fit.panel.n_weeks
        pairs = ResponseModel(layout=pair_layout, transform_params={f"{g}{PAIR}{ch}": tp[ch] for g in fit.geos
                                                                    for ch in layout.channels},
                              media_beta=beta, spend_scale=fit.scaling.geo_spend_scale.ravel(), kpi_scale=unit,
                              spend_history=fit.panel.spend.transpose(1, 0, 2).reshape(T, G * C), roles=roles * G,
                              kpi_type=spec.kpi.type, kpi_column=spec.kpi.column, currency=spec.currency)
        alloc = np.asarray(fit.panel.allocation, dtype="float64")
        return cls(layout=layout, transform_params=tp, media_beta=np.asarray(params["media_beta"]),
                   spend_scale=np.asarray(view.scaling.spend_scale), kpi_scale=unit,
                   spend_history=np.asarray(view.dataset.spend), roles=roles, kpi_type=spec.kpi.type,
                   kpi_column=spec.kpi.column, currency=spec.currency, approximate=bool(view.approximate),
                   fitted=view, pairs=pairs, geos=tuple(fit.geos), national_only=tuple(fit.panel.national_channels),
                   allocation=alloc if alloc.shape == (G, C) else None)

    def shares(self, weeks: int) -> np.ndarray:
        """Each geo's share of each channel's national spend, ``(G, C)``, columns summing to 1.

        Current spend (the last ``weeks`` weeks) where the channel has some; else its spend over
        all weeks; else the fixed allocation (national channels) or equal shares.
        """
        G, C = len(self.geos), len(self.channels)
        out = np.full((G, C), 1.0 / G)
        recent = self.pairs.current(weeks).reshape(G, C)
        total = self.pairs.spend_history.sum(axis=0).reshape(G, C)
        for c, ch in enumerate(self.channels):
            if ch in self.national_only and self.allocation is not None:
                out[:, c] = self.allocation[:, c] / max(self.allocation[:, c].sum(), 1e-12)
            elif recent[:, c].sum() > 0:
                out[:, c] = recent[:, c] / recent[:, c].sum()
            elif total[:, c].sum() > 0:
                out[:, c] = total[:, c] / total[:, c].sum()
        return out

    def engine(self, weeks: int, horizon: str, draws: int | None, seed: int) -> SummedEngine:
        """The summed engine for a ``weeks``-week period (see :func:`mmm.planning.engine.build_engine`)."""
        inner = build_engine(self.pairs, weeks, horizon, draws, seed)
        return SummedEngine(self.channels, self.roles, self.current(weeks), np.asarray(self.spend_scale),
                            weeks, horizon, inner, self.shares(weeks))


def _names(layout: Layout, c: int) -> tuple[str, ...]:
    return CARRYOVERS[layout.adstock[c]].params + SATURATIONS[layout.saturation[c]].params


@dataclass
class SummedEngine(PlanFrame):
    """The national response of a geo fit: an engine over (geo, channel) pairs, summed over geos.

    Has the interface planning uses of :class:`mmm.planning.engine.Engine`: a national weekly
    spend ``x`` (``C``) is split as ``shares * x`` over geos, evaluated pair by pair, and summed.
    """

    inner: Engine
    shares: np.ndarray          # (G, C)

    @property
    def n_draws(self) -> int:
        return self.inner.n_draws

    @property
    def n_time(self) -> int:
        return self.inner.n_time

    @property
    def n_geos(self) -> int:
        return self.shares.shape[0]

    def _pairs(self, x: np.ndarray) -> np.ndarray:
        return (self.shares * np.asarray(x, dtype="float64")[None, :]).ravel()

    def _sum(self, a: np.ndarray) -> np.ndarray:
        """Sum a trailing (G * C) axis over geos."""
        return a.reshape(*a.shape[:-1], self.n_geos, len(self.channels)).sum(axis=-2)

    def subset(self, idx: np.ndarray) -> SummedEngine:
        """The same engine on a subset of draws."""
        return SummedEngine(self.channels, self.roles, self.current, self.scale, self.weeks, self.horizon,
                            self.inner.subset(idx), self.shares)

    def channel_subset(self, idx: Any) -> SummedEngine:
        """The same engine restricted to some channels (in the order given)."""
        idx = [int(i) for i in idx]
        C = len(self.channels)
        pairs = [g * C + c for g in range(self.n_geos) for c in idx]
        return SummedEngine(tuple(self.channels[i] for i in idx), tuple(self.roles[i] for i in idx),
                            self.current[idx], self.scale[idx], self.weeks, self.horizon,
                            self.inner.channel_subset(pairs), self.shares[:, idx])

    def weekly(self, x: np.ndarray) -> np.ndarray:
        """Incremental KPI per week of plan ``x``, ``(S, n_time, C)``, summed over geos."""
        return self._sum(self.inner.weekly(self._pairs(x)))

    def totals_grad(self, x: np.ndarray, grad: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """KPI over the horizon per draw and channel ``(S, C)`` and its derivative in each national spend."""
        tot, g = self.inner.totals_grad(self._pairs(x), grad)
        if g is not None:
            g = self._sum(g * self.shares.ravel()[None, :])
        return self._sum(tot), g

    def channel_curve(self, c: int, xs: np.ndarray, grad: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """KPI over the horizon of channel ``c`` at national weekly spends ``xs``: ``(N, S)``."""
        C = len(self.channels)
        xs = np.asarray(xs, dtype="float64")
        tot, der = 0.0, (0.0 if grad else None)
        for g in range(self.n_geos):
            s = self.shares[g, c]
            t, d = self.inner.channel_curve(g * C + c, s * xs, grad)
            tot = tot + t
            if grad:
                der = der + s * d
        return tot, der

    def carry_in(self) -> np.ndarray:
        """KPI inside the period from spend before it, ``(S, C)``."""
        return self._sum(self.inner.carry_in())


# ---------------------------------------------------------------------- the split by geo


@dataclass(frozen=True)
class GeoSplit:
    """A national plan split over geos: ``table`` has ``geo, channel, current_spend, planned_spend``
    (weekly spend); ``method`` says how (``optimised`` or ``pro rata``); ``bound`` the most a geo's
    weekly spend may move from its pro-rata share (a fraction)."""

    table: pd.DataFrame
    method: str
    bound: float


def plan_by_geo(model: Any, planned: Any, *, weeks: int = 13, horizon: str = "period+tail", bound: float = 0.5,
                steps: int = 200, draws: int = 200, seed: int = 0) -> GeoSplit:
    """Split each channel's planned weekly budget across geos.

    Each channel's budget goes, ``steps`` increments at a time, to the geo where it adds the most
    expected KPI (posterior mean over ``draws`` draws): with diminishing returns this equalises the
    marginal returns across geos. Each geo stays within ``bound`` (a fraction) of its pro-rata share
    of the budget (its current share of the channel's spend), so the split never moves far from
    the spend the model has seen. Channels bought nationally keep their allocation.

    Parameters
    ----------
    model : GeoFit, GeoTotalView or GeoResponseModel
        The geo fit.
    planned : Mapping or Series
        Planned weekly spend per channel (the national plan's ``recommended_weekly``).
    weeks, horizon : int, str
        As the national plan.
    bound : float
        How far (a fraction) a geo may move from its pro-rata share.
    steps, draws, seed : int
        Resolution of the split, posterior draws used, and their seed.

    Returns
    -------
    GeoSplit
    """
    rm = _geo_response(model)
    eng = rm.engine(weeks, horizon, draws, seed)
    shares = eng.shares
    G, C = shares.shape
    planned = pd.Series(planned, dtype="float64").reindex(list(rm.channels)).fillna(0.0).to_numpy()
    current = rm.pairs.current(weeks).reshape(G, C)
    out = shares * planned[None, :]
    for c, ch in enumerate(rm.channels):
        if ch in rm.national_only or planned[c] <= 0:
            continue
        out[:, c] = _water_fill(eng, c, planned[c], shares[:, c], bound, steps)
    table = pd.DataFrame({"geo": np.repeat(rm.geos, C), "channel": np.tile(rm.channels, G),
                          "current_spend": current.ravel(), "planned_spend": out.ravel()})
    return GeoSplit(table, "optimised", bound)


def _water_fill(eng: SummedEngine, c: int, budget: float, share: np.ndarray, bound: float, steps: int) -> np.ndarray:
    """Greedy split of ``budget`` over geos for channel ``c``: each increment to the best marginal geo."""
    G, C = eng.shares.shape
    lo = np.maximum(share * (1 - bound), 0.0) * budget
    hi = share * (1 + bound) * budget
    step = (budget - lo.sum()) / steps
    x = lo.copy()
    if step <= 0:
        return x
    n_max = np.floor((hi - lo) / step + 1e-9).astype(int)
    curves = []
    for g in range(G):
        grid = lo[g] + step * np.arange(n_max[g] + 1)
        tot, _ = eng.inner.channel_curve(g * C + c, grid)
        curves.append(tot.mean(axis=1))                              # (n_max + 1,) expected KPI
    taken = np.zeros(G, dtype=int)
    for _ in range(steps):
        gains = np.array([curves[g][taken[g] + 1] - curves[g][taken[g]] if taken[g] < n_max[g] else -np.inf
                          for g in range(G)])
        best = int(np.argmax(gains))
        if not np.isfinite(gains[best]):
            break
        taken[best] += 1
    x = lo + step * taken
    return x * (budget / x.sum()) if x.sum() > 0 else x


def _geo_response(model: Any) -> GeoResponseModel:
    if isinstance(model, GeoResponseModel):
        return model
    view = model.total_view() if hasattr(model, "total_view") else model
    return view.response_model()


__all__ = ["REPORT_DRAWS", "GeoResponseModel", "GeoSplit", "SummedEngine", "plan_by_geo"]
