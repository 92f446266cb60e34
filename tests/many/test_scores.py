"""Arithmetic of many fits, checked by hand and against closed forms (no sampling here)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mmm.errors import SpecError
from mmm.many.backtest import plan_folds
from mmm.many.scores import crps_from_draws, elpd_difference, forecast_scores, stacking_weights
from mmm.many.stacking import mix_draws


def test_crps_of_two_draws_by_hand() -> None:
    # draws {0, 1}, y = 0: E|X - y| = 0.5, E|X - X'| = 0.5 (pairs 0,1,1,0 of 4), CRPS = 0.5 - 0.25
    assert crps_from_draws(np.array([[0.0], [1.0]]), np.array([0.0]))[0] == pytest.approx(0.25)
    # a point forecast scores its absolute error
    assert crps_from_draws(np.full((50, 2), 3.0), np.array([1.0, 7.5])) == pytest.approx([2.0, 4.5])


def test_crps_matches_the_normal_closed_form() -> None:
    """Gneiting & Raftery (2007): CRPS(N(mu, s), y) = s [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]."""
    rng = np.random.default_rng(0)
    mu, s = 10.0, 2.0
    y = np.array([10.0, 11.0, 15.0, 4.0])
    draws = mu + s * rng.standard_normal((200_000, 1)) * np.ones((1, y.size))
    z = (y - mu) / s
    exact = s * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))
    assert crps_from_draws(draws, y) == pytest.approx(exact, rel=0.01)


def test_forecast_scores_coverage_and_mape() -> None:
    rng = np.random.default_rng(1)
    pred = rng.normal(100, 10, (4000, 200))
    actual = rng.normal(100, 10, 200)
    s = forecast_scores(np.full((10, 200), 100.0), pred, actual)
    assert 0.84 <= s.coverage_90 <= 0.96          # a calibrated forecast covers about 90%
    assert s.mape == pytest.approx(np.mean(np.abs(actual - 100) / np.abs(actual)), rel=1e-9)


def test_stacking_weights_hand_case() -> None:
    """Model A has density 2 on three weeks and 1 on two; B the reverse. The stacking optimum
    solves 3/(1 + w) = 2/(2 - w): w_A = 0.8."""
    a = np.log([2, 2, 2, 1, 1.0])
    b = np.log([1, 1, 1, 2, 2.0])
    assert stacking_weights(np.array([a, b])) == pytest.approx([0.8, 0.2], abs=1e-6)
    # a model worse on every week gets no weight
    assert stacking_weights(np.array([a, a - 1.0])) == pytest.approx([1.0, 0.0], abs=1e-6)
    # fits far worse than the others (a form that did not sample) change nothing for the rest
    assert stacking_weights(np.array([a, b, a - 5000.0, b - 3000.0])) == pytest.approx([0.8, 0.2, 0, 0], abs=1e-6)


def test_stacking_weights_agree_with_arviz() -> None:
    import arviz as az

    rng = np.random.default_rng(2)
    n = 40
    base = rng.normal(-1, 0.5, (3, n))

    def idata(lp: np.ndarray):
        ll = lp[None, None, :] + 1e-3 * rng.standard_normal((2, 300, n))
        return az.from_dict(posterior={"a": rng.standard_normal((2, 300))}, log_likelihood={"y": ll})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = {f"m{k}": idata(base[k]) for k in range(3)}
        ref = az.compare(fits, method="stacking")["weight"]
        loo_i = np.array([az.loo(fits[f"m{k}"], pointwise=True).loo_i.values for k in range(3)])
    mine = stacking_weights(loo_i)
    assert mine == pytest.approx(ref.loc[["m0", "m1", "m2"]].to_numpy(), abs=2e-3)


def test_elpd_difference_by_hand() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([0.0, 2.0, 2.0, 4.0])
    d = elpd_difference(a, b)
    diffs = a - b                                   # 1, 0, 1, 0: sum 2, sd 0.577
    assert d.diff == pytest.approx(2.0)
    assert d.se == pytest.approx(math.sqrt(4 * diffs.var(ddof=1)))
    assert d.distinguishable == (2 * d.se <= 2.0)
    with pytest.raises(ValueError, match="different weeks"):
        elpd_difference(a, b[:3])


def test_mix_draws_takes_draws_in_proportion_to_the_weights() -> None:
    a = np.zeros((500, 2))
    b = np.ones((300, 2))
    mixed = mix_draws([a, b], np.array([0.8, 0.2]), total=1000, seed=0)
    assert mixed.shape == (1000, 2)
    assert (mixed[:, 0] == 1).sum() == 200          # exactly w x total of each form's draws


def test_plan_folds_origins_and_errors() -> None:
    dates = pd.date_range("2023-01-02", periods=156, freq="W-MON")
    folds = plan_folds(dates, 6, 13, 26)
    assert [f.origin for f in folds] == [78, 91, 104, 117, 130, 143]
    assert folds[-1].end_date == str(dates[-1].date())
    # too few weeks for 13-week steps: origins move closer, still ending at the last test week
    tight = plan_folds(dates[:80], 6, 13, 26)
    assert tight[-1].origin == 67 and tight[0].origin >= 26
    assert len({f.origin for f in tight}) == 6
    with pytest.raises(SpecError, match="needs at least 39 weeks"):
        plan_folds(dates[:30], 2, 13, 26)


def test_forms_that_did_not_converge_get_no_weight_while_another_did() -> None:
    from mmm.many.stacking import forms_table
    from mmm.many.tasks import FitSummary

    def loo(shift: float) -> dict:
        li = [-1.0 + shift] * 10
        return {"elpd_loo": sum(li), "se": 1.0, "p_loo": 3.0, "n_high_k": 0, "max_k": 0.2, "loo_i": li,
                "pareto_k": [0.1] * 10}

    good = FitSummary("delayed-logistic", "done", converged=True, scores={"loo": loo(0.0)})
    shaky = FitSummary("delayed-hill", "done", converged=False, scores={"loo": loo(1.0)})   # better LOO, not converged
    failed = FitSummary("geometric-hill", "failed", error="sampler failed")
    table = forms_table([good, shaky, failed]).set_index("form")
    assert table.loc["delayed-logistic", "weight"] == 1.0
    assert table.loc["delayed-hill", "weight"] == 0.0 and not table.loc["delayed-hill", "stacked"]
    assert table.loc["delayed-hill", "elpd_loo"] == pytest.approx(0.0)         # its LOO is still shown
    assert table.loc["geometric-hill", "weight"] == 0.0
    # when no form converged (FAST mode), all finished forms are weighted by their LOO
    both = forms_table([FitSummary("a-b", "done", scores={"loo": loo(0.0)}),
                        FitSummary("c-d", "done", scores={"loo": loo(1.0)})]).set_index("form")
    assert both.loc["c-d", "weight"] == pytest.approx(1.0) and both["stacked"].all()
