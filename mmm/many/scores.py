"""Scores of a fit that a worker computes while it holds the fit, and the arithmetic that
compares fits afterwards.

* Forecast scores of held-out weeks (:func:`forecast_scores`): MAPE of the posterior mean,
  CRPS from the predictive draws (:func:`crps_from_draws`), and how often the actual week falls
  inside the central 90% predictive interval.
* PSIS-LOO (:func:`loo_scores`): the pointwise log-likelihood of each training week is computed
  in NumPy from the saved posterior (the weekly mean, ``sigma``, ``nu`` or ``nb_alpha``, and the
  spec's likelihood) and given to :func:`arviz.loo`; the sampler is not changed.
* Comparing fits on the same weeks: the difference in expected log predictive density with its
  standard error (:func:`elpd_difference`) and Bayesian stacking weights (:func:`stacking_weights`,
  Yao, Vehtari, Simpson and Gelman 2018), which maximise the LOO log score of the weighted mixture
  of the fits' predictive distributions, as :func:`arviz.compare` does with ``method="stacking"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from mmm.fitted import FittedModel

#: Pareto k above which the PSIS estimate of a week's LOO density is unreliable (Vehtari et al. 2024).
PARETO_K_WARN = 0.7


def crps_from_draws(draws: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Continuous ranked probability score of each week, from predictive draws.

    ``CRPS = E|X - y| - E|X - X'| / 2`` with ``X, X'`` independent draws of the predictive
    distribution (Gneiting and Raftery 2007), computed exactly for the empirical distribution of
    the draws (sorted, O(S log S) per week). Lower is better; it is in KPI units and reduces to
    the absolute error for a point forecast.

    Parameters
    ----------
    draws : ndarray, shape (S, T)
        Predictive draws per week.
    actual : ndarray, shape (T,)
        What happened.

    Returns
    -------
    ndarray, shape (T,)
    """
    x = np.sort(np.asarray(draws, dtype="float64"), axis=0)
    s = x.shape[0]
    first = np.abs(x - np.asarray(actual, dtype="float64")[None, :]).mean(axis=0)
    # E|X - X'| over all ordered pairs of the empirical distribution: sum_i (2i - S - 1) x_(i) * 2 / S^2
    weights = (2 * np.arange(1, s + 1) - s - 1)[:, None]
    pair = 2.0 * (weights * x).sum(axis=0) / s**2
    return first - 0.5 * pair


@dataclass(frozen=True)
class ForecastScores:
    """How well a fit predicted weeks it did not see.

    Attributes
    ----------
    weeks : int
        Held-out weeks scored.
    mape : float
        Mean absolute percentage error of the posterior mean (a fraction: 0.08 is 8%).
    crps : float
        Mean CRPS per week, KPI units.
    coverage_90 : float
        Share of weeks inside the central 90% predictive interval.
    """

    weeks: int
    mape: float
    crps: float
    coverage_90: float


def forecast_scores(mean: np.ndarray, predictive: np.ndarray, actual: np.ndarray) -> ForecastScores:
    """Scores of a forecast: ``mean`` and ``predictive`` are ``(S, T)`` draws, ``actual`` ``(T,)``."""
    from mmm.stats import mape

    actual = np.asarray(actual, dtype="float64")
    lo, hi = np.quantile(predictive, [0.05, 0.95], axis=0)
    return ForecastScores(weeks=int(actual.size), mape=float(mape(actual, mean.mean(axis=0))),
                          crps=float(crps_from_draws(predictive, actual).mean()),
                          coverage_90=float(((actual >= lo) & (actual <= hi)).mean()))


def holdout_scores(fitted: FittedModel, seed: int = 0) -> dict[str, Any]:
    """Forecast scores of a fit's held-out weeks (those after ``train_weeks``) and each channel's
    ROAS over the training weeks (mean and 90% HDI), as JSON-able values.

    The held-out weeks are predicted from their own spend with the carryover of the spend before
    them (the fit's design of those weeks starts from the history of earlier weeks).
    """
    from mmm.analysis.tables import channel_draws
    from mmm.stats import hdi

    T, n = fitted.train_weeks, fitted.dataset.n_weeks
    out: dict[str, Any] = {}
    if n > T:
        mean = fitted.components(T, n)["mean"]
        pred = fitted.predictive(mean, seed=seed)
        s = forecast_scores(mean, pred, fitted.dataset.kpi[T:])
        out.update(weeks=s.weeks, mape=s.mape, crps=s.crps, coverage_90=s.coverage_90,
                   origin=str(fitted.dataset.dates[T].date()))
    draws = channel_draws(fitted)
    lo, hi = hdi(draws.roas, 0.9)
    out["roas"] = {c: {"mean": float(draws.roas[:, i].mean()), "hdi_low": float(lo[i]), "hdi_high": float(hi[i])}
                   for i, c in enumerate(draws.channels)}
    return out


def pointwise_loglik(fitted: FittedModel) -> np.ndarray:
    """Log-likelihood of each training week under each posterior draw, ``(chains, draws, T)``.

    Computed in the model's own units (the KPI divided by its scale for the normal and Student-t
    likelihoods, counts for the negative binomial), so the numbers match what PyMC's own
    ``log_likelihood`` group would hold.
    """
    from scipy import stats

    T = fitted.train_weeks
    post = fitted.idata.posterior
    chains, draws = int(post.sizes["chain"]), int(post.sizes["draw"])
    k = fitted.scaling.kpi_scale
    mu = fitted.components(0, T)["mean"] / k                      # (S, T), scaled
    y = fitted.dataset.kpi[:T]
    p = fitted.params
    lik = fitted.spec.model.likelihood
    if lik == "negative_binomial":
        rate = k * np.logaddexp(0.0, 20.0 * mu) / 20.0            # the model's softplus(20 mu) / 20
        alpha = p["nb_alpha"][:, None]
        ll = stats.nbinom.logpmf(np.round(y).astype("int64")[None, :], alpha, alpha / (alpha + rate))
    elif lik == "student_t":
        ll = stats.t.logpdf(y[None, :] / k, p["nu"][:, None], loc=mu, scale=p["sigma"][:, None])
    else:
        ll = stats.norm.logpdf(y[None, :] / k, loc=mu, scale=p["sigma"][:, None])
    return ll.reshape(chains, draws, T)


def loo_scores(fitted: FittedModel) -> dict[str, Any]:
    """PSIS-LOO of a fit on its training weeks, as JSON-able values.

    Returns
    -------
    dict
        ``elpd_loo``, ``se``, ``p_loo``, ``n_weeks``, ``n_high_k`` (weeks with Pareto k above
        :data:`PARETO_K_WARN`), ``max_k``, and the pointwise ``loo_i`` and ``pareto_k`` lists.
    """
    import warnings

    import arviz as az
    import xarray as xr

    ll = pointwise_loglik(fitted)
    log_lik = xr.Dataset({"kpi": (("chain", "draw", "week"), ll)})
    idata = az.InferenceData(posterior=fitted.idata.posterior, log_likelihood=log_lik)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Pareto k warning is reported as numbers, below
        loo = az.loo(idata, pointwise=True)
    k = np.asarray(loo.pareto_k.values, dtype="float64")
    return {"elpd_loo": float(loo.elpd_loo), "se": float(loo.se), "p_loo": float(loo.p_loo),
            "n_weeks": int(ll.shape[-1]), "n_high_k": int((k > PARETO_K_WARN).sum()),
            "max_k": float(np.nanmax(k)), "loo_i": np.asarray(loo.loo_i.values, dtype="float64").tolist(),
            "pareto_k": k.tolist()}


@dataclass(frozen=True)
class ElpdDifference:
    """How much better one fit predicts than another, by LOO.

    Attributes
    ----------
    diff : float
        ``elpd_loo`` of the better fit minus the other's (>= 0 when ``better`` is first).
    se : float
        Standard error of the difference, from the pointwise differences:
        ``sqrt(N * var(loo_i_a - loo_i_b))``.
    """

    diff: float
    se: float

    @property
    def distinguishable(self) -> bool:
        """False when ``|diff| < 2 se``: the data cannot tell the two fits apart."""
        return abs(self.diff) >= 2 * self.se


def elpd_difference(loo_a: np.ndarray, loo_b: np.ndarray) -> ElpdDifference:
    """``elpd(a) - elpd(b)`` and its standard error from pointwise LOO densities of the same weeks."""
    a, b = np.asarray(loo_a, dtype="float64"), np.asarray(loo_b, dtype="float64")
    if a.shape != b.shape:
        raise ValueError(f"LOO of different weeks cannot be compared ({a.size} vs {b.size} weeks).")
    d = a - b
    return ElpdDifference(float(d.sum()), float(np.sqrt(d.size * d.var(ddof=1))) if d.size > 1 else float("nan"))


def stacking_weights(loo_i: np.ndarray) -> np.ndarray:
    """Bayesian stacking weights of K fits from their pointwise LOO log densities.

    Maximises ``sum_i log(sum_k w_k exp(loo_i[k, i]))`` over the simplex (Yao et al. 2018, eq. 4),
    the objective :func:`arviz.compare` uses with ``method="stacking"``.

    Parameters
    ----------
    loo_i : ndarray, shape (K, N)
        Each fit's LOO log predictive density of each of the same N weeks.

    Returns
    -------
    ndarray, shape (K,)
        Non-negative weights summing to 1.
    """
    lp = np.asarray(loo_i, dtype="float64")
    if lp.ndim != 2 or lp.shape[0] == 0:
        raise ValueError("stacking needs a (fits, weeks) array of pointwise LOO densities.")
    K = lp.shape[0]
    if K == 1:
        return np.ones(1)
    dens = np.exp(lp - lp.max(axis=0, keepdims=True))   # the shift per week does not move the optimum
    # The objective is concave in w; its maximiser is the maximum-likelihood mixture weight, found by
    # the EM fixed point w_k <- mean_i(w_k d_ki / sum_j w_j d_ji), which never decreases the objective.
    # (A quasi-Newton search on softmax weights stalls when some fits are far worse than others.)
    w = np.full(K, 1.0 / K)
    for _ in range(100_000):
        share = w[:, None] * dens
        share /= share.sum(axis=0, keepdims=True)
        new = share.mean(axis=1)
        if np.abs(new - w).max() < 1e-11:
            w = new
            break
        w = new
    w[w < 1e-6] = 0.0
    return w / w.sum()


def total_media_roas(fitted: FittedModel) -> float:
    """All paid media's contribution over all media spend in the training weeks (posterior mean)."""
    from mmm.analysis.tables import channel_draws

    d = channel_draws(fitted)
    spend = float(d.spend.sum())
    return float(d.contribution.sum(axis=1).mean() / spend) if spend > 0 else float("nan")
