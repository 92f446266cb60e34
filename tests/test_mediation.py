"""Brand -> branded search -> KPI mediation: recovery on simulated data with a known path,
the plain model's over-credit of branded paid search, the planning hooks, brand health and charts.

One mediation fit (with the plain fit beside it) on 104 weeks and 4 channels is shared by
the module (about 30 s of sampling on 2 cores). Seed 33 of the simulator is used: its data
are typical (the oracle least-squares estimates of both indirect shares sit near the middle
of their sampling distributions). Coverage across seeds: benchmarks/mediation_coverage.py.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm.errors import SpecError
from mmm.mediation import (
    MediationSettings,
    brand_health,
    build_mediated_model,
    fit_mediated,
    plot_brand_health,
    plot_effects,
)
from mmm.simulate import (
    d2c_mediation_config,
    season_time,
    simulate_mediation,
    true_total_contribution,
    write_funnel_samples,
)
from mmm.spec import spec_from_dict
from mmm.transforms import convolve_lags

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
CHANNELS = ("tv", "youtube", "meta", "brand_search")
BRAND = ("tv", "youtube")


def _spec(truth: dict, **fit) -> object:
    return spec_from_dict({
        "date_column": "week", "kpi": {"column": "revenue", "type": "revenue"},
        "branded_search": "branded_searches",
        "channels": {c: {"spend": f"{c}_spend", "role": truth["channels"][c]["role"]} for c in CHANNELS},
        "events": ["black_friday"],
        "fit": {"draws": 300, "tune": 300, "chains": 2, "seed": 1, **fit},
    })


@pytest.fixture(scope="module")
def sim():
    return simulate_mediation(d2c_mediation_config(seed=33, weeks=104, channels=CHANNELS))


@pytest.fixture(scope="module")
def med(sim):
    data, truth = sim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_mediated(_spec(truth), data, paid_brand_search="brand_search", progressbar=False)


# ---------------------------------------------------------------------- simulator


def test_simulated_truth_adds_up(sim):
    data, truth = sim
    w = truth["weekly"]
    gamma = truth["mediation"]["revenue_per_search"]
    rev = np.array(w["baseline"]) + sum(np.array(v) for v in w["direct"].values()) \
        + gamma * data["branded_searches"].to_numpy() + np.array(w["noise"])
    np.testing.assert_allclose(rev, data["revenue"], atol=1e-6)
    searches = np.array(w["organic_searches"]) + sum(np.array(v) for v in w["searches_from_media"].values())
    np.testing.assert_allclose(searches, data["branded_searches"], atol=1e-6)
    for c in BRAND:
        ch = truth["channels"][c]
        share = gamma * ch["search_effect"] / (ch["beta"] + gamma * ch["search_effect"])
        assert ch["indirect_share"] == pytest.approx(share, rel=1e-9)
        total = true_total_contribution(truth, c, data[f"{c}_spend"].to_numpy())
        assert total.sum() == pytest.approx(ch["total_contribution"], rel=1e-9)
    pbs = truth["channels"]["brand_search"]
    assert pbs["indirect_contribution"] == 0 and pbs["paid_brand_search"]
    # branded paid search spend follows brand demand
    assert np.corrcoef(data["brand_search_spend"], data["branded_searches"])[0, 1] > 0.4
    again, _ = simulate_mediation(d2c_mediation_config(seed=33, weeks=104, channels=CHANNELS))
    pd.testing.assert_frame_equal(again, data)


def test_simulator_rejects_paid_search_driving_search():
    cfg = d2c_mediation_config(weeks=30)
    cfg.search_effects["brand_search"] = 100.0
    with pytest.raises(ValueError, match="cannot drive branded search"):
        simulate_mediation(cfg)


def test_shipped_samples_are_what_the_simulator_writes(tmp_path):
    write_funnel_samples(tmp_path)
    for name in ("d2c_mediation.csv", "d2c_mediation.yaml", "d2c_mediation.md",
                 "b2b_funnel.csv", "b2b_funnel.yaml", "b2b_funnel.md"):
        assert (tmp_path / name).read_text() == (SAMPLES / name).read_text(), f"{name} differs: rerun the simulator"
    for name in ("d2c_mediation_truth.json", "b2b_funnel_truth.json"):
        a, b = json.loads((tmp_path / name).read_text()), json.loads((SAMPLES / name).read_text())
        assert a.keys() == b.keys()
        assert a["channels"].keys() == b["channels"].keys()


def test_sample_spec_loads_with_branded_search():
    from mmm.data import load_data
    from mmm.spec import load_spec

    spec = load_spec(SAMPLES / "d2c_mediation.yaml")
    ds = load_data(None, spec)
    assert spec.branded_search == "branded_searches" and ds.branded_search.shape == (ds.n_weeks,)
    settings = MediationSettings.resolve(spec, paid_brand_search="brand_search")
    assert settings.brand_channels == ("tv", "youtube")


# ---------------------------------------------------------------------- settings


def test_settings_errors(sim):
    _, truth = sim
    spec = _spec(truth)
    with pytest.raises(SpecError, match="branded search series"):
        MediationSettings.resolve(spec.replace(branded_search=None))
    with pytest.raises(SpecError, match="cannot also drive it"):
        MediationSettings.resolve(spec, brand_channels=["tv", "brand_search"], paid_brand_search="brand_search")
    with pytest.raises(SpecError, match="Unknown channel"):
        MediationSettings.resolve(spec, paid_brand_search="brand_serch")
    with pytest.raises(SpecError, match="No channel drives"):
        MediationSettings.resolve(spec, brand_channels=[])
    with pytest.raises(SpecError, match="not both"):
        MediationSettings.resolve(spec, search_effect_prior={"distribution": "HalfNormal", "sigma": 0.5},
                                  search_per_spend_prior={"distribution": "LogNormal", "mu": 0.0, "sigma": 1.0})


def _prior_shares(sim, **settings) -> tuple[dict[str, np.ndarray], set[str]]:
    """Prior draws of each brand channel's indirect share (gamma theta / (beta + gamma theta))."""
    import pymc as pm

    from mmm.data import load_data
    from mmm.design import compute_scaling, make_design
    from mmm.mediation import _search_lags
    from mmm.model import Layout

    data, truth = sim
    spec = _spec(truth)
    ds = load_data(data, spec)
    scaling = compute_scaling(ds.dates, ds.kpi, ds.spend, ds.controls)
    design = make_design(ds.dates, ds.spend, ds.controls, ds.events, scaling,
                         l_max=Layout.from_spec(spec).max_l, seasonality_order=2, n_changepoints=0)
    st = MediationSettings.resolve(spec, paid_brand_search="brand_search", **settings)
    s = ds.branded_search.mean()
    model = build_mediated_model(spec, design, ds.kpi / scaling.kpi_scale, _search_lags(ds.branded_search / s, 0,
                                 ds.n_weeks, 1), scaling, st, dates=ds.dates, search_scale=s)
    with model:
        prior = pm.sample_prior_predictive(2000, var_names=["media_beta", "search_effect", "search_to_kpi"],
                                           random_seed=0).prior
    beta = prior["media_beta"].values.reshape(-1, len(spec.channels))
    theta = prior["search_effect"].values.reshape(-1, len(st.brand_channels))
    gamma = prior["search_to_kpi"].values.reshape(-1)
    out = {}
    for j, c in enumerate(st.brand_channels):
        ind = gamma * theta[:, j]
        out[c] = ind / (beta[:, spec.channel_names.index(c)] + ind)
    return out, set(model.named_vars)


def test_indirect_share_prior_does_not_depend_on_the_saturation_curve(sim):
    """The search effect is parametrised like the direct effect (per unit of spend), so the prior
    of the indirect share is the same broad one for every brand channel. The old default, a
    HalfNormal(0.5) on theta at full saturation, gave TV (saturating slowly) a prior median
    share of about 0.26 and YouTube 0.56, and pulled posterior shares down wherever the
    saturation curve was poorly identified (benchmarks/README.md, "Mediation")."""
    shares, names = _prior_shares(sim)
    assert "search_per_spend" in names and "search_effect" in names
    med = {c: float(np.median(v)) for c, v in shares.items()}
    for c, v in shares.items():
        q05, q95 = np.quantile(v, [0.05, 0.95])
        assert 0.35 < med[c] < 0.75 and q05 < 0.15 and q95 > 0.85, (c, med[c], q05, q95)
    assert abs(med["tv"] - med["youtube"]) < 0.06
    old, names = _prior_shares(sim, search_effect_prior={"distribution": "HalfNormal", "sigma": 0.5})
    assert "search_per_spend" not in names   # the old parametrisation is still there on request
    assert abs(np.median(old["tv"]) - np.median(old["youtube"])) > 0.15


def test_model_with_search_carryover_and_a_lift_test_builds(sim):
    from mmm.data import load_data
    from mmm.design import compute_scaling, make_design
    from mmm.fitted import lift_data
    from mmm.mediation import _search_lags
    from mmm.model import Layout

    data, truth = sim
    raw = _spec(truth).to_dict()
    on = data.index[data["tv_spend"] > 30_000][0]   # a week with TV on: a 1-week go-dark test there
    week = str(data.loc[on, "week"].date())
    raw["lift_tests"] = [{"channel": "tv", "start": week, "end": week, "spend_change": -30_000,
                          "lift": -40_000, "lift_se": 20_000}]
    spec = spec_from_dict(raw)
    settings = MediationSettings.resolve(spec, paid_brand_search="brand_search", search_l_max=3)
    ds = load_data(data, spec)
    scaling = compute_scaling(ds.dates, ds.kpi, ds.spend, ds.controls)
    layout = Layout.from_spec(spec)
    design = make_design(ds.dates, ds.spend, ds.controls, ds.events, scaling, l_max=layout.max_l,
                         seasonality_order=2, n_changepoints=0)
    s = ds.branded_search / ds.branded_search.mean()
    model = build_mediated_model(spec, design, ds.kpi / scaling.kpi_scale, _search_lags(s, 0, len(s), 3), scaling,
                                 settings, dates=ds.dates, lift=lift_data(spec, ds, scaling, layout))
    names = set(model.named_vars)
    assert {"search_effect", "search_to_kpi", "search_carryover", "search_intercept", "lift_test_0"} <= names
    assert np.isfinite(model.compile_logp()(model.initial_point()))


def test_convolve_lags():
    x = np.arange(10.0).reshape(1, 5, 2)
    w = np.array([[0.5, 0.5]])
    out = convolve_lags(x, w)
    assert out.shape == x.shape
    np.testing.assert_allclose(out[0, 0], 0.5 * x[0, 0])
    np.testing.assert_allclose(out[0, 3], 0.5 * x[0, 3] + 0.5 * x[0, 2])


# ---------------------------------------------------------------------- recovery


def _oracle_shares(data: pd.DataFrame, truth: dict) -> dict[str, float]:
    """Least-squares indirect shares with the **true** saturation curves (the best any model of
    this data can do): search on the brand curves, revenue on every curve and search, both
    with the model's baseline (intercept, linear trend, yearly Fourier order 2, the event)."""
    n = len(data)
    u = season_time(pd.DatetimeIndex(data["week"]))
    base = np.column_stack([np.ones(n), np.arange(n) / (n - 1), data["black_friday"]]
                           + [f(2 * np.pi * k * u) for k in (1, 2) for f in (np.sin, np.cos)])
    curve = {c: np.asarray(truth["weekly"]["direct"][c]) / truth["channels"][c]["beta"] for c in CHANNELS}
    search = data["branded_searches"].to_numpy(float)
    theta = np.linalg.lstsq(np.column_stack([base] + [curve[c] for c in BRAND]), search, rcond=None)[0][-2:]
    x = np.column_stack([base] + [curve[c] for c in CHANNELS] + [search])
    coef = np.linalg.lstsq(x, data["revenue"].to_numpy(), rcond=None)[0]
    gamma = coef[-1]
    out = {}
    for j, c in enumerate(BRAND):
        beta = coef[base.shape[1] + CHANNELS.index(c)]
        out[c] = float(gamma * theta[j] / (beta + gamma * theta[j]))
    return out


def test_posterior_indirect_share_is_near_what_the_data_say(med, sim):
    """Seeded recovery: on seed 33 the posterior mean indirect share of each brand channel is
    within 0.05 (TV) / 0.12 (YouTube, weakly identified) of the least-squares estimate with the
    true curves, and its 90% HDI holds both that estimate and the truth."""
    data, truth = sim
    oracle = _oracle_shares(data, truth)
    e = med.effects(0.9).set_index("channel")
    for c, tol in (("tv", 0.05), ("youtube", 0.12)):
        m, lo, hi = e.loc[c, ["indirect_share_mean", "indirect_share_hdi_low", "indirect_share_hdi_high"]]
        assert abs(m - oracle[c]) < tol, f"{c}: posterior mean {m:.3f}, least squares with true curves {oracle[c]:.3f}"
        assert lo <= oracle[c] <= hi and lo <= truth["channels"][c]["indirect_share"] <= hi


def test_true_indirect_share_of_each_brand_channel_is_inside_its_90_interval(med, sim):
    _, truth = sim
    e = med.effects(0.9).set_index("channel")
    for c in BRAND:
        true = truth["channels"][c]["indirect_share"]
        lo, hi = e.loc[c, "indirect_share_hdi_low"], e.loc[c, "indirect_share_hdi_high"]
        assert lo <= true <= hi, f"{c}: true indirect share {true:.3f} outside [{lo:.3f}, {hi:.3f}]"
        assert hi - lo < 0.5  # an informative interval, not the whole unit range
    for c in ("meta", "brand_search"):
        assert e.loc[c, "indirect_mean"] == 0 and e.loc[c, "indirect_share_hdi_high"] == 0
    np.testing.assert_allclose(e["total_mean"], e["direct_mean"] + e["indirect_mean"], rtol=1e-9)


def test_plain_models_over_credit_of_search_shrinks(med, sim):
    _, truth = sim
    true = truth["channels"]["brand_search"]["contribution"]
    r = med.reattribution().set_index("channel")
    plain, mediated = r.loc["brand_search", "plain_mean"], r.loc["brand_search", "direct_mean"]
    assert plain > 2 * true                         # the plain model over-credits branded paid search ...
    assert mediated < plain                         # ... the mediation model takes it back ...
    assert abs(mediated - true) < 0.5 * abs(plain - true)  # ... at least halving the error
    assert r.loc["brand_search", "direct_hdi_low"] <= true <= r.loc["brand_search", "direct_hdi_high"]
    assert r.loc["branded search (organic demand)", "total_mean"] > 0
    text = med.reattribution_text()
    assert "brand_search" in text and "indirect" in text


def test_search_equation_and_fit_checks(med, sim):
    _, truth = sim
    d = med.search_drivers().set_index("source")
    assert set(d.index) == {"tv", "youtube", "organic (not from media)"}
    assert d["share_mean"].sum() == pytest.approx(1.0)
    true_share = truth["mediation"]["searches_from_media"] / truth["mediation"]["searches_total"]
    media = d.loc[["tv", "youtube"], "share_mean"].sum()
    assert abs(media - true_share) < 0.06
    assert med.diagnostics.r2 > 0.9 and med.search_r2 > 0.4
    assert med.diagnostics.max_rhat < 1.1


# ---------------------------------------------------------------------- planning hooks


def test_media_contribution_is_the_total_response(med):
    T = med.train_weeks
    lags = med.design(0, T).lags
    total = med.media_contribution(lags)
    direct = med.media_contribution(lags, effects="direct")
    assert total.shape == (med.n_draws, T, len(med.spec.channels))
    parts = med.components(0, T)
    np.testing.assert_allclose(direct, parts["media"], rtol=1e-9)
    np.testing.assert_allclose(total, parts["media"] + parts["indirect"], rtol=1e-9)
    # same semantics as saturated_media(...) * media_beta * kpi_scale with the total beta
    from mmm.model import saturated_media

    sat = saturated_media(med.params, lags, med.layout)
    np.testing.assert_allclose(total, sat * med.total_beta()[:, None, :] * med.scaling.kpi_scale, rtol=1e-9)
    with pytest.raises(ValueError):
        med.media_contribution(lags, effects="both")


def test_fitted_model_view_carries_total_effects(med):
    view = med.as_fitted("total")
    summary = view.channel_summary().set_index("channel")
    e = med.effects().set_index("channel")
    np.testing.assert_allclose(summary["contribution_mean"], e["total_mean"], rtol=1e-6)
    parts = view.components(0, med.train_weeks)
    assert abs(parts["mean"].mean() - med.dataset.kpi.mean()) / med.dataset.kpi.mean() < 0.02
    direct = med.as_fitted("direct").channel_summary().set_index("channel")
    np.testing.assert_allclose(direct["contribution_mean"], e["direct_mean"], rtol=1e-6)


# ---------------------------------------------------------------------- brand health


def _health_dataset(search: np.ndarray, spend: np.ndarray):
    from mmm.data import load_data

    n = len(search)
    frame = pd.DataFrame({"week": pd.date_range("2023-01-02", periods=n, freq="7D"),
                          "revenue": 1000 + np.arange(n), "tv_spend": spend, "branded_searches": search})
    spec = spec_from_dict({"date_column": "week", "kpi": {"column": "revenue", "type": "revenue"},
                           "branded_search": "branded_searches", "channels": {"tv": {"spend": "tv_spend",
                                                                                     "role": "brand"}}})
    return load_data(frame, spec)


def test_brand_health_verdicts():
    rng = np.random.default_rng(0)
    n = 104
    spend = 10_000 * np.exp(np.linspace(0, 0.5, n) + 0.4 * rng.standard_normal(n))
    healthy = _health_dataset(20_000 + 0.8 * spend + rng.normal(0, 500, n), spend)
    flat = _health_dataset(30_000 + rng.normal(0, 1500, n), spend)
    h = brand_health(healthy)
    f = brand_health(flat)
    assert h["verdict"] == "healthy" and h["elasticity_low"] > 0 and "Healthy" in h["sentence"]
    assert f["verdict"] == "flat" and "substituting" in f["sentence"]
    assert f["spend_growth"] > 0.2 and abs(f["search_growth"]) < 0.05
    declining = brand_health(_health_dataset(np.linspace(40_000, 25_000, n), spend))
    assert declining["verdict"] == "declining"


def test_brand_health_of_the_fit(med):
    h = med.brand_health()
    assert h["verdict"] in ("healthy", "flat", "declining", "unclear")
    assert "brand_search" not in h["spend_channels"]
    lo, hi = h["media_share_of_search"][1:]
    assert 0 <= lo <= hi <= 1 and "attributes" in h["sentence"]


# ---------------------------------------------------------------------- charts


def _fonts(fig) -> list[float]:
    return [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
            if t.get_text().strip()]


def test_charts_are_deck_ready(med, tmp_path):
    from matplotlib.figure import Figure

    from mmm.plots.style import takeaway_of

    for fig in (plot_effects(med), plot_brand_health(med)):
        assert isinstance(fig, Figure)
        assert takeaway_of(fig)
        assert min(_fonts(fig)) >= 14
        fig.savefig(tmp_path / "chart.png", dpi=50)
    fig = plot_effects(med)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("branded paid search" in s for s in labels)
    assert "Brand search keeps" in takeaway_of(fig)


def test_report_of_a_mediated_fit_uses_total_effects_and_shows_direct_vs_total(tmp_path, med):
    """Issue 8 item 4: the deck shows direct vs total and the plan is computed on total effects."""
    import numpy as np

    from mmm.export import write_report

    result = write_report(med, tmp_path, formats=("png",))
    assert "11_direct_vs_total" in result["charts"] and "12_brand_health" in result["charts"]
    total = med.as_fitted("total")
    plan_total = result["plan"].table.set_index("channel")["expected_kpi_mean"]
    from mmm.planning import optimize_budget

    direct_plan = optimize_budget(med.as_fitted("direct"), result["budget"], weeks=13,
                                  bounds="30%").table.set_index("channel")["expected_kpi_mean"]
    brand = [c.name for c in total.spec.channels if c.role == "brand"]
    assert np.all(plan_total[brand].to_numpy() > direct_plan[brand].to_numpy())


def test_total_view_fits_the_kpi_week_by_week_as_the_mediation_model_does(med):
    """The total-effects view carries organic branded search in its baseline week by week (not its
    average), so its fitted KPI is the mediation model's own, and its media the total effects."""
    assert med.settings.search_l_max == 1
    view = med.as_fitted("total").components()
    own = med.components()
    np.testing.assert_allclose(view["mean"], own["mean"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(view["media"].sum(axis=1), (own["media"] + own["indirect"]).sum(axis=1),
                               rtol=1e-9, atol=1e-6)
