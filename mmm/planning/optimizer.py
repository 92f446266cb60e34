"""The budget optimizer: a global grid allocation by dynamic programming, a local polish, exact projection.

Because each channel's contribution depends only on its own spend, the expected KPI is
a sum of one-dimensional curves. The optimizer solves that sum globally on a grid by
dynamic programming (exact for any curve shape, including S-shaped Hill curves), then
polishes with Newton steps on that separable sum (analytic gradients; NumPy only), and
finally projects onto the feasible set
so that the budget and the bounds hold exactly. The risk-aware objective (``mean -
risk_lambda * sd``, or a lower quantile) starts SLSQP from that solution and from other
points and keeps the best.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from mmm.planning.engine import Engine

#: Grid steps of the dynamic-programming allocation (the weekly budget split in this many parts).
DP_STEPS = 400
#: Points at which each channel's mean curve is evaluated for the grid (interpolated in between).
CURVE_POINTS = 81


def _piecewise_linear_root(knots: np.ndarray, values: np.ndarray, target: float) -> float:
    """Where the piecewise-linear, non-decreasing function through ``(knots, values)`` reaches ``target``
    (interpolated between the two knots around it; the first or last knot when ``target`` is outside)."""
    j = int(np.searchsorted(values, target))
    if j == 0:
        return float(knots[0])
    if j >= len(knots):
        return float(knots[-1])
    v0, v1 = values[j - 1], values[j]
    if v1 <= v0:
        return float(knots[j])
    return float(knots[j - 1] + (knots[j] - knots[j - 1]) * (target - v0) / (v1 - v0))


def project(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float) -> np.ndarray:
    """Euclidean projection of ``x`` onto ``{lo <= x <= hi, sum(x) = total}`` (assumed non-empty).

    Examples
    --------
    >>> project(np.array([5.0, 5.0]), np.zeros(2), np.array([3.0, 10.0]), 8.0).tolist()
    [3.0, 5.0]
    """
    x = np.asarray(x, dtype="float64")
    lo = np.asarray(lo, dtype="float64")
    hi_f = np.minimum(hi, np.maximum(lo, 0) + total)  # finite caps: no channel can exceed the total
    # y = clip(x + shift, lo, hi): its sum is piecewise linear and increasing in the shift, with a kink where a
    # channel meets a bound; the shift that gives ``total`` is found exactly between two kinks
    kinks = np.unique(np.concatenate([lo - x, hi_f - x]))
    sums = np.clip(x[:, None] + kinks[None, :], lo[:, None], hi_f[:, None]).sum(axis=0)
    y = np.clip(x + _piecewise_linear_root(kinks, sums, total), lo, hi_f)
    for _ in range(3):  # put the last rounding residual on channels with room
        r = total - y.sum()
        if r == 0:
            break
        room = (hi_f - y) if r > 0 else (y - lo)
        i = int(np.argmax(room))
        y[i] = float(np.clip(y[i] + r, lo[i], hi_f[i]))
    return y


def dp_curves(eng: Engine, lo: np.ndarray, hi: np.ndarray, free: float, steps: int,
               idx: Iterable[int]) -> tuple[float, dict[int, np.ndarray]]:
    delta = free / steps
    curves = {}
    for c in idx:
        kmax = int(min(steps, math.floor((hi[c] - lo[c]) / delta + 1e-9))) if delta > 0 else 0
        k = np.arange(kmax + 1)
        if kmax + 1 <= CURVE_POINTS:
            curves[c] = eng.channel_curve(c, lo[c] + delta * k)[0].mean(axis=1)
        else:  # the mean curve is smooth: evaluate on fewer points, interpolate (shape-preserving)
            kk = np.unique(np.round(np.linspace(0, kmax, CURVE_POINTS)).astype(int))
            v = eng.channel_curve(c, lo[c] + delta * kk)[0].mean(axis=1)
            curves[c] = pchip(kk.astype("float64"), v, k.astype("float64"))
    return delta, curves


def pchip(xk: np.ndarray, yk: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Shape-preserving piecewise cubic Hermite interpolation of ``(xk, yk)`` at ``x`` (``xk`` increasing).

    The derivatives at the knots are SciPy's ``PchipInterpolator``'s (Fritsch-Butland weighted
    harmonic means; the one-sided three-point formula at the ends, kept monotone), so the values
    are the same up to rounding; written in NumPy so that planning does not import SciPy.

    Examples
    --------
    >>> pchip(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 1.5]), np.array([0.0, 1.0, 1.5])).round(4).tolist()
    [0.0, 1.0, 1.3021]
    """
    xk, yk, x = (np.asarray(v, dtype="float64") for v in (xk, yk, x))
    h = np.diff(xk)
    m = np.diff(yk) / h
    d = np.empty_like(yk)
    if len(xk) == 2:
        d[:] = m[0]
    else:
        w1, w2 = 2 * h[1:] + h[:-1], h[1:] + 2 * h[:-1]
        flat = (np.sign(m[1:]) != np.sign(m[:-1])) | (m[1:] == 0) | (m[:-1] == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            whmean = (w1 / m[:-1] + w2 / m[1:]) / (w1 + w2)
            d[1:-1] = np.where(flat, 0.0, 1.0 / whmean)
        d[0] = _pchip_end(h[0], h[1], m[0], m[1])
        d[-1] = _pchip_end(h[-1], h[-2], m[-1], m[-2])
    i = np.clip(np.searchsorted(xk, x, side="right") - 1, 0, len(xk) - 2)
    t = x - xk[i]
    hi_, mi = h[i], m[i]
    # the cubic on each interval in powers of (x - xk[i]), as SciPy's PPoly evaluates it
    c3 = (d[i] + d[i + 1] - 2 * mi) / hi_ ** 2
    c2 = (3 * mi - 2 * d[i] - d[i + 1]) / hi_
    return ((c3 * t + c2) * t + d[i]) * t + yk[i]


def _pchip_end(h0: float, h1: float, m0: float, m1: float) -> float:
    """PCHIP's end derivative: the three-point estimate, zero if it points against the first slope,
    at most three times that slope where the slopes change sign."""
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > abs(3 * m0):
        return 3 * m0
    return float(d)


def dp_table(curves: list[np.ndarray], steps: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Max-plus convolution of the channel curves: best value for each number of grid steps."""
    V = np.full(steps + 1, -np.inf)
    V[: len(curves[0])] = curves[0][: steps + 1]
    choices = []
    m = np.arange(steps + 1)[:, None]
    for v in curves[1:]:
        kk = np.arange(len(v))[None, :]
        src = m - kk
        cand = np.where(src >= 0, V[np.clip(src, 0, None)] + v[None, :], -np.inf)
        best = np.argmax(cand, axis=1)
        V = cand[np.arange(steps + 1), best]
        choices.append(best)
    return V, choices


def dp_backtrack(choices: list[np.ndarray], m: int) -> list[int]:
    ks = []
    for best in reversed(choices):
        k = int(best[m])
        ks.append(k)
        m -= k
    ks.append(m)
    return ks[::-1]


def dp_allocate(eng: Engine, lo: np.ndarray, hi: np.ndarray, total: float, idx: list[int],
                 steps: int = DP_STEPS) -> np.ndarray:
    """Global allocation of ``total`` over channels ``idx`` on a grid (other channels at ``lo``)."""
    x = lo.copy()
    free = total - lo.sum()
    if free <= 0 or not idx:
        return x
    delta, curves = dp_curves(eng, lo, hi, free, steps, idx)
    V, choices = dp_table([curves[c] for c in idx], steps)
    finite = np.isfinite(V)
    m = steps if finite[steps] else int(np.nonzero(finite)[0][-1])
    for c, k in zip(idx, dp_backtrack(choices, m), strict=True):
        x[c] = lo[c] + k * delta
    return x


def objective_fn(eng: Engine, objective: str, risk_lambda: float,
               risk_quantile: float | None) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    def mean_fn(x: np.ndarray) -> tuple[float, np.ndarray]:
        tot, g = eng.totals_grad(x)
        return float(tot.sum(axis=1).mean()), g.mean(axis=0)

    if objective == "mean":
        return mean_fn

    if risk_quantile is not None:
        q = float(risk_quantile)

        def quantile_fn(x: np.ndarray) -> tuple[float, np.ndarray]:
            tot, g = eng.totals_grad(x)
            t = tot.sum(axis=1)
            order = np.argsort(t)
            pos = q * (len(t) - 1)
            i = int(math.floor(pos))
            j = min(i + 1, len(t) - 1)
            w = pos - i
            val = (1 - w) * t[order[i]] + w * t[order[j]]
            return float(val), (1 - w) * g[order[i]] + w * g[order[j]]

        return quantile_fn

    def risk_fn(x: np.ndarray) -> tuple[float, np.ndarray]:
        tot, g = eng.totals_grad(x)
        t = tot.sum(axis=1)
        mu, sd = t.mean(), t.std()
        gm = g.mean(axis=0)
        gsd = ((t - mu)[:, None] * (g - gm)).mean(axis=0) / sd if sd > 0 else np.zeros_like(gm)
        return float(mu - risk_lambda * sd), gm - risk_lambda * gsd

    return risk_fn


def polish(fn: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            total: float, free_idx: list[int], min_return: Callable | None = None,
            separable: bool = False) -> np.ndarray:
    """Local refinement (maximise ``fn``) over ``free_idx``, others kept at ``x0``.

    With ``separable`` (``fn`` is a sum of one curve per channel, as the expected KPI is, and no
    ``min_return``), Newton steps on the optimality conditions (:func:`separable_polish`, NumPy
    only); otherwise SciPy's SLSQP.
    """
    if len(free_idx) < 2 or not total > 0:
        return x0
    if separable and min_return is None:
        return separable_polish(fn, x0, lo, hi, total, free_idx)
    x0 = x0.copy()
    rest = total - x0[[i for i in range(len(x0)) if i not in free_idx]].sum()
    sc = max(abs(fn(x0)[0]), 1e-12)
    idx = np.array(free_idx)

    def full(y: np.ndarray) -> np.ndarray:
        x = x0.copy()
        x[idx] = y * total
        return x

    def f(y: np.ndarray) -> tuple[float, np.ndarray]:
        v, g = fn(full(y))
        return -v / sc, -g[idx] * total / sc

    cons = [{"type": "eq", "fun": lambda y: y.sum() - rest / total, "jac": lambda y: np.ones_like(y)}]
    if min_return is not None:
        cons.append({"type": "ineq", "fun": lambda y: min_return(full(y))[0] / sc,
                     "jac": lambda y: min_return(full(y))[1][idx] * total / sc})
    hi_f = np.minimum(hi[idx], lo[idx] + total)
    try:
        from scipy.optimize import minimize

        res = minimize(f, x0[idx] / total, jac=True, method="SLSQP",
                                bounds=list(zip(lo[idx] / total, hi_f / total, strict=True)),
                                constraints=cons, options={"maxiter": 200, "ftol": 1e-12})
        y = res.x
    except (ValueError, np.linalg.LinAlgError):
        return x0
    if not np.all(np.isfinite(y)):
        return x0
    out = x0.copy()
    out[idx] = project(y * total, lo[idx], hi_f, rest)
    return out


def separable_polish(fn: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, lo: np.ndarray,
                     hi: np.ndarray, total: float, free_idx: list[int], max_iter: int = 40) -> np.ndarray:
    """Maximise a separable ``fn`` (a sum of one smooth curve per channel) over the channels ``free_idx``
    from ``x0``, keeping their sum and their bounds; the other channels stay at ``x0``.

    Projected Newton steps: the Hessian of a separable function is diagonal, so each step solves
    the quadratic model exactly on the budget and the bounds (:func:`_newton_step`); its diagonal
    is a forward difference of the gradient at the start (all channels at once, since each
    channel's slope depends only on its own spend), then each channel's secant over the last step;
    a step is halved until ``fn`` does not decrease. Stops when the model's promised gain is below
    ``1e-14`` of the objective (SLSQP stops at ``ftol`` ``1e-12``). Never returns a worse plan than ``x0``
    (projected onto the budget and bounds). SLSQP from the same start reaches the same plan within
    its tolerance (``tests/test_planning_polish.py``).
    """
    idx = np.asarray(free_idx, dtype=int)
    lo_i = lo[idx]
    hi_i = np.minimum(hi[idx], lo_i + total)
    x = np.asarray(x0, dtype="float64").copy()
    rest = total - (x.sum() - x[idx].sum())
    x[idx] = project(x[idx], lo_i, hi_i, rest)
    v, g = fn(x)
    size = max(abs(rest), 1e-12)
    eps = 1e-7 * size
    xe = x.copy()
    xe[idx] += eps
    floor = 1e-9 * (float(np.abs(g[idx]).max()) + 1e-300) / size
    # minus the Hessian's diagonal; a locally convex curve gets the floor: a long step, cut back by the line search
    curv = np.maximum(-(fn(xe)[1][idx] - g[idx]) / eps, floor)
    for _ in range(max_iter):
        step = _newton_step(g[idx], curv, lo_i - x[idx], hi_i - x[idx])
        gain = float(g[idx] @ step - 0.5 * (curv * step * step).sum())  # what the quadratic model promises
        if gain <= 1e-14 * max(abs(v), 1e-300) or float(np.abs(step).max()) <= 1e-12 * size:
            break  # converged: the model promises less than rounding
        t, improved = 1.0, False
        for _ in range(12):
            xn = x.copy()
            xn[idx] = project(x[idx] + t * step, lo_i, hi_i, rest)
            vn, gn = fn(xn)
            if vn >= v:
                improved = True
                break
            t *= 0.5
        if not improved:
            break
        # each channel's curvature from the slopes at both ends of its step (a secant: exact for a quadratic,
        # and each channel's slope depends only on its own spend); channels that hardly moved keep theirs
        dx, dg = xn[idx] - x[idx], gn[idx] - g[idx]
        moved = np.abs(dx) > 1e-7 * size
        curv[moved] = np.maximum(-dg[moved] / dx[moved], floor)
        x, v, g = xn, vn, gn
    return x


def _newton_step(g: np.ndarray, a: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The step ``d`` maximising ``g·d - sum(a d**2) / 2`` with ``sum(d) = 0`` and ``lower <= d <= upper``
    (``a > 0``, ``lower <= 0 <= upper``): ``d = clip((g - mu) / a, lower, upper)`` for the ``mu`` where the
    sum, piecewise linear and decreasing in ``mu``, crosses zero (found exactly between its breakpoints)."""
    marks = np.unique(np.concatenate([g - a * lower, g - a * upper]))
    sums = np.clip((g[:, None] - marks[None, :]) / a[:, None], lower[:, None], upper[:, None]).sum(axis=0)
    mu = _piecewise_linear_root(marks, -sums, 0.0)  # sums decrease along marks
    return np.clip((g - mu) / a, lower, upper)


def solve(eng: Engine, lo: np.ndarray, hi: np.ndarray, total: float, objective: str = "mean",
           risk_lambda: float = 1.0, risk_quantile: float | None = None, min_roas: float | None = None,
           idx: list[int] | None = None, steps: int = DP_STEPS) -> tuple[np.ndarray, dict[str, Any]]:
    """Best weekly spend per channel; channels outside ``idx`` stay at ``lo``."""
    t0 = time.perf_counter()
    idx = list(range(len(lo))) if idx is None else list(idx)
    free = [i for i in idx if hi[i] > lo[i]]
    hi_f = np.minimum(hi, lo + max(total - lo.sum(), 0.0))
    mean_fn = objective_fn(eng, "mean", 0.0, None)
    x_dp = dp_allocate(eng, lo, hi_f, total, free, steps)
    x_dp = fix_sum(x_dp, lo, hi_f, total, free)
    x_mean = fix_sum(polish(mean_fn, x_dp, lo, hi_f, total, free, separable=True), lo, hi_f, total, free)
    if mean_fn(x_dp)[0] > mean_fn(x_mean)[0]:
        x_mean = x_dp
    info: dict[str, Any] = {"method": "dynamic programming on a grid (global, separable curves) + Newton polish",
                            "grid_steps": steps}
    ret_fn = None
    if min_roas is not None:
        W = eng.weeks

        def ret_fn(x: np.ndarray) -> tuple[float, np.ndarray]:
            v, g = mean_fn(x)
            return v - min_roas * W * x.sum(), g - min_roas * W

    best = x_mean
    if objective != "mean":
        fn = objective_fn(eng, objective, risk_lambda, risk_quantile)
        starts = [x_mean, fix_sum(eng.current.copy(), lo, hi_f, total, free),
                  fix_sum(0.5 * (lo + hi_f), lo, hi_f, total, free)]
        cands = [fix_sum(polish(fn, s, lo, hi_f, total, free, ret_fn), lo, hi_f, total, free) for s in starts]
        cands.append(x_mean)
        ok = [c for c in cands if ret_fn is None or ret_fn(c)[0] >= -1e-9 * max(abs(mean_fn(c)[0]), 1.0)]
        best = max(ok or [x_mean], key=lambda c: fn(c)[0])
        info["method"] += f"; risk objective: SLSQP from {len(starts)} starts"
    info["seconds"] = round(time.perf_counter() - t0, 4)
    return best, info


def fix_sum(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float, idx: list[int]) -> np.ndarray:
    """Project the channels in ``idx`` so that the whole plan sums to ``total`` within bounds."""
    x = np.clip(np.asarray(x, dtype="float64"), lo, hi)
    if not idx:
        return x
    others = [i for i in range(len(x)) if i not in idx]
    rest = total - x[others].sum()
    out = x.copy()
    out[idx] = project(x[idx], lo[idx], hi[idx], rest)
    return out
