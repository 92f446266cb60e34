"""The national model's log density written in JAX from its prior plan and data inputs, without PyMC.

:func:`native_graph` gives the same model as :func:`mmm.model.build_model` (the same variables, transforms,
start point, log density and posterior outputs, under the same names, dims and coordinates) as three JAX
functions the compiled sampler (:mod:`mmm.compiled`) builds its program from. A cold ``mmm fit`` then
imports neither PyMC nor PyTensor and skips building, lifting and converting their graph: that was about
2 s of a 9-10 s fit on PyMC-Marketing's example (``benchmarks/README.md``, issue 16).

Both paths read the model from the same places: the variables and their priors from
:func:`mmm.prior_plan.national_priors`, the data from :func:`mmm.data_inputs.data_inputs`, and the mean
function from :mod:`mmm.response` (written once for NumPy, PyTensor and JAX). The distributions are
numpyro's. ``tests/test_native.py`` checks, over model forms and every prior family, that the log density,
its start point and its outputs equal PyMC's at random points.

A model this path does not write (a prior family or parameter set not listed in :data:`FAMILIES`, e.g. a
``TruncatedNormal`` prior) gives None, and the fit builds the PyMC model as before; so does a fit with
``MMM_PYMC_GRAPH=1`` in the environment.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmm.data_inputs import DATA_INPUT
from mmm.design import Design
from mmm.prior_plan import PRIOR_INPUT, canonical_parameters
from mmm.response import (
    PARAM_USERS,
    Layout,
    baseline_parts,
    carryover_matrix,
    saturated_media,
    total_mean,
)
from mmm.spec import Prior, Spec
from mmm.transforms import SATURATIONS, saturation

#: Each prior family this path writes: its support (which fixes PyMC's default transform) and the parameter
#: sets PyMC accepts for it that this path converts (any other set: the PyMC model is built).
FAMILIES: dict[str, tuple[str, tuple[frozenset[str], ...]]] = {
    "Normal": ("real", tuple(map(frozenset, ({"mu", "sigma"}, {"mu", "tau"}, {"mu"}, {"sigma"}, {"tau"}, set())))),
    "LogNormal": ("positive", tuple(map(frozenset, ({"mu", "sigma"}, {"mu", "tau"}, {"mu"}, {"sigma"}, {"tau"},
                                                   set())))),
    "HalfNormal": ("positive", tuple(map(frozenset, ({"sigma"}, {"tau"}, set())))),
    "Gamma": ("positive", tuple(map(frozenset, ({"alpha", "beta"}, {"mu", "sigma"})))),
    "Beta": ("unit", tuple(map(frozenset, ({"alpha", "beta"}, {"mu", "sigma"}, {"mu", "nu"})))),
    "StudentT": ("real", tuple(map(frozenset, ({"nu", "mu", "sigma"}, {"nu", "mu", "lam"}, {"nu", "mu"},
                                               {"nu", "sigma"}, {"nu", "lam"}, {"nu"})))),
    "Laplace": ("real", (frozenset({"mu", "b"}),)),
}

#: PyMC's name suffix of a value variable under the default transform of each support
_SUFFIX = {"real": "", "positive": "_log__", "unit": "_logodds__"}


@dataclass
class NativeGraph:
    """A model as JAX functions of its sampled values and named inputs (see :func:`native_graph`).

    It has what :mod:`mmm.compiled` builds and records a program from (the attributes of
    :class:`mmm.compiled.LiftedGraph` it reads), plus what the posterior's InferenceData needs.
    """

    key: tuple                        #: structure key: equal keys give the same program
    value_names: list[str]            #: sampled (transformed) variables, PyMC's names and order
    out_names: list[str]              #: posterior variables, PyMC's order: free variables, then deterministics
    args: list[np.ndarray]            #: the named inputs' values (prior parameters, then data)
    arg_names: list[str | None]       #: their names (``prior:<variable>.<parameter>``, ``data:<name>``)
    #: ``(logp, start, outputs)``: ``logp(*values, *args) -> [scalar]``, ``start(*args) -> [array per value]``,
    #: ``outputs(*values, *args) -> [array per out_name]``
    functions: tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]
    observed: dict[str, np.ndarray]   #: observed variables' data (the KPI, each lift test's measured lift)
    coords: dict[str, Any]            #: the model's coordinates, as PyMC's model has them
    dims: dict[str, list[str]]        #: each variable's dims, as PyMC gives them
    baked_names: list[str] = field(default_factory=list)  #: none: every named input is an argument


@dataclass(frozen=True)
class Variable:
    """One random variable of the plan: its prior, shape, support and sampled (value) name."""

    name: str
    prior: Prior
    shape: tuple[int, ...]
    support: str
    dims: tuple[str, ...]

    @property
    def value_name(self) -> str:
        return self.name + _SUFFIX[self.support]


def model_coords(spec: Spec, layout: Layout, design: Design, dates: Any) -> dict[str, Any]:
    """The national model's coordinates (channels, weeks, Fourier terms, ...), as its PyMC model has them."""
    coords: dict[str, Any] = {"date": list(dates), "channel": list(layout.channels),
                              "control": list(spec.controls), "event": list(spec.events),
                              "fourier": [f"{f}_{k}" for k in range(1, spec.model.yearly_seasonality + 1)
                                          for f in ("sin", "cos")],
                              "changepoint": list(range(len(design.changepoints)))}
    for param in PARAM_USERS:
        users = layout.users(param)
        if users:
            coords[f"{param}_channel"] = users
    return coords


def _variables(plan: dict[str, Prior], layout: Layout, design: Design) -> list[Variable] | None:
    """The plan's variables with shapes and dims, in the model's order; None when one is not written here."""
    sizes = {"trend_delta": ("changepoint", len(design.changepoints)),
             "seasonality": ("fourier", design.fourier.shape[1]),
             "control_effect": ("control", design.controls.shape[1]),
             "event_effect": ("event", design.events.shape[1]),
             "roas": ("channel", len(layout.channels))}
    for param in PARAM_USERS:
        sizes[param] = (f"{param}_channel", len(layout.users(param)))
    out = []
    for name, prior in plan.items():
        family = FAMILIES.get(prior.distribution)
        if family is None or frozenset(prior.params) not in family[1]:
            return None
        dim, n = sizes.get(name, (None, 0))
        out.append(Variable(name, prior, (n,) if dim else (), family[0], (dim,) if dim else ()))
    return out


#: numpyro's name of each of PyMC's parameters (:func:`mmm.prior_plan.canonical_parameters`' sets), per family
_NUMPYRO_NAMES: dict[str, dict[str, str]] = {
    "Normal": {"mu": "loc", "sigma": "scale"}, "LogNormal": {"mu": "loc", "sigma": "scale"},
    "HalfNormal": {"sigma": "scale"}, "StudentT": {"nu": "df", "mu": "loc", "sigma": "scale"},
    "Laplace": {"mu": "loc", "b": "scale"}, "Gamma": {"alpha": "concentration", "beta": "rate"},
    "Beta": {"alpha": "concentration1", "beta": "concentration0"},
}


def distribution(family: str, p: dict[str, Any]) -> Any:
    """numpyro's distribution for PyMC's ``family`` with PyMC's parameters ``p`` (and its defaults), converted by
    :func:`mmm.prior_plan.canonical_parameters` (the same conversion the prior plan merges priors with)."""
    import numpyro.distributions as dist

    c = canonical_parameters(family, p)
    if c is None or family not in _NUMPYRO_NAMES:  # pragma: no cover - _variables admits only FAMILIES
        raise ValueError(f"{family}{sorted(p)}")
    names = _NUMPYRO_NAMES[family]
    return getattr(dist, family)(**{names[k]: v for k, v in c.items()})


def support_point(family: str, d: Any) -> Any:
    """PyMC's start value of a variable of ``family`` (its ``support_point``) for numpyro's ``d``."""
    import jax.numpy as jnp

    if family in ("Normal", "StudentT", "Laplace"):
        return d.loc
    if family == "HalfNormal":
        return d.scale
    if family == "LogNormal":
        return jnp.exp(d.loc + d.scale ** 2 / 2)
    return d.mean  # Gamma, Beta


def constrain(support: str, z: Any) -> tuple[Any, Any]:
    """The variable's value from its sampled value ``z``, and the log Jacobian of PyMC's transform."""
    import jax
    import jax.numpy as jnp

    if support == "positive":
        return jnp.exp(z), z
    if support == "unit":
        return jax.nn.sigmoid(z), jax.nn.log_sigmoid(z) + jax.nn.log_sigmoid(-z)
    return z, jnp.zeros_like(z)


def unconstrain(support: str, x: Any) -> Any:
    import jax.numpy as jnp

    if support == "positive":
        return jnp.log(x)
    if support == "unit":
        return jnp.log(x) - jnp.log1p(-x)
    return x


def native_graph(spec: Spec, design: Design, dates: Any, plan: dict[str, Prior], priors: dict[str, np.ndarray],
                 data: dict[str, np.ndarray], lift_channels: list[int], *,
                 structure: Any) -> NativeGraph | None:
    """The national model (:func:`mmm.model.build_model`) as JAX functions, or None where this path does not
    write it (then the PyMC model is built).

    Parameters
    ----------
    spec, design, dates
        The spec, the scaled design of the training weeks and those weeks.
    plan : dict
        Every random variable and its prior (:func:`mmm.prior_plan.national_priors`).
    priors, data : dict
        The named inputs: prior parameters (:func:`mmm.prior_plan.prior_inputs`) and data
        (:func:`mmm.data_inputs.data_inputs`).
    lift_channels : list of int
        Each lift test's channel index.
    structure
        What else identifies the model's structure (:meth:`mmm.fitted.ModelInputs.structure`). With the spec
        (without its priors' values), the variables, the inputs' shapes and this package's digest, it keys the
        compiled program.
    """
    if os.environ.get("MMM_PYMC_GRAPH"):
        return None
    layout = Layout.from_spec(spec)
    variables = _variables(plan, layout, design)
    if variables is None:
        return None
    arg_names: list[str | None] = [*priors, *data]
    args = [np.asarray(v) for v in (*priors.values(), *data.values())]
    n_values = len(variables)
    trend, likelihood = spec.model.trend, spec.model.likelihood

    def distributions(a: dict[str, Any]) -> list[Any]:
        return [distribution(v.prior.distribution, {k: a[f"{PRIOR_INPUT}{v.name}.{k}"] for k in v.prior.params})
                for v in variables]

    def unpack(xs: tuple[Any, ...]) -> tuple[list[Any], dict[str, Any]]:
        return list(xs[:n_values]), dict(zip(arg_names, xs[n_values:], strict=True))

    def forward(values: list[Any], a: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any], Any]:
        """Prior log density with Jacobians, the variables' values, the deterministics, and the mean."""
        import jax.numpy as jnp

        logp = 0.0
        x: dict[str, Any] = {}
        for v, d, z in zip(variables, distributions(a), values, strict=True):
            value, log_jacobian = constrain(v.support, z)
            logp = logp + jnp.sum(d.log_prob(value)) + jnp.sum(log_jacobian)
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
        week_design = Design(**{f: a[DATA_INPUT + f] for f in ("lags", "time", "fourier", "controls", "events",
                                                     "changepoints")})
        sat = saturated_media(params, week_design.lags, layout, jnp)
        beta = params["roas"][0] * a[DATA_INPUT + "spend_total"] / (a[DATA_INPUT + "kpi_scale"] * jnp.sum(sat[0], axis=0))
        det["media_beta"] = beta
        params["media_beta"] = beta[None, :]
        params["intercept"] = jnp.zeros(1)
        for name in ("trend_slope", "trend_delta", "seasonality", "control_effect", "event_effect"):
            if name in x:
                params[name] = x[name][None]
        parts = baseline_parts(params, week_design, trend, jnp)
        parts["media"] = sat * params["media_beta"][:, None, :]
        rest = total_mean(parts, jnp)[0]
        det["intercept"] = x["level"] - jnp.mean(rest)
        params["intercept"] = det["intercept"][None]
        det["mu"] = rest + det["intercept"]
        return logp, x, det, (params, week_design)

    def logp_fn(*xs: Any) -> list[Any]:
        import jax.numpy as jnp
        import numpyro.distributions as dist

        values, a = unpack(xs)
        logp, x, det, (params, week_design) = forward(values, a)
        mu = det["mu"]
        for i, c in enumerate(lift_channels):
            w = carryover_matrix(params, layout, jnp)[0, c]
            carried = week_design.lags[:, c, :] @ w
            delta = a[f"{DATA_INPUT}lift_{i}.delta_lags"] @ w
            kind = layout.saturation[c]
            p = {n: params[n][0, layout.users(n).index(layout.channels[c])] for n in SATURATIONS[kind].params}
            gain = saturation(kind, carried + delta, p, jnp) - saturation(kind, carried, p, jnp)
            predicted = det["media_beta"][c] * jnp.sum(gain * a[f"{DATA_INPUT}lift_{i}.window"])
            logp = logp + dist.Normal(predicted, a[f"{DATA_INPUT}lift_{i}.se"]).log_prob(a[f"{DATA_INPUT}lift_test_{i}"])
        kpi = a[DATA_INPUT + "kpi"]
        if likelihood == "negative_binomial":
            rate = a[DATA_INPUT + "kpi_scale"] * jnp.logaddexp(0.0, 20 * mu) / 20  # softplus, as the PyMC model
            noise = dist.NegativeBinomial2(rate, x["nb_alpha"])
        elif likelihood == "student_t":
            noise = dist.StudentT(x["nu"], mu, x["sigma"])
        else:
            noise = dist.Normal(mu, x["sigma"])
        return [logp + jnp.sum(noise.log_prob(kpi))]

    def start_fn(*xs: Any) -> list[Any]:
        import jax.numpy as jnp

        a = dict(zip(arg_names, xs, strict=True))
        return [unconstrain(v.support, jnp.broadcast_to(support_point(v.prior.distribution, d), v.shape)
                             .astype("float64"))
                for v, d in zip(variables, distributions(a), strict=True)]

    # PyMC's order of the posterior: untransformed free variables, then transformed ones, then deterministics
    plain = [v.name for v in variables if v.support == "real"]
    transformed = [v.name for v in variables if v.support != "real"]
    det_names = [p for p in (*PARAM_USERS, "roas") if p not in plan and (p == "roas" or layout.users(p))]
    out_names = [*plain, *transformed, *det_names, "media_beta", "intercept", "mu"]

    def out_fn(*xs: Any) -> list[Any]:
        values, a = unpack(xs)
        _, x, det, _ = forward(values, a)
        both = {**x, **det}
        return [both[n] for n in out_names]

    dims: dict[str, list[str]] = {v.name: list(v.dims) for v in variables if v.dims}
    for p in det_names:
        dims[p] = ["channel"] if p == "roas" else [f"{p}_channel"]
    dims.update({"media_beta": ["channel"], "mu": ["date"], "kpi": ["date"]})
    dims = {n: dims[n] for n in [*out_names, "kpi"] if n in dims}  # PyMC's order: posterior, then observed
    observed = {"kpi": np.asarray(data[DATA_INPUT + "kpi"])}
    observed.update({f"lift_test_{i}": np.asarray(data[f"{DATA_INPUT}lift_test_{i}"]) for i in range(len(lift_channels))})
    from dataclasses import replace

    from mmm.compiled import _feed, _package_digest
    from mmm.prior_plan import without_priors

    h = hashlib.sha256()
    # the spec is structure too (each channel's carryover window, for one, is a constant of the program)
    stable = _feed(h, (without_priors(replace(spec, fit=None, data=None)), structure, [(v.name, v.prior.distribution, sorted(v.prior.params), v.shape) for v in variables],
                       [(n, a.dtype.str, a.shape) for n, a in zip(arg_names, args, strict=True)]))
    # a structure with no stable text form keys the program in this process only (never on disk)
    key = ("native", _package_digest(), h.hexdigest() if stable else ("other", id(h)))
    return NativeGraph(key, [v.value_name for v in variables], out_names, args, arg_names,
                       (logp_fn, start_fn, out_fn), observed, model_coords(spec, layout, design, dates), dims)
