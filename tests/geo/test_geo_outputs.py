"""Geo fit outputs, saving and planning, on a fit whose posterior is the simulation's truth (no sampling).

With every draw equal to the truth, the numbers are known by hand: contributions are the simulator's,
national ROAS is total contribution / total spend over geos, a geo's ROAS its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.errors import SpecError
from mmm.geo.fit import fit_geo
from mmm.geo.plan import plan_by_geo
from mmm.geo.truth import truth_fit
from mmm.outputs import CHANNEL_COLUMNS
from mmm.simulate.geo import geo_config, simulate_geo
from mmm.spec import spec_from_dict

BY_GEO_COLUMNS = ["geo", "channel", "spend", "contribution_mean", "contribution_hdi_low", "contribution_hdi_high",
                  "roas_mean", "roas_hdi_low", "roas_hdi_high"]


@pytest.fixture(scope="module")
def sim():
    data, spec_dict, truth = simulate_geo(geo_config(n_geos=6, weeks=60, n_channels=3, seed=3))
    return spec_from_dict(spec_dict), truth


@pytest.fixture(scope="module")
def fit(sim):
    spec, truth = sim
    return truth_fit(truth, spec)


def test_forward_path_reproduces_the_simulator(fit, sim):
    _, truth = sim
    media = np.stack([fit.geo_components(g)["media"][0] for g in range(truth.panel.n_geos)])
    np.testing.assert_allclose(media, truth.contributions, rtol=1e-8, atol=1e-6)


def test_national_and_geo_roas_are_the_true_ones(fit, sim):
    _, truth = sim
    table = fit.channel_summary().set_index("channel")
    for ch, roas in truth.national_roas.items():
        assert table.loc[ch, "roas_mean"] == pytest.approx(roas, rel=1e-9)
    by_geo = fit.channels_by_geo()
    assert list(by_geo.columns) == BY_GEO_COLUMNS
    np.testing.assert_allclose(by_geo.roas_mean.to_numpy().reshape(truth.geo_roas.shape), truth.geo_roas, rtol=1e-9)


def test_geo_contributions_sum_to_the_national_ones(fit):
    national = fit.channel_summary().set_index("channel")
    by_geo = fit.channels_by_geo().groupby("channel")["contribution_mean"].sum()
    for ch in national.index:
        assert by_geo[ch] == pytest.approx(national.loc[ch, "contribution_mean"], rel=1e-9)
    weekly = fit.contributions_by_geo()
    summed = weekly.drop(columns="geo").groupby("date").sum()
    table = fit.total_view().contributions().set_index("date")
    for col in ["actual", "fitted", *fit.spec.channel_names]:
        np.testing.assert_allclose(summed[col].to_numpy(), table[col].to_numpy(), rtol=1e-9)


def test_saved_geo_fit_loads_back_identical(fit, tmp_path):
    from mmm.outputs import write_fit_outputs
    from mmm.persist import load_fit

    written = write_fit_outputs(fit, tmp_path)
    back = load_fit(written.paths["model"])
    assert type(back).__name__ == "GeoFit"
    np.testing.assert_array_equal(back.panel.spend, fit.panel.spend)
    assert back.panel.geos == fit.panel.geos and back.panel.national_channels == fit.panel.national_channels
    pd.testing.assert_frame_equal(back.channels_by_geo(), fit.channels_by_geo())
    channels = pd.read_csv(written.paths["channels"])
    assert list(channels.columns) == CHANNEL_COLUMNS
    assert list(pd.read_csv(written.paths["channels_by_geo"]).columns) == BY_GEO_COLUMNS


def test_summed_engine_is_the_sum_of_geo_responses(fit):
    from mmm.planning import build_engine

    eng = build_engine(fit.total_view(), 8, "period", draws=None)
    G, C = eng.shares.shape
    np.testing.assert_allclose(eng.shares.sum(axis=0), 1.0)
    x = eng.current * np.array([1.2, 0.7, 1.1])
    tot, grad = eng.totals_grad(x)
    inner, _ = eng.inner.totals_grad((eng.shares * x).ravel())
    np.testing.assert_allclose(tot, inner.reshape(-1, G, C).sum(axis=1))
    h = 1e-3 * x
    for c in range(C):
        up, down = x.copy(), x.copy()
        up[c] += h[c]
        down[c] -= h[c]
        numeric = (eng.totals_grad(up, False)[0][:, c] - eng.totals_grad(down, False)[0][:, c]) / (2 * h[c])
        np.testing.assert_allclose(grad[:, c], numeric, rtol=1e-4)
    curve, _ = eng.channel_curve(1, np.array([x[1]]))
    np.testing.assert_allclose(curve[0], tot[:, 1])


def test_plan_by_geo_keeps_budgets_and_beats_pro_rata(fit):
    rm = fit.total_view().response_model()
    planned = pd.Series(rm.current(13) * 1.1, index=list(rm.channels))
    split = plan_by_geo(fit, planned, weeks=13, bound=0.5)
    t = split.table
    assert list(t.columns) == ["geo", "channel", "current_spend", "planned_spend"]
    sums = t.groupby("channel")["planned_spend"].sum()
    for ch in rm.channels:
        assert sums[ch] == pytest.approx(planned[ch], rel=1e-9)
    eng = rm.engine(13, "period+tail", None, 0)
    shares = eng.shares
    G, C = shares.shape
    planned_gc = t.planned_spend.to_numpy().reshape(G, C)
    pro_rata = shares * planned.to_numpy()[None, :]
    assert np.all(planned_gc <= pro_rata * 1.5 + 1e-6) and np.all(planned_gc >= pro_rata * 0.5 - 1e-6)
    national = [c for c, ch in enumerate(rm.channels) if ch in fit.panel.national_channels]
    np.testing.assert_allclose(planned_gc[:, national], pro_rata[:, national])
    kpi_split = eng.inner.totals_grad(planned_gc.ravel(), False)[0].mean(axis=0).sum()
    kpi_pro_rata = eng.inner.totals_grad(pro_rata.ravel(), False)[0].mean(axis=0).sum()
    assert kpi_split >= kpi_pro_rata


def test_geo_roas_chart_names_the_extremes(fit):
    media = fit.media_roas_by_geo()
    fig = fit.plot_geo_roas(top=2)
    best = media.sort_values("roas_mean").geo.iloc[-1]
    assert fig.mmm_takeaway.startswith(f"Media returns differ by geo: {best} ")


def test_fit_geo_refuses_a_holdout(sim):
    spec, truth = sim
    with pytest.raises(SpecError, match="holdout"):
        fit_geo(spec, truth.panel, holdout_weeks=8)


def test_mmm_plan_by_geo_writes_the_split(fit, tmp_path):
    from typer.testing import CliRunner

    from mmm.cli import app
    from mmm.outputs import write_fit_outputs

    write_fit_outputs(fit, tmp_path)
    result = CliRunner().invoke(app, ["plan", str(tmp_path), "--weeks", "8", "--by-geo"])
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(tmp_path / "plan.csv")
    split = pd.read_csv(tmp_path / "plan_by_geo.csv")
    assert list(split.columns) == ["geo", "channel", "current_spend", "planned_spend"]
    assert len(split) == fit.panel.n_geos * len(fit.spec.channels)
    sums = split.groupby("channel")["planned_spend"].sum()
    for r in plan.itertuples():
        assert sums[r.channel] == pytest.approx(r.recommended_weekly, rel=1e-6)


def test_plan_by_geo_on_a_national_fit_is_a_plan_error(tmp_path):
    from mmm.errors import PlanError
    from mmm.geo.outputs import write_plan_by_geo

    with pytest.raises(PlanError, match="--by-geo needs a geo fit"):
        write_plan_by_geo(object(), tmp_path, tmp_path / "plan.csv")


def test_lift_test_in_the_model_is_the_forward_path_lift(sim):
    """The graph's predicted lift of a geo experiment equals GeoFit.lift_draws at the same parameters."""
    import types

    import xarray as xr

    from mmm.diagnostics import Diagnostics
    from mmm.geo.fit import GeoFit
    from mmm.geo.model import build_geo_model, geo_designs, geo_lift_data, geo_scaling
    from mmm.spec import LiftTest

    spec, truth = sim
    panel = truth.panel
    dates = panel.dates
    test = LiftTest("meta", str(dates[20].date()), str(dates[27].date()), 5000.0, 40000.0, 8000.0,
                    geos=(panel.geos[0], panel.geos[2]))
    spec = spec.replace(lift_tests=(test,))
    scaling = geo_scaling(panel)
    lift = geo_lift_data(spec, panel, scaling)
    c = list(panel.channels).index("meta")
    change = lift[0].delta_lags[:, :, 0] * scaling.geo_spend_scale[:, c][:, None]   # (G, T) currency
    window = ((dates >= dates[20]) & (dates <= dates[27])).astype(float)
    np.testing.assert_allclose(change.sum(axis=0), 5000.0 * window)
    assert np.all(change[[1, 3, 4, 5]] == 0) and np.all(change[[0, 2]][:, 20:28] > 0)
    model = build_geo_model(spec, panel, scaling, geo_designs(spec, panel, scaling), lift=lift)
    outputs = [v for v in model.unobserved_value_vars if not v.name.endswith("__")]
    names = [v.name for v in outputs]
    values = model.compile_fn(outputs, inputs=model.value_vars, mode="FAST_COMPILE")(model.initial_point())
    dims = model.named_vars_to_dims
    posterior = xr.Dataset({n: (("chain", "draw", *dims.get(n, ())), np.asarray(v)[None, None])
                            for n, v in zip(names, values, strict=True)},
                           coords={k: list(v) for k, v in model.coords.items()})
    fit = GeoFit(spec=spec, panel=panel, scaling=scaling, idata=types.SimpleNamespace(posterior=posterior),
                 diagnostics=Diagnostics("point", 1, 1, 0, 0.0, 1.0, 1.0, 1.0, 0, True, "a point"))
    predicted = float(posterior["lift_test_0_predicted"].values.ravel()[0])
    assert predicted > 0
    assert fit.lift_draws(lift[0])[0] == pytest.approx(predicted, rel=1e-8)


def test_lift_test_in_an_unknown_geo_is_a_spec_error(sim):
    from mmm.geo.model import geo_lift_data, geo_scaling
    from mmm.spec import LiftTest

    spec, truth = sim
    d = truth.panel.dates
    spec = spec.replace(lift_tests=(LiftTest("meta", str(d[5].date()), str(d[8].date()), 1.0, 1.0, 1.0,
                                             geos=("atlantis",)),))
    with pytest.raises(SpecError, match="'atlantis', which is not a geo"):
        geo_lift_data(spec, truth.panel, geo_scaling(truth.panel))
