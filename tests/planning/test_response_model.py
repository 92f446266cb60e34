"""The response model planning is built from (:class:`mmm.planning.ResponseModel`).

A response model built by hand from known parameters must give the closed-form response
of its saturation; one built from a fit must plan exactly like the fit itself.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import mmm.planning as mp
from mmm import transforms as T
from mmm.model import Layout

WEEKS = 13


def one_channel(saturation: str = "logistic", *, l_max: int = 1, spend: float = 1500.0, draws: int = 3,
                history: int = 30) -> mp.ResponseModel:
    """One channel at constant weekly ``spend``, with per-draw parameters."""
    sat = {"logistic": {"saturation_lambda": np.array([0.8, 1.2, 1.6])[:draws]},
           "hill": {"half_saturation": np.array([0.7, 1.0, 1.3])[:draws], "hill_slope": 2.5}}[saturation]
    return mp.ResponseModel(
        layout=Layout(("tv",), ("geometric",), (saturation,), (l_max,)),
        transform_params={"tv": {"carryover": np.array([0.3, 0.5, 0.6])[:draws], **sat}},
        media_beta=np.array([[0.05], [0.07], [0.06]])[:draws], spend_scale=np.array([1000.0]), kpi_scale=20_000.0,
        spend_history=np.full((history, 1), spend), roles=("brand",), currency="USD")


def closed_form(rm: mp.ResponseModel, spend: float) -> np.ndarray:
    """Per-draw KPI of ``WEEKS`` weeks at constant weekly ``spend`` in steady state (carryover sums to 1)."""
    kind = rm.layout.saturation[0]
    p = dict(rm.transform_params["tv"])
    x = spend / rm.spend_scale[0]
    sat = T.logistic_saturation(x, p["saturation_lambda"]) if kind == "logistic" \
        else T.hill_saturation(x, p["half_saturation"], p["hill_slope"])
    return WEEKS * rm.kpi_scale * rm.media_beta[:, 0] * sat


@pytest.mark.parametrize("saturation", ["logistic", "hill"])
def test_no_carryover_response_is_the_saturation_curve(saturation):
    """l_max = 1: the plan's KPI is weeks x beta x saturation(spend / scale), draw by draw."""
    rm = one_channel(saturation, l_max=1)
    eng = mp.build_engine(rm, WEEKS, "period+tail", draws=None)
    for spend in (0.0, 400.0, 1500.0, 5000.0):
        tot, _ = eng.totals_grad(np.array([spend]), grad=False)
        np.testing.assert_allclose(tot[:, 0], closed_form(rm, spend), rtol=1e-12, atol=1e-9)
    curves = mp.response_curves(rm, weeks=WEEKS, multipliers=[1.0])
    assert curves.expected_kpi_mean.iloc[0] == pytest.approx(closed_form(rm, 1500.0).mean(), rel=1e-12)


@pytest.mark.parametrize("saturation", ["logistic", "hill"])
def test_steady_state_media_kpi_is_the_saturation_curve(saturation):
    """With carryover and constant spend before and during the period, the media KPI inside
    the period (the plan's own effect plus the carry-in) is weeks x beta x saturation."""
    rm = one_channel(saturation, l_max=6)
    eng = mp.build_engine(rm, WEEKS, "period", draws=None)
    inside = eng.weekly(np.array([1500.0]))[:, :WEEKS, 0].sum(axis=1) + eng.carry_in()[:, 0]
    np.testing.assert_allclose(inside, closed_form(rm, 1500.0), rtol=1e-12)
    plan = mp.optimize_budget(rm, 1500.0 * WEEKS, draws=None, bounds=None)
    assert plan.recommended["tv"] == pytest.approx(1500.0)
    assert plan.summary["media_kpi_in_period"]["mean"] == pytest.approx(closed_form(rm, 1500.0).mean(), rel=1e-12)


def test_scalar_parameters_broadcast_and_current_weekly():
    rm = mp.ResponseModel(Layout(("tv", "search"), ("geometric", "delayed"), ("logistic", "hill"), (4, 8)),
                          {"tv": {"carryover": 0.5, "saturation_lambda": 1.0},
                           "search": {"carryover": 0.4, "peak_lag": 2.0, "half_saturation": 1.0, "hill_slope": 2.0}},
                          media_beta=np.array([0.05, 0.04]), spend_scale=[1000.0, 500.0], kpi_scale=1e4,
                          spend_history=np.zeros((0, 2)), current_weekly=[800.0, 300.0])
    assert rm.n_draws == 1 and rm.roles == ("performance", "performance") and rm.kpi_column == "revenue"
    assert mp.current_weekly_spend(rm, 13).to_dict() == {"tv": 800.0, "search": 300.0}
    assert rm.stacked_params()["carryover"].shape == (1, 2)
    plan = mp.optimize_budget(rm, 1100.0 * 13, draws=None)
    assert plan.summary["tests"] == [] and plan.table.recommended_weekly.sum() == pytest.approx(1100.0)
    assert plan.summary["words"] == rm.words


def test_response_model_checks_its_inputs():
    lay = Layout(("tv",), ("geometric",), ("logistic",), (4,))
    base = {"layout": lay, "media_beta": np.array([[0.1]]), "spend_scale": [1.0], "kpi_scale": 1.0,
            "spend_history": np.ones((5, 1))}
    with pytest.raises(ValueError, match="saturation_lambda"):
        mp.ResponseModel(transform_params={"tv": {"carryover": 0.5}}, **base)
    with pytest.raises(ValueError, match="no entry for channel 'tv'"):
        mp.ResponseModel(transform_params={}, **base)
    with pytest.raises(ValueError, match="media_beta"):
        mp.ResponseModel(transform_params={"tv": {"carryover": 0.5, "saturation_lambda": 1.0}},
                         **{**base, "media_beta": np.ones((3, 2))})
    with pytest.raises(ValueError, match="current_weekly"):
        mp.ResponseModel(transform_params={"tv": {"carryover": 0.5, "saturation_lambda": 1.0}},
                         **{**base, "spend_history": np.zeros((0, 1))})


def _scrub(d):
    if isinstance(d, dict):
        return {k: (0 if k in ("seconds", "seconds_total") else _scrub(v)) for k, v in d.items()}
    if isinstance(d, list):
        return [_scrub(v) for v in d]
    return d


@pytest.fixture(scope="module")
def synth_fit():
    from test_planning import synthetic_fitted

    return synthetic_fitted(4, draws=200, kpi_type="pipeline", seed=2)[0]


def test_from_fitted_plans_exactly_like_the_fit(synth_fit, tmp_path):
    rm = mp.ResponseModel.from_fitted(synth_fit)
    assert rm.fitted is synth_fit and rm.channels == tuple(synth_fit.spec.channel_names)
    budget = float(mp.current_weekly_spend(synth_fit).sum()) * 13 * 1.1
    kw = {"bounds": "-20%,+40%", "win_rate": 0.3, "objective": "risk", "draws": 100}
    a, b = mp.optimize_budget(synth_fit, budget, **kw), mp.optimize_budget(rm, budget, **kw)
    assert _scrub(a.summary) == _scrub(b.summary)
    assert a.table.equals(b.table)
    for fn in (mp.response_curves, mp.marginal_roas, mp.resolve_bounds):
        assert fn(synth_fit).equals(fn(rm))
    sa, sb = mp.brand_split(synth_fit, budget, draws=100), mp.brand_split(rm, budget, draws=100)
    assert _scrub(sa.summary) == _scrub(sb.summary) and sa.table.equals(sb.table)
    scen = mp.default_scenarios(synth_fit, recommended=a)
    assert mp.compare_scenarios(synth_fit, scen).equals(mp.compare_scenarios(rm, scen))
    pa = mp.write_plan_outputs(synth_fit, tmp_path / "fit", budget=budget, draws=100)
    pb = mp.write_plan_outputs(rm, tmp_path / "rm", budget=budget, draws=100)
    assert _scrub(json.loads(pa["json"].read_text())) == _scrub(json.loads(pb["json"].read_text()))
    assert pa["plan"].read_bytes() == pb["plan"].read_bytes() and pa["split"].read_bytes() == pb["split"].read_bytes()


def test_hand_built_model_writes_plan_files_without_health(tmp_path):
    rm = one_channel(l_max=4)
    paths = mp.write_plan_outputs(rm, tmp_path, budget=1500.0 * 13, draws=None)
    doc = json.loads(paths["json"].read_text())
    assert doc["model_health"]["health"] is None and doc["tests"] == []
    assert doc["plan"]["kpi_column"] == "revenue" and doc["plan"]["currency"] == "USD"


def test_truth_response_model_plans_like_truth_as_fitted():
    """mmm.truth builds the true response from parameters; it plans exactly like the one-draw fake fit."""
    from test_planning import synthetic_fitted

    from mmm.truth import truth_as_fitted, truth_response_model

    fitted = synthetic_fitted(3, draws=50, seed=4, hill_every=0)[0]
    lay = fitted.layout
    rng = np.random.default_rng(0)
    truth = {"channels": {ch: {"carryover_params": {n: float(rng.uniform(0.2, 0.6)) if n == "carryover" else 2.0
                                                    for n in T.CARRYOVERS[lay.adstock[c]].params},
                               "saturation_params": {"saturation_lambda": float(rng.uniform(0.5, 2.0))},
                               "beta": float(rng.uniform(2000, 5000)), "scale": float(rng.uniform(500, 3000))}
                          for c, ch in enumerate(lay.channels)}}
    budget = float(mp.current_weekly_spend(fitted).sum()) * 13
    a = mp.optimize_budget(truth_as_fitted(fitted, truth), budget, draws=None)
    b = mp.optimize_budget(truth_response_model(fitted, truth), budget, draws=None)
    assert a.table.equals(b.table)
    assert _scrub({k: v for k, v in a.summary.items() if k != "tests"}) == \
        _scrub({k: v for k, v in b.summary.items() if k != "tests"})
