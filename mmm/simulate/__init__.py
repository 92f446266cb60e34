"""Simulated marketing data with a known truth, for demos, tests and parameter recovery.

Not part of the fitting path: nothing under ``spec``, ``data``, ``model``, ``fitted``,
``planning`` ... imports this package; the bundled samples and the benchmarks do.

The data-generating process (DGP) is the model family of :mod:`mmm` itself, so a fit on
simulated data can be checked against the truth:

For each channel with weekly spend ``s``:

* ``scale`` is the mean of the channel's **non-zero** weekly spend over the whole data
  set (the model's "typical weekly spend");
* ``x = s / scale``; ``a = adstock(x, carryover_weights(kind, params, l_max))``, with
  no spend before the first week;
* ``contribution = beta * saturation(kind, a, params)`` in KPI units, so ``beta`` is the
  KPI a channel would add per week at full saturation.

The baseline is ``intercept + trend * t`` (``t`` from 0 to 1 over the data) plus yearly
Fourier seasonality (``sin/cos(2 pi k u)`` with ``u`` = days since 1970-01-01 / 365.25),
plus controls (``coef * (c - mean(c)) / std(c)``, population std) plus 0/1 events times
their effect. ``KPI = baseline + sum(contributions) + Normal(0, noise_sd)``.

Every channel's true total contribution, ROAS (contribution / spend, both over the data
period), marginal ROAS and weekly contributions are returned in a JSON-serialisable
``truth`` dict; :func:`true_contribution` evaluates the true response of any spend path
(for instance to find the truly optimal budget plan), independently of any fitted model.

Modules, by job:

* :mod:`~mmm.simulate.config`: the configuration dataclasses (:class:`SimulationConfig` ...);
* :mod:`~mmm.simulate.series`: spend paths, trend, seasonality, controls and events;
* :mod:`~mmm.simulate.national`: :func:`simulate` and :func:`true_contribution`;
* :mod:`~mmm.simulate.presets`: :func:`ecommerce_config` (D2C revenue), :func:`b2b_config`
  (B2B pipeline, delayed carryover) and :func:`peer_example_config` (PyMC-Marketing's
  ``mmm_example`` data set, re-created exactly);
* :mod:`~mmm.simulate.mediation`: brand -> branded search -> revenue
  (:func:`simulate_mediation`);
* :mod:`~mmm.simulate.funnel`: leads -> opportunities -> pipeline -> closed-won
  (:func:`simulate_funnel`);
* :mod:`~mmm.simulate.deals`: the sample CRM opportunities export (``deals.csv``);
* :mod:`~mmm.simulate.sample_files`: the bundled files of ``data/samples``, all written by
  ``scripts/make_samples.py`` (:func:`write_all_samples`).

Example
-------
>>> data, truth = simulate(ecommerce_config(weeks=60))
>>> sorted(truth["channels"])[:2]
['google_search', 'meta']
"""

from mmm.simulate.config import (
    CONTROL_KINDS,
    EVENT_RULES,
    SEASON_TIMES,
    SEASONALITY_ORIGIN,
    SPEND_KINDS,
    TREND_KINDS,
    YEAR_DAYS,
    Baseline,
    ChannelTruth,
    Control,
    CountColumn,
    Event,
    SimulationConfig,
    SpendPattern,
    config_dict,
)
from mmm.simulate.funnel import FunnelConfig, StageTruth, b2b_funnel_config, simulate_funnel
from mmm.simulate.mediation import (
    MediationConfig,
    PaidBrandSearch,
    d2c_mediation_config,
    simulate_mediation,
    true_total_contribution,
)
from mmm.simulate.national import channel_scale, simulate, true_contribution
from mmm.simulate.presets import (
    PEER_TRUTH,
    b2b_config,
    ecommerce_config,
    peer_example_config,
    peer_units,
)
from mmm.simulate.sample_files import (
    SAMPLES,
    funnel_spec_yaml,
    mediation_spec_yaml,
    samples_markdown,
    samples_readme,
    spec_yaml,
    write_all_samples,
    write_funnel_samples,
    write_samples,
)
from mmm.simulate.series import fourier_seasonality, season_time, spend_path

__all__ = [
    "CONTROL_KINDS", "EVENT_RULES", "PEER_TRUTH", "SAMPLES", "SEASONALITY_ORIGIN", "SEASON_TIMES",
    "SPEND_KINDS", "TREND_KINDS", "YEAR_DAYS",
    "Baseline", "ChannelTruth", "Control", "CountColumn", "Event", "FunnelConfig", "MediationConfig",
    "PaidBrandSearch", "SimulationConfig", "SpendPattern", "StageTruth",
    "b2b_config", "b2b_funnel_config", "channel_scale", "config_dict", "d2c_mediation_config",
    "ecommerce_config", "fourier_seasonality", "funnel_spec_yaml", "mediation_spec_yaml",
    "peer_example_config", "peer_units", "samples_markdown", "samples_readme", "season_time",
    "simulate", "simulate_funnel", "simulate_mediation", "spec_yaml", "spend_path",
    "true_contribution", "true_total_contribution", "write_all_samples", "write_funnel_samples", "write_samples",
]
