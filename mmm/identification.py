"""How much the data informed each channel's return: posterior against prior.

A Bayesian model always returns an answer. Where the data say little, that answer is
the prior. Two measures tell the two apart, both on each channel's **log ROAS** (the
parameter the model samples; see :mod:`mmm.model`), and both from the existing draws,
without a refit:

* **Prior contraction** ``1 - posterior sd / prior sd``: 0 means the data did not
  narrow the prior at all, 1 means the data pinned the value down. (Schad, Betancourt and
  Vasishth 2021, "Toward a principled Bayesian workflow in cognitive science".)
* **Prior sensitivity** by power-scaling (Kallioinen, Paananen, Bürkner and Vehtari 2023,
  "Detecting and diagnosing prior and likelihood sensitivity with power-scaling"): the
  channel's ROAS prior is raised to a power slightly above and below 1, the posterior
  draws are importance-reweighted (Pareto-smoothed, via ArviZ's ``psens``), and the
  change in the posterior is measured by the cumulative Jensen-Shannon distance. Values
  above 0.05 mean the prior is shaping the answer.

A channel is **data-informed** when its contraction reaches ``prior_contraction_min``
(spec ``checks:``, default 0.3: the data removed at least 30% of the prior's spread on the
log scale). Otherwise its ROAS is mostly the prior and :mod:`mmm.health` says so.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.spec import Prior

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

#: Prior sensitivity (power-scaling CJS distance per unit log2 power) above which the prior
#: shapes the posterior: the threshold of Kallioinen et al. (2023) and ArviZ.
SENSITIVITY_LIMIT = 0.05
#: Draws taken from a prior that has no closed-form spread on the log scale.
PRIOR_DRAWS = 4000


@dataclass(frozen=True)
class PriorInfluence:
    """Prior against posterior for one channel's ROAS (or the total media effect)."""

    subject: str
    prior_sd_log: float
    posterior_sd_log: float
    prior_contraction: float
    prior_sensitivity: float
    prior_low: float
    prior_high: float
    posterior_mean: float
    data_informed: bool


def roas_prior(fitted: FittedModel, channel: str) -> Prior:
    """The ROAS prior the fit used for ``channel``: the analyst's, else the default."""
    from mmm.response import Layout, channel_default, default_priors

    spec = fitted.spec
    user = spec.channel_prior(channel, "roas")
    if user is not None:
        return user
    layout = Layout.from_spec(spec)
    kpi_total = float(np.sum(fitted.train.kpi))
    spend_total = float(np.sum(fitted.scaling.train_spend))
    defaults = default_priors(spec, kpi_total, spend_total, layout)
    return channel_default("roas", channel, spec, defaults, layout)


def _is_lognormal(prior: Prior) -> bool:
    return prior.distribution == "LogNormal" and set(prior.params) == {"mu", "sigma"}


def prior_draws(prior: Prior, n: int = PRIOR_DRAWS, seed: int = 0) -> np.ndarray:
    """``n`` draws from ``prior`` (closed form for LogNormal, else PyMC's ``draw``)."""
    if _is_lognormal(prior):
        rng = np.random.default_rng(seed)
        return np.exp(rng.normal(prior.params["mu"], prior.params["sigma"], n))
    import pymc as pm

    dist = getattr(pm, prior.distribution).dist(**prior.params)
    return np.asarray(pm.draw(dist, draws=n, random_seed=seed), dtype="float64")


def prior_logp(prior: Prior, values: np.ndarray) -> np.ndarray:
    """Log density of ``prior`` at ``values`` (elementwise)."""
    x = np.asarray(values, dtype="float64")
    if _is_lognormal(prior):
        mu, sigma = prior.params["mu"], prior.params["sigma"]
        with np.errstate(divide="ignore", invalid="ignore"):
            lx = np.log(x)
            return -lx - math.log(sigma) - 0.5 * math.log(2 * math.pi) - (lx - mu) ** 2 / (2 * sigma**2)
    import pymc as pm

    dist = getattr(pm, prior.distribution).dist(**prior.params)
    return np.asarray(pm.logp(dist, x).eval(), dtype="float64")


def _sd_log(x: np.ndarray) -> float:
    x = np.asarray(x, dtype="float64")
    x = x[np.isfinite(x) & (x > 0)]
    return float(np.std(np.log(x))) if x.size > 1 else float("nan")


def power_sensitivity(draws: np.ndarray, log_prior: np.ndarray, chains: int = 1) -> float:
    """Power-scaling prior sensitivity of ``log(draws)`` to the prior with log density ``log_prior``.

    Uses ArviZ's ``psens`` (PSIS-smoothed importance weights, cumulative Jensen-Shannon
    distance, finite difference at powers 0.99 and 1.01).
    """
    import arviz as az

    x = np.log(np.asarray(draws, dtype="float64"))
    lp = np.asarray(log_prior, dtype="float64")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(lp))) or np.ptp(x) == 0:
        return float("nan")
    n = x.size // chains
    shape = (chains, n)
    idata = az.InferenceData(posterior=az.convert_to_dataset({"x": x[: chains * n].reshape(shape)}),
                             log_prior=az.convert_to_dataset({"lp": lp[: chains * n].reshape(shape)}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = az.psens(idata, component="prior", var_names=["x"])
    return float(np.asarray(out["x"] if hasattr(out, "data_vars") else out))


def prior_influence(fitted: FittedModel, min_contraction: float | None = None, *,
                    sensitivity: bool = True) -> list[PriorInfluence]:
    """Prior contraction and prior sensitivity of every channel's ROAS, then of total media.

    Parameters
    ----------
    fitted : FittedModel
        A fitted model (NUTS or ADVI draws).
    min_contraction : float, optional
        Contraction at or above which a ROAS counts as data-informed; default the spec's
        ``checks.prior_contraction_min``.
    sensitivity : bool
        Also compute power-scaling prior sensitivity (ArviZ's ``psens``); ``False`` leaves it NaN
        (``data_informed`` depends on the contraction only).

    Returns
    -------
    list of PriorInfluence
        One per channel in spec order, then one with subject ``"total media"``.
    """
    spec = fitted.spec
    threshold = spec.checks.prior_contraction_min if min_contraction is None else min_contraction
    roas = fitted.params["roas"]                      # (S, C): ROAS over the training weeks
    chains = int(fitted.idata.posterior.sizes.get("chain", 1))
    spend = fitted.scaling.train_spend
    out = []
    prior_total = np.zeros(PRIOR_DRAWS)
    for c, name in enumerate(spec.channel_names):
        prior = roas_prior(fitted, name)
        pdraws = prior_draws(prior, seed=c)
        prior_total += pdraws * spend[c]
        post = roas[:, c]
        sd_prior = prior.params["sigma"] if _is_lognormal(prior) else _sd_log(pdraws)
        sd_post = _sd_log(post)
        contraction = 1.0 - sd_post / sd_prior if sd_prior > 0 else float("nan")
        sens = power_sensitivity(post, prior_logp(prior, post), chains) if sensitivity else float("nan")
        lo, hi = np.quantile(pdraws, [0.05, 0.95])
        out.append(PriorInfluence(name, float(sd_prior), sd_post, float(contraction), sens, float(lo), float(hi),
                                  float(post.mean()), bool(contraction >= threshold)))
    total_post = roas @ spend
    sd_prior, sd_post = _sd_log(prior_total), _sd_log(total_post)
    contraction = 1.0 - sd_post / sd_prior if sd_prior > 0 else float("nan")
    lo, hi = np.quantile(prior_total, [0.05, 0.95])
    out.append(PriorInfluence("total media", sd_prior, sd_post, float(contraction), float("nan"), float(lo),
                              float(hi), float(total_post.mean()), bool(contraction >= threshold)))
    return out


def prior_influence_table(fitted: FittedModel, min_contraction: float | None = None) -> pd.DataFrame:
    """:func:`prior_influence` as a table: ``channel, prior_sd_log_roas, posterior_sd_log_roas,
    prior_contraction, prior_sensitivity, roas_prior_low, roas_prior_high, data_informed``
    (channels only; the total media row is left out)."""
    rows: list[dict[str, Any]] = []
    for p in prior_influence(fitted, min_contraction):
        if p.subject == "total media":
            continue
        rows.append({"channel": p.subject, "prior_sd_log_roas": p.prior_sd_log,
                     "posterior_sd_log_roas": p.posterior_sd_log, "prior_contraction": p.prior_contraction,
                     "prior_sensitivity": p.prior_sensitivity, "roas_prior_low": p.prior_low,
                     "roas_prior_high": p.prior_high, "data_informed": p.data_informed})
    return pd.DataFrame(rows)
