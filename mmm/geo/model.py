"""The hierarchical geo (panel) model: the national adstock-and-saturation model, per geo, with pooling.

For geo ``g`` and week ``t`` (KPI divided by the geo's own mean KPI, ``kpi_scale[g]``)::

    kpi[g, t] = intercept[g] + trend_slope_geo[g] * time[t] + seasonality_geo[g] . fourier[t]
                + events[t] . event_effect + controls[g, t] . control_effect
                + sum over channels c of  media_beta_geo[g, c] * saturation_c(carryover_c(x[g, t, c]))
                + noise[g, t],     noise ~ Normal(0, sigma[g])

* **Spend per capita.** ``x[g, t, c]`` is spend divided by the geo's relative size and by the
  channel's typical weekly spend per unit of size (:class:`GeoScaling`): ``x = 1`` is a typical
  week of a typical geo *per head*, so one saturation curve per channel serves every geo and a
  large geo does not saturate just because it is large.
* **Effects, partially pooled per head.** Each geo's effect per head at full saturation is the
  channel's national value times ``effect_geo_multiplier[g, c] = exp(roas_geo_sd[c] * roas_geo_z[g, c])``
  (non-centred; ``z`` sums to zero over geos); ``roas_geo_sd`` says how much geos' returns differ
  *at the same spend per head*. The national value follows from ``roas[c]``, the channel's
  **national ROAS** (total contribution over all geos and weeks / total spend), with the spec's
  (or the preset's) ROAS prior exactly as the national model's::

      media_beta_geo[g, c] = roas[c] * spend[c] * multiplier[g, c] * size[g]
                             / (kpi_scale[g] * sum_g' multiplier[g', c] * size[g'] * sum_t saturation[g', t, c])

  so ``roas`` *is* the national ROAS the fit reports. A geo's own ROAS (``roas_geo``, a
  deterministic) also differs by how far up the shared curve its spend per head sits: a geo that
  buys more per head earns less per dollar. (Pooling the geo ROAS themselves, as an earlier
  version did, shrank the heavy-spending geos' low returns towards the others' and so biased the
  spend-weighted national ROAS, with intervals too narrow to show it.)
* **Shared per channel:** carryover and saturation parameters (the priors of
  :mod:`mmm.transforms`, role-aware, with the spec's overrides), except the logistic ``lambda``,
  whose default here is :data:`GEO_SATURATION_LAMBDA` (mode at a typical week half way up the curve).
* **Baseline per geo:** a level (from which the intercept follows, as nationally), a trend slope
  and Fourier seasonality, each a national mean plus zero-sum geo offsets with a pooled scale
  (both non-centred: on Meridian's noisy geo data a centred trend
  offset sampled as a funnel, min bulk ESS 27 against 98 non-centred); events and controls share
  one effect.
* **Noise per geo**, pooled on the log scale (centred); Student-t and negative-binomial likelihoods as for
  national models (the KPI preset decides).
* **Lift tests**, national or in named geos (``lift_tests: - geos: [...]``): the spend change is
  split over the test's geos by their share of the channel's spend, and the measured lift is tied
  to the lift the model predicts summed over those geos.

The forward path is :mod:`mmm.response`'s: in the graph the geo axis is folded into the time
axis for carryover and saturation (no loop over geos), and on posterior draws each geo's
parameters and :class:`~mmm.design.Design` go through :func:`mmm.response.components`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from mmm.design import Design
from mmm.geo.inputs import (  # noqa: F401 - re-exported: this module's names before the PyMC-free ones moved
    GEO_PRIORS,
    GEO_SATURATION_LAMBDA,
    GeoLift,
    GeoScaling,
    geo_designs,
    geo_lift_data,
    geo_scaling,
    national_scaling,
    panel_controls,
    panel_events,
    zero_sum_basis,
)
from mmm.geo.panel import GeoPanel
from mmm.model import media_priors, model_setup, prior_variable
from mmm.response import Layout, baseline_parts, carryover_matrix, saturated_media
from mmm.spec import Prior, Spec
from mmm.transforms import SATURATIONS, saturation


def _geo_offsets(name: str, dims: tuple[str, ...], n_geos: int, sd: Any = 1.0) -> Any:
    """Normal geo offsets of scale ``sd`` that sum to zero over geos, shaped ``dims`` (``"geo"`` first).

    Zero-sum offsets leave the national value alone to carry the mean of the geos: with free
    offsets their mean and the national value trade off along a ridge that slows NUTS. The
    ``n - 1`` free values are mapped by an orthonormal zero-sum basis (as PyMC's ZeroSumNormal)
    and scaled so that each offset is marginally ``Normal(0, sd)``: standard offsets (``sd = 1``)
    for a non-centred parametrisation, a random ``sd`` for a centred one.
    """
    raw = pm.Normal(f"{name}_raw", 0.0, sd, dims=("geo_free", *dims[1:]))
    basis = zero_sum_basis(n_geos) * np.sqrt(n_geos / (n_geos - 1.0))
    return pm.Deterministic(name, pt.tensordot(basis, raw, axes=1), dims=dims)


def _pooled(name: str, mean: Any, prior: Prior, dims: tuple[str, ...], n_geos: int, *, centred: bool) -> Any:
    """``mean`` plus zero-sum geo offsets with a pooled scale ``sd ~ prior``.

    ``centred``: the offsets are drawn with scale ``sd`` (right when every geo's weeks pin its own
    value down, e.g. a trend); else as ``sd`` times standard offsets (right when the data say
    little per geo, e.g. small seasonal differences), where the centred form has a funnel.
    """
    sd = prior_variable(f"{name}_geo_sd", prior, f"{name}_geo_sd")
    if centred:
        return pm.Deterministic(f"{name}_geo", mean + _geo_offsets(f"{name}_geo_offset", dims, n_geos, sd), dims=dims)
    z = _geo_offsets(f"{name}_geo_z", dims, n_geos)
    return pm.Deterministic(f"{name}_geo", mean + sd * z, dims=dims)


def build_geo_model(spec: Spec, panel: GeoPanel, scaling: GeoScaling, designs: list[Design], *,
                    lift: list[GeoLift] | None = None) -> pm.Model:
    """Build the PyMC geo model (see the module doc) on ``panel``'s weeks.

    Parameters
    ----------
    spec : Spec
        What to model (channels, forms, priors, likelihood).
    panel : GeoPanel
        The training weeks.
    scaling : GeoScaling
        Its scale factors (:func:`geo_scaling`).
    designs : list of Design
        One per geo (:func:`geo_designs`).
    lift : list of GeoLift, optional
        Lift tests to calibrate against (national, or in named geos).
    """
    G, T = panel.n_geos, panel.n_weeks
    nat_scaling = national_scaling(panel)
    nat = designs[0]
    layout, defaults, pr, coords = model_setup(spec, nat, panel.national_kpi() / nat_scaling.kpi_scale,
                                               nat_scaling, panel.dates)
    pr = {**GEO_PRIORS, **pr}
    defaults = {**defaults, "saturation_lambda": GEO_SATURATION_LAMBDA}
    coords["geo"] = list(panel.geos)
    coords["geo_free"] = list(range(G - 1))
    kscale = np.asarray(scaling.kpi_scale)
    y = panel.kpi / kscale[:, None]
    lags = np.stack([d.lags for d in designs])                       # (G, T, C, L)
    controls = np.stack([d.controls for d in designs])               # (G, T, K)
    spend = np.asarray(scaling.train_spend)                          # (G, C)
    C, K, E = len(layout.channels), controls.shape[2], nat.events.shape[1]
    with pm.Model(coords=coords) as model:
        params, roas = media_priors(spec, layout, defaults)
        sd = prior_variable("roas_geo_sd", pr["roas_geo_sd"], "roas_geo_sd", dims="channel")
        # non-centred: a geo's effect is weakly informed by its own weeks (a centred form sampled no
        # better on the bundled sample: 127 leapfrog steps per draw either way, lower ESS)
        z = _geo_offsets("roas_geo_z", ("geo", "channel"), G)
        multiplier = pm.Deterministic("effect_geo_multiplier", pt.exp(sd[None, :] * z), dims=("geo", "channel"))
        # geo folded into time: one carryover-and-saturation pass over every geo-week
        sat = saturated_media(params, lags.reshape(G * T, C, -1), layout, pt)[0].reshape((G, T, C))
        sat_total = pt.sum(sat, axis=1)                                  # (G, C)
        # the pooled quantity is the effect per head at full saturation, not the geo's ROAS: a geo that
        # buys more per head is further up the shared curve and earns less per dollar, as it should
        size = np.asarray(scaling.size)[:, None]
        total_spend = spend.sum(axis=0)                                  # (C,)
        never = (total_spend <= 0).astype("float64")                     # effect 0 for a channel never bought
        per_head = roas * total_spend / (pt.sum(multiplier * size * sat_total, axis=0) + never)
        beta = pm.Deterministic("media_beta_geo", per_head[None, :] * multiplier * size / kscale[:, None],
                                dims=("geo", "channel"))
        bought = spend > 0
        pm.Deterministic("roas_geo", pt.switch(bought, kscale[:, None] * beta * sat_total / np.where(bought, spend, 1.0),
                                               0.0), dims=("geo", "channel"))
        level = prior_variable("level", pr["level"], "level", dims="geo")
        base: dict[str, Any] = {"intercept": pt.zeros(G)}
        if spec.model.trend != "none":
            slope = prior_variable("trend_slope", pr["trend"], "trend")
            # non-centred: a geo's trend is well informed when its noise is small (simulated panels: either form
            # samples alike) but not on noisy geos (Meridian's data: the centred form had R-hat 1.08, ESS 27)
            base["trend_slope"] = _pooled("trend_slope", slope, pr["trend_geo_sd"], ("geo",), G, centred=False)
        if spec.model.trend == "piecewise":
            base["trend_delta"] = prior_variable("trend_delta", pr["changepoints"], "changepoints",
                                                 dims="changepoint")[None, :]
        if nat.fourier.shape[1]:
            seas = prior_variable("seasonality", pr["seasonality"], "seasonality", dims="fourier")
            base["seasonality"] = _pooled("seasonality", seas[None, :], pr["seasonality_geo_sd"], ("geo", "fourier"), G,
                                          centred=False)
        if E:
            base["event_effect"] = prior_variable("event_effect", pr["events"], "events", dims="event")[None, :]
        national = Design(lags=nat.lags, time=nat.time, fourier=nat.fourier, controls=np.zeros((T, 0)),
                          events=nat.events, changepoints=nat.changepoints)
        parts = baseline_parts(base, national, spec.model.trend, pt)
        rest = parts["trend"] + parts["seasonality"] + pt.sum(parts["events"], axis=-1) + pt.sum(sat * beta[:, None, :], axis=-1)
        if K:
            effect = prior_variable("control_effect", pr["controls"], "controls", dims="control")
            rest = rest + pt.sum(controls * effect[None, None, :], axis=-1)
        intercept = pm.Deterministic("intercept", level - pt.mean(rest, axis=1), dims="geo")
        mu = rest + intercept[:, None]
        if lift:
            _add_lift(lift, params, layout, lags, beta, kscale, float(np.mean(np.abs(panel.national_kpi()))) or 1.0)
        _likelihood(spec, mu, pr, kscale, y, panel.kpi)
    return model


#: Mass matrices a geo fit can use: ``diagonal`` (numpyro's default), ``dense`` (over every sampled
#: value) and ``global`` (dense over the values every geo shares, diagonal over the per-geo ones).
MASS_MATRICES = ("diagonal", "dense", "global")


def mass_matrix_setting(model: pm.Model, kind: str) -> bool | tuple[tuple[str, ...], ...]:
    """The sampler's ``dense_mass`` (:class:`mmm.compiled.SamplerSettings`) for mass matrix ``kind``.

    ``global``: one dense block over the sampled values without a geo axis (channel carryover,
    saturation and ROAS, the pooling scales, national trend, seasonality, events, controls and
    noise), where the posterior correlations that slow NUTS are (ROAS against saturation and
    carryover); the per-geo values, many and nearly independent, keep a diagonal mass.
    """
    from mmm.errors import SpecError

    if kind not in MASS_MATRICES:
        raise SpecError(f"mass matrix '{kind}' is not one of {', '.join(MASS_MATRICES)}.")
    if kind != "global":
        return kind == "dense"
    per_geo = {"geo", "geo_free"}
    shared = tuple(model.rvs_to_values[rv].name for rv in model.free_RVs
                   if not per_geo & set(model.named_vars_to_dims.get(rv.name, ())))
    return (shared,) if shared else False


def _add_lift(lift: list[GeoLift], params: dict[str, Any], layout: Layout, lags: np.ndarray, beta: Any,
              kscale: np.ndarray, unit: float) -> None:
    """Each lift test's measured lift against the lift the model predicts, summed over its geos."""
    weights = carryover_matrix(params, layout, pt)[0]                # (C, L)
    for i, test in enumerate(lift):
        c = test.channel_index
        w = weights[c]
        carried = pt.sum(lags[:, :, c, :] * w, axis=-1)              # (G, T)
        delta = pt.sum(test.delta_lags * w, axis=-1)
        kind = layout.saturation[c]
        p = {n: params[n][0, layout.users(n).index(layout.channels[c])] for n in SATURATIONS[kind].params}
        gain = saturation(kind, carried + delta, p, pt) - saturation(kind, carried, p, pt)
        predicted = pm.Deterministic(f"lift_test_{i}_predicted",
                                     pt.sum(kscale * beta[:, c] * pt.sum(gain * test.window[None, :], axis=1)))
        pm.Normal(f"lift_test_{i}", mu=predicted / unit, sigma=test.se / unit, observed=test.lift / unit)


def _likelihood(spec: Spec, mu: Any, pr: dict[str, Prior], kscale: np.ndarray, y: np.ndarray,
                kpi: np.ndarray) -> None:
    """The KPI likelihood around ``mu`` (``(G, T)``, scaled), with pooled per-geo noise."""
    if spec.model.likelihood == "negative_binomial":
        alpha = prior_variable("nb_alpha", pr["nb_alpha"], "nb_alpha")
        rate = kscale[:, None] * pt.softplus(20 * mu) / 20
        pm.NegativeBinomial("kpi", mu=rate, alpha=alpha, observed=np.round(kpi).astype("int64"), dims=("geo", "date"))
        return
    sigma0 = prior_variable("sigma_national", pr["noise"], "noise")
    sd = prior_variable("noise_geo_sd", pr["noise_geo_sd"], "noise_geo_sd")
    z = _geo_offsets("noise_geo_offset", ("geo",), len(kscale), sd)   # centred: each geo's noise is well informed
    sigma = pm.Deterministic("sigma", sigma0 * pt.exp(z), dims="geo")[:, None]
    if spec.model.likelihood == "student_t":
        nu = prior_variable("nu", pr["student_t_nu"], "student_t_nu")
        pm.StudentT("kpi", nu=nu, mu=mu, sigma=sigma, observed=y, dims=("geo", "date"))
    else:
        pm.Normal("kpi", mu=mu, sigma=sigma, observed=y, dims=("geo", "date"))


__all__ = ["GEO_PRIORS", "GEO_SATURATION_LAMBDA", "MASS_MATRICES", "GeoLift", "GeoScaling", "mass_matrix_setting", "build_geo_model", "geo_designs", "geo_lift_data",
           "geo_scaling", "national_scaling", "panel_controls", "panel_events"]
