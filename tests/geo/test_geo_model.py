"""Recovery of a simulated geo panel's known truth by the geo model (one small fit, shared).

8 geos x 104 weeks x 3 channels (national TV and two geo-bought channels), 2 chains of 150 draws
after 150 tuning steps: the true national ROAS inside the 90% HDI, each geo's ROAS ordered as the
truth, no divergences, and national ROAS intervals of the geo-bought channels narrower than a national
model's fitted on the same data summed over geos.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mmm.fitted import Model
from mmm.geo.fit import fit_geo, national_dataset, national_spec
from mmm.simulate.geo import geo_config, simulate_geo
from mmm.spec import spec_from_dict

SETTINGS = {"draws": 150, "tune": 150, "chains": 2, "seed": 11, "progressbar": False}


@pytest.fixture(scope="module")
def sim():
    _, spec_dict, truth = simulate_geo(geo_config(n_geos=8, weeks=104, n_channels=3, seed=5))
    return spec_from_dict(spec_dict), truth


@pytest.fixture(scope="module")
def geo_fit(sim):
    spec, truth = sim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_geo(spec, truth.panel, **SETTINGS)


@pytest.fixture(scope="module")
def national_fit(sim):
    """The plain national model on the same panel summed over geos."""
    spec, truth = sim
    data = national_dataset(spec, truth.panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Model(national_spec(spec)).fit(data.frame, **SETTINGS)


def test_true_national_roas_inside_the_90_hdi(geo_fit, sim):
    _, truth = sim
    table = geo_fit.channel_summary(0.9).set_index("channel")
    for ch, roas in truth.national_roas.items():
        assert table.loc[ch, "roas_hdi_low"] <= roas <= table.loc[ch, "roas_hdi_high"], (ch, roas, table.loc[ch])


def test_geo_roas_follow_the_truth(geo_fit, sim):
    _, truth = sim
    estimated = geo_fit.geo_roas_draws().mean(axis=0)                    # (G, C)
    for c, ch in enumerate(truth.channels):
        r = np.corrcoef(estimated[:, c], truth.geo_roas[:, c])[0, 1]
        assert r > 0.5, (ch, r)


def test_no_divergences(geo_fit):
    assert geo_fit.diagnostics.divergences == 0


def test_geo_intervals_narrower_than_the_national_model(geo_fit, national_fit, sim):
    """Geo-bought channels: narrower, clearly. A channel bought nationally (TV, allocated to geos by population)
    has the same spend per head in every geo, so geos add no variation to identify it: its interval is about the
    national model's (within Monte Carlo error at 2 x 150 draws: 1.01 in one run, which a strict ``< 1`` failed)."""
    spec, _ = sim
    geo = geo_fit.channel_summary(0.9).set_index("channel")
    nat = national_fit.channel_summary(0.9).set_index("channel")
    ratio = (geo.roas_hdi_high - geo.roas_hdi_low) / (nat.roas_hdi_high - nat.roas_hdi_low)
    bought = [c.name for c in spec.channels if c.level == "geo"]
    national = [c.name for c in spec.channels if c.level == "national"]
    assert bought and national
    assert (ratio[bought] < 1.0).all(), ratio
    assert ratio[bought].mean() < 0.9, ratio
    assert (ratio[national] < 1.15).all(), ratio


def test_channel_table_columns_are_the_national_ones(geo_fit, national_fit):
    assert list(geo_fit.channel_summary().columns) == list(national_fit.channel_summary().columns)


def test_sum_of_geo_contributions_is_the_national_contribution(geo_fit):
    draws = geo_fit.geo_contribution_draws()                           # (S, G, C)
    national = geo_fit.total_view().components(0, geo_fit.train_weeks)["media"].sum(axis=1)   # (S, C)
    np.testing.assert_allclose(draws.sum(axis=1), national, rtol=1e-10)
    spend = geo_fit.panel.spend.sum(axis=(0, 1))
    np.testing.assert_allclose(geo_fit.total_view().params["roas"], national / spend, rtol=1e-10)


def test_model_roas_is_the_reported_national_roas(geo_fit):
    """The model's ``roas`` is defined as total contribution over all geos and weeks / total spend (the
    truth's definition), so it equals what the fit reports, draw by draw; each geo's ``roas_geo`` is
    its own contribution / its spend."""
    np.testing.assert_allclose(geo_fit.draws["roas"], geo_fit.total_view().params["roas"], rtol=1e-8)
    np.testing.assert_allclose(geo_fit.draws["roas_geo"], geo_fit.geo_roas_draws(), rtol=1e-8)


def test_geos_share_the_effect_per_head_not_the_roas(geo_fit):
    """Pooled is the effect per head at full saturation: ``media_beta_geo * kpi_scale / size`` divided
    by the geo multiplier is the same in every geo (a geo's ROAS then differs also by how far up the
    shared curve its spend per head sits)."""
    d = geo_fit.draws
    kscale, size = np.asarray(geo_fit.scaling.kpi_scale), np.asarray(geo_fit.scaling.size)
    per_head = d["media_beta_geo"] * kscale[None, :, None] / size[None, :, None] / d["effect_geo_multiplier"]
    np.testing.assert_allclose(per_head, np.broadcast_to(per_head[:, :1], per_head.shape), rtol=1e-8)


def test_heavier_buyers_per_head_earn_less_at_equal_effect(sim):
    """On the truth (every geo multiplier 1), the geo that buys a geo channel most heavily per head has
    the lowest ROAS: the shared saturation curve, not a pooled ROAS, sets it."""
    spec, truth = sim
    from mmm.geo.model import build_geo_model, geo_designs, geo_scaling

    scaling = geo_scaling(truth.panel)
    model = build_geo_model(spec, truth.panel, scaling, geo_designs(spec, truth.panel, scaling))
    point = model.initial_point()
    point["roas_geo_sd_log__"] = np.full_like(point["roas_geo_sd_log__"], -30.0)   # multipliers 1
    [graph] = model.replace_rvs_by_values([model["roas_geo"]])       # a function of the value variables
    roas_geo = model.compile_fn(graph, inputs=model.value_vars, on_unused_input="ignore", random_seed=0)(point)
    c = 1                                                       # meta: bought per geo
    per_head = truth.panel.spend[:, :, c].sum(axis=1) / np.asarray(scaling.size)
    assert np.argmax(per_head) == np.argmin(roas_geo[:, c])
    assert np.corrcoef(per_head, roas_geo[:, c])[0, 1] < -0.9


def test_global_mass_matrix_is_dense_over_the_shared_values_only(sim):
    """``global``: one dense block of the sampled values without a geo axis; the per-geo ones (offsets,
    levels) stay diagonal; an unknown kind is a SpecError naming the choices."""
    from mmm import compiled
    from mmm.errors import SpecError
    from mmm.geo.model import build_geo_model, geo_designs, geo_scaling, mass_matrix_setting

    spec, truth = sim
    scaling = geo_scaling(truth.panel)
    model = build_geo_model(spec, truth.panel, scaling, geo_designs(spec, truth.panel, scaling))
    [block] = mass_matrix_setting(model, "global")
    assert {"roas_log__", "saturation_lambda_log__", "carryover_logodds__", "roas_geo_sd_log__"} <= set(block)
    assert not {"level", "roas_geo_z_raw", "seasonality_geo_z_raw", "noise_geo_offset_raw"} & set(block)
    assert mass_matrix_setting(model, "diagonal") is False and mass_matrix_setting(model, "dense") is True
    with pytest.raises(SpecError, match="diagonal, dense, global"):
        mass_matrix_setting(model, "full")
    # the mass matrix is part of the compiled program's key: a dense program is never taken for a diagonal one,
    # and it is kept in memory only (one read back from disk crashed a new process)
    plain = compiled.SamplerSettings(draws=10, tune=10, chains=1, target_accept=0.9, chain_method="vectorized")
    dense = compiled.SamplerSettings(10, 10, 1, 0.9, "vectorized", dense_mass=(tuple(block),))
    assert plain != dense and plain.dense_mass is False
    graph = compiled.lift_model(model)
    assert compiled._program_path(graph, dense) is None


def test_default_lambda_prior_puts_a_typical_week_mid_curve_and_a_spec_prior_wins(sim):
    """The geo model's logistic ``lambda`` prior is Gamma(3, 2): its mode is a typical week about half way up
    the curve (``lambda = 1``), and P(lambda < 0.5), a nearly straight line, is ``1 - e^-1 (1 + 1 + 1/2)``
    by hand (Gamma(2, 2), the national default, has its mode at 0.5 and puts 26% there: on simulated
    panels it pulled every channel's lambda, and its ROAS, below the truth). A spec's prior still wins."""
    import pymc as pm

    from mmm.geo.model import build_geo_model, geo_designs, geo_scaling

    spec, truth = sim
    scaling = geo_scaling(truth.panel)
    designs = geo_designs(spec, truth.panel, scaling)
    model = build_geo_model(spec, truth.panel, scaling, designs)
    lam = model["saturation_lambda"]
    grid = np.array([0.5, 0.9, 1.0, 1.1, 2.0])
    logp = np.array([pm.logp(lam, np.full(3, x)).eval()[0] for x in grid])
    assert np.argmax(logp) == 2                                               # mode at 1 (of these)
    below = float(np.exp(pm.logcdf(lam, np.full(3, 0.5)).eval()[0]))
    assert below == pytest.approx(1 - 2.5 / np.e, rel=1e-6)                  # 0.080
    assert float(np.tanh(0.5)) == pytest.approx(0.462, abs=1e-3)             # the mode's typical week
    own = spec_from_dict({**spec.to_dict(), "model": {**spec.to_dict().get("model", {}),
                                                      "priors": {"saturation_lambda": {"distribution": "Gamma",
                                                                                       "alpha": 2, "beta": 2}}}})
    theirs = build_geo_model(own, truth.panel, scaling, designs)["saturation_lambda"]
    assert float(np.exp(pm.logcdf(theirs, np.full(3, 0.5)).eval()[0])) == pytest.approx(1 - 2 / np.e, rel=1e-6)


def test_a_spec_sets_how_much_geos_differ(sim):
    """``model.priors.roas_geo_sd`` (a pooling prior the geo model documents as overridable) reaches the model:
    HalfNormal(0.05) instead of the default HalfNormal(0.3), its log density at 0.1 by hand."""
    import pymc as pm

    from mmm.geo.model import GEO_PRIORS, build_geo_model, geo_designs, geo_scaling
    from mmm.spec import GEO_PRIOR_NAMES

    assert set(GEO_PRIORS) == set(GEO_PRIOR_NAMES)              # every default can be overridden by name
    spec, truth = sim
    raw = spec.to_dict()
    own = spec_from_dict({**raw, "model": {**raw.get("model", {}),
                                           "priors": {"roas_geo_sd": {"distribution": "HalfNormal", "sigma": 0.05}}}})
    scaling = geo_scaling(truth.panel)
    model = build_geo_model(own, truth.panel, scaling, geo_designs(own, truth.panel, scaling))
    sd = model["roas_geo_sd"]
    got = float(pm.logp(sd, np.full(sd.eval().shape, 0.1)).eval()[0])
    assert got == pytest.approx(np.log(2 / (np.sqrt(2 * np.pi) * 0.05)) - 0.5 * (0.1 / 0.05) ** 2, rel=1e-9)
