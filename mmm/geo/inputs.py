"""What the geo model reads, without PyMC: scale factors, designs, lift-test arrays and default priors.

Shared by the PyMC geo model (:mod:`mmm.geo.model`), the geo model written in JAX (:mod:`mmm.geo.native`),
reading a saved geo fit (:mod:`mmm.persist`) and the simulator's truth (:mod:`mmm.geo.truth`), so that none
of those but the PyMC model imports PyMC.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from mmm.design import Design, Scaling, compute_scaling, make_design
from mmm.geo.panel import GeoPanel
from mmm.response import Layout
from mmm.spec import Prior, Spec
from mmm.transforms import lag_matrix

#: Default priors of the pooling scales (on the scaled KPI; log scale for ROAS and noise). A spec
#: can override any of them under ``model: priors:`` by these names.
GEO_PRIORS: dict[str, Prior] = {
    "roas_geo_sd": Prior("HalfNormal", {"sigma": 0.3}),
    "trend_geo_sd": Prior("HalfNormal", {"sigma": 0.2}),
    "seasonality_geo_sd": Prior("HalfNormal", {"sigma": 0.1}),
    "noise_geo_sd": Prior("HalfNormal", {"sigma": 0.5}),
}

#: Default prior of the logistic saturation ``lambda`` in a geo fit (a spec's ``saturation_lambda``
#: under ``model: priors:`` or a channel's ``priors:`` still wins). ``x = 1`` is a typical week of a
#: typical geo per head, and Gamma(3, 2) has its mode there at ``lambda = 1`` (a typical week about half
#: way up the curve: ``tanh(0.5) = 0.46``), mean 1.5, 90% of its mass in [0.41, 3.15] and 8% below 0.5
#: (a nearly straight line). The national default, Gamma(2, 2), has its mode at 0.5 and 26% below it; on
#: simulated panels it pulled every channel's ``lambda``, and with it the national ROAS, below the truth
#: (``benchmarks/geo_recovery.py``, 20 seeds: ROAS z-scores' mean -0.22 with it; see benchmarks/README.md).
GEO_SATURATION_LAMBDA = Prior("Gamma", {"alpha": 3.0, "beta": 2.0})


@dataclass(frozen=True)
class GeoScaling:
    """Scale factors of a geo fit, fixed on the training weeks.

    Attributes
    ----------
    kpi_scale : tuple of float
        Each geo's mean absolute KPI (``G``): the model sees each geo's KPI divided by it.
    size : tuple of float
        Each geo's size relative to the mean geo (population, or mean KPI share), ``G``.
    spend_scale : tuple of float
        Each channel's typical weekly spend per unit of size (mean of its non-zero weeks), ``C``.
    control_mean, control_std : tuple of float
        Mean and standard deviation of each control over every geo and week (``K``).
    start : str
        First training week (trend time 0).
    trend_days : float
        Days from the first to the last training week (trend time 1).
    train_spend : tuple of tuple of float
        Spend per geo and channel over the training weeks, ``(G, C)``.
    train_weeks : int
        Number of training weeks.
    """

    kpi_scale: tuple[float, ...]
    size: tuple[float, ...]
    spend_scale: tuple[float, ...]
    control_mean: tuple[float, ...]
    control_std: tuple[float, ...]
    start: str
    trend_days: float
    train_spend: tuple[tuple[float, ...], ...]
    train_weeks: int

    @property
    def geo_spend_scale(self) -> np.ndarray:
        """Spend scale of each geo and channel, ``(G, C)``: size times the channel's scale."""
        return np.asarray(self.size)[:, None] * np.asarray(self.spend_scale)[None, :]

    def for_geo(self, g: int) -> Scaling:
        """Geo ``g``'s scaling as a national :class:`~mmm.design.Scaling` (for its design)."""
        return Scaling(float(self.kpi_scale[g]), tuple(map(float, self.geo_spend_scale[g])), self.control_mean,
                       self.control_std, self.start, self.trend_days, tuple(self.train_spend[g]), self.train_weeks)

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> GeoScaling:
        """Inverse of :meth:`to_dict`."""
        out = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
        out["train_spend"] = tuple(tuple(map(float, row)) for row in d["train_spend"])
        return cls(**out)


def geo_scaling(panel: GeoPanel) -> GeoScaling:
    """Scale factors of ``panel`` (its training weeks): see :class:`GeoScaling`."""
    kpi_scale = np.mean(np.abs(panel.kpi), axis=1)
    kpi_scale = np.where(kpi_scale > 0, kpi_scale, 1.0)
    pop = np.asarray(panel.population, dtype="float64")
    size = pop / pop.mean() if pop.size and pop.mean() > 0 else np.ones(panel.n_geos)
    per_head = panel.spend / size[:, None, None]
    spend_scale = []
    for c in range(panel.spend.shape[2]):
        nz = per_head[:, :, c][per_head[:, :, c] > 0]
        spend_scale.append(float(nz.mean()) if nz.size else 1.0)
    K = panel.controls.shape[2] if panel.controls.ndim == 3 else 0
    if K:
        flat = panel.controls.reshape(-1, K)
        mean, std = flat.mean(axis=0), flat.std(axis=0)
        std = np.where(std > 0, std, 1.0)
    else:
        mean = std = np.zeros(0)
    dates = panel.dates
    span = float((dates[-1] - dates[0]).days) or 7.0
    return GeoScaling(tuple(map(float, kpi_scale)), tuple(map(float, size)), tuple(spend_scale),
                      tuple(map(float, mean)), tuple(map(float, std)), str(dates[0].date()), span,
                      tuple(tuple(map(float, row)) for row in panel.spend.sum(axis=1)), panel.n_weeks)


def national_scaling(panel: GeoPanel) -> Scaling:
    """The scaling of the panel summed over geos (national priors and the national view)."""
    K = panel.controls.shape[2] if panel.controls.ndim == 3 else 0
    controls = panel.controls.mean(axis=0) if K else np.zeros((panel.n_weeks, 0))
    return compute_scaling(panel.dates, panel.national_kpi(), panel.national_spend(), controls)


def panel_controls(panel: GeoPanel) -> np.ndarray:
    """The panel's controls as ``(G, T, K)`` (``K = 0`` when it has none)."""
    if panel.controls.ndim == 3 and panel.controls.shape[2]:
        return np.asarray(panel.controls, dtype="float64")
    return np.zeros((panel.n_geos, panel.n_weeks, 0))


def panel_events(panel: GeoPanel) -> np.ndarray:
    """The panel's events as ``(T, E)`` (``E = 0`` when it has none)."""
    if panel.events.ndim == 2 and panel.events.shape[0] == panel.n_weeks:
        return np.asarray(panel.events, dtype="float64")
    return np.zeros((panel.n_weeks, 0))


def geo_designs(spec: Spec, panel: GeoPanel, scaling: GeoScaling) -> list[Design]:
    """One :class:`~mmm.design.Design` per geo (its own lags and controls; shared time, seasonality, events)."""
    layout = Layout.from_spec(spec)
    controls, events = panel_controls(panel), panel_events(panel)
    n_cp = spec.model.changepoints if spec.model.trend == "piecewise" else 0
    return [make_design(panel.dates, panel.spend[g], controls[g], events, scaling.for_geo(g), l_max=layout.max_l,
                        seasonality_order=spec.model.yearly_seasonality, n_changepoints=n_cp)
            for g in range(panel.n_geos)]


@dataclass(frozen=True)
class GeoLift:
    """One lift test as arrays for the geo model (its spend change allocated to its geos)."""

    channel_index: int
    delta_lags: np.ndarray   # (G, T, L) scaled spend change per geo, lagged
    window: np.ndarray       # (T,) 1 inside the measurement window
    lift: float              # measured lift, KPI units
    se: float                # its standard error, KPI units


def geo_lift_data(spec: Spec, panel: GeoPanel, scaling: GeoScaling) -> list[GeoLift]:
    """The spec's lift tests as arrays: each test's weekly spend change split over its geos (all geos for a
    national test, else the test's ``geos``) by their share of the channel's training spend; the model
    predicts the lift summed over those geos."""
    from mmm.errors import SpecError

    layout = Layout.from_spec(spec)
    spend = np.asarray(scaling.train_spend)                           # (G, C)
    out = []
    for i, test in enumerate(spec.lift_tests):
        c = layout.channels.index(test.channel)
        inside = (panel.dates >= pd.Timestamp(test.start)) & (panel.dates <= pd.Timestamp(test.end))
        if not inside.any():
            raise SpecError(f"lift_tests[{i}] window {test.start}..{test.end} has no week in the data "
                            f"({panel.dates[0].date()}..{panel.dates[-1].date()}). Drop it or fix the dates.")
        unknown = [g for g in test.geos if g not in panel.geos]
        if unknown:
            raise SpecError(f"lift_tests[{i}].geos names '{unknown[0]}', which is not a geo of the data "
                            f"({', '.join(panel.geos[:5])}{' ...' if panel.n_geos > 5 else ''}). Use the geo names "
                            "as they are in the geo column.")
        inside_geo = np.array([not test.geos or g in test.geos for g in panel.geos], dtype=float)
        weight = spend[:, c] * inside_geo
        if weight.sum() <= 0:
            weight = np.asarray(scaling.size) * inside_geo
        share = weight / weight.sum()
        change = np.where(inside, test.spend_change, 0.0)[None, :] * share[:, None]     # (G, T)
        if test.spend_change < 0 and np.any(panel.spend[:, :, c] + change < -1e-9):
            raise SpecError(f"lift_tests[{i}]: spend_change {test.spend_change} would make {test.channel}'s "
                            "spend negative in some geo; give the weekly change actually made.")
        scaled = change / scaling.geo_spend_scale[:, c][:, None]
        lags = np.stack([lag_matrix(scaled[g], layout.max_l) for g in range(panel.n_geos)])
        out.append(GeoLift(c, lags, inside.astype("float64"), float(test.lift), float(test.lift_se)))
    return out


def zero_sum_basis(n: int) -> np.ndarray:
    """An ``(n, n - 1)`` matrix whose columns are orthonormal and each sum to zero."""
    q, _ = np.linalg.qr(np.eye(n) - 1.0 / n)
    return q[:, : n - 1]


__all__ = ["GEO_PRIORS", "GEO_SATURATION_LAMBDA", "GeoLift", "GeoScaling", "geo_designs", "geo_lift_data", "geo_scaling", "national_scaling", "panel_controls", "panel_events", "zero_sum_basis"]
