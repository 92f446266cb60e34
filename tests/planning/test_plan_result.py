"""The typed plan result: dataclasses with an Interval that read the same numbers as ``summary``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mmm.planning as mp
from mmm.planning.result import ChannelBounds, Interval, PlanSettings, PlanTotals


@pytest.fixture(scope="module")
def plan_and_fit():
    from test_planning import synthetic_fitted

    fitted = synthetic_fitted(4, draws=200, kpi_type="pipeline", seed=5)[0]
    budget = float(mp.current_weekly_spend(fitted).sum()) * 13 * 1.2
    return mp.optimize_budget(fitted, budget, bounds="-30%,+60%", fixed=["ch1"], win_rate=0.25, draws=100), fitted


def _check_interval(iv: Interval, d: dict) -> None:
    assert isinstance(iv, Interval)
    assert (iv.mean, iv.hdi_low, iv.hdi_high) == (d["mean"], d["hdi_low"], d["hdi_high"])


def _check_totals(t: PlanTotals, d: dict) -> None:
    assert t.weekly_spend == d["weekly_spend"]
    assert (t.total_weekly_spend, t.total_spend) == (d["total_weekly_spend"], d["total_spend"])
    for name in ("expected_kpi", "in_period", "tail"):
        _check_interval(getattr(t, name), d[name])
    assert t.economics == d["economics"]


def test_typed_fields_equal_the_summary(plan_and_fit):
    plan, _ = plan_and_fit
    s = plan.summary
    _check_totals(plan.current_totals, s["current"])
    _check_totals(plan.recommended_totals, s["recommended"])
    assert s["current_mix_at_budget"] is not None  # the budget is 1.2x current spend
    _check_totals(plan.current_mix_totals, s["current_mix_at_budget"])
    for up, d in ((plan.uplift, s["uplift"]), (plan.uplift_vs_current_mix, s["uplift_vs_current_mix"])):
        _check_interval(up.absolute, d["abs"])
        _check_interval(up.pct, d["pct"])
        assert up.prob_positive == d["prob_positive"]
    _check_interval(plan.carry_in.expected_kpi, s["carry_in"])
    assert plan.carry_in.by_channel == s["carry_in"]["by_channel"] and plan.carry_in.note == s["carry_in"]["note"]
    _check_interval(plan.media_kpi_in_period, s["media_kpi_in_period"])
    ev = plan.evidence
    assert (ev.prob_gain_from_mix, ev.strength, list(ev.test_channels), ev.message, ev.thresholds) == \
        (s["evidence"]["prob_gain_from_mix"], s["evidence"]["strength"], s["evidence"]["test_channels"],
         s["evidence"]["message"], s["evidence"]["thresholds"])
    st = plan.settings
    assert isinstance(st, PlanSettings)
    for name in ("kpi_type", "kpi_column", "words", "currency", "budget", "weeks", "weekly_budget", "horizon",
                 "horizon_weeks", "objective", "risk", "min_return", "bounds", "prob", "approximate"):
        assert getattr(st, name) == s[name], name
    assert list(st.fixed) == s["fixed"] == ["ch1"]
    assert st.bounds_table == tuple(ChannelBounds(r["channel"], r["min"], r["max"]) for r in s["bounds_table"])
    assert list(plan.notes) == s["notes"] and list(plan.tests) == s["tests"]


def test_typed_channels_equal_the_table(plan_and_fit):
    plan, _ = plan_and_fit
    rows = plan.table.to_dict(orient="records")
    assert [c.channel for c in plan.channels] == list(plan.table.channel)
    for c, r in zip(plan.channels, rows, strict=True):
        assert (c.role, c.current_weekly, c.recommended_weekly, c.change_pct) == \
            (r["role"], r["current_weekly"], r["recommended_weekly"], r["change_pct"])
        assert c.expected_kpi == Interval(r["expected_kpi_mean"], r["expected_kpi_hdi_low"], r["expected_kpi_hdi_high"])
    assert sum(c.recommended_weekly for c in plan.channels) == pytest.approx(plan.settings.weekly_budget)


def test_a_plan_read_back_from_its_files_has_the_same_typed_fields(plan_and_fit, tmp_path):
    plan, fitted = plan_and_fit
    paths = mp.write_plan_outputs(fitted, tmp_path, budget=plan.settings.budget, bounds="-30%,+60%", fixed=["ch1"],
                                  win_rate=0.25, draws=100)
    doc = json.loads(paths["json"].read_text())
    back = mp.PlanResult(table=pd.read_csv(paths["plan"]), summary=doc["plan"])
    assert back.evidence == plan.evidence and back.uplift == plan.uplift and back.settings == plan.settings
    assert back.recommended_totals == plan.recommended_totals and back.carry_in == plan.carry_in
    for a, b in zip(back.channels, plan.channels, strict=True):
        assert a.channel == b.channel and a.recommended_weekly == pytest.approx(b.recommended_weekly, rel=1e-12)


def test_interval_helpers_and_repr_without_a_percentage(plan_and_fit):
    iv = Interval.of(np.arange(101.0), 0.9)
    assert iv.mean == 50.0 and iv.width == pytest.approx(iv.hdi_high - iv.hdi_low)
    assert Interval.from_dict(iv.to_dict()) == iv
    assert Interval.from_dict({"mean": None, "hdi_low": None, "hdi_high": None}).width is None
    plan, _ = plan_and_fit
    s = json.loads(json.dumps(plan.summary))
    s["uplift"]["pct"] = {"mean": None, "hdi_low": None, "hdi_high": None}
    assert "n/a" in repr(mp.PlanResult(plan.table, s)) and "%)" in repr(plan)
