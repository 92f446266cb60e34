"""Budget planning: response curves, marginal ROAS, the optimizer, scenarios, output files.

Quality is checked three ways: against a brute-force grid search over the same
objective (the optimizer finds the optimum of what it is given), against the known
truth of the simulated data (the recommended plan earns >= 90% of the truly optimal
uplift), and with property tests that the budget and bounds hold exactly.
"""

from __future__ import annotations

import functools
import json
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mmm.planning as mp
from mmm import transforms as T
from mmm.design import compute_scaling
from mmm.errors import PlanError
from mmm.spec import spec_from_dict

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"


# ---------------------------------------------------------------------- a synthetic fitted model


def synthetic_fitted(n_channels: int = 10, draws: int = 400, *, kpi_type: str = "revenue", seed: int = 0,
                     spread: float = 0.15, hill_every: int = 3, weeks: int = 104, roles: list[str] | None = None):
    """A :class:`~mmm.fitted.FittedModel` whose "posterior" is drawn around known parameters.

    Channels alternate brand/performance; every ``hill_every``-th channel has an S-shaped
    Hill curve (slope 2-3), the others logistic; pipeline/leads use delayed carryover over
    13 weeks. Returns ``(fitted, centre)`` where ``centre`` holds the parameters the draws
    are centred on (a one-draw params dict), for truth-style checks without sampling.
    """
    from mmm.data import load_data
    from mmm.fitted import FittedModel
    from mmm.model import Layout
    from mmm.sampling import Diagnostics

    rng = np.random.default_rng(seed)
    names = [f"ch{i}" for i in range(n_channels)]
    roles = roles or ["brand" if i % 2 == 0 else "performance" for i in range(n_channels)]
    channels = {}
    for i, n in enumerate(names):
        ch = {"spend": f"{n}_spend", "role": roles[i]}
        if hill_every and i % hill_every == hill_every - 1:
            ch["saturation"] = "hill"
        channels[n] = ch
    kpi_col = {"revenue": "revenue", "pipeline": "pipeline", "leads": "leads"}[kpi_type]
    spec = spec_from_dict({"date_column": "week", "kpi": {"column": kpi_col, "type": kpi_type},
                           "channels": channels, "model": {"likelihood": "normal"} if kpi_type == "leads" else {}})
    dates = pd.date_range("2022-01-03", periods=weeks, freq="W-MON")
    frame = {"week": dates}
    levels = rng.uniform(500, 5000, n_channels)
    for i, n in enumerate(names):
        frame[f"{n}_spend"] = np.round(levels[i] * rng.lognormal(0, 0.3, weeks), 2)
    frame[kpi_col] = np.round(rng.uniform(50_000, 60_000, weeks)) if kpi_type != "leads" \
        else rng.integers(500, 700, weeks).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = load_data(pd.DataFrame(frame), spec)
    scaling = compute_scaling(dataset.dates, dataset.kpi, dataset.spend, dataset.controls)
    layout = Layout.from_spec(spec)

    def around(centre: np.ndarray, lo: float = 0.0, hi: float = np.inf) -> np.ndarray:
        return np.clip(centre[None, :] * rng.lognormal(0, spread, (draws, len(centre))), lo, hi)

    centre: dict[str, np.ndarray] = {}
    C = n_channels
    centre["media_beta"] = rng.uniform(0.02, 0.08, C) * (1 if kpi_type != "leads" else 1.0)
    for param in ("carryover", "peak_lag", "saturation_lambda", "half_saturation", "hill_slope"):
        n = len(layout.users(param))
        if not n:
            continue
        centre[param] = {"carryover": rng.uniform(0.2, 0.7, n) if kpi_type == "revenue" else rng.uniform(0.5, 0.85, n),
                         "peak_lag": rng.uniform(1, 4, n), "saturation_lambda": rng.uniform(0.5, 2.0, n),
                         "half_saturation": rng.uniform(0.6, 1.5, n), "hill_slope": rng.uniform(2.0, 3.0, n)}[param]
    params = {k: around(v, 0.0, 0.99 if k == "carryover" else np.inf) for k, v in centre.items()}
    diag = Diagnostics("synthetic", draws, 1, 0, 0.0, 1.0, 1000.0, 1000.0, 0, True, "synthetic posterior")
    fitted = FittedModel(spec=spec, dataset=dataset, scaling=scaling, idata=None, diagnostics=diag,
                         train_weeks=weeks, _params=params)
    return fitted, {k: v[None, :] for k, v in centre.items()}


@functools.cache
def _synth():
    return synthetic_fitted(10, draws=300, seed=1)[0]


@pytest.fixture(scope="module")
def synth():
    return _synth()


@pytest.fixture(scope="module")
def synth_pipeline():
    return synthetic_fitted(4, draws=200, kpi_type="pipeline", seed=2)[0]


def within(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, rtol: float = 1e-9) -> bool:
    tol = rtol * max(1.0, float(np.max(np.abs(x))))
    return bool(np.all(x >= lo - tol) and np.all(x <= hi + tol))


def opt_value(fitted, x: np.ndarray, *, weeks: int = 13, horizon: str = "period+tail", draws: int = 500,
              seed: int = 0) -> float:
    """The optimizer's own objective (mean KPI on its draw subsample) at weekly plan ``x``."""
    rep = mp.build_engine(fitted, weeks, horizon, mp.REPORT_DRAWS, seed)
    opt = rep.subset(mp.draw_index(rep.n_draws, draws, seed))
    return float(opt.totals_grad(np.asarray(x, dtype=float), grad=False)[0].sum(axis=1).mean())


# ---------------------------------------------------------------------- property tests: budget and bounds


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_budget_and_bounds_hold_exactly(data):
    synth = _synth()
    cur = mp.current_weekly_spend(synth, 13).to_numpy()
    C = len(cur)
    lo = np.array([data.draw(st.floats(0, 1.5)) for _ in range(C)]) * cur
    width = np.array([data.draw(st.floats(0, 2.0)) for _ in range(C)]) * cur
    hi = lo + width
    frac = data.draw(st.floats(0, 1))
    weekly = lo.sum() + frac * (hi.sum() - lo.sum())
    assume(weekly > 1.0)
    budget = weekly * 13
    fixed = data.draw(st.lists(st.sampled_from(list(synth.spec.channel_names)), max_size=2, unique=True))
    bounds = pd.DataFrame({"channel": synth.spec.channel_names, "min": lo, "max": hi})
    lo_f, hi_f = lo.copy(), hi.copy()
    for name in fixed:
        i = synth.spec.channel_names.index(name)
        lo_f[i] = hi_f[i] = cur[i]
    feasible = lo_f.sum() <= weekly * (1 + 1e-12) and hi_f.sum() >= weekly * (1 - 1e-12)
    objective = data.draw(st.sampled_from(["mean", "risk"]))
    if not feasible:
        with pytest.raises(PlanError, match="Infeasible plan: the channel (minimums|maximums) add up"):
            mp.optimize_budget(synth, budget, bounds=bounds, fixed=fixed, draws=60)
        return
    plan = mp.optimize_budget(synth, budget, bounds=bounds, fixed=fixed, draws=60, objective=objective)
    x = plan.table.recommended_weekly.to_numpy()
    assert abs(x.sum() * 13 - budget) <= 1e-9 * budget
    assert within(x, lo_f, hi_f)
    for name in fixed:
        assert plan.recommended[name] == pytest.approx(cur[synth.spec.channel_names.index(name)], rel=1e-12)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pct=st.floats(1, 95), frac=st.floats(0, 1), horizon=st.sampled_from(mp.HORIZONS))
def test_percent_bounds_on_real_fit(small_fit, pct, frac, horizon):
    cur = mp.current_weekly_spend(small_fit, 13).to_numpy()
    lo, hi = cur * (1 - pct / 100), cur * (1 + pct / 100)
    budget = 13 * (lo.sum() + frac * (hi.sum() - lo.sum()))
    plan = mp.optimize_budget(small_fit, budget, bounds=f"{pct}%", horizon=horizon, draws=100)
    x = plan.table.recommended_weekly.to_numpy()
    assert abs(x.sum() * 13 - budget) <= 1e-9 * budget
    assert within(x, lo, hi)


def test_infeasible_requests_name_the_fault(synth):
    cur = mp.current_weekly_spend(synth, 13)
    total = cur.sum() * 13
    with pytest.raises(PlanError, match="budget must be positive"):
        mp.optimize_budget(synth, -5)
    with pytest.raises(PlanError, match="budget must be positive"):
        mp.optimize_budget(synth, 0)
    with pytest.raises(PlanError, match="finite"):
        mp.optimize_budget(synth, float("inf"))
    with pytest.raises(PlanError, match=r"minimums add up .* more than the budget.*Raise the budget to at least"):
        mp.optimize_budget(synth, total * 0.5, bounds="30%")
    with pytest.raises(PlanError, match=r"maximums add up .* less than the budget.*Lower the budget to at most"):
        mp.optimize_budget(synth, total * 2.0, bounds="30%")
    with pytest.raises(PlanError, match="Unknown channel 'ch11' in bounds. Did you mean 'ch1"):
        mp.optimize_budget(synth, total, bounds={"ch11": (0, 10)})
    with pytest.raises(PlanError, match="Unknown channel 'tv' in fixed"):
        mp.optimize_budget(synth, total, fixed=["tv"])
    with pytest.raises(PlanError, match="bounds must be a percentage such as '30%'"):
        mp.optimize_budget(synth, total, bounds="thirty percent")
    with pytest.raises(PlanError, match="min 10.00 is above max 5.00"):
        mp.optimize_budget(synth, total, bounds={"ch1": {"min": 10, "max": 5}})
    with pytest.raises(PlanError, match="negative"):
        mp.optimize_budget(synth, total, bounds={"ch1": (-1, 5)})
    with pytest.raises(PlanError, match="unknown column"):
        mp.optimize_budget(synth, total, bounds=pd.DataFrame({"channel": ["ch1"], "minimum": [1.0]}))
    with pytest.raises(PlanError, match="not found"):
        mp.optimize_budget(synth, total, bounds="no_such_file.csv")
    with pytest.raises(PlanError, match="weeks must be"):
        mp.optimize_budget(synth, total, weeks=0)
    with pytest.raises(PlanError, match="horizon must be"):
        mp.optimize_budget(synth, total, horizon="quarter")
    with pytest.raises(PlanError, match="objective must be"):
        mp.optimize_budget(synth, total, objective="max")
    with pytest.raises(PlanError, match="win_rate applies to pipeline and leads"):
        mp.optimize_budget(synth, total, win_rate=0.2)
    with pytest.raises(PlanError, match="unfix channels"):
        mp.optimize_budget(synth, total * 1.2, bounds="10%", fixed=["ch0"])


def test_bounds_from_csv_and_dict(synth, tmp_path):
    cur = mp.current_weekly_spend(synth, 13)
    path = tmp_path / "bounds.csv"
    rows = {"ch0": "100,200", "ch3": ",50"}  # empty cells: no limit on that side
    path.write_text("channel,min,max\n" + "".join(f"ch{i},{rows.get(f'ch{i}', ',')}\n" for i in range(10)))
    b = mp.resolve_bounds(synth, bounds=str(path))
    assert list(b.columns) == ["channel", "role", "current_weekly", "min", "max", "fixed"]
    row = b.set_index("channel")
    assert row.loc["ch0", "min"] == 100 and row.loc["ch0", "max"] == 200
    assert row.loc["ch3", "min"] == 0 and row.loc["ch3", "max"] == 50
    assert np.isinf(row.loc["ch5", "max"])
    plan = mp.optimize_budget(synth, cur.sum() * 13, bounds=path, draws=60)
    r = plan.recommended
    assert 100 - 1e-9 <= r["ch0"] <= 200 + 1e-9 and r["ch3"] <= 50 + 1e-9
    asym = mp.resolve_bounds(synth, bounds="-20%,+50%").set_index("channel")
    assert asym.loc["ch2", "min"] == pytest.approx(0.8 * cur["ch2"])
    assert asym.loc["ch2", "max"] == pytest.approx(1.5 * cur["ch2"])
    d = mp.resolve_bounds(synth, bounds={"ch1": {"max": 10}}, fixed="ch2").set_index("channel")
    assert d.loc["ch1", "max"] == 10 and d.loc["ch2", "fixed"]
    assert d.loc["ch2", "min"] == d.loc["ch2", "max"] == pytest.approx(cur["ch2"])


def test_projection_is_exact():
    rng = np.random.default_rng(0)
    for _ in range(200):
        lo = rng.uniform(0, 100, 6)
        hi = lo + rng.uniform(0, 100, 6)
        total = rng.uniform(lo.sum(), hi.sum())
        x = mp.project(rng.normal(50, 80, 6), lo, hi, total)
        assert abs(x.sum() - total) <= 1e-12 * total
        assert np.all(x >= lo) and np.all(x <= hi)


# ---------------------------------------------------------------------- optimizer quality


@pytest.mark.parametrize("horizon", mp.HORIZONS)
@pytest.mark.parametrize("bounds", [None, "50%"])
def test_matches_brute_force_grid(small_fit, horizon, bounds):
    """Two channels: the best plan is a 1-D search; a fine grid search is the reference."""
    cur = mp.current_weekly_spend(small_fit, 13).to_numpy()
    weekly = cur.sum()
    plan = mp.optimize_budget(small_fit, weekly * 13, bounds=bounds, horizon=horizon)
    b = mp.resolve_bounds(small_fit, bounds=bounds)
    lo, hi = b["min"].to_numpy(), np.minimum(b["max"].to_numpy(), weekly)
    a0, a1 = max(lo[0], weekly - hi[1]), min(hi[0], weekly - lo[1])
    rep = mp.build_engine(small_fit, 13, horizon, mp.REPORT_DRAWS, 0)
    opt = rep.subset(mp.draw_index(rep.n_draws, 500, 0))
    best = -np.inf
    for _ in range(3):  # 801-point grid, then two finer grids around its best point
        grid = np.linspace(a0, a1, 801)
        v = opt.channel_curve(0, grid)[0].mean(axis=1) + opt.channel_curve(1, weekly - grid)[0].mean(axis=1)
        i = int(np.argmax(v))
        best = max(best, float(v[i]))
        step = grid[1] - grid[0]
        a0, a1 = max(a0, grid[i] - 2 * step), min(a1, grid[i] + 2 * step)
    got = opt_value(small_fit, plan.table.recommended_weekly.to_numpy(), horizon=horizon)
    assert got >= best - 1e-7 * abs(best)


def test_global_on_s_shaped_curves():
    """Three Hill (S-shaped) channels: compare with a brute-force 2-D grid over the simplex."""
    fitted, _ = synthetic_fitted(3, draws=100, seed=5, hill_every=1)
    cur = mp.current_weekly_spend(fitted, 13).to_numpy()
    weekly = cur.sum() * 0.7
    plan = mp.optimize_budget(fitted, weekly * 13, bounds=None, draws=100)
    rep = mp.build_engine(fitted, 13, "period+tail", mp.REPORT_DRAWS, 0)
    opt = rep.subset(mp.draw_index(rep.n_draws, 100, 0))
    n = 301
    g = np.linspace(0, weekly, n)
    curves = [opt.channel_curve(c, g)[0].mean(axis=1) for c in range(3)]
    best = max(curves[0][i] + curves[1][j] + curves[2][n - 1 - i - j] for i in range(n) for j in range(n - i))
    got = opt_value(fitted, plan.table.recommended_weekly.to_numpy(), draws=100)
    assert got >= best - 1e-9 * abs(best)
    # a single local start would not always get there; the grid + polish does
    x = plan.table.recommended_weekly.to_numpy()
    assert abs(x.sum() - weekly) <= 1e-9 * weekly


def true_plan_kpi(df: pd.DataFrame, truth: dict, x: dict[str, float], weeks: int = 13,
                  horizon: str = "period+tail", l_max: int = 8) -> float:
    """True KPI a constant weekly plan brings, from the simulation's truth (history = last l_max-1 weeks)."""
    total = 0.0
    n = weeks + l_max - 1
    for ch, spend in x.items():
        s = df[f"{ch}_spend"].to_numpy()
        scale = s[s > 0].mean()
        hist = s[-(l_max - 1):]
        w = T.carryover_weights("geometric", {"carryover": truth[ch]["carryover"]}, l_max)

        def f(path, ch=ch, w=w, scale=scale):
            a = T.adstock(path / scale, w)[l_max - 1:]
            return truth[ch]["beta"] * T.logistic_saturation(a, truth[ch]["saturation_lambda"])

        d = f(np.r_[hist, np.full(weeks, spend), np.zeros(l_max - 1)]) - f(np.r_[hist, np.zeros(n)])
        total += d[:weeks].sum() if horizon == "period" else d.sum()
    return float(total)


@pytest.mark.parametrize("bounds,mult", [("30%", 1.0), ("50%", 1.0), ("50%", 1.4), ("100%", 1.5), ("100%", 2.0)])
def test_truth_uplift_small_fit(small_fit, small_data, bounds, mult):
    """The recommended plan earns >= 90% of the truly optimal uplift under the same bounds.

    Unbounded plans move much more money and depend on how well the (small, shared) fit
    recovered each channel: measured 78-100% depending on the budget (see
    ``benchmarks/planning_times.md``), so they are not asserted here.
    """
    df, truth = small_data
    names = small_fit.spec.channel_names
    cur = mp.current_weekly_spend(small_fit, 13)
    weekly = cur.sum() * mult
    plan = mp.optimize_budget(small_fit, weekly * 13, bounds=bounds)
    b = mp.resolve_bounds(small_fit, bounds=bounds)
    lo, hi = b["min"].to_numpy(), np.minimum(b["max"].to_numpy(), weekly)
    grid = np.linspace(max(lo[0], weekly - hi[1]), min(hi[0], weekly - lo[1]), 2001)
    vals = [true_plan_kpi(df, truth, {names[0]: g, names[1]: weekly - g}) for g in grid]
    true_best = max(vals)
    true_cur = true_plan_kpi(df, truth, cur.to_dict())
    true_rec = true_plan_kpi(df, truth, plan.recommended.to_dict())
    assert true_best - true_cur > 0
    assert (true_rec - true_cur) / (true_best - true_cur) >= 0.9


def test_risk_objective_trades_mean_for_certainty(small_fit):
    cur = mp.current_weekly_spend(small_fit, 13).to_numpy()
    budget = cur.sum() * 13
    mean_plan = mp.optimize_budget(small_fit, budget, bounds=None)
    risk_plan = mp.optimize_budget(small_fit, budget, bounds=None, objective="risk", risk_lambda=2.0)
    q_plan = mp.optimize_budget(small_fit, budget, bounds=None, objective="risk", risk_quantile=0.1)
    rep = mp.build_engine(small_fit, 13, "period+tail", mp.REPORT_DRAWS, 0)
    opt = rep.subset(mp.draw_index(rep.n_draws, 500, 0))

    def draws_of(p):
        return opt.totals_grad(p.table.recommended_weekly.to_numpy(), grad=False)[0].sum(axis=1)

    m, r, q = draws_of(mean_plan), draws_of(risk_plan), draws_of(q_plan)
    assert r.mean() - 2 * r.std() >= m.mean() - 2 * m.std() - 1e-6 * abs(m.mean())
    assert m.mean() >= r.mean() - 1e-6 * abs(m.mean())
    assert np.quantile(q, 0.1) >= np.quantile(m, 0.1) - 1e-3 * abs(m.mean())
    assert risk_plan.summary["objective"] == "risk" and risk_plan.summary["risk"] == {"lambda": 2.0}
    for p in (risk_plan, q_plan):
        assert abs(p.table.recommended_weekly.sum() * 13 - budget) <= 1e-9 * budget


def test_min_roas_and_cost_floor(small_fit):
    cur = mp.current_weekly_spend(small_fit, 13).to_numpy()
    budget = cur.sum() * 13
    best = mp.optimize_budget(small_fit, budget, bounds=None)
    roas = best.summary["recommended"]["expected_kpi"]["mean"] / budget
    with pytest.raises(PlanError, match="No plan within the bounds meets"):
        mp.optimize_budget(small_fit, budget, bounds=None, min_roas=roas * 1.5)
    with pytest.raises(PlanError, match="No plan within the bounds meets"):
        mp.optimize_budget(small_fit, budget, bounds=None, max_cost_per_kpi=1 / (roas * 1.5))
    ok = mp.optimize_budget(small_fit, budget, bounds=None, min_roas=roas * 0.9, objective="risk")
    assert ok.summary["recommended"]["expected_kpi"]["mean"] / budget >= roas * 0.9 * (1 - 1e-3)


# ---------------------------------------------------------------------- reported numbers


def test_plan_table_and_summary(small_fit):
    cur = mp.current_weekly_spend(small_fit, 13)
    plan = mp.optimize_budget(small_fit, cur.sum() * 13 * 1.1, bounds="50%")
    t = plan.table
    assert list(t.columns) == mp.PLAN_COLUMNS
    assert list(t.channel) == ["tv", "search"] and list(t.role) == ["brand", "performance"]
    np.testing.assert_allclose(t.current_weekly, cur.to_numpy())
    np.testing.assert_allclose(t.change_pct, 100 * (t.recommended_weekly / t.current_weekly - 1))
    assert np.all(t.expected_kpi_hdi_low <= t.expected_kpi_mean) and np.all(t.expected_kpi_mean <= t.expected_kpi_hdi_high)
    s = plan.summary
    rec = s["recommended"]
    assert rec["expected_kpi"]["mean"] == pytest.approx(t.expected_kpi_mean.sum())
    assert rec["expected_kpi"]["mean"] == pytest.approx(rec["in_period"]["mean"] + rec["tail"]["mean"])
    assert rec["tail"]["mean"] > 0 and s["carry_in"]["mean"] > 0
    up = s["uplift"]
    assert up["abs"]["mean"] == pytest.approx(rec["expected_kpi"]["mean"] - s["current"]["expected_kpi"]["mean"])
    assert up["pct"]["hdi_low"] <= up["pct"]["mean"] <= up["pct"]["hdi_high"]
    assert s["current_mix_at_budget"] is not None and s["notes"]
    mix = s["uplift_vs_current_mix"]
    assert mix["abs"]["mean"] == pytest.approx(rec["expected_kpi"]["mean"]
                                               - s["current_mix_at_budget"]["expected_kpi"]["mean"])
    assert s["words"]["kpi"] == "revenue" and s["budget"] == pytest.approx(cur.sum() * 13 * 1.1)
    assert "roas" in rec["economics"]
    doc = json.loads(plan.to_json())
    assert doc["channels"][0]["channel"] == "tv"
    period = mp.optimize_budget(small_fit, cur.sum() * 13 * 1.1, bounds="50%", horizon="period")
    pr = period.summary["recommended"]
    assert pr["expected_kpi"]["mean"] == pytest.approx(pr["in_period"]["mean"])
    assert "Uplift" in mp.plan_text(plan)


@pytest.mark.parametrize("spread", [0.02, 1.5])
def test_plan_evidence_tracks_posterior_uncertainty(spread):
    """A tight posterior makes the reallocation a sure gain; a wide one makes it a hypothesis to test."""
    f, _ = synthetic_fitted(4, draws=300, seed=3, spread=spread)
    cur = mp.current_weekly_spend(f, 13)
    plan = mp.optimize_budget(f, cur.sum() * 13, bounds="50%", draws=300)
    ev = plan.summary["evidence"]
    p = ev["prob_gain_from_mix"]
    assert p == pytest.approx(plan.summary["uplift"]["prob_positive"])  # same budget: uplift is the mix alone
    expected = "strong" if p >= mp.EVIDENCE_STRONG else "moderate" if p >= mp.EVIDENCE_MODERATE else "weak"
    assert ev["strength"] == expected
    if spread < 0.1:
        assert ev["strength"] == "strong" and not ev["test_channels"]
        assert not any("evidence" in n for n in plan.summary["notes"])
    else:
        assert ev["strength"] != "strong"
        moved = (plan.table.recommended_weekly - plan.table.current_weekly).abs()
        assert 1 <= len(ev["test_channels"]) <= 2 and set(ev["test_channels"]) <= set(plan.table.channel)
        assert moved[plan.table.channel == ev["test_channels"][0]].iloc[0] > 0
        assert ev["message"] in plan.summary["notes"] and "lift test" in ev["message"]
        assert f"{p:.0%}" in ev["message"] and ev["message"] in mp.plan_text(plan)


def test_plan_evidence_when_nothing_moves(small_fit):
    cur = mp.current_weekly_spend(small_fit, 13)
    plan = mp.optimize_budget(small_fit, cur.sum() * 13, bounds="0%")
    ev = plan.summary["evidence"]
    assert ev["strength"] == "no change" and ev["prob_gain_from_mix"] is None
    assert not any("evidence" in n for n in plan.summary["notes"])


def test_response_curves_and_marginal_roas(small_fit):
    curves = mp.response_curves(small_fit)
    assert list(curves.columns) == mp.CURVE_COLUMNS
    for _, g in curves.groupby("channel"):
        assert g.is_current.sum() == 1
        assert g.expected_kpi_mean.is_monotonic_increasing
        assert g.marginal_roas_mean.is_monotonic_decreasing  # logistic: concave
        assert np.all(g.expected_kpi_hdi_low <= g.expected_kpi_hdi_high)
    mr = mp.marginal_roas(small_fit, break_even=1.0)
    assert list(mr.columns) == mp.MARGINAL_COLUMNS
    cur_rows = curves[curves.is_current].set_index("channel")
    np.testing.assert_allclose(mr.set_index("channel").marginal_roas_mean, cur_rows.marginal_roas_mean, rtol=1e-9)
    eng = mp.build_engine(small_fit, 13, "period+tail")
    for c, r in enumerate(mr.itertuples()):
        x = r.breakeven_weekly_spend
        if np.isfinite(x) and x > 0:
            g = eng.channel_curve(c, np.array([x]), grad=True)[1].mean() / 13
            assert g == pytest.approx(1.0, rel=1e-6)
    # numerical derivative agrees with the analytic marginal ROAS
    c, x = 1, float(mr.current_weekly[1])
    d = (eng.channel_curve(c, np.array([x + 1.0]))[0].mean() - eng.channel_curve(c, np.array([x - 1.0]))[0].mean()) / 2
    assert d / 13 == pytest.approx(mr.marginal_roas_mean[1], rel=1e-4)


def test_compare_scenarios(small_fit):
    plan = mp.optimize_budget(small_fit, mp.current_weekly_spend(small_fit).sum() * 13, bounds="30%")
    plans = mp.default_scenarios(small_fit, recommended=plan)
    plans["search only"] = {"tv": 0.0, "search": 1500.0}
    table = mp.compare_scenarios(small_fit, plans)
    assert list(table.columns) == mp.SCENARIO_COLUMNS
    t = table.set_index("scenario")
    assert t.loc["current", "vs_current_pct"] == pytest.approx(0.0)
    assert t.loc["cut 20%", "total_weekly_spend"] == pytest.approx(0.8 * t.loc["current", "total_weekly_spend"])
    assert t.loc["cut 20%", "expected_kpi_mean"] < t.loc["current", "expected_kpi_mean"]
    assert t.loc["recommended", "expected_kpi_mean"] >= t.loc["current", "expected_kpi_mean"]
    with pytest.raises(PlanError, match="Unknown channel 'serch'.*Did you mean 'search'"):
        mp.compare_scenarios(small_fit, {"x": {"serch": 10}})


def test_write_plan_outputs(small_fit, tmp_path):
    budget = mp.current_weekly_spend(small_fit).sum() * 13
    paths = mp.write_plan_outputs(small_fit, tmp_path / "out", budget=budget, bounds="30%")
    assert set(paths) == {"plan", "split", "json"}
    plan = pd.read_csv(paths["plan"])
    assert list(plan.columns) == ["channel", "role", "current_weekly", "recommended_weekly", "change_pct",
                                  "expected_kpi_mean", "expected_kpi_hdi_low", "expected_kpi_hdi_high"]
    split = pd.read_csv(paths["split"])
    assert list(split.columns) == ["brand_share", "expected_kpi_mean", "expected_kpi_hdi_low", "expected_kpi_hdi_high"]
    assert len(split) == 21
    doc = json.loads(paths["json"].read_text())
    assert {"plan", "channels", "split", "scenarios"} <= set(doc)
    assert doc["plan"]["uplift"]["pct"]["mean"] is not None
    assert doc["plan"]["uplift_vs_current_mix"] == doc["plan"]["uplift"]  # budget = current spend
    sp = doc["split"]
    assert sp["share_range"][0] <= sp["best_share"] <= sp["share_range"][1]
    assert sp["norm"]["name"] == "b2c" and set(sp["norms"]) == {"b2b", "b2c"}
    assert plan.recommended_weekly.sum() * 13 == pytest.approx(budget, rel=1e-9)


def test_pipeline_wording_and_economics(synth_pipeline, tmp_path):
    f = synth_pipeline
    budget = mp.current_weekly_spend(f).sum() * 13
    plan = mp.optimize_budget(f, budget, win_rate=0.2, avg_deal_size=20_000, draws=100)
    e = plan.summary["recommended"]["economics"]
    kpi = plan.summary["recommended"]["expected_kpi"]["mean"]
    assert e["pipeline_roi"]["mean"] == pytest.approx(kpi / budget)
    assert e["expected_revenue"]["mean"] == pytest.approx(kpi * 0.2)
    assert e["cost_per_opportunity"]["value"] == pytest.approx(budget / (kpi / 20_000))
    assert plan.summary["words"]["kpi"] == "pipeline"
    mr = mp.marginal_roas(f, win_rate=0.25)
    assert np.all(mr.break_even == 4.0)
    assert np.all(np.isnan(mp.marginal_roas(f).break_even))
    paths = mp.write_plan_outputs(f, tmp_path, budget=budget, draws=100)
    text = paths["json"].read_text().lower()
    assert "revenue" not in text  # no revenue wording on a pipeline model without a win rate
    assert "revenue" not in mp.plan_text(plan.__class__(plan.table, {**plan.summary, "recommended": {
        **plan.summary["recommended"], "economics": {}}})).lower()
    split = json.loads(paths["json"].read_text())["split"]
    assert split["norm"]["name"] == "b2b" and split["norm"]["brand"] == 0.46


def test_leads_cost_per_lead():
    f, _ = synthetic_fitted(3, draws=100, kpi_type="leads", seed=4)
    plan = mp.optimize_budget(f, mp.current_weekly_spend(f).sum() * 13, draws=60)
    e = plan.summary["recommended"]["economics"]
    assert e["cost_per_lead"]["value"] == pytest.approx(plan.summary["budget"] / e["leads"]["mean"])
    assert plan.summary["words"]["kpi"] == "leads"


def test_carry_in_is_the_same_for_every_plan(small_fit):
    cur = mp.current_weekly_spend(small_fit).sum() * 13
    a = mp.optimize_budget(small_fit, cur, bounds="30%")
    b = mp.optimize_budget(small_fit, cur * 1.2, bounds=None)
    assert a.summary["carry_in"]["mean"] == pytest.approx(b.summary["carry_in"]["mean"])
    # zero spend brings nothing beyond the carry-in
    eng = mp.build_engine(small_fit, 13, "period+tail")
    assert np.allclose(eng.weekly(np.zeros(2)), 0.0)


# ---------------------------------------------------------------------- sample sets (slow)


@functools.cache
def sample_case(name: str):
    """``(fitted, truth, data, true_fitted)`` of a bundled sample set; one small fit per session.

    ``true_fitted`` is the same model with a one-draw posterior equal to the simulation's truth.
    """
    from mmm.fitted import Model
    from mmm.spec import load_spec
    from mmm.truth import truth_as_fitted

    truth = json.loads((SAMPLES / f"{name}_truth.json").read_text())
    spec = load_spec(SAMPLES / f"{name}.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = Model(spec).fit(draws=300, tune=300, chains=2, seed=1, progressbar=False)
    data = pd.read_csv(SAMPLES / f"{name}.csv")
    return fitted, truth, data, truth_as_fitted(fitted, truth)


def sample_truth_uplift(name: str, bounds, mult: float) -> float:
    """Share of the truly optimal uplift (true KPI of recommended - current) / (true optimum - current)."""
    from mmm.truth import plan_truth_share

    fitted, truth, data, _ = sample_case(name)
    return plan_truth_share(fitted, truth, data, bounds=bounds, budget_mult=mult)


@pytest.mark.slow
@pytest.mark.skipif(not (SAMPLES / "ecommerce_truth.json").exists(), reason="sample sets not generated")
def test_truth_scoring_is_consistent_with_the_simulator():
    """Planning on the true parameters earns exactly the true optimum: engine and simulator agree."""
    from mmm.truth import plan_truth_report

    _, truth, data, true_fit = sample_case("ecommerce")
    for mult in (1.0, 1.2):
        rep = plan_truth_report(true_fit, truth, data, bounds="30%", budget_mult=mult)
        assert rep["share"] == pytest.approx(1.0, abs=1e-3)
        assert rep["best"] > rep["current"]


@pytest.mark.slow
@pytest.mark.skipif(not (SAMPLES / "ecommerce_truth.json").exists(), reason="sample sets not generated")
@pytest.mark.parametrize("bounds,mult", [("30%", 1.0), ("50%", 1.2)])
def test_truth_uplift_ecommerce_sample(bounds, mult):
    assert sample_truth_uplift("ecommerce", bounds, mult) >= 0.9


#: The b2b truth tests are known failures of the fit (not of the optimizer) and cost a ~30 s fit, so they
#: run only when asked: ``MMM_B2B_TRUTH=1 pytest tests/test_planning.py tests/test_split.py``.
RUN_B2B = bool(os.environ.get("MMM_B2B_TRUTH")) and (SAMPLES / "b2b_truth.json").exists()


@pytest.mark.slow
@pytest.mark.skipif(not RUN_B2B, reason="known fit problem (see xfail); set MMM_B2B_TRUTH=1 to run")
@pytest.mark.xfail(strict=False, reason="the shipped b2b data are too noisy for display and webinars: the fit puts display's "
                   "ROAS near 4.6 against a true 2.5 and webinars' near 3.3 against 6.5, so the plan moves spend the "
                   "wrong way (the optimizer reaches 100% on the true curves). Over 11 simulated b2b data sets this bar "
                   "holds in 9 at 1.2x budget; see benchmarks/README.md 'Planning against the truth'")
def test_truth_uplift_b2b_sample():
    assert sample_truth_uplift("b2b", "30%", 1.2) >= 0.9


@pytest.mark.slow
@pytest.mark.skipif(not (SAMPLES / "b2b_truth.json").exists(), reason="sample sets not generated")
def test_b2b_sample_plan_says_its_evidence_is_not_strong():
    """On the shipped b2b set the reallocation is truly worse than the current mix; the plan must not sound sure."""
    from mmm.truth import plan_truth_report

    fitted, truth, data, _ = sample_case("b2b")
    rep = plan_truth_report(fitted, truth, data, bounds="30%", budget_mult=1.0)
    assert rep["recommended"] < rep["current"]          # the truth: this plan loses
    assert rep["strength"] in ("weak", "moderate"), rep
    plan = mp.optimize_budget(fitted, mp.current_weekly_spend(fitted).sum() * 13, bounds="30%")
    assert "display" in plan.summary["evidence"]["test_channels"]  # the channel the fit over-credits
