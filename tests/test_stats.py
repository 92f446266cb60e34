"""mmm.stats: HDI, R² and MAPE against closed forms and hand computation."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.stats import hdi, mape, r2_score


def test_hdi_of_a_large_normal_sample_is_mean_plus_minus_1_645_sd():
    """Symmetric unimodal: the 90% HDI is the central interval, mean ± 1.645 sd (z_0.95 = 1.6449)."""
    x = np.random.default_rng(0).normal(3.0, 2.0, 200_000)
    lo, hi = hdi(x, 0.9)
    assert float(lo) == pytest.approx(3.0 - 1.6449 * 2.0, abs=0.04)  # sampling error of a 5% quantile ~0.01
    assert float(hi) == pytest.approx(3.0 + 1.6449 * 2.0, abs=0.04)


def test_hdi_is_the_shortest_interval_not_the_central_one():
    """Exponential(1): the 90% HDI is [0, -ln 0.1] = [0, 2.303], not the central [0.051, 2.996]."""
    x = np.random.default_rng(1).exponential(1.0, 200_000)
    lo, hi = hdi(x, 0.9)
    assert float(lo) == pytest.approx(0.0, abs=0.01)
    assert float(hi) == pytest.approx(-np.log(0.1), abs=0.03)


def test_hdi_holds_the_requested_share_of_draws():
    x = np.random.default_rng(2).gamma(2.0, 1.0, 1001)
    for prob in (0.5, 0.8, 0.95):
        lo, hi = hdi(x, prob)
        assert np.mean((x >= lo) & (x <= hi)) >= prob


def test_hdi_is_vectorised_over_the_other_axes():
    x = np.random.default_rng(3).normal(size=(500, 3)) * np.array([1.0, 5.0, 0.1])
    lo, hi = hdi(x, 0.8)
    assert lo.shape == hi.shape == (3,)
    for j in range(3):
        lj, hj = hdi(x[:, j], 0.8)
        assert (lo[j], hi[j]) == (lj, hj)
    lo_t, hi_t = hdi(x.T, 0.8, axis=1)
    np.testing.assert_array_equal(lo_t, lo)
    np.testing.assert_array_equal(hi_t, hi)


def test_hdi_of_evenly_spaced_draws_and_of_one_draw():
    lo, hi = hdi(np.arange(101.0), 0.9)
    assert float(hi - lo) == 90.0  # 91 consecutive integers hold 90% of 101 draws
    lo, hi = hdi(np.array([7.0]), 0.9)
    assert lo == hi == 7.0


def test_r2_of_a_perfect_prediction_is_1_and_of_the_mean_is_0():
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    assert r2_score(y, y.copy()) == 1.0
    assert r2_score(y, np.full_like(y, y.mean())) == pytest.approx(0.0, abs=1e-12)


def test_r2_by_hand_and_undefined_for_a_constant_actual():
    # ss_res = 1 (one miss by 1), ss_tot = (1-2)^2 + 0 + (3-2)^2 = 2
    assert r2_score(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])) == pytest.approx(0.5)
    assert np.isnan(r2_score(np.array([2.0, 2.0]), np.array([1.0, 3.0])))


def test_mape_by_hand_skips_weeks_with_zero_actual():
    actual = np.array([100.0, 200.0, 0.0])
    predicted = np.array([110.0, 180.0, 5.0])  # errors 10% and 10%; the zero week is left out
    assert mape(actual, predicted) == pytest.approx(0.1)
    assert mape(actual, actual) == 0.0
