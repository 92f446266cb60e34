"""The experiment that would settle it: which lift test to run when a plan is not sure.

A plan's ``evidence`` (:mod:`mmm.planning`) is the posterior probability that the
recommended *mix* beats the current one. When it is not strong, or when a channel the plan
moves has a return that is mostly its prior, the plan is a hypothesis. This module designs
the lift test (geo holdout, on/off or spend-step experiment) whose result would most likely
settle it, and says what the model expects it to measure:

* **which channel**: the plan's ``evidence["test_channels"]`` (spend moves most, return least
  certain) plus every channel the plan can move whose ROAS is prior-dominated
  (``data_informed`` is false in :meth:`mmm.fitted.FittedModel.channel_summary`, when that
  column is there);
* **the spend change and the length**: +50% or -50% of current weekly spend (the plan's own
  direction first) or switching the channel off ("go dark"); for as many weeks as the carryover
  needs (below), or twice that. A lift test in ``lift_tests:`` measures the extra KPI *inside*
  the weeks of the spend change, so the effect that lands after them is lost: the shortest
  length is the one where, by the posterior carryover, at least :data:`LANDING` (75%) of the
  effect of the test's spend lands inside its weeks (at least :data:`MIN_WEEKS`, at most
  :data:`MAX_WEEKS`). Of these designs the one most likely to decide the plan is chosen;
  when none reaches :data:`MIN_DECIDES`, or the plan's direction is settled already, the one
  that would most narrow the channel's ROAS (``narrowing``). A design that moves more spend
  (spend change x weeks) replaces a cheaper one only when it is better by :data:`MARGIN`;
* **which test first**: by the same criterion, at most two tests;
* **the lift the model expects**, per posterior draw, over those weeks, starting the week
  after the data at the channel's current weekly spend (with carry-in from the last weeks),
  the same response the planner uses; reported with its 90% HDI;
* **the standard error a test like it would likely achieve**: the model's own weekly KPI
  noise (posterior mean sd, KPI units) x sqrt(weeks) x :data:`DESIGN_FACTOR`. The square root
  of 2 is a design that estimates the counterfactual from a comparison as long and as noisy
  as the test itself (pre/post, or a matched control market of the same size), with weekly
  noise independent from week to week. Autocorrelated noise, small test regions or a weak
  control make the real standard error larger; a strong synthetic control can make it
  smaller. Pass ``design_factor`` to change it;
* **the probability that its result decides the plan**: preposterior simulation on the
  current posterior, no refit. Draw a posterior draw ``s``, simulate the measured lift
  ``y = lift_s + Normal(0, se)``; re-weight every posterior draw by the test's likelihood
  ``Normal(y | lift_s', se)`` (exactly the term a ``lift_tests:`` entry adds to the model);
  recompute the probability that the recommended mix beats the current one (the plan's
  per-draw gain from the mix alone). The result **decides** when that probability ends at
  or above :data:`DECIDE_HIGH` (90%, confirms the move) or at or below :data:`DECIDE_LOW`
  (10%, reverses it). ``prob_decides`` is the share of simulated results that decide.
  ``narrowing`` comes from the same simulation: 1 - the median updated sd of the channel's
  ROAS / its current sd.

Limits: ``prob_decides`` is about this recommended mix against the current one; after the
refit the optimizer may recommend a different mix. The update re-weights the existing draws,
so a test far more precise than the posterior leaves few effective draws (``effective_draws``)
and a coarse probability.

Feed the result back: run the test, add its weeks to the data and the entry printed in
``lift_test_yaml`` under ``lift_tests:`` with the measured lift and its standard error, then
refit. :func:`mmm.analysis.predicted_lift` gives the model's prediction for the same entry.
A ``lift_tests:`` entry applies ``spend_change`` on top of the spend column, so that column
should hold the spend without the test. That is what a geo test gives (test regions change,
national spend barely moves) and the natural way to run these tests; the national-equivalent
change goes in ``spend_change``.

Example
-------
>>> from mmm.experiment import recommend_tests, tests_lines
>>> tests = recommend_tests(fitted, plan)                                  # doctest: +SKIP
>>> print("\\n".join(tests_lines(tests, plan.summary)))                    # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.kpi import KINDS, SYMBOLS, compact, kpi_kind, money
from mmm.stats import hdi

if TYPE_CHECKING:
    from mmm.fitted import FittedModel
    from mmm.planning import Engine, PlanResult

#: Relative spend change of a test (+50% or -50% of current weekly spend).
CHANGE = 0.5
#: Share of the effect of the test's spend that must land inside its weeks.
LANDING = 0.75
#: Shortest and longest test, in weeks.
MIN_WEEKS, MAX_WEEKS = 4, 26
#: Standard error of a test over the noise of its summed weekly KPI: sqrt(2) for a
#: counterfactual estimated from an equally long and equally noisy comparison.
DESIGN_FACTOR = math.sqrt(2.0)
#: The updated probability that the new mix wins "decides" at or above / at or below these.
DECIDE_HIGH, DECIDE_LOW = 0.9, 0.1
#: Simulated test results per candidate test.
OUTCOMES = 1000
#: Fewer posterior draws than this: no test is designed (the probabilities would be noise).
MIN_DRAWS = 100
#: A costlier test design (more spend moved x weeks) replaces a cheaper one only when it is
#: better by this much (in prob_decides, or in narrowing when no design decides).
MARGIN = 0.05
#: Below this prob_decides for every design, designs are compared by how much they narrow
#: the channel's ROAS instead.
MIN_DECIDES = 0.05

ACTIONS = ("increase", "cut", "go dark")
#: The keys of a test in ``plan.json`` that scripts can rely on.
STABLE_KEYS = ("channel", "spend_change_weekly", "weeks", "expected_lift_mean", "expected_lift_hdi_low",
               "expected_lift_hdi_high", "expected_se", "prob_decides")


@dataclass(frozen=True)
class LiftTestDesign:
    """One recommended lift test.

    Attributes
    ----------
    channel : str
        Channel to test.
    action : {"increase", "cut", "go dark"}
        Direction of the spend change.
    spend_change_weekly : float
        Change in weekly spend during the test (currency; negative for a cut).
    current_weekly : float
        The channel's current weekly spend (mean of the plan's last ``weeks`` weeks of data).
    weeks : int
        Length of the test: weeks of the spend change, and the weeks its lift is measured over.
    start, end : str
        First and last Monday-of-the-week dates of the test if it starts the week after the data.
    share_in_window : float
        Posterior-mean share of the effect of the test's spend that lands inside its weeks.
    expected_lift_mean, expected_lift_hdi_low, expected_lift_hdi_high : float
        Extra KPI over the test's weeks the model expects (KPI units), with its HDI.
    prob : float
        Probability of that interval (0.9).
    expected_se : float
        Standard error a test like this would likely achieve (KPI units).
    prob_decides : float
        Probability that its result moves the chance that the recommended mix beats the
        current one to >= 90% or <= 10%.
    prob_confirms, prob_reverses : float
        The two parts of ``prob_decides``: the result confirms the move (>= 90%), or
        reverses it (<= 10%).
    prob_gain_now : float
        The chance the recommended mix beats the current one before the test.
    effective_draws : float
        Median effective number of posterior draws behind a simulated update (small values
        make ``prob_decides`` coarse).
    narrowing : float
        How much the result would likely narrow the channel's ROAS: 1 - median updated sd /
        current sd (0.3 = its spread shrinks by about 30%).
    reason : str
        Why this channel: ``"plan evidence"`` and/or ``"prior-dominated"``.
    kpi_type, kpi, currency : str
        KPI type, its word and the currency, for the wording.
    """

    channel: str
    action: str
    spend_change_weekly: float
    current_weekly: float
    weeks: int
    start: str
    end: str
    share_in_window: float
    expected_lift_mean: float
    expected_lift_hdi_low: float
    expected_lift_hdi_high: float
    prob: float
    expected_se: float
    prob_decides: float
    prob_confirms: float
    prob_reverses: float
    prob_gain_now: float
    effective_draws: float
    narrowing: float
    reason: str
    kpi_type: str
    kpi: str
    currency: str

    @property
    def lift_test_yaml(self) -> str:
        """A ready-to-paste ``lift_tests:`` entry with placeholders for the measurement."""
        return lift_test_yaml(self.to_record())

    @property
    def message(self) -> str:
        """One plain sentence: the test, what the model expects, how likely it settles the plan."""
        return describe_test(self.to_record(), _units_of(self.to_record()))

    def to_record(self) -> dict[str, Any]:
        """The fields as a plain dict (no derived text)."""
        return asdict(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the fields plus ``lift_test_yaml`` and ``message`` (the ``plan.json`` entry)."""
        rec = self.to_record()
        return {**rec, "lift_test_yaml": lift_test_yaml(rec), "message": describe_test(rec, _units_of(rec))}


# ---------------------------------------------------------------------- building blocks


def has_noise(fitted: FittedModel) -> bool:
    """Whether the fit's posterior holds its KPI noise (planning-only fits do not)."""
    need = {"negative_binomial": ("nb_alpha",), "student_t": ("sigma", "nu")}.get(fitted.spec.model.likelihood,
                                                                                 ("sigma",))
    return all(n in fitted.params for n in need)


def noise_sd(fitted: FittedModel) -> float:
    """Posterior-mean standard deviation of the weekly KPI noise, in KPI units.

    Normal likelihood: ``sigma``; Student-t: ``sigma * sqrt(nu / (nu - 2))`` (nu floored at
    2.5); negative binomial: ``sqrt(mu + mu^2 / alpha)`` at the mean training KPI.
    """
    p = fitted.params
    lik = fitted.spec.model.likelihood
    k = float(fitted.scaling.kpi_scale)
    if lik == "negative_binomial":
        mu = float(np.mean(fitted.train.kpi))
        alpha = np.asarray(p["nb_alpha"], dtype="float64")
        return float(np.mean(np.sqrt(mu + mu * mu / alpha)))
    sd = np.asarray(p["sigma"], dtype="float64") * k
    if lik == "student_t":
        nu = np.maximum(np.asarray(p["nu"], dtype="float64"), 2.5)
        sd = sd * np.sqrt(nu / (nu - 2.0))
    return float(np.mean(sd))


def expected_se(sigma: float, weeks: int, design_factor: float = DESIGN_FACTOR) -> float:
    """Standard error of a lift summed over ``weeks`` weeks of KPI with weekly noise ``sigma``.

    ``sigma * sqrt(weeks) * design_factor`` (see the module docstring for the assumption).
    """
    return float(sigma) * math.sqrt(int(weeks)) * float(design_factor)


def window_share(weights: np.ndarray, weeks: int) -> float:
    """Share of the effect of a constant spend change over ``weeks`` weeks that lands inside them.

    ``weights`` are normalised carryover weights over lags 0..L-1. Spend in week ``t`` of
    the test keeps ``cdf(weeks - 1 - t)`` of its effect inside the window, so the share is
    the mean of the carryover CDF over lags ``0..weeks-1`` (saturation left aside).
    """
    w = np.asarray(weights, dtype="float64")
    cdf = np.cumsum(w) / w.sum()
    lags = np.minimum(np.arange(int(weeks)), len(cdf) - 1)
    return float(cdf[lags].mean())


def weeks_needed(weights: np.ndarray, landing: float = LANDING, min_weeks: int = MIN_WEEKS,
               max_weeks: int = MAX_WEEKS) -> tuple[int, float]:
    """Shortest test (in ``min_weeks..max_weeks``) whose window catches ``landing`` of its effect.

    Returns
    -------
    (int, float)
        Weeks, and the share of the effect inside them (below ``landing`` when even
        ``max_weeks`` is too short).
    """
    for weeks in range(int(min_weeks), int(max_weeks) + 1):
        share = window_share(weights, weeks)
        if share >= landing:
            return weeks, share
    return int(max_weeks), window_share(weights, max_weeks)


def decision_probability(lift: np.ndarray, gain: np.ndarray, se: float, *, outcomes: int = OUTCOMES,
                         seed: int = 0, high: float = DECIDE_HIGH, low: float = DECIDE_LOW,
                         track: np.ndarray | None = None) -> dict[str, float]:
    """Chance that a test measuring ``lift`` with standard error ``se`` settles the sign of ``gain``.

    Parameters
    ----------
    lift : ndarray
        The test's lift per posterior draw ``(S,)``.
    gain : ndarray
        The plan's gain from the mix per posterior draw ``(S,)`` (same draws).
    se : float
        Standard error of the test's measurement.
    outcomes : int
        Simulated test results (seeded).
    seed : int
    high, low : float
        The updated probability of a gain decides at ``>= high`` or ``<= low``.
    track : ndarray, optional
        Another quantity per draw ``(S,)`` (e.g. the channel's ROAS) whose spread the test
        would narrow.

    Returns
    -------
    dict
        ``prob_decides``, ``prob_confirms`` (``>= high``), ``prob_reverses`` (``<= low``),
        ``prob_gain_now``, ``effective_draws`` (median over results) and, with ``track``,
        ``narrowing``: 1 - median over results of its updated sd / its current sd.
    """
    lift = np.asarray(lift, dtype="float64")
    wins = (np.asarray(gain, dtype="float64") > 0).astype("float64")
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, lift.size, int(outcomes))
    y = lift[pick] + float(se) * rng.standard_normal(int(outcomes))
    logw = -0.5 * ((y[:, None] - lift[None, :]) / float(se)) ** 2
    w = np.exp(logw - logw.max(axis=1, keepdims=True))
    total = w.sum(axis=1)
    p = (w @ wins) / total
    ess = total ** 2 / (w * w).sum(axis=1)
    confirms, reverses = float(np.mean(p >= high)), float(np.mean(p <= low))
    out = {"prob_decides": confirms + reverses, "prob_confirms": confirms, "prob_reverses": reverses,
           "prob_gain_now": float(wins.mean()), "effective_draws": float(np.median(ess))}
    if track is not None:
        t = np.asarray(track, dtype="float64")
        m1 = (w @ t) / total
        sd = np.sqrt(np.maximum((w @ (t * t)) / total - m1 * m1, 0.0))
        out["narrowing"] = float(1.0 - np.median(sd) / t.std()) if t.std() > 0 else 0.0
    return out


def prior_dominated_channels(fitted: FittedModel) -> list[str] | None:
    """Channels whose ROAS is mostly the prior (``data_informed`` false), or None when unknown.

    The ``data_informed`` flag of :func:`mmm.identification.prior_influence` (prior contraction,
    as in ``channels.csv``); None when the fit has no full posterior (a planning-only fit).
    """
    from mmm.identification import prior_influence

    try:
        influence = prior_influence(fitted, sensitivity=False)  # the flag needs no sensitivity (nor ArviZ)
    except (KeyError, AttributeError, TypeError):   # a planning-only fit: no posterior, no sampler output
        return None
    return [p.subject for p in influence if p.subject != "total media" and not p.data_informed]


def _tidy(x: float) -> float:
    """Round a spend change to two significant digits (towards zero, so a cut never exceeds spend)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    step = 10.0 ** (math.floor(math.log10(abs(x))) - 1)
    return float(math.copysign(math.floor(abs(x) / step) * step, x))


def _options(current: float, base: float, recommended: float, typical: float,
             change: float) -> list[tuple[str, float]]:
    """Candidate (action, weekly spend change) of a channel: the plan's direction first, then the
    other, then going dark (a channel with no current spend can only be switched on)."""
    if current <= 0:
        return [("increase", _tidy(change * typical))]
    up, down = ("increase", _tidy(change * current)), ("cut", -_tidy(change * current))
    first = [down, up] if recommended < base - 1e-9 * max(base, 1.0) else [up, down]
    return [*first, ("go dark", -round(float(current), 2))]


# ---------------------------------------------------------------------- the plan's side


def _plan_vectors(plan: PlanResult, channels: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Current, current-mix-at-budget and recommended weekly spend from a plan's summary."""
    cur = np.array([plan.current_totals.weekly_spend[c] for c in channels], dtype="float64")
    rec = np.array([plan.recommended_totals.weekly_spend[c] for c in channels], dtype="float64")
    mix = plan.current_mix_totals
    base = np.array([mix.weekly_spend[c] for c in channels], dtype="float64") if mix else cur.copy()
    return cur, base, rec


def plan_gain_draws(fitted: FittedModel, plan: PlanResult, *, seed: int = 0) -> np.ndarray:
    """Per-draw gain of the recommended mix over the current mix at the plan's budget (KPI units).

    The quantity behind ``evidence["prob_gain_from_mix"]``, on the plan's reporting draws
    (``seed`` must be the plan's).
    """
    from mmm.planning import REPORT_DRAWS, build_engine

    s = plan.settings
    eng = build_engine(fitted, s.weeks, s.horizon, REPORT_DRAWS, seed)
    _, base, rec = _plan_vectors(plan, eng.channels)
    return eng.totals_grad(rec, grad=False)[0].sum(axis=1) - eng.totals_grad(base, grad=False)[0].sum(axis=1)


def _test_engine(fitted: FittedModel, weeks: int, seed: int, cache: dict[int, Engine]) -> Engine:
    from mmm.planning import REPORT_DRAWS, build_engine

    if weeks not in cache:
        cache[weeks] = build_engine(fitted, weeks, "period", REPORT_DRAWS, seed)
    return cache[weeks]


def lift_draws(eng: Engine, channel: int, current: float, change: float) -> np.ndarray:
    """Extra KPI inside the test's weeks per draw, for ``change`` on top of ``current`` weekly spend."""
    tot, _ = eng.channel_curve(channel, np.array([current, max(current + change, 0.0)]))
    return tot[1] - tot[0]


def _candidates(plan: PlanResult, channels: Sequence[str], prior_dominated: Iterable[str] | None,
                only: Iterable[str] | None) -> dict[str, list[str]]:
    """Channel -> reasons to test it, in the order of the plan's evidence ranking."""
    if only is not None:
        return {str(c): ["requested"] for c in only}
    out: dict[str, list[str]] = {}
    for c in plan.evidence.test_channels:
        out.setdefault(c, []).append("plan evidence")
    s = plan.settings
    free = {b.channel for b in s.bounds_table if b.max > b.min} - set(s.fixed)  # max inf: no upper bound
    for c in prior_dominated or []:
        if c in free:
            out.setdefault(c, []).append("prior-dominated")
    return {c: r for c, r in out.items() if c in channels}


def _window_dates(fitted: FittedModel, weeks: int) -> tuple[str, str]:
    last = pd.Timestamp(fitted.dataset.dates[-1])
    start = last + pd.Timedelta(weeks=1)
    return str(start.date()), str((start + pd.Timedelta(weeks=weeks - 1)).date())


# ---------------------------------------------------------------------- the recommendation


def recommend_tests(fitted: FittedModel, plan: PlanResult, *, max_tests: int = 2, change: float = CHANGE,
                    landing: float = LANDING, min_weeks: int = MIN_WEEKS, max_weeks: int = MAX_WEEKS,
                    extend: bool = True, actions: Sequence[str] = ACTIONS, design_factor: float = DESIGN_FACTOR,
                    outcomes: int = OUTCOMES,
                    seed: int = 0,
                    prior_dominated: Iterable[str] | None = None, channels: Iterable[str] | None = None,
                    prob: float = 0.9) -> list[LiftTestDesign]:
    """Lift tests that would most likely settle the plan, best first.

    Parameters
    ----------
    fitted : FittedModel
        The fit the plan was made on.
    plan : PlanResult
        From :func:`mmm.planning.optimize_budget` (``seed`` must be the plan's seed).
    max_tests : int
        At most this many tests (1-2 is what a team can run in a quarter).
    change : float
        Relative spend change of an increase or a cut (0.5 = 50% of current weekly spend).
    landing : float
        Share of the effect of the test's spend that must land inside its weeks.
    min_weeks, max_weeks : int
        Bounds on the test's length.
    extend : bool
        Also consider a test twice as long as the carryover needs (up to ``max_weeks``).
    actions : sequence of {"increase", "cut", "go dark"}
        Kinds of spend change to consider (a channel with no current spend can only be
        increased).
    design_factor : float
        Standard error over the noise of the summed KPI (sqrt(2): pre/post or matched market).
    outcomes : int
        Simulated test results per candidate.
    seed : int
        The plan's draw-subsample seed (also seeds the simulation).
    prior_dominated : iterable of str, optional
        Channels whose ROAS is mostly the prior; default: read from ``channel_summary()``
        (``data_informed``), none when that column is absent.
    channels : iterable of str, optional
        Test these channels whatever the evidence (e.g. for a study); default: the
        plan's test channels plus the prior-dominated channels it can move.
    prob : float
        Probability of the expected lift's HDI.

    Returns
    -------
    list of LiftTestDesign
        Empty when the plan's evidence is strong and no channel it can move is
        prior-dominated, when the plan keeps the current mix, when the fit has fewer
        than :data:`MIN_DRAWS` draws, or when it holds no KPI noise to size the test by
        (a planning-only fit).

    Examples
    --------
    >>> [t.to_dict() for t in recommend_tests(fitted, plan)]               # doctest: +SKIP
    """
    unknown = set(actions) - set(ACTIONS)
    if unknown or not actions:
        raise ValueError(f"actions must be some of {', '.join(ACTIONS)}; got {sorted(unknown) or 'none'}.")
    evidence = plan.evidence
    if fitted.params["media_beta"].shape[0] < MIN_DRAWS or evidence.strength == "no change" \
            or not has_noise(fitted):
        return []
    names = list(fitted.spec.channel_names)
    if prior_dominated is None and channels is None:
        prior_dominated = prior_dominated_channels(fitted)
    picks = _candidates(plan, names, prior_dominated, channels)
    if evidence.strength == "strong" and channels is None:
        picks = {c: r for c, r in picks.items() if "prior-dominated" in r}
    if not picks:
        return []
    gain = plan_gain_draws(fitted, plan, seed=seed)
    sigma = noise_sd(fitted)
    cur, base, rec = _plan_vectors(plan, names)
    roas = _roas_draws(fitted, seed)
    cache: dict[int, Engine] = {}
    designs = []
    for ch, reasons in picks.items():
        c = names.index(ch)
        designs.append(_design(fitted, c, reasons, (cur[c], base[c], rec[c]), gain, roas[:, c], sigma, cache,
                               change=change, landing=landing, min_weeks=min_weeks, max_weeks=max_weeks,
                               extend=extend, actions=tuple(actions), design_factor=design_factor,
                               outcomes=outcomes, seed=seed, prob=prob))
    return _rank(designs)[: int(max_tests)]


def _settled(prob_gain_now: float) -> bool:
    """The plan's direction is already clear (the new mix wins with >= 90% or <= 10%)."""
    return prob_gain_now >= DECIDE_HIGH or prob_gain_now <= DECIDE_LOW


def _by_decision(results: list[dict[str, Any]]) -> bool:
    """Compare designs by ``prob_decides`` (else by ``narrowing``): the plan is not settled yet
    and some design reaches :data:`MIN_DECIDES`."""
    return (not _settled(results[0]["prob_gain_now"])
            and max(r["prob_decides"] for r in results) >= MIN_DECIDES)


def _rank(designs: list[LiftTestDesign]) -> list[LiftTestDesign]:
    """Best first, by the criterion of :func:`_pick`."""
    if designs and _by_decision([asdict(d) for d in designs]):
        return sorted(designs, key=lambda d: (-d.prob_decides, -d.narrowing))
    return sorted(designs, key=lambda d: -d.narrowing)


def _roas_draws(fitted: FittedModel, seed: int) -> np.ndarray:
    """Each channel's ROAS over the training weeks ``(S, C)`` on the plan's reporting draws."""
    from mmm.planning import REPORT_DRAWS, draw_index

    p = fitted.params
    if "roas" in p:
        roas = np.asarray(p["roas"], dtype="float64")
    else:
        from mmm.analysis import channel_draws
        roas = channel_draws(fitted).roas
    return roas[draw_index(roas.shape[0], REPORT_DRAWS, seed)]


def _pick(results: list[dict[str, Any]], margin: float = MARGIN) -> dict[str, Any]:
    """The cheapest design unless a costlier one is clearly better.

    ``results`` are in order of cost. The criterion is ``prob_decides`` when some design has
    at least :data:`MIN_DECIDES` of it and the plan is not settled already, else
    ``narrowing`` (what the test would teach about the channel). A costlier design replaces
    the current pick only when it is better by ``margin``.
    """
    key = "prob_decides" if _by_decision(results) else "narrowing"
    best = results[0]
    for r in results[1:]:
        if r[key] > best[key] + margin:
            best = r
    return best


def _design(fitted: FittedModel, c: int, reasons: list[str], spends: tuple[float, float, float],
            gain: np.ndarray, roas: np.ndarray, sigma: float, cache: dict[int, Engine], *, change: float,
            landing: float, min_weeks: int, max_weeks: int, extend: bool, actions: tuple[str, ...],
            design_factor: float, outcomes: int, seed: int, prob: float) -> LiftTestDesign:
    """The test of channel ``c``: its candidate spend changes and lengths, evaluated, one picked.

    ``spends`` are the channel's current, current-mix-at-budget and recommended weekly spend.
    """
    from mmm.response import carryover_matrix

    current, base, recommended = spends
    weights = carryover_matrix(fitted.params, fitted.layout)[:, c].mean(axis=0)
    weeks, _ = weeks_needed(weights, landing, min_weeks, max_weeks)
    lengths = sorted({weeks, min(2 * weeks, int(max_weeks))}) if extend else [weeks]
    options = [o for o in _options(current, base, recommended, float(fitted.scaling.spend_scale[c]), change)
               if o[0] in actions or current <= 0]
    plans = sorted(((w, a, d) for w in lengths for a, d in options), key=lambda t: abs(t[2]) * t[0])
    results = []
    for w, action, delta in plans:
        lift = lift_draws(_test_engine(fitted, w, seed, cache), c, current, delta)
        se = expected_se(sigma, w, design_factor)
        dec = decision_probability(lift, gain, se, outcomes=outcomes, seed=seed, track=roas)
        results.append({**dec, "weeks": w, "action": action, "delta": delta, "lift": lift, "se": se})
    r = _pick(results)
    lift = r["lift"]
    lo, hi = hdi(lift, prob)
    start, end = _window_dates(fitted, r["weeks"])
    spec = fitted.spec
    return LiftTestDesign(
        channel=spec.channel_names[c], action=r["action"], spend_change_weekly=float(r["delta"]),
        current_weekly=float(current), weeks=int(r["weeks"]), start=start, end=end,
        share_in_window=round(window_share(weights, r["weeks"]), 3), expected_lift_mean=float(lift.mean()),
        expected_lift_hdi_low=float(lo), expected_lift_hdi_high=float(hi), prob=float(prob),
        expected_se=float(r["se"]), prob_decides=r["prob_decides"], prob_confirms=r["prob_confirms"],
        prob_reverses=r["prob_reverses"], prob_gain_now=r["prob_gain_now"],
        effective_draws=round(r["effective_draws"], 1), narrowing=round(r["narrowing"], 3),
        reason=" and ".join(reasons), kpi_type=spec.kpi.type, kpi=spec.words["kpi"], currency=spec.currency)


# ---------------------------------------------------------------------- words


def _units_of(units: Mapping[str, Any]) -> dict[str, str]:
    """``kpi`` word, ``currency`` and ``kpi_type`` from a test record, a plan summary or a plain mapping."""
    words = units.get("words") if isinstance(units.get("words"), Mapping) else {}
    kpi = str(units.get("kpi") or words.get("kpi") or "KPI")
    kpi_type = str(units.get("kpi_type") or (kpi if kpi in KINDS else "revenue"))  # the word names the type
    return {"kpi": kpi, "currency": str(units.get("currency") or ""), "kpi_type": kpi_type}


def _sign(x: float, sign: bool) -> str:
    return "-" if x < 0 else ("+" if sign else "")


def _amount(x: float, u: Mapping[str, str], sign: bool = False) -> str:
    """A KPI amount, short: money for revenue and pipeline (``+$52k``), a count for leads."""
    x = float(x)
    if not kpi_kind(u["kpi_type"]).is_money:
        return f"{_sign(x, sign)}{abs(x):,.0f}"
    body = money(abs(x), u["currency"]) if u["currency"] else compact(abs(x))
    return f"{_sign(x, sign)}{body}"


def _spend(x: float, u: Mapping[str, str]) -> str:
    sym = SYMBOLS.get(u["currency"], "")
    s = f"{abs(x):,.0f}"
    return f"{sym}{s}" if sym else f"{s} {u['currency']}".strip()


def describe_test(test: Mapping[str, Any], units: Mapping[str, Any]) -> str:
    """One plain sentence about a recommended test (from its ``to_dict()`` record)."""
    u = _units_of({**units, **{k: test[k] for k in ("kpi", "kpi_type", "currency") if test.get(k)}})
    act, delta, weeks = test["action"], float(test["spend_change_weekly"]), int(test["weeks"])
    how = {"increase": f"raise spend by {_spend(delta, u)}/week",
           "cut": f"cut spend by {_spend(-delta, u)}/week",
           "go dark": f"switch it off ({_spend(-delta, u)}/week)"}[act]
    why = " (its return is mostly the prior)" if "prior-dominated" in str(test.get("reason", "")) else ""
    pct = round(100 * float(test.get("prob", 0.9)))
    lift = (f"the model expects {_amount(test['expected_lift_mean'], u, True)} {u['kpi']} over those weeks "
            f"({pct}%: {_amount(test['expected_lift_hdi_low'], u, True)} to "
            f"{_amount(test['expected_lift_hdi_high'], u, True)})")
    settle = _settle_words(test)
    return (f"Test {test['channel']}{why}: {how} for {weeks} weeks ({test['start']} to {test['end']}); {lift}; "
            f"a test like this measures to about ±{_amount(test['expected_se'], u)}. {settle}")


def _pct(p: float) -> str:
    return "under 1%" if 0 < p < 0.005 else ("over 99%" if 0.995 <= p < 1 else f"{p:.0%}")


def _settle_words(test: Mapping[str, Any]) -> str:
    """How likely the result settles the plan, and what it would teach otherwise (one sentence)."""
    p, now = float(test["prob_decides"]), float(test.get("prob_gain_now", float("nan")))
    narrow = float(test.get("narrowing") or 0.0)
    more = (f"; it would likely narrow the spread of {test['channel']}'s return by about {narrow:.0%}"
            if narrow >= 0.05 else "; a test this size would add little against the weekly noise")
    if _settled(now):
        flip = float(test["prob_reverses"] if now >= DECIDE_HIGH else test["prob_confirms"])
        odds = "Less than a 1%" if flip < 0.005 else f"A {flip:.0%}"
        return (f"The plan's direction is already clear ({now:.0%} that the new mix wins): {odds} chance its "
                f"result would overturn it{more}.")
    rule = f"(settling: the {now:.0%} chance that the new mix wins goes to {DECIDE_HIGH:.0%}+ or {DECIDE_LOW:.0%}-)"
    if p >= 0.5:
        return f"{_pct(p)[0].upper()}{_pct(p)[1:]} chance its result settles whether to move budget {rule}."
    head = "Less than a 1% chance" if p < 0.005 else f"A {p:.0%} chance"
    return f"{head} its result alone settles whether to move budget {rule}{more}."


def lift_test_yaml(test: Mapping[str, Any]) -> str:
    """The ``lift_tests:`` entry to add once the test has run (measurement left as placeholders)."""
    delta = float(test["spend_change_weekly"])
    change = f"{delta:.0f}" if delta == round(delta) else f"{delta:.2f}"
    return (f"- {{channel: {test['channel']}, start: {test['start']}, end: {test['end']}, "
            f"spend_change: {change}, lift: <measured>, lift_se: <its standard error>}}")


def tests_lines(tests: Iterable[LiftTestDesign | Mapping[str, Any]], units: Mapping[str, Any],
                *, yaml: bool = True) -> list[str]:
    """Plain lines about recommended tests, for the console and the deck.

    Parameters
    ----------
    tests : iterable of LiftTestDesign or dict
        ``plan.summary["tests"]`` or :func:`recommend_tests`'s result.
    units : mapping
        The plan summary (``words``, ``currency``, ``kpi_type``) or a mapping with ``kpi``
        (its word), ``currency`` and ``kpi_type``.
    yaml : bool
        Add a line with the ``lift_tests:`` entry to fill in after the test.

    Returns
    -------
    list of str
        One line per test (two with ``yaml``); empty when there is no test.
    """
    lines = []
    for t in tests:
        rec = t.to_dict() if isinstance(t, LiftTestDesign) else dict(t)
        lines.append(describe_test(rec, units))
        if yaml:
            lines.append("  Once it has run, add its weeks to the data and this under lift_tests:, then refit: "
                         + lift_test_yaml(rec))
    return lines
