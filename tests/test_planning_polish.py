"""The NumPy parts of the optimizer give SciPy's answers: the separable Newton polish reaches the
plan SLSQP reaches (same start, same budget and bounds) on seeded problems, and ``pchip`` is
SciPy's ``PchipInterpolator``. Planning no longer imports SciPy for the mean objective (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.planning.optimizer import pchip, polish, separable_polish


def hill_problem(seed: int, n: int):
    """A separable expected-KPI function: one Hill curve per channel, ``beta * x^s / (x^s + k^s)``,
    with its value and gradient (the shape the engine gives: concave past the inflection)."""
    rng = np.random.default_rng(seed)
    beta = rng.uniform(0.5, 3.0, n) * 1e5
    k = rng.uniform(2e3, 2e4, n)
    s = rng.uniform(0.7, 1.8, n)

    def fn(x: np.ndarray) -> tuple[float, np.ndarray]:
        x = np.maximum(x, 0.0)
        r = (x / k) ** s
        val = beta * r / (1 + r)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = np.where(x > 0, beta * s * r / (x * (1 + r) ** 2), 0.0)
        return float(val.sum()), grad

    return fn, k


@pytest.mark.parametrize("seed", range(12))
def test_newton_polish_reaches_slsqps_plan(seed):
    n = 3 + seed % 5
    fn, k = hill_problem(seed, n)
    rng = np.random.default_rng(100 + seed)
    total = float(k.sum() * rng.uniform(0.8, 2.5))
    current = rng.dirichlet(np.ones(n)) * total
    lo, hi = 0.7 * current, 1.3 * current + (seed % 3 == 0) * total  # some problems with room, some with tight caps
    x0 = current.copy()                                               # a start inside the bounds, summing to total
    free = list(range(n))
    ours = separable_polish(fn, x0, lo, hi, total, free)
    theirs = polish(fn, x0, lo, hi, total, free)                      # SLSQP (ftol 1e-12)
    # feasible: the budget and every bound hold
    assert ours.sum() == pytest.approx(total, rel=1e-12)
    assert np.all(ours >= lo - 1e-9 * total) and np.all(ours <= hi + 1e-9 * total)
    # at least as good as SLSQP within its tolerance, and the same plan (within 1e-5 of the budget per channel)
    assert fn(ours)[0] >= fn(theirs)[0] - 1e-9 * abs(fn(theirs)[0])
    assert fn(ours)[0] >= fn(x0)[0]
    assert np.abs(ours - theirs).max() <= 1e-5 * total
    # optimality: channels strictly inside their bounds have equal slopes
    g = fn(ours)[1]
    inside = (ours > lo + 1e-6 * total) & (ours < hi - 1e-6 * total)
    if inside.sum() >= 2:
        assert np.ptp(g[inside]) <= 1e-6 * np.abs(g[inside]).max()   # SLSQP's own: up to about 1e-6


def test_newton_polish_keeps_channels_outside_free_idx():
    fn, k = hill_problem(3, 4)
    x0 = np.array([5e3, 6e3, 7e3, 8e3])
    lo, hi = np.zeros(4), np.full(4, 1e5)
    out = separable_polish(fn, x0, lo, hi, x0.sum(), [0, 2, 3])
    assert out[1] == x0[1]
    assert out.sum() == pytest.approx(x0.sum(), rel=1e-12)
    assert fn(out)[0] > fn(x0)[0]


@pytest.mark.parametrize("seed", range(4))
def test_pchip_is_scipys(seed):
    from scipy.interpolate import PchipInterpolator

    rng = np.random.default_rng(seed)
    xk = np.unique(np.round(np.linspace(0, 400, 81)))
    yk = np.cumsum(rng.gamma(1.0, 1.0, len(xk))) if seed % 2 == 0 else np.sin(xk / 40) + rng.normal(0, 0.1, len(xk))
    x = np.arange(401, dtype=float)
    expect = PchipInterpolator(xk, yk)(x)
    assert np.allclose(pchip(xk, yk, x), expect, rtol=1e-12, atol=1e-12 * np.abs(yk).max())
    two = PchipInterpolator(xk[:2], yk[:2])(x[:3])
    assert np.allclose(pchip(xk[:2], yk[:2], x[:3]), two, rtol=1e-12)


def test_project_is_the_euclidean_projection():
    from mmm.planning.optimizer import project

    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 10))
        lo = rng.uniform(0, 100, n) * (rng.random(n) < 0.7)
        hi = lo + rng.uniform(0, 200, n)
        total = float(rng.uniform(lo.sum(), hi.sum()))
        x = rng.normal(50, 80, n)
        y = project(x, lo, hi, total)
        assert y.sum() == pytest.approx(total, rel=1e-12, abs=1e-9)
        assert np.all(y >= lo) and np.all(y <= hi + 1e-9)
        # optimality of the projection: one shift for the channels strictly inside their bounds; channels at
        # a lower bound would move further down, at an upper bound further up
        shift = y - x
        inside = (y > lo + 1e-9) & (y < hi - 1e-9)
        if inside.any():
            s = shift[inside].mean()
            assert np.allclose(shift[inside], s, atol=1e-9 * max(1.0, total))
            assert np.all(shift[(y <= lo + 1e-9) & ~inside] >= s - 1e-9 * max(1.0, total))
            assert np.all(shift[(y >= hi - 1e-9) & ~inside] <= s + 1e-9 * max(1.0, total))
