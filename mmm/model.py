"""The Bayesian adstock-and-saturation model: priors, the mean function, the PyMC graph.

Weekly KPI (scaled by its mean) =
    intercept + trend + yearly seasonality + events + controls
    + sum over channels of  beta_c * saturation_c(carryover_c(spend_c / typical_spend_c))
    + noise.

Media effects are parametrised by **ROAS** (as Meridian does): the sampler draws each
channel's return on spend over the training weeks, ``roas_c``, and the scale of its
effect follows as ``beta_c = roas_c * spend_c / (kpi_scale * sum_t saturation_c[t])``.
ROAS priors are therefore priors an analyst can state ("paid search returns 2-4x"),
media effects are non-negative by construction, and the default prior is centred
where paid media explains about a quarter of the KPI, with a wide spread.

The mean function :func:`components` is written once for both PyTensor (inside the
model) and NumPy (on posterior draws, for contributions, holdout prediction and
budget planning): parameters always carry a leading draw axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt

from mmm.data_inputs import DATA_INPUT, data_inputs
from mmm.design import Design
from mmm.errors import SpecError
from mmm.native import model_coords
from mmm.prior_plan import PRIOR_INPUT, channel_priors, national_priors, prior_defaults
from mmm.response import (  # noqa: F401 - re-exported: the forward path lives in mmm.response
    PARAM_USERS,
    Layout,
    LiftData,
    baseline_parts,
    carryover_matrix,
    channel_default,
    components,
    default_priors,
    posterior_params,
    saturated_media,
    total_mean,
)
from mmm.spec import Prior, Spec
from mmm.transforms import (
    SATURATIONS,
    saturation,
)


def prior_variable(name: str, prior: Prior, where: str, *, as_inputs: bool = False, **kwargs: Any) -> Any:
    """A PyMC random variable ``name`` with ``prior`` (inside a model); a prior PyMC cannot take is a
    :class:`SpecError` naming the spec entry ``where``.

    ``as_inputs``: the prior's parameters enter the model as shared variables named
    ``prior:<name>.<parameter>`` (:mod:`mmm.prior_plan`), not as constants: a compiled sampler then takes
    them as arguments, so a refit with other prior values reuses it without building the model.
    """
    params: dict[str, Any] = dict(prior.params)
    if as_inputs:
        params = {k: pytensor.shared(np.asarray(v, dtype="float64"), name=f"{PRIOR_INPUT}{name}.{k}",
                                     shape=np.shape(v)) for k, v in params.items()}
    try:
        return getattr(pm, prior.distribution)(name, **params, **kwargs)
    except TypeError as exc:
        raise SpecError(f"Prior '{where}': {prior.distribution} does not take {sorted(prior.params)} ({exc}). "
                        "Use the parameter names of PyMC's distribution, e.g. Normal(mu, sigma), "
                        "Beta(alpha, beta), Gamma(alpha, beta) or Gamma(mu, sigma), LogNormal(mu, sigma).") from None


_dist = prior_variable  # the short name used throughout this module and by the mediation model


def _channel_param(name: str, chans: list[str], priors: dict[str, Prior], *, as_inputs: bool = False) -> Any:
    """A per-channel vector parameter from its variables' ``priors`` (:func:`mmm.prior_plan.channel_priors`):
    one vector draw, or one draw per channel stacked."""
    dims = "channel" if name == "roas" else f"{name}_channel"
    if name in priors:
        return _dist(name, priors[name], name, dims=dims, as_inputs=as_inputs)
    raw = [_dist(f"{name}_{c}", priors[f"{name}_{c}"], f"{c}.{name}", as_inputs=as_inputs) for c in chans]
    return pm.Deterministic(name, pt.stack(raw), dims=dims)


def model_setup(spec: Spec, design: Design, kpi_scaled: np.ndarray, scaling: Any,
                dates: Any) -> tuple[Layout, dict[str, Prior], dict[str, Prior], dict[str, Any]]:
    """Layout, default priors, priors with user overrides, and PyMC coordinates of a model."""
    layout = Layout.from_spec(spec)
    defaults, pr = prior_defaults(spec, kpi_scaled, scaling, layout)
    return layout, defaults, pr, model_coords(spec, layout, design, dates)


def media_priors(spec: Spec, layout: Layout, defaults: dict[str, Prior],
                 plan: dict[str, Prior] | None = None) -> tuple[dict[str, Any], Any]:
    """Each channel's carryover and saturation parameters (leading axis of 1) and its ROAS (inside a
    model context); shared by the national and the geo model. With ``plan``
    (:func:`mmm.prior_plan.national_priors`) the priors are the plan's and enter the model as inputs."""
    def priors(name: str, chans: list[str]) -> dict[str, Prior]:
        return plan if plan is not None else channel_priors(name, chans, spec, defaults, layout)

    params: dict[str, Any] = {}
    for param in PARAM_USERS:
        users = list(layout.users(param))
        if users:
            params[param] = _channel_param(param, users, priors(param, users), as_inputs=plan is not None)[None, :]
    chans = list(layout.channels)
    return params, _channel_param("roas", chans, priors("roas", chans), as_inputs=plan is not None)


def add_media(spec: Spec, design: Design, scaling: Any, layout: Layout,
              defaults: dict[str, Prior], plan: dict[str, Prior] | None = None,
              data: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any, Any]:
    """Media priors and the ROAS-parametrised effect scale (inside a model context).

    Returns the carryover/saturation parameters (leading axis of 1), the saturated media
    ``(1, T, C)`` and ``media_beta`` (a Deterministic per channel). ``plan``: as in :func:`media_priors`;
    ``data``: the model's named data inputs (:mod:`mmm.data_inputs`), which then give the spend totals and
    the KPI scale (``design`` is then theirs too).
    """
    params, roas = media_priors(spec, layout, defaults, plan)
    sat = saturated_media(params, design.lags, layout, pt)  # (1, T, C)
    spend_total = np.asarray(scaling.train_spend) if data is None else data[DATA_INPUT + "spend_total"]
    kpi_scale = scaling.kpi_scale if data is None else data[DATA_INPUT + "kpi_scale"]
    beta = pm.Deterministic("media_beta", roas * spend_total / (kpi_scale * pt.sum(sat[0], axis=0)),
                            dims="channel")
    return params, sat, beta


def build_model(spec: Spec, design: Design, kpi_scaled: np.ndarray, scaling: Any, *,
                dates: Any, lift: list[LiftData] | None = None, kpi_counts: np.ndarray | None = None) -> pm.Model:
    """Build the PyMC model for the training weeks.

    Parameters
    ----------
    spec : Spec
        What to model.
    design : Design
        Scaled arrays of the training weeks (:func:`mmm.design.make_design`).
    kpi_scaled : ndarray
        KPI divided by ``scaling.kpi_scale``.
    scaling : Scaling
        Scale factors (for the ROAS parametrisation).
    dates : DatetimeIndex
        Training weeks (coordinates).
    lift : list of LiftData, optional
        Lift tests to calibrate against.
    kpi_counts : ndarray, optional
        Raw integer counts, for the negative-binomial likelihood.
    """
    layout, defaults, pr, coords = model_setup(spec, design, kpi_scaled, scaling, dates)
    K, E = design.controls.shape[1], design.events.shape[1]
    # every prior comes from the plan, and its values enter the model as inputs (mmm.prior_plan); so does every
    # array of data (mmm.data_inputs): the graph below reads the design, scale factors and observations only
    # through these named shared variables
    plan = national_priors(spec, layout, defaults, pr, design.fourier.shape[1], K, E)
    data = {name: pytensor.shared(value, name=name, shape=value.shape)
            for name, value in data_inputs(design, scaling, kpi_scaled, kpi_counts, lift or []).items()}
    design = Design(**{f: data[DATA_INPUT + f] for f in ("lags", "time", "fourier", "controls", "events",
                                                         "changepoints")})
    with pm.Model(coords=coords) as model:
        params, sat, beta = add_media(spec, design, scaling, layout, defaults, plan, data)
        params["media_beta"] = beta[None, :]
        # The sampler draws the average weekly KPI level (1 on the scaled KPI by construction)
        # and the intercept follows from it. Sampling the intercept directly makes it trade off
        # against every channel's near-constant media level (correlation about -0.9): slow mixing.
        level = _dist("level", plan["level"], "level", as_inputs=True)
        params["intercept"] = pt.zeros(1)
        # the baseline's variables the plan has (by the spec's trend, seasonality, controls and events), with a
        # leading draw axis of 1: (variable, the spec's prior name for messages, dims)
        for name, where, dims in (("trend_slope", "trend", None), ("trend_delta", "changepoints", "changepoint"),
                                  ("seasonality", "seasonality", "fourier"), ("control_effect", "controls", "control"),
                                  ("event_effect", "events", "event")):
            if name in plan:
                params[name] = _dist(name, plan[name], where, dims=dims, as_inputs=True)[None]
        parts = baseline_parts(params, design, spec.model.trend, pt)
        parts["media"] = sat * params["media_beta"][:, None, :]
        rest = total_mean(parts, pt)[0]
        intercept = pm.Deterministic("intercept", level - pt.mean(rest))
        params["intercept"] = intercept[None]
        mu = rest + intercept
        pm.Deterministic("mu", mu, dims="date")
        add_lift_tests(lift or [], params, layout, design, beta, data=data)
        add_likelihood(spec, mu, pr, scaling, kpi_scaled, kpi_counts, plan=plan, data=data)
    return model


def add_lift_tests(lift: list[LiftData], params: dict[str, Any], layout: Layout, design: Design,
                   effect: Any, *, data: dict[str, Any] | None = None) -> None:
    """Tie each lift test's measured lift to the model's predicted lift (inside a model context).

    ``effect`` is the per-channel scale of the media effect in scaled KPI units (``media_beta``,
    or direct + indirect in the mediation model); the prediction is ``effect[c]`` times the
    gain in saturation from the test's spend change, summed over the test window. ``data``: the model's
    named data inputs (:mod:`mmm.data_inputs`), which then hold the tests' arrays.
    """
    for i, test in enumerate(lift):
        c = test.channel_index
        delta_lags, window, se, measured = (
            (test.delta_lags, test.window, test.se_scaled, test.lift_scaled) if data is None else
            tuple(data[f"{DATA_INPUT}{k}"] for k in (f"lift_{i}.delta_lags", f"lift_{i}.window", f"lift_{i}.se",
                                                     f"lift_test_{i}")))
        w = carryover_matrix(params, layout, pt)[0, c]            # (L,)
        carried = design.lags[:, c, :] @ w
        delta = delta_lags @ w
        kind = layout.saturation[c]
        p = {n: params[n][0, layout.users(n).index(layout.channels[c])] for n in SATURATIONS[kind].params}
        gain = saturation(kind, carried + delta, p, pt) - saturation(kind, carried, p, pt)
        pm.Normal(f"lift_test_{i}", mu=effect[c] * pt.sum(gain * window), sigma=se, observed=measured)


def add_likelihood(spec: Spec, mu: Any, pr: dict[str, Prior], scaling: Any, kpi_scaled: np.ndarray,
                   kpi_counts: np.ndarray | None, *, plan: dict[str, Prior] | None = None,
                   data: dict[str, Any] | None = None) -> None:
    """The KPI likelihood of ``spec.model.likelihood`` around the scaled mean ``mu`` (inside a model).

    With ``plan`` (:func:`mmm.prior_plan.national_priors`) the priors are the plan's, as model inputs; with
    ``data`` (:mod:`mmm.data_inputs`) the observed KPI and its scale are the named data inputs."""
    kpi_scale = scaling.kpi_scale
    if data is not None:
        kpi_scale = data[DATA_INPUT + "kpi_scale"]
        kpi_scaled = kpi_counts = data[DATA_INPUT + "kpi"]

    def prior(variable: str, name: str) -> Prior:
        return plan[variable] if plan is not None else pr[name]

    inputs = plan is not None
    lik = spec.model.likelihood
    if lik == "negative_binomial":
        alpha = _dist("nb_alpha", prior("nb_alpha", "nb_alpha"), "nb_alpha", as_inputs=inputs)
        rate = kpi_scale * pt.softplus(20 * mu) / 20
        pm.NegativeBinomial("kpi", mu=rate, alpha=alpha, observed=kpi_counts, dims="date")
        return
    sigma = _dist("sigma", prior("sigma", "noise"), "noise", as_inputs=inputs)
    if lik == "student_t":
        nu = _dist("nu", prior("nu", "student_t_nu"), "student_t_nu", as_inputs=inputs)
        pm.StudentT("kpi", nu=nu, mu=mu, sigma=sigma, observed=kpi_scaled, dims="date")
    else:
        pm.Normal("kpi", mu=mu, sigma=sigma, observed=kpi_scaled, dims="date")
