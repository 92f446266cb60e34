"""How sure the model is that a plan beats the current mix, and the lift tests that would settle it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mmm.planning.engine import hdi_interval
from mmm.planning.result import PlanResult, jsonable

if TYPE_CHECKING:
    from mmm.fitted import FittedModel

#: Posterior probability that the reallocation beats the current mix: at or above STRONG the
#: evidence is "strong", at or above MODERATE "moderate", below it "weak".
EVIDENCE_STRONG, EVIDENCE_MODERATE = 0.9, 0.75


#: Posterior probability that the reallocation beats the current mix: at or above STRONG the
#: evidence is "strong", at or above MODERATE "moderate", below it "weak".
EVIDENCE_STRONG, EVIDENCE_MODERATE = 0.9, 0.75


def assess_evidence(channels: list[str], current: np.ndarray, recommended: np.ndarray, prob_gain: float,
              per_channel: np.ndarray) -> dict[str, Any]:
    """How sure the model is that the recommended *mix* beats the current one, and what to test if unsure.

    A budget change moves the expected KPI a lot whatever the mix; the mix itself is what
    the data has to support. When the probability of a gain from reallocation alone is
    low, the plan is a hypothesis: the channels worth a lift test are those whose spend
    moves most and whose return is least certain: spend moved x the relative spread
    (sd / mean over posterior draws) of the channel's expected KPI under the plan
    (``per_channel``, draws x channels).
    """
    moved = np.abs(np.asarray(recommended) - np.asarray(current))
    if moved.sum() <= 1e-6 * max(float(np.sum(current)), 1.0):
        return {"prob_gain_from_mix": None, "strength": "no change", "test_channels": [],
                "message": "The recommended mix is the current mix.",
                "thresholds": {"strong": EVIDENCE_STRONG, "moderate": EVIDENCE_MODERATE}}
    if prob_gain >= EVIDENCE_STRONG:
        strength = "strong"
    elif prob_gain >= EVIDENCE_MODERATE:
        strength = "moderate"
    else:
        strength = "weak"
    test: list[str] = []
    if strength != "strong":
        pc = np.asarray(per_channel, dtype="float64")
        spread = pc.std(axis=0) / np.maximum(np.abs(pc.mean(axis=0)), 1e-12)
        score = moved * spread
        order = [int(i) for i in np.argsort(-score) if score[i] > 0.05 * score.max()]
        test = [channels[i] for i in order[:2]]
    if strength == "strong":
        message = f"Strong evidence: the recommended mix beats the current one with probability {prob_gain:.0%}."
    else:
        message = (f"{strength.capitalize()} evidence for the new mix: the model gives the reallocation alone a "
                   f"{prob_gain:.0%} probability of beating the current mix (50% is a coin flip). The data cannot "
                   "yet tell these allocations apart with confidence; treat the shift as a hypothesis to test")
        message += (f", e.g. with a lift test on {' and '.join(test)} (their spend moves most and their returns are "
                    "least certain), then add the result under lift_tests: and refit." if test else ".")
    return {"prob_gain_from_mix": float(prob_gain), "strength": strength, "test_channels": test,
            "message": message,
            "thresholds": {"strong": EVIDENCE_STRONG, "moderate": EVIDENCE_MODERATE}}


def uplift_summary(new: np.ndarray, old: np.ndarray, prob: float) -> dict[str, Any]:
    """Per-draw uplift of ``new`` over ``old``: absolute and % intervals, probability of a gain."""
    diff = new - old
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(old > 0, 100.0 * diff / old, np.nan)
    return {"abs": hdi_interval(diff, prob),
            "pct": hdi_interval(pct, prob) if np.all(np.isfinite(pct)) else {"mean": None, "hdi_low": None,
                                                                         "hdi_high": None},
            "prob_positive": float(np.mean(diff > 0))}



def recommended_tests(fitted: FittedModel | None, plan: PlanResult, seed: int, prob: float) -> list[dict[str, Any]]:
    """The lift tests that would settle the plan (:func:`mmm.experiment.recommend_tests`), JSON-ready;
    none without a fit (a :class:`~mmm.planning.engine.ResponseModel` built by hand)."""
    if fitted is None:
        return []
    from mmm.experiment import recommend_tests

    return jsonable([t.to_dict() for t in recommend_tests(fitted, plan, seed=seed, prob=prob)])
