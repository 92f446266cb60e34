"""Recommended lift tests (mmm.experiment): which channel, how long, what it should measure,
how likely it settles the plan, and that feeding its result back sharpens the model.

One small fit (two channels; TV's spend nearly constant, so its return is mostly the prior)
and one refit with a lift test; everything else reuses them.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import mmm.planning as mp
from mmm import experiment as ex
from mmm import spec_from_dict
from mmm import transforms as T
from mmm.cli import app
from mmm.experiment import (
    STABLE_KEYS,
    LiftTestDesign,
    decision_probability,
    recommend_tests,
    window_share,
)
from mmm.fitted import Model

TRUTH = {"tv": {"carryover": 0.5, "lam": 1.0, "beta": 3000.0},
         "search": {"carryover": 0.2, "lam": 1.5, "beta": 2000.0}}
FIT = {"draws": 300, "tune": 300, "chains": 2, "seed": 3, "progressbar": False}


def _contribution(name: str, spend: np.ndarray, scale: float) -> np.ndarray:
    t = TRUTH[name]
    w = T.carryover_weights("geometric", {"carryover": t["carryover"]}, 8)
    return t["beta"] * T.logistic_saturation(T.adstock(spend / scale, w), t["lam"])


def _frame(n: int = 104, seed: int = 0) -> tuple[pd.DataFrame, dict[str, float]]:
    """Weekly revenue with TV at a nearly constant spend (its return cannot be told from the
    baseline) and search varying a lot (well measured)."""
    rng = np.random.default_rng(seed)
    spend = {"tv": 1000.0 * (1 + 0.03 * rng.standard_normal(n)), "search": rng.gamma(2.5, 480, n)}
    scales = {k: float(v.mean()) for k, v in spend.items()}
    promo = rng.random(n)
    y = (10000 + 800 * np.sin(2 * np.pi * np.arange(n) / 52.18) + 600 * (promo - promo.mean()) / promo.std()
         + sum(_contribution(k, v, scales[k]) for k, v in spend.items()) + rng.normal(0, 250, n))
    df = pd.DataFrame({"week": pd.date_range("2023-01-02", periods=n, freq="W-MON"), "revenue": y,
                       "tv_spend": spend["tv"], "search_spend": spend["search"], "promo": promo})
    return df, scales


def _spec(lift_tests: list | None = None):
    raw = {"date_column": "week", "kpi": {"column": "revenue", "type": "revenue"}, "currency": "USD",
           "channels": {"tv": {"spend": "tv_spend", "role": "brand"},
                        "search": {"spend": "search_spend", "role": "performance"}},
           "controls": ["promo"], "model": {"yearly_seasonality": 2, "adstock": "geometric", "l_max": 8}}
    if lift_tests:
        raw["lift_tests"] = lift_tests
    return spec_from_dict(raw)


@pytest.fixture(scope="module")
def case():
    df, scales = _frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = Model(_spec()).fit(df, **FIT)
    budget = float(mp.current_weekly_spend(fitted).sum()) * 13
    plan = mp.optimize_budget(fitted, budget, bounds="30%")
    return df, scales, fitted, plan


def _roas_width(fitted, channel: str) -> float:
    r = fitted.roas().set_index("channel")
    return float(r.loc[channel, "roas_hdi_high"] - r.loc[channel, "roas_hdi_low"])


# ---------------------------------------------------------------------- (a) the channel and its numbers


def test_recommends_the_channel_the_data_cannot_pin_down(case):
    _, _, fitted, plan = case
    assert _roas_width(fitted, "tv") > 2 * _roas_width(fitted, "search")   # the premise: TV is the wide one
    tests = plan.summary["tests"]
    assert tests, plan.summary["evidence"]
    first = tests[0]
    assert first["channel"] == "tv"
    assert first["expected_lift_hdi_low"] <= first["expected_lift_mean"] <= first["expected_lift_hdi_high"]
    assert first["expected_lift_hdi_low"] < first["expected_lift_hdi_high"]
    # the lift has the sign of the spend change, and the test runs after the data
    assert np.sign(first["expected_lift_mean"]) == np.sign(first["spend_change_weekly"])
    assert pd.Timestamp(first["start"]) > fitted.dataset.dates[-1]
    assert (pd.Timestamp(first["end"]) - pd.Timestamp(first["start"])).days == 7 * (first["weeks"] - 1)
    assert first["expected_se"] == pytest.approx(ex.expected_se(ex.noise_sd(fitted), first["weeks"]))
    assert 0.0 <= first["prob_decides"] <= 1.0
    assert first["prob_decides"] == pytest.approx(first["prob_confirms"] + first["prob_reverses"])
    assert first["prob_gain_now"] == pytest.approx(plan.summary["evidence"]["prob_gain_from_mix"], abs=1e-9)
    assert "lift: <measured>" in first["lift_test_yaml"] and "channel: tv" in first["lift_test_yaml"]


def test_design_object_and_lines(case):
    _, _, fitted, plan = case
    designs = recommend_tests(fitted, plan, max_tests=1)
    assert len(designs) == 1 and isinstance(designs[0], LiftTestDesign)
    d = designs[0].to_dict()
    assert set(STABLE_KEYS) <= set(d) and json.loads(json.dumps(d)) == d
    lines = ex.tests_lines(designs, plan.summary)
    assert len(lines) == 2 and lines[0].startswith("Test tv") and "lift_tests:" in lines[1]
    assert "$" in lines[0] and "revenue" in lines[0]
    assert ex.tests_lines([], plan.summary) == []
    only_up = recommend_tests(fitted, plan, channels=["tv", "search"], actions=("increase",))
    assert only_up and all(t.action == "increase" and t.spend_change_weekly > 0 for t in only_up)
    with pytest.raises(ValueError, match="actions must be"):
        recommend_tests(fitted, plan, actions=("double",))


def test_no_test_when_the_plan_keeps_the_mix(case):
    _, _, fitted, plan = case
    cur = mp.current_weekly_spend(fitted)
    fixed = pd.DataFrame({"channel": cur.index, "min": cur.values, "max": cur.values})
    same = mp.optimize_budget(fitted, float(cur.sum()) * 13, bounds=fixed)
    assert same.summary["evidence"]["strength"] == "no change"
    assert same.summary["tests"] == []


def test_no_test_without_a_noise_model(case):
    _, _, fitted, _ = case
    bare = dataclasses.replace(fitted, _params={k: v for k, v in fitted.params.items() if k != "sigma"})
    plan = mp.optimize_budget(bare, float(mp.current_weekly_spend(bare).sum()) * 13, bounds="30%")
    assert plan.summary["tests"] == [] and recommend_tests(bare, plan) == []


def test_message_follows_the_evidence(case):
    _, _, _, plan = case
    rec = dict(plan.summary["tests"][0])
    open_ = ex.describe_test({**rec, "prob_gain_now": 0.7, "prob_decides": 0.62}, plan.summary)
    assert "62% chance its result settles whether to move budget" in open_ and "70%" in open_
    weak = ex.describe_test({**rec, "prob_gain_now": 0.7, "prob_decides": 0.001, "narrowing": 0.3}, plan.summary)
    assert "Less than a 1% chance its result alone settles" in weak and "about 30%" in weak
    settled = ex.describe_test({**rec, "prob_gain_now": 0.97, "prob_reverses": 0.04}, plan.summary)
    assert "already clear" in settled and "A 4% chance its result would overturn" in settled


# ---------------------------------------------------------------------- (b) the probability it decides


def test_prob_decides_grows_as_the_test_gets_more_precise():
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(2000)
    lift = 100.0 * theta + 20.0 * rng.standard_normal(2000)
    gain = theta + 0.5 * rng.standard_normal(2000)          # about a coin flip now
    ses = [5.0, 20.0, 50.0, 100.0, 200.0, 400.0, 1e6]
    probs = [decision_probability(lift, gain, se, seed=1)["prob_decides"] for se in ses]
    assert all(a >= b for a, b in zip(probs, probs[1:], strict=False)), probs
    assert probs[0] > 0.35 and probs[-1] < 0.01   # perfect knowledge of theta decides about half
    # a test unrelated to the gain cannot decide it, however precise
    assert decision_probability(rng.standard_normal(2000), gain, 0.05, seed=1)["prob_decides"] < 0.05


def test_prob_decides_on_the_fit_falls_with_a_noisier_design(case):
    _, _, fitted, plan = case
    kw = {"channels": ["tv"], "extend": False}
    sharp = recommend_tests(fitted, plan, design_factor=0.25, **kw)[0]
    usual = recommend_tests(fitted, plan, **kw)[0]
    blunt = recommend_tests(fitted, plan, design_factor=50.0, **kw)[0]
    assert sharp.prob_decides >= usual.prob_decides >= blunt.prob_decides
    assert blunt.prob_decides < 0.05 and sharp.narrowing > blunt.narrowing


# ---------------------------------------------------------------------- (c) weeks follow the carryover


def test_window_share_and_weeks_follow_the_carryover():
    short = T.carryover_weights("geometric", {"carryover": 0.1}, 13)
    long = T.carryover_weights("geometric", {"carryover": 0.8}, 13)
    assert window_share(short, 4) > window_share(long, 4)
    assert ex.weeks_needed(long)[0] > ex.weeks_needed(short)[0]
    weeks, share = ex.weeks_needed(long)
    assert share >= 0.75 and window_share(long, weeks - 1) < 0.75


def test_weeks_grow_with_a_longer_carryover_on_the_fit(case):
    _, _, fitted, plan = case
    layout = fitted.layout
    c = layout.users("carryover").index("tv")

    def with_tv_carryover(alpha: float):
        params = {k: v.copy() for k, v in fitted.params.items()}
        params["carryover"][:, c] = alpha
        return dataclasses.replace(fitted, _params=params)

    weeks = [recommend_tests(with_tv_carryover(a), plan, channels=["tv"], extend=False)[0].weeks
             for a in (0.1, 0.7, 0.9)]
    assert weeks[0] < weeks[1] < weeks[2], weeks


# ---------------------------------------------------------------------- (d) plan.json from the CLI


def test_cli_plan_json_has_tests_with_the_stable_keys(case, tmp_path):
    _, _, fitted, _ = case
    fitted.save(tmp_path / "model.nc")
    result = CliRunner().invoke(app, ["plan", str(tmp_path), "--bounds", "30%"])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "plan.json").read_text())
    assert isinstance(doc["tests"], list) and doc["tests"] and doc["tests"] == doc["plan"]["tests"]
    for t in doc["tests"]:
        assert set(STABLE_KEYS) <= set(t)
        assert all(isinstance(t[k], int | float) for k in STABLE_KEYS if k != "channel")
    assert "Test tv" in result.output and "lift_tests:" in result.output


# ---------------------------------------------------------------------- (e) the result fed back


def test_feeding_the_result_back_narrows_that_channels_return(case):
    df, scales, fitted, plan = case
    t = plan.summary["tests"][0]
    # run the recommended test over the last weeks of the data, as measured from the truth
    weeks, change = t["weeks"], t["spend_change_weekly"]
    inside = np.arange(len(df)) >= len(df) - weeks
    spend = df["tv_spend"].to_numpy()
    change = max(change, -float(spend[inside].min()))           # never below zero spend
    true_lift = float(((_contribution("tv", spend + np.where(inside, change, 0.0), scales["tv"])
                        - _contribution("tv", spend, scales["tv"])) * inside).sum())
    measured = true_lift + t["expected_se"] * np.random.default_rng(5).standard_normal()
    dates = df["week"][inside]
    entry = {"channel": "tv", "start": str(dates.iloc[0].date()), "end": str(dates.iloc[-1].date()),
             "spend_change": change, "lift": measured, "lift_se": t["expected_se"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calibrated = Model(_spec([entry])).fit(df, **FIT)
    assert t["narrowing"] > 0.05
    assert _roas_width(calibrated, "tv") < 0.9 * _roas_width(fitted, "tv")
    true_roas = float(_contribution("tv", spend, scales["tv"]).sum() / spend.sum())
    r = calibrated.roas().set_index("channel").loc["tv"]
    assert r["roas_hdi_low"] <= true_roas <= r["roas_hdi_high"]
