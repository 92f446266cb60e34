"""Recovery of a simulated geo panel's known truth by the geo model (one small fit, shared).

8 geos x 104 weeks x 3 channels (national TV and two geo-bought channels), 2 chains of 150 draws
after 150 tuning steps: the true national ROAS inside the 90% HDI, each geo's ROAS ordered as the
truth, no divergences, and national ROAS intervals narrower than a national model's fitted on the
same data summed over geos.
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


def test_geo_intervals_narrower_than_the_national_model(geo_fit, national_fit):
    geo = geo_fit.channel_summary(0.9).set_index("channel")
    nat = national_fit.channel_summary(0.9).set_index("channel")
    ratio = (geo.roas_hdi_high - geo.roas_hdi_low) / (nat.roas_hdi_high - nat.roas_hdi_low)
    assert (ratio < 1.0).all(), ratio
    assert ratio.mean() < 0.9, ratio


def test_channel_table_columns_are_the_national_ones(geo_fit, national_fit):
    assert list(geo_fit.channel_summary().columns) == list(national_fit.channel_summary().columns)


def test_sum_of_geo_contributions_is_the_national_contribution(geo_fit):
    draws = geo_fit.geo_contribution_draws()                           # (S, G, C)
    national = geo_fit.total_view().components(0, geo_fit.train_weeks)["media"].sum(axis=1)   # (S, C)
    np.testing.assert_allclose(draws.sum(axis=1), national, rtol=1e-10)
    spend = geo_fit.panel.spend.sum(axis=(0, 1))
    np.testing.assert_allclose(geo_fit.total_view().params["roas"], national / spend, rtol=1e-10)
