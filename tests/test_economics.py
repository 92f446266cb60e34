"""mmm.economics: KPI economics of a plan and break-even returns, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmm.economics import break_even_return, check_economics, kpi_economics
from mmm.errors import PlanError

PIPELINE = np.array([80_000.0, 100_000.0, 120_000.0])  # mean 100k of pipeline from 20k of spend


def test_pipeline_roi_expected_revenue_and_break_even_by_hand():
    e = kpi_economics("pipeline", 20_000.0, PIPELINE, win_rate=0.25)
    assert e["spend"] == 20_000.0
    assert e["pipeline"]["mean"] == pytest.approx(100_000.0)
    assert e["pipeline_roi"]["mean"] == pytest.approx(5.0)  # 100k / 20k
    assert e["expected_revenue"]["mean"] == pytest.approx(25_000.0)  # 100k x 0.25
    assert e["revenue_roi"]["mean"] == pytest.approx(1.25)
    assert e["cost_per_pipeline_dollar"]["value"] == pytest.approx(0.2)
    be = break_even_return("pipeline", win_rate=0.25)
    assert be == pytest.approx(1 / 0.25)
    # at the break-even pipeline ROI, expected revenue equals spend
    assert e["pipeline_roi"]["mean"] / be == pytest.approx(e["revenue_roi"]["mean"])


def test_pipeline_opportunities_and_deals_with_a_deal_size():
    e = kpi_economics("pipeline", 20_000.0, PIPELINE, win_rate=0.25, avg_deal_size=25_000.0)
    assert e["opportunities"]["mean"] == pytest.approx(4.0)  # 100k / 25k
    assert e["cost_per_opportunity"]["value"] == pytest.approx(5_000.0)  # 20k / 4
    assert e["deals_won"]["mean"] == pytest.approx(1.0)  # 100k x 0.25 / 25k
    assert e["cost_per_deal_won"]["value"] == pytest.approx(20_000.0)


def test_cost_interval_is_spend_over_the_kpi_interval_reversed():
    e = kpi_economics("pipeline", 20_000.0, PIPELINE, prob=0.99)
    lo, hi = e["pipeline"]["hdi_low"], e["pipeline"]["hdi_high"]
    assert (lo, hi) == (80_000.0, 120_000.0)  # 99% of three draws is all of them
    cost = e["cost_per_pipeline_dollar"]
    assert cost["low"] == pytest.approx(20_000 / hi) and cost["high"] == pytest.approx(20_000 / lo)
    assert cost["low"] < cost["value"] < cost["high"]


def test_a_pipeline_model_without_a_win_rate_reports_no_revenue():
    e = kpi_economics("pipeline", 20_000.0, PIPELINE)
    assert not {"expected_revenue", "revenue_roi", "roas", "opportunities"} & set(e)
    assert math.isnan(break_even_return("pipeline"))


def test_leads_cost_per_lead_is_spend_over_leads():
    leads = np.array([300.0, 400.0, 500.0])
    e = kpi_economics("leads", 20_000.0, leads)
    assert e["cost_per_lead"]["value"] == pytest.approx(20_000 / 400)
    assert e["leads_per_1k"]["mean"] == pytest.approx(20.0)  # 400 leads per 20 thousands
    assert "expected_revenue" not in e
    e = kpi_economics("leads", 20_000.0, leads, win_rate=0.1, avg_deal_size=5_000.0)
    assert e["deals_won"]["mean"] == pytest.approx(40.0)
    assert e["cost_per_deal_won"]["value"] == pytest.approx(500.0)
    assert e["expected_revenue"]["mean"] == pytest.approx(200_000.0)  # 400 x 0.1 x 5000
    assert e["revenue_roi"]["mean"] == pytest.approx(10.0)
    assert break_even_return("leads", win_rate=0.1, avg_deal_size=5_000.0) == pytest.approx(1 / 500)


def test_revenue_roas_and_break_even_of_one():
    e = kpi_economics("revenue", 10_000.0, np.array([20_000.0, 30_000.0, 40_000.0]))
    assert e["roas"]["mean"] == pytest.approx(3.0)
    assert e["cost_per_revenue"]["value"] == pytest.approx(1 / 3)
    assert "pipeline_roi" not in e and "cost_per_lead" not in e
    assert break_even_return("revenue") == 1.0
    assert break_even_return("revenue", 1.5) == 1.5  # a given break-even wins


def test_constant_draws_have_a_zero_width_interval():
    e = kpi_economics("revenue", 1_000.0, np.full(50, 2_500.0))
    assert e["roas"]["mean"] == e["roas"]["hdi_low"] == e["roas"]["hdi_high"] == pytest.approx(2.5)


@pytest.mark.parametrize("kpi_type, win_rate, deal, match", [
    ("revenue", 0.2, None, "pipeline and leads models only"),
    ("revenue", None, 10_000.0, "pipeline and leads models only"),
    ("pipeline", 0.0, None, "win_rate must be a share"),
    ("pipeline", 1.5, None, "win_rate must be a share"),
    ("pipeline", True, None, "win_rate must be a share"),
    ("leads", 0.1, -5.0, "avg_deal_size must be a positive"),
    ("leads", 0.1, float("inf"), "avg_deal_size must be a positive"),
])
def test_invalid_economics_are_refused(kpi_type, win_rate, deal, match):
    with pytest.raises(PlanError, match=match):
        check_economics(kpi_type, win_rate, deal)
    with pytest.raises(PlanError, match=match):
        kpi_economics(kpi_type, 1_000.0, np.ones(3), win_rate=win_rate, avg_deal_size=deal)


def test_valid_economics_pass_and_a_bad_break_even_is_refused():
    check_economics("pipeline", 1.0, 25_000)  # a win rate of 100% and an int deal size are fine
    check_economics("revenue", None, None)
    for bad in (0.0, -1.0, True):
        with pytest.raises(PlanError, match="break_even must be a positive"):
            break_even_return("revenue", bad)
