"""Transforms against hand-computed values, and invariants over every form."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmm import transforms as T


def test_geometric_weights_hand_computed():
    w = T.carryover_weights("geometric", {"carryover": 0.5}, 3)
    np.testing.assert_allclose(w, np.array([1, 0.5, 0.25]) / 1.75)


def test_delayed_weights_peak_at_lag():
    w = T.carryover_weights("delayed", {"carryover": 0.5, "peak_lag": 2.0}, 5)
    raw = 0.5 ** (np.array([0, 1, 2, 3, 4]) - 2.0) ** 2
    np.testing.assert_allclose(w, raw / raw.sum())
    assert np.argmax(w) == 2


def test_weibull_cdf_is_survival_function():
    w = T.weibull_cdf_weights(2.0, 3.0, 4)
    np.testing.assert_allclose(w, np.exp(-(np.arange(4) / 3.0) ** 2))


def test_weibull_pdf_peaks_after_a_lag():
    w = T.carryover_weights("weibull_pdf", {"weibull_shape": 3.0, "weibull_scale": 4.0}, 10)
    assert 1 <= np.argmax(w) <= 4


def test_adstock_of_impulse_equals_weights():
    w = T.carryover_weights("geometric", {"carryover": 0.3}, 6)
    impulse = np.zeros(10)
    impulse[2] = 1.0
    out = T.adstock(impulse, w)
    np.testing.assert_allclose(out[2:8], w)
    np.testing.assert_allclose(out[:2], 0)


def test_adstock_uses_history_for_carry_in():
    w = T.carryover_weights("geometric", {"carryover": 0.5}, 3)
    out = T.adstock(np.zeros(3), w, history=np.array([0.0, 2.0]))
    np.testing.assert_allclose(out, [2 * w[1] + 0 * w[2], 2 * w[2], 0.0])


def test_hill_half_saturation_point_is_half():
    assert T.hill_saturation(2.0, 2.0, 3.0) == pytest.approx(0.5)
    assert T.michaelis_menten_saturation(1.5, 1.5) == pytest.approx(0.5)


def test_logistic_hand_computed():
    x, lam = 1.0, 2.0
    assert T.logistic_saturation(x, lam) == pytest.approx((1 - np.exp(-2)) / (1 + np.exp(-2)))


FORMS = [("geometric", {"carryover": 0.6}), ("delayed", {"carryover": 0.8, "peak_lag": 3.0}),
         ("weibull_cdf", {"weibull_shape": 1.5, "weibull_scale": 3.0}),
         ("weibull_pdf", {"weibull_shape": 2.0, "weibull_scale": 3.0})]


@pytest.mark.parametrize("kind,params", FORMS)
def test_every_carryover_form_preserves_spend_and_matches_pytensor(kind, params):
    w = T.carryover_weights(kind, params, 13)
    assert w.sum() == pytest.approx(1.0)
    assert np.all(w >= 0)
    sym = {k: pt.vector(k) for k in params}
    w_pt = T.carryover_weights(kind, sym, 13, xp=pt).eval({sym[k]: np.array([v]) for k, v in params.items()})
    np.testing.assert_allclose(w_pt[0], w, rtol=1e-10)
    spend = np.r_[np.random.default_rng(1).gamma(2, 1, 30), np.zeros(13)]
    assert T.adstock(spend, w).sum() == pytest.approx(spend.sum())


SATS = [("logistic", {"saturation_lambda": 1.3}), ("hill", {"half_saturation": 0.8, "hill_slope": 1.5}),
        ("michaelis_menten", {"half_saturation": 1.2})]


@pytest.mark.parametrize("kind,params", SATS)
@settings(max_examples=40, deadline=None)
@given(x=st.lists(st.floats(0, 50), min_size=2, max_size=20))
def test_saturation_zero_stays_zero_monotone_bounded(kind, params, x):
    x = np.sort(np.asarray(x))
    y = T.saturation(kind, x, params)
    assert T.saturation(kind, 0.0, params) == pytest.approx(0.0)
    assert np.all(np.diff(y) >= -1e-12)
    assert np.all((y >= 0) & (y < 1 + 1e-12))
    assert not np.any(np.isnan(y))


def test_lag_matrix_layout():
    x = np.arange(1.0, 5.0)
    lags = T.lag_matrix(x, 3)
    np.testing.assert_array_equal(lags[3], [4, 3, 2])
    np.testing.assert_array_equal(lags[0], [1, 0, 0])


# ---------------------------------------------------------------- the registry

_SAT_PARAMS = {"logistic": {"saturation_lambda": 1.7}, "hill": {"half_saturation": 0.8, "hill_slope": 2.2},
               "michaelis_menten": {"half_saturation": 1.3}}


@pytest.mark.parametrize("kind", sorted(T.SATURATIONS))
def test_each_saturation_slope_is_its_derivative_and_fast_form_is_the_same_function(kind):
    form = T.SATURATIONS[kind]
    p = _SAT_PARAMS[kind]
    assert set(p) == set(form.params)
    x = np.linspace(0.05, 4.0, 40)
    h = 1e-6
    numeric = (form(x + h, p) - form(x - h, p)) / (2 * h)
    np.testing.assert_allclose(form.derivative(x, p), numeric, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(form.fast_value(x, p), form(x, p), rtol=1e-12, atol=1e-15)
    y = pt.dvector("x")
    np.testing.assert_allclose(form(y, p, pt).eval({y: x}), form(x, p), rtol=1e-10)


def test_the_registry_is_the_one_list_of_kinds_and_parameters():
    """Spec validation, the model and the charts read the same kinds and parameter names."""
    from mmm import spec
    from mmm.model import PARAM_USERS
    from mmm.plots.diagnostics import DIAGNOSTIC_VARS

    assert tuple(spec.ADSTOCKS) == tuple(T.CARRYOVERS)
    assert set(spec.SATURATIONS) == set(T.SATURATIONS)
    assert ("roas", *T.CARRYOVER_PARAMS, *T.SATURATION_PARAM_NAMES) == spec.CHANNEL_PRIOR_NAMES
    assert PARAM_USERS["carryover"] == ("geometric", "delayed")
    assert PARAM_USERS["half_saturation"] == ("hill", "michaelis_menten")
    assert set(DIAGNOSTIC_VARS) >= set(spec.CHANNEL_PRIOR_NAMES)
    for form in T.CARRYOVERS.values():
        for role in ("brand", "performance"):
            assert set(form.priors(role, 8.0)) == set(form.params)
    for form in T.SATURATIONS.values():
        assert set(form.priors()) == set(form.params)


def test_default_carryover_priors_follow_the_role():
    """Brand channels carry over longer than performance channels (prior means)."""
    geo = T.CARRYOVERS["geometric"]
    brand, perf = geo.priors("brand", 8.0)["carryover"], geo.priors("performance", 8.0)["carryover"]
    mean = lambda p: p.params["alpha"] / (p.params["alpha"] + p.params["beta"])  # noqa: E731
    assert mean(brand) > mean(perf)
    delayed = T.CARRYOVERS["delayed"]
    assert delayed.priors("brand", 8.0)["peak_lag"].params["mu"] > 2.0


def test_hill_gradient_is_finite_in_weeks_without_spend():
    """x**slope has the gradient x**slope * log(x) in slope: NaN at x = 0, which made every NUTS step of a
    Hill model diverge on data with a week of no spend. The curve and its gradients must be finite there."""
    import pytensor
    import pytensor.tensor as pt

    from mmm.transforms import hill_saturation

    x = np.array([0.0, 0.0, 0.4, 1.0, 2.5])
    half, slope = 0.8, 1.7
    expected = x**slope / (x**slope + half**slope)
    np.testing.assert_allclose(hill_saturation(x, half, slope), expected, rtol=1e-12, atol=1e-15)
    xv, h, s = pt.dvector("x"), pt.dscalar("h"), pt.dscalar("s")
    total = hill_saturation(xv, h, s, pt).sum()
    grads = pytensor.function([xv, h, s], pytensor.grad(total, [h, s]))(x, half, slope)
    assert np.all(np.isfinite(grads))
    # closed forms: d/ds = sum v(1-v) log(x/h) over x > 0; d/dh = -sum v(1-v) s / h
    v, pos = expected[x > 0], x[x > 0]
    np.testing.assert_allclose(grads[1], np.sum(v * (1 - v) * np.log(pos / half)), rtol=1e-10)
    np.testing.assert_allclose(grads[0], -np.sum(v * (1 - v) * slope / half), rtol=1e-10)
