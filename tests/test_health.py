"""Model health: prior-dominated channels, plausibility and identification checks, the verdict.

Statistical checks run on simulated data with known structure, both directions: a channel
with nearly constant spend must be flagged (and only it); the well-identified peer-example
design must have no channel flagged.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pytest
import yaml

import mmm
from mmm import simulate as sim
from mmm.data import load_data
from mmm.fitted import Model
from mmm.health import (
    HEALTH_DO_NOT_USE,
    HEALTH_OK,
    HEALTH_REVIEW,
    Check,
    data_checks,
    fit_checks,
    health_of,
    sampling_checks,
    season_r2,
    watermark_text,
)
from mmm.identification import power_sensitivity, prior_influence

FIT = {"draws": 300, "tune": 300, "chains": 2, "seed": 1}


def _simulated(cfg: sim.SimulationConfig, mutate=None, extra=None):
    df, truth = sim.simulate(cfg)
    if mutate is not None:
        df = mutate(df)
    raw = yaml.safe_load(sim.spec_yaml(cfg, truth))
    raw.pop("data")
    if extra is not None:
        extra(raw)
    raw["fit"] = dict(FIT)
    return df, mmm.spec_from_dict(raw)


def _fit(df, spec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Model(spec).fit(df, progressbar=False)


def _dataset(df, spec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_data(df, spec)


def _ids(checks, level=None):
    return {(c["id"] if isinstance(c, dict) else c.id, c["subject"] if isinstance(c, dict) else c.subject)
            for c in checks if level is None or (c["level"] if isinstance(c, dict) else c.level) == level}


# ---------------------------------------------------------------------- prior-dominated channels


@pytest.fixture(scope="module")
def flat_channel_fit():
    """Ecommerce design, 104 weeks, with TikTok's spend nearly constant (CV 3%)."""
    cfg = sim.ecommerce_config(seed=3, weeks=104)
    cfg.spend["tiktok"] = sim.SpendPattern("always_on", level=45_000, noise=0.03, ar=0.0)
    return _fit(*_simulated(cfg))


@pytest.fixture(scope="module")
def peer_fit():
    """PyMC-Marketing's example design (179 weeks, two well-varied channels)."""
    return _fit(*_simulated(sim.peer_example_config()))


@pytest.mark.slow
def test_flat_spend_channel_is_flagged_and_only_it(flat_channel_fit):
    f = flat_channel_fit
    flagged = {c["subject"] for c in f.diagnostics.checks if c["id"] == "prior_dominated"}
    assert flagged == {"tiktok"}
    table = f.channel_summary().set_index("channel")
    assert not table.loc["tiktok", "data_informed"]
    assert table.loc["tiktok", "prior_contraction"] < 0.2          # the prior barely moved
    others = table.drop(index="tiktok")
    assert others["data_informed"].all()
    assert (others["prior_contraction"] > 0.35).all()
    # the power-scaling check agrees: TikTok's posterior moves with its prior, the others' hardly
    assert table.loc["tiktok", "prior_sensitivity"] > 0.1
    assert table.loc["tiktok", "prior_sensitivity"] > 2 * others["prior_sensitivity"].median()
    msg = next(c["message"] for c in f.diagnostics.checks if c["id"] == "prior_dominated")
    assert "tiktok" in msg and "mostly the default prior" in msg and "lift test" in msg
    assert f.diagnostics.health in (HEALTH_REVIEW, HEALTH_DO_NOT_USE)


@pytest.mark.slow
def test_well_identified_design_flags_no_channel(peer_fit):
    f = peer_fit
    assert not [c for c in f.diagnostics.checks if c["id"] in ("prior_dominated", "roas_outside_prior")]
    table = f.channel_summary()
    assert table["data_informed"].all()
    assert (table["prior_contraction"] > 0.8).all()
    total = prior_influence(f)[-1]
    assert total.subject == "total media" and total.data_informed


@pytest.mark.slow
def test_user_prior_dominance_is_info_not_warning(flat_channel_fit):
    """A tight ROAS prior the analyst gave is *their* knowledge: reported, not a warning."""
    f = flat_channel_fit
    spec = f.spec
    ch = dataclasses.replace(spec.channel("tiktok"), priors={"roas": mmm.spec.Prior.from_interval(0.8, 1.2)})
    spec2 = spec.replace(channels=tuple(ch if c.name == "tiktok" else c for c in spec.channels))
    g = dataclasses.replace(f, spec=spec2)
    from mmm.health import identification_checks

    found = [c for c in identification_checks(g) if c.subject == "tiktok"]
    assert found and found[0].level == "info" and "the ROAS prior you gave" in found[0].message


def test_power_sensitivity_separates_prior_from_data():
    rng = np.random.default_rng(0)
    prior = mmm.spec.Prior("LogNormal", {"mu": 0.0, "sigma": 1.0})
    from mmm.identification import prior_logp

    as_prior = np.exp(rng.normal(0, 1, 4000))         # posterior = prior: very sensitive
    pinned = np.exp(rng.normal(0.3, 0.05, 4000))      # data pinned it: insensitive
    s_prior = power_sensitivity(as_prior, prior_logp(prior, as_prior), chains=4)
    s_data = power_sensitivity(pinned, prior_logp(prior, pinned), chains=4)
    assert s_prior > 0.1
    assert s_data < 0.025


# ---------------------------------------------------------------------- data checks


def test_season_following_spend_is_confounded():
    cfg = sim.ecommerce_config(seed=3, weeks=104)
    cfg.spend["meta"] = sim.SpendPattern("always_on", level=85_000, noise=0.1, ar=0.5, seasonal=1.0)
    ds = _dataset(*_simulated(cfg))
    flagged = {c.subject for c in data_checks(ds) if c.id == "confounded_with_season"}
    assert flagged == {"meta"}
    # the shipped samples' spend varies against the season: not flagged
    for name in ("ecommerce", "b2b"):
        spec = mmm.load_spec(f"data/samples/{name}.yaml")
        assert not [c for c in data_checks(_dataset(None, spec)) if c.id == "confounded_with_season"]


def test_season_r2_measures_seasonality():
    import pandas as pd

    dates = pd.date_range("2023-01-02", periods=156, freq="W-MON")
    u = 2 * np.pi * (dates - pd.Timestamp("1970-01-01")).days.to_numpy() / 365.25
    rng = np.random.default_rng(1)
    assert season_r2(dates, 100 + 30 * np.sin(u) + rng.normal(0, 1, 156)) > 0.95
    assert season_r2(dates, 100 + rng.normal(0, 10, 156)) < 0.15


def test_control_copying_a_channel_is_an_error():
    cfg = sim.ecommerce_config(seed=3, weeks=104)

    def copy_tv(df):
        df["tv_grps"] = df["tv_spend"] * 0.01
        df["tv_echo"] = df["tv_spend"] * 0.01 + np.random.default_rng(0).normal(0, 300, len(df))
        return df

    def add(raw):
        raw["controls"] = [*raw["controls"], "tv_grps", "tv_echo"]

    checks = data_checks(_dataset(*_simulated(cfg, copy_tv, add)))
    found = {c.subject: c for c in checks if c.id == "collinear_control"}
    assert found["tv_grps"].level == "error" and "copy of tv's spend" in found["tv_grps"].message
    assert found["tv_echo"].level == "warning"
    assert set(found) == {"tv_grps", "tv_echo"}
    assert health_of(checks) == HEALTH_DO_NOT_USE


def test_exposure_column_used_as_spend_is_flagged():
    cfg = sim.ecommerce_config(seed=3, weeks=104)

    def rename(df):
        df["meta_impressions"] = df.pop("meta_spend") * 120.0      # impressions, not money
        return df

    def respec(raw):
        raw["channels"]["meta"]["spend"] = "meta_impressions"

    flagged = {c.subject for c in data_checks(_dataset(*_simulated(cfg, rename, respec)))
               if c.id == "exposure_as_spend"}
    assert flagged == {"meta"}
    clean = data_checks(_dataset(*_simulated(cfg)))
    assert not [c for c in clean if c.id == "exposure_as_spend"]


def test_sparse_channel_is_flagged():
    cfg = sim.ecommerce_config(seed=3, weeks=104)

    def sparse(df):
        s = np.zeros(len(df))
        s[10:15] = 50_000.0
        df["tiktok_spend"] = s
        return df

    flagged = {c.subject for c in data_checks(_dataset(*_simulated(cfg, sparse))) if c.id == "sparse_channel"}
    assert flagged == {"tiktok"}


# ---------------------------------------------------------------------- fit checks and the verdict


def test_media_share_ceiling_is_configurable(small_fit):
    share = float(small_fit.channel_summary()["share_of_kpi"].sum())
    assert 0.05 < share < 0.5
    assert not [c for c in fit_checks(small_fit) if c.id == "media_share"]
    strict = small_fit.spec.replace(checks=mmm.spec.CheckSettings(media_share_max=share / 2))
    g = dataclasses.replace(small_fit, spec=strict)
    found = [c for c in fit_checks(g) if c.id == "media_share"]
    assert len(found) == 1 and found[0].level == "warning" and f"{share:.0%}" in found[0].message


def test_checks_spec_section_is_strict():
    base = {"date_column": "week", "kpi": {"column": "revenue"}, "channels": {"tv": {"spend": "tv"}}}
    spec = mmm.spec_from_dict({**base, "checks": {"media_share_max": 0.4}})
    assert spec.checks.media_share_max == 0.4 and spec.checks.prior_contraction_min == 0.3
    assert mmm.spec_from_dict(spec.to_dict()).checks == spec.checks
    with pytest.raises(mmm.errors.SpecError, match="media_share_max"):
        mmm.spec_from_dict({**base, "checks": {"media_share_max": 3}})
    with pytest.raises(mmm.errors.SpecError, match="media_share_maxx"):
        mmm.spec_from_dict({**base, "checks": {"media_share_maxx": 0.4}})


def test_negative_baseline_is_flagged(small_fit):
    """Shift the level so the baseline goes below zero: the check must see it."""
    params = dict(small_fit.params)
    params["intercept"] = params["intercept"] - 2.0          # scaled units: the KPI mean is 1
    g = dataclasses.replace(small_fit, _params=params)
    found = [c for c in fit_checks(g) if c.id == "negative_fit"]
    assert found and "below zero" in found[0].message
    assert not [c for c in fit_checks(small_fit) if c.id == "negative_fit"]


def test_sampling_problems_are_errors(small_fit):
    d = dataclasses.replace(small_fit.diagnostics, divergences=3, max_rhat=1.05, fast=True)
    ids = _ids(sampling_checks(d), "error")
    assert {("divergences", "model"), ("rhat", "model"), ("fast_mode", "model")} <= ids
    assert health_of(sampling_checks(d)) == HEALTH_DO_NOT_USE
    assert sampling_checks(small_fit.diagnostics) == []


def test_health_levels_and_watermark(small_fit):
    assert health_of([]) == HEALTH_OK
    assert health_of([Check("x", "info", "model", "")]) == HEALTH_OK
    assert health_of([Check("x", "warning", "model", "")]) == HEALTH_REVIEW
    assert health_of([Check("x", "warning", "model", ""), Check("y", "error", "tv", "")]) == HEALTH_DO_NOT_USE
    marks = {}
    for name, change in {"ok": {"health": HEALTH_OK}, "review": {"health": HEALTH_REVIEW},
                         "bad": {"health": HEALTH_DO_NOT_USE}, "fast": {"fast": True},
                         "unconverged": {"converged": False}, "advi": {"approximate": True}}.items():
        g = dataclasses.replace(small_fit, diagnostics=dataclasses.replace(small_fit.diagnostics, **change))
        marks[name] = watermark_text(g)
    assert marks == {"ok": None, "review": "REVIEW", "bad": "DO NOT USE", "fast": "FAST MODE",
                     "unconverged": "DO NOT USE", "advi": "APPROXIMATE"}


def test_health_is_saved_with_the_model(small_fit, tmp_path):
    assert small_fit.diagnostics.health in (HEALTH_OK, HEALTH_REVIEW, HEALTH_DO_NOT_USE)
    path = small_fit.save(tmp_path / "m.nc")
    back = mmm.load(path)
    assert back.diagnostics.health == small_fit.diagnostics.health
    assert back.diagnostics.checks == small_fit.diagnostics.checks
    json.dumps(back.diagnostics.checks)                      # plain JSON for diagnostics.json


def test_holdout_gap_and_poor_fit_are_flagged(small_fit):
    d = small_fit.diagnostics
    base_ids = {c.id for c in fit_checks(small_fit)}
    assert "holdout_gap" not in base_ids and "poor_fit" not in base_ids
    gap = dataclasses.replace(small_fit, diagnostics=dataclasses.replace(
        d, holdout={"weeks": 13, "r2": 0.1, "mape": 4 * d.mape + 0.1, "coverage_90": 0.5}))
    assert "holdout_gap" in {c.id for c in fit_checks(gap)}
    poor = dataclasses.replace(small_fit, diagnostics=dataclasses.replace(d, r2=0.05, mape=9.0))
    found = [c for c in fit_checks(poor) if c.id == "poor_fit"]
    assert found and "mistyped weeks" in found[0].message


def test_a_model_saved_before_health_checks_is_checked_on_load(small_fit, tmp_path, monkeypatch):
    """An older model file has no health in its diagnostics: loading must not call it "ok" unchecked."""
    from mmm.sampling import Diagnostics

    full = Diagnostics.to_dict
    monkeypatch.setattr(Diagnostics, "to_dict", lambda self: {k: v for k, v in full(self).items()
                                                              if k not in ("health", "checks", "fast")})
    strict = small_fit.spec.replace(checks=mmm.spec.CheckSettings(media_share_max=0.01))
    g = dataclasses.replace(small_fit, spec=strict, diagnostics=dataclasses.replace(small_fit.diagnostics))
    old = g.save(tmp_path / "old.nc")
    monkeypatch.setattr(Diagnostics, "to_dict", full)
    import xarray as xr

    with xr.open_dataset(old, group="posterior") as ds:
        assert "health" not in json.loads(ds.attrs["mmm_diagnostics"])      # really an old-style file
    back = mmm.load(old)
    assert back.diagnostics.health == HEALTH_REVIEW
    assert "media_share" in {c["id"] for c in back.diagnostics.checks}



def test_a_mistyped_week_is_an_outlier():
    """One KPI week typed x1000 (and one spend week) is named with its date; clean data has none."""
    cfg = sim.ecommerce_config(seed=3, weeks=104)
    df, spec = _simulated(cfg)
    assert not [c for c in data_checks(_dataset(df, spec)) if c.id == "outlier_week"]
    df.loc[30, "revenue"] *= 1000
    df.loc[50, "meta_spend"] *= 100
    found = {c.subject: c.message for c in data_checks(_dataset(df, spec)) if c.id == "outlier_week"}
    assert set(found) == {"revenue", "meta"}
    assert str(df.loc[30, "week"].date()) in found["revenue"]
    peer_df, peer_spec = _simulated(sim.peer_example_config())
    assert not [c for c in data_checks(_dataset(peer_df, peer_spec)) if c.id == "outlier_week"]


def test_value_per_unit_values_each_channel(small_fit):
    """kpi.value_per_unit turns a channel's KPI into currency: a number scales it, a column weights each week."""
    from mmm.analysis import value_draws

    assert value_draws(small_fit) is None and "value_roas_mean" not in small_fit.channel_summary()
    kpi = dataclasses.replace(small_fit.spec.kpi, type="pipeline", value_per_unit=0.25)
    g = dataclasses.replace(small_fit, spec=small_fit.spec.replace(kpi=kpi))
    table = g.channel_summary()
    np.testing.assert_allclose(table["value_roas_mean"], 0.25 * table["roas_mean"])
    # a weekly value column: worth more in the weeks it is higher
    frame = small_fit.dataset.frame.copy()
    frame["deal_value"] = np.where(np.arange(len(frame)) < 52, 0.1, 0.4)
    kpi = dataclasses.replace(kpi, value_per_unit="deal_value")
    h = dataclasses.replace(small_fit, spec=small_fit.spec.replace(kpi=kpi),
                            dataset=dataclasses.replace(small_fit.dataset, frame=frame))
    media = small_fit.components(0, small_fit.train_weeks)["media"]
    expect = 0.1 * media[:, :52].sum(axis=1) + 0.4 * media[:, 52:].sum(axis=1)
    np.testing.assert_allclose(value_draws(h), expect)
    assert "revenue ROAS" in h.summary_text()
