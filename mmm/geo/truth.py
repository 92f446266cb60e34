"""A geo fit whose posterior is a simulation's truth: what the geo model would say if it were exactly right.

:func:`truth_fit` turns a :class:`~mmm.simulate.geo.GeoTruth` into a :class:`~mmm.geo.fit.GeoFit`
with every draw equal to the true media parameters, expressed on the model's scales (spend per
unit of geo size, KPI per geo mean). Its contributions are the simulator's, its ROAS by geo the
true ones, and planning on it gives the true response of a budget: tests check the forward path
against the simulator with it, and benchmarks score plans with it. The baseline is not carried
(its parts are zero): use it for media, never for fit quality.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mmm.diagnostics import Diagnostics
from mmm.geo.fit import GeoFit
from mmm.geo.inputs import geo_scaling
from mmm.response import Layout
from mmm.spec import Spec
from mmm.transforms import CARRYOVERS, SATURATIONS


def truth_fit(truth: Any, spec: Spec, draws: int = 4) -> GeoFit:
    """A :class:`GeoFit` of ``truth.panel`` whose ``draws`` posterior draws (one chain) are the truth.

    Saturation parameters are rescaled from the simulator's per-capita scale to the model's: the
    simulator saturates ``spend / population / scale`` and the model ``spend / size / spend_scale``
    with ``size = population / mean population``, so a logistic ``lambda`` (or a half-saturation
    point) is multiplied (divided) by the ratio of the two scales.
    """
    import xarray as xr

    panel = truth.panel
    scaling = geo_scaling(panel)
    layout = Layout.from_spec(spec)
    G, C = panel.n_geos, len(layout.channels)
    pop = np.asarray(truth.population, dtype="float64")
    # model x = spend / (size * s_c) = sim x * ratio_c, ratio_c = mean(pop) * scale_c / s_c
    ratio = pop.mean() * np.asarray(truth.scale) / np.asarray(scaling.spend_scale)
    values: dict[str, Any] = {}
    for name in dict.fromkeys(p for c in range(C) for p in CARRYOVERS[layout.adstock[c]].params
                              + SATURATIONS[layout.saturation[c]].params):
        users = layout.users(name)
        row = []
        for ch in users:
            c = layout.channels.index(ch)
            p = truth.params[ch]
            if name in p["carryover_params"]:
                row.append(float(p["carryover_params"][name]))
            elif name == "saturation_lambda":
                row.append(float(p["saturation_params"][name]) / ratio[c])
            elif name == "half_saturation":
                row.append(float(p["saturation_params"][name]) * ratio[c])
            else:
                row.append(float(p["saturation_params"][name]))
        values[name] = (f"{name}_channel", np.asarray(row))
    kscale = np.asarray(scaling.kpi_scale)
    beta = np.asarray(truth.beta)[None, :] * np.asarray(truth.geo_multiplier) * pop[:, None] / kscale[:, None]
    values["media_beta_geo"] = (("geo", "channel"), beta)
    values["roas"] = ("channel", np.asarray([truth.national_roas[c] for c in layout.channels]))
    values["roas_geo"] = (("geo", "channel"), np.asarray(truth.geo_roas))
    values["intercept"] = ("geo", np.zeros(G))
    # the baseline is not carried: every baseline part zero
    F = 2 * spec.model.yearly_seasonality
    n_cp = spec.model.changepoints if spec.model.trend == "piecewise" else 0
    values["trend_slope_geo"] = ("geo", np.zeros(G))
    values["trend_delta"] = ("changepoint", np.zeros(n_cp))
    values["seasonality_geo"] = (("geo", "fourier"), np.zeros((G, F)))
    values["control_effect"] = ("control", np.zeros(len(spec.controls)))
    values["event_effect"] = ("event", np.zeros(len(spec.events)))
    values["sigma"] = ("geo", np.asarray(truth.noise_sd) / kscale)
    coords = {"chain": [0], "draw": np.arange(draws), "geo": list(panel.geos), "channel": list(layout.channels),
              **{f"{n}_channel": layout.users(n) for n in values if n in _PER_CHANNEL}}
    posterior = xr.Dataset({n: (("chain", "draw", *((d,) if isinstance(d, str) else d)),
                                np.broadcast_to(v, (1, draws, *np.shape(v))).copy())
                            for n, (d, v) in values.items()}, coords=coords)
    diagnostics = Diagnostics("truth", draws, 1, 0, 0.0, 1.0, float(draws), float(draws), 0, True,
                              "the simulation's truth (not a fit)")
    return GeoFit(spec=spec, panel=panel, scaling=scaling, idata=_Posterior(posterior), diagnostics=diagnostics)


_PER_CHANNEL = tuple(dict.fromkeys(p for f in (*CARRYOVERS.values(), *SATURATIONS.values()) for p in f.params))


class _Posterior:
    """Just a ``posterior`` group (what a fit reads of its ``idata``)."""

    def __init__(self, posterior: Any):
        self.posterior = posterior

    def groups(self) -> list[str]:
        return ["posterior"]

    def __contains__(self, name: str) -> bool:
        return name == "posterior"
