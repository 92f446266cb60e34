"""mmm.design: scaling, lag matrices, Fourier terms and changepoints against hand computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmm.design import Scaling, compute_scaling, fourier_features, make_design

DATES = pd.date_range("2024-01-01", periods=10, freq="W-MON")
SPEND = np.array([[0, 100], [200, 100], [0, 300], [400, 0], [0, 100],
                  [600, 200], [0, 0], [200, 100], [0, 100], [600, 100]], dtype="float64")
CONTROLS = np.column_stack([np.arange(10.0), np.full(10, 5.0)])  # the second one is constant


def _scaling(spend=SPEND):
    kpi = np.linspace(-50.0, 150.0, 10)
    return compute_scaling(DATES, kpi, spend, CONTROLS)


def test_spend_is_divided_by_the_typical_nonzero_week_so_a_typical_week_is_1():
    s = _scaling()
    assert s.spend_scale == (400.0, 1100.0 / 8)  # tv: mean of 200,400,600,200,600; search: 1100 over 8 weeks
    x = SPEND / np.asarray(s.spend_scale)
    for c in range(2):
        assert x[:, c][x[:, c] > 0].mean() == pytest.approx(1.0)


def test_a_channel_that_never_spent_is_not_divided_by_zero():
    spend = SPEND.copy()
    spend[:, 1] = 0.0
    assert _scaling(spend).spend_scale[1] == 1.0


def test_kpi_controls_time_and_totals_of_the_scaling():
    s = _scaling()
    kpi = np.linspace(-50.0, 150.0, 10)
    assert s.kpi_scale == pytest.approx(np.abs(kpi).mean())
    assert s.control_mean == pytest.approx((4.5, 5.0))
    assert s.control_std[0] == pytest.approx(np.sqrt(np.mean((np.arange(10) - 4.5) ** 2)))
    assert s.control_std[1] == 1.0  # a constant control is centred, not divided by 0
    assert s.trend_days == 63.0 and s.start == "2024-01-01" and s.train_weeks == 10
    assert s.train_spend == (2000.0, 1100.0)
    assert Scaling.from_dict(s.to_dict()) == s


def _design(scaling, *, dates=DATES, spend=SPEND, l_max=3, order=0, n_cp=0, history=None):
    return make_design(dates, spend, CONTROLS[: len(dates)], np.zeros((len(dates), 0)), scaling,
                       l_max=l_max, seasonality_order=order, n_changepoints=n_cp, history=history)


def test_lag_matrix_matches_a_hand_loop_with_and_without_history():
    s = _scaling()
    history = np.array([[50.0, 75.0], [80.0, 60.0]])
    for hist in (None, history):
        d = _design(s, history=hist, l_max=4)
        x = SPEND / np.asarray(s.spend_scale)
        h = np.zeros((0, 2)) if hist is None else hist / np.asarray(s.spend_scale)
        expect = np.zeros((10, 2, 4))
        for t in range(10):
            for c in range(2):
                for lag in range(4):
                    k = t - lag
                    if k >= 0:
                        expect[t, c, lag] = x[k, c]
                    elif len(h) + k >= 0:  # weeks before the start come from the history, else 0
                        expect[t, c, lag] = h[len(h) + k, c]
        np.testing.assert_allclose(d.lags, expect)


def test_time_runs_0_to_1_over_training_and_controls_are_z_scored():
    d = _design(_scaling())
    assert d.time[0] == 0.0 and d.time[-1] == 1.0
    np.testing.assert_allclose(np.diff(d.time), 7 / 63)
    assert d.controls[:, 0].mean() == pytest.approx(0.0, abs=1e-12)
    assert d.controls[:, 0].std() == pytest.approx(1.0)
    np.testing.assert_array_equal(d.controls[:, 1], 0.0)
    later = _design(_scaling(), dates=DATES + pd.Timedelta(weeks=10))  # holdout weeks: time beyond 1
    assert later.time[0] == pytest.approx(70 / 63)


def test_fourier_columns_have_a_period_of_52_18_weeks():
    dates = pd.date_range("2021-01-04", periods=300, freq="W-MON")
    f = fourier_features(dates, 3)
    assert f.shape == (300, 6)
    angle = np.unwrap(np.arctan2(f[:, 0], f[:, 1]))  # phase of the first harmonic
    np.testing.assert_allclose(np.diff(angle), 2 * np.pi / (365.25 / 7))  # one turn per 52.18 weeks
    for k in (2, 3):  # harmonic k turns k times as fast
        np.testing.assert_allclose(f[:, 2 * k - 2], np.sin(k * angle), atol=1e-9)
        np.testing.assert_allclose(f[:, 2 * k - 1], np.cos(k * angle), atol=1e-9)
    four_years = fourier_features(dates + pd.Timedelta(days=4 * 365.25), 3)  # 1461 days: whole periods
    np.testing.assert_allclose(four_years, f, atol=1e-9)
    assert fourier_features(dates, 0).shape == (300, 0)


def test_changepoints_are_evenly_inside_the_first_80_percent_and_hinges_are_zero_before_them():
    from mmm.model import baseline_parts  # imports PyMC: only this test pays for it

    d = _design(_scaling(), n_cp=3)
    np.testing.assert_allclose(d.changepoints, [0.2, 0.4, 0.6])
    assert _design(_scaling(), n_cp=0).changepoints.shape == (0,)
    for p, cp in enumerate(d.changepoints):
        delta = np.zeros((1, 3))
        delta[0, p] = 1.0  # only this changepoint's slope change
        params = {"intercept": np.zeros(1), "trend_slope": np.zeros(1), "trend_delta": delta,
                  "control_effect": np.zeros((1, 2))}
        trend = baseline_parts(params, d, "piecewise")["trend"][0]
        before = d.time <= cp
        assert before.any() and (~before).any()
        np.testing.assert_array_equal(trend[before], 0.0)
        np.testing.assert_allclose(trend[~before], d.time[~before] - cp)
