"""Fit a spec to data and hold the result.

``Model(spec).fit(data)`` validates the data, scales it, builds the PyMC model, samples,
judges convergence, checks the fit (R-squared, MAPE, 90% coverage, optional holdout)
and returns a :class:`FittedModel`. A fitted model never changes: analysis, planning
and charts read it and return new objects.

Example
-------
>>> import mmm
>>> spec = mmm.load_spec("data/samples/ecommerce.yaml")          # doctest: +SKIP
>>> fitted = mmm.Model(spec).fit(draws=500, chains=2)            # doctest: +SKIP
>>> fitted.channel_summary()                                     # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.data import Dataset, load_data
from mmm.data_inputs import data_inputs, data_structure
from mmm.design import Design, Scaling, compute_scaling, make_design
from mmm.diagnostics import Diagnostics
from mmm.errors import SpecError
from mmm.prior_plan import (
    national_priors,
    plan_structure,
    prior_defaults,
    prior_inputs,
    without_priors,
)
from mmm.response import Layout, LiftData, components, posterior_params, total_mean
from mmm.spec import Prior, Spec, load_spec, spec_from_dict
from mmm.stats import mape, r2_score
from mmm.transforms import lag_matrix


def as_spec(spec: Spec | str | Path | dict) -> Spec:
    """A :class:`Spec` from a spec, a dict, or the path of a YAML file."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, dict):
        return spec_from_dict(spec)
    return load_spec(spec)




class Model:
    """A model specification ready to fit.

    Parameters
    ----------
    spec : Spec, dict or path to a YAML file
        What to model and how (see :mod:`mmm.spec`).
    """

    def __init__(self, spec: Spec | str | Path | dict):
        self.spec = as_spec(spec)

    def __repr__(self) -> str:
        return f"mmm.Model({self.spec.kpi.type} model of '{self.spec.kpi.column}', channels={self.spec.channel_names})"

    def prepare(self, data: Any = None, *, aggregate_daily: bool = False, aggregate_geo: bool = False) -> Dataset:
        """Load and validate the data (``data`` or the spec's ``data:`` path)."""
        return load_data(data, self.spec, aggregate_daily=aggregate_daily, aggregate_geo=aggregate_geo)

    def build(self, dataset: Dataset, holdout_weeks: int = 0):
        """Build the PyMC model on the training weeks; returns ``(pm.Model, Scaling, Design)``."""
        inputs = self.model_inputs(dataset, holdout_weeks)
        return inputs.build(), inputs.scaling, inputs.design

    def model_inputs(self, dataset: Dataset, holdout_weeks: int = 0) -> ModelInputs:
        """Everything the PyMC model of the training weeks is built from (NumPy only: no PyMC yet)."""
        spec = self.spec
        T = dataset.n_weeks - holdout_weeks
        if T < 10:
            raise SpecError(f"'fit.holdout_weeks' = {holdout_weeks} leaves {T} training weeks; use fewer holdout weeks.")
        train = dataset.subset(0, T)
        scaling = compute_scaling(train.dates, train.kpi, train.spend, train.controls)
        layout = Layout.from_spec(spec)
        design = make_design(train.dates, train.spend, train.controls, train.events, scaling,
                             l_max=layout.max_l, seasonality_order=spec.model.yearly_seasonality,
                             n_changepoints=spec.model.changepoints if spec.model.trend == "piecewise" else 0,
                             history=train.history_before(0, layout.max_l - 1))
        lift = lift_data(spec, train, scaling, layout)
        counts = train.kpi.round().astype("int64") if spec.model.likelihood == "negative_binomial" else None
        return ModelInputs(spec, design, train.kpi / scaling.kpi_scale, scaling, train.dates, lift, counts)

    def fit(self, data: Any = None, *, draws: int | None = None, tune: int | None = None,
            chains: int | None = None, sampler: str | None = None, seed: int | None = None,
            holdout_weeks: int | None = None, target_accept: float | None = None,
            aggregate_daily: bool = False, aggregate_geo: bool = False, progressbar: bool = True) -> FittedModel:
        """Fit the model; keyword arguments override the spec's ``fit:`` section.

        Returns
        -------
        FittedModel
            Posterior, diagnostics (with a plain-language verdict) and fit checks.
        """
        spec = self.spec.with_fit(draws=draws, tune=tune, chains=chains, sampler=sampler, seed=seed,
                                  holdout_weeks=holdout_weeks, target_accept=target_accept)
        from mmm.sampling import fast_mode, sample_and_judge

        spec = fast_mode(spec)  # MMM_FAST: few draws, labelled in the verdict
        dataset = load_data(data, spec, aggregate_daily=aggregate_daily, aggregate_geo=aggregate_geo)
        spec = dataset.spec          # text event columns come back expanded into 0/1 columns
        self.spec = spec
        t0 = time.perf_counter()
        inputs = self.model_inputs(dataset, spec.fit.holdout_weeks)
        scaling = inputs.scaling
        build_seconds = time.perf_counter() - t0
        # the model is built only when needed: a refit of inputs fitted before reruns their record, without PyMC
        idata, diagnostics = sample_and_judge(inputs.build, spec.fit, progressbar=progressbar,
                                              build_seconds=build_seconds, inputs=inputs.digest(),
                                              input_values=inputs.input_values(), native=inputs.native_graph)
        fitted = FittedModel(spec=spec, dataset=dataset, scaling=scaling, idata=idata, diagnostics=diagnostics,
                             train_weeks=dataset.n_weeks - spec.fit.holdout_weeks)
        fitted.check_fit()
        fitted.check_health()
        return fitted


@dataclass(frozen=True)
class ModelInputs:
    """What :func:`mmm.model.build_model` builds the PyMC model from: the spec, the scaled design of the
    training weeks, the scaled KPI, the scale factors, the weeks, the lift tests and integer counts."""

    spec: Spec
    design: Design
    kpi_scaled: np.ndarray
    scaling: Scaling
    dates: Any
    lift: list[LiftData]
    counts: np.ndarray | None

    def build(self) -> Any:
        """The PyMC model (PyMC is loaded here, when a model is built, not when a fit is read)."""
        from mmm.model import build_model

        return build_model(self.spec, self.design, self.kpi_scaled, self.scaling, dates=self.dates,
                           lift=self.lift, kpi_counts=self.counts)

    def native_graph(self) -> Any:
        """The model written in JAX (:func:`mmm.native.native_graph`: the same model, sampled without PyMC), or
        None where that path does not write it."""
        from mmm.native import native_graph

        return native_graph(self.spec, self.design, self.dates, self.priors(), self.prior_values(),
                            self.data_values(), [test.channel_index for test in self.lift],
                            structure=self.structure())

    def structure(self) -> tuple:
        """What of these inputs is the model's structure (:meth:`digest` hashes it with the weeks)."""
        from dataclasses import replace

        return (without_priors(replace(self.spec, fit=None, data=None)),
                data_structure(self.data_values(), self.lift), plan_structure(self.priors()))

    def priors(self) -> dict[str, Prior]:
        """Every random variable of the model and its prior (:func:`mmm.prior_plan.national_priors`)."""
        layout = Layout.from_spec(self.spec)
        defaults, pr = prior_defaults(self.spec, self.kpi_scaled, self.scaling, layout)
        d = self.design
        return national_priors(self.spec, layout, defaults, pr, d.fourier.shape[1], d.controls.shape[1],
                               d.events.shape[1])

    def prior_values(self) -> dict[str, np.ndarray]:
        """The prior parameters' values, by the name of the model input carrying each (``prior:<variable>.<parameter>``)."""
        return prior_inputs(self.priors())

    def data_values(self) -> dict[str, np.ndarray]:
        """The data the model reads, by the name of the model input carrying each (``data:<name>``)."""
        return data_inputs(self.design, self.scaling, self.kpi_scaled, self.counts, self.lift)

    def input_values(self) -> dict[str, np.ndarray]:
        """Every named input of the model: :meth:`prior_values` and :meth:`data_values`."""
        return {**self.prior_values(), **self.data_values()}

    def digest(self) -> str | None:
        """A digest of these inputs' structure (:func:`mmm.compiled.inputs_digest`; None when not recordable):
        a refit that changes only prior values or data values (same weeks, same shapes) reruns the record with
        :meth:`input_values`, without building the model."""
        from mmm.compiled import inputs_digest

        # the fit settings are left out: the sampler's (draws, chains, ...) are checked against the record's,
        # and the seed only seeds the run. The priors' values and the data are model inputs; which variables the
        # model draws, from which families, with parameters of which shapes, which weeks and which shapes of
        # data, is structure (the data file's path is left out: what it held is in)
        spec, data, plan = self.structure()
        return inputs_digest("national", spec, self.dates, data, plan)


def lift_data(spec: Spec, train: Dataset, scaling: Scaling, layout: Layout) -> list[LiftData]:
    out = []
    dates = train.dates
    for i, test in enumerate(spec.lift_tests):
        c = layout.channels.index(test.channel)
        inside = (dates >= pd.Timestamp(test.start)) & (dates <= pd.Timestamp(test.end))
        if not inside.any():
            raise SpecError(f"lift_tests[{i}] window {test.start}..{test.end} has no week in the training data "
                            f"({dates[0].date()}..{dates[-1].date()}). Drop it or fix the dates.")
        spend = train.spend[:, c]
        if test.spend_change < 0 and np.any(spend[inside] + test.spend_change < -1e-9):
            raise SpecError(f"lift_tests[{i}]: spend_change {test.spend_change} would make {test.channel}'s "
                            "spend negative in the window; give the weekly change actually made.")
        delta = np.where(inside, test.spend_change, 0.0) / scaling.spend_scale[c]
        out.append(LiftData(c, lag_matrix(delta, layout.max_l), inside.astype("float64"),
                            test.lift / scaling.kpi_scale, test.lift_se / scaling.kpi_scale))
    return out


@dataclass
class FittedModel:
    """A fitted model: the spec, the data, the scaling, the posterior and its diagnostics."""

    spec: Spec
    dataset: Dataset
    scaling: Scaling
    idata: Any
    diagnostics: Diagnostics
    train_weeks: int
    _params: dict[str, np.ndarray] | None = field(default=None, repr=False)
    #: weekly baseline not in the parameters (scaled KPI, ``(draws, T)`` for weeks ``[start, stop)``): a
    #: mediation fit's organic branded search in its total-effects view, week by week
    _baseline_extra: Any = field(default=None, repr=False)
    #: channel tables already computed, by interval probability (the posterior never changes)
    _channel_tables: dict[float, pd.DataFrame] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: components already computed, by week range (copies are handed out: callers may change them)
    _components: dict[tuple[int, int], dict[str, np.ndarray]] = field(default_factory=dict, init=False,
                                                                      repr=False, compare=False)

    # ------------------------------------------------------------------ internals
    @property
    def layout(self) -> Layout:
        """Per-channel carryover/saturation forms."""
        return Layout.from_spec(self.spec)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Posterior draws as ``{name: (draws, ...)}`` arrays."""
        if self._params is None:
            self._params = posterior_params(self.idata.posterior, self.layout)
        return self._params

    @property
    def train(self) -> Dataset:
        """The training weeks."""
        return self.dataset.subset(0, self.train_weeks)

    @property
    def approximate(self) -> bool:
        """True for ADVI fits: every output says so."""
        return self.diagnostics.approximate

    def design(self, start: int = 0, stop: int | None = None) -> Design:
        """Scaled design for weeks ``[start, stop)`` of the data, with carryover from earlier weeks."""
        ds = self.dataset
        stop = ds.n_weeks if stop is None else stop
        part = ds.subset(start, stop)
        history = ds.history_before(start, self.layout.max_l - 1)
        return make_design(part.dates, part.spend, part.controls, part.events, self.scaling,
                           l_max=self.layout.max_l, seasonality_order=self.spec.model.yearly_seasonality,
                           n_changepoints=self.spec.model.changepoints if self.spec.model.trend == "piecewise" else 0,
                           history=history)

    def components(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Posterior draws of every component in KPI units: ``intercept``, ``trend``,
        ``seasonality`` ``(draws, T)``; ``controls``, ``events`` ``(draws, T, K)``;
        ``media`` ``(draws, T, C)``; and ``mean`` ``(draws, T)``."""
        stop = self.dataset.n_weeks if stop is None else stop
        key = (start, stop)
        if key not in self._components:  # fit checks, health and tables all ask: one pass over the draws
            parts = components(self.params, self.design(start, stop), self.layout, self.spec.model.trend)
            if self._baseline_extra is not None:
                parts["intercept"] = parts["intercept"] + self._baseline_extra(start, stop)
            parts["mean"] = total_mean(parts)
            k = self.scaling.kpi_scale
            self._components[key] = {name: arr * k for name, arr in parts.items()}
            while len(self._components) > 4:
                self._components.pop(next(iter(self._components)))
        return {name: arr.copy() for name, arr in self._components[key].items()}

    def predictive(self, mean: np.ndarray, seed: int = 0) -> np.ndarray:
        """Posterior predictive draws (mean plus observation noise) in KPI units."""
        rng = np.random.default_rng(seed)
        p = self.params
        k = self.scaling.kpi_scale
        lik = self.spec.model.likelihood
        if lik == "negative_binomial":
            mu = np.maximum(mean, 1e-9)
            alpha = p["nb_alpha"][:, None]
            return rng.negative_binomial(alpha, alpha / (alpha + mu)).astype("float64")
        noise = rng.standard_normal(mean.shape) if lik == "normal" else rng.standard_t(p["nu"][:, None], mean.shape)
        return mean + noise * p["sigma"][:, None] * k

    def check_fit(self) -> None:
        """Fill R-squared, MAPE and 90% coverage (training weeks) and holdout metrics."""
        d = self.diagnostics
        T = self.train_weeks
        parts = self.components(0, self.dataset.n_weeks)
        pred = self.predictive(parts["mean"])
        actual = self.dataset.kpi
        point = parts["mean"].mean(axis=0)
        lo, hi = np.quantile(pred, [0.05, 0.95], axis=0)
        inside = (actual >= lo) & (actual <= hi)
        d.r2 = round(r2_score(actual[:T], point[:T]), 4)
        d.mape = round(mape(actual[:T], point[:T]), 4)
        d.coverage_90 = round(float(inside[:T].mean()), 3)
        if self.dataset.n_weeks > T:
            d.holdout = {"weeks": int(self.dataset.n_weeks - T),
                         "r2": round(r2_score(actual[T:], point[T:]), 4),
                         "mape": round(mape(actual[T:], point[T:]), 4),
                         "coverage_90": round(float(inside[T:].mean()), 3)}

    def check_health(self) -> list:
        """Run the model-health checks (:mod:`mmm.health`): fills ``diagnostics.health``
        (``ok`` | ``review`` | ``do not use``) and ``diagnostics.checks``; returns the checks."""
        from mmm.health import assess
        return assess(self)

    # ------------------------------------------------------------------ public results
    def contributions(self) -> pd.DataFrame:
        """Weekly decomposition (posterior means, KPI units): ``date, actual, fitted, baseline``,
        one column per channel, one per control. Baseline = intercept + trend + seasonality + events."""
        from mmm.analysis import contributions_table
        return contributions_table(self)

    def channel_summary(self, prob: float = 0.9) -> pd.DataFrame:
        """One row per channel: spend, contribution and ROAS with HDIs, share of KPI."""
        from mmm.analysis import channel_table

        key = float(prob)
        if key not in self._channel_tables:  # the report asks several times; prior sensitivity is costly
            self._channel_tables[key] = channel_table(self, prob)
        return self._channel_tables[key].copy()

    def roas(self, prob: float = 0.9) -> pd.DataFrame:
        """ROAS (revenue), pipeline ROI (pipeline) or KPI per currency unit (leads) per channel."""
        return self.channel_summary(prob)[["channel", "role", "roas_mean", "roas_hdi_low", "roas_hdi_high"]]

    def fit_table(self, prob: float = 0.9) -> pd.DataFrame:
        """Actual vs fitted per week with a ``prob`` predictive band and a holdout flag."""
        from mmm.analysis import fit_table
        return fit_table(self, prob)

    def save(self, path: str | Path) -> Path:
        """Save to one NetCDF file (posterior + spec + data + scaling as JSON). Never pickles."""
        from mmm.persist import save_fit
        return save_fit(self, path)

    def summary_text(self) -> str:
        """A few plain-language lines: verdict, fit quality, top channels."""
        from mmm.analysis import summary_text
        return summary_text(self)

    def _repr_html_(self) -> str:
        from mmm.analysis import summary_html
        return summary_html(self)

    def __repr__(self) -> str:
        return f"<FittedModel {self.spec.kpi.type} '{self.spec.kpi.column}': {self.diagnostics.verdict}>"
