"""Which priors the national model draws from, computed without PyMC.

:func:`national_priors` lists every random variable of :func:`mmm.model.build_model` with its prior, in
the order the model creates them; the model is built from this list and nothing else reads the spec's
prior values. That makes a prior's values an *input* of the model rather than part of its structure: the
model passes them to PyMC as named shared variables (``prior:<variable>.<parameter>``), the compiled
sampler receives them as arguments (:func:`mmm.compiled.lift_model`), and a refit that only changes prior
values reruns the recorded program with the new values, without building the model
(:meth:`mmm.fitted.ModelInputs.prior_values`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from mmm.response import PARAM_USERS, Layout, channel_default, default_priors
from mmm.spec import Prior, Spec

#: the prefix of a shared variable that carries a prior's parameter into the model
PRIOR_INPUT = "prior:"


def prior_defaults(spec: Spec, kpi_scaled: np.ndarray, scaling: Any,
                   layout: Layout) -> tuple[dict[str, Prior], dict[str, Prior]]:
    """The default priors of this data (:func:`mmm.response.default_priors`) and those with the spec's
    ``model.priors`` over them."""
    spend_total = float(np.sum(scaling.train_spend))
    kpi_total = float(np.sum(kpi_scaled) * scaling.kpi_scale)
    defaults = default_priors(spec, kpi_total, spend_total, layout)
    return defaults, {**defaults, **spec.model.priors}


def channel_priors(name: str, channels: list[str], spec: Spec, defaults: dict[str, Prior],
                   layout: Layout) -> dict[str, Prior]:
    """The random variables of the per-channel parameter ``name`` and their priors.

    One variable ``name`` when every channel has the same prior, or priors of one family with the same
    parameter names (their values then become vectors over ``channels``); otherwise one variable per
    channel, ``name_<channel>``.
    """
    priors = [spec.channel_prior(c, name) or channel_default(name, c, spec, defaults, layout) for c in channels]
    if all(p == priors[0] for p in priors):
        return {name: priors[0]}
    families = {p.distribution for p in priors}
    if len(families) == 1 and any(set(p.params) != set(priors[0].params) for p in priors):
        # one family under other parameter sets (brand channels' Gamma(mu, sigma), performance channels'
        # Gamma(alpha, beta)): the same distributions under one set make one vector variable, which compiles
        # faster than one variable per channel (the b2b sample's program: 5.0 s against 5.7 s)
        canonical = [_canonical(p) for p in priors]
        if all(c is not None for c in canonical):
            priors = canonical
    if len(families) == 1 and all(set(p.params) == set(priors[0].params) for p in priors):
        return {name: Prior(priors[0].distribution,
                            {k: np.array([p.params[k] for p in priors]) for k in priors[0].params})}
    return {f"{name}_{c}": p for c, p in zip(channels, priors, strict=True)}


def canonical_parameters(family: str, p: dict[str, Any]) -> dict[str, Any] | None:
    """PyMC's parameters ``p`` of ``family`` under one parameter set per family, converted as PyMC converts them:
    Gamma and Beta by ``alpha`` and ``beta``; Normal, LogNormal and HalfNormal by ``mu`` and ``sigma`` (their
    defaults filled in); Student-t by ``nu``, ``mu`` and ``sigma``; Laplace by ``mu`` and ``b``. None for a family
    or parameter set with no such form here.

    Plain arithmetic, so the values may be numbers, NumPy arrays or JAX arrays: the prior plan merges per-channel
    priors with it (:func:`channel_priors`), and the models written in JAX (:mod:`mmm.native`) convert their prior
    inputs with it inside the program.
    """
    keys = set(p)

    def scale(precision: str = "tau") -> Any:
        return p["sigma"] if "sigma" in p else (p[precision] ** -0.5 if precision in p else 1.0)

    if family == "Gamma" and keys == {"mu", "sigma"}:
        return {"alpha": p["mu"] ** 2 / p["sigma"] ** 2, "beta": p["mu"] / p["sigma"] ** 2}
    if family == "Beta" and keys in ({"mu", "sigma"}, {"mu", "nu"}):
        kappa = p["nu"] if "nu" in p else p["mu"] * (1 - p["mu"]) / p["sigma"] ** 2 - 1
        return {"alpha": p["mu"] * kappa, "beta": (1 - p["mu"]) * kappa}
    if family in ("Gamma", "Beta") and keys == {"alpha", "beta"}:
        return {"alpha": p["alpha"], "beta": p["beta"]}
    if family in ("Normal", "LogNormal") and keys <= {"mu", "sigma", "tau"} and not {"sigma", "tau"} <= keys:
        return {"mu": p.get("mu", 0.0), "sigma": scale()}
    if family == "HalfNormal" and keys <= {"sigma", "tau"} and len(keys) <= 1:
        return {"sigma": scale()}
    if family == "StudentT" and "nu" in keys and keys <= {"nu", "mu", "sigma", "lam"} and not {"sigma", "lam"} <= keys:
        return {"nu": p["nu"], "mu": p.get("mu", 0.0), "sigma": scale("lam")}
    if family == "Laplace" and keys == {"mu", "b"}:
        return {"mu": p["mu"], "b": p["b"]}
    return None


def _canonical(prior: Prior) -> Prior | None:
    """``prior`` under its family's one parameter set (:func:`canonical_parameters`), or None."""
    params = canonical_parameters(prior.distribution, {k: float(v) for k, v in prior.params.items()})
    return None if params is None else Prior(prior.distribution, params)


def national_priors(spec: Spec, layout: Layout, defaults: dict[str, Prior], pr: dict[str, Prior],
                    n_fourier: int, n_controls: int, n_events: int) -> dict[str, Prior]:
    """Every random variable of the national model and its prior, in the order the model creates them."""
    plan: dict[str, Prior] = {}
    for param in PARAM_USERS:
        users = layout.users(param)
        if users:
            plan.update(channel_priors(param, list(users), spec, defaults, layout))
    plan.update(channel_priors("roas", list(layout.channels), spec, defaults, layout))
    plan["level"] = pr["level"]
    if spec.model.trend != "none":
        plan["trend_slope"] = pr["trend"]
    if spec.model.trend == "piecewise":
        plan["trend_delta"] = pr["changepoints"]
    if n_fourier:
        plan["seasonality"] = pr["seasonality"]
    if n_controls:
        plan["control_effect"] = pr["controls"]
    if n_events:
        plan["event_effect"] = pr["events"]
    if spec.model.likelihood == "negative_binomial":
        plan["nb_alpha"] = pr["nb_alpha"]
    else:
        plan["sigma"] = pr["noise"]
        if spec.model.likelihood == "student_t":
            plan["nu"] = pr["student_t_nu"]
    return plan


def prior_inputs(plan: dict[str, Prior]) -> dict[str, np.ndarray]:
    """The values of every prior parameter in ``plan``, by the name of the model input carrying it."""
    return {f"{PRIOR_INPUT}{rv}.{k}": np.asarray(v, dtype="float64")
            for rv, prior in plan.items() for k, v in prior.params.items()}


def plan_structure(plan: dict[str, Prior]) -> tuple:
    """What of ``plan`` is model structure: the variables, their families, parameter names and shapes."""
    return tuple((rv, prior.distribution, tuple((k, np.shape(v)) for k, v in prior.params.items()))
                 for rv, prior in plan.items())


def without_priors(spec: Spec) -> Spec:
    """``spec`` without its priors (``model.priors`` and every channel's ``priors``).

    The national model reads them only through :func:`national_priors`: their values are model inputs
    (:func:`prior_inputs`) and the rest (variables, families, parameter names and shapes) is its
    :func:`plan_structure`; together with the spec without priors, these are everything the model holds.
    """
    channels = tuple(dataclasses.replace(ch, priors={}) for ch in spec.channels)
    return dataclasses.replace(spec, channels=channels, model=dataclasses.replace(spec.model, priors={}))
