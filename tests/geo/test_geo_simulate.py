"""The geo simulator: seeded, shapes, and the identities its truth must satisfy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm import transforms
from mmm.simulate.geo import GeoChannel, SpendPattern, geo_config, simulate_geo


@pytest.fixture(scope="module")
def sim():
    return simulate_geo(geo_config(n_geos=8, weeks=104, n_channels=6, seed=5))


def test_same_seed_same_panel_other_seed_differs(sim):
    data, spec, truth = sim
    again, spec2, truth2 = simulate_geo(geo_config(n_geos=8, weeks=104, n_channels=6, seed=5))
    pd.testing.assert_frame_equal(data, again)
    assert spec == spec2 and truth.to_dict() == truth2.to_dict()
    other, _, _ = simulate_geo(geo_config(n_geos=8, weeks=104, n_channels=6, seed=6))
    assert not np.allclose(other["revenue"], data["revenue"])


def test_shapes_and_long_format(sim):
    data, spec, truth = sim
    G, T, C = 8, 104, 6
    assert data.shape[0] == G * T
    assert list(data.columns[:3]) == ["week", "geo", "population"]
    assert not data.duplicated(["geo", "week"]).any()
    assert data.groupby("geo")["week"].nunique().eq(T).all()
    assert truth.spend.shape == truth.contributions.shape == (G, T, C)
    assert truth.kpi.shape == truth.baseline.shape == truth.noise.shape == (G, T)
    assert truth.geo_roas.shape == truth.geo_multiplier.shape == (G, C)
    assert truth.panel.spend.shape == (G, T, C) and truth.panel.controls.shape == (G, T, 2)
    assert spec["geo_column"] == "geo" and spec["channels"]["tv"]["level"] == "national"
    assert "level" not in spec["channels"]["meta"]
    # geos differ in size by much more than noise
    assert truth.population.max() / truth.population.min() > 3


def test_kpi_is_baseline_plus_media_plus_noise(sim):
    data, _, truth = sim
    np.testing.assert_allclose(truth.kpi, truth.baseline + truth.contributions.sum(-1) + truth.noise,
                               rtol=0, atol=1e-6)
    np.testing.assert_array_equal(data["revenue"].to_numpy().reshape(8, 104), truth.kpi)
    # the noise is what was drawn (plus rounding under a cent): its sd per geo is the true sd
    ratio = truth.noise.std(axis=1) / truth.noise_sd
    assert np.all((ratio > 0.75) & (ratio < 1.25)), ratio


def test_national_roas_is_the_target_and_the_spend_weighted_mean_of_geo_roas(sim):
    _, _, truth = sim
    config = geo_config(n_geos=8, weeks=104, n_channels=6, seed=5)
    spend_g = truth.spend.sum(axis=1)                       # (G, C)
    for i, ch in enumerate(config.channels):
        nat = truth.national_roas[ch.name]
        assert nat == pytest.approx(ch.roas, rel=1e-12)
        weighted = float((spend_g[:, i] * truth.geo_roas[:, i]).sum() / spend_g[:, i].sum())
        assert weighted == pytest.approx(nat, rel=1e-12)
        assert truth.contributions[:, :, i].sum() == pytest.approx(nat * spend_g[:, i].sum(), rel=1e-12)
    # geo ROAS really differ across geos (what a geo model should recover)
    assert np.all(truth.geo_roas.std(axis=0) / truth.geo_roas.mean(axis=0) > 0.05)
    by_geo = truth.by_geo()
    totals = by_geo.groupby("channel", sort=False)["contribution"].sum()
    for c, v in truth.contribution_total().items():
        assert totals[c] == pytest.approx(v, rel=1e-12)
    # diminishing returns: the marginal return is below the average return
    assert all(truth.marginal_roas[c] < truth.national_roas[c] for c in truth.channels)


def test_contribution_by_hand_for_one_geo(sim):
    _, _, truth = sim
    g, i = 3, 1                                             # geo_4, meta (geometric, logistic)
    p = truth.params["meta"]
    w = transforms.carryover_weights(p["adstock"], p["carryover_params"], p["l_max"])
    x = truth.spend[g, :, i] / truth.population[g] / truth.scale[i]
    a = transforms.adstock(x, w)
    sat = transforms.logistic_saturation(a, p["saturation_params"]["saturation_lambda"])
    expected = truth.beta[i] * truth.geo_multiplier[g, i] * truth.population[g] * sat
    np.testing.assert_allclose(truth.contributions[g, :, i], expected, rtol=1e-10)


def test_national_channel_repeats_the_national_figure_and_is_split_by_population(sim):
    data, _, truth = sim
    tv = data.pivot(index="week", columns="geo", values="tv_spend")
    assert (tv.nunique(axis=1) == 1).all()               # the same national figure on every row
    share = truth.population / truth.population.sum()
    np.testing.assert_allclose(truth.spend[:, :, 0], share[:, None] * tv.iloc[:, 0].to_numpy()[None, :])
    np.testing.assert_allclose(truth.panel.allocation[:, 0], share)
    # a geo channel's spend per capita differs across geos; tv's does not
    per_capita = truth.spend.sum(axis=1) / truth.population[:, None]
    cv = per_capita.std(axis=0) / per_capita.mean(axis=0)
    assert cv[0] < 1e-9 and np.all(cv[1:] > 0.1)
    meta = data.pivot(index="week", columns="geo", values="meta_spend")[list(truth.geos)].to_numpy().T
    np.testing.assert_allclose(meta, truth.spend[:, :, 1])


def test_saturation_scales_with_geo_size():
    """Two geos with the same spend per capita have the same contribution per capita (m = 1)."""
    ch = GeoChannel("x", roas=2.0, spend=SpendPattern("always_on", level=1e5), geo_sd=0.0, geo_spread=0.0,
                    geo_noise=0.0, level="geo")
    config = geo_config(n_geos=5, weeks=60, n_channels=1, seed=1)
    config.channels = [ch]
    _, _, truth = simulate_geo(config)
    per_capita = truth.contributions[:, :, 0] / truth.population[:, None]
    spend_pc = truth.spend[:, :, 0] / truth.population[:, None]
    np.testing.assert_allclose(spend_pc, spend_pc[:1].repeat(5, axis=0), rtol=1e-5)  # rounding to cents
    np.testing.assert_allclose(per_capita, per_capita[:1].repeat(5, axis=0), rtol=1e-4)


@pytest.mark.parametrize("kpi_type", ["pipeline", "leads"])
def test_b2b_kpi_types_use_delayed_carryover(kpi_type):
    data, spec, truth = simulate_geo(geo_config(kpi_type, n_geos=3, weeks=60, n_channels=10, seed=2))
    assert spec["kpi"] == {"column": kpi_type, "type": kpi_type}
    assert all(truth.params[c]["adstock"] == "delayed" and truth.params[c]["l_max"] == 13
               for c in truth.channels)
    assert len(truth.channels) == 10 and set(truth.national_channels) == {"tv", "podcast"}
    if kpi_type == "leads":
        assert np.all(data["leads"] == np.round(data["leads"]))
        assert truth.national_roas["meta"] == pytest.approx(2.4 / 500)
    media_share = truth.to_dict()["totals"]["media_share"]
    assert 0.1 < media_share < 0.35


def test_bad_config_is_refused():
    config = geo_config(n_geos=3, weeks=20, n_channels=2)
    config.channels[1].level = "regional"
    with pytest.raises(ValueError, match="level must be one of"):
        simulate_geo(config)
    with pytest.raises(ValueError, match="n_channels"):
        geo_config(n_channels=11)


def test_bundled_geo_sample_is_the_simulation_and_loads():
    from mmm.geo.load import load_panel
    from mmm.samples import sample_path, sample_spec, sample_truth
    from mmm.simulate.geo import GEO_SAMPLE

    assert sample_path("geo", ".csv").stat().st_size < 1_000_000
    spec = sample_spec("geo")
    assert spec.is_geo and spec.national_channels == ["tv"]
    panel = load_panel(spec)
    _, _, truth = simulate_geo(geo_config(**GEO_SAMPLE))
    assert (panel.n_geos, panel.n_weeks, len(panel.channels)) == (20, 156, 5)
    np.testing.assert_allclose(panel.spend, truth.spend, rtol=1e-12)
    np.testing.assert_allclose(panel.kpi, truth.kpi, rtol=1e-12)
    np.testing.assert_allclose(panel.controls, truth.panel.controls, rtol=1e-12)
    record = sample_truth("geo")
    for c in truth.channels:
        assert record["channels"][c]["national_roas"] == pytest.approx(truth.national_roas[c], rel=1e-9)
        contrib = sum(record["channels"][c]["geo_contribution"].values())
        assert contrib == pytest.approx(record["channels"][c]["contribution"], rel=1e-9)
