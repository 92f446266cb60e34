"""Planning on a mixture of response models (:mod:`mmm.planning.mixture`), checked by hand.

Two forms of one channel with known parameters: the mixture's draws are the forms' draws in
proportion to the weights, so its per-draw responses and every mean are exact weighted sums.
"""

from __future__ import annotations

import numpy as np
import pytest

import mmm.planning as mp
from mmm.errors import PlanError
from mmm.model import Layout
from mmm.planning.mixture import MixtureEngine, MixtureResponseModel, mixture_counts, mixture_draws

WEEKS = 13
HISTORY = np.full((30, 2), [1500.0, 800.0])


def form(adstock: str, saturation: str, l_max: int, draws: int = 40, scale: float = 1.0) -> mp.ResponseModel:
    """Two channels, constant parameters over ``draws`` draws (so every draw responds alike)."""
    carry = {"geometric": {"carryover": 0.4}, "delayed": {"carryover": 0.5, "peak_lag": 2.0}}[adstock]
    sat = {"logistic": {"saturation_lambda": 1.2}, "hill": {"half_saturation": 0.9, "hill_slope": 2.0}}[saturation]
    ones = np.ones(draws)
    tp = {ch: {k: v * ones for k, v in {**carry, **sat}.items()} for ch in ("tv", "search")}
    return mp.ResponseModel(Layout(("tv", "search"), (adstock,) * 2, (saturation,) * 2, (l_max,) * 2), tp,
                            media_beta=np.tile([0.05 * scale, 0.08 * scale], (draws, 1)),
                            spend_scale=[1000.0, 500.0], kpi_scale=20_000.0, spend_history=HISTORY,
                            roles=("brand", "performance"), currency="USD")


def test_counts_follow_the_weights() -> None:
    assert mixture_counts(np.array([0.75, 0.25]), 400).tolist() == [300, 100]
    assert mixture_counts(np.array([2.0, 1.0, 1.0]), 10).sum() == 10
    picks = mixture_draws([40, 10], np.array([0.5, 0.5]), 40, seed=1)
    assert [len(p) for p in picks] == [20, 20] and len(set(picks[0])) == 20  # replacement only where short
    with pytest.raises(PlanError, match="non-negative"):
        mixture_counts(np.array([0.5, -0.1]), 10)


def test_mixture_is_the_weighted_sum_of_its_forms() -> None:
    a, b = form("geometric", "logistic", 4), form("delayed", "hill", 10, scale=1.5)
    mix = MixtureResponseModel.of([a, b], np.array([3.0, 1.0]), ["geometric-logistic", "delayed-hill"])
    assert mix.n_draws == 40 and [len(p) for p in mix.picks] == [30, 10]   # as many draws as a part has
    eng = mp.build_engine(mix, WEEKS, "period+tail", draws=None, seed=0)
    assert isinstance(eng, MixtureEngine) and eng.n_draws == 40
    assert mp.build_engine(mix, WEEKS, "period+tail", draws=20, seed=0).n_draws == 20
    x = np.array([1200.0, 900.0])
    ta, _ = mp.build_engine(a, WEEKS, "period+tail", None).totals_grad(x)
    tb, _ = mp.build_engine(b, WEEKS, "period+tail", None).totals_grad(x)
    tot, grad = eng.totals_grad(x)
    np.testing.assert_allclose(tot.mean(axis=0), 0.75 * ta[0] + 0.25 * tb[0], rtol=1e-12)
    assert grad.shape == (40, 2)
    # weekly paths: the shorter carryover is padded with zeros after its own tail
    wk = eng.weekly(x)
    assert wk.shape == (40, WEEKS + 9, 2)
    assert np.all(wk[:30, WEEKS + 3:] == 0) and np.any(wk[30:, WEEKS + 3:] != 0)
    np.testing.assert_allclose(wk.sum(axis=1), tot, rtol=1e-10)
    # curves and subsets index the concatenated draws
    curve, _ = eng.channel_curve(1, np.array([0.0, 900.0]))
    np.testing.assert_allclose(curve[1], tot[:, 1], rtol=1e-12)
    sub = eng.subset(np.array([0, 29, 30, 39]))
    np.testing.assert_allclose(sub.totals_grad(x, grad=False)[0], tot[[0, 29, 30, 39]], rtol=1e-12)
    assert eng.channel_subset([1]).totals_grad(x[[1]], grad=False)[0].shape == (40, 1)


def test_the_mixture_draws_are_the_same_draws_everywhere() -> None:
    """Draw i of a mixture's engine is draw i of its picks: a subsample by draw_index (as planning takes
    from a fit) lands on the same draws of the same parts."""
    a, b = form("geometric", "logistic", 4, draws=40), form("delayed", "hill", 10, draws=40, scale=1.5)
    b = mp.ResponseModel(b.layout, b.transform_params, media_beta=b.media_beta * np.linspace(1, 2, 40)[:, None],
                         spend_scale=b.spend_scale, kpi_scale=b.kpi_scale, spend_history=b.spend_history,
                         roles=b.roles)
    pick_b = np.array([5, 6, 7, 38, 20, 21, 22, 23, 24, 25])
    mix = MixtureResponseModel.of([a, b], np.array([0.5, 0.5]), picks=[np.arange(20), pick_b])
    idx = mp.draw_index(mix.n_draws, 12, seed=3)
    got = mp.build_engine(mix, WEEKS, "period", draws=12, seed=3).totals_grad(np.array([900.0, 700.0]), grad=False)[0]
    beta = np.concatenate([a.media_beta[:20], b.media_beta[pick_b]])[idx]
    from_b = idx >= 20
    assert from_b.any() and (~from_b).any()
    ratio = got[from_b] / beta[from_b]
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[0], ratio.shape), rtol=1e-10)  # each its own beta


def test_a_plan_on_the_mixture_weighs_both_forms() -> None:
    """Form B's search responds 1.5x as strongly: the mixture's plan moves budget to search more than
    form A's plan does and less than form B's, and its expected KPI is between theirs."""
    a, b = form("geometric", "logistic", 4), form("delayed", "hill", 10, scale=1.5)
    budget = 2300.0 * WEEKS
    plans = [mp.optimize_budget(m, budget, weeks=WEEKS, draws=None, bounds="50%")
             for m in (a, MixtureResponseModel.of([a, b], np.array([0.5, 0.5])), b)]
    kpi = [p.summary["recommended"]["expected_kpi"]["mean"] for p in plans]
    assert min(kpi[0], kpi[2]) < kpi[1] < max(kpi[0], kpi[2])


def test_forms_that_differ_in_channels_or_spend_are_refused() -> None:
    a = form("geometric", "logistic", 4)
    other = mp.ResponseModel(Layout(("tv", "radio"), ("geometric",) * 2, ("logistic",) * 2, (4, 4)),
                             {ch: {"carryover": 0.4, "saturation_lambda": 1.2} for ch in ("tv", "radio")},
                             media_beta=np.array([0.05, 0.08]), spend_scale=[1000.0, 500.0], kpi_scale=2e4,
                             spend_history=HISTORY)
    with pytest.raises(PlanError, match="share their channels"):
        MixtureResponseModel.of([a, other], np.array([0.5, 0.5]))
