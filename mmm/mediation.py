"""Brand -> branded search -> KPI: a mediation model with direct and indirect effects.

Performance channels, paid search above all, harvest demand that brand channels
created: someone sees a TV ad, later searches for the brand and buys through a search
click. A plain MMM gives that sale to search. :func:`fit_mediated` fits two equations in
one PyMC model (one posterior, so every interval carries all the uncertainty):

(a) **branded search** (the spec's ``branded_search`` column, scaled by its mean)::

        search_t = search intercept + trend + seasonality + controls + events
                   + sum over brand channels b of  theta_b * s_b[t]  + Normal noise

(b) **KPI** (scaled by its mean, as in :mod:`mmm.model`)::

        kpi_t = the usual model (intercept, trend, seasonality, controls, events and
                every channel's **direct** effect beta_c * s_c[t], ROAS-parametrised)
                + gamma * carryover(search)_t  + noise

where ``s_c[t] = saturation(carryover(spend_c))`` is the channel's curve of
:func:`mmm.model.saturated_media`. A brand channel's curve is **shared** by both paths:
one "awareness" curve whose effect partly arrives directly and partly through branded
search. ``theta_b >= 0`` and ``gamma >= 0``; ``carryover(search)`` is geometric over
``search_l_max`` weeks (1 = same week, the default).

Both paths are parametrised the same way
    The direct effect is ROAS-parametrised (a prior on contribution / spend, as in
    :mod:`mmm.model`), so its prior does not depend on the saturation curve. ``theta_b``
    is parametrised alike: the sampled quantity is ``search_per_spend`` (branded searches
    the channel creates per unit of spend over the training weeks) and
    ``theta_b = search_per_spend_b * spend_b / (search_scale * sum_t s_b[t])``. Its default
    prior is LogNormal(log m, 1) with ``m = 0.25 x branded searches / brand-channel spend``
    (brand media creating about a quarter of branded searches), the same rule as the ROAS
    default. A prior put on ``theta`` itself (``search_effect_prior=``; before: HalfNormal(0.5)
    always) is a prior *at full saturation*: where the saturation curve is poorly
    identified, ``beta`` and ``theta`` both grow as the curve flattens, the ROAS prior
    does not mind, the ``theta`` prior pulls back, and the indirect share is biased low
    (see ``benchmarks/mediation_coverage.py`` and the benchmarks README).

Reported per brand channel: **direct** effect, **indirect** effect (``gamma x`` its
contribution to search, in KPI units), **total**, and **indirect share**, each with a
90% HDI (:meth:`MediatedFit.effects`).

Branded paid search
    Bidding on your own brand name is a channel whose **clicks are part of branded search
    demand**: its spend (CPC x clicks) follows brand demand rather than creating it. Name
    it with ``paid_brand_search=...``: it is then **left out of the search equation** (it
    does not cause searches; the people who click it searched already) and keeps, in the
    KPI equation, only its **incremental** direct effect: the sales it adds beyond what
    the organic listing of the same searches would have brought. The revenue a plain model
    gives it because its spend moves with branded demand is re-attributed to the branded
    search term, and from there to the brand channels that created the searches (their
    indirect effects) or to organic brand demand (:meth:`MediatedFit.reattribution`). Its
    direct effect is identified by the weeks in which its share of branded clicks moved
    or bidding was paused; without such variation it cannot be told from brand demand.

Planning with total effects
    :meth:`MediatedFit.media_contribution` returns the **total** (direct + indirect)
    response of any scaled spend path with the shape and units of
    ``saturated_media(params, lags, layout) * media_beta * kpi_scale``;
    :meth:`MediatedFit.as_fitted` gives a :class:`~mmm.fitted.FittedModel` view whose
    ``media_beta`` is the total effect, so the planner and the brand/performance split
    run unchanged on total effects.

Example
-------
>>> from mmm.mediation import fit_mediated                                  # doctest: +SKIP
>>> fit = fit_mediated("data/samples/d2c_mediation.yaml",
...                    paid_brand_search="brand_search", draws=500)         # doctest: +SKIP
>>> fit.effects()                                                           # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from mmm.data import Dataset, load_data
from mmm.design import Design, Scaling, compute_scaling, make_design
from mmm.errors import DataError, SpecError
from mmm.fitted import FittedModel, Model, as_spec, lift_data
from mmm.kpi import money
from mmm.model import (
    Layout,
    LiftData,
    add_lift_tests,
    add_likelihood,
    add_media,
    baseline_parts,
    model_setup,
    posterior_params,
    prior_variable,
    saturated_media,
    total_mean,
)
from mmm.sampling import Diagnostics, fast_mode, sample_and_judge
from mmm.spec import Prior, Spec
from mmm.stats import mape, r2_score, summarise
from mmm.transforms import carryover_weights, convolve_lags, lag_matrix

#: Default priors of the mediation parameters (scaled units: search / its mean, KPI / its mean).
#: A prior on ``theta`` at full saturation; used only when passed as ``search_effect_prior``
#: (the default parametrises ``theta`` by searches per unit of spend, see the module doc).
SEARCH_EFFECT_PRIOR = Prior("HalfNormal", {"sigma": 0.5})
#: Share of branded searches that brand media create, for the default ``search_per_spend`` prior median.
SEARCH_SHARE_GUESS = 0.25
SEARCH_TO_KPI_PRIOR = Prior("HalfNormal", {"sigma": 1.0})
#: Weekly geometric decay of branded search into the KPI (``search_l_max > 1`` only).
SEARCH_CARRYOVER_PRIOR = Prior("Beta", {"alpha": 2.0, "beta": 4.0})

#: Search-equation baseline parameters: name in the posterior -> name in baseline_parts.
_SEARCH_BASE = {"search_intercept": "intercept", "search_trend_slope": "trend_slope",
                "search_trend_delta": "trend_delta", "search_seasonality": "seasonality",
                "search_control_effect": "control_effect", "search_event_effect": "event_effect"}
_EXTRA = ("search_effect", "search_per_spend", "search_to_kpi", "search_carryover", "search_sigma", *_SEARCH_BASE)


# ---------------------------------------------------------------------- settings


@dataclass(frozen=True)
class MediationSettings:
    """Which channels drive branded search, which is branded paid search, and the priors.

    Parameters
    ----------
    brand_channels : tuple of str
        Channels in the search equation (default: those with ``role: brand``).
    paid_brand_search : str, optional
        The branded paid search channel (its clicks are part of branded search volume):
        never in the search equation; keeps only its incremental direct effect on the KPI.
    search_l_max : int
        Weeks over which a branded search turns into KPI (geometric carryover; 1 = same week).
    search_effect_prior : Prior, optional
        A prior on ``theta`` itself (scaled searches per brand channel at full saturation);
        ``None`` (the default) samples ``search_per_spend`` instead (see the module doc).
    search_to_kpi_prior : Prior
        Prior of ``gamma`` (scaled KPI per scaled search).
    search_per_spend_prior : Prior, optional
        Prior of ``search_per_spend`` (branded searches created per unit of spend, training
        weeks); ``None``: LogNormal(log m, 1), ``m = 0.25 x searches / brand-channel spend``.
    """

    brand_channels: tuple[str, ...]
    paid_brand_search: str | None = None
    search_l_max: int = 1
    search_effect_prior: Prior | None = None
    search_to_kpi_prior: Prior = SEARCH_TO_KPI_PRIOR
    search_per_spend_prior: Prior | None = None

    @classmethod
    def resolve(cls, spec: Spec, brand_channels: list[str] | tuple[str, ...] | None = None,
                paid_brand_search: str | None = None, search_l_max: int = 1,
                search_effect_prior: Prior | dict | None = None,
                search_to_kpi_prior: Prior | dict | None = None,
                search_per_spend_prior: Prior | dict | None = None) -> MediationSettings:
        """Check the choices against ``spec`` and fill the defaults."""
        if not spec.branded_search:
            raise SpecError("The mediation model needs a branded search series: set 'branded_search: COLUMN' "
                            "in the spec (weekly searches for the brand name, or branded search clicks).")
        names = spec.channel_names
        if paid_brand_search is not None and paid_brand_search not in names:
            spec.channel(paid_brand_search)  # raises with the closest name
        if brand_channels is None:
            brand = tuple(c.name for c in spec.channels if c.role == "brand" and c.name != paid_brand_search)
        else:
            for c in brand_channels:
                spec.channel(c)
            brand = tuple(c for c in names if c in set(brand_channels))
        if paid_brand_search is not None and paid_brand_search in brand:
            raise SpecError(f"'{paid_brand_search}' is the branded paid search channel: its clicks are part of "
                            "branded search volume, so it cannot also drive it. Leave it out of brand_channels.")
        if not brand:
            raise SpecError("No channel drives branded search: give some channels 'role: brand' in the spec, or "
                            "pass brand_channels=[...].")
        if int(search_l_max) < 1:
            raise SpecError(f"search_l_max must be >= 1 week; got {search_l_max}.")
        if search_effect_prior and search_per_spend_prior:
            raise SpecError("Give search_effect_prior (a prior on theta at full saturation) or "
                            "search_per_spend_prior (searches per unit of spend), not both.")
        return cls(brand, paid_brand_search, int(search_l_max),
                   Prior.parse("search_effect_prior", search_effect_prior) if search_effect_prior else None,
                   Prior.parse("search_to_kpi_prior", search_to_kpi_prior) if search_to_kpi_prior
                   else SEARCH_TO_KPI_PRIOR,
                   Prior.parse("search_per_spend_prior", search_per_spend_prior) if search_per_spend_prior
                   else None)


# ---------------------------------------------------------------------- the PyMC model


def _level_prior(pr: dict[str, Prior]) -> Prior:
    return pr.get("level") or Prior("Normal", {"mu": 1.0, "sigma": 0.25})


def _baseline_params(prefix: str, pr: dict[str, Prior], spec: Spec, design: Design) -> dict[str, Any]:
    """Trend, seasonality, control and event parameters (names as :func:`mmm.model.baseline_parts`
    wants, leading axis of 1); the intercept is a placeholder 0, set from the level afterwards."""
    out: dict[str, Any] = {"intercept": pt.zeros(1)}
    if spec.model.trend != "none":
        out["trend_slope"] = prior_variable(f"{prefix}trend_slope", pr["trend"], "trend")[None]
    if spec.model.trend == "piecewise":
        out["trend_delta"] = prior_variable(f"{prefix}trend_delta", pr["changepoints"], "changepoints",
                                   dims="changepoint")[None, :]
    if design.fourier.shape[1]:
        out["seasonality"] = prior_variable(f"{prefix}seasonality", pr["seasonality"], "seasonality", dims="fourier")[None, :]
    if design.controls.shape[1]:
        out["control_effect"] = prior_variable(f"{prefix}control_effect", pr["controls"], "controls", dims="control")[None, :]
    if design.events.shape[1]:
        out["event_effect"] = prior_variable(f"{prefix}event_effect", pr["events"], "events", dims="event")[None, :]
    return out


def search_per_spend_prior(settings: MediationSettings, search_total: float, brand_spend: float) -> Prior:
    """The prior of ``search_per_spend``: the settings' or LogNormal(log m, 1) with
    ``m = SEARCH_SHARE_GUESS x search_total / brand_spend`` (training weeks)."""
    if settings.search_per_spend_prior is not None:
        return settings.search_per_spend_prior
    median = max(SEARCH_SHARE_GUESS * search_total / max(brand_spend, 1e-12), 1e-12)
    return Prior("LogNormal", {"mu": float(np.log(median)), "sigma": 1.0})


def build_mediated_model(spec: Spec, design: Design, kpi_scaled: np.ndarray, search_lags: np.ndarray,
                         scaling: Scaling, settings: MediationSettings, *, dates: Any,
                         lift: list[LiftData] | None = None, kpi_counts: np.ndarray | None = None,
                         search_scale: float = 1.0) -> pm.Model:
    """The two-equation PyMC model (see the module doc) on the training weeks.

    ``search_lags`` is the scaled branded search series, lagged: ``(T, search_l_max)``
    (column 0 is the observed series of the week); ``search_scale`` the divisor that
    scaled it (for ``search_per_spend`` in searches per unit of spend).
    """
    layout, defaults, pr, coords = model_setup(spec, design, kpi_scaled, scaling, dates)
    brand_idx = [layout.channels.index(c) for c in settings.brand_channels]
    coords["brand_channel"] = list(settings.brand_channels)
    L = search_lags.shape[1]
    with pm.Model(coords=coords) as model:
        params, sat, beta = add_media(spec, design, scaling, layout, defaults)
        # As in mmm.model.build_model, each equation samples its average level (1 on the scaled
        # series) and its intercept follows: sampling the intercept trades off against every
        # channel's near-constant media level and mixes slowly.
        level = prior_variable("level", _level_prior(pr), "level")
        params.update(_baseline_params("", pr, spec, design))
        parts = baseline_parts(params, design, spec.model.trend, pt)
        parts["media"] = sat * beta[None, None, :]

        # (a) branded search
        s_level = prior_variable("search_level", _level_prior(pr), "level")
        sp = _baseline_params("search_", pr, spec, design)
        sparts = baseline_parts(sp, design, spec.model.trend, pt)
        if settings.search_effect_prior is not None:
            theta = prior_variable("search_effect", settings.search_effect_prior, "search_effect_prior",
                          dims="brand_channel")
        else:
            # like media_beta: a prior on searches per unit of spend, whatever the saturation curve
            spend = np.asarray(scaling.train_spend, dtype="float64")[brand_idx]
            searches = float(np.sum(search_lags[:, 0])) * search_scale
            per_spend = prior_variable("search_per_spend", search_per_spend_prior(settings, searches, float(spend.sum())),
                              "search_per_spend_prior", dims="brand_channel")
            theta = pm.Deterministic("search_effect", per_spend * spend / (search_scale * pt.sum(
                sat[0][:, brand_idx], axis=0)), dims="brand_channel")
        sparts["media"] = sat[:, :, brand_idx] * theta[None, None, :]
        s_rest = total_mean(sparts, pt)[0]
        s_intercept = pm.Deterministic("search_intercept", s_level - pt.mean(s_rest))
        sigma_s = prior_variable("search_sigma", pr["noise"], "noise")
        pm.Normal("search", mu=s_rest + s_intercept, sigma=sigma_s, observed=search_lags[:, 0], dims="date")

        # (b) KPI = usual model + gamma * carried-over branded search
        gamma = prior_variable("search_to_kpi", settings.search_to_kpi_prior, "search_to_kpi_prior")
        if L > 1:
            rho = prior_variable("search_carryover", SEARCH_CARRYOVER_PRIOR, "search_carryover")
            carried = pt.dot(search_lags, carryover_weights("geometric", {"carryover": rho}, L, pt))
        else:
            carried = search_lags[:, 0]
        rest = total_mean(parts, pt)[0] + gamma * carried
        intercept = pm.Deterministic("intercept", level - pt.mean(rest))
        params["intercept"] = intercept[None]
        mu = rest + intercept
        pm.Deterministic("mu", mu, dims="date")

        theta_full = pt.zeros(len(layout.channels))
        theta_full = pt.set_subtensor(theta_full[brand_idx], theta)
        # an experiment measures the total effect (direct + through branded search)
        add_lift_tests(lift or [], params, layout, design, beta + gamma * theta_full)
        add_likelihood(spec, mu, pr, scaling, kpi_scaled, kpi_counts)
    return model


# ---------------------------------------------------------------------- fitting


def _search_lags(search_scaled: np.ndarray, start: int, stop: int, L: int) -> np.ndarray:
    """``(stop - start, L)`` lags of the scaled search; before week 0 the first week's value."""
    hist_full = np.concatenate([np.full(max(L - 1, 0), search_scaled[0]), search_scaled])
    off = max(L - 1, 0)
    history = hist_full[start: start + off] if off else None
    return lag_matrix(search_scaled[start:stop], L, history)


def fit_mediated(spec: Spec | str | Path | dict, data: Any = None, *,
                 brand_channels: list[str] | None = None, paid_brand_search: str | None = None,
                 search_l_max: int | None = None, search_effect_prior: Prior | dict | None = None,
                 search_to_kpi_prior: Prior | dict | None = None, compare_plain: bool = True,
                 draws: int | None = None, tune: int | None = None, chains: int | None = None,
                 sampler: str | None = None, seed: int | None = None, holdout_weeks: int | None = None,
                 target_accept: float | None = None, aggregate_daily: bool = False,
                 progressbar: bool = True, search_per_spend_prior: Prior | dict | None = None) -> MediatedFit:
    """Fit the brand -> branded search -> KPI model (and, by default, the plain model to compare).

    Parameters
    ----------
    spec : Spec, dict or path
        A spec with ``branded_search: COLUMN``. Channels with ``role: brand`` drive
        branded search unless ``brand_channels`` says otherwise.
    data : path or DataFrame, optional
        The data (default: the spec's ``data:``).
    brand_channels : list of str, optional
        Channels in the search equation.
    paid_brand_search : str, optional
        The branded paid search channel (see the module doc).
    search_l_max : int, optional
        Weeks over which branded search turns into KPI (1 = same week).
    brand_channels, paid_brand_search and search_l_max default to the spec's ``branded_search:``
    mapping (see :class:`mmm.spec.Mediation`), else to the defaults described here.
    search_effect_prior, search_to_kpi_prior : Prior or dict, optional
        Override the priors of ``theta`` and ``gamma``. A prior on ``theta`` (searches at
        full saturation) replaces the default ``search_per_spend`` parametrisation.
    search_per_spend_prior : Prior or dict, optional
        Override the prior of ``search_per_spend`` (branded searches a brand channel creates
        per unit of spend; see the module doc).
    compare_plain : bool
        Also fit the plain model (no mediation) on the same data, for
        :meth:`MediatedFit.reattribution`.
    draws, tune, chains, sampler, seed, holdout_weeks, target_accept
        Override the spec's ``fit:`` section (as :meth:`mmm.fitted.Model.fit`).

    Returns
    -------
    MediatedFit
    """
    spec = as_spec(spec).with_fit(draws=draws, tune=tune, chains=chains, sampler=sampler, seed=seed,
                                   holdout_weeks=holdout_weeks, target_accept=target_accept)
    spec = fast_mode(spec)
    m = spec.mediation  # branded_search: as a mapping in the spec; arguments given here win
    brand_channels = brand_channels if brand_channels is not None else (list(m.brand_channels)
                                                                         if m.brand_channels else None)
    paid_brand_search = paid_brand_search if paid_brand_search is not None else m.paid_brand_search
    search_l_max = search_l_max if search_l_max is not None else m.search_l_max
    settings = MediationSettings.resolve(spec, brand_channels, paid_brand_search, search_l_max,
                                         search_effect_prior, search_to_kpi_prior, search_per_spend_prior)
    dataset = load_data(data, spec, aggregate_daily=aggregate_daily)
    search = dataset.branded_search
    if np.any(search < 0):
        raise DataError(f"Branded search column '{spec.branded_search}' has negative values; it must be a "
                        "count of searches or clicks.")
    T = dataset.n_weeks - spec.fit.holdout_weeks
    if T < 10:
        raise SpecError(f"'fit.holdout_weeks' = {spec.fit.holdout_weeks} leaves {T} training weeks.")
    train = dataset.subset(0, T)
    search_scale = float(np.mean(search[:T])) or 1.0
    if float(np.ptp(search[:T])) == 0:
        raise DataError(f"Branded search column '{spec.branded_search}' is constant: nothing to learn from.")
    t0 = time.perf_counter()
    scaling = compute_scaling(train.dates, train.kpi, train.spend, train.controls)
    layout = Layout.from_spec(spec)
    design = make_design(train.dates, train.spend, train.controls, train.events, scaling,
                         l_max=layout.max_l, seasonality_order=spec.model.yearly_seasonality,
                         n_changepoints=spec.model.changepoints if spec.model.trend == "piecewise" else 0)
    lags = _search_lags(search / search_scale, 0, T, settings.search_l_max)
    counts = train.kpi.round().astype("int64") if spec.model.likelihood == "negative_binomial" else None
    model = build_mediated_model(spec, design, train.kpi / scaling.kpi_scale, lags, scaling, settings,
                                 dates=train.dates, lift=lift_data(spec, train, scaling, layout),
                                 kpi_counts=counts, search_scale=search_scale)
    build_seconds = time.perf_counter() - t0
    idata, diagnostics = sample_and_judge(model, spec.fit, progressbar=progressbar, build_seconds=build_seconds)
    plain = None
    if compare_plain:
        plain = Model(spec).fit(dataset.frame, aggregate_daily=False, progressbar=progressbar)
    fit = MediatedFit(spec=spec, dataset=dataset, scaling=scaling, search_scale=search_scale, settings=settings,
                      idata=idata, diagnostics=diagnostics, train_weeks=T, plain=plain)
    fit.check_fit()
    return fit


# ---------------------------------------------------------------------- results


@dataclass
class MediatedFit:
    """A fitted mediation model: the posterior of both equations, and the plain fit to compare."""

    spec: Spec
    dataset: Dataset
    scaling: Scaling
    search_scale: float
    settings: MediationSettings
    idata: Any
    diagnostics: Diagnostics
    train_weeks: int
    plain: FittedModel | None = None
    search_r2: float | None = None
    _params: dict[str, np.ndarray] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ internals
    @property
    def layout(self) -> Layout:
        """Per-channel carryover/saturation forms."""
        return Layout.from_spec(self.spec)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Posterior draws ``{name: (draws, ...)}``: the KPI equation's (``media_beta`` = **direct**
        effect) plus ``search_effect`` (draws, B), ``search_to_kpi`` (draws,) and the search baseline."""
        if self._params is None:
            post = self.idata.posterior
            out = posterior_params(post, self.layout)
            for name in _EXTRA:
                if name in post:
                    arr = np.asarray(post[name].values, dtype="float64")
                    out[name] = arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])
            self._params = out
        return self._params

    @property
    def n_draws(self) -> int:
        """Number of posterior draws (chains x draws)."""
        return self.params["search_to_kpi"].shape[0]

    @property
    def brand_index(self) -> list[int]:
        """Positions of the brand channels in spec channel order."""
        return [self.spec.channel_names.index(c) for c in self.settings.brand_channels]

    def theta_full(self) -> np.ndarray:
        """Search effect of every channel (0 for channels not in the search equation), ``(draws, C)``, scaled."""
        out = np.zeros((self.n_draws, len(self.spec.channels)))
        out[:, self.brand_index] = self.params["search_effect"]
        return out

    def search_weights(self) -> np.ndarray:
        """Carryover of branded search into the KPI, ``(draws, search_l_max)`` (sums to 1)."""
        L = self.settings.search_l_max
        if L == 1:
            return np.ones((self.n_draws, 1))
        return np.asarray(carryover_weights("geometric", {"carryover": self.params["search_carryover"]}, L))

    def total_beta(self) -> np.ndarray:
        """Direct + indirect effect size per channel, ``(draws, C)``, scaled KPI at full saturation.

        ``media_beta + gamma * theta``: exact weekly when ``search_l_max == 1``, exact for
        totals over a horizon otherwise (the search carryover only moves KPI in time).
        """
        return self.params["media_beta"] + self.params["search_to_kpi"][:, None] * self.theta_full()

    def design(self, start: int = 0, stop: int | None = None) -> Design:
        """Scaled design for weeks ``[start, stop)`` with carryover from earlier weeks."""
        return self.as_fitted("direct").design(start, stop)

    def _search_scaled(self) -> np.ndarray:
        return self.dataset.branded_search / self.search_scale

    # ------------------------------------------------------------------ mean function on draws
    def components(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Posterior draws of the KPI equation's parts in KPI units for weeks ``[start, stop)``.

        ``intercept``, ``trend``, ``seasonality`` ``(draws, T)``; ``controls``, ``events``
        ``(draws, T, K)``; ``media`` (direct effects) and ``indirect`` (through branded
        search) ``(draws, T, C)``; ``branded_search`` (gamma x carried-over observed branded
        search) and ``organic_search`` (its part not created by the brand channels) ``(draws, T)``;
        ``mean`` ``(draws, T)``.
        """
        stop = self.dataset.n_weeks if stop is None else stop
        p = self.params
        L = self.settings.search_l_max
        first = max(0, start - L + 1)
        d = self.design(first, stop)
        sat = saturated_media(p, d.lags, self.layout)                       # (S, T', C)
        w = self.search_weights()
        gamma = p["search_to_kpi"]
        indirect = gamma[:, None, None] * convolve_lags(sat * self.theta_full()[:, None, :], w)[:, start - first:]
        parts = baseline_parts(p, self.design(start, stop), self.spec.model.trend)
        parts["media"] = sat[:, start - first:] * p["media_beta"][:, None, :]
        carried = _search_lags(self._search_scaled(), start, stop, L) @ w.T  # (T, S)
        parts["branded_search"] = gamma[:, None] * carried.T
        parts["mean"] = total_mean(parts) + parts["branded_search"]
        parts["indirect"] = indirect
        parts["organic_search"] = parts["branded_search"] - indirect.sum(axis=-1)
        k = self.scaling.kpi_scale
        return {name: arr * k for name, arr in parts.items()}

    def search_components(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """The search equation's parts in **searches**: ``baseline`` ``(draws, T)``, ``media``
        ``(draws, T, B)`` (per brand channel), ``mean`` ``(draws, T)``."""
        p = self.params
        sp = {base: p[name] for name, base in _SEARCH_BASE.items() if name in p}
        d = self.design(start, stop)
        parts = baseline_parts(sp, d, self.spec.model.trend)
        base = total_mean({**parts, "media": np.zeros(parts["intercept"].shape + (0,))})
        sat = saturated_media(p, d.lags, self.layout)[:, :, self.brand_index]
        media = sat * p["search_effect"][:, None, :]
        s = self.search_scale
        return {"baseline": base * s, "media": media * s, "mean": (base + media.sum(axis=-1)) * s}

    def media_contribution(self, lags: np.ndarray, effects: str = "total") -> np.ndarray:
        """Response of a scaled spend path, ``(draws, T, C)`` in KPI units: the planning hook.

        Parameters
        ----------
        lags : ndarray
            ``(T, C, L)`` lagged spend divided by ``scaling.spend_scale`` (as in
            :attr:`mmm.design.Design.lags`), ``L = layout.max_l``.
        effects : str
            ``total`` (direct + through branded search; the default), ``direct`` or ``indirect``.

        Returns
        -------
        ndarray
            Same shape and units as ``saturated_media(params, lags, layout) * media_beta *
            kpi_scale`` of a plain fit. The indirect part is spread over the search carryover
            (none when ``search_l_max == 1``); search created before the first week is not counted.
        """
        if effects not in ("total", "direct", "indirect"):
            raise ValueError(f"effects must be 'total', 'direct' or 'indirect'; got '{effects}'.")
        p = self.params
        sat = saturated_media(p, lags, self.layout)
        direct = sat * p["media_beta"][:, None, :]
        indirect = p["search_to_kpi"][:, None, None] * convolve_lags(sat * self.theta_full()[:, None, :],
                                                                 self.search_weights())
        out = {"total": direct + indirect, "direct": direct, "indirect": indirect}[effects]
        return out * self.scaling.kpi_scale

    def as_fitted(self, effects: str = "total") -> FittedModel:
        """A :class:`~mmm.fitted.FittedModel` view for code written for plain fits (planner, split, charts).

        ``effects="total"``: ``media_beta`` is the total (direct + indirect) effect, and the
        baseline carries the organic branded search term (gamma x search not created by media)
        week by week, so ``components()["mean"]`` is the mediation model's fitted KPI.
        ``effects="direct"``: the raw posterior (no search term).
        The view is not refitted, its diagnostics are the mediation fit's, and it must not be
        saved (a saved file holds the direct effects only).
        """
        p = dict(self.params)
        extra = None
        if effects == "total":
            p["media_beta"] = self.total_beta()

            def extra(start: int, stop: int) -> np.ndarray:
                return self.components(start, stop)["organic_search"] / self.scaling.kpi_scale
        elif effects != "direct":
            raise ValueError(f"effects must be 'total' or 'direct'; got '{effects}'.")
        return FittedModel(spec=self.spec, dataset=self.dataset, scaling=self.scaling, idata=self.idata,
                           diagnostics=self.diagnostics, train_weeks=self.train_weeks, _params=p,
                           _baseline_extra=extra)

    # ------------------------------------------------------------------ fit checks
    def check_fit(self) -> None:
        """R-squared, MAPE and 90% coverage of the KPI equation (and holdout), R-squared of search."""
        d = self.diagnostics
        T = self.train_weeks
        parts = self.components()
        pred = self.as_fitted("direct").predictive(parts["mean"])
        actual = self.dataset.kpi
        point = parts["mean"].mean(axis=0)
        lo, hi = np.quantile(pred, [0.05, 0.95], axis=0)
        inside = (actual >= lo) & (actual <= hi)
        d.r2 = round(r2_score(actual[:T], point[:T]), 4)
        d.mape = round(mape(actual[:T], point[:T]), 4)
        d.coverage_90 = round(float(inside[:T].mean()), 3)
        if self.dataset.n_weeks > T:
            d.holdout = {"weeks": int(self.dataset.n_weeks - T), "r2": round(r2_score(actual[T:], point[T:]), 4),
                         "mape": round(mape(actual[T:], point[T:]), 4),
                         "coverage_90": round(float(inside[T:].mean()), 3)}
        s = self.search_components(0, T)["mean"].mean(axis=0)
        self.search_r2 = round(r2_score(self.dataset.branded_search[:T], s), 4)

    # ------------------------------------------------------------------ tables
    def effect_draws(self) -> dict[str, np.ndarray]:
        """Draws over the training weeks, KPI units, ``(draws, C)``: ``direct``, ``indirect``,
        ``total``, ``indirect_share`` (0 for channels without an indirect path), and
        ``organic_search`` ``(draws,)`` (gamma x the branded search not created by media)."""
        parts = self.components(0, self.train_weeks)
        direct = parts["media"].sum(axis=1)
        indirect = parts["indirect"].sum(axis=1)
        total = direct + indirect
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, indirect / total, 0.0)
        return {"direct": direct, "indirect": indirect, "total": total, "indirect_share": share,
                "organic_search": parts["organic_search"].sum(axis=1)}

    def effects(self, prob: float = 0.9) -> pd.DataFrame:
        """One row per channel over the training weeks: direct, indirect (through branded search),
        total and indirect share, each with mean and ``prob`` HDI; direct and total ROAS; and
        the plain model's contribution when it was fitted.

        Columns: ``channel, role, drives_branded_search, paid_brand_search, spend``, then
        ``{direct,indirect,total,indirect_share,direct_roas,total_roas,plain}_{mean,hdi_low,hdi_high}``.
        """
        e = self.effect_draws()
        spend = self.dataset.subset(0, self.train_weeks).spend.sum(axis=0)
        safe = np.where(spend > 0, spend, np.nan)
        out = pd.DataFrame({
            "channel": self.spec.channel_names, "role": [c.role for c in self.spec.channels],
            "drives_branded_search": [c in self.settings.brand_channels for c in self.spec.channel_names],
            "paid_brand_search": [c == self.settings.paid_brand_search for c in self.spec.channel_names],
            "spend": spend})
        series = {"direct": e["direct"], "indirect": e["indirect"], "total": e["total"],
                  "indirect_share": e["indirect_share"], "direct_roas": e["direct"] / safe,
                  "total_roas": e["total"] / safe}
        if self.plain is not None:
            series["plain"] = self.plain.components(0, self.plain.train_weeks)["media"].sum(axis=1)
        for name, draws in series.items():
            m, lo, hi = summarise(draws, prob)
            out[f"{name}_mean"], out[f"{name}_hdi_low"], out[f"{name}_hdi_high"] = m, lo, hi
        return out

    def search_drivers(self, prob: float = 0.9) -> pd.DataFrame:
        """Branded searches over the training weeks by source: each brand channel and the organic rest.

        Columns: ``source, searches_mean, searches_hdi_low, searches_hdi_high, share_mean,
        share_hdi_low, share_hdi_high`` (share of all branded searches).
        """
        T = self.train_weeks
        media = self.search_components(0, T)["media"].sum(axis=1)          # (S, B)
        observed = float(self.dataset.branded_search[:T].sum())
        draws = np.column_stack([media, observed - media.sum(axis=1)])
        rows = pd.DataFrame({"source": [*self.settings.brand_channels, "organic (not from media)"]})
        for name, d in (("searches", draws), ("share", draws / observed)):
            m, lo, hi = summarise(d, prob)
            rows[f"{name}_mean"], rows[f"{name}_hdi_low"], rows[f"{name}_hdi_high"] = m, lo, hi
        return rows

    def reattribution(self, prob: float = 0.9) -> pd.DataFrame:
        """Plain model vs mediation model, channel by channel (KPI units, training weeks).

        One row per channel plus ``branded search (organic demand)``: ``plain`` (the plain
        model's contribution), ``direct`` and ``total`` of the mediation model (with
        HDIs), and ``change`` = total - plain (mean): positive for channels the plain model
        under-credits (brand channels), negative where it over-credits (search that
        harvested demand).
        """
        if self.plain is None:
            raise SpecError("No plain fit to compare with: fit with compare_plain=True.")
        eff = self.effects(prob)
        e = self.effect_draws()
        cols = ["channel", "role", "paid_brand_search", "spend"]
        keep = [f"{n}_{s}" for n in ("plain", "direct", "total") for s in ("mean", "hdi_low", "hdi_high")]
        out = eff[cols + keep].copy()
        m, lo, hi = summarise(e["organic_search"], prob)
        organic = {"channel": "branded search (organic demand)", "role": "baseline", "paid_brand_search": False,
                   "spend": 0.0, "plain_mean": 0.0, "plain_hdi_low": 0.0, "plain_hdi_high": 0.0,
                   "direct_mean": m, "direct_hdi_low": lo, "direct_hdi_high": hi,
                   "total_mean": m, "total_hdi_low": lo, "total_hdi_high": hi}
        out = pd.concat([out, pd.DataFrame([organic])], ignore_index=True)
        out["change_mean"] = out["total_mean"] - out["plain_mean"]
        return out

    def reattribution_text(self, prob: float = 0.9) -> str:
        """A few sentences on what the mediation model moves, for a deck."""
        r = self.reattribution(prob)
        cur = self.spec.currency
        lines = []
        pbs = self.settings.paid_brand_search
        targets = [pbs] if pbs else [c.name for c in self.spec.channels
                                     if c.role == "performance" and "search" in c.name.lower()]
        for name in targets:
            row = r[r.channel == name].iloc[0]
            shrink = row.plain_mean - row.direct_mean
            lines.append(f"The plain model credits {name} with {money(row.plain_mean, cur)}; with branded search "
                         f"modelled it keeps {money(row.direct_mean, cur)} ({money(row.direct_hdi_low, cur)} to "
                         f"{money(row.direct_hdi_high, cur)}): {money(shrink, cur)} was demand it harvested.")
        e = self.effects(prob)
        for row in e[e.drives_branded_search].itertuples():
            lines.append(f"{row.channel}: {money(row.direct_mean, cur)} direct + {money(row.indirect_mean, cur)} "
                         f"through branded search = {money(row.total_mean, cur)} in total; "
                         f"{row.indirect_share_mean:.0%} indirect ({row.indirect_share_hdi_low:.0%} to "
                         f"{row.indirect_share_hdi_high:.0%})"
                         + (f"; the plain model gave it {money(row.plain_mean, cur)}." if self.plain else "."))
        org = r.iloc[-1]
        lines.append(f"Organic brand demand (branded searches not created by media) brought "
                     f"{money(org.direct_mean, cur)}.")
        return "\n".join(lines)

    def brand_health(self, **kwargs: Any) -> dict[str, Any]:
        """:func:`brand_health` of this fit."""
        return brand_health(self, **kwargs)

    def __repr__(self) -> str:
        return (f"<MediatedFit '{self.spec.kpi.column}' via '{self.spec.branded_search}', brand channels "
                f"{list(self.settings.brand_channels)}: {self.diagnostics.verdict}>")


# ---------------------------------------------------------------------- brand health


def _health_inputs(source: Any, spend_channels: list[str] | None) -> tuple[pd.DatetimeIndex, np.ndarray,
                                                                            np.ndarray, list[str], Any]:
    fit = source if isinstance(source, MediatedFit) else None
    if fit is not None:
        ds = fit.dataset
        pbs = fit.settings.paid_brand_search
    elif isinstance(source, Dataset):
        ds, pbs = source, None
    elif isinstance(source, FittedModel):
        ds, pbs = source.dataset, None
    else:
        raise TypeError("brand_health takes a MediatedFit, a FittedModel or a Dataset with a branded search column.")
    if ds.branded_search is None:
        raise SpecError("The data has no branded search column: set 'branded_search: COLUMN' in the spec.")
    names = ds.spec.channel_names
    chans = spend_channels or [c for c in names if c != pbs]
    idx = [names.index(c) for c in chans]
    return ds.dates, ds.branded_search, ds.spend[:, idx].sum(axis=1), chans, fit


def brand_health(source: Any, *, spend_channels: list[str] | None = None, period: int = 4,
                 prob: float = 0.9) -> dict[str, Any]:
    """Does branded search grow alongside paid media (healthy) or stay flat (paid substituting)?

    Spend and branded searches are summed into ``period``-week blocks (so carryover does
    not blur the comparison); the elasticity is the OLS slope of log(searches) on
    log(spend) over those blocks, with a t-based ``prob`` interval; growth compares the
    last year with the first (halves when the data is shorter than two years).

    Verdicts: ``healthy`` (the elasticity's interval is above 0 and searches did not shrink),
    ``flat`` (searches do not move with paid volume: the interval includes 0, or paid
    spend grew by more than 10% while searches grew by less than a quarter as much),
    ``declining`` (searches fell by more than 5%), ``unclear`` otherwise.

    Parameters
    ----------
    source : MediatedFit, FittedModel or Dataset
        Data with a branded search column. A :class:`MediatedFit` adds the model's share of
        branded searches created by brand media.
    spend_channels : list of str, optional
        Channels counted as paid volume (default: all but the branded paid search channel,
        whose spend follows branded search by construction).
    period : int
        Weeks per block.
    prob : float
        Interval probability.

    Returns
    -------
    dict
        ``verdict``, ``sentence``, ``elasticity``, ``elasticity_low``, ``elasticity_high``,
        ``correlation`` (of the log block sums), ``spend_growth``, ``search_growth``,
        ``weeks``, ``spend_channels`` and, from a MediatedFit, ``media_share_of_search``
        (mean, low, high).
    """
    from scipy import stats

    dates, search, spend, chans, fit = _health_inputs(source, spend_channels)
    n = len(search) // period * period
    if n // period < 6:
        raise DataError(f"brand_health needs at least {6 * period} weeks; the data has {len(search)}.")
    s_blocks = search[len(search) - n:].reshape(-1, period).sum(axis=1)
    p_blocks = spend[len(spend) - n:].reshape(-1, period).sum(axis=1)
    ok = (s_blocks > 0) & (p_blocks > 0)
    x, y = np.log(p_blocks[ok]), np.log(s_blocks[ok])
    res = stats.linregress(x, y)
    tcrit = stats.t.ppf(0.5 + prob / 2, max(len(x) - 2, 1))
    lo, hi = res.slope - tcrit * res.stderr, res.slope + tcrit * res.stderr
    span = 52 if len(search) >= 104 else len(search) // 2
    spend_growth = float(spend[-span:].sum() / max(spend[:span].sum(), 1e-12) - 1)
    search_growth = float(search[-span:].sum() / max(search[:span].sum(), 1e-12) - 1)
    what = "the last year vs the first" if span == 52 else "the second half vs the first"
    if search_growth < -0.05:
        verdict = "declining"
    elif lo > 0 and not (spend_growth > 0.10 and search_growth < 0.25 * spend_growth):
        verdict = "healthy"
    elif lo <= 0 or (spend_growth > 0.10 and search_growth < 0.25 * spend_growth):
        verdict = "flat"
    else:  # pragma: no cover - the branches above cover every case
        verdict = "unclear"
    facts = (f"paid media spend changed {spend_growth:+.0%} and branded searches {search_growth:+.0%} "
             f"({what}); a 10% rise in paid spend goes with {10 * res.slope:+.1f}% branded searches "
             f"({10 * lo:+.1f}% to {10 * hi:+.1f}%, {prob:.0%} interval, {period}-week blocks)")
    sentence = {
        "healthy": f"Healthy: branded search grows alongside paid media. {facts[0].upper() + facts[1:]}.",
        "flat": (f"Warning: branded search stays flat while paid media moves, so paid activity may be "
                 f"harvesting existing demand (substituting for organic) rather than building it. "
                 f"{facts[0].upper() + facts[1:]}."),
        "declining": f"Warning: branded search is declining. {facts[0].upper() + facts[1:]}.",
        "unclear": f"Unclear. {facts[0].upper() + facts[1:]}.",
    }[verdict]
    out: dict[str, Any] = {"verdict": verdict, "sentence": sentence, "elasticity": float(res.slope),
                           "elasticity_low": float(lo), "elasticity_high": float(hi),
                           "correlation": float(res.rvalue), "spend_growth": spend_growth,
                           "search_growth": search_growth, "weeks": int(len(search)),
                           "period_weeks": int(period), "spend_channels": chans, "facts": facts}
    if fit is not None:
        drivers = fit.search_drivers(prob)
        media = drivers[drivers.source != "organic (not from media)"]
        T = fit.train_weeks
        draws = fit.search_components(0, T)["media"].sum(axis=(1, 2)) / float(fit.dataset.branded_search[:T].sum())
        m, lo_s, hi_s = summarise(draws, prob)
        out["media_share_of_search"] = (float(m), float(lo_s), float(hi_s))
        out["sentence"] += (f" The model attributes {m:.0%} of branded searches ({lo_s:.0%} to {hi_s:.0%}) to "
                            f"{', '.join(media.source)}.")
    return out


# ---------------------------------------------------------------------- charts (house style)


def plot_effects(fit: MediatedFit, prob: float = 0.9, *, show_plain: bool = True, title: str | bool | None = None,
                 ax: Any = None) -> Any:
    """Direct vs total effect per channel: the direct effect (channel colour) plus the effect
    through branded search (lighter, stacked: the bar's end is the total), ``prob`` HDI
    whiskers on both, and the plain model's estimate as a black diamond. Slide-sized, house
    style of :mod:`mmm.plots`; returns a matplotlib Figure."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from mmm.plots.style import (
        FONT,
        channel_colors,
        finish,
        house_style,
        kpi_formatter,
        label,
        lighten,
        panel,
        subtitle,
        units_of,
    )

    e = fit.effects(prob)
    u = units_of(fit.spec)
    colors = channel_colors(fit.spec)
    fig, ax, standalone = panel(ax)
    with house_style():
        y = np.arange(len(e))[::-1]
        for yi, r in zip(y, e.itertuples(), strict=True):
            c = colors.get(r.channel, "#888888")
            ax.barh(yi, r.direct_mean, height=0.62, color=c)
            if r.indirect_mean > 0:
                ax.barh(yi, r.indirect_mean, left=r.direct_mean, height=0.62, color=lighten(c, 0.55),
                        hatch="//", edgecolor="white")
            ax.errorbar(r.direct_mean, yi - 0.14, xerr=[[max(r.direct_mean - r.direct_hdi_low, 0)],
                                                        [max(r.direct_hdi_high - r.direct_mean, 0)]],
                        fmt="none", ecolor="#222222", elinewidth=1.8, capsize=5)
            if r.indirect_mean > 0:
                ax.errorbar(r.total_mean, yi + 0.14, xerr=[[max(r.total_mean - r.total_hdi_low, 0)],
                                                           [max(r.total_hdi_high - r.total_mean, 0)]],
                            fmt="none", ecolor="#7f2704", elinewidth=1.8, capsize=5)
                ax.text(max(r.total_hdi_high, getattr(r, "plain_mean", 0.0)), yi,
                        f"  {r.indirect_share_mean:.0%} via search", va="center", fontsize=FONT["legend"],
                        color="#7f2704", fontweight="bold")
        if show_plain and "plain_mean" in e:
            ax.scatter(e.plain_mean, y, marker="D", s=90, color="#111111", zorder=5)
        names = [label(c) + ("\n(branded paid search)" if pbs else " (brand)" if role == "brand" else "")
                 for c, pbs, role in zip(e.channel, e.paid_brand_search, e.role, strict=True)]
        ax.set_yticks(y, names)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.xaxis.set_major_formatter(kpi_formatter(u))
        top = float(np.nanmax(np.r_[e.total_hdi_high, e.get("plain_mean", pd.Series([0.0]))]))
        ax.set_xlim(0, top * 1.3)
        ax.set_xlabel(f"{u.kpi_word.capitalize()} contributed over {fit.train_weeks} weeks")
        handles = [Patch(color="#777777", label="direct"),
                   Patch(facecolor=lighten("#777777", 0.55), hatch="//", edgecolor="white",
                         label="through branded search"),
                   Line2D([], [], color="#222222", lw=2, marker="|", ms=12, label=f"{prob:.0%} interval")]
        if show_plain and "plain_mean" in e:
            handles.append(Line2D([], [], color="#111111", marker="D", ls="", ms=9, label="plain model (no mediation)"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=len(handles))
        subtitle(ax, f"Direct and total (direct + through branded search) contribution per channel, {prob:.0%} "
                     "intervals", standalone=standalone)
    auto = _effects_takeaway(fit, e, u)
    return finish(fig, title=title, auto=auto, approximate=fit.diagnostics.approximate, ax=ax,
                  standalone=standalone)


def _effects_takeaway(fit: MediatedFit, e: pd.DataFrame, u: Any) -> str:
    from mmm.plots.style import label

    pbs = fit.settings.paid_brand_search
    if pbs and "plain_mean" in e:
        r = e[e.channel == pbs].iloc[0]
        if r.plain_mean > r.direct_mean:
            return (f"{label(pbs)} keeps {u.money(r.direct_mean)} of the {u.money(r.plain_mean)} a plain model "
                    "gives it: the rest was brand demand it harvested")
    brand = e[e.drives_branded_search].sort_values("indirect_share_mean", ascending=False)
    r = brand.iloc[0]
    return (f"{label(r.channel)} works through branded search too: {r.indirect_share_mean:.0%} of its effect "
            "comes that way")


def plot_brand_health(source: Any, *, spend_channels: list[str] | None = None, smooth: int = 4,
                      prob: float = 0.9, title: str | bool | None = None, ax: Any = None) -> Any:
    """Dual-axis chart over time: weekly paid media spend (bars and ``smooth``-week mean, left
    axis, currency) and branded searches (``smooth``-week mean, right axis, searches per week),
    with the verdict of :func:`brand_health` as the takeaway title. Returns a matplotlib Figure."""
    from matplotlib.ticker import FuncFormatter

    from mmm.plots.style import (
        FONT,
        compact,
        date_axis,
        finish,
        house_style,
        label,
        money_formatter,
        panel,
        subtitle,
        units_of,
    )

    dates, search, spend, chans, fit = _health_inputs(source, spend_channels)
    result = brand_health(source, spend_channels=spend_channels, prob=prob)
    spec = fit.spec if fit is not None else source.spec
    u = units_of(spec)
    roll = pd.Series(spend).rolling(smooth, min_periods=1).mean().to_numpy()
    sroll = pd.Series(search).rolling(smooth, min_periods=1).mean().to_numpy()
    spend_col, search_col = "#6FA8DC", "#C23B22"
    fig, ax, standalone = panel(ax)
    with house_style():
        ax.bar(dates, spend, width=6, color=spend_col, alpha=0.45, label="paid media spend, weekly")
        ax.plot(dates, roll, color="#1F4E9A", lw=3, label=f"paid media spend, {smooth}-week mean")
        ax.set_ylabel(f"Paid media spend per week ({u.symbol.strip()})", color="#1F4E9A")
        ax.yaxis.set_major_formatter(money_formatter(u))
        ax2 = ax.twinx()
        ax2.spines["right"].set_visible(True)
        ax2.grid(False)
        ax2.plot(dates, sroll, color=search_col, lw=3.5, label=f"branded searches, {smooth}-week mean")
        ax2.set_ylabel("Branded searches per week", color=search_col, fontsize=FONT["base"])
        ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
        ax2.tick_params(axis="y", labelsize=FONT["tick"], colors=search_col)
        date_axis(ax)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", ncol=2, fontsize=FONT["legend"])
        ax.set_ylim(0, float(spend.max()) * 1.5)
        ax2.set_ylim(0, float(search.max()) * 1.5)
        subtitle(ax, f"Paid media spend ({', '.join(label(c) for c in chans)}) and branded searches per week",
                 standalone=standalone)
    auto = {"healthy": (f"Healthy: branded search grows with paid media (spend {result['spend_growth']:+.0%}, "
                        f"searches {result['search_growth']:+.0%})"),
            "flat": (f"Branded search stays flat while paid media moves (spend {result['spend_growth']:+.0%}, "
                     f"searches {result['search_growth']:+.0%}): paid may be substituting for organic"),
            "declining": f"Branded search is declining ({result['search_growth']:+.0%})",
            "unclear": "Branded search vs paid media: no clear pattern"}[result["verdict"]]
    approx = bool(fit.diagnostics.approximate) if fit is not None else False
    return finish(fig, title=title, auto=auto, approximate=approx, ax=ax, standalone=standalone,
                  note=result["facts"][0].upper() + result["facts"][1:] + "." if standalone else None)
