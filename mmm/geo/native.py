"""The geo model's log density written in JAX, without PyMC: :func:`geo_native_graph`.

The same model as :func:`mmm.geo.model.build_geo_model` (the same variables, transforms, start point, log
density and posterior outputs, under the same names, dims and coordinates) as the three JAX functions the
compiled sampler (:mod:`mmm.compiled`) builds its program from, as :mod:`mmm.native` does for the national
model. The media priors come from :func:`mmm.prior_plan.channel_priors`, the mean from :mod:`mmm.response`
(its JAX form), the distributions are numpyro's under PyMC's transforms (:mod:`mmm.native`).

Why: the geo gradient is where a geo fit's time goes (about 85% of a 40-geo fit), and here its arrays are laid
out for it (channels first, lags contiguous): one log density and gradient take 0.72-0.80x the time of PyMC's
graph converted to JAX on 10-100 geos (``benchmarks/geo_gradient.py``, ``benchmarks/README.md``). A geo fit
also no longer builds, lifts and converts a PyMC graph. ``tests/geo/test_geo_native.py`` checks that log density,
gradient, start point and outputs equal PyMC's at random points.

A prior this path does not write (:data:`mmm.native.FAMILIES`), ``MMM_PYMC_GRAPH=1``, or a mass matrix other
than the diagonal one builds the PyMC model as before.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from typing import Any

import numpy as np

from mmm.design import Design
from mmm.geo.panel import GeoPanel
from mmm.native import (
    FAMILIES,
    NativeGraph,
    Variable,
    constrain,
    distribution,
    model_coords,
    support_point,
    unconstrain,
)
from mmm.prior_plan import PRIOR_INPUT, channel_priors, prior_defaults, prior_inputs, without_priors
from mmm.response import (
    PARAM_USERS,
    Layout,
    baseline_parts,
    carryover_matrix,
    saturate_channels_first,
)
from mmm.spec import Prior, Spec
from mmm.transforms import SATURATIONS, saturation

#: a standard normal: the prior of the non-centred geo offsets' free values
_STANDARD = Prior("Normal", {"mu": 0.0, "sigma": 1.0})
#: the centred noise offsets' free values: Normal(0, noise_geo_sd), their scale a variable of the model
_NOISE_OFFSET = "noise_geo_offset_raw"


def geo_plan(spec: Spec, panel: GeoPanel, designs: list[Design]) -> dict[str, tuple[Prior, tuple[str, ...]]]:
    """Every random variable of the geo model with its prior and dims, in the order the PyMC model creates
    them (:func:`mmm.geo.model.build_geo_model`)."""
    from mmm.geo.inputs import GEO_PRIORS, GEO_SATURATION_LAMBDA, national_scaling

    layout = Layout.from_spec(spec)
    nat_scaling = national_scaling(panel)
    defaults, pr = prior_defaults(spec, panel.national_kpi() / nat_scaling.kpi_scale, nat_scaling, layout)
    pr = {**GEO_PRIORS, **pr}
    defaults = {**defaults, "saturation_lambda": GEO_SATURATION_LAMBDA}
    nat = designs[0]
    plan: dict[str, tuple[Prior, tuple[str, ...]]] = {}
    for param in (*PARAM_USERS, "roas"):
        users = list(layout.channels) if param == "roas" else list(layout.users(param))
        if not users:
            continue
        dim = "channel" if param == "roas" else f"{param}_channel"
        for name, prior in channel_priors(param, users, spec, defaults, layout).items():
            plan[name] = (prior, (dim,) if name == param else ())
    plan["roas_geo_sd"] = (pr["roas_geo_sd"], ("channel",))
    plan["roas_geo_z_raw"] = (_STANDARD, ("geo_free", "channel"))
    plan["level"] = (pr["level"], ("geo",))
    if spec.model.trend != "none":
        plan["trend_slope"] = (pr["trend"], ())
        plan["trend_slope_geo_sd"] = (pr["trend_geo_sd"], ())
        plan["trend_slope_geo_z_raw"] = (_STANDARD, ("geo_free",))
    if spec.model.trend == "piecewise":
        plan["trend_delta"] = (pr["changepoints"], ("changepoint",))
    if nat.fourier.shape[1]:
        plan["seasonality"] = (pr["seasonality"], ("fourier",))
        plan["seasonality_geo_sd"] = (pr["seasonality_geo_sd"], ())
        plan["seasonality_geo_z_raw"] = (_STANDARD, ("geo_free", "fourier"))
    if nat.events.shape[1]:
        plan["event_effect"] = (pr["events"], ("event",))
    if designs[0].controls.shape[1]:
        plan["control_effect"] = (pr["controls"], ("control",))
    if spec.model.likelihood == "negative_binomial":
        plan["nb_alpha"] = (pr["nb_alpha"], ())
    else:
        plan["sigma_national"] = (pr["noise"], ())
        plan["noise_geo_sd"] = (pr["noise_geo_sd"], ())
        plan[_NOISE_OFFSET] = (Prior("Normal", {"mu": 0.0}), ("geo_free",))
        if spec.model.likelihood == "student_t":
            plan["nu"] = (pr["student_t_nu"], ())
    return plan


def geo_native_graph(spec: Spec, panel: GeoPanel, scaling: Any, designs: list[Design],
                     lift: list[Any]) -> NativeGraph | None:
    """The geo model (:func:`mmm.geo.model.build_geo_model`) as JAX functions, or None where this path does not
    write it (then the PyMC model is built).

    Parameters
    ----------
    spec, panel, scaling, designs, lift
        As :func:`mmm.geo.model.build_geo_model` takes them: the spec, the training weeks, their
        :class:`~mmm.geo.inputs.GeoScaling`, one design per geo and the lift tests (:func:`~mmm.geo.inputs.geo_lift_data`).
    """
    if os.environ.get("MMM_PYMC_GRAPH"):
        return None
    from mmm.geo.inputs import zero_sum_basis

    layout = Layout.from_spec(spec)
    G, T, C = panel.n_geos, panel.n_weeks, len(layout.channels)
    nat = designs[0]
    sizes = {"geo": G, "geo_free": G - 1, "channel": C, "changepoint": len(nat.changepoints),
             "fourier": nat.fourier.shape[1], "event": nat.events.shape[1], "control": designs[0].controls.shape[1]}
    for param in PARAM_USERS:
        sizes[f"{param}_channel"] = len(layout.users(param))
    variables = []
    for name, (prior, dims) in geo_plan(spec, panel, designs).items():
        family = FAMILIES.get(prior.distribution)
        if family is None or frozenset(prior.params) not in family[1]:
            return None
        variables.append(Variable(name, prior, tuple(sizes[d] for d in dims), family[0], dims))
    plan = {v.name: v.prior for v in variables}
    priors = prior_inputs(plan)
    kscale = np.asarray(scaling.kpi_scale, dtype="float64")
    spend = np.asarray(scaling.train_spend, dtype="float64")                      # (G, C)
    counts = spec.model.likelihood == "negative_binomial"
    data: dict[str, np.ndarray] = {
        # channels first, lags last and contiguous: the contraction over the lags is then a batched product over
        # channels. With the national model's (week, channel, lag) layout XLA rearranged the 100-geo panel's lags
        # at every gradient: the media part alone took 3.5 ms against 1.05 ms (a micro-benchmark, 2026-12-01)
        "data:lags": np.ascontiguousarray(np.stack([d.lags for d in designs]).transpose(2, 0, 1, 3)),
        "data:controls": np.stack([d.controls for d in designs]),
        "data:time": nat.time, "data:fourier": nat.fourier, "data:events": nat.events,
        "data:changepoints": nat.changepoints,
        "data:kpi": np.round(panel.kpi).astype("int64") if counts else panel.kpi / kscale[:, None],
        "data:kpi_scale": kscale, "data:size": np.asarray(scaling.size, dtype="float64"), "data:spend_total": spend,
        "data:basis": zero_sum_basis(G) * np.sqrt(G / (G - 1.0)),
    }
    unit = float(np.mean(np.abs(panel.national_kpi()))) or 1.0  # the lift's scale, as the PyMC model's
    if lift:
        data["data:lift_unit"] = np.asarray(unit)
    for i, test in enumerate(lift):
        data.update({f"data:lift_{i}.delta_lags": test.delta_lags, f"data:lift_{i}.window": test.window,
                     f"data:lift_{i}.se": np.asarray(test.se / unit), f"data:lift_test_{i}": np.asarray(test.lift / unit)})
    arg_names: list[str | None] = [*priors, *data]
    args = [np.asarray(v) for v in (*priors.values(), *data.values())]
    n_values = len(variables)
    trend, likelihood = spec.model.trend, spec.model.likelihood
    lift_channels = [test.channel_index for test in lift]

    def prior_of(v: Variable, a: dict[str, Any], x: dict[str, Any]) -> Any:
        p = {k: a[f"{PRIOR_INPUT}{v.name}.{k}"] for k in v.prior.params}
        if v.name == _NOISE_OFFSET:
            p["sigma"] = x["noise_geo_sd"]
        return distribution(v.prior.distribution, p)

    def forward(values: list[Any], a: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any], Any]:
        """Prior log density with Jacobians, the variables' values, the deterministics, and what the
        likelihood needs."""
        import jax.numpy as jnp

        logp = 0.0
        x: dict[str, Any] = {}
        for v, z in zip(variables, values, strict=True):
            value, log_jacobian = constrain(v.support, z)
            logp = logp + jnp.sum(prior_of(v, a, x).log_prob(value)) + jnp.sum(log_jacobian)
            x[v.name] = value
        det: dict[str, Any] = {}
        params: dict[str, Any] = {}
        for param in (*PARAM_USERS, "roas"):
            users = list(layout.channels) if param == "roas" else layout.users(param)
            if not users:
                continue
            if param not in x:  # one variable per channel, stacked (a Deterministic in the PyMC model)
                det[param] = jnp.stack([x[f"{param}_{c}"] for c in users])
            params[param] = (x[param] if param in x else det[param])[None, :]
        basis = a["data:basis"]
        size, kpi_scale, spend_gc = a["data:size"], a["data:kpi_scale"], a["data:spend_total"]
        det["roas_geo_z"] = basis @ x["roas_geo_z_raw"]
        multiplier = jnp.exp(x["roas_geo_sd"][None, :] * det["roas_geo_z"])
        det["effect_geo_multiplier"] = multiplier
        carried = jnp.einsum("cgtl,cl->cgt", a["data:lags"], carryover_matrix(params, layout, jnp)[0])
        sat = saturate_channels_first(params, carried, layout, jnp)
        sat_total = jnp.sum(sat, axis=2).T                                          # (G, C)
        total_spend = jnp.sum(spend_gc, axis=0)
        never = (total_spend <= 0).astype("float64")
        per_head = params["roas"][0] * total_spend / (jnp.sum(multiplier * size[:, None] * sat_total, axis=0) + never)
        beta = per_head[None, :] * multiplier * size[:, None] / kpi_scale[:, None]
        det["media_beta_geo"] = beta
        bought = spend_gc > 0
        det["roas_geo"] = jnp.where(bought, kpi_scale[:, None] * beta * sat_total / jnp.where(bought, spend_gc, 1.0),
                                    0.0)
        base: dict[str, Any] = {"intercept": jnp.zeros(G)}
        if trend != "none":
            det["trend_slope_geo_z"] = basis @ x["trend_slope_geo_z_raw"]
            det["trend_slope_geo"] = x["trend_slope"] + x["trend_slope_geo_sd"] * det["trend_slope_geo_z"]
            base["trend_slope"] = det["trend_slope_geo"]
        if trend == "piecewise":
            base["trend_delta"] = x["trend_delta"][None, :]
        if "seasonality" in x:
            det["seasonality_geo_z"] = basis @ x["seasonality_geo_z_raw"]
            det["seasonality_geo"] = x["seasonality"][None, :] + x["seasonality_geo_sd"] * det["seasonality_geo_z"]
            base["seasonality"] = det["seasonality_geo"]
        if "event_effect" in x:
            base["event_effect"] = x["event_effect"][None, :]
        national = Design(lags=np.zeros((T, 0, 0)), time=a["data:time"], fourier=a["data:fourier"],
                          controls=np.zeros((T, 0)), events=a["data:events"], changepoints=a["data:changepoints"])
        parts = baseline_parts(base, national, trend, jnp)
        rest = (parts["trend"] + parts["seasonality"] + jnp.sum(parts["events"], axis=-1)
                + jnp.einsum("cgt,gc->gt", sat, beta))
        if "control_effect" in x:
            rest = rest + a["data:controls"] @ x["control_effect"]
        det["intercept"] = x["level"] - jnp.mean(rest, axis=1)
        mu = rest + det["intercept"][:, None]
        for i, c in enumerate(lift_channels):
            det[f"lift_test_{i}_predicted"] = lift_predicted(i, c, params, carried[c], beta, a)
        if likelihood != "negative_binomial":
            det["noise_geo_offset"] = basis @ x[_NOISE_OFFSET]
            det["sigma"] = x["sigma_national"] * jnp.exp(det["noise_geo_offset"])
        return logp, x, det, mu

    def lift_predicted(i: int, c: int, params: dict[str, Any], carried: Any, beta: Any, a: dict[str, Any]) -> Any:
        """The lift test's predicted lift, KPI units: the gain of its spend change over its window, every geo."""
        import jax.numpy as jnp

        w = carryover_matrix(params, layout, jnp)[0, c]
        delta = a[f"data:lift_{i}.delta_lags"] @ w
        kind = layout.saturation[c]
        p = {n: params[n][0, layout.users(n).index(layout.channels[c])] for n in SATURATIONS[kind].params}
        gain = saturation(kind, carried + delta, p, jnp) - saturation(kind, carried, p, jnp)
        return jnp.sum(a["data:kpi_scale"] * beta[:, c] * jnp.sum(gain * a[f"data:lift_{i}.window"][None, :], axis=1))

    def unpack(xs: tuple[Any, ...]) -> tuple[list[Any], dict[str, Any]]:
        return list(xs[:n_values]), dict(zip(arg_names, xs[n_values:], strict=True))

    def logp_fn(*xs: Any) -> list[Any]:
        import jax.numpy as jnp
        import numpyro.distributions as dist

        values, a = unpack(xs)
        logp, x, det, mu = forward(values, a)
        for i in range(len(lift_channels)):
            logp = logp + dist.Normal(det[f"lift_test_{i}_predicted"] / a["data:lift_unit"], a[f"data:lift_{i}.se"]).log_prob(
                a[f"data:lift_test_{i}"])
        kpi = a["data:kpi"]
        if likelihood == "negative_binomial":
            rate = a["data:kpi_scale"][:, None] * jnp.logaddexp(0.0, 20 * mu) / 20  # softplus, as the PyMC model
            noise = dist.NegativeBinomial2(rate, x["nb_alpha"])
        elif likelihood == "student_t":
            noise = dist.StudentT(x["nu"], mu, det["sigma"][:, None])
        else:
            noise = dist.Normal(mu, det["sigma"][:, None])
        return [logp + jnp.sum(noise.log_prob(kpi))]

    def start_fn(*xs: Any) -> list[Any]:
        import jax.numpy as jnp

        a = dict(zip(arg_names, xs, strict=True))
        out = []
        for v in variables:
            point = 0.0 if v.name == _NOISE_OFFSET else support_point(v.prior.distribution, prior_of(v, a, {}))
            out.append(unconstrain(v.support, jnp.broadcast_to(point, v.shape).astype("float64")))
        return out

    # PyMC's order of the posterior: untransformed free variables, then transformed ones, then deterministics in
    # the order the model creates them
    plain = [v.name for v in variables if v.support == "real"]
    transformed = [v.name for v in variables if v.support != "real"]
    det_names = [p for p in (*PARAM_USERS, "roas") if p not in plan and (p == "roas" or layout.users(p))]
    det_names += ["roas_geo_z", "effect_geo_multiplier", "media_beta_geo", "roas_geo"]
    if trend != "none":
        det_names += ["trend_slope_geo_z", "trend_slope_geo"]
    if "seasonality" in plan:
        det_names += ["seasonality_geo_z", "seasonality_geo"]
    det_names += ["intercept", *(f"lift_test_{i}_predicted" for i in range(len(lift)))]
    if likelihood != "negative_binomial":
        det_names += ["noise_geo_offset", "sigma"]
    out_names = [*plain, *transformed, *det_names]

    def out_fn(*xs: Any) -> list[Any]:
        values, a = unpack(xs)
        _, x, det, _ = forward(values, a)
        both = {**x, **det}
        return [both[n] for n in out_names]

    dims: dict[str, list[str]] = {v.name: list(v.dims) for v in variables if v.dims}
    for p in det_names:
        if p in PARAM_USERS or p == "roas":
            dims[p] = ["channel"] if p == "roas" else [f"{p}_channel"]
    dims.update({"roas_geo_z": ["geo", "channel"], "effect_geo_multiplier": ["geo", "channel"],
                 "media_beta_geo": ["geo", "channel"], "roas_geo": ["geo", "channel"], "trend_slope_geo_z": ["geo"],
                 "trend_slope_geo": ["geo"], "seasonality_geo_z": ["geo", "fourier"],
                 "seasonality_geo": ["geo", "fourier"], "intercept": ["geo"], "noise_geo_offset": ["geo"],
                 "sigma": ["geo"], "kpi": ["geo", "date"]})
    dims = {n: dims[n] for n in [*out_names, "kpi"] if n in dims}  # PyMC's order: posterior, then observed
    observed = {"kpi": np.asarray(data["data:kpi"])}
    observed.update({f"lift_test_{i}": np.asarray(data[f"data:lift_test_{i}"]) for i in range(len(lift))})
    coords = model_coords(spec, layout, nat, panel.dates)
    coords["geo"] = list(panel.geos)
    coords["geo_free"] = list(range(G - 1))
    from mmm.compiled import _feed, _package_digest

    h = hashlib.sha256()
    stable = _feed(h, ("geo", without_priors(replace(spec, fit=None, data=None)),
                       [(v.name, v.prior.distribution, sorted(v.prior.params), v.shape) for v in variables],
                       [(n, a.dtype.str, a.shape) for n, a in zip(arg_names, args, strict=True)]))
    key = ("native-geo", _package_digest(), h.hexdigest() if stable else ("other", id(h)))
    return NativeGraph(key, [v.value_name for v in variables], out_names, args, arg_names,
                       (logp_fn, start_fn, out_fn), observed, coords, dims)


__all__ = ["geo_native_graph", "geo_plan"]
