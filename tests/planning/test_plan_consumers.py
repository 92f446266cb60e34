"""Consumers read the typed plan: the headline, the economics and a plan read back from its files."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mmm.planning as mp
from mmm.analysis import plan_totals
from mmm.analysis.summaries import PlanHeadline, plan_economics
from mmm.planning.result import Economics, Interval


@pytest.fixture(scope="module")
def plan_and_fit():
    from test_planning import synthetic_fitted

    fitted = synthetic_fitted(4, draws=200, kpi_type="pipeline", seed=5)[0]
    budget = float(mp.current_weekly_spend(fitted).sum()) * 13 * 1.2
    return mp.optimize_budget(fitted, budget, bounds="-30%,+60%", win_rate=0.25, avg_deal_size=5000.0,
                              draws=100), fitted


def test_headline_of_the_typed_plan_equals_the_headline_of_its_summary(plan_and_fit):
    plan, _ = plan_and_fit
    typed, from_dict = plan_totals(plan), plan_totals(json.loads(json.dumps(plan.summary)))
    assert isinstance(typed, PlanHeadline) and typed.to_dict() == from_dict.to_dict()
    assert typed.recommended == plan.recommended_totals.expected_kpi and typed.evidence == plan.evidence
    assert typed.uplift_pct == pytest.approx(plan.uplift.pct.mean / 100) and typed.budget == plan.settings.budget
    assert typed["uplift"] == (plan.uplift.absolute.mean, plan.uplift.absolute.hdi_low, plan.uplift.absolute.hdi_high)
    assert PlanHeadline.of(typed.to_dict()).to_dict() == typed.to_dict()


def test_headline_of_a_partial_summary_fills_nan():
    h = plan_totals({"current": {"mean": 10.0}, "recommended": {"mean": 12.0}})
    assert h.uplift.mean == 2.0 and np.isnan(h.uplift.hdi_low) and h.uplift_pct == pytest.approx(0.2)
    assert np.isnan(h.budget) and h.evidence is None and h.weeks is None


def test_typed_economics_equal_the_dict(plan_and_fit):
    plan, _ = plan_and_fit
    e, d = plan_economics(plan), plan.summary["recommended"]["economics"]
    assert isinstance(e, Economics) and e == Economics.from_dict(d)
    assert e.win_rate == d["win_rate"] == 0.25 and e.expected_revenue == Interval.from_dict(d["expected_revenue"])
    assert (e.cost_per_opportunity.value, e.cost_per_opportunity.low) == \
        (d["cost_per_opportunity"]["value"], d["cost_per_opportunity"]["low"])
    assert e.roas is None and e.cost_per_lead is None  # pipeline: no ROAS, no leads


def test_plan_result_from_files(plan_and_fit, tmp_path):
    plan, fitted = plan_and_fit
    paths = mp.write_plan_outputs(fitted, tmp_path, budget=plan.settings.budget, bounds="-30%,+60%",
                                  win_rate=0.25, avg_deal_size=5000.0, draws=100)
    assert set(paths) == {"plan", "split", "json"}
    back = mp.PlanResult.from_files(paths["json"])
    assert back.evidence == plan.evidence and back.settings == plan.settings and back.uplift == plan.uplift
    assert back.recommended_totals.kpi_economics == plan.recommended_totals.kpi_economics
    assert [c.channel for c in back.channels] == [c.channel for c in plan.channels]
